"""The offers' use cases on the in-memory unit of work (no broker, no database): what a caller
gets back, the events committed and the offers stored, as the service would leave them."""

from __future__ import annotations

from typing import Any

import pytest

from services.common.contracts import offers as contract
from services.common.contracts.actors import Actor
from services.common.contracts.offers import OfferBody
from services.common.database import utcnow
from services.common.errors import DomainError
from services.common.validation import parse
from services.offers import catalogue, drafts, seats
from services.offers.catalogue import Lookups
from tests.support.fake_offers import FakeUnitOfWork
from tests.support.offers import offer_body
from tests.support.school_weeks import FIXED_TODAY

pytestmark = pytest.mark.unit

TODAY = FIXED_TODAY
TEAM, OTHER_TEAM = 10, 20
DEFAULT_SPACE, WORKSHOP_SPACE = 100, 101
HOST = Actor(user_id=1, role="employer", team_id=TEAM)
COLLEAGUE = Actor(user_id=2, role="employer", team_id=TEAM)
STRANGER = Actor(user_id=3, role="employer", team_id=OTHER_TEAM)
PUPIL = Actor(user_id=4, role="student", school_uai="0752694W", grade="troisieme")


def _spaces(team_id: int) -> list[dict[str, Any]]:
    return [
        {"id": team_id * 10, "name": "Siège", "is_default": True},
        {"id": team_id * 10 + 1, "name": "Atelier", "is_default": False},
    ]


LOOKUPS = Lookups(team_spaces=_spaces, unknown_schools=lambda uais: [uai for uai in uais if uai != "0752694W"])


def body(**changes: Any) -> OfferBody:
    return parse(OfferBody, offer_body(today=TODAY, **changes))


def publish_new(uow: FakeUnitOfWork, actor: Actor = HOST, **changes: Any) -> dict[str, Any]:
    return uow.run(catalogue.create, actor, body(**changes), TODAY, LOOKUPS)


def refused(uow: FakeUnitOfWork, use_case: Any, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as error:
        uow.run(use_case, *args)
    return error.value


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def test_publishing_stores_the_offer_in_the_default_space_and_emits_its_snapshot(uow):
    offer = publish_new(uow)
    assert (offer["status"], offer["team_id"], offer["space_id"]) == ("published", TEAM, DEFAULT_SPACE)
    assert offer["remaining_seats"] == 2 and offer["published_at"] is not None
    [published] = uow.events_of(contract.OFFER_PUBLISHED)
    snapshot = contract.OfferSnapshot.model_validate(published)
    assert (snapshot.offer_id, snapshot.version, snapshot.status) == (offer["id"], 1, "published")
    assert (snapshot.city, snapshot.team_id, snapshot.space_id) == ("Lyon", TEAM, DEFAULT_SPACE)
    assert snapshot.college_weeks == offer_body(today=TODAY)["college_weeks"] and not snapshot.need_to_be_updated
    [stored] = uow.offers.all()
    assert (stored.id, stored.version, stored.created_by, stored.approved_count) == (offer["id"], 1, HOST.user_id, 0)


def test_an_invalid_offer_is_refused_by_field_and_nothing_is_stored(uow):
    error = refused(uow, catalogue.create, HOST, body(grades=["seconde"], college_weeks=None), TODAY, LOOKUPS)
    assert (error.code, list(error.fields)) == ("VALIDATION_ERROR", ["seconde_period"])
    error = refused(uow, catalogue.create, HOST, body(space_id=OTHER_TEAM * 10), TODAY, LOOKUPS)
    assert error.fields == {"space_id": ["Cet espace n'existe pas dans votre équipe."]}
    reserved = body(reserved_for={"rep": False, "qpv": False, "school_uais": ["0691234S"]})
    error = refused(uow, catalogue.create, HOST, reserved, TODAY, LOOKUPS)
    assert list(error.fields) == ["reserved_for.school_uais"]
    assert uow.offers.all() == [] and uow.events == []


def test_only_hosts_manage_offers(uow):
    for caller in (PUPIL, Actor(user_id=5, role="employer", team_id=None)):
        assert refused(uow, catalogue.create, caller, body(), TODAY, LOOKUPS).code == "FORBIDDEN"
        assert refused(uow, catalogue.list_team_offers, caller, TODAY).code == "FORBIDDEN"


def test_the_same_idempotency_key_answers_the_same_offer_once(uow):
    first = uow.run(catalogue.create, HOST, body(), TODAY, LOOKUPS, "clic-1")
    again = uow.run(catalogue.create, HOST, body(), TODAY, LOOKUPS, "clic-1")
    assert again == first
    error = refused(uow, catalogue.create, HOST, body(title="Une autre offre"), TODAY, LOOKUPS, "clic-1")
    assert error.code == "IDEMPOTENCY_KEY_REUSED"
    # A key belongs to its caller: a colleague's same key is another request.
    colleagues = uow.run(catalogue.create, COLLEAGUE, body(), TODAY, LOOKUPS, "clic-1")
    assert colleagues["id"] != first["id"]
    assert [offer.id for offer in uow.offers.all()] == [first["id"], colleagues["id"]]
    assert len(uow.events_of(contract.OFFER_PUBLISHED)) == 2


def test_an_edit_merges_the_patch_bumps_the_version_and_emits_the_new_snapshot(uow):
    offer = publish_new(uow)
    patch = {"title": "Boulangerie et pâtisserie", "employer": {"name": "Aux Canuts"}, "space_id": WORKSHOP_SPACE}
    edited = uow.run(catalogue.update, COLLEAGUE, offer["id"], patch, TODAY, LOOKUPS)
    assert (edited["title"], edited["space_id"]) == ("Boulangerie et pâtisserie", WORKSHOP_SPACE)
    # A nested part is merged: the SIRET the patch does not name stays.
    assert (edited["employer"]["name"], edited["employer"]["siret"]) == ("Aux Canuts", "73282932000074")
    [updated] = uow.events_of(contract.OFFER_UPDATED)
    assert (updated["offer_id"], updated["version"], updated["title"]) == (offer["id"], 2, "Boulangerie et pâtisserie")
    assert uow.offers.get(offer["id"]).version == 2


def test_an_edit_that_breaks_a_rule_changes_nothing(uow):
    offer = publish_new(uow)
    error = refused(uow, catalogue.update, HOST, offer["id"], {"max_candidates": 0}, TODAY, LOOKUPS)
    assert error.code == "VALIDATION_ERROR" and "max_candidates" in error.fields
    assert uow.run(catalogue.get, HOST, offer["id"], TODAY) == offer
    assert uow.events_of(contract.OFFER_UPDATED) == []


def test_another_teams_offer_is_not_found_for_every_use_case(uow):
    offer = publish_new(uow)
    before = [event.event_id for event in uow.events]
    for use_case, args in (
        (catalogue.get, (STRANGER, offer["id"], TODAY)),
        (catalogue.update, (STRANGER, offer["id"], {"title": "Volée"}, TODAY, LOOKUPS)),
        (catalogue.delete, (STRANGER, offer["id"])),
        (catalogue.duplicate, (STRANGER, offer["id"], TODAY)),
        (catalogue.unpublish, (STRANGER, offer["id"], TODAY)),
        (catalogue.publish, (PUPIL, offer["id"], TODAY)),
        (catalogue.get, (HOST, offer["id"] + 1, TODAY)),
    ):
        assert refused(uow, use_case, *args).code == "NOT_FOUND", use_case.__name__
    stored = uow.offers.get(offer["id"])
    assert (stored.title, stored.status, stored.version, stored.deleted_at) == (offer["title"], "published", 1, None)
    assert [event.event_id for event in uow.events] == before


def test_deleting_hides_the_offer_and_tells_its_version(uow):
    offer = publish_new(uow)
    assert uow.run(catalogue.delete, HOST, offer["id"]) is None
    [deleted] = uow.events_of(contract.OFFER_DELETED)
    assert deleted == {"offer_id": offer["id"], "version": 2}
    assert refused(uow, catalogue.get, HOST, offer["id"], TODAY).code == "NOT_FOUND"
    assert refused(uow, catalogue.preview, None, offer["id"], TODAY).code == "NOT_FOUND"
    assert uow.run(catalogue.list_team_offers, HOST, TODAY)["total"] == 0
    # Conventions still reads what an application was made to.
    assert uow.run(seats.offer_for_application, offer["id"], TODAY)["status"] == seats.DELETED


def test_an_offer_with_approved_pupils_is_not_deleted(uow):
    offer = publish_new(uow)
    uow.run(seats.apply_seats_changed, {"offer_id": offer["id"], "approved_count": 1, "sequence": 1}, TODAY)
    error = refused(uow, catalogue.delete, HOST, offer["id"])
    assert (error.code, error.message) == (
        "OFFER_HAS_APPROVED_PUPILS",
        "1 élève(s) déjà retenu(s) : cette offre ne peut pas être supprimée.",
    )
    assert uow.offers.get(offer["id"]).deleted_at is None
    assert uow.events_of(contract.OFFER_DELETED) == []


def test_a_duplicate_is_a_new_unpublished_offer_with_the_same_content(uow):
    offer = publish_new(uow, space_id=WORKSHOP_SPACE)
    copy = uow.run(catalogue.duplicate, COLLEAGUE, offer["id"], TODAY)
    assert copy["id"] != offer["id"] and copy["status"] == "unpublished" and copy["published_at"] is None
    same = ("title", "description", "employer", "place", "daily_hours", "college_weeks", "space_id", "max_candidates")
    assert {key: copy[key] for key in same} == {key: offer[key] for key in same}
    assert uow.offers.get(copy["id"]).created_by == COLLEAGUE.user_id
    # Unpublished: matching hears nothing until the host publishes it.
    assert [event.event_type for event in uow.events] == [contract.OFFER_PUBLISHED]


def test_unpublishing_and_publishing_again_make_new_versions(uow):
    offer = publish_new(uow)
    assert refused(uow, catalogue.publish, HOST, offer["id"], TODAY).code == "ALREADY_PUBLISHED"
    assert uow.run(catalogue.unpublish, HOST, offer["id"], TODAY)["status"] == "unpublished"
    assert refused(uow, catalogue.unpublish, HOST, offer["id"], TODAY).code == "NOT_PUBLISHED"
    # Hidden from pupils, still the team's.
    assert refused(uow, catalogue.preview, PUPIL, offer["id"], TODAY).code == "NOT_FOUND"
    assert uow.run(catalogue.preview, COLLEAGUE, offer["id"], TODAY)["title"] == offer["title"]
    assert uow.run(catalogue.publish, HOST, offer["id"], TODAY)["status"] == "published"
    assert [(event.event_type, event.payload["version"], event.payload["status"]) for event in uow.events] == [
        (contract.OFFER_PUBLISHED, 1, "published"),
        (contract.OFFER_UNPUBLISHED, 2, "unpublished"),
        (contract.OFFER_PUBLISHED, 3, "published"),
    ]
    preview = uow.run(catalogue.preview, None, offer["id"], TODAY)
    assert "siret" not in preview["employer"] and preview["remaining_seats"] == 2


def test_the_team_list_puts_offers_to_update_first_then_the_newest_a_page_at_a_time(uow):
    first, second, third, fourth = (publish_new(uow, title=f"Offre {n}") for n in range(1, 5))
    publish_new(uow, STRANGER)
    # The review pass marks an offer « à mettre à jour » (review.py, a SQL UPDATE of its own).
    with uow.transaction():
        marked = uow.offers.get(second["id"])
        marked.need_to_be_updated, marked.update_reason = True, "past_weeks"
    page = uow.run(catalogue.list_team_offers, COLLEAGUE, TODAY, per_page=3)
    assert [offer["id"] for offer in page["results"]] == [second["id"], fourth["id"], third["id"]]
    assert (page["total"], page["page"], page["per_page"]) == (4, 1, 3)
    assert page["results"][0]["need_to_be_updated"] and page["results"][0]["update_reason"] == "past_weeks"
    last = uow.run(catalogue.list_team_offers, HOST, TODAY, page=2, per_page=3)
    assert [offer["id"] for offer in last["results"]] == [first["id"]] and last["total"] == 4
    uow.run(catalogue.unpublish, HOST, third["id"], TODAY)
    uow.run(catalogue.update, HOST, fourth["id"], {"space_id": WORKSHOP_SPACE}, TODAY, LOOKUPS)
    unpublished = uow.run(catalogue.list_team_offers, HOST, TODAY, status="unpublished")
    assert [offer["id"] for offer in unpublished["results"]] == [third["id"]]
    workshop = uow.run(catalogue.list_team_offers, HOST, TODAY, space_id=WORKSHOP_SPACE)
    assert [offer["id"] for offer in workshop["results"]] == [fourth["id"]]


def test_an_edit_clears_a_mark_whose_reason_is_gone(uow):
    offer = publish_new(uow, max_candidates=1)
    uow.run(seats.apply_seats_changed, {"offer_id": offer["id"], "approved_count": 1, "sequence": 1}, TODAY)
    with uow.transaction():
        full = uow.offers.get(offer["id"])
        full.need_to_be_updated, full.update_reason = True, "no_seats_left"
    edited = uow.run(catalogue.update, HOST, offer["id"], {"max_candidates": 3}, TODAY, LOOKUPS)
    assert (edited["need_to_be_updated"], edited["update_reason"], edited["remaining_seats"]) == (False, None, 2)
    assert uow.events_of(contract.OFFER_UPDATED)[-1]["need_to_be_updated"] is False


def test_an_offer_to_update_is_not_found_by_pupils_and_strangers_but_its_team_still_reads_it(uow):
    offer = publish_new(uow)
    with uow.transaction():
        marked = uow.offers.get(offer["id"])
        marked.need_to_be_updated, marked.update_reason = True, "previous_school_year"
    for reader in (None, PUPIL, STRANGER):
        error = refused(uow, catalogue.preview, reader, offer["id"], TODAY)
        assert (error.code, error.message) == ("NOT_FOUND", "Offre introuvable.")
    assert uow.run(catalogue.preview, COLLEAGUE, offer["id"], TODAY)["id"] == offer["id"]
    assert uow.run(catalogue.get, HOST, offer["id"], TODAY)["update_reason"] == "previous_school_year"
    # conventions reads the mark when a pupil applies (and refuses, as for an unpublished offer)
    assert uow.run(seats.offer_for_application, offer["id"], TODAY)["need_to_be_updated"] is True
    # the host's edit (this school year's now) lifts it: pupils read the offer again
    edited = uow.run(catalogue.update, HOST, offer["id"], {"title": "Offre mise à jour"}, TODAY, LOOKUPS)
    assert (edited["need_to_be_updated"], edited["update_reason"]) == (False, None)
    assert uow.run(catalogue.preview, PUPIL, offer["id"], TODAY)["title"] == "Offre mise à jour"
    assert uow.run(seats.offer_for_application, offer["id"], TODAY)["need_to_be_updated"] is False


def test_an_applicant_still_reads_an_offer_closed_to_pupils_but_never_a_deleted_one(uow):
    marked, hidden, gone = publish_new(uow), publish_new(uow), publish_new(uow)
    with uow.transaction():
        stored = uow.offers.get(marked["id"])
        stored.need_to_be_updated, stored.update_reason = True, "no_seats_left"
    uow.run(catalogue.unpublish, HOST, hidden["id"], TODAY)
    uow.run(catalogue.delete, HOST, gone["id"])
    for offer in (marked, hidden):
        assert refused(uow, catalogue.preview, PUPIL, offer["id"], TODAY).code == "NOT_FOUND"
        read = uow.run(catalogue.applicant_preview, offer["id"], TODAY)
        assert read == uow.run(catalogue.preview, HOST, offer["id"], TODAY)  # the same content as pupils read
    for missing in (gone["id"], 999_999):
        error = refused(uow, catalogue.applicant_preview, missing, TODAY)
        assert (error.code, error.message) == ("NOT_FOUND", "Offre introuvable.")


def test_a_seat_count_is_applied_once_and_in_order(uow):
    offer = publish_new(uow)
    assert uow.run(seats.apply_seats_changed, {"offer_id": offer["id"], "approved_count": 1, "sequence": 2}, TODAY)
    # A late count (an older sequence) and a repeated one change nothing.
    for stale in (1, 2):
        applied = uow.run(
            seats.apply_seats_changed, {"offer_id": offer["id"], "approved_count": 0, "sequence": stale}, TODAY
        )
        assert applied is False
    [updated] = uow.events_of(contract.OFFER_UPDATED)
    assert (updated["version"], updated["remaining_seats"]) == (2, 1)
    assert uow.run(catalogue.get, HOST, offer["id"], TODAY)["remaining_seats"] == 1


def test_a_submitted_draft_becomes_an_unpublished_offer_and_is_deleted_together(uow):
    draft = uow.run(drafts.save, HOST, None, {"title": "Brouillon"}, None, utcnow())
    error = refused(uow, drafts.submit, HOST, draft["id"], TODAY, LOOKUPS)
    assert error.code == "VALIDATION_ERROR"
    # Refused: the draft is still there, nothing else was made.
    assert [listed["id"] for listed in uow.run(drafts.listing, COLLEAGUE)] == [draft["id"]]
    assert uow.offers.all() == []
    uow.run(drafts.save, HOST, draft["id"], offer_body(today=TODAY), None, utcnow())
    offer = uow.run(drafts.submit, COLLEAGUE, draft["id"], TODAY, LOOKUPS)
    assert (offer["status"], offer["space_id"], offer["title"]) == (
        "unpublished",
        DEFAULT_SPACE,
        offer_body(today=TODAY)["title"],
    )
    assert uow.run(drafts.listing, HOST) == [] and uow.events == []
    assert refused(uow, drafts.get, STRANGER, draft["id"]).code == "NOT_FOUND"
