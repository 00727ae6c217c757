"""School staff over HTTP, as a browser without JavaScript uses the pages: a head of school and a
teacher create their accounts through « Je suis un établissement » (the school found with
« Rechercher »); the teacher sees no pupil until the head confirms them on « Équipe » (at once,
without logging in again, emailed); « Classes et élèves » shows where each pupil stands."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.e2e.test_host_application_pages import PASSWORD, Browser, account, field_message, ok, text
from tests.e2e.test_search_journey import NEAR_CLAUDEL, publish
from tests.support.conventions import HOST_PART, SCHOOL_PART, college_week
from tests.support.mailbox import text_of, token_in, wait_for_mail, wait_for_mail_containing

pytestmark = pytest.mark.e2e

ANATOLE = "0132561N"  # Collège Anatole France: no other test signs up its pupils or staff
GALOIS = "0753937X"
SIGNUP = "/etablissement/inscription"


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def signed_up_staff(stack, role: str, first_name: str, classes: str = "") -> tuple[Browser, str]:
    """A head of school or a teacher of Anatole France (of ``classes``, « Vos classes ») who
    signed up through the page and followed the emailed link: logged in."""
    browser = Browser(stack)
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.fr"
    form = browser.get(SIGNUP)
    assert form.status_code == 200 and "Créer un compte — établissement" in text(form)
    typed = {"first_name": first_name, "last_name": "Arnaud", "email": email}

    found = browser.post(SIGNUP, {**typed, "school_query": "anatole france", "action": "search"})
    assert found.status_code == 200, found.text[:500]
    assert f'name="school_uai" value="{ANATOLE}"' in found.text and "Collège Anatole France" in text(found)

    no_role = browser.post(SIGNUP, {**typed, "school_uai": ANATOLE, "password": PASSWORD, "action": "signup"})
    assert no_role.status_code == 422 and 'href="#f-role"' in no_role.text
    assert field_message(no_role, "f-role") == "Indiquez si vous êtes chef d'établissement ou professeur."
    assert f'value="{ANATOLE}" checked' in no_role.text
    short = browser.post(
        SIGNUP, {**typed, "role": role, "school_uai": ANATOLE, "password": "court", "action": "signup"}
    )
    assert short.status_code == 422 and 'id="f-password-messages"' in short.text
    no_school = browser.post(SIGNUP, {**typed, "role": role, "password": PASSWORD, "action": "signup"})
    assert no_school.status_code == 422
    assert "Recherchez votre établissement, puis choisissez-le dans la liste." in text(no_school)

    body = {**typed, "role": role, "school_uai": ANATOLE, "password": PASSWORD, "class_name": classes}
    sent = browser.post(SIGNUP, {**body, "action": "signup"})
    assert sent.status_code == 200 and "Un mail vous a été envoyé" in text(sent), sent.text[:500]
    [mail] = wait_for_mail(stack.state_dir, email)
    confirmed = browser.get(f"/confirmer-mon-email?token={token_in(mail)}")
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/etablissement/eleves"
    return browser, email


def test_the_head_confirms_a_teacher_who_then_sees_the_pupils_at_once(stack, schools):
    login = requests.get(f"{stack.url}/etablissement/connexion", timeout=10)
    assert f'href="{SIGNUP}"' in login.text

    head, _ = signed_up_staff(stack, "school_manager", "Hélène")
    teacher, teacher_email = signed_up_staff(stack, "teacher", "Théo", classes="3e a, 3e C")
    account(stack, "student", "Zoé", school_uai=ANATOLE, grade="troisieme", class_name="3e A")
    account(stack, "student", "Malo", school_uai=ANATOLE, grade="quatrieme", class_name="4e B")

    # The teacher waits: every page says so, no pupil is shown, every call showing pupils is refused.
    waiting = teacher.get("/etablissement/eleves")
    assert waiting.status_code == 200 and "attend la confirmation de votre chef d'établissement" in text(waiting)
    assert "Zoé" not in text(waiting) and "export.csv" not in waiting.text
    nav = re.findall(r'class="fr-nav__link" href="([^"]+)"', waiting.text)
    assert nav == ["/etablissement/eleves", "/etablissement/semaines", "/mes-conventions"]
    for path in (
        "/api/v1/applications",
        "/api/v1/applications/export.xlsx",
        "/api/v1/conventions",
        "/api/v1/school/pupils",
    ):
        refused = teacher.api("GET", path)
        assert (refused.status_code, refused.json()["code"]) == (403, "TEACHER_NOT_CONFIRMED"), path
        assert "chef d'établissement" in refused.json()["message"]
    weeks = teacher.api("PUT", f"/api/v1/schools/{ANATOLE}/weeks", {"weeks": [college_week(-1)]})
    assert (weeks.status_code, weeks.json()["code"]) == (403, "TEACHER_NOT_CONFIRMED")
    conventions_page = teacher.get("/mes-conventions")
    assert conventions_page.status_code == 403 and "pas encore confirmé votre compte" in text(conventions_page)
    assert teacher.get("/etablissement/equipe").status_code == 403
    assert teacher.api("GET", "/api/v1/school/staff").status_code == 403

    # The head reads the team, the teacher first, and confirms them.
    team = head.get("/etablissement/equipe")
    assert team.status_code == 200 and "1 professeur attend votre confirmation." in text(team)
    nav = re.findall(r'class="fr-nav__link" href="([^"]+)"', team.text)
    assert nav[-1] == "/etablissement/equipe"
    # The school's staff made by other tests of the session (its heads, say) listed too: ours only.
    staff = [m for m in ok(head.api("GET", "/api/v1/school/staff"))["results"] if m["first_name"] in ("Théo", "Hélène")]
    assert [(m["first_name"], m["role"], m["status"]) for m in staff] == [
        ("Théo", "teacher", "pending"),
        ("Hélène", "school_manager", "confirmed"),
    ]
    teacher_id = staff[0]["user_id"]
    confirmed = head.post("/etablissement/equipe", {"user_id": str(teacher_id), "action": "confirm"})
    shown = head.follow(confirmed)
    assert "Théo Arnaud est confirmé" in text(shown) and "confirmé" in text(shown)
    mail = wait_for_mail_containing(stack.state_dir, teacher_email, "a confirmé votre compte de professeur")
    assert "Hélène Arnaud, votre chef d'établissement" in text_of(mail) and "/etablissement/eleves" in text_of(mail)

    # At once, in the same session: the teacher sees the pupils of their classes, the head all.
    pupils = teacher.get("/etablissement/eleves")
    assert pupils.status_code == 200 and "Zoé Brûlé" in text(pupils) and "Malo" not in text(pupils)
    assert "Malo" in text(head.get("/etablissement/eleves"))
    assert "attend la confirmation" not in text(pupils)
    # « Exporter » the pupils' applications (the whole school's: not yet by class), the session downloading
    assert 'href="/api/v1/applications/export.csv" download>Exporter (CSV)' in pupils.text
    assert 'href="/api/v1/applications/export.xlsx" download>Exporter (Excel)' in pupils.text
    exported = teacher.get("/api/v1/applications/export.csv")
    assert exported.status_code == 200 and exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert teacher.api("GET", "/api/v1/applications").status_code == 200
    assert teacher.get("/mes-conventions").status_code == 200

    # The head may change their mind; a head of another school reaches nobody here.
    refused = ok(head.api("POST", f"/api/v1/school/staff/{teacher_id}/refuse"))
    assert refused["status"] == "refused"
    assert teacher.api("GET", "/api/v1/school/pupils").status_code == 403
    _, other_head = account(stack, "school_manager", "Omar", school_uai=GALOIS)
    outsider = requests.post(f"{stack.url}/api/v1/school/staff/{teacher_id}/confirm", headers=other_head, timeout=10)
    assert outsider.status_code == 404


def pupil_at(stack, host: dict[str, str], first_name: str, class_name: str, step: str) -> dict[str, str]:
    """A pupil of Anatole France taken to ``step`` through the API: ``none``, ``sent``,
    ``accepted`` (the host accepted), ``draft`` (the pupil confirmed: a convention) or ``ready``
    (both parts filled in: to sign)."""
    _, pupil = account(stack, "student", first_name, school_uai=ANATOLE, grade="troisieme", class_name=class_name)
    if step == "none":
        return pupil
    week = college_week(-1)
    offer = publish(stack, host, title=f"Atelier {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    body = {"weeks": [week], "motivation": "J'aime le bois.", "phone": "06 12 34 56 78"}
    url = f"{stack.url}/api/v1/offers/{offer['id']}/applications"
    application = ok(requests.post(url, json=body, headers=pupil, timeout=10), 201)
    if step == "sent":
        return pupil
    path = f"{stack.url}/api/v1/applications/{application['id']}"
    ok(requests.post(f"{path}/validate", headers=host, timeout=10))
    if step == "accepted":
        return pupil
    convention_id = ok(requests.post(f"{path}/approve", headers=pupil, timeout=10))["convention_id"]
    if step == "ready":
        convention = f"{stack.url}/api/v1/conventions/{convention_id}"
        _, head = account(stack, "school_manager", "Hélène", school_uai=ANATOLE)
        ok(requests.patch(convention, json=HOST_PART, headers=host, timeout=10))
        ok(requests.post(f"{convention}/complete", headers=host, timeout=10))
        ok(requests.patch(convention, json=SCHOOL_PART, headers=head, timeout=10))
        assert ok(requests.post(f"{convention}/validate", headers=head, timeout=10))["status"] == "ready_to_sign"
    return pupil


def test_classes_and_pupils_shows_where_each_pupil_stands(stack, schools):
    _, host = account(stack, "employer")
    steps = {
        ("Adèle", "3e A"): "none",
        ("Bilal", "3e A"): "sent",
        ("Chloé", "3e B"): "accepted",
        ("David", "3e B"): "draft",
        ("Emma", "4e C"): "ready",
    }
    for (first_name, class_name), step in steps.items():
        pupil_at(stack, host, first_name, class_name, step)
    head_email, _ = account(stack, "school_manager", "Hélène", school_uai=ANATOLE)
    head = Browser(stack)
    head.log_in("/etablissement/connexion", head_email)

    page = head.get("/etablissement/eleves")
    assert page.status_code == 200
    rows = {
        re.sub(r"<[^>]+>", "", name): re.sub(r"<[^>]+>", "", badge)
        for name, badge in re.findall(
            r"<tr>\s*<td>([^<]+)</td>\s*<td>[^<]+</td>\s*<td>(<span[^>]*>[^<]+</span>)", text(page)
        )
    }
    expected = {
        "Adèle Brûlé": "aucune candidature",
        "Bilal Brûlé": "candidature envoyée",
        "Chloé Brûlé": "stage accepté",
        "David Brûlé": "convention à remplir",
        "Emma Brûlé": "convention à signer",
    }
    assert {name: rows.get(name) for name in expected} == expected
    captions = re.findall(r"<caption>([^<]+)<", text(page))
    assert [caption.strip() for caption in captions if caption.strip() in ("3e A", "3e B", "4e C")] == [
        "3e A",
        "3e B",
        "4e C",
    ]
    assert 'href="/etablissement/conventions/' in page.text

    listed = ok(head.api("GET", "/api/v1/school/pupils"))
    stages = {pupil["first_name"]: pupil["stage"] for pupil in listed["results"]}
    assert {name: stages[name] for name, _ in steps} == {
        "Adèle": "no_application",
        "Bilal": "application_sent",
        "Chloé": "internship_accepted",
        "David": "convention_to_fill",
        "Emma": "convention_to_sign",
    }
