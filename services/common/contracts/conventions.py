"""Applications, conventions and signatures on the wire: bodies, answers and events.

The conventions service owns them; the gateway validates bodies with these models, the
notifications service reads the events, offers reads the seat counts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from services.common.contracts.events import EventPayload
from services.common.contracts.formats import (
    EMAIL_PATTERN,
    DaySchedule,
    FrenchPhone,
    IsoWeek,
    SignatureImage,
    text_pattern,
)
from services.common.contracts.offers import Strict, Weekday, normalize_time
from services.common.identifiers import normalize_phone
from services.common.school_calendar import normalize_weeks
from services.common.validation import CROSS_FIELD_ERROR

MOTIVATION_MAX_LENGTH = 1500

ApplicationStatus = Literal["submitted", "read", "validated", "approved", "rejected", "cancelled", "expired"]
ApplicationAction = Literal["read", "validate", "reject", "cancel", "approve"]
ConventionStatus = Literal[
    "draft", "completed_by_employer", "ready_to_sign", "signatures_started", "signed_by_all", "cancelled"
]
SignatoryRole = Literal["employer", "school_manager", "student", "legal_representative"]
SIGNATORY_ROLES: tuple[str, ...] = ("employer", "school_manager", "student", "legal_representative")


def french_mobile(value: str | None) -> str | None:
    """E.164 form of a French phone number (overseas included); ValueError naming the problem."""
    if value is None or not value.strip():
        return None
    phone = normalize_phone(value)
    if phone is None:
        raise ValueError("numéro de téléphone invalide : indiquez un numéro français, par exemple 06 12 34 56 78.")
    return phone


# -- applications -----------------------------------------------------------------------------


class ApplicationBody(Strict):
    """A pupil's application to an offer."""

    weeks: list[IsoWeek] = Field(min_length=1, description="Semaines demandées (AAAA-Www), parmi celles de l'offre.")
    motivation: str = Field(min_length=1, max_length=MOTIVATION_MAX_LENGTH, description="Lettre de motivation.")
    phone: FrenchPhone | None = Field(default=None, description="Téléphone portable de l'élève (facultatif).")

    @field_validator("weeks")
    @classmethod
    def _weeks(cls, value: list[str]) -> list[str]:
        return normalize_weeks(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return french_mobile(value)


class ApplicationCounts(Strict):
    """How many applications of the host's team an offer has, by status, and in all
    (RPC ``conventions.application_counts``: ``{str(offer_id): ApplicationCounts}``)."""

    total: int = 0
    submitted: int = 0
    read: int = 0
    validated: int = 0
    approved: int = 0
    rejected: int = 0
    cancelled: int = 0
    expired: int = 0


MAX_COUNTED_OFFERS = 1000


class ActionBody(Strict):
    """Body of an application action: only ``reject`` needs a reason; ``cancel`` may give one."""

    reason: str | None = Field(default=None, max_length=1000)


MAX_REJECTED_AT_ONCE = 100


class BulkRejectBody(Strict):
    """Several applications of the host's team refused at once, for one reason."""

    ids: list[int] = Field(
        min_length=1, max_length=MAX_REJECTED_AT_ONCE, description="Les numéros des candidatures à refuser."
    )
    reason: str = Field(
        max_length=1000,
        description="Motif du refus, transmis à chaque élève.",
        # checked by the rule (``application_rules``), which says why in its own words
        json_schema_extra={"minLength": 1, "pattern": text_pattern(1, stripped=True)},
    )


class RefusedRejection(Strict):
    """An application of the batch that was not refused, and why (its error's code and message)."""

    id: int
    code: str
    message: str


class BulkRejectOut(Strict):
    """Each application of the batch was refused on its own: those refused, and the others."""

    rejected: list[int]
    refused: list[RefusedRejection]


class Transition(Strict):
    status: str
    by_role: str
    by_user_id: int | None
    at: str
    reason: str | None = None


class ApplicationOut(Strict):
    id: int
    offer_id: int
    offer_title: str
    employer_name: str
    city: str
    team_id: int
    space_id: int | None
    student_id: int
    student_name: str
    school_uai: str | None
    grade: str | None
    weeks: list[str]
    motivation: str
    phone: str | None
    status: ApplicationStatus
    reason: str | None = Field(default=None, description="Motif du refus ou de l'annulation.")
    convention_id: int | None = None
    history: list[Transition]
    created_at: str
    updated_at: str
    expires_at: str | None = Field(default=None, description="Sans réponse d'ici là, la candidature expire.")


# -- conventions ------------------------------------------------------------------------------

# The host's part and the school's part: each role edits only its own (403 NOT_YOUR_PART).
HOST_FIELDS: tuple[str, ...] = (
    "tutor_name",
    "tutor_role",
    "tutor_email",
    "tutor_phone",
    "activities",
    "daily_hours",
    "lunch_break",
)
SCHOOL_FIELDS: tuple[str, ...] = (
    "school_manager_name",
    "referent_teacher_name",
    "referent_teacher_email",
    "student_class",
    "student_birth_date",
    "legal_representative_name",
    "legal_representative_email",
    "legal_representative_phone",
)


class ConventionPatch(Strict):
    """Any subset of the convention's fields; each role may send only its own part's."""

    tutor_name: str | None = Field(default=None, min_length=1, max_length=150)
    tutor_role: str | None = Field(default=None, min_length=1, max_length=150, description="Fonction du tuteur.")
    tutor_email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    tutor_phone: FrenchPhone | None = None
    activities: str | None = Field(default=None, min_length=10, max_length=3000, description="Activités prévues.")
    daily_hours: dict[Weekday, DaySchedule] | None = Field(
        default=None,
        description=(
            "Horaires de chaque jour : [arrivée, départ] ou [arrivée, début de pause, fin de pause, départ]. "
            "Règles pour les mineurs : 7 h par jour, 35 h par semaine, pas de travail entre 20 h et 6 h, "
            "une pause de 30 minutes au plus tard après 4 h 30 de présence."
        ),
    )
    lunch_break: str | None = Field(default=None, min_length=8, max_length=250)
    school_manager_name: str | None = Field(default=None, min_length=1, max_length=150)
    referent_teacher_name: str | None = Field(default=None, min_length=1, max_length=150)
    referent_teacher_email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    student_class: str | None = Field(default=None, min_length=1, max_length=50)
    student_birth_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="AAAA-MM-JJ")
    legal_representative_name: str | None = Field(default=None, min_length=1, max_length=150)
    legal_representative_email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    legal_representative_phone: FrenchPhone | None = None

    @field_validator("tutor_phone", "legal_representative_phone")
    @classmethod
    def _phones(cls, value: str | None) -> str | None:
        return french_mobile(value)

    @field_validator("tutor_email", "referent_teacher_email", "legal_representative_email")
    @classmethod
    def _emails(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @field_validator("daily_hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is None:
            return None
        hours = {}
        for day, times in value.items():
            if len(times) not in (2, 4):
                raise ValueError(
                    f"{day} : indiquez [arrivée, départ] ou [arrivée, début de pause, fin de pause, départ]."
                )
            normalized = [normalize_time(time) for time in times]
            if normalized != sorted(normalized) or len(set(normalized)) != len(normalized):
                raise ValueError(f"{day} : les heures doivent se suivre dans la journée.")
            hours[day] = normalized
        return hours


class Signature(Strict):
    role: SignatoryRole
    signer_name: str
    signed_at: str
    masked_phone: str


class ConventionOut(Strict):
    id: int
    application_id: int
    offer_id: int
    status: ConventionStatus
    team_id: int
    space_id: int | None
    school_uai: str | None
    school_name: str | None
    student_id: int
    student_name: str
    grade: str | None
    offer_title: str
    employer_name: str
    employer_siret: str | None
    # None for a convention made before they were copied, or an offer without them.
    employer_trade_name: str | None = Field(default=None, description="Enseigne de l'organisme d'accueil.")
    employer_ministry: str | None = Field(default=None, description="Ministère de tutelle d'un organisme public.")
    contact_phone: str | None = Field(
        default=None, description="Téléphone de contact de l'organisme pour l'établissement (E.164)."
    )
    place: str = Field(description="Adresse du lieu de stage.")
    weeks: list[str]
    start_date: str
    end_date: str
    tutor_name: str | None
    tutor_role: str | None
    tutor_email: str | None
    tutor_phone: str | None
    activities: str | None
    daily_hours: dict[str, list[str]] | None
    lunch_break: str | None
    school_manager_name: str | None
    referent_teacher_name: str | None
    referent_teacher_email: str | None
    student_class: str | None
    student_birth_date: str | None
    legal_representative_name: str | None
    legal_representative_email: str | None
    legal_representative_phone: str | None
    completed_by_employer_at: str | None
    validated_by_school_at: str | None
    signatures: list[Signature]
    awaiting_signatures: list[SignatoryRole] = Field(description="Signataires qui n'ont pas encore signé.")
    pdf_ready: bool = Field(description="Le PDF final scellé est disponible.")
    created_at: str
    updated_at: str


# -- signatures -------------------------------------------------------------------------------


class SignatureCodeBody(Strict):
    """Ask for a code: with a bearer token, ``convention_ids``; the legal representative, ``link_token``."""

    # ``_one_way`` as the document says it: one of the two, not both.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": [given], "properties": {given: {"not": {"type": "null"}}, other: {"type": "null"}}}
                for given, other in (("convention_ids", "link_token"), ("link_token", "convention_ids"))
            ]
        }
    )

    convention_ids: list[int] | None = Field(default=None, min_length=1, max_length=200)
    link_token: str | None = Field(default=None, min_length=10, max_length=200)
    phone: FrenchPhone = Field(description="Téléphone portable qui recevra le code à 6 chiffres.")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        phone = french_mobile(value)
        if phone is None:
            raise ValueError("indiquez le numéro de téléphone qui recevra le code.")
        return phone

    @model_validator(mode="after")
    def _one_way(self) -> SignatureCodeBody:
        if (self.convention_ids is None) == (self.link_token is None):
            raise PydanticCustomError(
                CROSS_FIELD_ERROR,
                "convention_ids ou link_token",
                {"fields": [("convention_ids", "Indiquez les conventions à signer (ou le lien reçu par email).")]},
            )
        return self


class SignatureCodeOut(Strict):
    signature_request_id: str
    expires_at: str
    masked_phone: str
    convention_ids: list[int]


class SignBody(Strict):
    signature_request_id: str = Field(min_length=1, max_length=64)
    code: str = Field(pattern=r"^\s*\d{3}\s?\d{3}\s*$", description="Les 6 chiffres reçus par SMS.")
    signature_image: SignatureImage = Field(
        min_length=30, description="Signature dessinée : data URL PNG ou JPEG (2 Mo au plus)."
    )
    link_token: str | None = Field(default=None, min_length=10, max_length=200)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return value.replace(" ", "").strip()


class SignOut(Strict):
    signed: list[int]


# -- events -----------------------------------------------------------------------------------

APPLICATION_SUBMITTED = "application_submitted"
APPLICATION_VALIDATED = "application_validated"
APPLICATION_REJECTED = "application_rejected"
APPLICATION_CANCELLED = "application_cancelled"
APPLICATION_EXPIRED = "application_expired"
APPLICATION_APPROVED = "application_approved"
OFFER_SEATS_CHANGED = "offer_seats_changed"
CONVENTION_CREATED = "convention_created"
CONVENTION_READY_TO_SIGN = "convention_ready_to_sign"
CONVENTION_SIGNED_BY_ALL = "convention_signed_by_all"
CONVENTION_DOCUMENT_READY = "convention_document_ready"
# Reminders (conventions' ``reminders``): at most one per application per 7 days, one per
# pending convention per 3 days.
APPLICATIONS_AWAITING_HOST = "applications_awaiting_host"
CONVENTION_AWAITING_SIGNATURES = "convention_awaiting_signatures"


class ApplicationEvent(EventPayload):
    """Who and what an application's notification is about."""

    application_id: int
    offer_id: int
    offer_title: str
    team_id: int
    space_id: int | None
    student_id: int
    student_first_name: str
    student_name: str
    student_email: str
    student_phone: str | None = None
    weeks: list[str]
    status: str
    by_role: str | None = None
    reason: str | None = None


class OfferSeatsChanged(EventPayload):
    """How many pupils an offer has approved; ``sequence`` grows with each change of that offer."""

    offer_id: int
    approved_count: int
    sequence: int


class ConventionEvent(EventPayload):
    """The parties of a convention, for whoever must be told about it."""

    convention_id: int
    offer_title: str
    team_id: int
    space_id: int | None
    school_uai: str | None
    student_id: int
    student_first_name: str
    student_name: str
    student_email: str
    start_date: str
    end_date: str
    legal_representative_name: str | None = None
    legal_representative_email: str | None = None
    legal_representative_phone: str | None = None
    # Only in convention_ready_to_sign: the raw single-use link token of the legal
    # representative (conventions keeps its hash; notifications mails it once).
    link_token: str | None = None


class AwaitingApplication(EventPayload):
    """One application a host's team has not answered: what its reminder lists."""

    application_id: int
    offer_title: str
    student_name: str
    weeks: list[str]
    waiting_since: str  # ISO instant of its last change: it expires 15 days after


class ApplicationsAwaitingHost(EventPayload):
    """The applications of one team's space left unanswered for 7 days, reminded together."""

    team_id: int
    space_id: int | None
    applications: list[AwaitingApplication]


class ConventionAwaitingSignatures(ConventionEvent):
    """A convention ready to sign for 3 days: the signatories still expected (``SIGNATORY_ROLES``
    order); ``link_token`` is the legal representative's new link when they are among them."""

    awaiting: list[SignatoryRole]
