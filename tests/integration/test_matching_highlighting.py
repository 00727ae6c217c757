"""The 60 km rule through the matching service, on the real broker and database."""

from __future__ import annotations

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy.orm import Session

from services.common.database import utcnow
from services.common.school_calendar import SchoolYear, today_in_paris
from services.matching.models import SchoolWeek
from services.matching.service import MatchingService
from tests.support.schools import load_sample

pytestmark = pytest.mark.integration

PARIS_13 = (48.83, 2.36)


def test_each_week_counts_the_schools_within_60_km_that_chose_it(start_service, databases):
    load_sample(databases.urls["matching"])
    weeks = [str(week) for week in SchoolYear.current(today_in_paris()).college_weeks()]
    chosen = {
        "0752694W": [weeks[-1], weeks[-2]],  # Paris 13e
        "0753937X": [weeks[-1]],  # Paris 13e
        "0931225B": [weeks[-1]],  # Stains, about 15 km away
        "0131260Z": [weeks[-1], weeks[-2]],  # Marseille: too far
    }
    with Session(databases.engine("matching")) as db:
        db.add_all(
            SchoolWeek(uai=uai, week=week, set_by=1, set_at=utcnow()) for uai, ws in chosen.items() for week in ws
        )
        db.commit()
    matching = start_service(MatchingService)
    with entrypoint_hook(matching, "highlighted_weeks") as highlighted:
        answer = highlighted(*PARIS_13)
    assert [row["week"] for row in answer] == weeks
    counts = {row["week"]: row["schools_count"] for row in answer}
    assert counts[weeks[-1]] == 3 and counts[weeks[-2]] == 1
    assert sum(counts.values()) == 4
    assert answer[0]["monday"] < answer[0]["friday"]
    with entrypoint_hook(matching, "highlighted_weeks") as highlighted:
        assert sum(row["schools_count"] for row in highlighted(43.29, 5.38)) == 2  # Marseille
