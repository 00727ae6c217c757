"""The applications' use cases on the in-memory unit of work (no broker, no database), on a fixed
clock: what a caller gets back, the events committed and the applications, seats and
conventions stored, as the service would leave them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from services.common.contracts import conventions as contract
from services.common.contracts.actors import Actor
from services.common.errors import DomainError
from services.common.school_calendar import SchoolYear
from services.conventions import applications
from tests.support.application_cases import (
    ALICE,
    BASILE,
    CHLOE,
    EXPIRY_DAYS,
    FOREIGN_OFFER,
    HOST,
    MANAGER,
    NOW,
    OFFER,
    OTHER_MANAGER,
    SECOND_OFFER,
    STRANGER,
    TEAM,
    TODAY,
    WEEKS,
    World,
    body,
    offer,
)
from tests.support.fake_conventions import FakeUnitOfWork

pytestmark = pytest.mark.unit


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def world() -> World:
    return World()


def apply(
    uow: FakeUnitOfWork,
    world: World,
    pupil: Actor,
    offer_id: int = OFFER,
    week: str = WEEKS[0],
    key: str | None = None,
    now: datetime = NOW,
) -> dict[str, Any]:
    def use_case(unit: FakeUnitOfWork) -> dict[str, Any]:
        created = applications.submit(unit, pupil, offer_id, body(week), world.lookups(), TODAY, now, key)
        return applications.application_out(unit, created, EXPIRY_DAYS)

    return uow.run(use_case)


def act(uow: FakeUnitOfWork, actor: Actor, application_id: int, action: str, reason: str | None = None) -> str:
    """The status the action leads to."""
    return uow.run(applications.act, actor, application_id, action, reason, NOW).status


def approve(uow: FakeUnitOfWork, world: World, pupil: Actor, application_id: int) -> str:
    offer_id = uow.applications.get(application_id).offer_id
    return uow.run(applications.approve, pupil, application_id, world.for_approval(offer_id), NOW).status


def refused(uow: FakeUnitOfWork, use_case: Any, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as error:
        uow.run(use_case, *args)
    return error.value


def refused_application(uow: FakeUnitOfWork, world: World, pupil: Actor, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as error:
        apply(uow, world, pupil, **kwargs)
    return error.value


def listed(uow: FakeUnitOfWork, actor: Actor, **filters: Any) -> dict[str, Any]:
    arguments = {"offer_id": None, "status": None, "page": 1, "per_page": 20, **filters}
    return uow.run(
        applications.listing,
        actor,
        arguments["offer_id"],
        arguments["status"],
        arguments["page"],
        arguments["per_page"],
        EXPIRY_DAYS,
    )


def test_a_pupil_applies_the_application_is_stored_with_its_history_and_announced(uow, world):
    answer = apply(uow, world, ALICE, key="clic-1")
    assert (answer["status"], answer["offer_id"], answer["team_id"], answer["weeks"]) == (
        "submitted",
        OFFER,
        TEAM,
        [WEEKS[0]],
    )
    assert (answer["student_name"], answer["offer_title"], answer["convention_id"]) == (
        "Élève11 Martin",
        "Boulangerie 100",
        None,
    )
    assert answer["history"] == [
        {
            "status": "submitted",
            "by_role": "student",
            "by_user_id": ALICE.user_id,
            "at": NOW.isoformat(),
            "reason": None,
        }
    ]
    assert answer["expires_at"] == (NOW + timedelta(days=EXPIRY_DAYS)).isoformat()
    [stored] = uow.applications.all()
    assert (stored.id, stored.school["name"], stored.student["class_name"]) == (
        answer["id"],
        "Collège Jean Moulin",
        "3e B",
    )
    [submitted] = uow.events_of(contract.APPLICATION_SUBMITTED)
    assert (submitted["application_id"], submitted["student_email"], submitted["by_role"]) == (
        answer["id"],
        "eleve11@example.fr",
        "student",
    )
    # The offer's seat counter starts from what offers says.
    assert uow.seats.count(OFFER) == (2, 0, 0)


def test_an_application_that_breaks_a_rule_is_refused_and_nothing_is_stored(uow, world):
    assert refused_application(uow, world, HOST).code == "FORBIDDEN"
    assert refused_application(uow, world, ALICE, week=str(SchoolYear.current(TODAY).college_weeks()[-5])).fields == {
        "weeks": [f"L'offre n'est pas proposée la semaine {SchoolYear.current(TODAY).college_weeks()[-5]}."]
    }
    world.offers[OFFER]["status"] = "unpublished"
    assert refused_application(uow, world, ALICE).code == "NOT_FOUND"
    # Marked « à mettre à jour » by the review pass: closed to pupils as an unpublished one.
    world.offers[OFFER] = offer(need_to_be_updated=True)
    assert refused_application(uow, world, ALICE).code == "NOT_FOUND"
    world.offers[OFFER] = offer(reserved_rep=True)
    # Reserved for REP schools: the pupil's is not one, so the offer is not there for them.
    assert refused_application(uow, world, ALICE).code == "NOT_FOUND"
    world.offers[OFFER] = offer(team_id=None)
    assert refused_application(uow, world, ALICE).code == "EXTERNAL_OFFER"
    world.offers[OFFER] = offer(approved_count=2)
    assert refused_application(uow, world, ALICE).code == "NO_SEAT_LEFT"
    assert uow.applications.all() == [] and uow.events == []


def test_a_repeated_request_gives_the_same_application_once(uow, world):
    first = apply(uow, world, ALICE, key="clic-1")
    assert apply(uow, world, ALICE, key="clic-1") == first
    # A double click without a key, within 30 seconds, is the same application too.
    assert apply(uow, world, ALICE, now=NOW + timedelta(seconds=20)) == first
    with pytest.raises(DomainError) as reused:
        uow.run(applications.submit, ALICE, SECOND_OFFER, body(), world.lookups(), TODAY, NOW, "clic-1")
    assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert refused_application(uow, world, ALICE, now=NOW + timedelta(minutes=5)).code == "ALREADY_APPLIED"
    # Another pupil's same key is another request.
    assert apply(uow, world, BASILE, key="clic-1")["id"] != first["id"]
    assert len(uow.applications.all()) == 2 and len(uow.events_of(contract.APPLICATION_SUBMITTED)) == 2


def test_each_caller_sees_only_their_applications(uow, world):
    alices = apply(uow, world, ALICE)
    chloes = apply(uow, world, CHLOE, FOREIGN_OFFER)
    for caller, seen in ((HOST, alices), (ALICE, alices), (MANAGER, alices), (STRANGER, chloes), (CHLOE, chloes)):
        assert uow.run(applications.visible, caller, seen["id"]).id == seen["id"]
    for caller, hidden in ((STRANGER, alices), (BASILE, alices), (OTHER_MANAGER, alices), (HOST, chloes)):
        assert refused(uow, applications.visible, caller, hidden["id"]).code == "NOT_FOUND"
    assert refused(uow, applications.visible, HOST, chloes["id"] + 1).code == "NOT_FOUND"
    # The school follows its pupils' applications without answering them.
    assert refused(uow, applications.act, MANAGER, alices["id"], "read", None, NOW).code == "FORBIDDEN"


def test_the_list_is_the_callers_the_newest_first_a_page_at_a_time(uow, world):
    first = apply(uow, world, ALICE)
    second = apply(uow, world, BASILE, now=NOW + timedelta(minutes=1))
    third = apply(uow, world, CHLOE, SECOND_OFFER, now=NOW + timedelta(minutes=2))
    apply(uow, world, ALICE, FOREIGN_OFFER)
    act(uow, HOST, second["id"], "read")
    page = listed(uow, HOST, per_page=2)
    assert [row["id"] for row in page["results"]] == [third["id"], second["id"]]
    assert (page["total"], page["page"], page["per_page"]) == (3, 1, 2)
    assert [step["status"] for step in page["results"][1]["history"]] == ["submitted", "read"]
    assert [row["id"] for row in listed(uow, HOST, page=2, per_page=2)["results"]] == [first["id"]]
    assert [row["id"] for row in listed(uow, HOST, offer_id=OFFER)["results"]] == [second["id"], first["id"]]
    assert [row["id"] for row in listed(uow, HOST, status="read")["results"]] == [second["id"]]
    assert listed(uow, ALICE)["total"] == 2 and listed(uow, MANAGER)["total"] == 3
    assert listed(uow, Actor(user_id=9, role="employer", team_id=None)) == {
        "results": [],
        "total": 0,
        "page": 1,
        "per_page": 20,
    }


def test_the_team_counts_its_applications_to_each_offer_by_status(uow, world):
    first = apply(uow, world, ALICE)
    apply(uow, world, BASILE)
    apply(uow, world, CHLOE, FOREIGN_OFFER)
    act(uow, HOST, first["id"], "reject", "Plus de place.")
    counts = uow.run(applications.counts, HOST, [OFFER, FOREIGN_OFFER, SECOND_OFFER, OFFER])
    zeros = contract.ApplicationCounts().model_dump()
    assert counts == {
        str(OFFER): {**zeros, "total": 2, "submitted": 1, "rejected": 1},
        str(SECOND_OFFER): zeros,
        # Another team's offer: nothing is told about it.
        str(FOREIGN_OFFER): zeros,
    }
    assert refused(uow, applications.counts, ALICE, [OFFER]).code == "FORBIDDEN"
    assert list(refused(uow, applications.counts, HOST, ["100"]).fields) == ["offer_ids"]


def test_the_host_answers_and_each_answer_is_recorded_and_announced(uow, world):
    application = apply(uow, world, ALICE)
    assert act(uow, HOST, application["id"], "read") == "read"
    error = refused(uow, applications.act, HOST, application["id"], "reject", "  ", NOW)
    assert error.fields == {"reason": ["Indiquez le motif du refus : l'élève le recevra."]}
    assert act(uow, HOST, application["id"], "reject", "  Plus de place.  ") == "rejected"
    error = refused(uow, applications.act, HOST, application["id"], "validate", None, NOW)
    assert (error.code, error.message) == ("INVALID_TRANSITION", "Impossible : la candidature est refusée.")
    assert refused(uow, applications.act, ALICE, application["id"], "validate", None, NOW).code == "FORBIDDEN"
    stored = uow.applications.get(application["id"])
    assert (stored.status, stored.reason, stored.updated_at) == ("rejected", "Plus de place.", NOW)
    [rejected] = uow.events_of(contract.APPLICATION_REJECTED)
    assert (rejected["application_id"], rejected["reason"], rejected["by_role"]) == (
        application["id"],
        "Plus de place.",
        "employer",
    )
    # Being read tells the pupil nothing; the refusal does.
    assert [event.event_type for event in uow.events] == [contract.APPLICATION_SUBMITTED, contract.APPLICATION_REJECTED]
    history = uow.run(applications.application_out, stored, EXPIRY_DAYS)["history"]
    assert [(step["status"], step["by_role"], step["reason"]) for step in history] == [
        ("submitted", "student", None),
        ("read", "employer", None),
        ("rejected", "employer", "Plus de place."),
    ]


def test_confirming_takes_a_seat_creates_the_convention_and_cancels_the_same_weeks_elsewhere(uow, world):
    chosen = apply(uow, world, ALICE)
    same_week = apply(uow, world, ALICE, SECOND_OFFER)
    other_week = apply(uow, world, ALICE, FOREIGN_OFFER, week=WEEKS[1])
    act(uow, HOST, chosen["id"], "validate")
    assert approve(uow, world, ALICE, chosen["id"]) == "approved"
    assert {row.id: row.status for row in uow.applications.all()} == {
        chosen["id"]: "approved",
        same_week["id"]: "cancelled",
        other_week["id"]: "submitted",
    }
    [convention] = uow.conventions.all()
    assert (convention.application_id, convention.status, convention.facts["weeks"]) == (
        chosen["id"],
        "draft",
        [WEEKS[0]],
    )
    assert convention.school_part["student_class"] == "3e B"
    assert uow.seats.count(OFFER) == (2, 1, 1)
    assert uow.events_of(contract.OFFER_SEATS_CHANGED) == [{"offer_id": OFFER, "approved_count": 1, "sequence": 1}]
    [created] = uow.events_of(contract.CONVENTION_CREATED)
    assert (created["convention_id"], created["student_email"]) == (convention.id, "eleve11@example.fr")
    [cancelled] = uow.events_of(contract.APPLICATION_CANCELLED)
    assert (cancelled["application_id"], cancelled["reason"]) == (
        same_week["id"],
        "L'élève a confirmé un autre stage pour la même période.",
    )
    answer = uow.run(applications.application_out, uow.applications.get(chosen["id"]), EXPIRY_DAYS)
    assert (answer["convention_id"], answer["expires_at"]) == (convention.id, None)


def test_a_confirmation_without_a_seat_left_changes_nothing(uow, world):
    first, second = apply(uow, world, ALICE), apply(uow, world, BASILE)
    for application in (first, second):
        act(uow, HOST, application["id"], "validate")
    world.offers[OFFER]["max_candidates"] = 1
    approve(uow, world, ALICE, first["id"])
    before = [event.event_id for event in uow.events]
    error = refused(uow, applications.approve, BASILE, second["id"], world.for_approval(OFFER), NOW)
    assert (error.code, error.message) == ("NO_SEAT_LEFT", "Toutes les places de cette offre sont déjà prises.")
    assert uow.applications.get(second["id"]).status == "validated"
    assert [convention.application_id for convention in uow.conventions.all()] == [first["id"]]
    assert uow.seats.count(OFFER) == (1, 1, 1) and [event.event_id for event in uow.events] == before


def test_only_the_pupil_confirms_a_validated_application_of_an_offer_still_there(uow, world):
    application = apply(uow, world, ALICE)
    offered = world.for_approval(OFFER)
    assert refused(uow, applications.approve, ALICE, application["id"], offered, NOW).code == "INVALID_TRANSITION"
    act(uow, HOST, application["id"], "validate")
    assert refused(uow, applications.approve, HOST, application["id"], offered, NOW).code == "FORBIDDEN"
    assert refused(uow, applications.approve, BASILE, application["id"], offered, NOW).code == "NOT_FOUND"
    deleted = offered.model_copy(update={"status": "deleted"})
    error = refused(uow, applications.approve, ALICE, application["id"], deleted, NOW)
    assert (error.code, error.message) == ("INVALID_TRANSITION", "Cette offre a été supprimée.")
    assert uow.applications.get(application["id"]).status == "validated" and uow.conventions.all() == []


def test_cancelling_a_confirmed_application_gives_the_seat_back_and_cancels_its_convention(uow, world):
    application = apply(uow, world, ALICE)
    act(uow, HOST, application["id"], "validate")
    approve(uow, world, ALICE, application["id"])
    assert act(uow, ALICE, application["id"], "cancel", "Je déménage.") == "cancelled"
    [convention] = uow.conventions.all()
    assert (convention.status, convention.link_token_hash, convention.updated_at) == ("cancelled", None, NOW)
    assert uow.seats.count(OFFER) == (2, 0, 2)
    assert [event["approved_count"] for event in uow.events_of(contract.OFFER_SEATS_CHANGED)] == [1, 0]
    [cancelled] = uow.events_of(contract.APPLICATION_CANCELLED)
    assert (cancelled["by_role"], cancelled["reason"]) == ("student", "Je déménage.")


def test_a_convention_signed_by_all_keeps_its_application(uow, world):
    application = apply(uow, world, ALICE)
    act(uow, HOST, application["id"], "validate")
    approve(uow, world, ALICE, application["id"])
    with uow.transaction():
        uow.conventions.all()[0].status = "signed_by_all"
    before = [event.event_id for event in uow.events]
    error = refused(uow, applications.act, HOST, application["id"], "cancel", None, NOW)
    assert (error.code, error.message) == (
        "INVALID_TRANSITION",
        "La convention est signée par tous : le stage ne peut plus être annulé.",
    )
    assert uow.applications.get(application["id"]).status == "approved"
    assert uow.seats.count(OFFER) == (2, 1, 1) and [event.event_id for event in uow.events] == before


def test_a_bulk_refusal_refuses_each_it_may_and_says_why_not_for_the_others(uow, world):
    first, second = apply(uow, world, ALICE), apply(uow, world, BASILE)
    foreign = apply(uow, world, CHLOE, FOREIGN_OFFER)
    act(uow, HOST, second["id"], "reject", "Complet.")
    ids = [first["id"], second["id"], foreign["id"], first["id"], 999]
    answer = applications.reject_each(uow.transaction, HOST, ids, "Nous ne prenons plus de stagiaires.", NOW)
    assert answer == {
        "rejected": [first["id"]],
        "refused": [
            {"id": second["id"], "code": "INVALID_TRANSITION", "message": "Impossible : la candidature est refusée."},
            {"id": foreign["id"], "code": "NOT_FOUND", "message": "Candidature introuvable."},
            {"id": 999, "code": "NOT_FOUND", "message": "Candidature introuvable."},
        ],
    }
    assert [event["application_id"] for event in uow.events_of(contract.APPLICATION_REJECTED)] == [
        second["id"],
        first["id"],
    ]
    assert uow.applications.get(foreign["id"]).status == "submitted"
    with pytest.raises(DomainError) as error:
        applications.reject_each(uow.transaction, HOST, ids, " ", NOW)
    assert list(error.value.fields) == ["reason"]
    with pytest.raises(DomainError) as error:
        applications.reject_each(uow.transaction, ALICE, ids, "Non.", NOW)
    assert error.value.code == "FORBIDDEN"


def test_applications_nobody_answered_for_the_delay_expire(uow, world):
    old = apply(uow, world, ALICE)
    validated = apply(uow, world, BASILE)
    answered = apply(uow, world, CHLOE)
    act(uow, HOST, validated["id"], "validate")
    act(uow, HOST, answered["id"], "reject", "Complet.")
    recent = apply(uow, world, ALICE, SECOND_OFFER, now=NOW + timedelta(days=2))
    later = NOW + timedelta(days=EXPIRY_DAYS)
    assert uow.run(applications.expire_due, later, EXPIRY_DAYS, 1) == 1
    assert uow.run(applications.expire_due, later, EXPIRY_DAYS) == 1
    assert uow.run(applications.expire_due, later, EXPIRY_DAYS) == 0
    assert {row.id: row.status for row in uow.applications.all()} == {
        old["id"]: "expired",
        validated["id"]: "expired",
        answered["id"]: "rejected",
        recent["id"]: "submitted",
    }
    expired = uow.events_of(contract.APPLICATION_EXPIRED)
    assert [(event["application_id"], event["by_role"]) for event in expired] == [
        (old["id"], "system"),
        (validated["id"], "system"),
    ]
    assert expired[0]["reason"] == "Sans réponse pendant 15 jours."
