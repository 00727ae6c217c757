"""The weeks a pupil may apply for, how « Mes candidatures » words an application, and who reads
an offer closed to pupils (a pupil who applied to it, read-only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from gateway.pupil_pages import application_card, hours_text, offer_reading, weeks_for
from services.common.errors import DomainError, not_found, service_unavailable
from services.common.school_calendar import SchoolYear
from services.common.session_tokens import SessionClaims

TODAY = date(2026, 11, 4)  # a Wednesday of 2026-W45
YEAR = SchoolYear.current(TODAY)


def preview(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "grades": ["troisieme", "quatrieme"],
        "college_weeks": ["2026-W45", "2026-W46", "2027-W03"],
        "weeks": ["2026-W45", "2026-W46", "2027-W03"],
        "seconde_label": None,
    }
    return {**base, **changes}


def test_a_collegian_chooses_among_the_offers_weeks_that_have_not_begun():
    offer = weeks_for(preview(), "troisieme", TODAY)
    assert [week for week, _ in offer.choices] == ["2026-W46", "2027-W03"]
    assert offer.choices[0][1] == "Semaine du 9 au 13 novembre 2026"
    assert not offer.fixed and not offer.problem


def test_an_all_year_offer_proposes_every_collège_week_to_come():
    offer = weeks_for(preview(college_weeks="all_year"), "quatrieme", TODAY)
    weeks = [week for week, _ in offer.choices]
    assert weeks[0] == "2026-W46" and weeks[-1] == str(YEAR.last_college_week)
    assert len(weeks) == len([week for week in YEAR.college_weeks() if week.monday > TODAY])


def test_a_seconde_pupil_asks_for_the_whole_period():
    seconde = [str(week) for week in YEAR.seconde.weeks("two_weeks")]
    label = YEAR.seconde.label("two_weeks")
    offer = weeks_for(
        preview(grades=["seconde"], college_weeks=None, weeks=seconde, seconde_label=label), "seconde", TODAY
    )
    assert offer.fixed == seconde and offer.fixed_label == label and not offer.choices
    both = preview(
        grades=["troisieme", "seconde"], college_weeks=["2027-W03"], weeks=["2027-W03", *seconde], seconde_label=label
    )
    assert weeks_for(both, "seconde", TODAY).fixed == seconde
    assert [week for week, _ in weeks_for(both, "troisieme", TODAY).choices] == ["2027-W03"]


def test_no_weeks_when_the_offer_is_not_for_the_pupil_or_is_over():
    assert weeks_for(preview(), "seconde", TODAY).problem == "Cette offre ne s'adresse pas à votre niveau."
    assert weeks_for(preview(), None, TODAY).problem
    over = weeks_for(preview(college_weeks=["2026-W44", "2026-W45"]), "troisieme", TODAY)
    assert over.problem == "Toutes les semaines de cette offre ont déjà commencé." and not over.choices


def test_hours_of_a_day_with_and_without_a_break():
    assert hours_text(["08:00", "12:00", "13:30", "17:00"]) == "08:00 – 12:00 et 13:30 – 17:00"
    assert hours_text(["08:00", "12:00"]) == "08:00 – 12:00"


def application(status: str, **changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 7,
        "offer_id": 3,
        "offer_title": "Atelier vélo",
        "employer_name": "Vélo Cité",
        "city": "Paris",
        "weeks": ["2027-W03"],
        "created_at": "2026-11-03T23:30:00+00:00",
        "status": status,
        "reason": None,
    }
    return {**base, **changes}


def test_an_application_as_the_pupil_reads_it():
    sent = application_card(application("submitted"))
    assert (sent["status_label"], sent["may_cancel"], sent["may_confirm"]) == ("envoyée", True, False)
    assert sent["weeks"] == "du 18 au 22 janvier 2027" and sent["sent"] == "4 novembre 2026"  # Paris time
    accepted = application_card(application("validated"))
    assert (accepted["status_label"], accepted["may_confirm"]) == ("acceptée par l'organisme", True)
    refused = application_card(application("rejected", reason="Plus de tuteur disponible."))
    assert (refused["status_label"], refused["reason"], refused["may_cancel"]) == (
        "refusée",
        "Plus de tuteur disponible.",
        False,
    )
    assert application_card(application("approved"))["status_label"] == "confirmée"


LATER = datetime.now(UTC) + timedelta(hours=1)
APPLICANT = SessionClaims(5, "student", "s1", LATER, school_uai="0752694W", grade="troisieme")
OTHER_PUPIL = SessionClaims(8, "student", "s3", LATER, school_uai="0752694W", grade="troisieme")
HOST = SessionClaims(6, "employer", "s2", LATER, team_id=3)
OPEN, CLOSED, DELETED = 1, 2, 3


def actor_of(user: SessionClaims | None) -> dict[str, Any] | None:
    return None if user is None else {"user_id": user.user_id, "role": user.role, "team_id": user.team_id}


class FakeOffers:
    """The offers service's two previews: ``CLOSED`` is closed to pupils, ``DELETED`` gone."""

    def preview_offer(self, actor: dict[str, Any] | None, offer_id: int) -> dict[str, Any]:
        if offer_id != OPEN:
            raise not_found("Offre introuvable.")
        return {"id": offer_id}

    def applicant_preview_offer(self, offer_id: int) -> dict[str, Any]:
        if offer_id == DELETED:
            raise not_found("Offre introuvable.")
        return {"id": offer_id}


class FakeConventions:
    """Applications by pupil id; records who was asked."""

    def __init__(self, applied: dict[int, set[int]], down: bool = False) -> None:
        self.applied, self.down, self.asked = applied, down, []

    def list_applications(
        self, actor: dict[str, Any], offer_id: int | None, status: str | None, page: int, per_page: int
    ) -> dict[str, Any]:
        self.asked.append(actor["user_id"])
        if self.down:
            raise service_unavailable("conventions")
        total = int(offer_id in self.applied.get(actor["user_id"], set()))
        return {"results": [], "total": total, "page": page, "per_page": per_page}


def read(conventions: FakeConventions, user: SessionClaims | None, offer_id: int):
    return offer_reading(FakeOffers(), conventions, user, actor_of(user), offer_id)


def not_found_for(conventions: FakeConventions, user: SessionClaims | None, offer_id: int) -> DomainError:
    with pytest.raises(DomainError) as error:
        read(conventions, user, offer_id)
    return error.value


def test_an_open_offer_is_read_by_anyone_without_asking_conventions():
    conventions = FakeConventions({APPLICANT.user_id: {OPEN}})
    for user in (None, APPLICANT, OTHER_PUPIL, HOST):
        reading = read(conventions, user, OPEN)
        assert (reading.preview["id"], reading.closed) == (OPEN, False)
    assert conventions.asked == []


def test_a_closed_offer_is_read_only_by_a_pupil_who_applied_to_it():
    conventions = FakeConventions({APPLICANT.user_id: {CLOSED, DELETED}, HOST.user_id: {CLOSED}})
    reading = read(conventions, APPLICANT, CLOSED)
    assert (reading.preview["id"], reading.closed) == (CLOSED, True)
    for user in (None, OTHER_PUPIL, HOST):
        assert not_found_for(conventions, user, CLOSED).code == "NOT_FOUND"
    # only pupils are asked about: a visitor or a host never costs conventions a call
    assert conventions.asked == [APPLICANT.user_id, OTHER_PUPIL.user_id]
    # the offers service never serves a deleted offer, whoever applied to it
    assert not_found_for(conventions, APPLICANT, DELETED).code == "NOT_FOUND"


def test_conventions_down_is_said_so_rather_than_not_found():
    error = not_found_for(FakeConventions({}, down=True), APPLICANT, CLOSED)
    assert error.code == "SERVICE_UNAVAILABLE"
