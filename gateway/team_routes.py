"""Routes of a host's team (the identity service): members, invitations, spaces and the
per-space notification settings. Identity decides what the caller may reach."""

from __future__ import annotations

from typing import Any

from gateway.client_address import client_address
from gateway.routing import Call, route
from services.common.contracts.teams import (
    DeleteSpaceQuery,
    InvitationBody,
    InvitationOut,
    JoinedTeamOut,
    NotifyBody,
    SpaceBody,
    SpaceNotification,
    SpaceOut,
    TeamOut,
    TokenBody,
)

TAG = "équipe"
SPACE = "/api/v1/spaces/<int:space_id>"
INVITATIONS = "/api/v1/team/invitations"


class TeamRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    auth: Any

    @route(
        "GET",
        "/api/v1/team",
        summary="Mon équipe : membres, espaces, invitations en attente",
        tag=TAG,
        response=TeamOut,
        errors=(403,),
    )
    def get_team(self, call: Call) -> dict[str, Any]:
        return self.identity.get_team(call.actor)

    @route(
        "POST",
        INVITATIONS,
        summary="Inviter un collègue par e-mail",
        tag=TAG,
        body=InvitationBody,
        response=InvitationOut,
        status=201,
        errors=(403, 409),
        description=(
            "Tout membre peut inviter. Un e-mail avec un lien (valable 7 jours) est envoyé ; une invitation "
            "en attente à la même adresse est remplacée. 409 ALREADY_MEMBER si la personne est déjà membre."
        ),
    )
    def invite_to_team(self, call: Call) -> dict[str, Any]:
        return self.identity.invite_to_team(call.actor, call.body.model_dump(mode="json"))

    @route(
        "POST",
        INVITATIONS + "/<int:invitation_id>/resend",
        summary="Renvoyer une invitation en attente",
        tag=TAG,
        response=InvitationOut,
        errors=(404,),
        description=(
            "Tout membre peut renvoyer. Un nouvel e-mail part avec un nouveau lien, valable 7 jours ; le lien "
            "précédent ne fonctionne plus. sent_at devient la date de ce renvoi et sendings compte les envois. "
            "404 pour une invitation d'une autre équipe, retirée ou déjà acceptée ou refusée."
        ),
    )
    def resend_invitation(self, call: Call) -> dict[str, Any]:
        return self.identity.resend_invitation(call.actor, call.path["invitation_id"])

    @route(
        "DELETE",
        INVITATIONS + "/<int:invitation_id>",
        summary="Retirer une invitation en attente",
        tag=TAG,
        status=204,
        errors=(404,),
    )
    def withdraw_invitation(self, call: Call) -> None:
        self.identity.withdraw_invitation(call.actor, call.path["invitation_id"])

    @route(
        "POST",
        INVITATIONS + "/accept",
        summary="Accepter une invitation (la personne invitée, connectée)",
        tag=TAG,
        body=TokenBody,
        response=JoinedTeamOut,
        errors=(403, 404, 409, 410),
        description=(
            "Quitte l'équipe actuelle pour rejoindre celle qui invite. Seul dans son équipe, on apporte ses "
            "espaces et leurs offres (un nom déjà pris reçoit un suffixe) ; sinon rien ne suit. Les sessions "
            "ouvertes se terminent : la réponse contient un nouveau jeton. 403 INVITATION_NOT_FOR_YOU pour "
            "un autre compte que celui de l'adresse invitée, 410 INVITATION_EXPIRED après 7 jours."
        ),
    )
    def accept_invitation(self, call: Call) -> dict[str, Any]:
        joined = self.identity.accept_invitation(call.actor, call.body.model_dump(), client_address(call.request))
        # Identity ended every session of the caller; other gateways hear of it by event.
        self.auth.revoke(call.claims.session_id)
        return joined

    @route(
        "POST",
        INVITATIONS + "/refuse",
        summary="Refuser une invitation (la personne invitée, connectée)",
        tag=TAG,
        body=TokenBody,
        response=InvitationOut,
        errors=(403, 404, 410),
    )
    def refuse_invitation(self, call: Call) -> dict[str, Any]:
        return self.identity.refuse_invitation(call.actor, call.body.model_dump())

    @route(
        "DELETE",
        "/api/v1/team/members/<int:user_id>",
        summary="Retirer un membre de l'équipe, ou la quitter",
        tag=TAG,
        status=204,
        errors=(403, 404, 409),
        description=(
            "Le propriétaire retire un membre ; un membre peut se retirer lui-même. Le membre retiré reçoit "
            "une équipe à lui, vide (les offres restent à l'équipe), et ses sessions se terminent. "
            "409 OWNER_CANNOT_BE_REMOVED pour le propriétaire."
        ),
    )
    def remove_member(self, call: Call) -> None:
        # Other gateways hear of the ended sessions through session_revoked events.
        for session_id in self.identity.remove_member(call.actor, call.path["user_id"]):
            self.auth.revoke(session_id)

    @route(
        "POST",
        "/api/v1/spaces",
        summary="Créer un espace",
        tag=TAG,
        body=SpaceBody,
        response=SpaceOut,
        status=201,
        errors=(403, 409),
        description="Nom unique dans l'équipe, sans tenir compte de la casse (409 SPACE_NAME_TAKEN). "
        "Chaque membre reçoit les notifications du nouvel espace.",
    )
    def create_space(self, call: Call) -> dict[str, Any]:
        return self.identity.create_space(call.actor, call.body.model_dump())

    @route(
        "PATCH",
        SPACE,
        summary="Renommer un espace",
        tag=TAG,
        body=SpaceBody,
        response=SpaceOut,
        errors=(404, 409),
    )
    def rename_space(self, call: Call) -> dict[str, Any]:
        return self.identity.rename_space(call.actor, call.path["space_id"], call.body.model_dump())

    @route(
        "DELETE",
        SPACE,
        summary="Supprimer un espace",
        tag=TAG,
        query=DeleteSpaceQuery,
        status=204,
        errors=(404, 409, 422),
        description=(
            "Seulement s'il ne contient aucune offre (409 SPACE_NOT_EMPTY), ou avec move_to : ses offres "
            "passent d'abord dans cet autre espace de l'équipe. L'espace par défaut ne se supprime pas "
            "(409 DEFAULT_SPACE)."
        ),
    )
    def delete_space(self, call: Call) -> None:
        self.identity.delete_space(call.actor, call.path["space_id"], call.query.move_to)

    @route(
        "GET",
        SPACE + "/notifications",
        summary="Qui reçoit les notifications de cet espace",
        tag=TAG,
        response=SpaceNotification,
        response_is_list=True,
        errors=(404,),
    )
    def space_notifications(self, call: Call) -> list[dict[str, Any]]:
        return self.identity.space_notifications(call.actor, call.path["space_id"])

    @route(
        "PUT",
        SPACE + "/notifications/<int:user_id>",
        summary="Recevoir ou non les notifications de cet espace (pour un membre de l'équipe)",
        tag=TAG,
        body=NotifyBody,
        response=SpaceNotification,
        errors=(404, 409),
        description="Tout membre règle ce réglage pour chacun. 409 LAST_RECIPIENT s'il ne resterait "
        "personne pour recevoir les notifications de l'espace.",
    )
    def set_space_notification(self, call: Call) -> dict[str, Any]:
        return self.identity.set_space_notification(
            call.actor, call.path["space_id"], call.path["user_id"], call.body.model_dump()
        )
