"""From an application to a convention signed by all, through the gateway only, as each party
does it: the pupil applies, the host selects, the pupil confirms, host and school fill in,
the host signs in a group with the code read from the SMS outbox, the head of school and
the pupil sign, the legal representative signs through the emailed link, and the sealed
PDF is downloaded and verified."""

from __future__ import annotations

import io
import time

import pytest
import requests
from pypdf import PdfReader

from services.conventions.seal import load_seal_identity, verify_seal
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, found_ids, logged_in, publish
from tests.support.conventions import HOST_PART, SCHOOL_PART, college_week, drawn_signature
from tests.support.mailbox import token_in, wait_for_mail_containing
from tests.support.offers import OFFER
from tests.support.sms import wait_for_code

pytestmark = pytest.mark.e2e

TITLE = "Convention relative à l'organisation de la séquence d'observation en milieu professionnel"


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def api(stack, method: str, path: str, headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
    return requests.request(method, f"{stack.url}{path}", headers=headers or {}, timeout=30, **kwargs)


def ok(answer: requests.Response, status: int = 200) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()


def email_of(stack, headers: dict[str, str]) -> str:
    return ok(api(stack, "GET", "/api/v1/me", headers))["email"]


def sign_with_code(stack, headers: dict[str, str], phone: str, e164: str, ids: list[int], count: int = 1) -> dict:
    request = ok(
        api(stack, "POST", "/api/v1/signatures/code", headers, json={"convention_ids": ids, "phone": phone}), 202
    )
    code = wait_for_code(stack.state_dir, e164, count)
    body = {"signature_request_id": request["signature_request_id"], "code": code, "signature_image": drawn_signature()}
    return ok(api(stack, "POST", "/api/v1/signatures/sign", headers, json=body))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_from_application_to_a_sealed_convention(stack, schools):
    host = logged_in(stack, "employer")
    pupil = logged_in(stack, "student", school_uai=CLAUDEL, grade="troisieme")
    manager = logged_in(stack, "school_manager", school_uai=CLAUDEL)
    week = college_week(-1)
    # a public body with a trade name, its ministry and a contact phone for the school
    employer = {**OFFER["employer"], "trade_name": "Le Fournil du Rectorat", "is_public": True}
    employer["ministry"] = "Ministère des Armées"
    offer = publish(
        stack,
        host,
        place=NEAR_CLAUDEL,
        college_weeks=[week],
        max_candidates=1,
        employer=employer,
        contact_phone="01 23 45 67 89",
    )

    # the pupil applies (a double click makes one application); the host hears of it
    body = {"weeks": [week], "motivation": "J'aime le pain et je veux voir le fournil.", "phone": "06 12 34 56 78"}
    clicks = [
        api(stack, "POST", f"/api/v1/offers/{offer['id']}/applications", {**pupil, "Idempotency-Key": "k1"}, json=body)
        for _ in range(2)
    ]
    assert [answer.status_code for answer in clicks] == [201, 201]
    application = clicks[0].json()
    assert clicks[1].json()["id"] == application["id"]
    wait_for_mail_containing(stack.state_dir, email_of(stack, host), offer["title"])

    # the host's team reads and selects; the pupil confirms, which creates the convention
    listed = ok(api(stack, "GET", "/api/v1/applications", host, params={"offer_id": offer["id"]}))
    assert [item["id"] for item in listed["results"]] == [application["id"]]
    ok(api(stack, "POST", f"/api/v1/applications/{application['id']}/read", host))
    ok(api(stack, "POST", f"/api/v1/applications/{application['id']}/validate", host))
    wrong_side = api(stack, "POST", f"/api/v1/applications/{application['id']}/approve", host)
    assert wrong_side.status_code == 403
    approved = ok(api(stack, "POST", f"/api/v1/applications/{application['id']}/approve", pupil))
    assert approved["status"] == "approved"
    convention_id = approved["convention_id"]
    again = api(stack, "POST", f"/api/v1/applications/{application['id']}/approve", pupil)
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_TRANSITION")

    # its only seat is taken: the offer leaves the pupils' search
    deadline = time.monotonic() + 10
    while offer["id"] in found_ids(stack, pupil) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert offer["id"] not in found_ids(stack, pupil)

    # each side fills in its own part; the school staff sees its pupil's convention
    path = f"/api/v1/conventions/{convention_id}"
    mixed = api(stack, "PATCH", path, host, json={"student_class": "3e A"})
    assert (mixed.status_code, mixed.json()["code"]) == (403, "NOT_YOUR_PART")
    ok(api(stack, "PATCH", path, host, json=HOST_PART))
    assert ok(api(stack, "POST", f"{path}/complete", host))["status"] == "completed_by_employer"
    ok(api(stack, "PATCH", path, manager, json=SCHOOL_PART))
    ready = ok(api(stack, "POST", f"{path}/validate", manager))
    assert ready["status"] == "ready_to_sign"
    # the host's trade name, ministry and contact phone were copied from the offer
    assert (ready["employer_trade_name"], ready["employer_ministry"], ready["contact_phone"]) == (
        "Le Fournil du Rectorat",
        "Ministère des Armées",
        "+33123456789",
    )

    draft = api(stack, "GET", f"{path}/pdf", host)
    assert draft.status_code == 200 and draft.headers["Content-Type"] == "application/pdf"
    draft_text = " ".join(pdf_text(draft.content).split())
    assert "PROJET" in draft_text
    assert "Boulangerie des Canuts — Enseigne : Le Fournil du Rectorat" in draft_text
    assert "Ministère de tutelle : Ministère des Armées" in draft_text
    assert "Téléphone de contact : 01 23 45 67 89" in draft_text

    # group signing by the host, with the code read from the SMS outbox
    ready_list = ok(api(stack, "GET", "/api/v1/conventions", host, params={"status": "ready_to_sign"}))
    assert [item["id"] for item in ready_list["results"]] == [convention_id]
    assert sign_with_code(stack, host, "06 11 11 11 11", "+33611111111", [convention_id]) == {"signed": [convention_id]}
    assert sign_with_code(stack, manager, "06 22 22 22 22", "+33622222222", [convention_id]) == {
        "signed": [convention_id]
    }
    assert sign_with_code(stack, pupil, "06 12 34 56 78", "+33612345678", [convention_id]) == {
        "signed": [convention_id]
    }

    # the legal representative signs through the emailed link, without an account
    token = token_in(wait_for_mail_containing(stack.state_dir, SCHOOL_PART["legal_representative_email"], "token="))
    page = api(stack, "GET", "/signer-la-convention", params={"token": token})
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    for term, text in (
        ("Enseigne", "Le Fournil du Rectorat"),
        ("Ministère de tutelle", "Ministère des Armées"),
        ("Téléphone de contact", "01 23 45 67 89"),
    ):
        assert f"<dt>{term}</dt><dd>{text}</dd>" in page.text
    summary = ok(api(stack, "GET", "/api/v1/signatures/link", params={"token": token}))
    assert summary["id"] == convention_id and summary["awaiting_signatures"] == ["legal_representative"]
    request = ok(
        api(stack, "POST", "/api/v1/signatures/code", json={"link_token": token, "phone": "06 98 76 54 32"}), 202
    )
    code = wait_for_code(stack.state_dir, "+33698765432")
    signed = ok(
        api(
            stack,
            "POST",
            "/api/v1/signatures/sign",
            json={
                "link_token": token,
                "signature_request_id": request["signature_request_id"],
                "code": code,
                "signature_image": drawn_signature(),
            },
        )
    )
    assert signed == {"signed": [convention_id]}

    # the sealed PDF is made after the last signature, off the request path
    deadline = time.monotonic() + 60
    while not ok(api(stack, "GET", path, pupil))["pdf_ready"]:
        assert time.monotonic() < deadline, "the sealed PDF was not made in 60 s"
        time.sleep(0.3)
    final = api(stack, "GET", f"{path}/pdf", pupil)
    assert final.status_code == 200 and final.headers["Content-Type"] == "application/pdf"
    text = pdf_text(final.content)
    assert TITLE in " ".join(text.split())
    assert "PROJET" not in text
    assert text.count("a signé électroniquement le") == 4
    check = verify_seal(final.content, load_seal_identity(stack.state_dir))
    assert check.intact and check.trusted and check.covers_whole_file
    # one byte changed inside the first page's content stream: the seal no longer holds
    position = final.content.index(b"stream\n") + 200
    tampered = final.content[:position] + bytes([final.content[position] ^ 0x01]) + final.content[position + 1 :]
    assert not verify_seal(tampered, load_seal_identity(stack.state_dir)).intact

    # everyone is told, with the link to the PDF
    link = f"/mes-conventions?convention={convention_id}"
    for person in (host, pupil, manager):
        wait_for_mail_containing(stack.state_dir, email_of(stack, person), link)
    # a stranger gets 404 for the convention and its PDF
    stranger = logged_in(stack, "employer")
    assert api(stack, "GET", path, stranger).status_code == 404
    assert api(stack, "GET", f"{path}/pdf", stranger).status_code == 404
