"""The pupil signs their own convention in a real browser (Debian's chromium), on its page
``/mes-conventions/{id}``, in the same signing dialog as the other signatories (phone, code,
drawing with the mouse); the host and the head of school have signed through the API before.

Driven by tests/support/browser_signing.py in a process of its own (see
tests/e2e/test_signing_in_a_browser.py for why)."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.test_convention_journey import api, ok, sign_with_code
from tests.e2e.test_host_application_pages import PASSWORD, account
from tests.e2e.test_search_journey import CLAUDEL, logged_in
from tests.e2e.test_signing_in_a_browser import codes_sent, ready_to_sign
from tests.support.browser_run import chromium, run_signing  # noqa: F401 (a fixture)
from tests.support.conventions import SCHOOL_PART

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PUPIL_PHONE = "+33655443322"


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def test_the_pupil_signs_their_convention_in_a_browser(chromium, stack, schools, tmp_path):  # noqa: F811
    host = logged_in(stack, "employer")
    pupil_email, pupil = account(stack, "student", "Jade", school_uai=CLAUDEL, grade="troisieme")
    manager = logged_in(stack, "school_manager", school_uai=CLAUDEL)
    school_part = {**SCHOOL_PART, "legal_representative_email": f"rl-{uuid.uuid4().hex[:8]}@example.fr"}
    convention_id = ready_to_sign(stack, host, pupil, manager, school_part)
    for who, phone, e164 in ((host, "06 11 11 11 11", "+33611111111"), (manager, "06 22 22 22 22", "+33622222222")):
        count = codes_sent(stack, e164) + 1
        assert sign_with_code(stack, who, phone, e164, [convention_id], count) == {"signed": [convention_id]}

    settings = {
        "login": {"url": f"{stack.url}/eleve/connexion", "email": pupil_email, "password": PASSWORD},
        "url": f"{stack.url}/mes-conventions/{convention_id}",
        "start_button": "Signer la convention",
        "state_after": {"selector": "#etat-convention", "text": "Vous avez signé cette convention."},
        "state_dir": str(stack.state_dir),
        "phone": PUPIL_PHONE,
        "phone_typed": "06 55 44 33 22",
        "code_number": codes_sent(stack, PUPIL_PHONE) + 1,
        "screenshot_dir": str(tmp_path),
    }
    seen = run_signing(settings, timeout=120)

    assert "Jade Brûlé, élève de 3e" in seen["summary"]
    assert seen["axe_page"] == [] and seen["axe_dialog"] == []
    assert "Un code à 6 chiffres a été envoyé" in seen["code_sent_message"]
    assert "pour la convention sélectionnée" in seen["code_sent_message"]
    assert "Code erroné" in seen["wrong_code_message"] and seen["wrong_code_marked_invalid"] == "true"
    assert "Votre signature est enregistrée." in seen["success_message"]
    assert seen["sign_form_hidden"] and "Jade Brûlé" in seen["state_after"]
    assert seen["page_errors"] == []
    assert len(seen["sign_requests"]) == 2
    assert all("link_token" not in request for request in seen["sign_requests"])  # the session signs

    convention = ok(api(stack, "GET", f"/api/v1/conventions/{convention_id}", pupil))
    assert convention["awaiting_signatures"] == ["legal_representative"]
    [signature] = [item for item in convention["signatures"] if item["role"] == "student"]
    assert signature["masked_phone"].endswith("22")
