"""Pages of the applications a host receives: lists, one application, Accepter / Refuser.

The host's team reads its applications (all its offers, or one offer's), opens one (which marks
it read), and accepts or refuses it; a refusal says why, and the pupil receives that reason.
Also the small French wordings these pages and the conventions' pages share: dates, weeks,
phone numbers, grades, pagination.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import phonenumbers
from werkzeug.wrappers import Response

from gateway.error_statuses import is_server_side, status_of
from gateway.page_routing import FormErrors, Page, page
from services.common.errors import DomainError
from services.common.school_calendar import Week, french_date

HOST_ROLES = ("employer",)
HOST_LOGIN = "/offreur/connexion"
PER_PAGE = 20
PARIS = ZoneInfo("Europe/Paris")

GRADE_LABELS = {"quatrieme": "4e", "troisieme": "3e", "seconde": "2de"}
# An application's status as the host reads it, and the colour of its DSFR badge.
APPLICATION_STATUSES: dict[str, tuple[str, str]] = {
    "submitted": ("nouvelle", "new"),
    "read": ("lue", "info"),
    "validated": ("acceptée", "success"),
    "rejected": ("refusée", "error"),
    "approved": ("confirmée par l'élève", "success"),
    "cancelled": ("annulée", "warning"),
    "expired": ("expirée", "warning"),
}
# What the host may still do, by status (the conventions service has the last word).
ACCEPTABLE = ("submitted", "read")
REFUSABLE = ("submitted", "read", "validated")
ACCEPTED = "Candidature acceptée : l'élève doit maintenant confirmer."
REFUSED = "Candidature refusée : l'élève recevra votre motif."
REASON_LABELS = {"reason": "Motif du refus"}
FLASHED_REASONS = 3
BULK_LABELS = {"ids": "Candidatures à refuser", "reason": "Motif du refus"}


# -- French wordings shared by the host's pages -------------------------------------------------


def positive_int(text: str | None) -> int | None:
    """``"12"`` → 12; None for anything that is not a positive whole number."""
    if text is None or not text.strip().isdigit():
        return None
    number = int(text.strip())
    return number if 0 < number < 2**31 else None


def paris_day(instant: str) -> date:
    """The day in Paris of an ISO 8601 instant."""
    moment = datetime.fromisoformat(instant)
    if moment.tzinfo is not None:
        moment = moment.astimezone(PARIS)
    return moment.date()


def period_text(start: date, end: date) -> str:
    """``du 18 au 22 janvier 2027``; the month and the year written once when they are shared."""
    if start == end:
        return f"le {french_date(start)}"
    if start.year != end.year:
        return f"du {french_date(start)} au {french_date(end)}"
    if start.month != end.month:
        return f"du {french_date(start, with_year=False)} au {french_date(end)}"
    first = "1er" if start.day == 1 else str(start.day)
    return f"du {first} au {french_date(end)}"


def weeks_text(weeks: Sequence[str]) -> str:
    """Internship weeks (``2027-W03``…), Monday to Friday, consecutive weeks as one period."""
    periods: list[list[Week]] = []
    for week in sorted({Week.parse(text) for text in weeks}):
        if periods and periods[-1][1].next() == week:
            periods[-1][1] = week
        else:
            periods.append([week, week])
    texts = [period_text(first.monday, last.friday) for first, last in periods]
    return ", ".join(texts[:-1]) + " et " + texts[-1] if len(texts) > 1 else "".join(texts)


def dates_text(start: str, end: str) -> str:
    """A convention's dates (``YYYY-MM-DD``) in French."""
    return period_text(date.fromisoformat(start), date.fromisoformat(end))


def phone_text(e164: str | None) -> str:
    """``+33612345678`` → ``06 12 34 56 78`` (as people write it); "" when there is none."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


@dataclass(frozen=True)
class Pagination:
    """Which page of a list is shown, and the links to the others (DSFR pagination)."""

    page: int
    pages: int
    link: Callable[[int], str]

    @classmethod
    def of(cls, listing: Mapping[str, Any], path: str, args: Mapping[str, str]) -> Pagination:
        """The pagination of an API list answer (``total``, ``page``, ``per_page``) shown at ``path``."""
        pages = max(1, math.ceil(listing["total"] / listing["per_page"]))
        kept = {name: value for name, value in args.items() if value and name != "page"}

        def link(number: int) -> str:
            query = urlencode({**kept, **({"page": str(number)} if number > 1 else {})})
            return f"{path}?{query}" if query else path

        return cls(listing["page"], pages, link)

    def numbers(self) -> list[int]:
        """The page numbers to show: the first, the last, and those around the current one."""
        around = {1, self.pages, *range(self.page - 2, self.page + 3)}
        return sorted(number for number in around if 1 <= number <= self.pages)


# -- what the pages show of an application -----------------------------------------------------


def application_row(application: Mapping[str, Any]) -> dict[str, Any]:
    """One line of the applications' table."""
    label, kind = APPLICATION_STATUSES.get(application["status"], (application["status"], "info"))
    return {
        "id": application["id"],
        "href": f"/mon-espace/candidatures/{application['id']}",
        "student_name": application["student_name"],
        "offer_title": application["offer_title"],
        "offer_id": application["offer_id"],
        "weeks": weeks_text(application["weeks"]),
        "received": french_date(paris_day(application["created_at"])),
        "status": label,
        "badge": kind,
        "refusable": application["status"] in REFUSABLE,
    }


@dataclass(frozen=True)
class ListedApplications:
    """Which of the team's applications the list shows (``?offre=``, ``?statut=``, ``?page=``)."""

    offer_id: int | None
    status: str
    page: int

    @classmethod
    def of(cls, args: Mapping[str, str]) -> ListedApplications:
        """The list's filters as the address gives them (unknown values ignored)."""
        status = args.get("statut") or ""
        return cls(
            positive_int(args.get("offre")),
            status if status in APPLICATION_STATUSES else "",
            positive_int(args.get("page")) or 1,
        )

    def args(self) -> dict[str, str]:
        """The filters as the page's address writes them (the page number aside)."""
        return {"offre": str(self.offer_id) if self.offer_id else "", "statut": self.status}

    def link(self) -> str:
        """This very list (its filters and page), where a form on it comes back to."""
        wanted = {**self.args(), "page": str(self.page) if self.page > 1 else ""}
        kept = {name: value for name, value in wanted.items() if value}
        return "/mon-espace/candidatures" + (f"?{urlencode(kept)}" if kept else "")

    def exports(self) -> dict[str, str]:
        """The API's exports of the applications this list shows (all its pages), by format."""
        query = urlencode(
            {name: value for name, value in (("offer_id", self.offer_id), ("status", self.status)) if value}
        )
        return {fmt: f"/api/v1/applications/export.{fmt}" + (f"?{query}" if query else "") for fmt in ("csv", "xlsx")}


def bulk_reject_message(outcome: Mapping[str, Any]) -> tuple[str, str]:
    """What the host reads after « Refuser la sélection », and the kind of its notice."""
    rejected, refused = len(outcome["rejected"]), outcome["refused"]
    parts = []
    if rejected:
        parts.append(
            "1 candidature refusée : l'élève recevra votre motif."
            if rejected == 1
            else f"{rejected} candidatures refusées : chaque élève recevra votre motif."
        )
    if refused:
        # The notice travels in a cookie: a few reasons, not a hundred.
        why = " ; ".join(f"n° {item['id']} : {item['message']}" for item in refused[:FLASHED_REASONS])
        if len(refused) > FLASHED_REASONS:
            why += " ; …"
        count = (
            "1 candidature n'a pas pu être refusée"
            if len(refused) == 1
            else (f"{len(refused)} candidatures n'ont pas pu être refusées")
        )
        parts.append(f"{count} ({why})")
    kind = "success" if not refused else ("warning" if rejected else "error")
    return " ".join(parts), kind


def school_text(school: Mapping[str, Any] | None, uai: str | None) -> str:
    """``Collège Paul Claudel, Paris``; the UAI alone when the directory does not know it."""
    if school:
        return ", ".join(part for part in (school.get("name"), school.get("city")) if part)
    return uai or "Non renseigné"


class ApplicationPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    conventions: Any
    offers: Any
    matching: Any

    @page(
        "GET,POST",
        "/mon-espace/candidatures",
        "Candidatures reçues par l'équipe (toutes ses offres, ou ?offre=<id>) ; « Refuser la sélection »",
        roles=HOST_ROLES,
        login_path=HOST_LOGIN,
    )
    def applications_page(self, current: Page) -> Response:
        listed = ListedApplications.of(current.args)
        if current.method == "POST":
            return self._reject_selection(current, listed)
        return self._list(current, listed, FormErrors(), "", ())

    def _reject_selection(self, current: Page, listed: ListedApplications) -> Response:
        """Refuse the checked applications for one reason; each pupil receives it."""
        ids = [number for number in map(positive_int, current.form.getlist("candidature")) if number]
        reason = (current.form.get("reason") or "").strip()
        if not ids:
            errors = FormErrors()
            errors.add("ids", "Cochez au moins une candidature à refuser.")
            return self._list(current, listed, errors, reason, ids, status=422)
        try:
            outcome = self.conventions.reject_applications(current.actor, {"ids": ids, "reason": reason})
        except DomainError as exc:
            if status_of(exc) != 422:
                raise
            return self._list(current, listed, FormErrors.of(exc), reason, ids, status=422)
        message, kind = bulk_reject_message(outcome)
        return current.redirect(listed.link(), message, kind=kind)

    def _list(
        self,
        current: Page,
        listed: ListedApplications,
        errors: FormErrors,
        reason: str,
        checked: Sequence[int],
        status: int = 200,
    ) -> Response:
        offer = self.offers.get_offer(current.actor, listed.offer_id) if listed.offer_id else None
        listing = self.conventions.list_applications(
            current.actor, listed.offer_id, listed.status or None, listed.page, PER_PAGE
        )
        rows = [application_row(item) for item in listing["results"]]
        return current.render(
            "applications/list.html",
            status=status,
            offer=offer,
            status_filter=listed.status,
            statuses=[(value, label.capitalize()) for value, (label, _) in APPLICATION_STATUSES.items()],
            rows=rows,
            refusable=any(row["refusable"] for row in rows),
            checked=set(checked),
            reason=reason,
            errors=errors,
            labels=BULK_LABELS,
            here=listed.link(),
            exports=listed.exports(),
            total=listing["total"],
            pagination=Pagination.of(listing, "/mon-espace/candidatures", listed.args()),
        )

    @page(
        "GET,POST",
        "/mon-espace/candidatures/<int:application_id>",
        "Une candidature : l'ouvrir la marque lue ; Accepter, Refuser (avec un motif)",
        roles=HOST_ROLES,
        login_path=HOST_LOGIN,
    )
    def application_page(self, current: Page) -> Response:
        application_id = current.call.path["application_id"]
        here = f"/mon-espace/candidatures/{application_id}"
        if current.method == "POST":
            action = current.form.get("action")
            if action == "accepter":
                return self._answer(current, application_id, "validate", {}, ACCEPTED)
            if action == "refuser":
                reason = (current.form.get("reason") or "").strip()
                try:
                    self.conventions.act_on_application(current.actor, application_id, "reject", {"reason": reason})
                except DomainError as exc:
                    if status_of(exc) != 422:
                        return self._refused_action(current, here, exc)
                    return self._show(current, application_id, FormErrors.of(exc), reason, status=422)
                return current.redirect(here, REFUSED)
            return current.redirect(here, "Action inconnue : choisissez « Accepter » ou « Refuser ».", kind="error")
        return self._show(current, application_id, FormErrors(), "")

    def _answer(self, current: Page, application_id: int, action: str, body: dict[str, Any], done: str) -> Response:
        here = f"/mon-espace/candidatures/{application_id}"
        try:
            self.conventions.act_on_application(current.actor, application_id, action, body)
        except DomainError as exc:
            return self._refused_action(current, here, exc)
        return current.redirect(here, done)

    @staticmethod
    def _refused_action(current: Page, here: str, exc: DomainError) -> Response:
        # A conflict (already answered, no seat left) is told on the application's page.
        if status_of(exc) in (409, 422):
            return current.redirect(here, exc.message, kind="error")
        raise exc

    def _show(self, current: Page, application_id: int, errors: FormErrors, reason: str, status: int = 200) -> Response:
        application = self.conventions.get_application(current.actor, application_id)
        if application["status"] == "submitted":
            try:
                application = self.conventions.act_on_application(current.actor, application_id, "read", {})
            except DomainError as exc:
                if status_of(exc) != 409:
                    raise
                # Answered by a teammate meanwhile: show it as it is now.
                application = self.conventions.get_application(current.actor, application_id)
        label, kind = APPLICATION_STATUSES.get(application["status"], (application["status"], "info"))
        return current.render(
            "applications/detail.html",
            status=status,
            application=application,
            status_label=label,
            badge=kind,
            school=school_text(self._school(application["school_uai"]), application["school_uai"]),
            grade=GRADE_LABELS.get(application["grade"] or "", "Non renseignée"),
            weeks=weeks_text(application["weeks"]),
            received=french_date(paris_day(application["created_at"])),
            phone=phone_text(application["phone"]),
            may_accept=application["status"] in ACCEPTABLE,
            may_refuse=application["status"] in REFUSABLE,
            errors=errors,
            labels=REASON_LABELS,
            reason=reason,
        )

    def _school(self, uai: str | None) -> dict[str, Any] | None:
        if not uai:
            return None
        try:
            return self.matching.get_school(uai)  # type: ignore[no-any-return]
        except DomainError as exc:
            if is_server_side(exc):
                raise
            return None
