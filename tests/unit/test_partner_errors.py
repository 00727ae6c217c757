"""Errors of the partner API v2: the helpers and their rendering next to v1's."""

from __future__ import annotations

import json

import pytest

from gateway import errors
from gateway.routing import error_response
from services.common import partner_errors
from services.common.errors import DomainError, validation_error
from services.common.sectors import BY_CODE, SECTORS

pytestmark = pytest.mark.unit


def v2_status(error: DomainError) -> int:
    """The status the partner API v2 answers ``error`` with."""
    return errors.render(error, "v2")[0]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (partner_errors.unauthorized(), 401, "UNAUTHORIZED"),
        (partner_errors.forbidden(), 403, "FORBIDDEN"),
        (partner_errors.not_found("can't find internship_offer with this remote_id"), 404, "NOT_FOUND"),
        (partner_errors.duplicate_api("api with this remote_id (2) already exists"), 409, "DUPLICATE_API"),
        (partner_errors.api_already_destroyed(), 409, "API_ALREADY_DESTROYED"),
        (partner_errors.bad_payload(), 422, "BAD_PAYLOAD"),
        (partner_errors.wrong_params("Grades must be either college or lycee, not both"), 422, "WRONG_PARAMS"),
        (partner_errors.bad_argument("bad week format: 2020-Wsem9-23"), 422, "BAD_ARGUMENT"),
    ],
)
def test_each_error_renders_code_and_message(error, status, code):
    assert errors.render(error, "v2") == (status, {"code": code, "error": error.message})


def test_the_defaults_are_the_national_platform_texts():
    assert errors.render(partner_errors.unauthorized(), "v2")[1] == {"code": "UNAUTHORIZED", "error": "wrong api token"}
    assert partner_errors.forbidden().message == "You are not authorized to access this page."
    assert partner_errors.api_already_destroyed().message == "api already destroyed"
    assert partner_errors.bad_payload().message == (
        "param is missing or the value is empty or invalid: internship_offer"
    )


def test_a_validation_error_answers_400_with_the_fields_as_error():
    fields = {"title": ["Missing title"], "zipcode": ["Missing zipcode", "is invalid"]}
    assert errors.render(partner_errors.validation_error(fields), "v2") == (
        400,
        {"code": "VALIDATION_ERROR", "error": fields},
    )


def test_the_shared_422_validation_error_is_rendered_400_on_v2_and_422_on_v1():
    error = validation_error({"email": ["Ce champ est obligatoire."]})
    assert errors.render(error, "v2") == (400, {"code": "VALIDATION_ERROR", "error": error.fields})
    assert errors.render(error, "v1") == (422, error.to_body())


def test_an_unreadable_body_is_a_bad_payload():
    malformed = DomainError("MALFORMED_JSON", "Le corps de la requête n'est pas un JSON valide.")
    assert errors.render(malformed, "v2") == (422, {"code": "BAD_PAYLOAD", "error": malformed.message})


def test_429_is_the_national_body_with_retry_after():
    response = error_response(partner_errors.too_many_requests(17), "v2")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "17"
    assert json.loads(response.get_data()) == {"error": "Trop de requêtes - Limite d'utilisation de l'API dépassée."}
    # identity's login throttling answers the same body on a v2 route
    throttled = DomainError("RATE_LIMITED", "Trop de tentatives de connexion.", retry_after=600)
    assert errors.render(throttled, "v2") == (429, {"error": partner_errors.TOO_MANY_REQUESTS_MESSAGE})


def test_v1_is_untouched():
    error = DomainError("EMAIL_TAKEN", "Un compte existe déjà avec cette adresse e-mail.")
    response = error_response(error)
    assert response.status_code == 409
    assert json.loads(response.get_data()) == {"code": "EMAIL_TAKEN", "message": error.message}
    assert "Retry-After" not in response.headers


def test_v2_errors_cross_the_bus_as_domain_errors():
    from nameko.exceptions import deserialize, serialize

    error = partner_errors.validation_error({"title": ["Missing title"]})
    again = deserialize(serialize(error))
    assert isinstance(again, DomainError)
    assert (again.code, v2_status(again), again.fields) == ("VALIDATION_ERROR", 400, {"title": ["Missing title"]})


def test_the_sectors_are_the_51_public_codes_in_the_national_order():
    assert [sector.code for sector in SECTORS] == [f"s{n}" for n in range(1, 52)]
    assert len({sector.id for sector in SECTORS}) == 51
    assert BY_CODE["s31"].name == "Informatique et réseaux"


def test_the_sectors_match_the_reference_list(shared_data):
    rows = (shared_data / "sectors.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert {tuple(row.split(";", 1)) for row in rows} == {(sector.code, sector.name) for sector in SECTORS}


def test_the_bodies_equal_the_national_samples(shared_data):
    samples = shared_data / "api-v2-samples"
    too_many = json.loads((samples / "internship_offers/search/too_many_requests.json").read_text())
    assert errors.render(partner_errors.too_many_requests(5), "v2")[1] == too_many
    assert json.loads((samples / "sectors/index/too_many_requests.json").read_text()) == too_many
    unauthorized = json.loads((samples / "sectors/index/unauthorized.json").read_text())
    assert errors.render(partner_errors.unauthorized(), "v2")[1] == unauthorized
    for name in ("forbidden", "conflict"):
        sample = json.loads((samples / f"internship_offers/destroy/{name}.json").read_text())
        helper = partner_errors.forbidden() if name == "forbidden" else partner_errors.api_already_destroyed()
        assert errors.render(helper, "v2")[1] == sample
