"""Demo activity for a local platform: offers, applications and a convention ready to sign.

``make run`` calls :func:`run` once the gateway is ready. Everything goes through the
gateway's HTTP API, as the demo users of ``services.identity.demo`` would do it in their
browsers, so every service's rules, events and notifications apply. Idempotent: nothing is
added when the demo employer already has an offer. A failure prints a warning (with the
API's French message) and never stops the platform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import requests

from services.common.school_calendar import SchoolYear, Week, today_in_paris
from services.identity.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

Say = Callable[[str], None]
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
EMPLOYER = {
    "name": "Maison Martin, boulangerie-pâtisserie",
    "siret": "41235698700021",
    "is_public": False,
    "description": "Boulangerie-pâtisserie artisanale : fournil, laboratoire de pâtisserie et boutique.",
    "website": "https://maison-martin.example.fr",
}


class DemoError(Exception):
    """A step the API refused; the message is the API's, in French."""


@dataclass(frozen=True)
class Outcome:
    offers: int
    applications: int
    conventions: int


def print_say(text: str) -> None:
    print(f"[run] {text}", flush=True)


def account(role: str) -> dict[str, str]:
    """The first demo account of ``role``."""
    return next(item for item in DEMO_ACCOUNTS if item["role"] == role)


# -- HTTP ---------------------------------------------------------------------------------------


def api_message(answer: requests.Response) -> str:
    """The API's French message, with its field errors."""
    try:
        body = answer.json()
    except ValueError:
        return f"HTTP {answer.status_code} : {answer.text[:200]}"
    message = body.get("message") or body.get("error") or str(body)
    fields = body.get("fields") or {}
    details = "; ".join(f"{field} : {' '.join(texts)}" for field, texts in fields.items())
    return f"{message} ({details})" if details else message


class Client:
    """The gateway's API as one user (or anybody, without a token)."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = requests.request(
            method, self.base_url + path, json=body, params=params or None, headers=headers, timeout=30
        )
        if answer.status_code >= 400:
            raise DemoError(f"{method} {path} : {api_message(answer)}")
        return answer.json() if answer.content else None

    def logged_in(self, role: str) -> Client:
        """A client for the demo account of ``role``."""
        credentials = {"email": account(role)["email"], "password": DEMO_PASSWORD}
        return Client(self.base_url, self.call("POST", "/api/v1/auth/login", credentials)["token"])


# -- data ---------------------------------------------------------------------------------------


def christmas_holidays(week: Week) -> bool:
    """Whether the week falls in the Christmas holidays (the same dates in every zone)."""
    monday = (week.monday.month, week.monday.day)
    return monday >= (12, 19) or monday <= (1, 2)


def upcoming_college_weeks(today: date) -> list[str]:
    """The collège weeks of the current school year that have not begun, out of the
    Christmas holidays; the next two left out while enough remain (a convention is rarely
    made for next week)."""
    year = SchoolYear.current(today)
    weeks = [week for week in year.college_weeks() if week.monday > today]
    chosen = [str(week) for week in weeks[2:] if not christmas_holidays(week)]
    return chosen if len(chosen) >= 4 else [str(week) for week in weeks]


def near(school: dict[str, Any], street: str, north: float, east: float) -> dict[str, Any]:
    """A place a few hundred metres from the school."""
    return {
        "street": street,
        "zipcode": school["zipcode"],
        "city": school["city"],
        "latitude": round(school["latitude"] + north, 6),
        "longitude": round(school["longitude"] + east, 6),
    }


def offer(title: str, description: str, sector: str, place: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An OfferBody of the demo employer (services/common/contracts/offers.py)."""
    return {
        "title": title,
        "description": description,
        "sector": sector,
        "employer": EMPLOYER,
        "place": place,
        "workspace_conditions": "Fournil chaud, station debout, niveau sonore modéré.",
        "workspace_accessibility": "Boutique de plain-pied ; fournil accessible par une rampe.",
        # 6 h a day with the lunch break after 3 h: lawful for a minor (services/common/working_time.py).
        "daily_hours": {day: ["09:00", "12:00", "13:30", "16:30"] for day in WEEKDAYS},
        "lunch_break": "De 12 h à 13 h 30, dans la salle de pause avec l'équipe.",
        "max_candidates": 2,
        **fields,
    }


def offer_bodies(school: dict[str, Any], weeks: list[str]) -> list[dict[str, Any]]:
    """Three offers near the school: some collège weeks, all year, then seconde or collège."""
    college = {"grades": ["quatrieme", "troisieme"]}
    bodies = [
        offer(
            "Découverte du métier de boulanger",
            "Observer le pétrissage, le façonnage et la cuisson du pain avec nos boulangers.",
            "s28",
            near(school, "14 rue des Boulangers", 0.004, -0.003),
            college_weeks=weeks[:3],
            **college,
        ),
        offer(
            "Vendre et conseiller en boutique",
            "Accueillir les clients, présenter les produits et découvrir la gestion d'une boutique.",
            "s12",
            near(school, "3 place du Marché", -0.003, 0.005),
            college_weeks="all_year",
            max_candidates=3,
            **college,
        ),
    ]
    third = near(school, "27 avenue des Gobelins", 0.006, 0.002)
    if school["kind"] == "lycee":
        bodies.append(
            offer(
                "De la farine au comptoir : stage de seconde",
                "Deux semaines pour suivre la fabrication, la vente et la gestion d'une boulangerie.",
                "s26",
                third,
                grades=["seconde"],
                seconde_period="two_weeks",
            )
        )
    else:
        bodies.append(
            offer(
                "Les coulisses d'un laboratoire de pâtisserie",
                "Observer la préparation des entremets, des viennoiseries et le travail d'équipe.",
                "s28",
                third,
                college_weeks=weeks[3:6] or weeks[:3],
                **college,
            )
        )
    return bodies


HOST_PART = {
    "tutor_name": "Thomas Petit",
    "tutor_role": "Chef boulanger",
    "tutor_email": "thomas.petit@example.fr",
    "tutor_phone": "06 11 22 33 44",
    "activities": "Observer le pétrissage, le façonnage et la cuisson ; participer à la mise en rayon.",
    # 6 h a day, a break after 3 h: lawful for a minor (7 h a day, a break after 4 h 30).
    "daily_hours": {day: ["09:00", "12:00", "13:30", "16:30"] for day in WEEKDAYS},
    "lunch_break": "De 12 h à 13 h 30, dans la salle de pause avec l'équipe.",
}


def school_part(today: date) -> dict[str, str]:
    """The school's part: the demo principal and teacher, the pupil's parent."""
    manager, teacher, student = account("school_manager"), account("teacher"), account("student")
    return {
        "school_manager_name": f"{manager['first_name']} {manager['last_name']}",
        "referent_teacher_name": f"{teacher['first_name']} {teacher['last_name']}",
        "referent_teacher_email": teacher["email"],
        "student_class": student.get("class_name", "3e B"),
        "student_birth_date": f"{SchoolYear.current(today).start_year - 14}-05-17",
        "legal_representative_name": f"Karim {student['last_name']}",
        "legal_representative_email": "karim.benali@example.fr",
        "legal_representative_phone": "06 55 44 33 22",
    }


# -- steps --------------------------------------------------------------------------------------


def demo_school(anybody: Client) -> dict[str, Any]:
    """The demo pupil's school, from the schools directory."""
    return anybody.call("GET", f"/api/v1/schools/{account('student')['school_uai']}")


def second_space(employer: Client, name: str) -> int:
    """The id of the team's space ``name``, created when missing."""
    for space in employer.call("GET", "/api/v1/team")["spaces"]:
        if space["name"].casefold() == name.casefold():
            return int(space["id"])
    return int(employer.call("POST", "/api/v1/spaces", {"name": name})["id"])


def publish_offers(employer: Client, school: dict[str, Any], weeks: list[str], say: Say) -> list[dict[str, Any]]:
    """The demo employer publishes the three offers (the third in a second space near a collège)."""
    bodies = offer_bodies(school, weeks)
    if school["kind"] != "lycee":
        name = f"Site de {school['city']}"
        bodies[-1]["space_id"] = second_space(employer, name)
        say(f"demo: space « {name} » ready for the third offer")
    offers = [employer.call("POST", "/api/v1/offers", body) for body in bodies]
    say(f"demo: {len(offers)} offers published by {account('employer')['email']} near {school['name']}")
    return offers


def apply_to_two(student: Client, offers: list[dict[str, Any]], weeks: list[str], say: Say) -> list[dict[str, Any]]:
    """The pupil applies to the first offer and to the all-year one, on different weeks."""
    first_week = offers[0]["college_weeks"][0]
    other_week = next(week for week in weeks if week != first_week)
    motivation = "Bonjour, j'aime cuisiner et je voudrais découvrir le travail d'une boulangerie. Lina"
    applications = [
        student.call("POST", f"/api/v1/offers/{item['id']}/applications", {"weeks": [week], "motivation": motivation})
        for item, week in ((offers[0], first_week), (offers[1], other_week))
    ]
    say(f"demo: {len(applications)} applications sent by {account('student')['email']}")
    return applications


def make_convention(employer: Client, student: Client, application: dict[str, Any], say: Say) -> int:
    """The employer validates, the pupil approves: the convention exists."""
    path = f"/api/v1/applications/{application['id']}"
    employer.call("POST", f"{path}/validate")
    convention_id = int(student.call("POST", f"{path}/approve")["convention_id"])
    say(f"demo: application {application['id']} validated by the employer, approved by the student")
    return convention_id


def fill_in(employer: Client, manager: Client, convention_id: int, today: date, say: Say) -> dict[str, Any]:
    """Each side fills in and closes its part: the convention is ready to sign."""
    path = f"/api/v1/conventions/{convention_id}"
    employer.call("PATCH", path, HOST_PART)
    employer.call("POST", f"{path}/complete")
    manager.call("PATCH", path, school_part(today))
    convention = manager.call("POST", f"{path}/validate")
    say(f"demo: convention {convention_id} filled in by the employer and the school: {convention['status']}")
    return convention


def add_activity(base_url: str, today: date, say: Say) -> Outcome | None:
    """The whole story; None when the demo employer already has offers. Raises DemoError."""
    anybody = Client(base_url)
    employer = anybody.logged_in("employer")
    if employer.call("GET", "/api/v1/offers", per_page=1)["total"] > 0:
        return None
    weeks = upcoming_college_weeks(today)
    if len(weeks) < 2:
        raise DemoError("plus assez de semaines de collège à venir cette année scolaire (reprise en juillet)")
    school = demo_school(anybody)
    offers = publish_offers(employer, school, weeks, say)
    student, manager = anybody.logged_in("student"), anybody.logged_in("school_manager")
    applications = apply_to_two(student, offers, weeks, say)
    convention_id = make_convention(employer, student, applications[0], say)
    fill_in(employer, manager, convention_id, today, say)
    return Outcome(offers=len(offers), applications=len(applications), conventions=1)


def run(
    base_url: str, public_url: str, state_dir: Path, say: Say = print_say, today: date | None = None
) -> Outcome | None:
    """Add the demo activity once; never raises (the platform runs on without it)."""
    try:
        outcome = add_activity(base_url, today or today_in_paris(), say)
    except DemoError as exc:
        say(f"WARNING: demo activity not (fully) added: {exc}. The platform runs on.")
        return None
    except Exception as exc:  # a demo must never stop the platform
        say(f"WARNING: demo activity not (fully) added: {type(exc).__name__}: {exc}. The platform runs on.")
        return None
    if outcome is None:
        say("demo: the demo employer already has offers: no demo activity added")
        return None
    sms = state_dir / "outbox" / "sms.jsonl"
    say(
        f"demo: {outcome.offers} offers published, {outcome.applications} applications, "
        f"{outcome.conventions} convention ready to sign (sign it at {public_url}/mon-espace/conventions "
        f"as {account('employer')['email']}; the SMS code lands in {sms})"
    )
    return outcome
