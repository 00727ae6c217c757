"""The offer form of the tutorial's step 2 (« Je dépose une offre »), in plain Python.

Four steps write one draft: which offer fields each step holds, how a submitted step
becomes the draft's nested content (the shape of an offer body, incomplete) and back into
the values the form shows, and each step's validation: the errors of the offer body's own
model (``OfferBody``) kept to the step's fields, plus what only the form can tell (a day
with an arrival but no departure, weeks asked for but none ticked).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from gateway.offer_routes import seconde_calendar
from services.common.contracts.offers import COLLEGE_GRADES, OfferBody
from services.common.ministries import MINISTRIES
from services.common.school_calendar import SchoolYear, Week, french_date
from services.common.sectors import SECTORS
from services.common.validation import french_message
from services.common.working_time import DAYS, schedule_problems

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class Step:
    """One step of the stepper: its address, its title, the offer fields it writes."""

    slug: str
    title: str
    fields: tuple[str, ...]


STEPS: tuple[Step, ...] = (
    Step("offre", "Offre", ("title", "description", "sector", "place", "space_id")),
    Step("structure", "Structure", ("employer", "contact_phone", "workspace_conditions", "workspace_accessibility")),
    Step(
        "eleves-et-dates",
        "Élèves et dates",
        ("grades", "college_weeks", "seconde_period", "daily_hours", "lunch_break", "max_candidates"),
    ),
    Step("egalite-des-chances", "Égalité des chances", ("reserved_for",)),
)
STEP_TITLES = [step.title for step in STEPS]

# The form's four times of a day, in the order a day's schedule lists them.
DAY_TIMES = (
    ("arrival", "Heure d'arrivée"),
    ("lunch_start", "Début de la pause"),
    ("lunch_end", "Fin de la pause"),
    ("departure", "Heure de départ"),
)
DAY_NAMES = {day: day.capitalize() for day in DAYS}

# What the error summary calls each field (the form's labels).
LABELS: dict[str, str] = {
    "title": "Titre de l'offre",
    "description": "Description",
    "sector": "Secteur d'activité",
    "place": "Adresse du lieu de stage",
    "place.street": "Numéro et voie",
    "place.zipcode": "Code postal",
    "place.city": "Commune",
    "space_id": "Espace",
    "employer": "Structure",
    "employer.siret": "SIRET",
    "employer.name": "Nom de la structure",
    "employer.trade_name": "Enseigne (nom commercial)",
    "employer.ministry": "Ministère de tutelle",
    "contact_phone": "Téléphone de contact pour l'établissement",
    "employer.is_public": "Secteur public ou privé",
    "employer.description": "Description de la structure",
    "employer.website": "Site internet de la structure",
    "workspace_conditions": "Environnement de travail",
    "workspace_accessibility": "Accessibilité du poste",
    "grades": "Élèves concernés",
    "college_weeks": "Semaines de stage des collégiens",
    "seconde_period": "Période de stage des lycéens",
    "daily_hours": "Horaires",
    "lunch_break": "Pause déjeuner",
    "max_candidates": "Nombre d'élèves",
    "reserved_for": "Égalité des chances",
    "reserved_for.rep": "Réservé aux collèges en éducation prioritaire",
    "reserved_for.qpv": "Réservé aux lycées en quartiers prioritaires",
    "reserved_for.school_uais": "Établissements",
    "reserved_for.school_uai": "Établissements",
    **{f"daily_hours.{day}": f"Horaires du {day}" for day in DAYS},
}

# A field left empty: what to say rather than « Ce champ est obligatoire. ».
MISSING: dict[str, str] = {
    "title": "Indiquez le titre de l'offre.",
    "description": "Décrivez l'offre et les activités proposées.",
    "sector": "Choisissez le secteur d'activité.",
    "place.street": "Indiquez le numéro et la voie.",
    "place.zipcode": "Indiquez le code postal.",
    "place.city": "Indiquez la commune.",
    "employer.siret": "Indiquez le SIRET de la structure.",
    "employer.name": "Indiquez le nom de la structure.",
    "employer.is_public": "Indiquez si la structure relève du secteur public ou du secteur privé.",
    "grades": "Cochez les élèves que vous accueillez : collégiens, lycéens ou les deux.",
    "daily_hours": "Indiquez les horaires d'au moins un jour.",
    "lunch_break": "Précisez les horaires et les modalités de la pause déjeuner.",
    "max_candidates": "Indiquez le nombre d'élèves que vous accueillez.",
}
COLLEGE_WEEKS_MODE_MISSING = "Indiquez si les collégiens sont accueillis toute l'année ou certaines semaines."
PLACE_NOT_FOUND = (
    "Adresse introuvable : vérifiez le numéro, la voie, le code postal et la commune, "
    "ou choisissez une des adresses proposées."
)
PLACE_LOOKUP_UNAVAILABLE = (
    "La recherche d'adresse démarre : votre saisie est enregistrée, "
    "cliquez de nouveau sur « Suivant » dans quelques secondes."
)
_ADDRESS_FIELDS = ("street", "zipcode", "city")


def step_named(slug: str) -> Step | None:
    """The step at that address, if any."""
    return next((step for step in STEPS if step.slug == slug), None)


def step_number(step: Step) -> int:
    """1 for the first step."""
    return STEPS.index(step) + 1


def next_step(step: Step) -> Step | None:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def previous_step(step: Step) -> Step | None:
    index = STEPS.index(step)
    return STEPS[index - 1] if index > 0 else None


def step_of_path(path: str) -> Step:
    """The step showing the field at ``path`` (``employer.siret`` → Structure); the last one
    for what no step holds (the error summary shows it there)."""
    head = path.split(".", 1)[0]
    return next((step for step in STEPS if head in step.fields), STEPS[-1])


# -- a submitted step → the draft's content ----------------------------------------------------


def _text(form: MultiDict[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def _set_text(target: dict[str, Any], key: str, value: str, optional: bool = False) -> None:
    """An empty required field is left out (« obligatoire »); an emptied optional one is null
    (so that the draft of an existing offer clears it)."""
    if value:
        target[key] = value
    elif optional:
        target[key] = None


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _integer_or_text(value: str) -> int | str:
    # Kept as typed when it is not a number: the draft shows it again with the model's message.
    return int(value) if value.isdigit() else value


def read_step(step: Step, form: MultiDict[str, str], content: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's content once ``form`` (the step's submitted fields) replaces that step's part."""
    updated = dict(content)
    for key in step.fields:
        updated.pop(key, None)
    reader = {
        "offre": _read_offer,
        "structure": _read_structure,
        "eleves-et-dates": _read_pupils_and_dates,
        "egalite-des-chances": _read_equal_opportunity,
    }[step.slug]
    reader(form, content, updated)
    return updated


def _read_offer(form: MultiDict[str, str], before: Mapping[str, Any], content: dict[str, Any]) -> None:
    for key in ("title", "description", "sector"):
        _set_text(content, key, _text(form, key))
    place: dict[str, Any] = {}
    for key in _ADDRESS_FIELDS:
        _set_text(place, key, _text(form, f"place.{key}"))
    for key in ("latitude", "longitude"):
        number = _number(_text(form, f"place.{key}"))
        if number is not None:
            place[key] = number
    previous = before.get("place") or {}
    # Coordinates the form sent back unchanged belong to the address as it was.
    moved = isinstance(previous, Mapping) and _address(previous) != _address(place)
    if moved and (place.get("latitude"), place.get("longitude")) == (
        previous.get("latitude"),
        previous.get("longitude"),
    ):
        place.pop("latitude", None)
        place.pop("longitude", None)
    content["place"] = place
    space = _text(form, "space_id")
    if space:
        content["space_id"] = _integer_or_text(space)
    elif "space_id" in before:
        content["space_id"] = before["space_id"]


def _address(place: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(" ".join(str(place.get(key) or "").split()).casefold() for key in _ADDRESS_FIELDS)


def needs_location(content: Mapping[str, Any]) -> bool:
    """Whether the place has an address but no coordinates yet (the server looks them up)."""
    place = content.get("place") or {}
    has_address = all(place.get(key) for key in _ADDRESS_FIELDS)
    return has_address and (place.get("latitude") is None or place.get("longitude") is None)


def with_location(content: Mapping[str, Any], latitude: float, longitude: float) -> dict[str, Any]:
    """The content with the place's coordinates set."""
    place = {**(content.get("place") or {}), "latitude": latitude, "longitude": longitude}
    return {**content, "place": place}


def _read_structure(form: MultiDict[str, str], before: Mapping[str, Any], content: dict[str, Any]) -> None:
    previous = before.get("employer") if isinstance(before.get("employer"), Mapping) else {}
    # What the form does not show (an existing offer's description, website) is kept.
    employer = {key: value for key, value in previous.items() if key in ("description", "website")}
    _set_text(employer, "siret", "".join(_text(form, "employer.siret").split()))
    _set_text(employer, "name", _text(form, "employer.name"))
    _read_added(form, "employer.trade_name", previous, employer)
    sector = _text(form, "employer.is_public")
    if sector in ("true", "false"):
        employer["is_public"] = sector == "true"
    _read_added(form, "employer.ministry", previous, employer)
    if not employer.get("is_public") and employer.get("ministry"):
        # A ministry belongs to a public body: a host who chose « privé » leaves none behind.
        employer["ministry"] = None
    content["employer"] = employer
    _read_added(form, "contact_phone", before, content)
    for key in ("workspace_conditions", "workspace_accessibility"):
        _set_text(content, key, _text(form, key), optional=True)


def _read_added(form: MultiDict[str, str], name: str, before: Mapping[str, Any], target: dict[str, Any]) -> None:
    """An optional field added to the form after drafts were made: set (or cleared) when the
    form has it, else kept as the draft had it (a page opened before the field existed)."""
    key = name.rsplit(".", 1)[-1]
    if name in form:
        _set_text(target, key, _text(form, name), optional=True)
    elif key in before:
        target[key] = before[key]


def _read_pupils_and_dates(form: MultiDict[str, str], before: Mapping[str, Any], content: dict[str, Any]) -> None:
    audiences = set(form.getlist("grades"))
    grades: list[str] = []
    if "college" in audiences:
        # An existing offer for 3e only stays so; a new one welcomes 4e and 3e.
        kept = [grade for grade in before.get("grades") or [] if grade in COLLEGE_GRADES]
        grades.extend(kept or COLLEGE_GRADES)
        mode = _text(form, "college_weeks_mode")
        if mode == "all_year":
            content["college_weeks"] = "all_year"
        elif mode == "weeks":
            content["college_weeks"] = sorted({week.strip() for week in form.getlist("college_weeks") if week.strip()})
    if "seconde" in audiences:
        grades.append("seconde")
        _set_text(content, "seconde_period", _text(form, "seconde_period"))
    content["grades"] = grades
    hours: dict[str, list[str]] = {}
    for day in DAYS:
        times = [time.strip() for time in form.getlist(f"daily_hours.{day}")][:4]
        times += [""] * (4 - len(times))
        if not any(times):
            continue
        arrival, lunch_start, lunch_end, departure = times
        hours[day] = [arrival, departure] if not (lunch_start or lunch_end) else times
    content["daily_hours"] = hours
    _set_text(content, "lunch_break", _text(form, "lunch_break"))
    seats = _text(form, "max_candidates")
    if seats:
        content["max_candidates"] = _integer_or_text(seats)


def _read_equal_opportunity(form: MultiDict[str, str], before: Mapping[str, Any], content: dict[str, Any]) -> None:
    schools: list[str] = []
    if form.get("reserved_for.one_school"):
        removed = _text(form, "remove_school").upper()
        for uai in form.getlist("reserved_for.school_uais"):
            uai = uai.strip().upper()
            if uai and uai != removed and uai not in schools:
                schools.append(uai)
    content["reserved_for"] = {
        "rep": bool(form.get("reserved_for.rep")),
        "qpv": bool(form.get("reserved_for.qpv")),
        "school_uais": schools,
    }


# -- the draft's content → what the form shows -------------------------------------------------


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def form_values(content: Mapping[str, Any]) -> dict[str, Any]:
    """The values of every field of the four steps, as the form shows them."""
    place = content.get("place") if isinstance(content.get("place"), Mapping) else {}
    employer = content.get("employer") if isinstance(content.get("employer"), Mapping) else {}
    reserved = content.get("reserved_for") if isinstance(content.get("reserved_for"), Mapping) else {}
    grades = content.get("grades") if isinstance(content.get("grades"), list) else []
    college_weeks = content.get("college_weeks")
    is_public = employer.get("is_public")
    values: dict[str, Any] = {
        key: _shown(content.get(key))
        for key in (
            "title",
            "description",
            "sector",
            "space_id",
            "workspace_conditions",
            "workspace_accessibility",
            "seconde_period",
            "lunch_break",
            "max_candidates",
            "contact_phone",
        )
    }
    values.update({f"place.{key}": _shown(place.get(key)) for key in (*_ADDRESS_FIELDS, "latitude", "longitude")})
    values.update({f"employer.{key}": _shown(employer.get(key)) for key in ("siret", "name", "trade_name", "ministry")})
    values["employer.is_public"] = "" if is_public is None else ("true" if is_public else "false")
    values["grades"] = [
        audience
        for audience, members in (("college", COLLEGE_GRADES), ("seconde", ("seconde",)))
        if any(grade in members for grade in grades)
    ]
    values["college_weeks_mode"] = (
        "all_year" if college_weeks == "all_year" else "weeks" if isinstance(college_weeks, list) else ""
    )
    values["college_weeks"] = list(college_weeks) if isinstance(college_weeks, list) else []
    values["daily_hours"] = {day: _day_times((content.get("daily_hours") or {}).get(day)) for day in DAYS}
    values["reserved_for.rep"] = bool(reserved.get("rep"))
    values["reserved_for.qpv"] = bool(reserved.get("qpv"))
    uais = reserved.get("school_uais") or ([reserved["school_uai"]] if reserved.get("school_uai") else [])
    values["reserved_for.school_uais"] = list(uais)
    return values


def _day_times(times: Any) -> list[str]:
    """A day's four inputs: arrival, lunch start, lunch end, departure."""
    if not isinstance(times, list):
        return ["", "", "", ""]
    times = [str(time) for time in times]
    if len(times) == 2:
        return [times[0], "", "", times[1]]
    return [*times, "", "", "", ""][:4]


# -- validation of a step ----------------------------------------------------------------------


def model_errors(content: Mapping[str, Any]) -> Errors:
    """The offer model's errors on ``content``, by field path, in French."""
    try:
        OfferBody.model_validate(dict(content))
    except ValidationError as exc:
        errors: Errors = {}
        for error in exc.errors(include_url=False):
            path = ".".join(str(part) for part in error["loc"] if part != "[key]") or "body"
            empty = error["type"] == "missing" or (error["type"] == "too_short" and path in ("grades", "daily_hours"))
            message = MISSING[path] if empty and path in MISSING else french_message(error)
            errors.setdefault(path, []).append(message)
        return errors
    return {}


def _form_errors(step: Step, content: Mapping[str, Any]) -> Errors:
    """What the form knows and the model cannot tell (the form's choices left half-made)."""
    errors: Errors = {}
    if step.slug == "eleves-et-dates":
        grades = content.get("grades") or []
        if any(grade in COLLEGE_GRADES for grade in grades):
            weeks = content.get("college_weeks")
            if weeks is None:
                errors["college_weeks"] = [
                    "Indiquez si les collégiens sont accueillis toute l'année ou certaines semaines."
                ]
            elif weeks == []:
                errors["college_weeks"] = ["Cochez au moins une semaine."]
        if "seconde" in grades and not content.get("seconde_period"):
            errors["seconde_period"] = ["Choisissez la période de stage des lycéens."]
        for day, times in (content.get("daily_hours") or {}).items():
            messages = _day_problems(day, times)
            if messages:
                errors[f"daily_hours.{day}"] = messages
    return errors


def _day_problems(day: str, times: list[str]) -> list[str]:
    arrival, lunch_start, lunch_end, departure = _day_times(times)
    messages = []
    if not (arrival and departure):
        messages.append(f"{day} : indiquez l'heure d'arrivée et l'heure de départ.")
    if bool(lunch_start) != bool(lunch_end):
        messages.append(f"{day} : indiquez le début et la fin de la pause déjeuner, ou aucune des deux.")
    return messages


def validate_step(step: Step, content: Mapping[str, Any], *, one_school: bool = False) -> Errors:
    """The errors of the step's fields (empty: the step is complete).

    ``one_school``: the host ticked « réservé à un seul établissement » (then at least one
    school must be chosen).
    """
    errors = _form_errors(step, content)
    schools = (content.get("reserved_for") or {}).get("school_uais")
    if one_school and step.slug == "egalite-des-chances" and not schools:
        errors["reserved_for.school_uais"] = ["Choisissez au moins un établissement."]
    model = displayable(model_errors(content))
    hours_shape_wrong = any(path.startswith("daily_hours") for path in errors)
    for path, messages in model.items():
        if step_of_path(path) is not step or (hours_shape_wrong and path.startswith("daily_hours")):
            continue
        for message in messages:
            if message not in errors.get(path, []):
                errors.setdefault(path, []).append(message)
    if step.slug == "eleves-et-dates" and not any(path.startswith("daily_hours") for path in errors):
        # The hours have the right shape: are they lawful for a minor? (the rule offers apply)
        errors.update(displayable({"daily_hours": schedule_problems(content.get("daily_hours") or {})}))
    return {path: messages for path, messages in errors.items() if messages}


def displayable(errors: Mapping[str, list[str]]) -> Errors:
    """Errors as the form shows them: a day's hours at that day, the hidden coordinates at
    the address, one list of schools."""
    shown: Errors = {}

    def add(path: str, message: str) -> None:
        if message not in shown.get(path, []):
            shown.setdefault(path, []).append(message)

    for path, messages in errors.items():
        for message in messages:
            if path == "daily_hours":
                day = message.split(" :", 1)[0]
                add(f"daily_hours.{day}" if day in DAYS else path, message)
            elif path.startswith("daily_hours.") and path.split(".")[1] in DAYS:
                add(".".join(path.split(".")[:2]), message)
            elif path in ("place.latitude", "place.longitude"):
                continue  # said below, at the address
            elif path.startswith("reserved_for.school_uai"):
                add("reserved_for.school_uais", message)
            else:
                add(path, message)
    coordinates = any(path in ("place.latitude", "place.longitude") for path in errors)
    if coordinates and not any(path.startswith("place.") for path in shown):
        add("place.street", PLACE_NOT_FOUND)
    return shown


def errors_of_step(step: Step, errors: Mapping[str, list[str]]) -> Errors:
    """The errors that step shows."""
    return {path: list(messages) for path, messages in errors.items() if step_of_path(path) is step}


def first_step_with_errors(errors: Mapping[str, list[str]]) -> Step | None:
    """The first step showing one of ``errors``."""
    steps = {step_of_path(path) for path in errors}
    return next((step for step in STEPS if step in steps), None)


# -- choices the form offers -------------------------------------------------------------------


# The ministries' list, and first the choice of none (the field is optional).
MINISTRY_OPTIONS: list[tuple[str, str]] = [
    ("", "Aucun (organisme non rattaché à un ministère)"),
    *((name, name) for name in MINISTRIES),
]

SECTOR_OPTIONS: list[tuple[str, str]] = sorted(
    ((sector.code, sector.name) for sector in SECTORS), key=lambda option: option[1].casefold()
)


@dataclass(frozen=True)
class WeekChoice:
    """A collège week the host may tick, and how many schools nearby chose it."""

    week: str
    label: str
    schools_count: int


def week_label(week: Week) -> str:
    """``Semaine du 7 au 11 septembre 2026`` (both months, both years when the week spans them)."""
    monday, friday = week.monday, week.friday
    if monday.year != friday.year:
        start = french_date(monday)
    elif monday.month != friday.month:
        start = french_date(monday, with_year=False)
    else:
        start = "1er" if monday.day == 1 else str(monday.day)
    return f"Semaine du {start} au {french_date(friday)}"


def week_choices(today: date, highlighted: Iterable[Mapping[str, Any]] = ()) -> list[WeekChoice]:
    """The current school year's collège weeks not over yet, with the count of schools within
    60 km of the place that chose each (``highlighted``, from the 60 km rule)."""
    counts = {str(row["week"]): int(row.get("schools_count") or 0) for row in highlighted}
    return [
        WeekChoice(str(week), week_label(week), counts.get(str(week), 0))
        for week in SchoolYear.current(today).college_weeks()
        if week.friday >= today
    ]


def seconde_choices(today: date) -> list[tuple[str, str]]:
    """The three choices of the seconde period, labelled with their dates."""
    labels = seconde_calendar(SchoolYear.current(today).seconde.year)["labels"]
    return [(choice, label[0].upper() + label[1:]) for choice, label in labels.items()]


# -- an offer in the list ----------------------------------------------------------------------


def offer_status(offer: Mapping[str, Any]) -> tuple[str, str]:
    """The offer's status as the list shows it: (label, DSFR badge kind)."""
    if offer.get("status") != "published" and not offer.get("published_at"):
        return "brouillon", "new"
    if offer.get("past"):
        return "passée", "purple-glycine"
    if offer.get("status") != "published":
        return "masquée", "warning"
    if offer.get("remaining_seats") == 0:
        return "complète", "info"
    return "publiée", "success"


def college_grades_label(grades: Iterable[str]) -> str:
    """``4ème et 3ème``, ``3ème``: the collège grades an offer welcomes."""
    names = {"quatrieme": "4ème", "troisieme": "3ème"}
    return " et ".join(names[grade] for grade in COLLEGE_GRADES if grade in set(grades))


def college_week_labels(college_weeks: Any) -> list[str]:
    """The chosen collège weeks in words (« Semaine du 7 au 11 septembre 2026 »); none when all year."""
    if not isinstance(college_weeks, list):
        return []
    labels = []
    for text in college_weeks:
        try:
            labels.append(week_label(Week.parse(text)))
        except ValueError:
            labels.append(str(text))
    return labels
