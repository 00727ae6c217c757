"""One page of a list and the list's total, in one query.

The total is counted by a window function beside each row (``count(*) OVER ()``, computed
before LIMIT and OFFSET, on SQLite and PostgreSQL alike), so a page costs one query instead
of a count and a select; only a page past the end asks for the total apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

TOTAL_LABEL = "listed_total"


def rows_and_total(session: Session, query: Select[Any], page: int, per_page: int) -> tuple[list[Row[Any]], int]:
    """The rows of page ``page`` (from 1) of ``query`` (ordered by the caller), and how many
    rows the whole query has. Rows carry ``query``'s columns and a ``listed_total`` column."""
    counted = query.add_columns(func.count().over().label(TOTAL_LABEL))
    rows = list(session.execute(counted.offset((page - 1) * per_page).limit(per_page)).all())
    if rows:
        return rows, int(getattr(rows[0], TOTAL_LABEL))
    unordered = query.order_by(None).subquery()
    return rows, session.scalar(select(func.count()).select_from(unordered)) or 0
