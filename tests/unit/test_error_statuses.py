"""The gateway's table of statuses covers every code the sources raise, and only those."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gateway.error_statuses import STATUS_BY_CODE, UNKNOWN_CODE_STATUS, status_of
from services.common import errors, partner_errors
from services.common.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]

# The helpers of services/common/errors.py and where their code is: an argument's position
# and keyword, and the code they raise when none is given.
CODE_ARGUMENT = {
    "DomainError": (0, "code", None),
    "conflict": (0, "code", None),
    "forbidden": (1, "code", "FORBIDDEN"),
    "unauthenticated": (1, "code", "UNAUTHENTICATED"),
}


def _sources() -> list[Path]:
    return [
        path
        for folder in ("services", "gateway")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and "migration_template" not in path.parts
    ]


def _string_constants(trees: list[ast.Module]) -> dict[str, str]:
    """Module-level ``NAME = "TEXT"`` assignments, for codes kept in constants."""
    constants: dict[str, str] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        constants[target.id] = node.value.value
    return constants


def raised_codes() -> set[str]:
    """Every code a ``DomainError`` is built with, directly or through a helper."""
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in _sources()]
    constants = _string_constants(trees)
    codes: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in CODE_ARGUMENT:
                continue
            position, keyword, default = CODE_ARGUMENT[name]
            argument = next((k.value for k in node.keywords if k.arg == keyword), None)
            if argument is None and len(node.args) > position:
                argument = node.args[position]
            if argument is None:
                codes.add(default)
            elif isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                codes.add(argument.value)
            elif isinstance(argument, ast.Name) and argument.id in constants:
                codes.add(constants[argument.id])
            # a variable code (the helpers' own bodies) is counted where the helper is called
    return codes


def test_every_raised_code_has_a_status():
    missing = raised_codes() - set(STATUS_BY_CODE)
    assert not missing, f"add these codes to gateway/error_statuses.py: {sorted(missing)}"


def test_the_table_has_no_code_nobody_raises():
    unused = set(STATUS_BY_CODE) - raised_codes()
    assert not unused, f"codes no source raises, to drop from gateway/error_statuses.py: {sorted(unused)}"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.validation_error({"email": ["Adresse invalide."]}), 422),
        (errors.not_found(), 404),
        (errors.forbidden(), 403),
        (errors.unauthenticated(), 401),
        (errors.conflict("NO_SEAT_LEFT", "Plus de place."), 409),
        (errors.rate_limited(30, "Trop de tentatives."), 429),
        (errors.service_unavailable("offers"), 503),
        (partner_errors.bad_payload(), 422),
        (partner_errors.too_many_requests(5), 429),
    ],
)
def test_helpers_answer_their_status(error: DomainError, status: int):
    assert status_of(error) == status


def test_an_unknown_code_is_a_logged_client_error(caplog: pytest.LogCaptureFixture):
    assert status_of(DomainError("NOT_IN_THE_TABLE", "?")) == UNKNOWN_CODE_STATUS
    assert "NOT_IN_THE_TABLE" in caplog.text
