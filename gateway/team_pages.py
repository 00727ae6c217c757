"""Pages of Tous mes espaces (the tutorial's step 4, « J'invite »): spaces and who receives
their notifications, invitations, members; and the page of the emailed invitation link.

Every change is a plain form posted back to the page (``action`` names it), answered by a
redirect with a message (Post/Redirect/Get); a refused change shows the page again with the
API's French message at its field. Removing a member, leaving the team and deleting a space
ask for a confirmation: a DSFR modal when JavaScript runs, else a confirmation page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Response

from gateway import web_session
from gateway.client_address import client_address
from gateway.error_statuses import is_server_side, status_of
from gateway.page_routing import FormErrors, Page, form_dict, page
from services.common.errors import DomainError
from services.common.school_calendar import PARIS, french_date

TEAM_PATH = "/mon-espace/equipe"
JOIN_PATH = "/rejoindre-une-equipe"
HOST_LOGIN = "/offreur/connexion"
CONFIRMED = "oui"
LABELS = {"name": "Nom de l'espace", "email": "Adresse électronique de la personne à inviter"}
JOIN_ERROR_TITLES = {
    "INVITATION_NOT_FOR_YOU": "Cette invitation ne vous est pas destinée",
    "INVITATION_EXPIRED": "Cette invitation a expiré",
    "ALREADY_MEMBER": "Vous faites déjà partie de cette équipe",
    "NOT_FOUND": "Invitation introuvable",
    "VALIDATION_ERROR": "Lien d'invitation invalide",
    "INCOMPLETE_LINK": "Lien d'invitation incomplet",
}
INCOMPLETE_FORM = "Ce formulaire est incomplet : rechargez la page et recommencez."
INCOMPLETE_LINK = "Ce lien d'invitation est incomplet : ouvrez le lien exact reçu par e-mail."


# -- what the page shows, built from the services' answers (plain functions) --------------------


@dataclass(frozen=True)
class Recipient:
    """One member's notification setting for one space."""

    user_id: int
    name: str
    notify: bool
    is_me: bool
    # The only member notified for the space: unticking would leave nobody (409 LAST_RECIPIENT).
    is_sole_recipient: bool


@dataclass(frozen=True)
class SpaceView:
    id: int
    name: str
    is_default: bool
    offers: int
    recipients: list[Recipient]
    # Where its offers may move when it is deleted: the team's other spaces.
    others: list[tuple[int, str]]

    @property
    def sole_recipient(self) -> Recipient | None:
        return next((recipient for recipient in self.recipients if recipient.is_sole_recipient), None)


def member_name(member: Mapping[str, Any]) -> str:
    """« Prénom Nom », or the email when the account has no name."""
    name = f"{member.get('first_name') or ''} {member.get('last_name') or ''}".strip()
    return name or str(member.get("email") or "")


def sole_recipient(settings: Sequence[Mapping[str, Any]]) -> int | None:
    """The user id of the only member notified for a space, if exactly one is."""
    notified = [setting["user_id"] for setting in settings if setting["notify"]]
    return notified[0] if len(notified) == 1 else None


def space_views(
    team: Mapping[str, Any], settings: Mapping[int, Sequence[Mapping[str, Any]]], offers: Mapping[int, int], me: int
) -> list[SpaceView]:
    """Each space of the team with its offers count and its members' settings (in the team's
    order of members: owner first)."""
    names = {member["user_id"]: member_name(member) for member in team["members"]}
    views = []
    for space in team["spaces"]:
        rows = {setting["user_id"]: setting for setting in settings.get(space["id"], [])}
        only = sole_recipient(list(rows.values()))
        recipients = [
            Recipient(
                user_id=member_id,
                name=names[member_id],
                notify=bool(rows[member_id]["notify"]),
                is_me=member_id == me,
                is_sole_recipient=member_id == only,
            )
            for member_id in names
            if member_id in rows
        ]
        others = [(other["id"], other["name"]) for other in team["spaces"] if other["id"] != space["id"]]
        views.append(
            SpaceView(space["id"], space["name"], space["is_default"], offers.get(space["id"], 0), recipients, others)
        )
    return views


def french_instant(value: str) -> str:
    """An ISO 8601 instant as read in France: « 14 décembre 2026 à 18 h 05 »."""
    instant = datetime.fromisoformat(value).astimezone(PARIS)
    return f"{french_date(instant.date())} à {instant.hour} h {instant.minute:02d}"


def numeric_instant(value: str) -> str:
    """An ISO 8601 instant as read in France, in figures: « 07/12/2026 à 17:05 »."""
    return datetime.fromisoformat(value).astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def invitation_views(invitations: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The pending invitations, with their dates as read in France."""
    return [
        {
            "id": invitation["id"],
            "email": invitation["email"],
            "sent": numeric_instant(invitation["sent_at"]),
            "sendings": invitation["sendings"],
            "expires": french_instant(invitation["expires_at"]),
        }
        for invitation in invitations
    ]


def offers_label(count: int) -> str:
    """« Aucune offre », « 1 offre », « 3 offres »."""
    return "Aucune offre" if count == 0 else f"{count} offre" + ("s" if count > 1 else "")


def moving_sentence(spaces: Sequence[str], offers: int) -> str:
    """What comes along when a host alone in their team joins another: their spaces and offers."""
    quoted = [f"« {name} »" for name in spaces]
    names = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " et " + quoted[-1]
    several = len(spaces) > 1
    subject = f"vos espaces {names}" if several else f"votre espace {names}"
    if offers == 0:
        empty = "ils ne contiennent aucune offre" if several else "il ne contient aucune offre"
        moves = f"{subject} vous {'suivent' if several else 'suit'} dans la nouvelle équipe ({empty})"
    else:
        owned = (
            ("leur offre" if several else "son offre")
            if offers == 1
            else f"{'leurs' if several else 'ses'} {offers} offres"
        )
        moves = f"{subject}, avec {owned}, vous {'suivent' if several else 'suit'} dans la nouvelle équipe"
    return (
        f"Vous êtes la seule personne de votre équipe actuelle : {moves}. Un espace dont le nom y est déjà pris "
        "reçoit un numéro, par exemple « Lyon (2) »."
    )


def _form_int(current: Page, name: str) -> int:
    """A number the page's own forms send; 400 when forged or missing."""
    try:
        return int(current.form.get(name) or "")
    except ValueError:
        raise DomainError("BAD_REQUEST", "Ce formulaire est incomplet : rechargez la page et recommencez.") from None


def _refused(
    exc: DomainError, fields: Mapping[str, str] | None = None, conflict_field: str | None = None
) -> FormErrors:
    """The service's refusal as the page's errors: its fields renamed as the page names them
    (``fields``: API path → form field), a conflict shown at ``conflict_field``."""
    errors = FormErrors(exc.message)
    for path, messages in (exc.fields or {}).items():
        for message in messages:
            errors.add((fields or {}).get(path, path), message)
    if not exc.fields and conflict_field:
        errors.add(conflict_field, exc.message)
    return errors


class _Confirm(Exception):
    """A change that needs a confirmation the form did not carry: show the confirmation page."""

    def __init__(self, question: str, detail: str, button: str, fields: dict[str, str]) -> None:
        super().__init__(question)
        self.question, self.detail, self.button, self.fields = question, detail, button, fields


class TeamPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    offers: Any
    auth: Any

    # -- Tous mes espaces -------------------------------------------------------------------

    @page(
        "GET,POST",
        TEAM_PATH,
        "Tous mes espaces : espaces, notifications, invitations et membres de l'équipe",
        roles=("employer",),
        login_path=HOST_LOGIN,
    )
    def team_page(self, current: Page) -> Response:
        errors, values, status = FormErrors(), {"name": "", "email": ""}, 200
        if current.method == "POST":
            action = current.form.get("action") or ""
            handler = self._team_actions().get(action)
            if handler is None:
                raise DomainError("BAD_REQUEST", "Action inconnue : rechargez la page et recommencez.")
            try:
                return handler(current)
            except _Confirm as asked:
                return current.render(
                    "team/confirm.html",
                    question=asked.question,
                    detail=asked.detail,
                    button=asked.button,
                    fields=asked.fields,
                )
            except _Refusal as refusal:
                errors, status = refusal.errors, refusal.status
                values.update(form_dict(current.form, "name", "email"))
                values.update({key: value for key, value in current.form.items() if key.startswith("spaces.")})
        return self._render_team(current, errors, values, status)

    def _team_actions(self) -> dict[str, Callable[[Page], Response]]:
        return {
            "notify": self._set_notification,
            "create_space": self._create_space,
            "rename_space": self._rename_space,
            "delete_space": self._delete_space,
            "invite": self._invite,
            "resend": self._resend,
            "withdraw": self._withdraw,
            "remove_member": self._remove_member,
        }

    def _render_team(self, current: Page, errors: FormErrors, values: dict[str, str], status: int) -> Response:
        actor = current.actor
        assert current.user is not None and actor is not None  # the page needs a logged-in host
        team = self.identity.get_team(actor)
        team_id = current.user.team_id
        # Each space's settings and offers count, asked all at once.
        settings = {
            space["id"]: self.identity.space_notifications.call_async(actor, space["id"]) for space in team["spaces"]
        }
        counts = {
            space["id"]: self.offers.count_space_offers.call_async(team_id, space["id"]) for space in team["spaces"]
        }
        me = current.user.user_id
        spaces = space_views(
            team,
            {space_id: reply.result() for space_id, reply in settings.items()},
            {space_id: reply.result() for space_id, reply in counts.items()},
            me,
        )
        members = [
            {**member, "name": member_name(member), "is_me": member["user_id"] == me} for member in team["members"]
        ]
        labels = dict(LABELS)
        for space in spaces:
            labels[f"spaces.{space.id}.name"] = f"Nouveau nom de l'espace « {space.name} »"
            labels[f"spaces.{space.id}.move_to"] = f"Espace où déplacer les offres de « {space.name} »"
        return current.render(
            "team/spaces.html",
            status=status,
            spaces=spaces,
            members=members,
            i_am_owner=any(member["is_owner"] and member["is_me"] for member in members),
            invitations=invitation_views(team["invitations"]),
            errors=errors,
            values=values,
            labels=labels,
            offers_label=offers_label,
        )

    def _team(self, current: Page) -> dict[str, Any]:
        return self.identity.get_team(current.actor)  # type: ignore[no-any-return]

    def _set_notification(self, current: Page) -> Response:
        space_id, user_id = _form_int(current, "space_id"), _form_int(current, "user_id")
        notify = current.form.get("notify") == "1"
        with _refused_as_form():
            setting = self.identity.set_space_notification(current.actor, space_id, user_id, {"notify": notify})
        space = _named(self._team(current)["spaces"], "id", space_id)
        who = member_name(setting)
        told = "recevra" if notify else "ne recevra plus"
        return current.redirect(
            f"{TEAM_PATH}#espace-{space_id}", f"{who} {told} les notifications de l'espace « {space['name']} »."
        )

    def _create_space(self, current: Page) -> Response:
        name = (current.form.get("name") or "").strip()
        with _refused_as_form(conflict_field="name"):
            space = self.identity.create_space(current.actor, {"name": name})
        return current.redirect(
            f"{TEAM_PATH}#espace-{space['id']}",
            f"L'espace « {space['name']} » est créé : chaque membre de l'équipe reçoit ses notifications.",
        )

    def _rename_space(self, current: Page) -> Response:
        space_id = _form_int(current, "space_id")
        field = f"spaces.{space_id}.name"
        name = (current.form.get(field) or "").strip()
        with _refused_as_form({"name": field}, conflict_field=field):
            space = self.identity.rename_space(current.actor, space_id, {"name": name})
        return current.redirect(f"{TEAM_PATH}#espace-{space_id}", f"L'espace s'appelle maintenant « {space['name']} ».")

    def _delete_space(self, current: Page) -> Response:
        space_id = _form_int(current, "space_id")
        field = f"spaces.{space_id}.move_to"
        move_to = _form_int(current, field) if current.form.get(field) else None
        spaces = self._team(current)["spaces"]
        space = _named(spaces, "id", space_id)
        target = _named(spaces, "id", move_to)["name"] if move_to is not None else None
        if current.form.get("confirme") != CONFIRMED:
            detail = f"Ses offres passeront dans l'espace « {target} »." if target else "La suppression est définitive."
            fields = {"action": "delete_space", "space_id": str(space_id)}
            if move_to is not None:
                fields[field] = str(move_to)
            raise _Confirm(f"Supprimer l'espace « {space['name']} » ?", detail, "Supprimer l'espace", fields)
        with _refused_as_form({"move_to": field}):
            self.identity.delete_space(current.actor, space_id, move_to)
        moved = f" Ses offres sont maintenant dans l'espace « {target} »." if target else ""
        return current.redirect(TEAM_PATH, f"L'espace « {space['name']} » est supprimé.{moved}")

    def _invite(self, current: Page) -> Response:
        email = (current.form.get("email") or "").strip()
        if not email:
            errors = FormErrors()
            errors.add("email", "Indiquez l'adresse électronique de la personne à inviter.")
            raise _Refusal(errors, 422)
        with _refused_as_form(conflict_field="email"):
            invitation = self.identity.invite_to_team(current.actor, {"email": email})
        return current.redirect(
            f"{TEAM_PATH}#invitations",
            f"Une invitation a été envoyée à {invitation['email']}. Le lien qu'elle contient est valable 7 jours.",
        )

    def _pending_invitation(self, current: Page) -> dict[str, Any]:
        invitation_id = _form_int(current, "invitation_id")
        for invitation in self._team(current)["invitations"]:
            if invitation["id"] == invitation_id:
                return invitation  # type: ignore[no-any-return]
        raise _Refusal(FormErrors("Cette invitation n'est plus en attente : elle a reçu une réponse ou a expiré."), 404)

    def _resend(self, current: Page) -> Response:
        invitation = self._pending_invitation(current)
        with _refused_as_form():
            self.identity.resend_invitation(current.actor, invitation["id"])
        return current.redirect(
            f"{TEAM_PATH}#invitations",
            f"L'invitation a été renvoyée à {invitation['email']} : seul le lien du nouvel e-mail fonctionne.",
        )

    def _withdraw(self, current: Page) -> Response:
        invitation = self._pending_invitation(current)
        with _refused_as_form():
            self.identity.withdraw_invitation(current.actor, invitation["id"])
        return current.redirect(
            f"{TEAM_PATH}#invitations",
            f"L'invitation de {invitation['email']} est retirée : son lien ne fonctionne plus.",
            kind="info",
        )

    def _remove_member(self, current: Page) -> Response:
        assert current.user is not None
        user_id = _form_int(current, "user_id")
        leaving = user_id == current.user.user_id
        member = _named(self._team(current)["members"], "user_id", user_id)
        name = member_name(member)
        if current.form.get("confirme") != CONFIRMED:
            fields = {"action": "remove_member", "user_id": str(user_id)}
            if leaving:
                raise _Confirm(
                    "Quitter l'équipe ?",
                    "Vous n'aurez plus accès à ses offres, candidatures et conventions ; vous retrouverez une équipe "
                    "à vous, sans offre. Vous devrez vous reconnecter.",
                    "Quitter l'équipe",
                    fields,
                )
            raise _Confirm(
                f"Retirer {name} de l'équipe ?",
                f"{name} n'aura plus accès aux offres, candidatures et conventions de l'équipe ; ses sessions "
                "ouvertes sont fermées. Les offres restent à l'équipe.",
                "Retirer de l'équipe",
                fields,
            )
        with _refused_as_form():
            ended = self.identity.remove_member(current.actor, user_id)
        # Other gateways hear of the ended sessions through session_revoked events.
        for session_id in ended:
            self.auth.revoke(session_id)
        if leaving:
            current.on_response(web_session.end_session)
            return current.redirect(
                f"{HOST_LOGIN}?suite={quote(TEAM_PATH, safe='/')}",
                "Vous avez quitté l'équipe. Reconnectez-vous pour retrouver votre propre équipe.",
                kind="info",
            )
        return current.redirect(f"{TEAM_PATH}#membres", f"{name} ne fait plus partie de l'équipe.")

    # -- the invitation link ----------------------------------------------------------------

    @page("GET", "/mon-equipe", "Ancienne adresse de la page de l'équipe")
    def former_team_page(self, current: Page) -> Response:
        return current.finish(Response(status=301, headers={"Location": TEAM_PATH}))

    @page(
        "GET,POST",
        JOIN_PATH,
        "Rejoindre une équipe : le lien reçu par e-mail",
        roles=("employer",),
        login_path=HOST_LOGIN,
        referrer_policy="no-referrer",
    )
    def join_team_page(self, current: Page) -> Response:
        assert current.user is not None
        token = (current.form.get("token") if current.method == "POST" else None) or current.args.get("token") or ""
        error: DomainError | None = None
        if not token:
            error = DomainError("INCOMPLETE_LINK", INCOMPLETE_LINK)
        elif current.method == "POST":
            action = current.form.get("action")
            try:
                if action == "accept":
                    return self._accept_invitation(current, token)
                if action == "refuse":
                    self.identity.refuse_invitation(current.actor, {"token": token})
                    return current.redirect(TEAM_PATH, "Vous avez refusé l'invitation.", kind="info")
                if action == "switch":
                    return self._log_out_for(current, token)
                raise DomainError("BAD_REQUEST", "Action inconnue : rechargez la page et recommencez.")
            except DomainError as exc:
                if is_server_side(exc):
                    raise
                error = exc
        invitation: dict[str, Any] | None = None
        if error is None and current.method == "GET":
            # Who invites, and whether this link can be answered at all, before any button is pressed.
            try:
                invitation = self.identity.invitation_preview(current.actor, {"token": token})
            except DomainError as exc:
                if is_server_side(exc):
                    raise
                error = exc
        return current.render(
            "team/join.html",
            status=status_of(error) if error else 200,
            invitation=invitation,
            token=token,
            error=error,
            error_title=JOIN_ERROR_TITLES.get(error.code, "Invitation impossible à accepter") if error else "",
            error_message=_join_error_message(error) if error else "",
            situation=self._situation(current),
        )

    def _accept_invitation(self, current: Page, token: str) -> Response:
        assert current.user is not None
        joined = self.identity.accept_invitation(current.actor, {"token": token}, client_address(current.call.request))
        # Identity ended every session of the invitee (they named the former team): this one
        # too, and the browser keeps the new one instead.
        self.auth.revoke(current.user.session_id)
        new_token = joined["token"]
        claims = self.auth.verified.claims(self.auth.key, new_token)
        current.on_response(lambda response: web_session.keep_session(response, new_token, claims.expires_at))
        return current.redirect(
            TEAM_PATH,
            "Vous avez rejoint l'équipe : vous partagez maintenant ses offres, ses candidatures et ses conventions.",
        )

    def _log_out_for(self, current: Page, token: str) -> Response:
        """Log out, then back to the login page, which brings the invitee back to this link."""
        assert current.user is not None
        self.identity.logout(current.user.session_id)
        self.auth.revoke(current.user.session_id)
        current.on_response(web_session.end_session)
        target = f"{JOIN_PATH}?token={quote(token, safe='')}"
        return current.redirect(
            f"{HOST_LOGIN}?suite={quote(target, safe='/')}",
            "Connectez-vous avec le compte de l'adresse électronique invitée.",
            kind="info",
        )

    def _situation(self, current: Page) -> dict[str, Any]:
        """What joining changes for the invitee: whether their spaces and offers come along."""
        assert current.user is not None
        team = self.identity.get_team(current.actor)
        alone = len(team["members"]) <= 1
        offers = 0
        if alone:
            replies = [
                self.offers.count_space_offers.call_async(current.user.team_id, space["id"]) for space in team["spaces"]
            ]
            offers = sum(reply.result() for reply in replies)
        return {
            "alone": alone,
            "others": len(team["members"]) - 1,
            "sentence": moving_sentence([space["name"] for space in team["spaces"]], offers) if alone else "",
            "owner": any(m["is_owner"] and m["user_id"] == current.user.user_id for m in team["members"]),
        }


class _Refusal(Exception):
    """A change the services refused: the page is shown again with these errors."""

    def __init__(self, errors: FormErrors, status: int) -> None:
        super().__init__(errors.message)
        self.errors, self.status = errors, status

    @classmethod
    def of(
        cls, exc: DomainError, fields: Mapping[str, str] | None = None, conflict_field: str | None = None
    ) -> _Refusal:
        if is_server_side(exc) or status_of(exc) == 401:
            raise exc
        return cls(_refused(exc, fields, conflict_field), status_of(exc))


@contextmanager
def _refused_as_form(fields: Mapping[str, str] | None = None, conflict_field: str | None = None) -> Iterator[None]:
    """A change the services refuse within raises ``_Refusal`` (see ``_Refusal.of``)."""
    try:
        yield
    except DomainError as exc:
        raise _Refusal.of(exc, fields, conflict_field) from None


def _named(rows: Sequence[Mapping[str, Any]], key: str, value: int | None) -> Mapping[str, Any]:
    """The row of the team whose ``key`` is ``value``; 404 when it is no longer there."""
    for row in rows:
        if row[key] == value:
            return row
    raise _Refusal(FormErrors("Cet élément n'existe plus dans l'équipe : la page a été mise à jour."), 404)


def _join_error_message(error: DomainError) -> str:
    if error.code == "VALIDATION_ERROR":
        return "Ce lien d'invitation est invalide : ouvrez le lien exact reçu par e-mail."
    return error.message
