"""The partner API's rate limit, counted in identity's database so every gateway shares it.

Each call of an operator increments the counter of its (operator, window) row with one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement: the database serialises
concurrent increments of one row, so N calls from any number of gateways count N, without a
read-then-write race. SQLite has that statement since 3.35, PostgreSQL since 9.5. The window
rule itself (fixed windows of one minute) is ``rules.partner_window``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.common.database import upsert_insert, utcnow
from services.identity import rules
from services.identity.models import PartnerCallCount


def count_call(session: Session, operator_id: int, now: datetime | None = None) -> int | None:
    """Count one call of ``operator_id``; None when it is within the limit, else the
    seconds until the window ends (the 429's ``Retry-After``).

    A call over the limit is counted too: it changes nothing, the window is spent anyway.
    """
    window, seconds_left = rules.partner_window(now or utcnow())
    insert = upsert_insert(session)
    table = PartnerCallCount.__table__
    statement = (
        insert(table)
        .values(operator_id=operator_id, minute=window, calls=1)
        .on_conflict_do_update(index_elements=[table.c.operator_id, table.c.minute], set_={"calls": table.c.calls + 1})
        .returning(table.c.calls)
    )
    calls = session.execute(statement).scalar_one()
    if calls == 1:
        # The first call of a window purges old windows, once a minute per active operator.
        # The window before this one is kept: a replica whose clock lags a little may
        # still be counting in it.
        session.execute(delete(PartnerCallCount).where(PartnerCallCount.minute < window - 1))
    return rules.partner_retry_after(calls, seconds_left)
