"""Team rules: space names and their suffixes, who may remove whom, who owns a team, who must
keep receiving a space's notifications, and when an invitation is expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.contracts.teams import SPACE_NAME_MAX_LENGTH
from services.identity import team_rules
from services.identity.team_rules import Refusal

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


# -- space names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("Lyon", set(), "Lyon"),
        ("Lyon", {"paris"}, "Lyon"),
        ("Lyon", {"lyon"}, "Lyon (2)"),
        ("Lyon", {"lyon", "lyon (2)"}, "Lyon (3)"),
        # A gap is filled: the first free number wins.
        ("Lyon", {"lyon", "lyon (3)"}, "Lyon (2)"),
        ("LYON", {"lyon"}, "LYON (2)"),
        ("Île-de-France", {"île-de-france"}, "Île-de-France (2)"),
        ("Straße", {"strasse"}, "Straße (2)"),
    ],
)
def test_a_clashing_space_name_gets_the_first_free_suffix(name: str, taken: set[str], expected: str) -> None:
    assert team_rules.free_space_name(name, taken) == expected


def test_a_suffixed_name_still_fits_the_column() -> None:
    long_name = "x" * SPACE_NAME_MAX_LENGTH
    renamed = team_rules.free_space_name(long_name, {long_name})
    assert renamed == "x" * (SPACE_NAME_MAX_LENGTH - 4) + " (2)"
    assert len(renamed) == SPACE_NAME_MAX_LENGTH


def test_names_compare_without_case_or_surrounding_spaces() -> None:
    assert team_rules.name_key("  Lyon Sud ") == team_rules.name_key("lyon sud")
    assert team_rules.name_key("Lyon") != team_rules.name_key("Lyon Sud")


# -- who may remove whom ----------------------------------------------------------------------

OWNER, MEMBER, OTHER = 1, 2, 3


@pytest.mark.parametrize(
    ("caller", "target", "expected"),
    [
        (OWNER, MEMBER, None),  # the owner removes a member
        (MEMBER, MEMBER, None),  # a member leaves
        (MEMBER, OTHER, Refusal.NOT_ALLOWED),  # a member does not remove another one
        (MEMBER, OWNER, Refusal.OWNER),  # nobody removes the owner...
        (OWNER, OWNER, Refusal.OWNER),  # ...not even the owner: a team keeps its owner
    ],
)
def test_who_may_remove_whom(caller: int, target: int, expected: Refusal | None) -> None:
    assert team_rules.removal_refusal(caller, target, OWNER) is expected


def test_without_an_owner_members_may_only_leave() -> None:
    assert team_rules.removal_refusal(MEMBER, MEMBER, None) is None
    assert team_rules.removal_refusal(MEMBER, OTHER, None) is Refusal.NOT_ALLOWED


# -- owners ------------------------------------------------------------------------------------


def test_the_owner_is_the_recorded_one_while_a_member_else_the_longest_standing_member() -> None:
    members = [(5, NOW), (7, NOW - timedelta(days=3)), (6, NOW - timedelta(days=3))]
    assert team_rules.effective_owner(5, members) == 5
    # Gone (left, or never recorded): the longest-standing member, the lowest id on a tie.
    assert team_rules.effective_owner(99, members) == 6
    assert team_rules.effective_owner(None, members) == 6
    assert team_rules.effective_owner(5, []) is None


def test_a_member_without_a_joining_date_comes_after_the_dated_ones() -> None:
    assert team_rules.successor([(1, None), (2, NOW)]) == 2
    assert team_rules.successor([(3, None), (2, None)]) == 2
    assert team_rules.successor([]) is None


# -- recipients of a space ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notified", "user", "notify", "leaves_nobody"),
    [
        ({1}, 1, False, True),  # the last one unticks themselves
        ({1}, 2, False, False),  # unticking a member who is not notified leaves member 1 notified
        ({1, 2}, 1, False, False),
        ({1, 2}, 3, False, False),
        (set(), 1, True, False),  # ticking is always allowed
        ({1}, 1, True, False),
    ],
)
def test_the_last_recipient_of_a_space_cannot_be_unticked(
    notified: set[int], user: int, notify: bool, leaves_nobody: bool
) -> None:
    assert team_rules.leaves_no_recipient(notified, user, notify) is leaves_nobody


def test_spaces_left_without_recipient() -> None:
    assert team_rules.spaces_without_recipient([3, 1, 2], [(1, 10), (1, 11), (3, 10)]) == [2]
    assert team_rules.spaces_without_recipient([1], []) == [1]
    assert team_rules.spaces_without_recipient([], [(1, 10)]) == []


# -- invitations --------------------------------------------------------------------------------


def test_a_pending_invitation_expires_after_seven_days() -> None:
    expires = NOW + timedelta(days=7)
    assert expires - NOW == team_rules.INVITATION_TTL
    assert team_rules.invitation_state("pending", expires, NOW + timedelta(days=6, hours=23)) == "pending"
    assert team_rules.invitation_state("pending", expires, expires) == "expired"
    # An answered invitation keeps its answer.
    for status in ("accepted", "refused", "withdrawn"):
        assert team_rules.invitation_state(status, expires, expires + timedelta(days=1)) == status
