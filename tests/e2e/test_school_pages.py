"""The school's pages over HTTP with a browser's cookies: « Semaines de stage » (weeks ticked and
saved, then highlighted for hosts near the school; a past week refused at its field; a lycée
reads its seconde period), and the school's part of a convention (its errors at their fields,
then « Valider » makes it ready to sign), signed by the head of school with « Signer en groupe »."""

from __future__ import annotations

import re
import time

import pytest
import requests

from gateway.school_week_pages import seconde_period_text
from services.common.school_calendar import SchoolYear, Week, today_in_paris
from tests.e2e.test_host_application_pages import Browser, account, field_message, ok, text
from tests.e2e.test_host_convention_pages import convention, new_convention
from tests.support.conventions import HOST_PART, SCHOOL_PART, college_week, drawn_signature
from tests.support.sms import texts_to, wait_for_code

pytestmark = pytest.mark.e2e

LAMARTINE = "0692337R"  # collège, Villeurbanne (45.750059, 4.916384): no other test chooses its weeks
LACASSAGNE = "0690029G"  # lycée, Lyon
WEEKS_PAGE = "/etablissement/semaines"
SAVED = "Vos semaines de stage sont enregistrées"


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def head_of(stack, uai: str) -> tuple[Browser, dict[str, str]]:
    """A head of school logged in through « Je suis un établissement », and their bearer header."""
    email, bearer = account(stack, "school_manager", "Nadia", school_uai=uai)
    browser = Browser(stack)
    browser.log_in("/etablissement/connexion", email)
    return browser, bearer


def schools_count(stack, uai: str, week: str) -> int:
    """How many schools within 60 km of ``uai`` chose ``week``, as a host's offer form reads it."""
    school = ok(requests.get(f"{stack.url}/api/v1/schools/{uai}", timeout=10))
    point = {"latitude": school["latitude"], "longitude": school["longitude"]}
    rows = ok(requests.get(f"{stack.url}/api/v1/weeks/highlighted", params=point, timeout=10))
    return next(row["schools_count"] for row in rows if row["week"] == week)


def highlighted_in_the_host_form(stack, week: str) -> int:
    """The count a host's « Élèves et dates » step shows on ``week`` for an internship in
    Villeurbanne (0 when the week is not highlighted)."""
    email, _ = account(stack, "employer", "Inès")
    host = Browser(stack)
    host.log_in("/offreur/connexion", email)
    draft = host.post("/mon-espace/offres/nouvelle", {})
    step = draft.headers["Location"].rsplit("/", 1)[0]
    place = {"place.street": "1 rue Francis de Pressensé", "place.zipcode": "69100", "place.city": "Villeurbanne"}
    assert host.post(f"{step}/offre", {**place, "action": "previous"}).status_code == 303
    page = host.get(f"{step}/eleves-et-dates").text
    found = re.search(
        rf'<div class="fr-checkbox-group e1s-week( e1s-week--highlighted)?">\s*'
        rf'<input type="checkbox" id="f-week-{week}"[^>]*>\s*<label[^>]*>[^<]*'
        rf'(?:<span class="[^"]*e1s-week__count">(\d+) établissements?</span>)?',
        page,
    )
    assert found, f"no box for {week} in the host's form"
    assert bool(found.group(1)) == bool(found.group(2))
    return int(found.group(2) or 0)


def week_box(page: str, week: str) -> str:
    found = re.search(rf'<input type="checkbox" id="semaine-{week}"[^>]*>', page)
    assert found, f"no box for {week}"
    return found.group(0)


def test_the_school_ticks_its_weeks_which_hosts_nearby_then_see_highlighted(stack, address_index, schools):
    anonymous = Browser(stack).get(WEEKS_PAGE)
    assert (anonymous.status_code, anonymous.headers["Location"]) == (
        303,
        f"/etablissement/connexion?suite={WEEKS_PAGE}",
    )
    head, _ = head_of(stack, LAMARTINE)
    today = today_in_paris()
    weeks = SchoolYear.current(today).college_weeks()
    first, chosen, other = str(weeks[0]), college_week(-3), college_week(-2)

    # nothing chosen: the count the hosts nearby see without this school
    assert head.post(WEEKS_PAGE, []).status_code == 303
    before = schools_count(stack, LAMARTINE, chosen)

    shown = head.get(WEEKS_PAGE)
    page = text(shown)
    assert shown.status_code == 200 and "Collège Lamartine" in page
    month_legends = re.findall(r'<legend class="[^"]*fr-text--bold" id="mois-\d+-legende">([^<]+)</legend>', page)
    assert month_legends[0].startswith("Septembre") and month_legends[-1].startswith("Mai"), month_legends
    if Week.parse(first).friday < today:  # past weeks shown, not tickable
        assert "disabled" in week_box(shown.text, first)
    assert "disabled" not in week_box(shown.text, chosen) and "checked" not in week_box(shown.text, chosen)

    saved = head.post(WEEKS_PAGE, [("weeks", chosen), ("weeks", other)])
    after = head.follow(saved)
    assert SAVED in text(after)
    assert "checked" in week_box(after.text, chosen) and "checked" in week_box(after.text, other)
    stored = ok(requests.get(f"{stack.url}/api/v1/schools/{LAMARTINE}/weeks", timeout=10))
    assert stored["weeks"] == sorted([chosen, other])

    # hosts within 60 km see the week chosen by one more school, within 5 s
    deadline = time.monotonic() + 5
    while schools_count(stack, LAMARTINE, chosen) != before + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert schools_count(stack, LAMARTINE, chosen) == before + 1
    assert highlighted_in_the_host_form(stack, chosen) == before + 1

    # a past week sent anyway is refused at the calendar, and nothing changes
    if Week.parse(first).friday < today:
        refused = head.post(WEEKS_PAGE, [("weeks", first), ("weeks", chosen)])
        assert refused.status_code == 422
        assert field_message(refused, "f-weeks") == f"La semaine {first} est passée."
        assert 'id="resume-des-erreurs"' in refused.text and 'href="#f-weeks">Semaines de stage</a>' in refused.text
        stored = ok(requests.get(f"{stack.url}/api/v1/schools/{LAMARTINE}/weeks", timeout=10))
        assert stored["weeks"] == sorted([chosen, other])


def test_a_lycee_reads_the_seconde_period_instead_of_a_calendar(stack, schools):
    head, _ = head_of(stack, LACASSAGNE)
    shown = head.get(WEEKS_PAGE)
    page = text(shown)
    assert shown.status_code == 200 and "Période de stage de seconde" in page
    period = ok(requests.get(f"{stack.url}/api/v1/calendar/seconde", timeout=10))
    assert seconde_period_text(today_in_paris()) in page
    assert period["week_1"]["week"] in page and period["week_2"]["week"] in page
    assert 'name="weeks"' not in shown.text


def school_form(**changes: str) -> dict[str, str]:
    """The school's part as its form posts it."""
    return {**SCHOOL_PART, "action": "enregistrer", **changes}


def test_the_school_fills_in_its_part_validates_it_and_the_head_signs_in_a_group(stack, schools):
    parties = new_convention(stack, -4)
    path = f"{stack.url}/api/v1/conventions/{parties.convention_id}"
    ok(requests.patch(path, json=HOST_PART, headers=parties.host, timeout=10))
    ok(requests.post(f"{path}/complete", headers=parties.host, timeout=10))
    page_path = f"/etablissement/conventions/{parties.convention_id}"
    head = Browser(stack)
    anonymous = head.get(page_path)
    assert anonymous.headers["Location"] == f"/etablissement/connexion?suite={page_path}"
    head.log_in("/etablissement/connexion", parties.manager_email)

    listed = text(head.get("/mes-conventions"))
    assert f'href="{page_path}">Remplir ma partie' in listed and ">à remplir par vous<" in listed

    shown = head.get(page_path)
    page = text(shown)
    assert shown.status_code == 200
    for label in ("Professeur référent", "Classe", "Date de naissance de l'élève", "Représentant légal"):
        assert f">{label}" in page, label
    assert "La partie de l'organisme d'accueil" in page and "Camille Bernard" in page  # read-only
    assert 'name="tutor_name"' not in shown.text

    # the service's messages land at their fields, what was typed is shown again
    wrong = head.post(page_path, school_form(legal_representative_email="pas-une-adresse"))
    assert wrong.status_code == 422
    assert field_message(wrong, "f-legal-representative-email") == "Format invalide."
    assert 'value="Paul Girard"' in wrong.text
    incomplete = head.post(page_path, school_form(student_class="", action="valider"))
    assert incomplete.status_code == 422
    assert "La partie de l'établissement est incomplète." in text(incomplete)
    assert field_message(incomplete, "f-student-class") == "À renseigner avant de valider votre partie."
    assert convention(stack, parties)["status"] == "completed_by_employer"

    # valid (a birth date typed the French way), then « Valider »: ready to sign
    validated = head.post(page_path, school_form(student_birth_date="14/03/2012", action="valider"))
    done = text(head.follow(validated))
    assert "La partie de l'établissement est validée. La convention est prête à signer." in done
    assert "La partie de l'établissement est validée : elle ne se modifie plus." in done
    assert f'action="{page_path}"' not in done and "<dd>14 mars 2012</dd>" in done  # read-only now
    stored = convention(stack, parties)
    assert stored["status"] == "ready_to_sign"
    assert (stored["student_birth_date"], stored["legal_representative_phone"]) == ("2012-03-14", "+33698765432")

    # « Signer en groupe » lists it, tickable; the page's script signs with the cookie
    batch = head.get("/signer-en-groupe")
    box = re.search(rf'<input type="checkbox" name="convention_ids" value="{parties.convention_id}"[^>]*>', batch.text)
    assert box and "disabled" not in box.group(0)
    assert ">Signer en groupe</button>" in text(batch)
    body = {"convention_ids": [parties.convention_id], "phone": "06 44 44 44 44"}
    before = len([sms for sms in texts_to(stack.state_dir, "+33644444444") if "code" in sms])
    request = ok(head.api("POST", "/api/v1/signatures/code", body), 202)
    code = wait_for_code(stack.state_dir, "+33644444444", before + 1)
    signing = {"signature_request_id": request["signature_request_id"], "code": code}
    signed = ok(head.api("POST", "/api/v1/signatures/sign", {**signing, "signature_image": drawn_signature()}))
    assert signed == {"signed": [parties.convention_id]}
    assert [item["role"] for item in convention(stack, parties)["signatures"]] == ["school_manager"]
