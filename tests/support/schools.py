"""Schools in the matching database of a test, without running the importer."""

from __future__ import annotations

from pathlib import Path

from services.matching import import_schools

FIXTURES = Path(import_schools.__file__).resolve().parent / "fixtures"


def load_sample(matching_url: str) -> None:
    """The built-in sample of real schools (what ``make run`` loads without shared data)."""
    import_schools.run(FIXTURES / "schools-sample.csv", url=matching_url)
