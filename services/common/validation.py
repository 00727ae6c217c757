"""Pydantic at the edges: French messages naming the field, the same in gateway and services."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.common.errors import DomainError, validation_error

ModelT = TypeVar("ModelT", bound=BaseModel)

# A model validator that checks several fields together raises a PydanticCustomError of this
# type with ``ctx={"fields": [(field, message), ...]}``: each is reported under its own field.
CROSS_FIELD_ERROR = "cross_field"

INVALID_EMAIL = "Adresse électronique invalide (format attendu : nom@domaine.fr)."

# pydantic error types → French text; ``{…}`` placeholders come from the error's ctx.
_MESSAGES: dict[str, str] = {
    "missing": "Ce champ est obligatoire.",
    "string_type": "Doit être une chaîne de caractères.",
    "string_too_short": "Doit contenir au moins {min_length} caractère(s).",
    "string_too_long": "Doit contenir au plus {max_length} caractères.",
    "string_pattern_mismatch": "Format invalide.",
    "int_type": "Doit être un nombre entier.",
    "int_parsing": "Doit être un nombre entier.",
    "float_type": "Doit être un nombre.",
    "float_parsing": "Doit être un nombre.",
    "bool_type": "Doit valoir true ou false.",
    "bool_parsing": "Doit valoir true ou false.",
    "greater_than_equal": "Doit être supérieur ou égal à {ge}.",
    "less_than_equal": "Doit être inférieur ou égal à {le}.",
    "greater_than": "Doit être supérieur à {gt}.",
    "less_than": "Doit être inférieur à {lt}.",
    "literal_error": "Valeur non autorisée ; valeurs possibles : {expected}.",
    "enum": "Valeur non autorisée ; valeurs possibles : {expected}.",
    "list_type": "Doit être une liste.",
    "dict_type": "Doit être un objet.",
    "model_type": "Doit être un objet.",
    "too_short": "Doit contenir au moins {min_length} élément(s).",
    "too_long": "Doit contenir au plus {max_length} éléments.",
    "date_from_datetime_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_type": "Date invalide (format attendu : AAAA-MM-JJ).",
    "extra_forbidden": "Champ inconnu.",
    "value_error": "{error}",
    "url_parsing": "Adresse web invalide.",
    "url_scheme": "L'adresse web doit commencer par http:// ou https://.",
    "json_invalid": "JSON invalide.",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    # pydantic marks an invalid mapping key with a trailing "[key]": the key names the field.
    return ".".join(str(part) for part in loc if part != "[key]") or "body"


def french_message(error: dict[str, Any]) -> str:
    """One pydantic error in French; custom errors already carry French text."""
    kind = error["type"]
    template = _MESSAGES.get(kind)
    if template is None:
        return error["msg"]
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":
        text = str(ctx.get("error", error["msg"]))
        # pydantic's email check (email-validator) explains itself in English
        if text.startswith("value is not a valid email address"):
            return INVALID_EMAIL
        # pydantic prefixes ValueError texts with "Value error, "
        return text
    if "expected" in ctx:
        ctx["expected"] = str(ctx["expected"]).replace(" or ", " ou ")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def fields_of(exc: ValidationError) -> dict[str, list[str]]:
    """``{"field.path": ["message", ...]}`` of a pydantic ValidationError."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        if error["type"] == CROSS_FIELD_ERROR:
            for name, message in error["ctx"]["fields"]:
                fields.setdefault(_field_path((*error["loc"], name)), []).append(message)
            continue
        fields.setdefault(_field_path(error["loc"]), []).append(french_message(error))
    return fields


def parse(model: type[ModelT], data: Any) -> ModelT:
    """Validate ``data`` into ``model`` or raise a 422 DomainError naming every wrong field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DomainError("BAD_REQUEST", "Le corps de la requête doit être un objet JSON.", 400)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = fields_of(exc)
    # pydantic skips model validators once a field fails: report their findings as well.
    cross_field_errors = getattr(model, "cross_field_errors", None)
    if cross_field_errors is not None:
        for name, message in cross_field_errors(data):
            fields.setdefault(name, [message])
    raise validation_error(fields)
