"""Every validation error our models can give reads in French: no pydantic English leaks.

Each model the API validates (the gateway's bodies and queries, the services' contracts, and
every model nested in them) is fed a battery of wrong values, field by field; every error
type that comes out must have its French text in ``services.common.validation``, and no
message may read as English.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import gateway.service  # noqa: F401  (declares every route)
import services.common.contracts as contracts
from gateway.error_statuses import status_of
from gateway.routing import ROUTES
from services.common.errors import DomainError
from services.common.validation import (
    _MESSAGES,
    CROSS_FIELD_ERROR,
    FALLBACK_MESSAGE,
    PYDANTIC_ERROR_TYPES,
    french_message,
    parse,
)

pytestmark = pytest.mark.unit

WRONG_VALUES: tuple[Any, ...] = (
    None,
    "",
    "x" * 20_000,
    "abc",
    "2026-13-45",
    "2026-01-01T25:00:00",
    "25:99",
    "pas-un-email",
    "ftp://exemple",
    "http://" + "a" * 3000 + ".fr",
    "9" * 5000,
    1.5,
    -1,
    0,
    10**30,
    True,
    [],
    [1.5],
    ["abc"],
    {},
    {"a": 1},
    "\x00",
)
# English as pydantic and its validators write it (pydantic's own texts, email-validator's, ...).
ENGLISH = re.compile(
    r"\b(should|must|input|expected|value is|valid|invalid|error|cannot|not a|field required|the)\b", re.IGNORECASE
)


def _nested_models(annotation: Any) -> Iterator[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _nested_models(argument)


def api_models() -> list[type[BaseModel]]:
    """The routes' bodies and queries, the contracts' models, and every model they nest."""
    found: set[type[BaseModel]] = set()
    for spec in ROUTES:
        found.update(model for model in (spec.body, spec.query) if model is not None)
    for module_info in pkgutil.iter_modules(contracts.__path__):
        module = importlib.import_module(f"{contracts.__name__}.{module_info.name}")
        found.update(
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, BaseModel) and value is not BaseModel
        )
    pending = list(found)
    while pending:
        model = pending.pop()
        for field in model.model_fields.values():
            for nested in _nested_models(field.annotation):
                if nested not in found:
                    found.add(nested)
                    pending.append(nested)
    return sorted(found, key=lambda model: (model.__module__, model.__qualname__))


def errors_for_wrong_values(model: type[BaseModel]) -> Iterator[dict[str, Any]]:
    for name, field in model.model_fields.items():
        key = field.alias or name
        for wrong in WRONG_VALUES:
            try:
                model.model_validate({key: wrong})
            except ValidationError as exc:
                yield from exc.errors(include_url=False)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a validator that is not pydantic's
                raise AssertionError(f"{model.__qualname__}.{name} = {wrong!r:.40} raised {exc!r}") from exc


MODELS = api_models()


def test_the_battery_reaches_the_api_models():
    assert len(MODELS) >= 40, [model.__qualname__ for model in MODELS]


def test_every_error_type_our_models_give_has_a_french_text():
    untranslated: dict[str, str] = {}
    english: dict[str, str] = {}
    kinds: set[str] = set()
    for model in MODELS:
        for error in errors_for_wrong_values(model):
            kind = error["type"]
            kinds.add(kind)
            where = f"{model.__qualname__}.{'.'.join(map(str, error['loc']))}"
            if kind in PYDANTIC_ERROR_TYPES and kind not in _MESSAGES:
                untranslated[kind] = f"{where}: {error['msg']}"
                continue
            messages = (
                [message for _, message in error["ctx"]["fields"]]
                if kind == CROSS_FIELD_ERROR
                else [french_message(error)]
            )
            for message in messages:
                if ENGLISH.search(message) or (message == FALLBACK_MESSAGE and kind != "assertion_error"):
                    english[f"{kind} at {where}"] = message
    assert not untranslated, untranslated
    assert not english, english
    # The battery does reach past the common types (otherwise it proves little).
    assert {"int_from_float", "int_parsing", "string_too_long", "missing", "literal_error"} <= kinds, kinds


def test_an_error_type_without_a_text_says_so_in_french():
    error = {"type": "complex_type", "loc": ("x",), "msg": "Input should be a valid python complex object"}
    assert french_message(error) == FALLBACK_MESSAGE
    # our validators' own error types carry their French text
    assert french_message({"type": "siret", "loc": ("siret",), "msg": "SIRET invalide."}) == "SIRET invalide."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Au\x00fournil", "caractère nul"),
        ("Au \ud800 fournil", "demi-paire UTF-16"),
    ],
)
def test_strings_no_column_can_keep_are_refused_naming_the_field(value, message):
    from services.common.contracts.identity import SignupRequest

    body = {
        "email": "a@b.fr",
        "password": "douze-caracteres",
        "first_name": value,
        "last_name": "B",
        "role": "employer",
    }
    with pytest.raises(DomainError) as caught:
        parse(SignupRequest, body)
    assert status_of(caught.value) == 422
    assert list(caught.value.fields) == ["first_name"]
    assert message in caught.value.fields["first_name"][0]


def test_huge_and_fractional_numbers_are_refused_in_french():
    from gateway.offer_routes import OfferListQuery

    with pytest.raises(DomainError) as caught:
        parse(OfferListQuery, {"page": str(2**70)})
    assert caught.value.fields == {"page": ["Nombre trop grand (au plus 9223372036854775807 en valeur absolue)."]}

    with pytest.raises(DomainError) as caught:
        parse(OfferListQuery, {"page": 1.5, "per_page": 2**64})
    assert caught.value.fields["page"] == ["Doit être un nombre entier (sans partie décimale)."]
    assert caught.value.fields["per_page"][0].startswith(("Nombre trop grand", "Doit être inférieur"))
