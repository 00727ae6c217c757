"""The offers service in a real container, with identity (spaces) on the real broker."""

from __future__ import annotations

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import offers as contract
from services.common.errors import DomainError
from services.offers.models import Offer, OutboxMessage
from tests.support.entrypoints import call
from tests.support.listener import OfferEventsListener
from tests.support.offer_services import start_offer_services
from tests.support.offers import offer_body
from tests.support.partner import partner_payload
from tests.support.schools import load_sample

pytestmark = pytest.mark.integration


def host(identity, email):
    user = call(
        identity,
        "signup",
        {
            "email": email,
            "password": "un-mot-de-passe-solide",
            "first_name": "H",
            "last_name": "Ôte",
            "role": "employer",
        },
    )
    return {"user_id": user["id"], "role": "employer", "team_id": user["team_id"]}


@pytest.fixture
def stack(start_service):
    services = start_offer_services(start_service)
    return services.identity, services.offers, services.listener


def test_publishing_stores_the_offer_in_the_default_space_and_tells_matching(stack, databases):
    identity, offers, listener = stack
    actor = host(identity, "a@example.fr")
    with entrypoint_waiter(listener, "on_published", timeout=10):
        offer = call(offers, "create_offer", actor, offer_body())
    spaces = call(identity, "team_spaces", actor["team_id"])
    assert offer["space_id"] == spaces[0]["id"] and spaces[0]["is_default"]
    assert (offer["status"], offer["remaining_seats"], offer["team_id"]) == ("published", 2, actor["team_id"])
    assert offer["employer"]["siret"] == "73282932000074"
    [event] = OfferEventsListener.of_type(contract.OFFER_PUBLISHED)
    snapshot = contract.OfferSnapshot.model_validate(event["data"])
    assert (snapshot.offer_id, snapshot.version, snapshot.city, snapshot.latitude) == (offer["id"], 1, "Lyon", 45.774)
    assert snapshot.college_weeks == offer_body()["college_weeks"]


def test_the_same_idempotency_key_creates_one_offer(stack, databases):
    identity, offers, _ = stack
    actor = host(identity, "b@example.fr")
    first = call(offers, "create_offer", actor, offer_body(), "clic-1")
    second = call(offers, "create_offer", actor, offer_body(), "clic-1")
    assert first["id"] == second["id"]
    with pytest.raises(DomainError) as reused:
        call(offers, "create_offer", actor, offer_body(title="Autre offre"), "clic-1")
    assert (status_of(reused.value), reused.value.code) == (409, "IDEMPOTENCY_KEY_REUSED")
    with Session(databases.engine("offers")) as db:
        assert db.scalar(select(func.count()).select_from(Offer)) == 1
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_an_invalid_offer_is_refused_whole_and_nothing_is_saved(stack, databases):
    identity, offers, _ = stack
    actor = host(identity, "c@example.fr")
    with pytest.raises(DomainError) as past:
        call(offers, "create_offer", actor, offer_body(college_weeks=["2019-W10"]))
    assert (status_of(past.value), list(past.value.fields)) == (422, ["college_weeks"])
    with pytest.raises(DomainError) as foreign_space:
        call(offers, "create_offer", actor, offer_body(space_id=999))
    assert foreign_space.value.fields == {"space_id": ["Cet espace n'existe pas dans votre équipe."]}
    with Session(databases.engine("offers")) as db:
        assert db.scalar(select(func.count()).select_from(Offer)) == 0
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_only_the_team_sees_and_changes_its_offers(stack):
    identity, offers, _ = stack
    owner, stranger = host(identity, "d@example.fr"), host(identity, "e@example.fr")
    offer = call(offers, "create_offer", owner, offer_body())
    for method, args in (
        ("get_offer", ()),
        ("update_offer", ({"title": "Piraté"},)),
        ("delete_offer", ()),
        ("duplicate_offer", ()),
        ("unpublish_offer", ()),
    ):
        with pytest.raises(DomainError) as hidden:
            call(offers, method, stranger, offer["id"], *args)
        assert status_of(hidden.value) == 404, method
    pupil = {"user_id": 99, "role": "student", "team_id": None, "school_uai": "0752694W"}
    with pytest.raises(DomainError) as refused:
        call(offers, "create_offer", pupil, offer_body())
    assert status_of(refused.value) == 403
    assert call(offers, "list_offers", stranger)["total"] == 0
    assert call(offers, "list_offers", owner)["total"] == 1


def test_edit_unpublish_republish_duplicate_delete(stack, databases):
    identity, offers, listener = stack
    actor = host(identity, "f@example.fr")
    offer = call(offers, "create_offer", actor, offer_body())

    with entrypoint_waiter(listener, "on_updated", timeout=10):
        edited = call(
            offers, "update_offer", actor, offer["id"], {"title": "Nouveau titre", "place": {"city": "Villeurbanne"}}
        )
    assert (edited["title"], edited["place"]["city"], edited["place"]["zipcode"]) == (
        "Nouveau titre",
        "Villeurbanne",
        "69004",
    )
    with pytest.raises(DomainError) as invalid:
        call(offers, "update_offer", actor, offer["id"], {"max_candidates": 0, "title": "Ignoré"})
    assert list(invalid.value.fields) == ["max_candidates"]
    assert call(offers, "get_offer", actor, offer["id"])["title"] == "Nouveau titre"

    anonymous_preview = call(offers, "preview_offer", None, offer["id"])
    assert "siret" not in anonymous_preview["employer"]
    with entrypoint_waiter(listener, "on_unpublished", timeout=10):
        assert call(offers, "unpublish_offer", actor, offer["id"])["status"] == "unpublished"
    with pytest.raises(DomainError):
        call(offers, "preview_offer", None, offer["id"])
    assert call(offers, "preview_offer", actor, offer["id"])["title"] == "Nouveau titre"
    with entrypoint_waiter(listener, "on_published", timeout=10):
        assert call(offers, "publish_offer", actor, offer["id"])["status"] == "published"

    copy = call(offers, "duplicate_offer", actor, offer["id"])
    assert copy["id"] != offer["id"] and copy["status"] == "unpublished"
    assert {k: v for k, v in copy.items() if k in ("title", "employer", "place", "daily_hours")} == {
        k: v for k, v in edited.items() if k in ("title", "employer", "place", "daily_hours")
    }

    with entrypoint_waiter(listener, "on_deleted", timeout=10):
        call(offers, "delete_offer", actor, offer["id"])
    with pytest.raises(DomainError) as gone:
        call(offers, "get_offer", actor, offer["id"])
    assert status_of(gone.value) == 404
    versions = [e["data"]["version"] for e in OfferEventsListener.received if e["data"]["offer_id"] == offer["id"]]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_an_offer_with_approved_pupils_cannot_be_deleted_nor_shrunk(stack, databases):
    identity, offers, _ = stack
    actor = host(identity, "g@example.fr")
    offer = call(offers, "create_offer", actor, offer_body(max_candidates=3))
    with Session(databases.engine("offers")) as db:
        db.execute(update(Offer).values(approved_count=2))
        db.commit()
    with pytest.raises(DomainError) as shrink:
        call(offers, "update_offer", actor, offer["id"], {"max_candidates": 1})
    assert list(shrink.value.fields) == ["max_candidates"]
    with pytest.raises(DomainError) as delete:
        call(offers, "delete_offer", actor, offer["id"])
    assert (status_of(delete.value), delete.value.code) == (409, "OFFER_HAS_APPROVED_PUPILS")


def test_an_offer_reserved_to_one_school_names_a_school_of_the_directory(stack, databases):
    identity, offers, _ = stack
    actor = host(identity, "h@example.fr")
    load_sample(databases.urls["matching"])
    reserved = {"rep": False, "qpv": False, "school_uai": "0751710B"}  # a real UAI, not a 2de GT lycée
    with pytest.raises(DomainError) as unknown:
        call(offers, "create_offer", actor, offer_body(reserved_for=reserved))
    assert unknown.value.fields == {
        "reserved_for.school_uais": ["Aucun établissement de l'annuaire n'a le code UAI 0751710B."]
    }
    offer = call(offers, "create_offer", actor, offer_body(reserved_for={**reserved, "school_uai": "0752694W"}))
    assert offer["reserved_for"] == {"rep": False, "qpv": False, "school_uai": "0752694W", "school_uais": ["0752694W"]}


def test_hosts_offers_keep_to_the_working_time_of_minors(stack, databases):
    identity, offers, _ = stack
    actor = host(identity, "i@example.fr")
    unlawful = {"lundi": ["08:00", "17:00"], "mardi": ["09:00", "12:00", "13:30", "16:30"]}
    with pytest.raises(DomainError) as refused:
        call(offers, "create_offer", actor, offer_body(daily_hours=unlawful))
    assert (status_of(refused.value), refused.value.code) == (422, "VALIDATION_ERROR")
    assert refused.value.fields == {
        "daily_hours": [
            "lundi : 9 h de présence, au-delà de 7 h par jour.",
            "lundi : une pause d'au moins 30 minutes est due après 4 h 30 de présence.",
        ]
    }
    lawful = {day: ["9:00", "12:00", "13:30", "16:30"] for day in ("lundi", "mardi", "jeudi")}
    offer = call(offers, "create_offer", actor, offer_body(daily_hours=lawful))
    assert offer["daily_hours"]["lundi"] == ["09:00", "12:00", "13:30", "16:30"]
    with pytest.raises(DomainError) as night:
        call(offers, "update_offer", actor, offer["id"], {"daily_hours": {"vendredi": ["15:00", "20:30"]}})
    assert list(night.value.fields) == ["daily_hours"]
    assert call(offers, "get_offer", actor, offer["id"])["daily_hours"] == offer["daily_hours"]
    # The partner API v2 keeps the national platform's rules: its samples replay unchanged.
    assert partner_payload()["daily_hours"]["lundi"] == ["9:00", "17:00"]
    assert call(offers, "partner_create", 4242, partner_payload())["remote_id"] == partner_payload()["remote_id"]
    with Session(databases.engine("offers")) as db:
        assert db.scalar(select(func.count()).select_from(Offer)) == 2


def test_an_offer_says_when_all_its_weeks_are_past(stack, databases):
    identity, offers, _ = stack
    actor = host(identity, "j@example.fr")
    offer = call(offers, "create_offer", actor, offer_body())
    yearly = call(offers, "create_offer", actor, offer_body(college_weeks="all_year"))
    assert (offer["past"], yearly["past"]) == (False, False)
    with Session(databases.engine("offers")) as db:
        db.execute(update(Offer).values(college_weeks=["2019-W10", "2019-W11"]).where(Offer.id == offer["id"]))
        db.commit()
    assert call(offers, "get_offer", actor, offer["id"])["past"] is True
    listed = {item["id"]: item["past"] for item in call(offers, "list_offers", actor)["results"]}
    assert listed == {offer["id"]: True, yearly["id"]: False}
