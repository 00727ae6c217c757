"""The legal representative signs the convention in a real browser (Debian's chromium), on the
page of the emailed link, in its signing dialog (phone, code, drawing), drawing the signature
with the mouse; host, head of school and pupil have signed through the API before.

The browser is driven by tests/support/browser_signing.py in a process of its own: the suite
monkey-patches eventlet (tests/conftest.py), under which playwright's sync API never returns
from its shutdown."""

from __future__ import annotations

import base64
import hashlib
import io
import time
import uuid
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.test_convention_journey import api, ok, pdf_text, sign_with_code
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, logged_in, publish
from tests.support.browser_run import chromium, run_signing  # noqa: F401 (a fixture)
from tests.support.conventions import HOST_PART, SCHOOL_PART, college_week
from tests.support.mailbox import token_in, wait_for_mail_containing
from tests.support.sms import texts_to

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LEGAL_REPRESENTATIVE_PHONE = "+33698765432"


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def codes_sent(stack, phone_e164: str) -> int:
    """How many signature codes this phone has received so far (the outbox lasts the session)."""
    return len([text for text in texts_to(stack.state_dir, phone_e164) if "code" in text])


def ready_to_sign(stack, host, pupil, manager, school_part: dict[str, str]) -> int:
    """The id of a convention the pupil applied for, the host and the school filled in, validated."""
    week = college_week(-1)
    offer = publish(stack, host, place=NEAR_CLAUDEL, college_weeks=[week], max_candidates=1)
    body = {"weeks": [week], "motivation": "Je veux voir comment on fait le pain.", "phone": "06 12 34 56 78"}
    application = ok(api(stack, "POST", f"/api/v1/offers/{offer['id']}/applications", pupil, json=body), 201)
    ok(api(stack, "POST", f"/api/v1/applications/{application['id']}/validate", host))
    convention_id = ok(api(stack, "POST", f"/api/v1/applications/{application['id']}/approve", pupil))["convention_id"]
    path = f"/api/v1/conventions/{convention_id}"
    ok(api(stack, "PATCH", path, host, json=HOST_PART))
    ok(api(stack, "POST", f"{path}/complete", host))
    ok(api(stack, "PATCH", path, manager, json=school_part))
    assert ok(api(stack, "POST", f"{path}/validate", manager))["status"] == "ready_to_sign"
    return convention_id


def in_the_browser(stack, token: str, code_number: int, folder: Path) -> dict:
    """What tests/support/browser_signing.py saw while signing on the emailed link's page."""
    settings = {
        "url": f"{stack.url}/signer-la-convention?token={token}",
        "state_dir": str(stack.state_dir),
        "phone": LEGAL_REPRESENTATIVE_PHONE,
        "phone_typed": "06 98 76 54 32",
        "code_number": code_number,
        "screenshot_dir": str(folder),
    }
    return run_signing(settings, timeout=90)


def test_the_legal_representative_signs_in_a_browser_drawing_with_the_mouse(chromium, stack, schools, tmp_path):  # noqa: F811
    host = logged_in(stack, "employer")
    pupil = logged_in(stack, "student", school_uai=CLAUDEL, grade="troisieme")
    manager = logged_in(stack, "school_manager", school_uai=CLAUDEL)
    # an address of this test's own: the session's outbox holds other tests' links too
    school_part = {**SCHOOL_PART, "legal_representative_email": f"rl-{uuid.uuid4().hex[:8]}@example.fr"}
    convention_id = ready_to_sign(stack, host, pupil, manager, school_part)
    path = f"/api/v1/conventions/{convention_id}"
    for who, phone, e164 in (
        (host, "06 11 11 11 11", "+33611111111"),
        (manager, "06 22 22 22 22", "+33622222222"),
        (pupil, "06 12 34 56 78", "+33612345678"),
    ):
        count = codes_sent(stack, e164) + 1
        assert sign_with_code(stack, who, phone, e164, [convention_id], count) == {"signed": [convention_id]}
    convention = ok(api(stack, "GET", path, pupil))
    assert convention["awaiting_signatures"] == ["legal_representative"]

    token = token_in(wait_for_mail_containing(stack.state_dir, school_part["legal_representative_email"], "token="))
    started = time.monotonic()
    seen = in_the_browser(stack, token, codes_sent(stack, LEGAL_REPRESENTATIVE_PHONE) + 1, tmp_path)
    print(f"browser part: {time.monotonic() - started:.1f} s")

    # what the page showed
    assert f"{convention['student_name']}, élève de 3e" in seen["summary"]
    assert convention["offer_title"] in seen["summary"]
    assert seen["prefilled_phone"] == "06 98 76 54 32"  # the number the school typed, as people write it
    assert seen["axe_page"] == [] and seen["axe_dialog"] == []
    assert "Un code à 6 chiffres a été envoyé" in seen["code_sent_message"]
    assert "Code erroné" in seen["wrong_code_message"], seen["wrong_code_message"]
    assert seen["wrong_code_marked_invalid"] == "true"
    assert "Merci : votre signature est enregistrée" in seen["success_message"]
    assert seen["sign_form_hidden"]
    assert seen["page_errors"] == []
    # nothing failed but the wrong code (and /favicon.ico, that the browser asks for: the gateway has none)
    assert [failed.replace(stack.url, "") for failed in seen["failed_responses"]] == [
        "422 POST /api/v1/signatures/sign"
    ]
    expected = (f"({stack.url}/api/v1/signatures/sign)", f"({stack.url}/favicon.ico)")
    assert all(message.endswith(expected) for message in seen["console_errors"]), seen["console_errors"]

    # the page sent twice the drawing made with the mouse: a PNG with ink across the canvas
    assert len(seen["sign_requests"]) == 2
    drawings = {request["signature_image"] for request in seen["sign_requests"]}
    assert len(drawings) == 1
    data_url = drawings.pop()
    assert data_url.startswith("data:image/png;base64,")
    png = base64.b64decode(data_url.split(",", 1)[1])
    with Image.open(io.BytesIO(png)) as image:
        ink = image.convert("RGBA").getchannel("A").point(lambda alpha: 255 if alpha > 128 else 0)
        left, top, right, bottom = ink.getbbox()
        inked = ink.histogram()[255]
        assert right - left > 0.75 * image.width and bottom - top > 0.4 * image.height
        assert inked > 0.005 * image.width * image.height

    # the API: signed by all, the legal representative's signature recorded
    deadline = time.monotonic() + 60
    while not (convention := ok(api(stack, "GET", path, pupil)))["pdf_ready"]:
        assert time.monotonic() < deadline, "the sealed PDF was not made in 60 s"
        time.sleep(0.3)
    assert convention["status"] == "signed_by_all" and convention["awaiting_signatures"] == []
    [legal] = [signature for signature in convention["signatures"] if signature["role"] == "legal_representative"]
    assert legal["signer_name"] == SCHOOL_PART["legal_representative_name"]
    assert legal["masked_phone"].endswith("32")

    # the sealed PDF: four signatures, the legal representative's being the drawing sent
    final = api(stack, "GET", f"{path}/pdf", pupil)
    assert final.status_code == 200 and final.headers["Content-Type"] == "application/pdf"
    text = pdf_text(final.content)
    assert text.count("a signé électroniquement le") == 4
    assert hashlib.sha256(png).hexdigest() in "".join(text.split())
