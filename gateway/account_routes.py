"""Routes of accounts (the identity service): sign-up, email confirmation, login, logout,
password reset and the logged-in user."""

from __future__ import annotations

from typing import Any

from gateway.routing import Call, route
from services.common.contracts.identity import (
    ConfirmRequest,
    LoginOut,
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    SignupRequest,
    UserOut,
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
        errors=(409,),
    )
    def signup(self, call: Call) -> dict[str, Any]:
        return self.identity.signup(call.body.model_dump(mode="json"))

    @route(
        "POST",
        "/api/v1/auth/confirm",
        summary="Confirmer l'adresse e-mail avec le jeton reçu",
        tag="comptes",
        body=ConfirmRequest,
        response=UserOut,
        auth=False,
        errors=(410,),
    )
    def confirm(self, call: Call) -> dict[str, Any]:
        return self.identity.confirm_email(call.body.model_dump())

    @route(
        "POST",
        "/api/v1/auth/login",
        summary="Se connecter",
        tag="comptes",
        body=LoginRequest,
        response=LoginOut,
        auth=False,
        errors=(401, 403, 429),
        description="Après 10 échecs en 15 minutes pour une adresse, 429 avec l'en-tête Retry-After.",
    )
    def login(self, call: Call) -> dict[str, Any]:
        return self.identity.login(call.body.model_dump(), call.client_ip)

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
        description="Même réponse que l'adresse ait un compte ou non.",
    )
    def password_reset(self, call: Call) -> dict[str, str]:
        self.identity.request_password_reset(call.body.model_dump())
        return {"message": "Si un compte existe pour cette adresse, un e-mail de réinitialisation a été envoyé."}

    @route(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        summary="Choisir un nouveau mot de passe avec le jeton reçu",
        tag="comptes",
        body=PasswordResetConfirm,
        auth=False,
        errors=(410,),
    )
    def password_reset_confirm(self, call: Call) -> dict[str, str]:
        # Other gateways hear of the ended sessions through session_revoked events.
        for session_id in self.identity.reset_password(call.body.model_dump()):
            self.auth.revoke(session_id)
        return {"message": "Votre mot de passe a été modifié. Vous pouvez vous connecter."}

    @route("GET", "/api/v1/me", summary="L'utilisateur connecté", tag="comptes", response=UserOut)
    def me(self, call: Call) -> dict[str, Any]:
        return self.identity.get_user(call.claims.user_id)
