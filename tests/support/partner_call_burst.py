"""One process of a burst of partner API calls, as one gateway replica would count them.

    python -m tests.support.partner_call_burst OPERATOR_ID CALLS START_AT NOW

Waits until the Unix time ``START_AT`` (so that the processes of a burst overlap), then
counts ``CALLS`` calls at the instant ``NOW`` (one transaction each, on its own connection to
``DATABASE_URL_IDENTITY``) and prints how many were allowed.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from services.common.config import database_url
from services.common.database import create_service_engine
from services.identity import partner_calls


def main() -> None:
    operator_id, calls, start_at, now = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    engine = create_service_engine(database_url("identity"))
    instant = datetime.fromtimestamp(now, UTC)
    time.sleep(max(0.0, start_at - time.time()))
    allowed = 0
    for _ in range(calls):
        with Session(engine) as session, session.begin():
            allowed += partner_calls.count_call(session, operator_id, instant) is None
    engine.dispose()
    print(allowed)


if __name__ == "__main__":
    main()
