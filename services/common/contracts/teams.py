"""Requests and answers of teams, invitations, spaces and notification settings, shared by the
gateway (validation, OpenAPI) and identity (the same checks at its RPC boundary)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.common.contracts.identity import UserOut

InvitationStatus = Literal["pending", "accepted", "refused", "withdrawn", "expired"]

SPACE_NAME_MAX_LENGTH = 100


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InvitationBody(Strict):
    """Invite someone to join the team by email."""

    email: EmailStr = Field(description="Adresse e-mail de la personne invitée.")


class TokenBody(Strict):
    """The token of the link of an invitation email."""

    token: str = Field(min_length=1, max_length=200, description="Le jeton reçu dans le lien de l'e-mail.")


class SpaceBody(Strict):
    """A space's name, unique within the team whatever its case."""

    name: str = Field(min_length=1, max_length=SPACE_NAME_MAX_LENGTH, description="Nom de l'espace.")


class NotifyBody(Strict):
    notify: bool = Field(description="true : ce membre reçoit les notifications de cet espace.")


class DeleteSpaceQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    move_to: int | None = Field(
        default=None, description="Espace de l'équipe où déplacer d'abord les offres de l'espace supprimé."
    )


class MemberOut(BaseModel):
    user_id: int
    email: str
    first_name: str
    last_name: str
    is_owner: bool
    joined_at: str | None = Field(description="Date et heure d'arrivée dans l'équipe (ISO 8601).")


class SpaceOut(BaseModel):
    id: int
    name: str
    is_default: bool


class InvitationOut(BaseModel):
    id: int
    email: str
    status: InvitationStatus
    expires_at: str
    invited_by: int | None = Field(description="Identifiant du membre qui a invité (null s'il n'existe plus).")
    created_at: str = Field(description="Date de la première invitation (ISO 8601).")
    sent_at: str = Field(
        description="Date du dernier envoi de l'e-mail : la première invitation ou son dernier renvoi."
    )
    sendings: int = Field(description="Nombre d'envois de l'e-mail (1, puis un de plus à chaque renvoi).")


class InvitationPreview(BaseModel):
    """What the invitee reads on the invitation link's page before answering."""

    email: str
    expires_at: str
    inviter_name: str | None = Field(description="Prénom et nom du membre qui invite (null s'il n'existe plus).")


class TeamOut(BaseModel):
    """The caller's team: its members (owner first), its spaces (default first), its pending invitations."""

    members: list[MemberOut]
    spaces: list[SpaceOut]
    invitations: list[InvitationOut] = Field(description="Invitations en attente de réponse et non expirées.")


class JoinedTeamOut(BaseModel):
    """Answer to an accepted invitation: a new session token naming the new team (the previous
    sessions of the account have ended), the user and their new team."""

    token: str
    user: UserOut
    team: TeamOut


class SpaceNotification(BaseModel):
    """Whether one member of the team receives the notifications of a space."""

    user_id: int
    notify: bool
    first_name: str
    last_name: str
