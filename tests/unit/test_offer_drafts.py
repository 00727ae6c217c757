"""What a draft of an offer may hold (no broker, no database)."""

from __future__ import annotations

import pytest

from services.offers.drafts import content_problem

pytestmark = pytest.mark.unit


def test_a_draft_is_any_json_object_as_typed():
    assert content_problem({}) is None
    assert content_problem({"title": "", "employer": {"siret": "12"}, "daily_hours": {"lundi": ["9:"]}}) is None
    for not_an_object in (None, [], "titre", 3):
        assert content_problem(not_an_object) == "Le brouillon doit être un objet JSON."


def test_a_draft_weighs_64_kb_at_most_in_utf8():
    overhead = len('{"d":""}')
    assert content_problem({"d": "x" * (64 * 1024 - overhead)}) is None
    assert content_problem({"d": "x" * (64 * 1024 - overhead + 1)}) == (
        "Le brouillon dépasse 64 Ko (64 Ko) : raccourcissez les textes."
    )
    # An accented letter takes two bytes.
    assert content_problem({"d": "é" * (32 * 1024)}) is not None
