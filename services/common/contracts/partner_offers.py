"""The partner API v2's offer body as the OpenAPI document gives it: ``{"internship_offer": {...}}``.

These models describe; they do not parse. ``services.offers.partner_payload`` reads the payload
into the v1 command and answers the national API's errors (its codes, its fields, its English
messages in its order: the published samples are replayed byte for byte), which pydantic's own
errors would not give. ``tests/unit/test_partner_offer_document.py`` holds each field here to
what that parsing accepts, and the rules between fields that the parsing checks (grades, weeks,
reservations) are in the schema (``_rules``), so that a body valid by the document is an offer.

As the national API: fields it does not know are ignored; a blank text is a missing one
(``employer_website`` and ``lunch_break`` may be blank: none); a creation's missing
``grades`` are ``["troisieme"]``; a collège offer names its weeks, a seconde offer both weeks
of the current school year's seconde period, in ISO format with or without the week's
leading zero (``2027-W24``, ``2026-W3``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from services.common.contracts.formats import STRIPPED, IsoWeek, text_pattern
from services.common.contracts.offers import COLLEGE_GRADES, SECTOR_PATTERN, DailyHours, Grade
from services.common.school_calendar import SchoolYear, Week, today_in_paris

MAX_URL_LENGTH = 500
# An address, or a blank value, which the national API takes for none.
_BLANK = {"type": "string", "pattern": f"^[{STRIPPED}]*$"}
_URL = {"type": "string", "format": "uri", "maxLength": MAX_URL_LENGTH}
Url = Annotated[str, WithJsonSchema(_URL, mode="validation")]
OptionalUrl = Annotated[str | None, WithJsonSchema({"anyOf": [_URL, _BLANK, {"type": "null"}]}, mode="validation")]


_LUNCH_BREAK = {"type": "string", "maxLength": 250, "pattern": text_pattern(8, stripped=True)}
OptionalLunchBreak = Annotated[
    str | None, WithJsonSchema({"anyOf": [_LUNCH_BREAK, _BLANK, {"type": "null"}]}, mode="validation")
]
PublishedAt = Annotated[
    str | None,
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}, mode="validation"),
]


class _Fields(BaseModel):
    # Described as parsed: texts stripped before their length counts, unknown fields ignored.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Coordinates(_Fields):
    """The internship place on the map."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


def _written(week: Week) -> list[str]:
    """A week as a partner may write it: ``2027-W04`` or ``2027-W4`` (once when both are one)."""
    return list(dict.fromkeys([str(week), week.unpadded()]))


# A change gives these together or none of them (``PartnerOfferChanges``).
GRADE_BOUND = ("grades", "weeks", "rep", "qpv")


def _flag(name: str) -> dict[str, Any]:
    return {"properties": {name: {"const": True}}, "required": [name]}


def _rules(schema: dict[str, Any], create: bool) -> None:
    """``partner_payload._grades_and_weeks``' and ``rules.offer_problems``' rules between fields."""
    # The document is built on each request: these are today's school year's.
    period = SchoolYear.current(today_in_paris()).seconde
    week_1, week_2 = _written(period.week_1), _written(period.week_2)
    seconde = {"properties": {"grades": {"contains": {"const": "seconde"}}}, "required": ["grades"]}
    rules: list[dict[str, Any]] = [
        # collège or lycée, not both (422 WRONG_PARAMS)
        {
            "properties": {
                "grades": {
                    "anyOf": [
                        {"items": {"enum": list(COLLEGE_GRADES)}},
                        {"items": {"const": "seconde"}},
                    ]
                }
            }
        },
        # a seconde offer takes both weeks of the period (422 WRONG_PARAMS); a collège offer none
        # of them (they are in June, after the collège weeks: 400 VALIDATION_ERROR)
        {
            "if": seconde,
            "then": {
                "properties": {
                    "weeks": {
                        "items": {"enum": week_1 + week_2},
                        "allOf": [{"contains": {"enum": week_1}}, {"contains": {"enum": week_2}}],
                    }
                },
                "required": ["weeks"],
            },
            "else": {"properties": {"weeks": {"items": {"not": {"enum": week_1 + week_2}}}}},
        },
        # one public at most; REP/REP+ for collèges, QPV for lycées (400 VALIDATION_ERROR)
        {"not": {"allOf": [_flag("rep"), _flag("qpv")]}},
        {"if": _flag("rep"), "then": {"not": seconde}},
        {"if": _flag("qpv"), "then": seconde},
    ]
    if not create:
        # What goes with the grades is changed with them: the offer's own would not fit new ones.
        schema["dependentRequired"] = {name: [other for other in GRADE_BOUND if other != name] for name in GRADE_BOUND}
        schema["minProperties"] = 1
    schema["allOf"] = rules


class PartnerOfferFields(_Fields):
    """An offer as the national API takes it: its fields, and how the platform reads them."""

    model_config = ConfigDict(json_schema_extra=lambda schema, _: _rules(schema, create=True))

    title: str = Field(min_length=1, max_length=150)
    description: str = Field(min_length=10, max_length=1500)
    employer_name: str = Field(min_length=1, max_length=150)
    employer_description: str = Field(min_length=1, max_length=1500)
    employer_website: OptionalUrl = None
    coordinates: Coordinates
    street: str = Field(min_length=1, max_length=300)
    zipcode: str = Field(pattern=r"^\d{5}$", description="Code postal (5 chiffres).")
    city: str = Field(min_length=1, max_length=150)
    sector_uuid: str = Field(pattern=SECTOR_PATTERN, description="Secteur d'activité, s1 à s51 (GET /api/v2/sectors).")
    weeks: list[IsoWeek] = Field(
        min_length=1,
        description=(
            "Semaines ISO (2026-W3 ou 2026-W03) : pour la 4e et la 3e, des semaines à venir de l'année "
            "scolaire ; pour la seconde, les deux semaines de la période de juin de l'année scolaire."
        ),
    )
    grades: list[Grade] = Field(
        default=["troisieme"], description="quatrieme et troisieme, ou seconde (pas les deux) ; troisieme sinon."
    )
    remote_id: str = Field(min_length=1, max_length=200, description="L'identifiant de l'offre chez l'opérateur.")
    permalink: Url = Field(description="L'adresse de l'offre chez l'opérateur.")
    max_candidates: int = Field(default=1, ge=1, le=6000)
    is_public: bool = False
    daily_hours: DailyHours = Field(
        default_factory=dict,
        description='Horaires de présence par jour : {"lundi": ["9:00", "17:00"], …}, chaque heure après l\'autre.',
    )
    lunch_break: OptionalLunchBreak = Field(default=None, description="Pause déjeuner : horaires et modalités.")
    rep: bool = Field(default=False, description="Réservée aux collèges REP/REP+ (4e, 3e).")
    qpv: bool = Field(default=False, description="Réservée aux lycées en QPV (seconde).")
    handicap_accessible: bool = False
    published_at: PublishedAt = Field(
        default=None,
        description="Absent : publiée maintenant ; null : dépubliée ; une date (ISO 8601) : publiée alors.",
    )


def _changes() -> type[BaseModel]:
    """``PartnerOfferChanges``: any of ``PartnerOfferFields`` (one at least), each with its
    constraints and none null (a null text is a missing one, refused); the others are kept.
    ``GRADE_BOUND`` come together: new weeks, or a reservation, must fit the grades, which the
    document can say only of grades given with them (the parsing reads the offer's own)."""
    fields: dict[str, Any] = {
        name: (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation,
            Field(default=None, description=info.description),
        )
        for name, info in PartnerOfferFields.model_fields.items()
    }
    # Empty, they would be the offer's own, which the weeks and reservations given may not fit.
    fields["grades"] = (
        list[Grade],
        Field(default=None, min_length=1, description="quatrieme et troisieme, ou seconde."),
    )
    config = ConfigDict(
        extra="ignore", str_strip_whitespace=True, json_schema_extra=lambda schema, _: _rules(schema, create=False)
    )
    return create_model(  # type: ignore[call-overload, no-any-return]
        "PartnerOfferChanges",
        __config__=config,
        __doc__="The fields to change (one at least; grades, weeks, rep and qpv together), the others kept.",
        **fields,
    )


PartnerOfferChanges = _changes()


class PartnerOfferPayload(BaseModel):
    """The body that publishes an offer (POST /api/v2/internship_offers)."""

    internship_offer: PartnerOfferFields


class PartnerOfferChangesPayload(BaseModel):
    """The body that changes an offer (PATCH /api/v2/internship_offers/{remote_id})."""

    internship_offer: PartnerOfferChanges
