"""When people are reminded of what waits for them: plain rules on a given clock.

A host's team is reminded of the applications it has not answered (submitted or read) for 7
days, then again every 7 days, until it answers or the application expires (15 days without a
change, see ``applications.expire_due``). The signatories still expected on a convention ready
to sign for 3 days are reminded, then again every 3 days until they have all signed.

No database here: ``reminder_pass`` reads the rows, asks these rules, and records each reminder
with a conditional update that repeats them, so that two replicas never send the same one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.conventions.convention_rules import SIGNABLE

HOST_REMINDER_PERIOD = timedelta(days=7)
SIGNATURE_REMINDER_PERIOD = timedelta(days=3)
# The host's turn to answer; ``validated`` waits for the pupil, who is not reminded.
WAITING_FOR_HOST = ("submitted", "read")

SpaceKey = tuple[int, int | None]  # (team_id, space_id): whose members a reminder goes to


@dataclass(frozen=True)
class UnansweredApplication:
    """What the rules need of an application: its status, since when it waits, its last reminder."""

    application_id: int
    team_id: int
    space_id: int | None
    status: str
    waiting_since: datetime  # its last change, the same clock as its expiry
    reminded_at: datetime | None


@dataclass(frozen=True)
class UnsignedConvention:
    """What the rules need of a convention: its status, since when it is ready, its last reminder."""

    convention_id: int
    status: str
    ready_since: datetime | None
    reminded_at: datetime | None


def cutoff(now: datetime, period: timedelta) -> datetime:
    """The latest instant a wait (or a previous reminder) may have started for a reminder to be due."""
    return now - period


def due(waiting_since: datetime, reminded_at: datetime | None, now: datetime, period: timedelta) -> bool:
    """Whether a reminder is due: waiting for ``period`` at least, and not reminded within it."""
    limit = cutoff(now, period)
    return waiting_since <= limit and (reminded_at is None or reminded_at <= limit)


def expiry_cutoff(now: datetime, expiry_days: int) -> datetime:
    """Applications unchanged since this instant expire rather than being reminded."""
    return now - timedelta(days=expiry_days)


def expires(waiting_since: datetime, now: datetime, expiry_days: int) -> bool:
    """Whether a pending application unchanged since ``waiting_since`` is expired at ``now`` (as
    ``applications.expire_due`` selects them): its host is not reminded of it any more."""
    return waiting_since <= expiry_cutoff(now, expiry_days)


def host_reminders_due(
    applications: Iterable[UnansweredApplication], now: datetime, expiry_days: int
) -> dict[SpaceKey, list[int]]:
    """The applications to remind, grouped by the team's space they belong to (one email per
    member notified for that space lists them all), oldest first."""
    ordered = sorted(applications, key=lambda application: (application.waiting_since, application.application_id))
    groups: dict[SpaceKey, list[int]] = defaultdict(list)
    for application in ordered:
        if (
            application.status in WAITING_FOR_HOST
            and not expires(application.waiting_since, now, expiry_days)
            and due(application.waiting_since, application.reminded_at, now, HOST_REMINDER_PERIOD)
        ):
            groups[(application.team_id, application.space_id)].append(application.application_id)
    return dict(groups)


def ready_since(completed_by_employer_at: datetime | None, validated_by_school_at: datetime | None) -> datetime | None:
    """When a convention became ready to sign: once both sides had declared their parts done."""
    if completed_by_employer_at is None or validated_by_school_at is None:
        return None
    return max(completed_by_employer_at, validated_by_school_at)


def signature_reminders_due(conventions: Iterable[UnsignedConvention], now: datetime) -> list[int]:
    """The conventions whose signatories still expected are to be reminded now."""
    return [
        convention.convention_id
        for convention in conventions
        if convention.status in SIGNABLE
        and convention.ready_since is not None
        and due(convention.ready_since, convention.reminded_at, now, SIGNATURE_REMINDER_PERIOD)
    ]
