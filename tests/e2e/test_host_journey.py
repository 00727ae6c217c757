"""A host publishes and manages offers through the gateway, as the offerer tutorial shows."""

from __future__ import annotations

import pytest
import requests

from services.common.school_calendar import SchoolYear, today_in_paris
from tests.support.accounts import confirmed_account
from tests.support.offers import offer_body
from tests.support.school_weeks import upcoming_seconde_period

pytestmark = pytest.mark.e2e


def logged_in_host(stack) -> dict[str, str]:
    """The bearer header of a new confirmed host."""
    return confirmed_account(stack.url, stack.state_dir, "employer", "Théophile", "Roux").headers


def test_publish_preview_edit_duplicate_unpublish_delete(stack):
    seconde = upcoming_seconde_period(publishing=True)
    auth = logged_in_host(stack)
    url = f"{stack.url}/api/v1/offers"
    body = offer_body(
        grades=["quatrieme", "troisieme", "seconde"], seconde_period="two_weeks", college_weeks="all_year"
    )

    double_click = [
        requests.post(url, json=body, headers={**auth, "Idempotency-Key": "publier-1"}, timeout=10) for _ in range(2)
    ]
    assert [answer.status_code for answer in double_click] == [201, 201]
    offer = double_click[0].json()
    assert double_click[1].json()["id"] == offer["id"]
    assert requests.get(url, headers=auth, timeout=10).json()["total"] == 1
    assert offer["seconde_label"] == seconde.label("two_weeks")
    assert {str(seconde.week_1), str(seconde.week_2)} <= set(offer["weeks"])
    assert offer["workspace_accessibility"] == body["workspace_accessibility"]

    preview = requests.get(f"{url}/{offer['id']}/preview", timeout=10)
    assert preview.status_code == 200
    assert preview.json()["title"] == body["title"]
    assert "siret" not in preview.json()["employer"]

    edited = requests.patch(
        f"{url}/{offer['id']}", json={"title": "Au fournil", "max_candidates": 4}, headers=auth, timeout=10
    )
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["remaining_seats"]) == ("Au fournil", 4)

    copy = requests.post(f"{url}/{offer['id']}/duplicate", headers=auth, timeout=10)
    assert copy.status_code == 201
    assert copy.json()["title"] == "Au fournil" and copy.json()["status"] == "unpublished"

    hidden = requests.post(f"{url}/{offer['id']}/unpublish", headers=auth, timeout=10)
    assert hidden.json()["status"] == "unpublished"
    assert requests.get(f"{url}/{offer['id']}/preview", timeout=10).status_code == 404
    assert requests.get(f"{url}/{offer['id']}/preview", headers=auth, timeout=10).status_code == 200
    listed = requests.get(url, params={"status": "unpublished"}, headers=auth, timeout=10).json()
    assert listed["total"] == 2 and listed["page"] == 1

    assert requests.delete(f"{url}/{offer['id']}", headers=auth, timeout=10).status_code == 204
    assert requests.get(f"{url}/{offer['id']}", headers=auth, timeout=10).status_code == 404


def test_validation_errors_name_every_field_in_french(stack):
    auth = logged_in_host(stack)
    body = offer_body(title="", sector="s99", employer={**offer_body()["employer"], "siret": "123"}, max_candidates=0)
    answer = requests.post(f"{stack.url}/api/v1/offers", json=body, headers=auth, timeout=10)
    assert answer.status_code == 422
    fields = answer.json()["fields"]
    assert set(fields) == {"title", "sector", "employer.siret", "max_candidates"}
    assert fields["employer.siret"] == ["SIRET invalide (14 chiffres, clé de contrôle incorrecte)."]


def test_offers_are_private_to_their_team(stack):
    owner, stranger = logged_in_host(stack), logged_in_host(stack)
    offer = requests.post(f"{stack.url}/api/v1/offers", json=offer_body(), headers=owner, timeout=10).json()
    for method in ("get", "patch", "delete"):
        answer = requests.request(
            method, f"{stack.url}/api/v1/offers/{offer['id']}", json={}, headers=stranger, timeout=10
        )
        assert answer.status_code == 404, method
    assert requests.get(f"{stack.url}/api/v1/offers", timeout=10).status_code == 401


def test_seconde_calendar_is_public_and_computed(stack):
    june_2026 = requests.get(f"{stack.url}/api/v1/calendar/seconde", params={"year": 2026}, timeout=10).json()
    assert june_2026["week_1"] == {"week": "2026-W25", "monday": "2026-06-15", "friday": "2026-06-19"}
    assert june_2026["week_2"]["friday"] == "2026-06-26"
    assert june_2026["labels"]["two_weeks"] == "stage de 2 semaines (du 15 au 26 juin 2026)"
    current = requests.get(f"{stack.url}/api/v1/calendar/seconde", timeout=10).json()
    assert current["week_2"]["week"] == str(SchoolYear.current(today_in_paris()).seconde.week_2)
    wrong = requests.get(f"{stack.url}/api/v1/calendar/seconde", params={"year": "juin"}, timeout=10)
    assert (wrong.status_code, list(wrong.json()["fields"])) == (422, ["year"])


def test_the_contact_phone_trade_name_and_ministry_round_trip_and_only_the_team_sees_the_phone(stack):
    auth = logged_in_host(stack)
    url = f"{stack.url}/api/v1/offers"
    employer = {
        **offer_body()["employer"],
        "is_public": True,
        "trade_name": "Le Fournil de la Croix-Rousse",
        "ministry": "Ministère de la Culture",
    }
    refused = requests.post(url, json=offer_body(employer=employer, contact_phone="01 23"), headers=auth, timeout=10)
    assert refused.status_code == 422
    assert refused.json()["fields"]["contact_phone"] == [
        "Téléphone de contact pour l'établissement invalide : indiquez un numéro français (01 23 45 67 89)."
    ]
    created = requests.post(
        url, json=offer_body(employer=employer, contact_phone="04 78 00 00 00"), headers=auth, timeout=10
    )
    assert created.status_code == 201, created.text
    offer = requests.get(f"{url}/{created.json()['id']}", headers=auth, timeout=10).json()
    assert offer["contact_phone"] == "+33478000000"
    assert (offer["employer"]["trade_name"], offer["employer"]["ministry"]) == (
        "Le Fournil de la Croix-Rousse",
        "Ministère de la Culture",
    )

    preview = requests.get(f"{url}/{offer['id']}/preview", timeout=10).json()
    assert preview["employer"]["trade_name"] == "Le Fournil de la Croix-Rousse"
    assert "contact_phone" not in preview
    pupils_page = requests.get(f"{stack.url}/offres/{offer['id']}", timeout=10)
    assert pupils_page.status_code == 200
    assert "Le Fournil de la Croix-Rousse" in pupils_page.text and "78 00 00 00" not in pupils_page.text

    # Cleared by the host: the trade name goes, the phone too.
    employer["trade_name"] = None
    edited = requests.patch(
        f"{url}/{offer['id']}", json={"employer": employer, "contact_phone": ""}, headers=auth, timeout=10
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["employer"]["trade_name"], edited.json()["contact_phone"]) == (None, None)
