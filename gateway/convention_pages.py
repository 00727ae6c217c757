"""Pages of conventions: the host's « Mes conventions de stage » and its part of a convention, and
the signing pages of every signatory (the tutorial's step « 3. Je signe la convention »).

Signing needs the browser: the code is asked and the drawn signature sent by
``/static/js/signing.mjs`` through the JSON API (``/api/v1/signatures/code`` then ``…/sign``)
with the session cookie, or with the emailed link's token for the legal representative. The
same signing dialog serves the host's list, ``/signer-en-groupe`` (heads of school, pupils)
and ``/signer-la-convention`` (the legal representative). Without JavaScript the signing
button posts the page, which says that signing needs JavaScript (the drawn signature does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import eventlet
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from gateway.application_pages import (
    GRADE_LABELS,
    HOST_LOGIN,
    HOST_ROLES,
    Pagination,
    dates_text,
    paris_day,
    phone_text,
    positive_int,
)
from gateway.error_statuses import is_server_side, status_of
from gateway.page_routing import FormErrors, Page, page
from services.common.contracts.conventions import HOST_FIELDS
from services.common.errors import DomainError
from services.common.school_calendar import french_date

PER_PAGE = 20
BATCH_PAGE_SIZE = 100
EDITABLE = ("draft", "completed_by_employer")
SIGNABLE = ("ready_to_sign", "signatures_started")
ALL_ROLES = ("employer", "school_manager", "teacher", "student")
HOST_LIST = "/mon-espace/conventions"
SCHOOL_CONVENTIONS = "/etablissement/conventions"
# Where an account of each role fills in or reads its side's part of a convention.
PART_PAGES = {"employer": HOST_LIST, "school_manager": SCHOOL_CONVENTIONS, "teacher": SCHOOL_CONVENTIONS}
MY_CONVENTIONS = "/mes-conventions"
# Where each role opens one convention: its part's page, or (a pupil, who fills in nothing) their own.
DETAIL_PAGES = {**PART_PAGES, "student": MY_CONVENTIONS}
PUPIL_SIGNED = "Votre signature est enregistrée."

# The signatory each account role signs as (a teacher reads, only the head of school signs).
SIGNATORY_OF_ROLE = {"employer": "employer", "school_manager": "school_manager", "student": "student"}
SIGNATORY_NAMES = {
    "employer": "l'organisme d'accueil",
    "school_manager": "le chef d'établissement",
    "student": "l'élève",
    "legal_representative": "le représentant légal",
}
NEEDS_JAVASCRIPT = (
    "La signature électronique a besoin de JavaScript, pour dessiner votre signature : activez JavaScript "
    "dans votre navigateur (ou utilisez un autre navigateur), puis recommencez."
)
ALL_SIGNED = "Les conventions sélectionnées sont à présent toutes signées."
LINK_INCOMPLETE = "Ce lien est incomplet : ouvrez le lien reçu par e-mail tel quel, sans le modifier."

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")
WORK_DAYS = DAYS[:5]
HOURS_PARTS = ("Arrivée", "Début du déjeuner", "Fin du déjeuner", "Départ")
HOST_LABELS = {
    "tutor_name": "Nom du tuteur ou de la tutrice",
    "tutor_role": "Fonction",
    "tutor_email": "Adresse électronique",
    "tutor_phone": "Téléphone",
    "activities": "Activités prévues",
    "daily_hours": "Horaires",
    "lunch_break": "Pause déjeuner",
    **{f"daily_hours.{day}": day.capitalize() for day in DAYS},
}
SAVED = "Votre partie de la convention est enregistrée."
COMPLETED = "Votre partie de la convention est validée : l'établissement complète maintenant la sienne."


# -- what the pages show of a convention --------------------------------------------------------


def signatory_of(role: str) -> str | None:
    """The signatory an account of ``role`` signs as; None for who does not sign (a teacher)."""
    return SIGNATORY_OF_ROLE.get(role)


def may_sign(convention: Mapping[str, Any], signatory: str | None) -> bool:
    """Whether ``signatory`` can sign ``convention`` now (it is ready and they have not signed)."""
    return (
        signatory is not None
        and convention["status"] in SIGNABLE
        and signatory in convention.get("awaiting_signatures", [])
    )


def convention_state(convention: Mapping[str, Any], role: str) -> tuple[str, str]:
    """The convention's state as ``role`` reads it, and the colour of its DSFR badge."""
    status = convention["status"]
    if status == "cancelled":
        return "annulée", "error"
    if status == "signed_by_all":
        return "signée", "success"
    if status == "signatures_started":
        return "signatures en cours", "info"
    if status == "ready_to_sign":
        return "prête à signer", "new"
    host_done = bool(convention.get("completed_by_employer_at"))
    school_done = bool(convention.get("validated_by_school_at"))
    if role == "employer":
        return ("en attente de l'établissement", "info") if host_done else ("à remplir par vous", "warning")
    if role in ("school_manager", "teacher"):
        return ("en attente de l'organisme d'accueil", "info") if school_done else ("à remplir par vous", "warning")
    return "en cours de préparation", "info"


def still_to_sign(convention: Mapping[str, Any], signatory: str | None) -> str:
    """``vous, l'élève et le représentant légal``; "" when nobody is expected to sign now."""
    names = [
        "vous" if role == signatory else SIGNATORY_NAMES.get(role, role)
        for role in convention.get("awaiting_signatures", [])
    ]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " et " + names[-1]
    return "".join(names)


def pdf_link(convention_id: int, link_token: str | None = None) -> str:
    """The convention's PDF (a draft marked PROJET until everyone has signed)."""
    path = f"/api/v1/conventions/{convention_id}/pdf"
    return f"{path}?token={quote(link_token, safe='')}" if link_token else path


def convention_row(convention: Mapping[str, Any], role: str, featured: int | None = None) -> dict[str, Any]:
    """One line of a conventions' table, as an account of ``role`` sees it."""
    signatory = signatory_of(role)
    label, kind = convention_state(convention, role)
    own_part_done = convention.get("completed_by_employer_at" if role == "employer" else "validated_by_school_at")
    part_todo = role in PART_PAGES and convention["status"] in EDITABLE and not own_part_done
    return {
        "id": convention["id"],
        "student_name": convention["student_name"],
        "offer_title": convention["offer_title"],
        "employer_name": convention["employer_name"],
        "school_name": convention.get("school_name") or "",
        "dates": dates_text(convention["start_date"], convention["end_date"]),
        "state": label,
        "badge": kind,
        "still_to_sign": still_to_sign(convention, signatory),
        "signable": may_sign(convention, signatory),
        "href": f"{DETAIL_PAGES[role]}/{convention['id']}" if role in DETAIL_PAGES else None,
        "link_label": "Remplir ma partie" if part_todo else "Voir la convention",
        "pdf": pdf_link(convention["id"]),
        "final": bool(convention.get("pdf_ready")),
        "featured": convention["id"] == featured,
    }


def convention_facts(convention: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the parties agree on, as term and description, the empty ones left out."""
    grade = GRADE_LABELS.get(convention.get("grade") or "")
    tutor = ", ".join(part for part in (convention.get("tutor_name"), convention.get("tutor_role")) if part)
    trade_name = convention.get("employer_trade_name") or ""
    facts = [
        ("Élève", f"{convention['student_name']}, élève de {grade}" if grade else convention["student_name"]),
        ("Établissement", convention.get("school_name") or ""),
        ("Stage", convention["offer_title"]),
        ("Structure d'accueil", convention["employer_name"]),
        # A trade name equal to the legal name says nothing more.
        ("Enseigne", trade_name if trade_name != convention["employer_name"] else ""),
        ("Ministère de tutelle", convention.get("employer_ministry") or ""),
        ("Téléphone de contact", phone_text(convention.get("contact_phone"))),
        ("Dates", dates_text(convention["start_date"], convention["end_date"])),
        ("Lieu", convention.get("place") or ""),
        ("Horaires", hours_text(convention.get("daily_hours"))),
        ("Tuteur ou tutrice", tutor),
    ]
    return [(term, text) for term, text in facts if text]


def hours_text(daily_hours: Mapping[str, Sequence[str]] | None) -> str:
    """``lundi : 09:00–12:00, 13:00–16:00 ; mardi : …``."""
    if not daily_hours:
        return ""
    days = []
    for day in DAYS:
        times = daily_hours.get(day)
        if times:
            ranges = [f"{times[index]}–{times[index + 1]}" for index in range(0, len(times) - 1, 2)]
            days.append(f"{day} : {', '.join(ranges)}")
    return " ; ".join(days)


def signatures_text(convention: Mapping[str, Any]) -> list[str]:
    """``Le chef d'établissement a signé le 3 mars 2027`` for each signature given."""
    return [
        f"{SIGNATORY_NAMES.get(item['role'], item['role']).capitalize()} ({item['signer_name']}) a signé le "
        f"{french_date(paris_day(item['signed_at']))}"
        for item in convention.get("signatures", [])
    ]


# -- the host's part as a form -------------------------------------------------------------------


def days_shown(daily_hours: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Monday to Friday, and Saturday when the schedule has one."""
    return DAYS if daily_hours and daily_hours.get("samedi") else WORK_DAYS


def four_times(times: Sequence[str]) -> list[str]:
    """A day's four fields (arrival, lunch start, lunch end, departure) from the API's two or four."""
    if len(times) == 4:
        return list(times)
    if len(times) == 2:
        return [times[0], "", "", times[1]]
    return [""] * 4


def hours_fields(daily_hours: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """The form's fields of each day shown, from the API's ``daily_hours``."""
    return {day: four_times((daily_hours or {}).get(day) or []) for day in days_shown(daily_hours)}


def host_values(convention: Mapping[str, Any]) -> dict[str, Any]:
    """The host's part of ``convention`` as the form shows it."""
    values: dict[str, Any] = {name: convention.get(name) or "" for name in HOST_FIELDS if name != "daily_hours"}
    values["tutor_phone"] = phone_text(convention.get("tutor_phone"))
    values["daily_hours"] = hours_fields(convention.get("daily_hours"))
    return values


def daily_hours_from_form(form: MultiDict[str, str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The API's ``daily_hours`` from the form's four times a day (``daily_hours.lundi`` ×4), and
    what is missing, by day. An empty day is a day off; an empty lunch break, a day without one."""
    hours: dict[str, list[str]] = {}
    problems: dict[str, list[str]] = {}
    for day in DAYS:
        times = [value.strip() for value in form.getlist(f"daily_hours.{day}")][:4]
        times += [""] * (4 - len(times))
        arrival, lunch_start, lunch_end, departure = times
        if not any(times):
            continue
        name = day.capitalize()
        if not arrival or not departure:
            problems[f"daily_hours.{day}"] = [
                f"{name} : indiquez l'heure d'arrivée et l'heure de départ, ou laissez la journée vide."
            ]
        elif bool(lunch_start) != bool(lunch_end):
            problems[f"daily_hours.{day}"] = [
                f"{name} : indiquez le début et la fin de la pause déjeuner, ou aucune des deux."
            ]
        else:
            hours[day] = [arrival, lunch_start, lunch_end, departure] if lunch_start else [arrival, departure]
    return hours, problems


def host_part_from_form(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, Any], FormErrors]:
    """The PATCH body of the host's part (an emptied field is cleared), the values to show
    again, and the problems found before asking the service."""
    texts = {name: (form.get(name) or "").strip() for name in HOST_FIELDS if name != "daily_hours"}
    hours, problems = daily_hours_from_form(form)
    values: dict[str, Any] = {**texts, "daily_hours": {}}
    for day in DAYS:
        typed = [value.strip() for value in form.getlist(f"daily_hours.{day}")][:4]
        if typed or day in WORK_DAYS:
            values["daily_hours"][day] = typed + [""] * (4 - len(typed))
    patch: dict[str, Any] = {name: text or None for name, text in texts.items()}
    patch["daily_hours"] = hours or None
    errors = FormErrors()
    for path, messages in problems.items():
        for message in messages:
            errors.add(path, message)
    return patch, values, errors


def save_part(current: Page, here: str, save: Callable[[], Response]) -> Response | FormErrors:
    """A part's form sent (host's or school's): ``save`` calls the conventions service and
    returns its redirect; a 409 (the convention moved on) redirects to ``here`` with its message,
    a 422 gives the problems by field to show again with the form."""
    try:
        return save()
    except DomainError as exc:
        if status_of(exc) == 409:
            return current.redirect(here, exc.message, kind="error")
        if status_of(exc) != 422:
            raise
        return FormErrors.of(exc)


def detail_context(convention: Mapping[str, Any], role: str, signatory: str | None) -> dict[str, Any]:
    """What the host's and the school's convention pages both show: where it stands for
    ``role``, its facts, who signed and who is still to sign, its PDF and the tutor's phone."""
    label, kind = convention_state(convention, role)
    return {
        "convention": convention,
        "state": label,
        "badge": kind,
        "facts": convention_facts(convention),
        "signatures": signatures_text(convention),
        "still": still_to_sign(convention, signatory),
        "pdf": pdf_link(convention["id"]),
        "tutor_phone": phone_text(convention.get("tutor_phone")),
    }


class ConventionPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    conventions: Any
    identity: Any

    # -- the host's conventions --------------------------------------------------------------

    @page(
        "GET,POST",
        HOST_LIST,
        "Mes conventions de stage : les conventions de l'équipe, Signer en groupe",
        roles=HOST_ROLES,
        login_path=HOST_LOGIN,
    )
    def host_conventions_page(self, current: Page) -> Response:
        if current.method == "POST":
            return current.redirect(HOST_LIST, NEEDS_JAVASCRIPT, kind="warning")
        page_number = positive_int(current.args.get("page")) or 1
        featured = positive_int(current.args.get("convention"))
        # identity answers the phone while conventions answers the list: one round trip, not two.
        phone = eventlet.spawn(self._own_phone, current)
        listing = self.conventions.list_conventions(current.actor, None, page_number, PER_PAGE)
        rows = [convention_row(item, "employer", featured) for item in listing["results"]]
        return current.render(
            "conventions/host_list.html",
            rows=rows,
            total=listing["total"],
            pagination=Pagination.of(listing, HOST_LIST, {}),
            phone=phone.wait(),
            success=ALL_SIGNED,
        )

    @page(
        "GET,POST",
        HOST_LIST + "/<int:convention_id>",
        "Une convention : sa partie à remplir par la structure d'accueil (tuteur, activités, horaires)",
        roles=HOST_ROLES,
        login_path=HOST_LOGIN,
    )
    def host_convention_page(self, current: Page) -> Response:
        convention_id = current.call.path["convention_id"]
        here = f"{HOST_LIST}/{convention_id}"
        convention = self.conventions.get_convention(current.actor, convention_id)
        values = host_values(convention)
        errors = FormErrors()
        if current.method == "POST":
            patch, values, errors = host_part_from_form(current.form)
            if not errors:
                completing = current.form.get("action") == "valider"

                def save() -> Response:
                    self.conventions.update_convention(current.actor, convention_id, patch)
                    if completing:
                        self.conventions.complete_convention(current.actor, convention_id)
                    return current.redirect(here, COMPLETED if completing else SAVED)

                outcome = save_part(current, here, save)
                if isinstance(outcome, Response):
                    return outcome
                errors = outcome
        editable = convention["status"] in EDITABLE and not convention["completed_by_employer_at"]
        return current.render(
            "conventions/host_detail.html",
            status=422 if errors else 200,
            **detail_context(convention, "employer", "employer"),
            editable=editable,
            values=values,
            errors=errors,
            labels=HOST_LABELS,
            hours_parts=HOURS_PARTS,
        )

    # -- every role's conventions, and signing in a group --------------------------------------

    @page(
        "GET",
        "/mes-conventions",
        "Mes conventions : celles du compte connecté et leur PDF (?convention=<id> la met en avant)",
        roles=ALL_ROLES,
    )
    def my_conventions_page(self, current: Page) -> Response:
        featured = positive_int(current.args.get("convention"))
        if current.user is not None and current.user.role == "employer":
            return current.redirect(f"{HOST_LIST}/{featured}" if featured else HOST_LIST)
        page_number = positive_int(current.args.get("page")) or 1
        listing = self.conventions.list_conventions(current.actor, None, page_number, PER_PAGE)
        role = current.user.role if current.user else ""
        highlighted = None
        if featured:
            try:
                highlighted = self.conventions.get_convention(current.actor, featured)
            except DomainError as exc:
                if status_of(exc) != 404:
                    raise
        args = {"convention": str(featured) if featured else ""}
        return current.render(
            "conventions/my_list.html",
            rows=[convention_row(item, role, featured) for item in listing["results"]],
            total=listing["total"],
            pagination=Pagination.of(listing, "/mes-conventions", args),
            highlighted=convention_row(highlighted, role, featured) if highlighted else None,
            signs=signatory_of(role) is not None,
            # Who fills in a part exports the list (here the school's staff; a pupil has one or two).
            exports=role in PART_PAGES,
        )

    @page(
        "GET,POST",
        MY_CONVENTIONS + "/<int:convention_id>",
        "Ma convention (élève) : ce qu'elle prévoit, qui a signé, « Signer la convention », le PDF",
        roles=("student",),
        login_path="/eleve/connexion",
    )
    def pupil_convention_page(self, current: Page) -> Response:
        convention_id = current.call.path["convention_id"]
        here = f"{MY_CONVENTIONS}/{convention_id}"
        if current.method == "POST":
            return current.redirect(here, NEEDS_JAVASCRIPT, kind="warning")
        convention = self.conventions.get_convention(current.actor, convention_id)
        label, kind = convention_state(convention, "student")
        return current.render(
            "conventions/pupil_detail.html",
            convention=convention,
            state=label,
            badge=kind,
            facts=convention_facts(convention),
            signatures=signatures_text(convention),
            still=still_to_sign(convention, "student"),
            signable=may_sign(convention, "student"),
            signed="student" in {item["role"] for item in convention.get("signatures", [])},
            pdf=pdf_link(convention_id),
            final=bool(convention.get("pdf_ready")),
            phone=self._own_phone(current),
            success=PUPIL_SIGNED,
        )

    @page(
        "GET,POST",
        "/signer-en-groupe",
        "Signer en groupe les conventions prêtes (chefs d'établissement, élèves)",
        roles=ALL_ROLES,
    )
    def batch_signature_page(self, current: Page) -> Response:
        if current.user is not None and current.user.role == "employer":
            return current.redirect(HOST_LIST)
        if current.method == "POST":
            return current.redirect("/signer-en-groupe", NEEDS_JAVASCRIPT, kind="warning")
        role = current.user.role if current.user else ""
        found: dict[int, dict[str, Any]] = {}
        for status in SIGNABLE:
            listing = self.conventions.list_conventions(current.actor, status, 1, BATCH_PAGE_SIZE)
            found.update((item["id"], item) for item in listing["results"])
        ordered = sorted(found.values(), key=lambda item: (item["start_date"], item["id"]))
        return current.render(
            "conventions/batch.html",
            rows=[convention_row(item, role) for item in ordered],
            signs=signatory_of(role) is not None,
            role=role,
            phone=self._own_phone(current),
            success=ALL_SIGNED,
        )

    @page(
        "GET,POST",
        "/signer-la-convention",
        "Le lien de signature du représentant légal (reçu par e-mail, sans compte)",
        referrer_policy="no-referrer",
    )
    def legal_representative_signature_page(self, current: Page) -> Response:
        token = (current.args.get("token") or "").strip()
        if current.method == "POST":
            here = f"/signer-la-convention?token={quote(token, safe='')}" if token else "/signer-la-convention"
            return current.redirect(here, NEEDS_JAVASCRIPT, kind="warning")
        if not token:
            problem = DomainError("LINK_INCOMPLETE", LINK_INCOMPLETE)
            return current.render("conventions/link_failed.html", status=400, error=problem)
        try:
            convention = self.conventions.convention_for_link(token)
        except DomainError as exc:
            if is_server_side(exc):
                raise
            status = status_of(exc) if status_of(exc) in (404, 410) else 400
            return current.render("conventions/link_failed.html", status=status, error=exc)
        return current.render(
            "conventions/legal_representative.html",
            convention=convention,
            facts=convention_facts(convention),
            state=convention_state(convention, "legal_representative"),
            awaited="legal_representative" in convention.get("awaiting_signatures", []),
            pdf=pdf_link(convention["id"], token),
            token=token,
            phone=phone_text(convention.get("legal_representative_phone")),
            signer_name=convention.get("legal_representative_name") or "",
        )

    def _own_phone(self, current: Page) -> str:
        """The logged-in user's phone number, to suggest for the signature code."""
        if current.user is None:
            return ""
        try:
            user = self.identity.get_user(current.user.user_id)
        except DomainError as exc:
            if is_server_side(exc):
                raise
            return ""
        return phone_text(user.get("phone"))
