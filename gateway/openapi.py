"""The OpenAPI 3.1 document, built from the route declarations and their pydantic models."""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from gateway.routing import MAX_ID, ROUTES, RouteSpec
from services.common.contracts.conventions import ApplicationAction
from services.common.contracts.formats import SIRET_FORMAT, UAI_FORMAT, text_pattern
from services.common.validation import MAX_INTEGER

_STATUS_TEXT = {
    200: "Succès",
    201: "Créé",
    202: "Accepté",
    204: "Sans contenu",
    400: "Requête mal formée (JSON invalide, non UTF-8 ou trop imbriqué)",
    401: "Non authentifié",
    403: "Interdit",
    404: "Introuvable",
    409: "Conflit avec l'état actuel",
    410: "Expiré",
    413: "Corps trop volumineux (PAYLOAD_TOO_LARGE)",
    415: "Corps qui n'est pas du JSON (UNSUPPORTED_MEDIA_TYPE)",
    422: "Données invalides (VALIDATION_ERROR)",
    423: "Verrouillé",
    429: "Trop de requêtes (voir Retry-After)",
    503: "Service indisponible (SERVICE_UNAVAILABLE)",
}


class ErrorBody(BaseModel):
    """Every v1 error: a stable code, a French message and, for 422, the wrong fields."""

    code: str = Field(examples=["VALIDATION_ERROR"])
    message: str
    fields: dict[str, list[str]] | None = Field(default=None, description="Chemin du champ → messages.")


class PartnerErrorBody(BaseModel):
    """Every partner API v2 error: a stable code and the wrong fields (VALIDATION_ERROR) or a message."""

    code: str = Field(examples=["UNAUTHORIZED"])
    error: str | dict[str, list[str]] = Field(examples=["wrong api token"])


class PartnerValidationErrorBody(BaseModel):
    """The partner API v2's 400: the wrong fields, each with its messages, as the national API names them."""

    code: Literal["VALIDATION_ERROR"]
    error: dict[str, list[str]] = Field(examples=[{"title": ["Missing title"]}], description="Champ → messages.")


class PartnerRateLimitBody(BaseModel):
    """The partner API v2's 429, as the national platform answers it (no code)."""

    error: str


# What a route whose path ends with ``.csv`` or ``.xlsx`` answers (the exports), instead of JSON.
_FILE_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

# Statuses whose meaning differs in the partner API v2 (gateway/errors.py).
_V2_STATUS_TEXT = {
    400: "Données invalides (VALIDATION_ERROR)",
    422: "Corps ou paramètres invalides (BAD_PAYLOAD, WRONG_PARAMS, BAD_ARGUMENT)",
}


class RequestSchema(GenerateJsonSchema):
    """JSON Schema of what a request may hold: a text without a pattern of its own gets one saying
    what its validator checks beyond its length (stripped before counting, no NUL character)."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        """A string's schema; in requests, with ``text_pattern`` unless it has a pattern."""
        json_schema = super().str_schema(schema)
        if self.mode == "validation" and "pattern" not in json_schema:
            stripped = bool(schema.get("strip_whitespace", self._config.str_strip_whitespace))
            json_schema["pattern"] = text_pattern(schema.get("min_length") or 0, stripped)
        return json_schema


# The string path parameters: what each names (any other value answers 404).
_PATH_STRINGS: dict[str, dict[str, Any]] = {
    "siret": {"type": "string", "format": SIRET_FORMAT},
    "uai": {"type": "string", "format": UAI_FORMAT},
    "action": {"type": "string", "enum": list(get_args(ApplicationAction))},
}


def _schemas(routes: list[RouteSpec]) -> tuple[dict[tuple[type[BaseModel], str], Any], dict[str, Any]]:
    models: set[tuple[type[BaseModel], str]] = {
        (ErrorBody, "serialization"),
        (PartnerErrorBody, "serialization"),
        (PartnerValidationErrorBody, "serialization"),
        (PartnerRateLimitBody, "serialization"),
    }
    for spec in routes:
        body = spec.body or spec.documented_body
        if body is not None:
            models.add((body, "validation"))
        if spec.response is not None:
            models.add((spec.response, "serialization"))
    refs, top = models_json_schema(
        sorted(models, key=lambda m: (m[0].__name__, m[1])),
        ref_template="#/components/schemas/{model}",
        schema_generator=RequestSchema,
    )
    return refs, top.get("$defs", {})


def _path_schema(name: str, converter: str) -> dict[str, Any]:
    """An integer path parameter is an id: 1 to ``MAX_ID`` (any other answers 404)."""
    if converter == "int":
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return dict(_PATH_STRINGS.get(name, {"type": "string", "minLength": 1, "pattern": text_pattern(0, stripped=False)}))


def _bound_integers(schema: Any) -> None:
    """Every integer without bounds gets the 64-bit ones ``services.common.validation.parse`` enforces."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "integer":
                node.setdefault("maximum", MAX_INTEGER)
                node.setdefault("minimum", -MAX_INTEGER)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _operation(spec: RouteSpec, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": spec.summary,
        "tags": [spec.tag],
        "operationId": spec.method.lower() + "_" + re.sub(r"[^a-zA-Z0-9]+", "_", spec.openapi_path).strip("_"),
    }
    if spec.description:
        operation["description"] = spec.description
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(name, conv)}
        for name, conv in spec.path_params
    ]
    if spec.query is not None:
        query_schema = spec.query.model_json_schema(schema_generator=RequestSchema)
        required = set(query_schema.get("required", ()))
        for name, field in query_schema["properties"].items():
            parameters.append({"name": name, "in": "query", "required": name in required, "schema": field})
    if parameters:
        operation["parameters"] = parameters
    body = spec.body or spec.documented_body
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(body, "validation")]}},
        }
    success: dict[str, Any] = {"description": _STATUS_TEXT.get(spec.status, "Succès")}
    if spec.response is not None:
        schema = refs[(spec.response, "serialization")]
        success["content"] = {
            "application/json": {"schema": {"type": "array", "items": schema} if spec.response_is_list else schema}
        }
    elif spec.raw and spec.rule.rpartition(".")[2] in _FILE_TYPES:
        media_type = _FILE_TYPES[spec.rule.rpartition(".")[2]]
        success["content"] = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    responses: dict[str, Any] = {str(spec.status): success}
    v2 = spec.error_format == "v2"
    error_ref = refs[(PartnerErrorBody if v2 else ErrorBody, "serialization")]
    statuses = set(spec.errors) | {503}
    if spec.body is not None:
        # gateway/routing.py: not JSON, not UTF-8 or too deep (400), too large (413), not declared JSON (415)
        statuses |= {400, 413, 415, 422}
    elif spec.documented_body is not None:
        statuses.add(413)  # the handler reads the body; ``_handle`` refuses it when too large first
    if spec.query is not None:
        statuses.add(400 if v2 else 422)
    if any(conv == "int" for _, conv in spec.path_params):
        statuses.add(404)  # an id that names nothing
    if spec.auth is True:
        statuses.add(401)
        operation["security"] = [{"bearerAuth": []}]
    elif spec.auth == "optional":
        statuses.add(401)  # a token given is checked
        operation["security"] = [{}, {"bearerAuth": []}]
    v2_schemas = {429: PartnerRateLimitBody, 400: PartnerValidationErrorBody}
    for status in sorted(statuses):
        schema = refs[(v2_schemas[status], "serialization")] if v2 and status in v2_schemas else error_ref
        text = (_V2_STATUS_TEXT if v2 else {}).get(status) or _STATUS_TEXT.get(status, "Erreur")
        responses[str(status)] = {"description": text, "content": {"application/json": {"schema": schema}}}
    operation["responses"] = responses
    return operation


def build_document(public_url: str) -> dict[str, Any]:
    """OpenAPI 3.1 for every declared route."""
    refs, schemas = _schemas(ROUTES)
    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        for method in spec.method.split(","):
            paths.setdefault(spec.openapi_path, {})[method.lower()] = _operation(spec, refs)
    _bound_integers(paths)
    _bound_integers(schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "1 élève 1 stage",
            "version": "1.0.0",
            "description": "API de la plateforme des stages d'observation des élèves de 4e, 3e et 2de GT.",
        },
        "servers": [{"url": public_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
