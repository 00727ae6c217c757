"""The gateway's routes of applications, conventions and signatures, and the two signing pages.

The declarations are checked against API.md ("Applications and conventions") and the OpenAPI
document built from them; the handlers run against a fake conventions service (no broker),
called the way nameko calls an ``@http`` entrypoint: ``fn(service, request, **path)``.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any, get_args

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway import service as gateway_service
from gateway.application_routes import ApplicationRoutes
from gateway.convention_routes import ConventionRoutes, pdf_response
from gateway.openapi import build_document
from gateway.pages import SHARED_ASSETS, WEB_DIR, shared_asset
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


@pytest.mark.parametrize(
    ("path", "page"),
    [("/signer-la-convention", "signer-la-convention.html"), ("/signer-en-groupe", "signer-en-groupe.html")],
)
def test_the_signing_pages_are_public_web_routes(path, page):
    route = spec("GET", path)
    assert (route.tag, route.auth, route.raw) == ("web", False, True)
    assert (WEB_DIR / page).is_file()


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
    assert (name, actor, sent["code"], sent["link_token"], ip) == ("sign", EMPLOYER, "123456", None, "198.51.100.1")


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


# -- the signing pages --------------------------------------------------------------------------

SIGNING_PAGES = ["signer-la-convention.html", "signer-en-groupe.html"]
ACCOUNT_PAGES = ["rejoindre-une-equipe.html", "mes-conventions.html", "mon-equipe.html"]
SHARED_SCRIPTS = sorted(name for name in SHARED_ASSETS if name.endswith(".js"))


class PageReader(HTMLParser):
    """Inputs, labels, live regions, scripts and linked files of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.live_regions = 0
        self.linked: list[str] = []
        self.scripts: list[str] = []
        self.canvases: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea"):
            self.inputs.append(attributes)
        if tag == "label" and attributes.get("for"):
            self.label_targets.add(str(attributes["for"]))
        if attributes.get("aria-live"):
            self.live_regions += 1
        if tag == "canvas":
            self.canvases.append(attributes)
        if tag == "script":
            self.scripts.append(attributes.get("src") or "inline")
        source = attributes.get("href") if tag == "link" else attributes.get("src") if tag == "script" else None
        if source:
            self.linked.append(source)


def read_page(name: str) -> tuple[str, PageReader]:
    text = (WEB_DIR / name).read_text(encoding="utf-8")
    reader = PageReader()
    reader.feed(text)
    return text, reader


def read_asset(name: str) -> str:
    return (WEB_DIR / name).read_text(encoding="utf-8")


def page_and_scripts(name: str) -> str:
    """A page's text followed by the shared scripts it loads: all the code that runs on it."""
    text, page = read_page(name)
    return "\n".join([text] + [read_asset(src.removeprefix("/static/")) for src in page.scripts if src != "inline"])


def top_level_names(script: str) -> set[str]:
    return set(re.findall(r"^(?:async )?(?:function|const|let|class) ([A-Za-z_$][\w$]*)", script, re.MULTILINE))


@pytest.mark.parametrize("name", sorted(path.name for path in WEB_DIR.glob("*.html")))
def test_a_page_loads_only_the_shared_files_of_the_gateway(name):
    # Only the platform's own shared files (/static/<one of SHARED_ASSETS>), never another origin.
    _, page = read_page(name)
    for source in page.linked:
        assert source.startswith("/static/"), source
        assert source.removeprefix("/static/") in SHARED_ASSETS, source
    # the shared scripts come before the page's own, which uses them
    assert page.scripts == sorted(page.scripts, key=lambda src: src == "inline")


@pytest.mark.parametrize("name", sorted(SHARED_ASSETS))
def test_each_shared_file_is_served_with_its_type_and_nothing_else_is(name):
    response = shared_asset(name)
    assert response.status_code == 200
    assert response.content_type == SHARED_ASSETS[name]
    assert response.get_data(as_text=True) == read_asset(name)
    assert shared_asset("pages.py").status_code == 404
    assert shared_asset("../pages.py").status_code == 404


@pytest.mark.parametrize("name", [*sorted(path.name for path in WEB_DIR.glob("*.html")), *SHARED_SCRIPTS])
def test_no_page_nor_shared_script_writes_html_or_reaches_another_origin(name):
    text = read_asset(name)
    # API texts are written as text (textContent), never parsed as HTML
    assert "innerHTML" not in text
    assert "outerHTML" not in text and "insertAdjacentHTML" not in text
    assert not re.search(r"https?://", text), "no external resource"


@pytest.mark.parametrize("name", [*SIGNING_PAGES, *ACCOUNT_PAGES])
def test_a_page_declares_again_nothing_of_the_shared_scripts_it_loads(name):
    # A name the page declared again would either fail (const, let, class) or replace the shared one.
    text, page = read_page(name)
    inline = "\n".join(re.findall(r"<script>(.*?)</script>", text, re.DOTALL))
    for source in page.scripts:
        if source != "inline":
            assert not top_level_names(inline) & top_level_names(read_asset(source.removeprefix("/static/")))


def test_the_shared_scripts_declare_each_name_once():
    names = [top_level_names(read_asset(name)) for name in SHARED_SCRIPTS]
    assert all(not first & second for index, first in enumerate(names) for second in names[index + 1 :])


@pytest.mark.parametrize("name", SIGNING_PAGES)
def test_each_signing_page_is_accessible_and_self_contained(name):
    text, page = read_page(name)
    assert '<html lang="fr">' in text
    assert 'name="viewport"' in text
    assert page.inputs
    for field in page.inputs:
        assert field.get("id") in page.label_targets, f"{field.get('id')} has no <label for>"
    assert page.live_regions >= 1
    assert len(page.canvases) == 1
    assert ">Effacer<" in text
    assert 'href="/static/site.css"' in text
    assert "touch-action: none" in read_asset("site.css")
    # the drawing pad and the API helpers are the shared scripts', loaded before the page's own
    assert page.scripts == ["/static/site.js", "/static/signature-pad.js", "inline"]
    assert "const pad = signatureField();" in text
    assert "function signaturePad(" not in text
    assert "class ApiError" not in text


def test_the_signature_pad_draws_with_pointer_events_and_refuses_an_empty_drawing():
    pad = read_asset("signature-pad.js")
    for pointer_event in ("pointerdown", "pointermove", "pointerup", "pointercancel"):
        assert f'"{pointer_event}"' in pad
    assert 'toDataURL("image/png")' in pad
    assert "isEmpty()" in pad and "if (pad.isEmpty())" in pad
    assert '"clear"' in pad and "pad.clear()" in pad
    assert "writeName(name)" in pad
    site = read_asset("site.js")
    assert "paragraph.textContent = text;" in site
    assert 'const TOKEN_KEY = "1e1s.token";' in site and 'const USER_KEY = "1e1s.user";' in site


def test_the_legal_representative_page_calls_the_link_code_and_sign_routes():
    text = page_and_scripts("signer-la-convention.html")
    for path in ("/api/v1/signatures/link?token=", "/api/v1/signatures/code", "/api/v1/signatures/sign", "/pdf?token="):
        assert path in text
    assert "link_token: linkToken" in text
    # the emailed link stands for the signatory: the page never sends a session of the tab
    assert "sendSession: false" in read_page("signer-la-convention.html")[0]
    assert 'name="referrer" content="no-referrer"' in text


def test_the_batch_page_logs_in_lists_the_ready_conventions_and_signs_them():
    text = page_and_scripts("signer-en-groupe.html")
    _, page = read_page("signer-en-groupe.html")
    for path in (
        "/api/v1/auth/login",
        "/api/v1/conventions?status=",
        "/api/v1/signatures/code",
        "/api/v1/signatures/sign",
    ):
        assert path in text
    assert 'listAll("ready_to_sign")' in text
    assert 'listAll("signatures_started")' in text
    assert "sessionStorage" in text
    assert "convention_ids: ids" in text
    assert "Tout cocher" in text
    assert "onSignOut()" in text  # a 401 brings the login form back
    assert {"email", "password", "phone", "code", "select-all"} <= {field.get("id") for field in page.inputs}


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_the_account_pages_are_accessible_and_self_contained(name):
    text, page = read_page(name)
    assert '<html lang="fr">' in text and 'name="viewport"' in text
    for field in page.inputs:
        assert field.get("id") in page.label_targets, f"{field.get('id')} has no <label for>"
    assert page.live_regions >= 1
    assert page.scripts == ["/static/site.js", "inline"]


def test_the_team_page_calls_the_team_space_and_notification_routes():
    text = page_and_scripts("mon-equipe.html")
    for path in (
        '"/api/v1/team"',
        '"/api/v1/team/invitations"',
        '"/api/v1/team/invitations/"',
        '"/api/v1/team/members/"',
        '"/api/v1/spaces"',
        '"/notifications"',
        '"/notifications/"',
        '"?move_to="',
    ):
        assert path in text, path
    for code in ("SPACE_NOT_EMPTY", "LAST_RECIPIENT"):
        assert f'"{code}"' in text, code
    assert "window.confirm(" in text  # removing someone, withdrawing an invitation, deleting a space
    route = spec("GET", "/mon-equipe")
    assert (route.tag, route.auth, route.raw) == ("web", False, True)
