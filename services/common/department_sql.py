"""The department of a postal code as a SQL expression, so figures group by department in
the database (SQLite and PostgreSQL alike). It is ``academies.department_of_zipcode`` in SQL;
tests/unit/test_academies.py checks that both agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func
from sqlalchemy.sql.elements import ColumnElement


def department_of(zipcode: Any) -> ColumnElement[str]:
    """The department of the postal code held by ``zipcode`` (a column or SQL expression)."""
    return case(
        (zipcode.like("97%") | zipcode.like("98%"), func.substr(zipcode, 1, 3)),
        (zipcode.like("200%") | zipcode.like("201%"), "2A"),
        (zipcode.like("20%"), "2B"),
        else_=func.substr(zipcode, 1, 2),
    )
