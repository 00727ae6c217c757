"""Rules of the pupils' favourite offers: who keeps them, which offers are added, listed, available."""

from __future__ import annotations

import pytest

from gateway.error_statuses import status_of
from services.common.contracts.actors import Actor
from services.common.contracts.favourites import FavouritesQuery
from services.common.errors import DomainError
from services.common.validation import parse
from services.matching import favourite_rules as rules

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("role", ["employer", "school_manager", "teacher", "operator"])
def test_only_pupils_keep_favourites(role):
    rules.check_pupil(Actor(user_id=1, role="student"))
    with pytest.raises(DomainError) as refused:
        rules.check_pupil(Actor(user_id=1, role=role))
    assert (status_of(refused.value), refused.value.code) == (403, "FORBIDDEN")
    assert "élèves" in refused.value.message


@pytest.mark.parametrize(
    ("status", "visible", "addable", "listed", "available"),
    [
        ("published", True, True, True, True),
        ("published", False, False, True, False),  # reserved to other pupils (since)
        ("unpublished", True, False, True, False),
        ("deleted", True, False, False, False),
        (None, True, False, False, False),  # never heard of
    ],
)
def test_what_a_favourite_becomes_with_its_offer(status, visible, addable, listed, available):
    assert rules.may_add(status, visible) is addable
    assert rules.is_listed(status) is listed
    assert rules.is_available(status, visible) is available


def test_an_unknown_offer_is_a_404_that_does_not_say_why():
    error = rules.unknown_offer()
    assert (status_of(error), error.code) == (404, "NOT_FOUND")


def test_the_list_is_paged_as_every_list():
    assert FavouritesQuery().model_dump() == {"page": 1, "per_page": 20}
    with pytest.raises(DomainError) as refused:
        parse(FavouritesQuery, {"per_page": 101})
    assert status_of(refused.value) == 422
