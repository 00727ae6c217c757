"""Pydantic at the edges: French messages naming the field, the same in gateway and services."""

from __future__ import annotations

import math
import re
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core.core_schema import ErrorType

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
    "json_type": "Doit être un texte JSON.",
    "int_from_float": "Doit être un nombre entier (sans partie décimale).",
    "int_parsing_size": "Nombre trop grand.",
    "finite_number": "Doit être un nombre fini.",
    "multiple_of": "Doit être un multiple de {multiple_of}.",
    "string_unicode": "Contient un caractère invalide (demi-paire UTF-16 isolée).",
    "string_not_ascii": "Ne doit contenir que des caractères ASCII.",
    "string_sub_type": "Doit être une chaîne de caractères.",
    "none_required": "Doit être vide (null).",
    "tuple_type": "Doit être une liste.",
    "set_type": "Doit être une liste.",
    "frozen_set_type": "Doit être une liste.",
    "iterable_type": "Doit être une liste.",
    "set_item_not_hashable": "Les éléments de cette liste doivent être des valeurs simples.",
    "mapping_type": "Doit être un objet.",
    "model_attributes_type": "Doit être un objet.",
    "dataclass_type": "Doit être un objet.",
    "invalid_key": "Clé invalide.",
    "is_instance_of": "Valeur invalide.",
    "date_from_datetime_inexact": "Date invalide : une date sans heure est attendue (AAAA-MM-JJ).",
    "date_past": "Doit être une date passée.",
    "date_future": "Doit être une date à venir.",
    "datetime_type": "Date et heure invalides (format attendu : AAAA-MM-JJTHH:MM:SS).",
    "datetime_parsing": "Date et heure invalides (format attendu : AAAA-MM-JJTHH:MM:SS).",
    "datetime_from_date_parsing": "Date et heure invalides (format attendu : AAAA-MM-JJTHH:MM:SS).",
    "datetime_object_invalid": "Date et heure invalides.",
    "datetime_past": "Doit être un instant passé.",
    "datetime_future": "Doit être un instant à venir.",
    "timezone_naive": "Ne doit pas préciser de fuseau horaire.",
    "timezone_aware": "Doit préciser le fuseau horaire (par exemple +02:00).",
    "timezone_offset": "Fuseau horaire non autorisé.",
    "time_type": "Heure invalide (format attendu : HH:MM).",
    "time_parsing": "Heure invalide (format attendu : HH:MM).",
    "time_delta_type": "Durée invalide.",
    "time_delta_parsing": "Durée invalide.",
    "url_type": "Adresse web invalide.",
    "url_syntax_violation": "Adresse web invalide.",
    "url_too_long": "L'adresse web doit contenir au plus {max_length} caractères.",
    "uuid_type": "Identifiant (UUID) invalide.",
    "uuid_parsing": "Identifiant (UUID) invalide.",
    "uuid_version": "Identifiant (UUID) invalide : version {expected_version} attendue.",
    "decimal_type": "Doit être un nombre décimal.",
    "decimal_parsing": "Doit être un nombre décimal.",
    "decimal_max_digits": "Doit compter au plus {max_digits} chiffres.",
    "decimal_max_places": "Doit compter au plus {decimal_places} décimales.",
    "decimal_whole_digits": "Doit compter au plus {whole_digits} chiffres avant la virgule.",
    "bytes_type": "Doit être une chaîne de caractères.",
    "bytes_too_short": "Doit contenir au moins {min_length} octet(s).",
    "bytes_too_long": "Doit contenir au plus {max_length} octets.",
    "bytes_invalid_encoding": "Encodage invalide.",
    "union_tag_invalid": "Valeur non autorisée pour {discriminator} ; valeurs possibles : {expected_tags}.",
    "union_tag_not_found": "Le champ {discriminator} est obligatoire.",
    "assertion_error": "Valeur invalide.",
    "recursion_loop": "Données imbriquées trop profondément.",
    "recursion_depth_exceeded": "Données imbriquées trop profondément.",
}

# What a pydantic error type without a French text says: never pydantic's English.
FALLBACK_MESSAGE = "Valeur invalide."
# pydantic's own error types (any other is one of our validators' PydanticCustomError, in French)
PYDANTIC_ERROR_TYPES = frozenset(get_args(ErrorType))

# Columns hold signed 64-bit integers at most: a larger number would fail in the database driver.
MAX_INTEGER = 2**63 - 1
TOO_LARGE = f"Nombre trop grand (au plus {MAX_INTEGER} en valeur absolue)."
NOT_FINITE = "Doit être un nombre fini."
NUL_CHARACTER = "Ne doit pas contenir de caractère nul (U+0000)."
LONE_SURROGATE = "Contient un caractère invalide (demi-paire UTF-16 isolée)."
_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _field_path(loc: tuple[Any, ...]) -> str:
    # pydantic marks an invalid mapping key with a trailing "[key]": the key names the field.
    return ".".join(str(part) for part in loc if part != "[key]") or "body"


def french_message(error: dict[str, Any]) -> str:
    """One pydantic error in French; custom errors already carry French text."""
    kind = error["type"]
    template = _MESSAGES.get(kind)
    if template is None:
        return FALLBACK_MESSAGE if kind in PYDANTIC_ERROR_TYPES else error["msg"]
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


def _value_problem(value: Any) -> str | None:
    if isinstance(value, str):
        found = _UNSTORABLE_CHARACTER.search(value)
        if found is None:
            return None
        return NUL_CHARACTER if found.group() == "\x00" else LONE_SURROGATE
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int):
        return TOO_LARGE if abs(value) > MAX_INTEGER else None
    elif isinstance(value, float) and not math.isfinite(value):
        return NOT_FINITE
    return None


def unstorable_values(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"field.path": [message]}`` for each value no column can keep as sent: a string with a NUL
    character or a lone UTF-16 surrogate (PostgreSQL refuses the first, UTF-8 cannot encode the
    second), an integer beyond 64 bits, a float that is not finite. Walks dicts, lists and models."""
    found: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [(prefix, data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, BaseModel):
            value = dict(value)
        if isinstance(value, dict):
            stack.extend((f"{path}.{key}" if path else str(key), child) for key, child in value.items())
        elif isinstance(value, list | tuple | set | frozenset):
            stack.extend((f"{path}.{index}" if path else str(index), child) for index, child in enumerate(value))
        else:
            problem = _value_problem(value)
            if problem is not None:
                found.setdefault(path or "body", []).append(problem)
    return found


def parse(model: type[ModelT], data: Any) -> ModelT:
    """Validate ``data`` into ``model`` or raise a 422 DomainError naming every wrong field.

    Values no column can keep (``unstorable_values``) are refused too, whatever the model says.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DomainError("BAD_REQUEST", "Le corps de la requête doit être un objet JSON.")
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        fields = fields_of(exc)
    else:
        # What the model kept, once validated: a field it ignores holds nothing to store, and a
        # number sent as text (a query string's) is an integer only now.
        unstorable = unstorable_values(parsed)
        if not unstorable:
            return parsed
        raise validation_error(unstorable)
    # pydantic skips model validators once a field fails: report their findings as well.
    cross_field_errors = getattr(model, "cross_field_errors", None)
    if cross_field_errors is not None:
        for name, message in cross_field_errors(data):
            fields.setdefault(name, [message])
    raise validation_error(fields)
