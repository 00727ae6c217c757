"""The school picker of the sign-up forms (pupils, school staff): a search by name, city or UAI
that works as a plain POST (« Rechercher » lists the schools found as radios) and, with
JavaScript, as a combobox on ``/api/v1/schools`` (``gateway/web/js/pupil-signup.mjs``).
Its markup is ``templates/_school_picker.html``. Both sign-up pages share their handling here
(``signup_page_with_school``, ``sign_up_with_school``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from gateway.account_pages import PASSWORD_RULES, signup_errors
from gateway.client_address import client_address
from gateway.error_statuses import is_server_side
from gateway.page_routing import FormErrors, Page, form_dict
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
        if is_server_side(exc):
            raise
        return None


def signup_page_with_school(
    current: Page,
    matching: Any,
    names: Sequence[str],
    template: str,
    labels: Mapping[str, str],
    sign_up: Callable[[Page, dict[str, str]], FormErrors],
    **context: Any,
) -> Response:
    """A sign-up page with the school picker: « Rechercher » (``action=search``) only lists the
    schools found; any other POST calls ``sign_up`` and shows « signup_sent.html » when it returns
    no error. ``names`` are the form's fields kept on redisplay, ``context`` the template's extras."""
    values = {name: "" for name in names}
    errors = FormErrors()
    searching = current.method == "POST" and current.form.get("action") == "search"
    if current.method == "POST":
        values = form_dict(current.form, *names)
        if not searching:
            errors = sign_up(current, values)
            if not errors:
                return current.render("signup_sent.html", email=values["email"])
    choices = school_choices(matching, values, searching)
    return current.render(
        template,
        status=422 if errors else 200,
        values=values,
        errors=errors,
        labels=labels,
        password_rules=PASSWORD_RULES,
        schools=choices.schools,
        searched=choices.searched,
        **context,
    )


def sign_up_with_school(
    identity: Any, current: Page, values: Mapping[str, str], role: str, **extra: str | None
) -> FormErrors:
    """Asks identity to create the account of ``role`` at the chosen school (``extra``: the role's
    other fields); its errors by field, the school's in words rather than by its code."""
    body = {
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "email": values["email"],
        "password": current.form.get("password") or "",
        "role": role,
        "school_uai": values["school_uai"] or None,
        **extra,
    }
    try:
        identity.signup(body, client_address(current.call.request))
    except DomainError as exc:
        errors = signup_errors(exc)
        if not values["school_uai"] and "school_uai" in errors:
            errors["school_uai"] = [NO_SCHOOL_CHOSEN]
        return errors
    return FormErrors()
