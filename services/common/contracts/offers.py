"""Offers on the wire: the body a host sends, the answer, and the event matching indexes."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from services.common.contracts.events import EventPayload
from services.common.contracts.formats import DaySchedule, FrenchPhone, IsoWeek, Siret, Uai
from services.common.identifiers import is_valid_siret, is_valid_uai, normalize_phone, normalize_uai
from services.common.ministries import MINISTRIES, is_ministry
from services.common.school_calendar import normalize_weeks
from services.common.validation import CROSS_FIELD_ERROR

# ``normalize_time`` is re-exported: the conventions' contracts and the partner API import it from here.
from services.common.working_time import day_schedule
from services.common.working_time import normalize_time as normalize_time

Grade = Literal["quatrieme", "troisieme", "seconde"]
# Why a published offer needs its host's update (it is hidden from pupils meanwhile).
UpdateReason = Literal["past_weeks", "no_seats_left", "previous_school_year"]
UPDATE_REASON_LABELS: dict[str, str] = {
    "past_weeks": "Toutes les semaines de l'offre sont passées",
    "no_seats_left": "Toutes les places sont prises",
    "previous_school_year": "Offre publiée pour l'année scolaire précédente",
}
SecondeChoice = Literal["two_weeks", "week_1", "week_2"]
Weekday = Literal["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"]
COLLEGE_GRADES = ("quatrieme", "troisieme")
SECTOR_PATTERN = r"^s([1-9]|[1-4][0-9]|5[01])$"
MAX_RESERVED_SCHOOLS = 50


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _daily_hours(value: dict[str, list[str]]) -> dict[str, list[str]]:
    return {day: day_schedule(day, times) for day, times in value.items()}


# A week's schedule: each day ``[arrival, departure]`` or ``[arrival, break start, break end,
# departure]``, times normalized (``9:00`` → ``09:00``). Its lawfulness for a minor is a
# separate rule (``working_time.schedule_problems``): the partner API does not apply it.
DailyHours = Annotated[dict[Weekday, DaySchedule], AfterValidator(_daily_hours)]
DAILY_HOURS_DESCRIPTION = (
    'Horaires de présence par jour : {"lundi": ["09:00", "17:00"], …} ou, avec la pause, '
    '{"lundi": ["09:00", "12:00", "13:30", "16:30"]}. Règles pour les mineurs : 7 h par jour, 35 h par '
    "semaine, rien entre 20 h et 6 h, une pause de 30 minutes au plus tard après 4 h 30 de présence."
)


# The closed list of ministries, as the document says it (``Employer._ministry`` checks it).
Ministry = Annotated[str, WithJsonSchema({"type": "string", "enum": list(MINISTRIES)}, mode="validation")]


class Employer(Strict):
    """The hosting organisation (its head office may be elsewhere than the internship place)."""

    name: str = Field(min_length=1, max_length=150, description="Raison sociale ou nom de l'organisme.")
    trade_name: str | None = Field(
        default=None, max_length=150, description="Enseigne (nom commercial), quand elle diffère de la raison sociale."
    )
    siret: Siret = Field(
        description=(
            "SIRET de l'organisme (14 chiffres). Pour une école primaire, indiquez le SIRET de la "
            "DSDEN ou du rectorat dont elle dépend."
        )
    )
    is_public: bool = Field(description="Secteur public (administration, collectivité…) ou privé.")
    description: str | None = Field(default=None, max_length=1500)
    website: HttpUrl | None = None
    ministry: Ministry | None = Field(
        default=None,
        description=(
            "Ministère de tutelle d'un organisme public, nommé exactement comme dans la liste "
            "des ministères (« Ministère des Armées »)."
        ),
    )

    @field_validator("trade_name")
    @classmethod
    def _trade_name(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("ministry")
    @classmethod
    def _ministry(cls, value: str | None) -> str | None:
        if value and not is_ministry(value):
            raise PydanticCustomError("ministry", "Ministère de tutelle inconnu : choisissez-le dans la liste.")
        return value or None

    @model_validator(mode="after")
    def _ministry_of_public_body(self) -> Employer:
        if self.ministry is not None and not self.is_public:
            message = "Le ministère de tutelle ne s'indique que pour un organisme du secteur public."
            raise PydanticCustomError(CROSS_FIELD_ERROR, message, {"fields": [("ministry", message)]})
        return self

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: str) -> str:
        digits = re.sub(r"\s", "", value)
        if not is_valid_siret(digits):
            raise PydanticCustomError("siret", "SIRET invalide (14 chiffres, clé de contrôle incorrecte).")
        return digits


class Place(Strict):
    """Where the internship happens."""

    street: str = Field(min_length=1, max_length=300)
    zipcode: str = Field(pattern=r"^\d{5}$", description="Code postal (5 chiffres).")
    city: str = Field(min_length=1, max_length=150)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


def _checked_uai(value: str) -> str:
    if not is_valid_uai(value):
        raise PydanticCustomError("uai", "Code UAI invalide (7 chiffres et une lettre de contrôle).")
    return normalize_uai(value)


class ReservedFor(Strict):
    """Equal-opportunity reservation: REP/REP+ collèges, lycées in a QPV, or some schools.

    ``school_uais`` lists the schools; ``school_uai`` (the first of them, or null) is kept
    for the clients written when an offer named one school: given alone, it means
    ``[school_uai]``. Answers carry both.
    """

    rep: bool = False
    qpv: bool = False
    school_uai: Uai | None = Field(
        default=None, description="Premier établissement concerné (seul, il vaut school_uais: [school_uai])."
    )
    school_uais: list[Uai] = Field(
        default_factory=list,
        description=f"UAI des établissements concernés (au plus {MAX_RESERVED_SCHOOLS}).",
    )

    @field_validator("school_uai")
    @classmethod
    def _uai(cls, value: str | None) -> str | None:
        return _checked_uai(value) if value else None

    @field_validator("school_uais")
    @classmethod
    def _uais(cls, value: list[str]) -> list[str]:
        invalid = [uai for uai in value if not is_valid_uai(uai)]
        if invalid:
            raise PydanticCustomError(
                "uai",
                "Code UAI invalide (7 chiffres et une lettre de contrôle) : {uais}.",
                {"uais": ", ".join(invalid)},
            )
        unique = list(dict.fromkeys(normalize_uai(uai) for uai in value))
        if len(unique) > MAX_RESERVED_SCHOOLS:
            raise PydanticCustomError(
                "too_many_schools", f"Au plus {MAX_RESERVED_SCHOOLS} établissements par offre.", {}
            )
        return unique

    @model_validator(mode="after")
    def _one_list(self) -> ReservedFor:
        if self.school_uais:
            if self.school_uai is not None and self.school_uai not in self.school_uais:
                message = f"{self.school_uai} n'est pas dans school_uais : indiquez seulement school_uais."
                raise PydanticCustomError(CROSS_FIELD_ERROR, message, {"fields": [("school_uai", message)]})
            if self.school_uai != self.school_uais[0]:
                self.school_uai = self.school_uais[0]
        elif self.school_uai is not None:
            self.school_uais = [self.school_uai]
        return self


def _offer_rules(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """``services.offers.rules.offer_problems``' rules between fields, as the document says them
    (for the body only: an answer's offer may predate a rule)."""
    if model is not OfferBody:
        return

    def grades_include(*grades: str) -> dict[str, Any]:
        return {"properties": {"grades": {"contains": {"enum": list(grades)}}}, "required": ["grades"]}

    def reserved(flag: str) -> dict[str, Any]:
        return {
            "properties": {"reserved_for": {"properties": {flag: {"const": True}}, "required": [flag]}},
            "required": ["reserved_for"],
        }

    def only_with(field: str, *grades: str) -> dict[str, Any]:
        return {
            "if": grades_include(*grades),
            "then": {"required": [field], "properties": {field: {"not": {"type": "null"}}}},
            "else": {"properties": {field: {"type": "null"}}},
        }

    chosen = {
        "rep": {"properties": {"rep": {"const": True}}, "required": ["rep"]},
        "qpv": {"properties": {"qpv": {"const": True}}, "required": ["qpv"]},
        "school_uais": {"properties": {"school_uais": {"minItems": 1}}, "required": ["school_uais"]},
        "school_uai": {"properties": {"school_uai": {"type": "string"}}, "required": ["school_uai"]},
    }
    two_publics = (
        ("rep", "qpv"),
        ("rep", "school_uais"),
        ("rep", "school_uai"),
        ("qpv", "school_uais"),
        ("qpv", "school_uai"),
    )
    schema["allOf"] = [
        # at most one public: REP, QPV or schools
        {
            "properties": {
                "reserved_for": {"not": {"anyOf": [{"allOf": [chosen[a], chosen[b]]} for a, b in two_publics]}}
            }
        },
        # a list of weeks names one at least (« all_year » otherwise)
        {
            "properties": {
                "college_weeks": {"anyOf": [{"type": "string"}, {"type": "array", "minItems": 1}, {"type": "null"}]}
            }
        },
        # a ministry only for a public body (``Employer._ministry_of_public_body``)
        {
            "properties": {
                "employer": {
                    "if": {"properties": {"is_public": {"const": False}}, "required": ["is_public"]},
                    "then": {"properties": {"ministry": {"type": "null"}}},
                }
            }
        },
        only_with("seconde_period", "seconde"),
        only_with("college_weeks", *COLLEGE_GRADES),
        {"if": reserved("rep"), "then": grades_include(*COLLEGE_GRADES)},
        {"if": reserved("qpv"), "then": grades_include("seconde")},
    ]


class OfferBody(Strict):
    """Everything a host gives to publish an offer (the offerer tutorial's form)."""

    model_config = ConfigDict(json_schema_extra=_offer_rules)

    space_id: int | None = Field(default=None, description="Espace de l'offre ; l'espace par défaut sinon.")
    title: str = Field(min_length=1, max_length=150)
    description: str = Field(min_length=10, max_length=1500, description="L'offre et les activités proposées.")
    sector: str = Field(pattern=SECTOR_PATTERN, description="Secteur d'activité, s1 à s51.")
    employer: Employer
    contact_phone: FrenchPhone | None = Field(
        default=None,
        description=(
            "Téléphone de contact pour l'établissement scolaire (numéro français par défaut, +… sinon), "
            "rendu au format E.164 ; jamais montré aux élèves."
        ),
    )
    place: Place
    workspace_conditions: str | None = Field(
        default=None, min_length=10, max_length=1000, description="Open space, niveau sonore, luminosité…"
    )
    workspace_accessibility: str | None = Field(
        default=None, min_length=10, max_length=1000, description="Ascenseur, informations sonores et visuelles…"
    )
    grades: list[Grade] = Field(min_length=1, description="Élèves visés : quatrieme, troisieme, seconde.")
    seconde_period: SecondeChoice | None = Field(
        default=None, description="Pour la seconde : les deux semaines, ou une."
    )
    college_weeks: Literal["all_year"] | list[IsoWeek] | None = Field(
        default=None, description="Pour la 4e et la 3e : toute l'année, ou des semaines ISO (2026-W03)."
    )
    daily_hours: DailyHours = Field(description=DAILY_HOURS_DESCRIPTION, min_length=1)
    lunch_break: str = Field(min_length=8, max_length=250, description="Pause déjeuner : horaires et modalités.")
    max_candidates: int = Field(ge=1, le=6000, description="Nombre d'élèves accueillis.")
    reserved_for: ReservedFor = Field(default_factory=ReservedFor)

    @field_validator("contact_phone")
    @classmethod
    def _contact_phone(cls, value: str | None) -> str | None:
        if not value:
            return None
        phone = normalize_phone(value)
        if phone is None:
            raise PydanticCustomError(
                "phone",
                "Téléphone de contact pour l'établissement invalide : indiquez un numéro français (01 23 45 67 89).",
            )
        return phone

    @field_validator("grades")
    @classmethod
    def _grades(cls, value: list[str]) -> list[str]:
        return sorted(set(value), key=("quatrieme", "troisieme", "seconde").index)

    @field_validator("college_weeks")
    @classmethod
    def _college_weeks(cls, value: str | list[str] | None) -> str | list[str] | None:
        if not isinstance(value, list):
            return value
        return normalize_weeks(value)


def _partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    # Each field keeps its constraints (lengths, bounds, pattern) and its type: the merged offer
    # is checked against ``model`` anyway, and the document says so field by field. A field left
    # out is not changed (None here, never sent on: exclude_unset); null is a value only where
    # ``model`` takes it, so the document does not offer a null that the merge would refuse.
    fields: dict[str, Any] = {
        field: (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation,
            Field(default=None, description=info.description),
        )
        for field, info in model.model_fields.items()
    }
    return create_model(name, __base__=Strict, __doc__="Any subset of the offer's fields.", **fields)


OfferPatch = _partial(OfferBody, "OfferPatch")


class OfferOut(OfferBody):
    """An offer as its team sees it."""

    model_config = ConfigDict(extra="ignore")

    id: int
    team_id: int
    space_id: int  # type: ignore[assignment]
    status: Literal["published", "unpublished"]
    remaining_seats: int
    weeks: list[str] = Field(description="Semaines ouvertes, toutes classes confondues.")
    seconde_label: str | None = None
    past: bool = Field(
        description="Toutes les semaines de l'offre sont passées (une offre « toute l'année » ne l'est jamais)."
    )
    need_to_be_updated: bool = Field(
        default=False, description="L'offre est à mettre à jour : elle n'apparaît plus dans la recherche des élèves."
    )
    update_reason: UpdateReason | None = Field(
        default=None,
        description=(
            "Pourquoi : past_weeks (toutes les semaines sont passées), no_seats_left (toutes les places "
            "sont prises), previous_school_year (offre publiée pour l'année scolaire précédente)."
        ),
    )
    created_at: str
    updated_at: str
    published_at: str | None


MAX_DRAFT_BYTES = 64 * 1024


class OfferDraftOut(BaseModel):
    """A host's draft of an offer (« brouillon »): what was typed in the form, kept as typed."""

    id: int
    offer_id: int | None = Field(description="L'offre que ce brouillon modifie ; null pour une nouvelle offre.")
    content: dict[str, Any] = Field(description="Les champs saisis, de la forme du corps d'une offre, incomplets.")
    created_at: str
    updated_at: str


class WorkingTimeCheck(Strict):
    """A week's schedule to check against the working-time rules for minors."""

    daily_hours: DailyHours = Field(description=DAILY_HOURS_DESCRIPTION)


class WorkingTimeVerdict(BaseModel):
    problems: list[str] = Field(description="Règles enfreintes, en français ; vide quand les horaires conviennent.")
    weekly_hours: str = Field(description="Durée de présence dans la semaine, pauses déduites : « 31 h 30 ».")


# What pupils are not shown of an offer's content: the host's own settings (space, seats,
# which seconde weeks: pupils see the weeks), the contact phone (for the school: the team and
# the convention show it), and, of the employer, its SIRET.
PUPIL_HIDDEN = frozenset({"space_id", "seconde_period", "max_candidates", "contact_phone"})
EMPLOYER_PUPIL_HIDDEN = frozenset({"siret"})


def _public_view() -> type[BaseModel]:
    """``OfferPreview``, derived from ``OfferBody``: a new field of the body is shown to pupils
    unless ``PUPIL_HIDDEN`` says otherwise. Types without the body's checks: an offer stored
    before a rule, or a partner's (no hours, no SIRET), is shown as it is."""
    content = {
        name: (info.annotation, Field(description=info.description))
        for name, info in OfferBody.model_fields.items()
        if name not in PUPIL_HIDDEN
    }
    computed: dict[str, Any] = {
        "employer": (dict[str, Any], Field(description="La structure, sans son SIRET.")),
        "weeks": (list[str], Field(description="Semaines ouvertes, toutes classes confondues.")),
        "seconde_label": (str | None, ...),
        "remaining_seats": (int, ...),
    }
    fields: dict[str, Any] = {"id": (int, ...), **content, **computed}
    return create_model(  # type: ignore[call-overload, no-any-return]
        "OfferPreview", __doc__="An offer exactly as pupils see it: public fields only.", **fields
    )


OfferPreview = _public_view()


class SecondeWeek(BaseModel):
    week: str
    monday: str
    friday: str


class SecondeCalendar(BaseModel):
    week_1: SecondeWeek
    week_2: SecondeWeek
    labels: dict[str, str] = Field(description="Libellé de chaque choix : two_weeks, week_1, week_2.")


# events ------------------------------------------------------------------------------------
OFFER_PUBLISHED = "offer_published"
OFFER_UPDATED = "offer_updated"
OFFER_UNPUBLISHED = "offer_unpublished"
OFFER_DELETED = "offer_deleted"
# A published offer just marked « à mettre à jour » (once per marking): its host is told.
OFFER_NEEDS_UPDATE = "offer_needs_update"


def _with_school_list(data: Any) -> Any:
    """``reserved_school_uais`` from ``reserved_school_uai`` when only that one is given: the
    snapshots and answers written before offers named several schools."""
    if isinstance(data, dict) and not data.get("reserved_school_uais") and data.get("reserved_school_uai"):
        return {**data, "reserved_school_uais": [data["reserved_school_uai"]]}
    return data


class OfferSnapshot(EventPayload):
    """What matching needs to index an offer; ``version`` orders snapshots of one offer."""

    offer_id: int
    version: int
    status: str
    # Whose offer, in which space: conventions keeps its applications' copies in step.
    team_id: int | None = None
    space_id: int | None = None
    title: str
    description: str
    employer_name: str
    sector: str
    street: str
    zipcode: str
    city: str
    latitude: float
    longitude: float
    grades: list[str]
    college_weeks: Literal["all_year"] | list[str] | None
    seconde_weeks: list[str]
    max_candidates: int
    remaining_seats: int
    reserved_rep: bool
    reserved_qpv: bool
    reserved_school_uai: str | None
    reserved_school_uais: list[str] = Field(default_factory=list)
    # Marked « à mettre à jour »: matching keeps it out of the search like an unpublished offer.
    need_to_be_updated: bool = False

    @model_validator(mode="before")
    @classmethod
    def _school_list(cls, data: Any) -> Any:
        return _with_school_list(data)


class OfferDeleted(EventPayload):
    offer_id: int
    version: int


class OfferNeedsUpdate(EventPayload):
    """A team's offer marked « à mettre à jour »: the members notified for its space are told."""

    offer_id: int
    version: int
    team_id: int
    space_id: int | None
    title: str
    reason: UpdateReason


class OfferForApplication(BaseModel):
    """What conventions reads of an offer when a pupil applies (RPC ``offers.offer_for_application``)."""

    offer_id: int
    status: Literal["published", "unpublished", "deleted"]
    team_id: int | None
    space_id: int | None
    title: str
    description: str
    employer_name: str
    employer_siret: str | None
    # Defaults: an offers service of the previous release does not send them yet.
    employer_trade_name: str | None = None
    employer_ministry: str | None = None
    contact_phone: str | None = Field(default=None, description="Téléphone de contact pour l'établissement.")
    street: str
    zipcode: str
    city: str
    grades: list[str]
    college_weeks: Literal["all_year"] | list[str] | None
    seconde_weeks: list[str] = Field(description="Semaines de seconde de l'offre (année scolaire en cours).")
    daily_hours: dict[str, list[str]]
    lunch_break: str
    max_candidates: int
    approved_count: int
    reserved_rep: bool
    reserved_qpv: bool
    reserved_school_uai: str | None
    reserved_school_uais: list[str] = Field(default_factory=list)
    # Marked « à mettre à jour »: closed to new applications like an unpublished offer (default:
    # an offers service of the previous release does not send it).
    need_to_be_updated: bool = False

    @model_validator(mode="before")
    @classmethod
    def _school_list(cls, data: Any) -> Any:
        return _with_school_list(data)
