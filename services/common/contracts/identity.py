"""Requests and answers of the identity service, shared by the gateway (validation, OpenAPI)
and identity (the same checks at its RPC boundary)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from services.common.academies import academy_names, find_academy
from services.common.contracts.formats import FrenchPhone, Uai
from services.common.identifiers import is_valid_uai, normalize_phone, normalize_uai
from services.common.validation import CROSS_FIELD_ERROR

Role = Literal["employer", "student", "school_manager", "teacher"]
# Partner API v2 accounts, created by a command (services/identity/create_operator.py):
# nobody signs up as one, so the role stays out of ``Role``.
OPERATOR_ROLE = "operator"
# The platform's administrators (read-only figures), created by services/identity/create_admin.py;
# national, or of one academy. Nobody signs up as one either.
ADMIN_ROLE = "admin"
Grade = Literal["quatrieme", "troisieme", "seconde"]
ROLES_WITH_A_SCHOOL = ("student", "school_manager", "teacher")

PASSWORD_MIN_LENGTH = 12


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_phone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    phone = normalize_phone(value)
    if phone is None:
        raise PydanticCustomError("phone", "Numéro de téléphone invalide.")
    return phone


class SignupRequest(Strict):
    """A new account. Pupils and school staff name their school; pupils their grade."""

    # ``cross_field_errors`` as the document says it.
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"role": {"enum": list(ROLES_WITH_A_SCHOOL)}}, "required": ["role"]},
                    "then": {"required": ["school_uai"], "properties": {"school_uai": {"type": "string"}}},
                },
                {
                    "if": {"properties": {"role": {"const": "student"}}, "required": ["role"]},
                    "then": {"required": ["grade"], "properties": {"grade": {"type": "string"}}},
                },
            ]
        }
    )

    email: EmailStr = Field(description="Adresse e-mail, identifiant de connexion.")
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=256, description="Au moins 12 caractères.")
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    role: Role
    phone: FrenchPhone | None = Field(default=None, description="Mobile, format français ou international.")
    school_uai: Uai | None = Field(default=None, description="UAI de l'établissement (7 chiffres et une lettre).")
    grade: Grade | None = None
    class_name: str | None = Field(default=None, max_length=50)

    _phone = field_validator("phone")(_check_phone)

    @field_validator("school_uai")
    @classmethod
    def _uai(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not is_valid_uai(value):
            raise PydanticCustomError("uai", "Code UAI invalide (7 chiffres et une lettre de contrôle).")
        return normalize_uai(value)

    @classmethod
    def cross_field_errors(cls, data: dict[str, Any]) -> list[tuple[str, str]]:
        """School links a role requires; also run on raw input when other fields fail."""
        errors = []
        if data.get("role") in ROLES_WITH_A_SCHOOL and not data.get("school_uai"):
            errors.append(("school_uai", "Indiquez l'établissement (code UAI)."))
        if data.get("role") == "student" and not data.get("grade"):
            errors.append(("grade", "Indiquez la classe : quatrieme, troisieme ou seconde."))
        return errors

    @model_validator(mode="after")
    def _school_links(self) -> SignupRequest:
        errors = self.cross_field_errors(self.model_dump())
        if errors:
            raise PydanticCustomError(CROSS_FIELD_ERROR, "{fields}", {"fields": errors})
        return self


class ConfirmRequest(Strict):
    token: str = Field(min_length=1, max_length=200)


class LoginRequest(Strict):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class PartnerLoginRequest(BaseModel):
    """Login of the partner API v2. Unknown keys are ignored, as the national platform does."""

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class PartnerToken(BaseModel):
    token: str = Field(description="JWT valable 24 h, à passer en « Authorization: Bearer <token> ».")


class NewOperator(Strict):
    """An operator account, as ``python -m services.identity.create_operator`` takes it."""

    email: EmailStr
    name: str = Field(min_length=1, max_length=100, description="Nom affiché de l'opérateur.")


class NewAdmin(Strict):
    """An administrator account, as ``python -m services.identity.create_admin`` takes it."""

    email: EmailStr
    name: str = Field(min_length=1, max_length=100, description="Nom affiché de l'administrateur.")
    academy: str | None = Field(default=None, description="Académie administrée ; absente : toute la France.")

    @field_validator("academy")
    @classmethod
    def _academy(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        academy = find_academy(value)
        if academy is None:
            raise PydanticCustomError("academy", "Académie inconnue : {names}.", {"names": ", ".join(academy_names())})
        return academy


class PasswordResetRequest(Strict):
    email: str = Field(min_length=1, max_length=320)


class PasswordResetConfirm(Strict):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=256)


class UserOut(BaseModel):
    """A user as the API shows it."""

    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    phone: str | None = None
    school_uai: str | None = None
    grade: str | None = None
    class_name: str | None = None
    team_id: int | None = None
    email_confirmed: bool
    # Administrators of one academy: its name; national administrators and other roles: null.
    academy: str | None = None
    # Teachers: pending until the head of their school confirms them, confirmed or refused.
    staff_status: str | None = None
    created_at: str


class LoginOut(BaseModel):
    token: str
    user: UserOut
