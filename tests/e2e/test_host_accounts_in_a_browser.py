"""The tutorial's step 1 (« Je me connecte ») in a real browser (Debian's chromium), as a new
host does it: from the home page to an account, the emailed links, and a login with the
keyboard alone; every page checked with axe-core (no serious or critical violation), 375 px
wide (no sideways scrolling), for its Content-Security-Policy and for script errors.

The browser runs tests/support/web_journeys/host_accounts.py in a process of its own (the
suite's eventlet patching keeps playwright's sync API from exiting); its screenshots are
kept in artefacts/screenshots/host-accounts/ (or under $E1S_ARTEFACTS).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from gateway.page_routing import ROLE_HOME
from tests.support.browser_run import chromium, failure, page_problems, run_journey  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.usefixtures("chromium")]

HOST_HOME = ROLE_HOME["employer"]
DSFR_BLUE = "rgb(0, 0, 145)"  # blue-france-sun-113: the DSFR's primary button


def page_declared(path: str) -> bool:
    """Whether the gateway declares a GET page at ``path`` (some land later than step 1)."""
    import gateway.service  # noqa: F401 (declares every route)
    from gateway.routing import ROUTES

    rules = [Rule(spec.rule) for spec in ROUTES if spec.tag == "web" and "GET" in spec.method.split(",")]
    try:
        Map(rules).bind("localhost").match(path)
    except HTTPException:
        return False
    return True


@pytest.fixture(scope="module")
def journey(stack) -> dict[str, Any]:
    """The report of the journey, run once for the module's tests."""
    settings = {
        "email": f"camille.lefevre-{uuid.uuid4().hex[:8]}@example.fr",
        "password": "un-mot-de-passe-solide",
        "new_password": "un-autre-mot-de-passe-2026",
    }
    report = run_journey(stack, "host_accounts", settings, timeout=240)
    report["settings"] = settings
    return report


@pytest.mark.timeout(300)
def test_a_new_host_creates_an_account_logs_out_resets_the_password_and_logs_in_with_the_keyboard(journey):
    assert not journey["error"], failure(journey)
    seen, email = journey["seen"], journey["settings"]["email"]

    # « Mon Espace » → « Je suis un offreur »: the login page, its blue « Connexion », « Créer un compte »
    assert seen["my_space_url"].endswith("/mon-espace")
    assert seen["login_url"].endswith("/offreur/connexion")
    assert seen["login_button"]["classes"].split() == ["fr-btn"], "a primary DSFR button"
    assert seen["login_button"]["background"] == DSFR_BLUE
    assert seen["signup_link"] == "/offreur/inscription"
    assert seen["forgotten_link"] == "/mot-de-passe-oublie"

    # the sign-up form, its password rule, and a short password refused at its field
    assert seen["signup_fields"] == {
        "Prénom": "first_name",
        "Nom": "last_name",
        "Adresse électronique": "email",
        "Mot de passe": "password",
    }
    assert "12 caractères minimum" in seen["password_rules"]
    refused = seen["short_password"]
    assert refused["status"] == 422
    assert refused["field_message"] == "Doit contenir au moins 12 caractère(s)."
    assert refused["field_invalid"] == "true"
    assert "f-password-messages" in refused["field_described_by"].split()
    assert refused["focused"], "the error summary has the focus after a refused form"
    assert "Mot de passe : Doit contenir au moins 12 caractère(s)." in refused["text"]
    assert refused["kept"] == {"first_name": "Camille", "last_name": "Lefèvre", "email": email, "password": ""}

    # « Un mail vous a été envoyé », then the emailed link logs in
    assert f"Un mail vous a été envoyé à l'adresse {email}" in seen["mail_sent_text"]
    assert seen["landing"]["url"].endswith(HOST_HOME)
    if page_declared(HOST_HOME):
        assert seen["landing"]["flash"] == "Votre adresse électronique est confirmée : vous êtes connecté."
    cookie = seen["session_cookie"]
    assert cookie is not None, "the confirmation link did not open a session"
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    for moment in ("scripts_see_after_confirmation", "scripts_see_on_a_page", "scripts_see_after_keyboard_login"):
        scripts_see = seen[moment]
        assert not scripts_see["session_cookie_readable"], (moment, scripts_see["document_cookie"])
        assert not scripts_see["token_readable"], (moment, scripts_see)

    # « Se déconnecter »
    assert seen["logged_out"]["cookie"] is None
    assert seen["logged_out"]["flash"] == "Vous êtes déconnecté."

    # a wrong password and an unknown address: the same answer, focused
    assert seen["wrong_password"]["text"] == seen["unknown_address"]["text"]
    assert seen["wrong_password"]["text"] == "Adresse électronique ou mot de passe incorrect."
    assert seen["wrong_password"]["focused"] and seen["unknown_address"]["focused"]
    assert seen["wrong_password"]["email_kept"] == email

    # « Mot de passe oublié ? », the emailed link, a new password, and the keyboard alone
    assert seen["reset_asked"]["url"].endswith("/connexion")
    assert seen["reset_asked"]["flash"].startswith("Si un compte existe pour cette adresse")
    assert seen["password_changed"]["flash"] == "Votre mot de passe a été modifié : connectez-vous."
    keyboard = seen["keyboard_login"]
    assert keyboard["logged_in"] and keyboard["url"].endswith(HOST_HOME), keyboard
    assert all(presses >= 1 for presses in keyboard["tab_presses"].values())


@pytest.mark.timeout(300)
def test_every_page_of_the_journey_is_accessible_narrow_and_protected(journey):
    assert not journey["error"], failure(journey)
    pages = journey["pages"]
    # The host's space comes with the offers' pages: until then the router's 404 is expected there.
    pending = set() if page_declared(HOST_HOME) else {HOST_HOME}
    if pending:
        print(f"{HOST_HOME} is not declared yet: its page is not checked")
    shown = [page for page in pages if page["path"] not in pending]
    landings = [page["status"] for page in pages if page["path"] == HOST_HOME]
    assert landings == ([404, 404] if pending else [200, 200]), "the confirmation link, then the keyboard login"

    assert page_problems({"pages": shown}) == []
    unchecked = {page["path"] for page in shown} - {page["path"] for page in shown if page["checks"]}
    assert unchecked == set(), f"pages seen but never checked with axe and at 375 px: {unchecked}"
    checks = [check for page in shown for check in page["checks"]]
    assert len(checks) >= 10
    assert all(check["axe_rules_run"] >= 30 for check in checks), "axe-core did not run its rules"
