"""The pages' foundations on their own: the CSRF guard (gateway/web_session.py), the target
after logging in, the flash message read back from its cookie and the form errors
(gateway/page_routing.py). No broker, no database."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from werkzeug.wrappers import Request, Response

from gateway.error_statuses import status_of
from gateway.page_routing import FLASH_COOKIE, FormErrors, _flash, safe_next, templates
from gateway.web_session import CSRF_COOKIE, CsrfGuard, set_private_cookie
from services.common.errors import DomainError, validation_error

pytestmark = pytest.mark.unit

KEY = "unit-test-secret-key-0123456789"
BROWSER = "a-browser-cookie-of-forty-characters-xyz"
OTHER_BROWSER = "another-browser-cookie-of-forty-chars-ab"


def request_with(cookies: dict[str, str] | None = None) -> Request:
    header = "; ".join(f"{name}={value}" for name, value in (cookies or {}).items())
    return Request.from_values("/connexion", method="POST", headers={"Cookie": header} if header else {})


# -- CSRF ---------------------------------------------------------------------------------------


def test_a_token_is_accepted_with_the_cookie_it_was_made_from():
    guard = CsrfGuard(KEY)
    token = guard.token(BROWSER)
    assert guard.is_valid(request_with({CSRF_COOKIE: BROWSER}), token)
    guard.check(request_with({CSRF_COOKIE: BROWSER}), token)  # no error


@pytest.mark.parametrize(
    ("cookies", "submitted"),
    [
        ({}, "token of BROWSER"),  # no cookie: a forged request from a browser that never saw a page
        ({CSRF_COOKIE: OTHER_BROWSER}, "token of BROWSER"),  # another browser's cookie
        ({CSRF_COOKIE: BROWSER}, None),  # no token in the form
        ({CSRF_COOKIE: BROWSER}, ""),
        ({CSRF_COOKIE: BROWSER}, "token of OTHER_BROWSER"),  # a token read on another browser's page
        ({CSRF_COOKIE: BROWSER}, "token of BROWSER under another key"),  # another platform's secret
    ],
)
def test_a_token_is_refused_without_its_cookie_or_with_another(cookies, submitted):
    guard = CsrfGuard(KEY)
    tokens = {
        "token of BROWSER": guard.token(BROWSER),
        "token of OTHER_BROWSER": guard.token(OTHER_BROWSER),
        "token of BROWSER under another key": CsrfGuard(KEY + "-other").token(BROWSER),
    }
    submitted = tokens.get(submitted, submitted)
    request = request_with(cookies)
    assert not guard.is_valid(request, submitted)
    with pytest.raises(DomainError) as refused:
        guard.check(request, submitted)
    assert (refused.value.code, status_of(refused.value)) == ("CSRF_FAILED", 403)
    assert refused.value.message.startswith("Ce formulaire a expiré ou ne vient pas de ce site")


def test_tokens_differ_between_browsers_and_are_stable_for_one():
    guard = CsrfGuard(KEY)
    assert guard.token(BROWSER) == guard.token(BROWSER)
    assert guard.token(BROWSER) != guard.token(OTHER_BROWSER)
    assert BROWSER not in guard.token(BROWSER)


def test_a_browser_keeps_its_cookie_and_a_new_or_odd_one_gets_a_fresh_secret():
    guard = CsrfGuard(KEY)
    assert guard.browser_secret(request_with({CSRF_COOKIE: BROWSER})) == (BROWSER, False)
    for cookies in ({}, {CSRF_COOKIE: "short"}, {CSRF_COOKIE: "x" * 101}):
        secret, new = guard.browser_secret(request_with(cookies))
        assert new and 20 <= len(secret) <= 100 and secret != cookies.get(CSRF_COOKIE)
    first, _ = guard.browser_secret(request_with())
    second, _ = guard.browser_secret(request_with())
    assert first != second


@pytest.mark.parametrize(("setting", "secure"), [("1", True), ("0", False)])
def test_every_cookie_of_the_platform_is_http_only_same_site_lax_and_secure_behind_https(monkeypatch, setting, secure):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", setting)
    response = Response()
    set_private_cookie(response, FLASH_COOKIE, "valeur", 60, path="/mon-espace")
    first, *attributes = response.headers["Set-Cookie"].split("; ")
    assert first == f"{FLASH_COOKIE}=valeur"
    assert {"HttpOnly", "SameSite=Lax", "Max-Age=60", "Path=/mon-espace"} <= set(attributes)
    assert ("Secure" in attributes) is secure


# -- after logging in: a local path only ----------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/mon-espace/offres", "/mon-espace/offres/12?onglet=candidatures", "/", "/%2F%2Fevil.example"],
)
def test_a_local_path_is_kept(target):
    assert safe_next(target, "/mon-espace") == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example/page",
        "https://evil.example/page",
        "http:/evil.example",
        "javascript:alert(1)",
        "\\\\evil.example",
        "/\\evil.example",
        "mon-espace/offres",
    ],
)
def test_another_site_or_a_strange_target_gives_the_default(target):
    assert safe_next(target, "/mon-espace") == "/mon-espace"


# Browsers drop tabs and newlines from a URL (WHATWG URL parsing): « /<TAB>/evil.example »
# becomes « //evil.example », another site; werkzeug writes it so in the Location header.
@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example"])
def test_a_target_with_a_control_character_gives_the_default(target):
    assert safe_next(target, "/mon-espace") == "/mon-espace"


# -- the flash message's cookie -----------------------------------------------------------------


def flash_of(raw: str) -> dict[str, str] | None:
    return _flash(request_with({FLASH_COOKIE: raw}))


def cookie_value(value: object) -> str:
    return quote(json.dumps(value, ensure_ascii=False))


def test_the_flash_message_set_by_a_redirect_is_read_back():
    assert flash_of(cookie_value({"kind": "success", "text": "Votre offre est publiée."})) == {
        "kind": "success",
        "text": "Votre offre est publiée.",
    }


@pytest.mark.parametrize(
    "raw",
    [
        "pas du json",
        cookie_value(["success", "texte"]),
        cookie_value({"kind": "success"}),
        cookie_value({"kind": "success", "text": 42}),
        cookie_value("texte"),
        "",
    ],
)
def test_a_forged_flash_cookie_that_does_not_parse_shows_nothing(raw):
    assert flash_of(raw) is None


def test_a_forged_flash_kind_becomes_info_and_a_long_text_is_cut():
    forged = flash_of(cookie_value({"kind": 'x fr-hidden" onclick="alert(1)', "text": "é" * 5000}))
    assert forged == {"kind": "info", "text": "é" * 500}


def test_a_forged_flash_text_is_shown_as_text_not_markup():
    forged = flash_of(cookie_value({"kind": "error", "text": '<script src="//evil.example/x.js"></script>'}))
    assert forged is not None
    html = templates.get_template("home.html").render(
        user=None, csrf_token="t", flash=forged, current_path="/", audiences={}
    )
    assert "&lt;script src=&#34;//evil.example/x.js&#34;&gt;&lt;/script&gt;" in html
    assert 'evil.example/x.js"></script>' not in html
    assert 'class="fr-alert fr-alert--error fr-alert--sm fr-mb-3w" role="status"' in html


# -- form errors --------------------------------------------------------------------------------


def test_no_error_is_falsy_and_one_field_makes_a_summary():
    errors = FormErrors()
    assert not errors and errors.message == ""
    errors.add("employer.siret", "Le SIRET doit compter 14 chiffres.")
    errors.add("employer.siret", "Ce SIRET est inconnu.")
    assert errors
    assert errors == {"employer.siret": ["Le SIRET doit compter 14 chiffres.", "Ce SIRET est inconnu."]}
    assert errors.message == "Le formulaire contient des erreurs : corrigez les champs signalés."


def test_a_message_alone_is_an_error():
    errors = FormErrors("Adresse électronique ou mot de passe incorrect.")
    assert errors and len(errors) == 0


def test_the_api_error_lands_at_its_fields_and_keeps_its_message():
    exc = validation_error({"place.zipcode": ["Code postal invalide."]}, "Vérifiez l'adresse.")
    errors = FormErrors.of(exc)
    assert errors.message == "Vérifiez l'adresse."
    assert errors == {"place.zipcode": ["Code postal invalide."]}
    errors.add("place.city", "Indiquez la commune.")
    assert errors.message == "Vérifiez l'adresse."  # the API's summary is kept
    assert exc.fields == {"place.zipcode": ["Code postal invalide."]}  # the error itself is left as it was


def test_an_api_error_without_fields_is_a_summary_only():
    errors = FormErrors.of(DomainError("EMAIL_TAKEN", "Un compte existe déjà avec cette adresse."))
    assert errors and dict(errors) == {} and errors.message == "Un compte existe déjà avec cette adresse."
