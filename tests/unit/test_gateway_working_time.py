"""The live check of the offer form's hours: ``POST /api/v1/working-time/check`` (no broker)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway.offer_routes import OfferRoutes
from gateway.openapi import build_document

pytestmark = pytest.mark.unit

PATH = "/api/v1/working-time/check"
WEEK = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")


def check(body: Any) -> Response:
    builder = EnvironBuilder(path=PATH, method="POST", data=json.dumps(body), content_type="application/json")
    # A public route: no token is read, no service is called.
    return OfferRoutes.check_working_time(object(), Request(builder.get_environ()))


def answer(response: Response) -> Any:
    return json.loads(response.get_data(as_text=True))


def test_lawful_hours_have_no_problem_and_a_weekly_total():
    hours = {day: ["9:00", "12:00", "13:30", "16:30"] for day in WEEK}
    response = check({"daily_hours": {**hours, "samedi": ["09:00", "10:30"]}})
    assert response.status_code == 200
    assert answer(response) == {"problems": [], "weekly_hours": "31 h 30"}


def test_each_broken_rule_is_told_in_french():
    response = check({"daily_hours": {"lundi": ["08:00", "17:00"], "mardi": ["14:00", "16:00", "16:15", "21:00"]}})
    assert response.status_code == 200
    assert answer(response) == {
        "problems": [
            "lundi : 9 h de présence, au-delà de 7 h par jour.",
            "lundi : une pause d'au moins 30 minutes est due après 4 h 30 de présence.",
            "mardi : pas de présence entre 20 h et 6 h (travail de nuit interdit aux mineurs).",
            "mardi : une pause d'au moins 30 minutes est due après 4 h 30 de présence.",
        ],
        "weekly_hours": "15 h 45",
    }
    assert answer(check({"daily_hours": {}})) == {
        "problems": ["Indiquez les horaires d'au moins un jour."],
        "weekly_hours": "0 h",
    }


def test_malformed_hours_are_refused_as_for_an_offer():
    response = check({"daily_hours": {"lundi": ["9h", "12:00"]}})
    assert response.status_code == 422
    assert answer(response)["code"] == "VALIDATION_ERROR"
    assert answer(response)["fields"] == {"daily_hours": ["heure invalide : '9h' (format HH:MM)"]}
    assert list(answer(check({"daily_hours": {"dimanche": ["09:00", "10:00"]}}))["fields"]) == ["daily_hours.dimanche"]
    assert list(answer(check({}))["fields"]) == ["daily_hours"]


def test_the_route_is_public_and_documented():
    operation = build_document("http://localhost:8000")["paths"][PATH]["post"]
    assert "security" not in operation and "401" not in operation["responses"]
    assert set(operation["responses"]) >= {"200", "422"}
