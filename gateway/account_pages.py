"""Pages of accounts (the tutorial's step 1, « Je me connecte »): home, « Mon Espace », log in,
sign up, the emailed confirmation link, forgotten password, log out, and the footer's pages."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from gateway import web_session
from gateway.client_address import client_address
from gateway.error_statuses import is_server_side, status_of
from gateway.page_routing import ROLE_HOME, FormErrors, Page, form_dict, page, safe_next
from services.common.contracts.identity import PASSWORD_MIN_LENGTH
from services.common.errors import DomainError

# Who "Je suis un offreur / un élève / un établissement" leads to.
AUDIENCES = {
    "offreur": {"title": "Je suis un offreur", "role": "employer", "signup": "/offreur/inscription"},
    "eleve": {"title": "Je suis un élève", "role": "student", "signup": "/eleve/inscription"},
    "etablissement": {
        "title": "Je suis un établissement",
        "role": "school_manager",
        "signup": "/etablissement/inscription",
    },
}
PASSWORD_RULES = [f"{PASSWORD_MIN_LENGTH} caractères minimum"]
SIGNUP_LABELS = {
    "first_name": "Prénom",
    "last_name": "Nom",
    "email": "Adresse électronique",
    "password": "Mot de passe",
}
LEGAL_PAGES = {
    "accessibilite": "Déclaration d'accessibilité",
    "mentions-legales": "Mentions légales",
    "donnees-personnelles": "Données personnelles",
}


def _logged_in(current: Page, login: dict[str, Any], target: str, flash: str | None = None) -> Response:
    """Keep the new session in the browser's cookie and go on to ``target``."""
    token = login["token"]
    claims = current.service.auth.verified.claims(current.service.auth.key, token)
    current.on_response(lambda response: web_session.keep_session(response, token, claims.expires_at))
    return current.redirect(target, flash)


def signup_errors(exc: DomainError) -> FormErrors:
    """A refused sign-up as its form shows it (an address already taken said at its field);
    a service that did not answer goes on to the error page."""
    if is_server_side(exc):
        raise exc
    errors = FormErrors.of(exc)
    if exc.code == "EMAIL_TAKEN":
        errors.add("email", exc.message)
    return errors


def _home_of(role: str) -> str:
    return ROLE_HOME.get(role, "/")


class AccountPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    auth: Any

    @page("GET", "/", "Page d'accueil")
    def home_page(self, current: Page) -> Response:
        return current.render("home.html", audiences=AUDIENCES)

    @page("GET", "/mon-espace", "Mon Espace : choisir son profil, ou son espace une fois connecté")
    def my_space_page(self, current: Page) -> Response:
        if current.user is not None:
            return current.redirect(_home_of(current.user.role))
        return current.render("my_space.html", audiences=AUDIENCES)

    @page("GET,POST", "/connexion", "Se connecter")
    def login_page(self, current: Page) -> Response:
        return self._login(current, None)

    @page("GET,POST", "/<audience>/connexion", "Se connecter (offreur, élève, établissement)")
    def audience_login_page(self, current: Page) -> Response:
        audience = current.call.path["audience"]
        if audience not in AUDIENCES:
            raise DomainError("NOT_FOUND", "Cette page n'existe pas.")
        return self._login(current, audience)

    def _login(self, current: Page, audience: str | None) -> Response:
        target = current.args.get("suite")
        values = {"email": ""}
        errors = FormErrors()
        if current.method == "POST":
            values = form_dict(current.form, "email")
            password = current.form.get("password") or ""
            if not values["email"]:
                errors.add("email", "Indiquez votre adresse électronique.")
            if not password:
                errors.add("password", "Indiquez votre mot de passe.")
            if not errors:
                try:
                    login = self.identity.login(
                        {"email": values["email"], "password": password},
                        client_address(current.call.request),
                        web_session.device_token(current.call.request),
                    )
                except DomainError as exc:
                    if is_server_side(exc):
                        raise
                    errors = FormErrors(exc.message)
                else:
                    current.on_response(lambda response: web_session.keep_device(response, login["device"]))
                    return _logged_in(current, login, safe_next(target, _home_of(login["user"]["role"])))
        return current.render(
            "login.html",
            status=422 if errors else 200,
            audience=AUDIENCES.get(audience or ""),
            audience_key=audience,
            values=values,
            errors=errors,
            suite=target if target and safe_next(target, "") else "",
        )

    @page("GET,POST", "/offreur/inscription", "Créer un compte d'offreur")
    def host_signup_page(self, current: Page) -> Response:
        values = {name: "" for name in ("first_name", "last_name", "email")}
        errors = FormErrors()
        if current.method == "POST":
            values = form_dict(current.form, "first_name", "last_name", "email")
            body = {**values, "password": current.form.get("password") or "", "role": "employer"}
            try:
                self.identity.signup(body, client_address(current.call.request))
            except DomainError as exc:
                errors = signup_errors(exc)
            else:
                return current.render("signup_sent.html", email=values["email"])
        return current.render(
            "signup.html",
            status=422 if errors else 200,
            values=values,
            errors=errors,
            labels=SIGNUP_LABELS,
            password_rules=PASSWORD_RULES,
        )

    @page(
        "GET",
        "/confirmer-mon-email",
        "Le lien de confirmation reçu par e-mail : confirme et connecte",
        referrer_policy="no-referrer",
    )
    def confirm_page(self, current: Page) -> Response:
        token = current.args.get("token") or ""
        try:
            login = self.identity.confirm_email_and_log_in({"token": token}, client_address(current.call.request))
        except DomainError as exc:
            if is_server_side(exc):
                raise
            return current.render(
                "confirm_failed.html", status=status_of(exc) if status_of(exc) in (404, 410) else 400, error=exc
            )
        confirmed = "Votre adresse électronique est confirmée : vous êtes connecté."
        return _logged_in(current, login, _home_of(login["user"]["role"]), confirmed)

    @page("GET,POST", "/mot-de-passe-oublie", "Mot de passe oublié")
    def password_forgotten_page(self, current: Page) -> Response:
        values = {"email": ""}
        errors = FormErrors()
        if current.method == "POST":
            values = form_dict(current.form, "email")
            if not values["email"]:
                errors.add("email", "Indiquez votre adresse électronique.")
            else:
                try:
                    self.identity.request_password_reset(
                        {"email": values["email"]}, client_address(current.call.request)
                    )
                except DomainError as exc:
                    if status_of(exc) != 429:
                        raise
                    errors = FormErrors(exc.message)
                    return current.render("password_forgotten.html", status=429, values=values, errors=errors)
                return current.redirect(
                    "/connexion",
                    "Si un compte existe pour cette adresse, un e-mail de réinitialisation vient d'être envoyé.",
                    kind="info",
                )
        return current.render("password_forgotten.html", status=422 if errors else 200, values=values, errors=errors)

    @page(
        "GET,POST",
        "/nouveau-mot-de-passe",
        "Choisir un nouveau mot de passe (lien reçu par e-mail)",
        referrer_policy="no-referrer",
    )
    def new_password_page(self, current: Page) -> Response:
        token = current.args.get("token") or current.form.get("token") or ""
        errors = FormErrors()
        if current.method == "POST":
            try:
                ended = self.identity.reset_password(
                    {"token": token, "password": current.form.get("password") or ""},
                    client_address(current.call.request),
                )
            except DomainError as exc:
                if is_server_side(exc):
                    raise
                errors = FormErrors.of(exc)
            else:
                for session_id in ended:
                    self.auth.revoke(session_id)
                current.on_response(web_session.end_session)
                return current.redirect("/connexion", "Votre mot de passe a été modifié : connectez-vous.")
        return current.render(
            "password_new.html",
            status=422 if errors else 200,
            token=token,
            errors=errors,
            password_rules=PASSWORD_RULES,
        )

    @page("POST", "/deconnexion", "Se déconnecter")
    def logout_page(self, current: Page) -> Response:
        if current.user is not None:
            self.identity.logout(current.user.session_id)
            self.auth.revoke(current.user.session_id)
        current.on_response(web_session.end_session)
        return current.redirect("/", "Vous êtes déconnecté.", kind="info")

    @page("GET", "/favicon.ico", "L'icône du site (celle du DSFR)")
    def favicon(self, current: Page) -> Response:
        return current.finish(Response(status=301, headers={"Location": "/static/dsfr/favicon/favicon.ico"}))

    @page("GET", "/<path:unknown>", "Toute autre adresse : la page « Page introuvable »")
    def unknown_page(self, current: Page) -> Response:
        raise DomainError("NOT_FOUND", "Cette page n'existe pas.")

    @page("GET", "/<legal_page>", "Accessibilité, mentions légales, données personnelles")
    def legal_page(self, current: Page) -> Response:
        name = current.call.path["legal_page"]
        if name not in LEGAL_PAGES:
            raise DomainError("NOT_FOUND", "Cette page n'existe pas.")
        return current.render(f"legal/{name}.html", title=LEGAL_PAGES[name])
