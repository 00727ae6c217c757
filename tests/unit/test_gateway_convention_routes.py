"""The gateway's routes of applications, conventions and signatures, and the pages built on them.

The declarations are checked against API.md ("Applications and conventions") and the OpenAPI
document built from them; the handlers run against a fake conventions service (no broker),
called the way nameko calls an ``@http`` entrypoint: ``fn(service, request, **path)``. The
pages' French wordings, the host's part read from its form, the signing dialog's markup and
the pages' ES modules are checked here; tests/e2e/test_host_*_pages.py serve them for real.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any, get_args

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway import service as gateway_service
from gateway.application_pages import (
    APPLICATION_STATUSES,
    Pagination,
    application_row,
    period_text,
    phone_text,
    positive_int,
    weeks_text,
)
from gateway.application_routes import ApplicationRoutes
from gateway.convention_pages import (
    convention_facts,
    convention_row,
    convention_state,
    daily_hours_from_form,
    host_part_from_form,
    hours_fields,
    may_sign,
    still_to_sign,
)
from gateway.convention_routes import ConventionRoutes, pdf_response
from gateway.openapi import build_document
from gateway.page_routing import templates
from gateway.pages import WEB_DIR, page_module, shared_asset
from gateway.routing import ROUTES, RouteSpec
from services.common.contracts.conventions import ApplicationStatus, ConventionStatus
from services.common.errors import unauthenticated
from services.common.session_tokens import SessionClaims

pytestmark = pytest.mark.unit

# (method, path, success status, tag, request body model or None, auth) of API.md's section,
# plus the routes the signing pages need (the legal representative's link).
CONTRACT: list[tuple[str, str, int, str, str | None, bool | str]] = [
    ("POST", "/api/v1/offers/{offer_id}/applications", 201, "candidatures", "ApplicationBody", True),
    ("GET", "/api/v1/applications", 200, "candidatures", None, True),
    ("GET", "/api/v1/applications/{application_id}", 200, "candidatures", None, True),
    ("POST", "/api/v1/applications/{application_id}/{action}", 200, "candidatures", "ActionBody", True),
    ("GET", "/api/v1/conventions", 200, "conventions", None, True),
    ("GET", "/api/v1/conventions/{convention_id}", 200, "conventions", None, True),
    ("PATCH", "/api/v1/conventions/{convention_id}", 200, "conventions", "ConventionPatch", True),
    ("POST", "/api/v1/conventions/{convention_id}/complete", 200, "conventions", None, True),
    ("POST", "/api/v1/conventions/{convention_id}/validate", 200, "conventions", None, True),
    ("GET", "/api/v1/conventions/{convention_id}/pdf", 200, "conventions", None, "optional"),
    ("POST", "/api/v1/signatures/code", 202, "signatures", "SignatureCodeBody", "optional"),
    ("POST", "/api/v1/signatures/sign", 200, "signatures", "SignBody", "optional"),
    ("GET", "/api/v1/signatures/link", 200, "signatures", None, False),
]

# Error statuses API.md names for a route, which its OpenAPI answers must list.
CONTRACT_ERRORS: dict[tuple[str, str], set[int]] = {
    ("POST", "/api/v1/offers/{offer_id}/applications"): {401, 404, 409, 422},
    ("POST", "/api/v1/applications/{application_id}/{action}"): {401, 403, 404, 409, 422},
    ("PATCH", "/api/v1/conventions/{convention_id}"): {401, 403, 404, 422},
    ("POST", "/api/v1/signatures/code"): {401, 422, 429},
    ("POST", "/api/v1/signatures/sign"): {401, 410, 422, 423, 429},
    ("GET", "/api/v1/conventions/{convention_id}/pdf"): {401, 403, 404, 422},
    ("GET", "/api/v1/applications"): {401, 422},
    ("GET", "/api/v1/conventions"): {401, 422},
    ("GET", "/api/v1/signatures/link"): {404, 422},
}

KEY = "k" * 40


def spec(method: str, path: str) -> RouteSpec:
    matches = [route for route in ROUTES if route.method == method and route.openapi_path == path]
    assert len(matches) == 1, f"{method} {path} declared {len(matches)} times"
    return matches[0]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document("http://localhost:8000")


# -- declarations and OpenAPI -------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "status", "tag", "body", "auth"), CONTRACT)
def test_each_route_of_the_contract_is_declared(method, path, status, tag, body, auth):
    route = spec(method, path)
    assert (route.status, route.tag, route.auth) == (status, tag, auth)
    assert (route.body.__name__ if route.body else None) == body


@pytest.mark.parametrize(("method", "path", "status", "tag", "body", "auth"), CONTRACT)
def test_each_route_is_documented_with_its_status_tag_and_body(document, method, path, status, tag, body, auth):
    operation = document["paths"][path][method.lower()]
    assert operation["tags"] == [tag]
    assert str(status) in operation["responses"]
    assert {"401", "503"} <= set(operation["responses"]) or auth is False
    if body is None:
        assert "requestBody" not in operation
    else:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{body}"}
        assert body in document["components"]["schemas"]
    if auth is True:
        assert operation["security"] == [{"bearerAuth": []}]
    elif auth == "optional":
        assert operation["security"] == [{}, {"bearerAuth": []}]
    else:
        assert "security" not in operation


@pytest.mark.parametrize(("route", "statuses"), CONTRACT_ERRORS.items())
def test_the_contract_error_statuses_are_documented(document, route, statuses):
    method, path = route
    assert statuses <= {int(status) for status in document["paths"][path][method.lower()]["responses"]}


def test_answers_are_documented_with_their_models(document):
    def schema(method: str, path: str, status: str) -> dict[str, Any]:
        answer = document["paths"][path][method]["responses"][status]
        return answer["content"]["application/json"]["schema"]

    ref = "#/components/schemas/{}".format
    assert schema("post", "/api/v1/offers/{offer_id}/applications", "201") == {"$ref": ref("ApplicationOut")}
    assert schema("get", "/api/v1/applications", "200") == {"$ref": ref("ApplicationList")}
    assert schema("get", "/api/v1/conventions", "200") == {"$ref": ref("ConventionList")}
    assert schema("patch", "/api/v1/conventions/{convention_id}", "200") == {"$ref": ref("ConventionOut")}
    assert schema("post", "/api/v1/signatures/code", "202") == {"$ref": ref("SignatureCodeOut")}
    assert schema("post", "/api/v1/signatures/sign", "200") == {"$ref": ref("SignOut")}
    assert schema("get", "/api/v1/signatures/link", "200") == {"$ref": ref("ConventionOut")}
    for name in ("ApplicationList", "ConventionList"):
        properties = document["components"]["schemas"][name]["properties"]
        assert set(properties) == {"results", "total", "page", "per_page"}


def test_list_filters_are_documented_query_parameters(document):
    def parameters(path: str) -> dict[str, Any]:
        return {p["name"]: p for p in document["paths"][path]["get"]["parameters"] if p["in"] == "query"}

    applications = parameters("/api/v1/applications")
    assert set(applications) == {"offer_id", "status", "page", "per_page"}
    assert set(_enum(applications["status"]["schema"])) == set(get_args(ApplicationStatus))
    conventions = parameters("/api/v1/conventions")
    assert set(conventions) == {"status", "page", "per_page"}
    assert set(_enum(conventions["status"]["schema"])) == set(get_args(ConventionStatus))
    assert conventions["per_page"]["schema"]["maximum"] == 100
    assert parameters("/api/v1/signatures/link")["token"]["schema"]["type"] == "string"
    assert "token" in parameters("/api/v1/conventions/{convention_id}/pdf")


def _enum(schema: dict[str, Any]) -> list[str]:
    # ``Literal[...] | None`` is an anyOf of the enum and null
    return next(option["enum"] for option in schema["anyOf"] if "enum" in option)


def test_the_action_is_a_path_parameter(document):
    operation = document["paths"]["/api/v1/applications/{application_id}/{action}"]["post"]
    parameters = {p["name"]: p["schema"]["type"] for p in operation["parameters"] if p["in"] == "path"}
    assert parameters == {"application_id": "integer", "action": "string"}


def test_the_gateway_has_the_routes_and_the_conventions_proxy():
    assert issubclass(gateway_service.GatewayService, ApplicationRoutes)
    assert issubclass(gateway_service.GatewayService, ConventionRoutes)
    assert gateway_service.GatewayService.conventions.target_service == "conventions"


# -- handlers against a fake conventions service -----------------------------------------------


class FakeConventions:
    """Records each RPC and answers what the test sets."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.answers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        def rpc(*args: Any) -> Any:
            self.calls.append((name, args))
            return self.answers.get(name, {"ok": True})

        return rpc


class FakeAuth:
    def has_credentials(self, request: Request) -> bool:
        return "Authorization" in request.headers

    def authenticate(self, request: Request, fetch_revoked: Any) -> SessionClaims:
        if request.headers.get("Authorization") != "Bearer good":
            raise unauthenticated()
        return SessionClaims(7, "employer", "s1", datetime.now(UTC) + timedelta(hours=1), team_id=3)


class FakeIdentity:
    revoked_sessions = None


class FakeGateway:
    def __init__(self) -> None:
        self.conventions = FakeConventions()
        self.auth = FakeAuth()
        self.identity = FakeIdentity()


EMPLOYER = {"user_id": 7, "role": "employer", "team_id": 3, "school_uai": None, "grade": None}


def call(
    entrypoint: Any,
    service: FakeGateway,
    method: str,
    url: str,
    body: Any = None,
    bearer: bool = False,
    headers: dict[str, str] | None = None,
    **path: Any,
) -> Response:
    all_headers = dict(headers or {})
    if bearer:
        all_headers["Authorization"] = "Bearer good"
    builder = EnvironBuilder(
        path=url,
        method=method,
        headers=all_headers,
        data=None if body is None else json.dumps(body),
        content_type="application/json",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    return entrypoint(service, Request(builder.get_environ()), **path)


def answer(response: Response) -> Any:
    return json.loads(response.get_data(as_text=True))


def test_an_application_goes_to_the_service_with_its_idempotency_key():
    gateway = FakeGateway()
    body = {"weeks": ["2026-W25"], "motivation": "J'aimerais découvrir ce métier."}
    response = call(
        ApplicationRoutes.apply,
        gateway,
        "POST",
        "/api/v1/offers/5/applications",
        body,
        bearer=True,
        headers={"Idempotency-Key": "abc"},
        offer_id=5,
    )
    assert response.status_code == 201
    assert gateway.conventions.calls == [("apply", (EMPLOYER, 5, {**body, "phone": None}, "abc"))]


def test_an_application_needs_a_token():
    gateway = FakeGateway()
    response = call(ApplicationRoutes.apply, gateway, "POST", "/api/v1/offers/5/applications", {}, offer_id=5)
    assert response.status_code == 401
    assert gateway.conventions.calls == []


def test_the_list_filters_are_parsed_and_checked():
    gateway = FakeGateway()
    response = call(
        ApplicationRoutes.list_applications, gateway, "GET", "/api/v1/applications?offer_id=4&status=read", bearer=True
    )
    assert response.status_code == 200
    assert gateway.conventions.calls == [("list_applications", (EMPLOYER, 4, "read", 1, 20))]
    wrong = call(
        ConventionRoutes.list_conventions, gateway, "GET", "/api/v1/conventions?status=signed&per_page=101", bearer=True
    )
    assert wrong.status_code == 422
    assert set(answer(wrong)["fields"]) == {"status", "per_page"}


@pytest.mark.parametrize("action", ["read", "validate", "reject", "cancel", "approve"])
def test_each_action_goes_to_the_service(action):
    gateway = FakeGateway()
    body = {"reason": "Plus de place."} if action == "reject" else None
    response = call(
        ApplicationRoutes.act_on_application,
        gateway,
        "POST",
        f"/api/v1/applications/9/{action}",
        body,
        bearer=True,
        application_id=9,
        action=action,
    )
    assert response.status_code == 200
    assert gateway.conventions.calls == [("act_on_application", (EMPLOYER, 9, action, body or {}))]


def test_an_unknown_action_is_not_found_in_french():
    gateway = FakeGateway()
    response = call(
        ApplicationRoutes.act_on_application,
        gateway,
        "POST",
        "/api/v1/applications/9/accept",
        bearer=True,
        application_id=9,
        action="accept",
    )
    assert response.status_code == 404
    assert answer(response)["code"] == "NOT_FOUND"
    assert "Action inconnue" in answer(response)["message"]
    assert gateway.conventions.calls == []


def test_a_convention_patch_sends_only_the_fields_given():
    gateway = FakeGateway()
    response = call(
        ConventionRoutes.update_convention,
        gateway,
        "PATCH",
        "/api/v1/conventions/2",
        {"tutor_name": "Camille Martin", "tutor_phone": "06 12 34 56 78"},
        bearer=True,
        convention_id=2,
    )
    assert response.status_code == 200
    assert gateway.conventions.calls == [
        ("update_convention", (EMPLOYER, 2, {"tutor_name": "Camille Martin", "tutor_phone": "+33612345678"}))
    ]


def test_a_signature_code_without_token_nor_link_is_unauthenticated():
    gateway = FakeGateway()
    response = call(
        ConventionRoutes.request_signature_code,
        gateway,
        "POST",
        "/api/v1/signatures/code",
        {"convention_ids": [1, 2], "phone": "0612345678"},
    )
    assert response.status_code == 401
    assert gateway.conventions.calls == []


def test_the_legal_representative_asks_a_code_with_the_link_token():
    gateway = FakeGateway()
    gateway.conventions.answers["request_signature_code"] = {"signature_request_id": "r1"}
    body = {"link_token": "t" * 32, "phone": "06 12 34 56 78"}
    response = call(ConventionRoutes.request_signature_code, gateway, "POST", "/api/v1/signatures/code", body)
    assert response.status_code == 202
    assert answer(response) == {"signature_request_id": "r1"}
    assert gateway.conventions.calls == [
        (
            "request_signature_code",
            (None, {"convention_ids": None, "link_token": "t" * 32, "phone": "+33612345678"}, "203.0.113.9"),
        )
    ]


def test_a_batch_is_signed_with_a_bearer_token():
    gateway = FakeGateway()
    gateway.conventions.answers["sign"] = {"signed": [1, 2]}
    body = {"signature_request_id": "r1", "code": "123 456", "signature_image": "data:image/png;base64," + "A" * 40}
    response = call(
        ConventionRoutes.sign,
        gateway,
        "POST",
        "/api/v1/signatures/sign",
        body,
        bearer=True,
        headers={"X-Forwarded-For": "198.51.100.1, 10.0.0.1"},
    )
    assert response.status_code == 200
    assert answer(response) == {"signed": [1, 2]}
    name, (actor, sent, ip) = gateway.conventions.calls[0]
    # The evidence keeps the peer: its X-Forwarded-For is not believed, as it is no trusted proxy.
    assert (name, actor, sent["code"], sent["link_token"], ip) == ("sign", EMPLOYER, "123456", None, "203.0.113.9")


def test_signing_without_token_nor_link_is_unauthenticated():
    gateway = FakeGateway()
    body = {"signature_request_id": "r1", "code": "123456", "signature_image": "data:image/png;base64," + "A" * 40}
    response = call(ConventionRoutes.sign, gateway, "POST", "/api/v1/signatures/sign", body)
    assert response.status_code == 401
    assert gateway.conventions.calls == []


def test_the_link_route_is_public_and_needs_the_token():
    gateway = FakeGateway()
    response = call(ConventionRoutes.convention_for_link, gateway, "GET", "/api/v1/signatures/link?token=" + "t" * 32)
    assert response.status_code == 200
    assert gateway.conventions.calls == [("convention_for_link", ("t" * 32,))]
    missing = call(ConventionRoutes.convention_for_link, gateway, "GET", "/api/v1/signatures/link")
    assert missing.status_code == 422


PDF = b"%PDF-1.7\n%fake\n"


def test_the_pdf_is_answered_raw_and_not_cached():
    gateway = FakeGateway()
    gateway.conventions.answers["convention_pdf"] = {
        "filename": "convention-12.pdf",
        "final": True,
        "pdf_base64": base64.b64encode(PDF).decode(),
    }
    response = call(
        ConventionRoutes.convention_pdf,
        gateway,
        "GET",
        "/api/v1/conventions/12/pdf?token=" + "t" * 32,
        convention_id=12,
    )
    assert response.status_code == 200
    assert response.get_data() == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="convention-12.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert gateway.conventions.calls == [("convention_pdf", (None, 12, "t" * 32))]


def test_the_pdf_needs_a_token_or_a_link():
    gateway = FakeGateway()
    response = call(ConventionRoutes.convention_pdf, gateway, "GET", "/api/v1/conventions/12/pdf", convention_id=12)
    assert response.status_code == 401
    assert gateway.conventions.calls == []


def test_a_pdf_name_with_accents_keeps_a_plain_fallback():
    response = pdf_response(
        {"filename": 'convention "Zoé".pdf', "final": False, "pdf_base64": base64.b64encode(PDF).decode()}
    )
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=\"convention_Zo_.pdf\"; filename*=UTF-8''")
    assert "Zo%C3%A9" in disposition
    assert response.headers["X-Convention-Final"] == "false"


# -- the pages: routes ----------------------------------------------------------------------------

PAGES = [
    ("GET,POST", "/mon-espace/candidatures"),  # POST: « Refuser la sélection »
    ("GET,POST", "/mon-espace/candidatures/<int:application_id>"),
    ("GET,POST", "/mon-espace/conventions"),
    ("GET,POST", "/mon-espace/conventions/<int:convention_id>"),
    ("GET", "/mes-conventions"),
    ("GET,POST", "/signer-en-groupe"),
    ("GET,POST", "/signer-la-convention"),
]


@pytest.mark.parametrize(("methods", "rule"), PAGES)
def test_each_page_is_one_web_route(methods, rule):
    [page] = [route for route in ROUTES if route.rule == rule]
    assert (page.method, page.tag, page.auth, page.raw) == (methods, "web", False, True)


def test_the_signing_pages_are_the_page_modules_and_not_the_old_static_files():
    # A method of the service itself would hide the page module's entrypoint of the same name.
    for name in ("legal_representative_signature_page", "batch_signature_page", "conventions_page"):
        assert name not in vars(gateway_service.GatewayService)
    for old in ("signer-la-convention.html", "signer-en-groupe.html", "mes-conventions.html"):
        assert not (WEB_DIR / old).exists()


# -- the pages: French wordings ------------------------------------------------------------------


def test_dates_and_weeks_are_written_as_people_write_them():
    assert period_text(date(2027, 1, 18), date(2027, 1, 22)) == "du 18 au 22 janvier 2027"
    assert period_text(date(2027, 3, 1), date(2027, 3, 5)) == "du 1er au 5 mars 2027"
    assert period_text(date(2027, 3, 29), date(2027, 4, 2)) == "du 29 mars au 2 avril 2027"
    assert period_text(date(2026, 12, 28), date(2027, 1, 1)) == "du 28 décembre 2026 au 1er janvier 2027"
    assert weeks_text(["2027-W03"]) == "du 18 au 22 janvier 2027"
    assert weeks_text(["2027-W25", "2027-W24"]) == "du 14 au 25 juin 2027"
    assert weeks_text(["2027-W03", "2027-W10"]) == "du 18 au 22 janvier 2027 et du 8 au 12 mars 2027"


def test_phones_and_numbers_of_the_address():
    assert phone_text("+33612345678") == "06 12 34 56 78"
    assert phone_text("+262692123456") == "0692 12 34 56"
    assert phone_text(None) == ""
    assert [positive_int(text) for text in ("12", " 3 ", "0", "-1", "abc", "9" * 20, None)] == [
        12,
        3,
        None,
        None,
        None,
        None,
        None,
    ]


def test_the_pagination_keeps_the_filters_and_shows_the_pages_around():
    pages = Pagination.of({"total": 205, "page": 6, "per_page": 20}, "/mon-espace/candidatures", {"statut": "read"})
    assert pages.pages == 11
    assert pages.numbers() == [1, 4, 5, 6, 7, 8, 11]
    assert pages.link(1) == "/mon-espace/candidatures?statut=read"
    assert pages.link(7) == "/mon-espace/candidatures?statut=read&page=7"
    assert Pagination.of({"total": 0, "page": 1, "per_page": 20}, "/x", {}).pages == 1


APPLICATION = {
    "id": 9,
    "offer_id": 4,
    "offer_title": "Découverte de la boulangerie",
    "student_name": "Zoé Martin",
    "weeks": ["2027-W03"],
    "created_at": "2026-12-31T23:30:00+00:00",
    "status": "submitted",
}


def test_an_application_row_names_its_status_in_the_tutorials_words():
    row = application_row(APPLICATION)
    assert (row["status"], row["badge"], row["href"]) == ("nouvelle", "new", "/mon-espace/candidatures/9")
    assert row["received"] == "1er janvier 2027"  # received in Paris after midnight
    assert row["weeks"] == "du 18 au 22 janvier 2027"
    assert {label for label, _ in APPLICATION_STATUSES.values()} == {
        "nouvelle",
        "lue",
        "acceptée",
        "refusée",
        "confirmée par l'élève",
        "annulée",
        "expirée",
    }


def convention(**changes: Any) -> dict[str, Any]:
    return {
        "id": 5,
        "status": "draft",
        "student_name": "Zoé Martin",
        "offer_title": "Découverte de la boulangerie",
        "employer_name": "Boulangerie des Canuts",
        "school_name": "Collège Paul Claudel",
        "start_date": "2027-01-18",
        "end_date": "2027-01-22",
        "completed_by_employer_at": None,
        "validated_by_school_at": None,
        "awaiting_signatures": [],
        "pdf_ready": False,
        **changes,
    }


SIGNING = ["employer", "school_manager", "student", "legal_representative"]


@pytest.mark.parametrize(
    ("changes", "host", "school"),
    [
        ({}, "à remplir par vous", "à remplir par vous"),
        ({"completed_by_employer_at": "x"}, "en attente de l'établissement", "à remplir par vous"),
        ({"validated_by_school_at": "x"}, "à remplir par vous", "en attente de l'organisme d'accueil"),
        ({"status": "ready_to_sign"}, "prête à signer", "prête à signer"),
        ({"status": "signatures_started"}, "signatures en cours", "signatures en cours"),
        ({"status": "signed_by_all"}, "signée", "signée"),
        ({"status": "cancelled"}, "annulée", "annulée"),
    ],
)
def test_the_state_of_a_convention_as_each_side_reads_it(changes, host, school):
    assert convention_state(convention(**changes), "employer")[0] == host
    assert convention_state(convention(**changes), "school_manager")[0] == school


def test_who_still_signs_and_who_may_sign_now():
    started = convention(status="signatures_started", awaiting_signatures=["employer", "student"])
    assert still_to_sign(started, "employer") == "vous et l'élève"
    assert still_to_sign(convention(status="ready_to_sign", awaiting_signatures=SIGNING), "student") == (
        "l'organisme d'accueil, le chef d'établissement, vous et le représentant légal"
    )
    assert may_sign(started, "employer") and may_sign(started, "student")
    assert not may_sign(started, "school_manager")
    assert not may_sign(started, None)  # a teacher
    assert not may_sign(convention(awaiting_signatures=["employer"]), "employer")  # still a draft


def test_a_conventions_row_links_the_host_to_its_part_and_everyone_to_the_pdf():
    row = convention_row(convention(), "employer", featured=5)
    assert (row["href"], row["link_label"], row["pdf"]) == (
        "/mon-espace/conventions/5",
        "Remplir ma partie",
        "/api/v1/conventions/5/pdf",
    )
    assert row["featured"] and not row["signable"]
    done = convention_row(convention(completed_by_employer_at="x"), "employer")
    assert done["link_label"] == "Voir la convention"
    school = convention_row(convention(), "school_manager")
    assert (school["href"], school["link_label"]) == ("/etablissement/conventions/5", "Remplir ma partie")
    validated = convention_row(convention(validated_by_school_at="x"), "teacher")
    assert (validated["href"], validated["link_label"]) == ("/etablissement/conventions/5", "Voir la convention")


def test_the_facts_name_the_hosts_trade_name_ministry_and_contact_phone_when_it_has_them():
    given = convention(
        employer_trade_name="Au Pain Doré", employer_ministry="Ministère des Armées", contact_phone="+33123456789"
    )
    facts = dict(convention_facts(given))
    assert list(facts)[3:7] == ["Structure d'accueil", "Enseigne", "Ministère de tutelle", "Téléphone de contact"]
    assert (facts["Enseigne"], facts["Ministère de tutelle"], facts["Téléphone de contact"]) == (
        "Au Pain Doré",
        "Ministère des Armées",
        "01 23 45 67 89",
    )
    # a convention made before they were copied, or a trade name that is the legal name: nothing shown
    for older in (convention(), convention(employer_trade_name="Boulangerie des Canuts", contact_phone=None)):
        assert not {"Enseigne", "Ministère de tutelle", "Téléphone de contact"} & set(dict(convention_facts(older)))


# -- the host's part read from its form -----------------------------------------------------------


def form(**fields: Any) -> MultiDict[str, str]:
    items = []
    for name, value in fields.items():
        for each in value if isinstance(value, list) else [value]:
            items.append((name.replace("__", "."), each))
    return MultiDict(items)


def test_each_day_has_four_times_in_the_apis_shape():
    hours, problems = daily_hours_from_form(
        form(
            daily_hours__lundi=["09:00", "12:00", "13:00", "16:00"],
            daily_hours__mardi=["09:00", "", "", "12:00"],
            daily_hours__mercredi=["", "", "", ""],
            daily_hours__jeudi=["09:00", "12:00", "", "16:00"],
            daily_hours__vendredi=["", "", "", "16:00"],
        )
    )
    assert hours == {"lundi": ["09:00", "12:00", "13:00", "16:00"], "mardi": ["09:00", "12:00"]}
    assert problems == {
        "daily_hours.jeudi": ["Jeudi : indiquez le début et la fin de la pause déjeuner, ou aucune des deux."],
        "daily_hours.vendredi": [
            "Vendredi : indiquez l'heure d'arrivée et l'heure de départ, ou laissez la journée vide."
        ],
    }


def test_the_host_part_clears_what_was_emptied_and_keeps_what_was_typed():
    patch, values, errors = host_part_from_form(
        form(
            tutor_name=" Camille Bernard ",
            tutor_role="",
            tutor_email="camille@example.fr",
            tutor_phone="06 11 22 33 44",
            activities="Observer le fournil.",
            lunch_break="",
            daily_hours__lundi=["09:00", "", "", "12:00"],
        )
    )
    assert patch == {
        "tutor_name": "Camille Bernard",
        "tutor_role": None,
        "tutor_email": "camille@example.fr",
        "tutor_phone": "06 11 22 33 44",
        "activities": "Observer le fournil.",
        "lunch_break": None,
        "daily_hours": {"lundi": ["09:00", "12:00"]},
    }
    assert values["daily_hours"]["lundi"] == ["09:00", "", "", "12:00"]
    assert values["daily_hours"]["vendredi"] == ["", "", "", ""]
    assert not errors
    _, _, refused = host_part_from_form(form(daily_hours__lundi=["", "", "", "12:00"]))
    assert set(refused) == {"daily_hours.lundi"} and refused.message


def test_the_form_shows_the_apis_hours_four_fields_a_day():
    fields = hours_fields({"lundi": ["09:00", "12:00", "13:00", "16:00"], "mardi": ["09:00", "12:00"]})
    assert fields["lundi"] == ["09:00", "12:00", "13:00", "16:00"]
    assert fields["mardi"] == ["09:00", "", "", "12:00"]
    assert list(fields) == ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]
    assert "samedi" in hours_fields({"samedi": ["09:00", "12:00"]})


# -- the signing dialog --------------------------------------------------------------------------


class Markup(HTMLParser):
    """Elements of a piece of HTML: their attributes, the labels' targets, the buttons' texts."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.labels: dict[str, str] = {}
        self.buttons: list[str] = []
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag in ("label", "button") or attributes.get("id"):
            self._open.append((tag, attributes.get("for") or attributes.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        for tag, key in self._open:
            if tag == "label" and key:
                self.labels[key] = (self.labels.get(key, "") + " " + text).strip()
            elif tag == "button" and text:
                self.buttons.append(text)
            elif key:
                self.texts[key] = (self.texts.get(key, "") + " " + text).strip()

    def by_id(self, element_id: str) -> dict[str, str | None]:
        return next(attributes for _, attributes in self.elements if attributes.get("id") == element_id)


def signing_dialog(*args: Any, **kwargs: Any) -> tuple[str, Markup]:
    module = templates.get_template("conventions/_signing.html").make_module({"csrf_token": "t"})
    html = str(module.signing_dialog(*args, **kwargs))
    markup = Markup()
    markup.feed(html)
    return html, markup


def test_the_signing_dialog_asks_the_phone_the_code_and_the_drawing_in_the_tutorials_words():
    html, markup = signing_dialog("batch", "Signer", phone="06 12 34 56 78", success="Toutes signées.")
    dialog = markup.by_id("signature")
    assert (dialog["class"], dialog["aria-labelledby"], dialog["data-mode"]) == ("fr-modal", "signature-title", "batch")
    assert (
        "Pour garantir la sécurité de votre signature, nous allons vous authentifier par votre téléphone portable : "
        "saisissez votre numéro, vous recevrez un code à 6 chiffres par SMS."
    ) in " ".join(html.split())
    phone = markup.by_id("signature-phone")
    assert (phone["type"], phone["autocomplete"], phone["value"]) == ("tel", "tel", "06 12 34 56 78")
    code = markup.by_id("signature-code")
    assert (code["inputmode"], code["autocomplete"]) == ("numeric", "one-time-code")
    assert markup.labels["signature-code"].startswith("Code reçu par SMS")
    canvas = markup.by_id("signature-pad")
    assert (canvas["role"], markup.texts[str(canvas["aria-labelledby"])]) == ("img", "Votre signature")
    for button in ("Recevoir le code", "Renvoyer le code", "Continuer", "Effacer", "Signer"):
        assert button in markup.buttons
    assert "signature-consent" not in html and "data-link-token" not in html
    for tag, attributes in markup.elements:
        if tag == "input":
            assert attributes["id"] in markup.labels, f"{attributes['id']} has no label"


def test_the_legal_representatives_dialog_asks_consent_and_carries_the_link():
    _, markup = signing_dialog("link", "Signer la convention", consent=True, link_token="tok-123", signer_name="Ana")
    assert markup.by_id("signature")["data-link-token"] == "tok-123"
    assert markup.labels["signature-consent"] == "J'ai lu la convention et j'accepte de la signer."
    assert "Signer la convention" in markup.buttons
    assert markup.by_id("signature-name")["value"] == "Ana"


# -- the pages' ES modules -------------------------------------------------------------------------

MODULES = ["signing.mjs", "signature-pad.mjs"]


def test_the_stylesheet_and_the_signing_modules_are_served_and_nothing_else_is():
    assert shared_asset("app.css").content_type == "text/css; charset=utf-8"
    for name in MODULES:
        served = page_module(name)
        assert (served.status_code, served.content_type) == (200, "text/javascript; charset=utf-8")
    for wrong in ("../pages.py", "pages.py", "signer-en-groupe.html"):
        assert shared_asset(wrong).status_code == 404 and page_module(wrong).status_code == 404


@pytest.mark.parametrize("name", MODULES)
def test_the_signing_modules_are_small_and_keep_no_token_in_the_browser(name):
    path = WEB_DIR / "js" / name
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size <= 30_000
    # API texts are written as text (textContent), never parsed as HTML; no other origin
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "http://", "https://"):
        assert forbidden not in text
    # the session is the HttpOnly cookie: nothing of it is kept by a script
    assert "sessionStorage" not in text and "localStorage" not in text


def test_the_signing_module_calls_the_code_and_sign_routes_through_the_api_helper():
    text = (WEB_DIR / "js" / "signing.mjs").read_text(encoding="utf-8")
    assert 'import {api, showAlert} from "./api.mjs";' in text
    for path in ('"/api/v1/signatures/code"', '"/api/v1/signatures/sign"', "/api/v1/signatures/link?token="):
        assert path in text
    for code in ("WRONG_CODE", "CODE_EXPIRED", "TOO_MANY_ATTEMPTS"):
        assert f'"{code}"' in text


def test_the_signature_pad_draws_with_pointer_events_and_refuses_an_empty_drawing():
    pad = (WEB_DIR / "js" / "signature-pad.mjs").read_text(encoding="utf-8")
    assert "export function signaturePad(canvas)" in pad
    for pointer_event in ("pointerdown", "pointermove", "pointerup", "pointercancel"):
        assert f'"{pointer_event}"' in pad
    assert 'toDataURL("image/png")' in pad
    assert "isEmpty()" in pad and "clear()" in pad
    assert "touch-action: none" in (WEB_DIR / "app.css").read_text(encoding="utf-8")
