"""The school picker of the sign-up forms (pupils, school staff): a search by name, city or UAI
that works as a plain POST (« Rechercher » lists the schools found as radios) and, with
JavaScript, as a combobox on ``/api/v1/schools`` (``gateway/web/js/pupil-signup.mjs``).
Its markup is ``templates/_school_picker.html``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.common.errors import DomainError

SCHOOL_RESULTS = 10
SCHOOL_FIELDS = ("school_query", "school_uai")
NO_SCHOOL_CHOSEN = "Recherchez votre établissement, puis choisissez-le dans la liste."


@dataclass
class SchoolChoices:
    """The radios the picker shows, and whether they answer a search."""

    schools: list[dict[str, Any]] = field(default_factory=list)
    searched: bool = False


def school_choices(matching: Any, values: dict[str, str], searching: bool) -> SchoolChoices:
    """The schools to show: those found for ``school_query`` when the form asked to search
    (which clears the choice), with the chosen one (``school_uai``) first when it is not among them."""
    results: list[dict[str, Any]] = []
    if searching:
        query = values["school_query"][:100]
        if query:
            results = matching.search_schools(query, None, None, SCHOOL_RESULTS, 1)["results"]
            values["school_uai"] = ""
    chosen = _chosen_school(matching, values["school_uai"]) if values["school_uai"] else None
    if chosen and not any(school["uai"] == chosen["uai"] for school in results):
        results = [chosen, *results]
    return SchoolChoices(results, searching)


def _chosen_school(matching: Any, uai: str) -> dict[str, Any] | None:
    try:
        return matching.get_school(uai)  # type: ignore[no-any-return]
    except DomainError as exc:
        if exc.status >= 500:
            raise
        return None
