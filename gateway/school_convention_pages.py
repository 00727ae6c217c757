"""The school's part of a convention, for the school's staff (head of school, teachers): the
head of school, the referent teacher, the pupil's class and birth date, the legal
representative; « Enregistrer » keeps it, « Valider » declares it done (the convention is then
ready to sign once the host's part is done too). The host's part is shown read-only.

The school's conventions are listed on « Mes conventions » (gateway/convention_pages.py), and
the head of school signs the ready ones there, with « Signer en groupe ».
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from gateway.application_pages import phone_text
from gateway.convention_pages import (
    EDITABLE,
    SCHOOL_CONVENTIONS,
    detail_context,
    may_sign,
    save_part,
    signatory_of,
)
from gateway.page_routing import FormErrors, Page, page
from gateway.school_week_pages import SCHOOL_LOGIN, SCHOOL_STAFF
from services.common.contracts.conventions import SCHOOL_FIELDS
from services.common.school_calendar import french_date

SCHOOL_LABELS = {
    "school_manager_name": "Nom du chef d'établissement",
    "referent_teacher_name": "Professeur référent",
    "referent_teacher_email": "Adresse électronique du professeur référent",
    "student_class": "Classe",
    "student_birth_date": "Date de naissance de l'élève",
    "legal_representative_name": "Représentant légal",
    "legal_representative_email": "Adresse électronique du représentant légal",
    "legal_representative_phone": "Téléphone portable du représentant légal",
}
SAVED = "La partie de l'établissement est enregistrée."
VALIDATED = "La partie de l'établissement est validée."
READY = VALIDATED + " La convention est prête à signer."
WAITING_HOST = VALIDATED + " L'organisme d'accueil complète maintenant la sienne."
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def birth_date_from_form(text: str) -> str:
    """``2012-03-14`` from the date field, or from ``14/03/2012`` as typed where the browser has
    no date picker; anything else as typed (the service names the problem)."""
    found = _FRENCH_DATE.match(text)
    if found:
        day, month, year = found.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def school_values(convention: Mapping[str, Any]) -> dict[str, str]:
    """The school's part of ``convention`` as its form shows it."""
    values = {name: convention.get(name) or "" for name in SCHOOL_FIELDS}
    values["legal_representative_phone"] = phone_text(convention.get("legal_representative_phone"))
    return values


def school_facts(convention: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The school's part as read once validated: (label, text), the birth date in words."""
    values = school_values(convention)
    birth = values["student_birth_date"]
    if birth:
        with contextlib.suppress(ValueError):
            values["student_birth_date"] = french_date(date.fromisoformat(birth))
    return [(label, values[name] or "Non renseigné") for name, label in SCHOOL_LABELS.items()]


def school_part_from_form(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The PATCH body of the school's part (an emptied field is cleared) and the values to show again."""
    values = {name: (form.get(name) or "").strip() for name in SCHOOL_FIELDS}
    values["student_birth_date"] = birth_date_from_form(values["student_birth_date"])
    return {name: text or None for name, text in values.items()}, values


class SchoolConventionPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    conventions: Any

    @page(
        "GET,POST",
        SCHOOL_CONVENTIONS + "/<int:convention_id>",
        "Une convention : sa partie à remplir par l'établissement (professeur référent, classe, représentant légal)",
        roles=SCHOOL_STAFF,
        login_path=SCHOOL_LOGIN,
    )
    def school_convention_page(self, current: Page) -> Response:
        convention_id = current.call.path["convention_id"]
        here = f"{SCHOOL_CONVENTIONS}/{convention_id}"
        convention = self.conventions.get_convention(current.actor, convention_id)
        values = school_values(convention)
        errors = FormErrors()
        if current.method == "POST":
            patch, values = school_part_from_form(current.form)
            validating = current.form.get("action") == "valider"

            def save() -> Response:
                self.conventions.update_convention(current.actor, convention_id, patch)
                if not validating:
                    return current.redirect(here, SAVED)
                done = self.conventions.validate_convention(current.actor, convention_id)
                return current.redirect(here, READY if done["status"] == "ready_to_sign" else WAITING_HOST)

            outcome = save_part(current, here, save)
            if isinstance(outcome, Response):
                return outcome
            errors = outcome
        role = current.user.role if current.user else ""
        signatory = signatory_of(role)
        return current.render(
            "conventions/school_detail.html",
            status=422 if errors else 200,
            **detail_context(convention, role, signatory),
            editable=convention["status"] in EDITABLE and not convention["validated_by_school_at"],
            to_sign=may_sign(convention, signatory),
            values=values,
            school_facts=school_facts(convention),
            errors=errors,
            labels=SCHOOL_LABELS,
            legal_representative_phone=phone_text(convention.get("legal_representative_phone")),
        )
