"""The convention as a PDF: French text, annexes and signatures, rendered by weasyprint.

The template (``templates/convention.html``, autoescaped) only prints what this module
prepares: dates and hours are formatted here, every missing value becomes a visible
« à compléter », and the drawn signatures are embedded as ``data:`` URIs so that the
renderer never fetches anything (a fetcher that refuses every other scheme makes sure).
A draft (``final=False``) carries a « PROJET » watermark and header.
"""

from __future__ import annotations

import base64
import logging
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from PIL import ImageFile

from services.common.identifiers import readable_phone
from services.common.school_calendar import PARIS, Week, french_date
from services.common.working_time import DAYS, duration_label, worked_minutes

with warnings.catch_warnings():
    # Without the system's libharfbuzz-subset, weasyprint announces at import that it will
    # require it one day, and subsets fonts with fontTools meanwhile: same PDF, no action.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
    import weasyprint

# weasyprint's import switches Pillow, for the whole process, to accept truncated images.
# The drawn signatures are checked with Pillow in this same service and must be refused when
# truncated: back to Pillow's default (our own images are whole, weasyprint does not need it).
ImageFile.LOAD_TRUNCATED_IMAGES = False


class _WithoutSubsetNotice(logging.Filter):
    """Drops weasyprint's per-font notice that it subsets with fontTools (see the import above)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset")


# Four log lines per PDF would bury the service's own logs; every other weasyprint message stays.
logging.getLogger("weasyprint").addFilter(_WithoutSubsetNotice())

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PLATFORM_NAME = "1 élève 1 stage"
TITLE = "Convention relative à l'organisation de la séquence d'observation en milieu professionnel"

ROLE_LABELS: dict[str, str] = {
    "employer": "Le représentant de l'organisme d'accueil",
    "school_manager": "Le chef d'établissement",
    "student": "L'élève",
    "legal_representative": "Le représentant légal",
}
GRADE_LABELS: dict[str, str] = {
    "quatrieme": "4e",
    "troisieme": "3e",
    "seconde": "2de générale et technologique",
}
WEEKDAYS: tuple[str, ...] = DAYS
_ALL_WEEKDAYS = (*WEEKDAYS, "dimanche")
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
BLANK = Markup('<span class="blank">à compléter</span>')
NONE = "—"


@dataclass(frozen=True)
class SignatureMark:
    """One party's signature as printed on the convention, with the evidence kept for it."""

    role: str  # "employer" | "school_manager" | "student" | "legal_representative"
    signer_name: str
    signed_at: datetime  # timezone-aware UTC
    image: bytes  # PNG or JPEG bytes, already validated by the caller
    image_mime: str  # "image/png" or "image/jpeg"
    masked_phone: str  # e.g. "+33 6 ** ** ** 78"
    image_sha256: str
    content_sha256: str
    ip: str | None


@dataclass(frozen=True)
class DayHours:
    """One row of the daily-hours table, ready to print."""

    day: str
    arrival: str
    pause: str
    departure: str
    duration: str


# -- formatting -------------------------------------------------------------------------------


def _blank(value: Any) -> Any:
    """The value itself, or the « à compléter » mark when it is missing or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return BLANK
    return value


def long_french_date(day: date) -> str:
    """``lundi 18 janvier 2027`` (``1er`` for the first of a month)."""
    return f"{_ALL_WEEKDAYS[day.weekday()]} {french_date(day)}"


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _long_date_or_blank(text: str | None) -> Any:
    day = _parse_day(text)
    return long_french_date(day) if day else _blank(text)


def _short_date_or_blank(text: str | None) -> Any:
    day = _parse_day(text)
    return french_date(day) if day else _blank(text)


def daily_hours_rows(daily_hours: dict[str, list[str]] | None) -> tuple[list[DayHours], str | None]:
    """Rows from Monday to Saturday (``—`` for a day off) and the week's total, None if unknown.

    A day is ``[arrival, departure]`` or ``[arrival, pause start, pause end, departure]``;
    the worked duration leaves the pause out.
    """
    if not daily_hours:
        return [DayHours(day, NONE, NONE, NONE, NONE) for day in WEEKDAYS], None
    rows: list[DayHours] = []
    total = 0
    for day in WEEKDAYS:
        times = daily_hours.get(day) or []
        try:
            worked = worked_minutes(times) if len(times) in (2, 4) else None
        except ValueError:
            worked = None  # not a time of day: printed as not worked rather than as a wrong sum
        if worked is not None and len(times) == 2:
            rows.append(DayHours(day, times[0], "sans pause", times[1], duration_label(worked)))
        elif worked is not None:
            rows.append(DayHours(day, times[0], f"{times[1]} – {times[2]}", times[3], duration_label(worked)))
        else:
            rows.append(DayHours(day, NONE, NONE, NONE, NONE))
            continue
        total += worked
    return rows, duration_label(total)


def _weeks(weeks: list[str] | None) -> list[str]:
    labels = []
    for text in weeks or []:
        try:
            week = Week.parse(text)
        except ValueError:
            labels.append(text)
            continue
        labels.append(
            f"Semaine {week.number} de {week.year} : du {long_french_date(week.monday)} "
            f"au {long_french_date(week.friday)}"
        )
    return labels


def _phone(value: str | None) -> Any:
    if not value:
        return _blank(value)
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def paris_time(moment: datetime) -> datetime:
    """``moment`` in Europe/Paris; a naive datetime is taken as UTC, as everything is stored."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)


def signed_sentence(moment: datetime) -> str:
    """``a signé électroniquement le 18 janvier 2027 à 09:05 (heure de Paris)``."""
    local = paris_time(moment)
    return f"a signé électroniquement le {french_date(local.date())} à {local:%H:%M} (heure de Paris)"


def _signature_view(mark: SignatureMark) -> dict[str, Any]:
    if mark.image_mime not in IMAGE_TYPES:
        # The MIME type lands in a data: URI; anything else could smuggle markup into it.
        raise ValueError(f"unsupported signature image type {mark.image_mime!r}")
    return {
        "signer_name": mark.signer_name,
        "sentence": signed_sentence(mark.signed_at),
        "image_uri": f"data:{mark.image_mime};base64,{base64.b64encode(mark.image).decode('ascii')}",
        "masked_phone": mark.masked_phone,
        "image_sha256": mark.image_sha256,
        "content_sha256": mark.content_sha256,
        "ip": mark.ip,
    }


# -- rendering --------------------------------------------------------------------------------


def _employer_view(convention: dict[str, Any]) -> dict[str, str | None]:
    """The host's optional details (trade name, supervising ministry, contact phone for the
    school): None when absent, printed as nothing rather than « à compléter », since no party
    completes them on the convention and older conventions never had them."""
    name = (convention.get("employer_name") or "").strip()
    trade_name = (convention.get("employer_trade_name") or "").strip()
    phone = convention.get("contact_phone")
    return {
        # A trade name equal to the legal name says nothing more.
        "trade_name": trade_name if trade_name and trade_name != name else None,
        "ministry": (convention.get("employer_ministry") or "").strip() or None,
        "contact_phone": readable_phone(phone) if phone else None,
    }


def _school_view(convention: dict[str, Any], school: dict[str, Any] | None) -> dict[str, Any]:
    school = school or {}
    town = " ".join(part for part in (school.get("zipcode"), school.get("city")) if part)
    address = ", ".join(part for part in (school.get("address"), town) if part)
    return {
        "name": _blank(school.get("name") or convention.get("school_name")),
        "uai": _blank(school.get("uai") or convention.get("school_uai")),
        "address": _blank(address),
    }


def convention_context(
    convention: dict[str, Any], school: dict[str, Any] | None, signatures: list[SignatureMark], *, final: bool
) -> dict[str, Any]:
    """Everything the template prints, already formatted; exposed for tests and previews."""
    unknown = {mark.role for mark in signatures} - set(ROLE_LABELS)
    if unknown:
        raise ValueError(f"unknown signatory roles: {sorted(unknown)}")
    # One box per role, in the order of the form; a role signed twice shows its last mark.
    by_role = {mark.role: mark for mark in signatures}
    rows, weekly_total = daily_hours_rows(convention.get("daily_hours"))
    grade = convention.get("grade")
    texts = {key: _blank(convention.get(key)) for key in _TEXT_FIELDS}
    number = convention.get("id")
    reference = f"Convention d'observation n° {number}" if number is not None else "Convention d'observation"
    student = convention.get("student_name")
    return {
        "title": TITLE,
        "platform": PLATFORM_NAME,
        "final": final,
        "document_title": f"{reference} – {student}" if student else reference,
        "convention": texts,
        "offer_description": (convention.get("offer_description") or "").strip() or None,
        "objectives": (convention.get("objectives") or "").strip() or None,
        "grade": _blank(GRADE_LABELS.get(grade, grade) if grade else None),
        "start_date": _long_date_or_blank(convention.get("start_date")),
        "end_date": _long_date_or_blank(convention.get("end_date")),
        "birth_date": _short_date_or_blank(convention.get("student_birth_date")),
        "weeks": _weeks(convention.get("weeks")),
        "tutor_phone": _phone(convention.get("tutor_phone")),
        "legal_representative_phone": _phone(convention.get("legal_representative_phone")),
        "employer": _employer_view(convention),
        "school": _school_view(convention, school),
        "hours": rows,
        "weekly_total": weekly_total,
        "signatures": [
            {
                "role": role,
                "label": label,
                "mark": _signature_view(by_role[role]) if role in by_role else None,
            }
            for role, label in ROLE_LABELS.items()
        ],
    }


# Printed as given (escaped by the template), or « à compléter » when missing.
_TEXT_FIELDS: tuple[str, ...] = (
    "student_name",
    "student_class",
    "offer_title",
    "employer_name",
    "employer_siret",
    "place",
    "tutor_name",
    "tutor_role",
    "tutor_email",
    "activities",
    "lunch_break",
    "school_manager_name",
    "referent_teacher_name",
    "referent_teacher_email",
    "legal_representative_name",
    "legal_representative_email",
)

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@cache
def _stylesheet() -> weasyprint.CSS:
    # Parsed once per process: the stylesheet is the same for every convention.
    return weasyprint.CSS(filename=str(TEMPLATES_DIR / "convention.css"), url_fetcher=_offline_fetcher())


def _offline_fetcher() -> weasyprint.URLFetcher:
    # data: only: an address typed by a user must never make the renderer reach the network
    # or read a local file; fail_on_errors turns any such attempt into an error, not a gap.
    return weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_convention_html(
    convention: dict[str, Any], school: dict[str, Any] | None, signatures: list[SignatureMark], *, final: bool
) -> str:
    """The convention's HTML, as given to weasyprint (useful to preview it in a browser)."""
    context = convention_context(convention, school, signatures, final=final)
    return _environment.get_template("convention.html").render(context)


def render_convention_pdf(
    convention: dict[str, Any], school: dict[str, Any] | None, signatures: list[SignatureMark], *, final: bool
) -> bytes:
    """The convention as PDF bytes: a « PROJET » unless ``final``, with each signature given.

    ``convention`` holds the fields of ``ConventionOut`` (plus the optional
    ``offer_description`` and ``objectives``); ``school`` is the school's directory entry
    (``uai``, ``name``, ``city``, ``zipcode``, optional ``address``) or None. CPU-bound
    (0.2 to 0.5 s, most of it subsetting fonts): keep it off a request path.
    """
    html = render_convention_html(convention, school, signatures, final=final)
    document = weasyprint.HTML(string=html, url_fetcher=_offline_fetcher())
    return document.write_pdf(stylesheets=[_stylesheet()])
