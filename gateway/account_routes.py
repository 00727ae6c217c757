"""Routes of accounts (the identity service): sign-up, email confirmation, login, logout,
password reset and the logged-in user."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from gateway import web_session
from gateway.client_address import client_address
from gateway.routing import Call, json_response, route
from services.common.contracts.identity import (
    ConfirmRequest,
    LoginOut,
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    SignupRequest,
    UserOut,
)

RESEND_ANSWER = "Si un compte reste à confirmer pour cette adresse, un nouvel e-mail de confirmation a été envoyé."
# identity limits both emails asked for by address alike, and both links' tokens alike (services/identity/rules.py).
EMAIL_REQUEST_LIMITS = (
    "Au plus 3 demandes par quart d'heure pour une adresse e-mail et 30 pour une adresse IP : 429 avec Retry-After."
)
LINK_REFUSALS = (
    "Jeton inconnu ou déjà utilisé : 422 ; expiré : 410. Après 30 jetons refusés en 15 minutes pour une adresse IP, "
    "429 avec Retry-After."
)


class AccountRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    auth: Any

    @route(
        "POST",
        "/api/v1/auth/signup",
        summary="Créer un compte (un e-mail de confirmation est envoyé)",
        tag="comptes",
        body=SignupRequest,
        response=UserOut,
        status=201,
        auth=False,
        errors=(429,),
        description=(
            "Même réponse qu'une adresse ait déjà un compte ou non : son titulaire reçoit alors un e-mail "
            "(se connecter, ou choisir un nouveau mot de passe) et aucun compte n'est créé. Au plus 3 "
            "inscriptions par heure pour une adresse e-mail et 100 par heure pour une adresse IP : 429 avec "
            "Retry-After."
        ),
    )
    def signup(self, call: Call) -> dict[str, Any]:
        return self.identity.signup(call.body.model_dump(mode="json"), client_address(call.request))

    @route(
        "POST",
        "/api/v1/auth/confirm/resend",
        summary="Recevoir à nouveau l'e-mail de confirmation",
        tag="comptes",
        body=PasswordResetRequest,
        status=202,
        auth=False,
        errors=(429,),
        description=(
            "Même réponse que l'adresse ait un compte à confirmer ou non ; le lien précédent ne fonctionne plus. "
            + EMAIL_REQUEST_LIMITS
        ),
    )
    def resend_confirmation(self, call: Call) -> dict[str, str]:
        self.identity.resend_confirmation(call.body.model_dump(), client_address(call.request))
        return {"message": RESEND_ANSWER}

    @route(
        "POST",
        "/api/v1/auth/confirm",
        summary="Confirmer l'adresse e-mail avec le jeton reçu",
        tag="comptes",
        body=ConfirmRequest,
        response=UserOut,
        auth=False,
        errors=(410, 429),
        description=LINK_REFUSALS,
    )
    def confirm(self, call: Call) -> dict[str, Any]:
        return self.identity.confirm_email(call.body.model_dump(), client_address(call.request))

    @route(
        "POST",
        "/api/v1/auth/login",
        summary="Se connecter",
        tag="comptes",
        body=LoginRequest,
        response=LoginOut,
        auth=False,
        errors=(401, 403, 429),
        description=(
            "Après 10 échecs en 15 minutes pour une adresse e-mail, ou 50 pour une adresse IP, 429 avec "
            "l'en-tête Retry-After, sauf depuis un appareil où ce compte s'est déjà connecté (cookie "
            "e1s_device, posé à chaque connexion réussie ; ses propres échecs sont limités à 10 en 15 minutes). "
            "Une réinitialisation du mot de passe lève la limite du compte."
        ),
    )
    def login(self, call: Call) -> Response:
        login = self.identity.login(
            call.body.model_dump(), client_address(call.request), web_session.device_token(call.request)
        )
        response = json_response({"token": login["token"], "user": login["user"]})
        web_session.keep_device(response, login["device"])
        return response

    @route(
        "POST", "/api/v1/auth/logout", summary="Se déconnecter : le jeton ne fonctionne plus", tag="comptes", status=204
    )
    def logout(self, call: Call) -> None:
        self.identity.logout(call.claims.session_id)
        self.auth.revoke(call.claims.session_id)

    @route(
        "POST",
        "/api/v1/auth/password-reset",
        summary="Recevoir un lien de réinitialisation du mot de passe",
        tag="comptes",
        body=PasswordResetRequest,
        status=202,
        auth=False,
        errors=(429,),
        description=(
            "Même réponse que l'adresse ait un compte ou non ; un lien plus ancien ne fonctionne plus. "
            + EMAIL_REQUEST_LIMITS
        ),
    )
    def password_reset(self, call: Call) -> dict[str, str]:
        self.identity.request_password_reset(call.body.model_dump(), client_address(call.request))
        return {"message": "Si un compte existe pour cette adresse, un e-mail de réinitialisation a été envoyé."}

    @route(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        summary="Choisir un nouveau mot de passe avec le jeton reçu",
        tag="comptes",
        body=PasswordResetConfirm,
        auth=False,
        errors=(410, 429),
        description=LINK_REFUSALS,
    )
    def password_reset_confirm(self, call: Call) -> dict[str, str]:
        # Other gateways hear of the ended sessions through session_revoked events.
        for session_id in self.identity.reset_password(call.body.model_dump(), client_address(call.request)):
            self.auth.revoke(session_id)
        return {"message": "Votre mot de passe a été modifié. Vous pouvez vous connecter."}

    @route("GET", "/api/v1/me", summary="L'utilisateur connecté", tag="comptes", response=UserOut)
    def me(self, call: Call) -> dict[str, Any]:
        return self.identity.get_user(call.claims.user_id)
