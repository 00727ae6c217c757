"""Counters of the rate limits (``rules.RateLimit``) in identity's database, shared by every
replica: one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` per counted event, as the
partner API's counter does (see ``partner_calls``), so concurrent events all count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.common.client_addresses import counts_address
from services.common.database import upsert_insert
from services.identity import rules
from services.identity.models import RateCount

# Windows of any limit ended this long ago are purged (the longest window is one hour).
PURGE_AFTER_SECONDS = 2 * 3600


def count(session: Session, limit: rules.RateLimit, subject: str, now: datetime) -> int | None:
    """Count one event of ``subject``; None while within ``limit``, else the seconds to wait."""
    window, seconds_left = rules.fixed_window(now, limit.window_seconds)
    ends_at = (window + 1) * limit.window_seconds
    table = RateCount.__table__
    statement = (
        upsert_insert(session)(table)
        .values(key=rules.rate_key(limit, subject), window_end=ends_at, hits=1)
        .on_conflict_do_update(index_elements=[table.c.key, table.c.window_end], set_={"hits": table.c.hits + 1})
        .returning(table.c.hits)
    )
    hits = session.execute(statement).scalar_one()
    if hits == 1:
        # A new counter purges the ended ones, at most once per counter and window.
        session.execute(delete(RateCount).where(RateCount.window_end < int(now.timestamp()) - PURGE_AFTER_SECONDS))
    return rules.over_limit(hits, limit, seconds_left)


def wait(session: Session, limit: rules.RateLimit, subject: str, now: datetime) -> int | None:
    """Like ``count`` without counting: whether ``subject`` is already over ``limit``."""
    window, seconds_left = rules.fixed_window(now, limit.window_seconds)
    hits = session.scalar(
        select(RateCount.hits).where(
            RateCount.key == rules.rate_key(limit, subject),
            RateCount.window_end == (window + 1) * limit.window_seconds,
        )
    )
    # Reaching the limit already holds back the next event.
    return rules.over_limit((hits or 0) + 1, limit, seconds_left)


def count_request(
    session: Session,
    by_email: rules.RateLimit,
    by_address: rules.RateLimit,
    email: str,
    address: str | None,
    now: datetime,
) -> int | None:
    """Count one request naming ``email`` from ``address`` against both limits; the longest
    wait, or None when both allow it."""
    waits = [count(session, by_email, rules.normalize_email(email), now)]
    if counts_address(address):
        assert address is not None
        waits.append(count(session, by_address, address, now))
    refused = [seconds for seconds in waits if seconds is not None]
    return max(refused) if refused else None
