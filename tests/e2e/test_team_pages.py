"""« Tous mes espaces » and the invitation link, as hosts use them in a browser without
JavaScript (the tutorial's step 4, « J'invite »): cookies kept, forms posted with the page's
CSRF token, redirects followed. An owner invites a colleague, who joins from the emailed link
and shares the offers; notifications are set per member and space, never leaving a space
with nobody notified; spaces are created, renamed and deleted; invitations are resent and
withdrawn; members are removed or leave."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.test_search_journey import publish
from tests.support.mailbox import messages_to, text_of, token_in, wait_for_mail
from tests.support.page_session import SESSION_COOKIE, PageSession

pytestmark = pytest.mark.e2e

PASSWORD = "un-mot-de-passe-solide"
TEAM = "/mon-espace/equipe"
JOIN = "/rejoindre-une-equipe"
WARNING = (
    "Attention : les membres de votre équipe ont accès à toutes vos offres, candidatures et conventions, et "
    "peuvent signer les conventions au nom de votre structure. N'invitez que des personnes habilitées."
)


@dataclass
class Host:
    """A host with an account: their browser (logged in through the page) and their API token."""

    email: str
    name: str
    browser: PageSession
    api: dict[str, str]

    @property
    def user_id(self) -> int:
        return self.browser.http.get(self.browser.url("/api/v1/me"), timeout=30).json()["id"]


def new_host(stack, first_name: str) -> Host:
    email = f"{first_name.lower()}-{uuid.uuid4().hex[:6]}@example.fr"
    body = {"email": email, "password": PASSWORD, "first_name": first_name, "last_name": "Durand", "role": "employer"}
    assert requests.post(f"{stack.url}/api/v1/auth/signup", json=body, timeout=30).status_code == 201
    [mail] = wait_for_mail(stack.state_dir, email)
    requests.post(f"{stack.url}/api/v1/auth/confirm", json={"token": token_in(mail)}, timeout=30).raise_for_status()
    login = requests.post(f"{stack.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    browser = PageSession(stack.url)
    browser.log_in(email, PASSWORD, "/offreur/connexion")
    return Host(email, f"{first_name} Durand", browser, {"Authorization": f"Bearer {login.json()['token']}"})


def paris(instant: str) -> str:
    """An ISO 8601 instant as the page writes it: « 07/12/2026 à 17:05 », Paris time."""
    return datetime.fromisoformat(instant).astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y à %H:%M")


def text(html: str) -> str:
    """The page's text as read, tags removed, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL))
    return " ".join(without_tags.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"').split())


class Elements(HTMLParser):
    """Every element's attributes, by id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.ids: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {"tag": tag, **dict(attrs)}
        if attributes.get("id"):
            self.by_id[str(attributes["id"])] = attributes
            self.ids.append(str(attributes["id"]))


def team_page(host: Host) -> tuple[str, Elements]:
    answer = host.browser.get(TEAM)
    assert answer.status_code == 200, answer.text[:500]
    elements = Elements(answer.text)
    assert len(elements.ids) == len(set(elements.ids)), "ids are unique"
    return answer.text, elements


def post(host: Host, fields: dict[str, str | int], path: str = TEAM) -> requests.Response:
    return host.browser.post_form(path, {key: str(value) for key, value in fields.items()})


def followed(host: Host, answer: requests.Response, location: str) -> str:
    """The page a 303 leads to (its flash message shown once), after checking where it leads."""
    assert answer.status_code == 303, answer.text[:500]
    assert answer.headers["Location"] == location
    return text(host.browser.get(location.split("#")[0]).text)


def team(host: Host) -> dict:
    return host.browser.http.get(host.browser.url("/api/v1/team"), timeout=30).json()


def notified(host: Host, space_id: int) -> dict[int, bool]:
    rows = host.browser.http.get(host.browser.url(f"/api/v1/spaces/{space_id}/notifications"), timeout=30).json()
    return {row["user_id"]: row["notify"] for row in rows}


def invite(stack, owner: Host, fields: dict[str, str | int]) -> tuple[requests.Response, str]:
    """Post an invitation form (``invite`` or ``resend``); the answer and the new email's link."""
    pending = {invitation["id"]: invitation["email"] for invitation in team(owner)["invitations"]}
    email = str(fields.get("email") or pending[int(fields["invitation_id"])])
    before = {str(message["Message-ID"]) for message in messages_to(stack.state_dir, email)}
    answer = post(owner, fields)
    deadline = time.monotonic() + 15
    while not (new := [m for m in messages_to(stack.state_dir, email) if str(m["Message-ID"]) not in before]):
        assert time.monotonic() < deadline, f"no new invitation email to {email}"
        time.sleep(0.2)
    [mail] = new
    assert JOIN in text_of(mail)
    return answer, f"{JOIN}?token={token_in(mail)}"


def join(stack, owner: Host, member: Host) -> None:
    """The owner invites the member, who joins from the emailed link."""
    answer, link = invite(stack, owner, {"action": "invite", "email": member.email})
    assert answer.status_code == 303
    opened = member.browser.get(link)
    assert opened.status_code == 200
    assert f"{owner.name} vous invite à rejoindre son équipe" in text(opened.text)  # who invites, before answering
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert post(member, {"action": "accept", "token": token}, link).status_code == 303


def test_a_colleague_invited_by_email_joins_from_the_link_and_shares_the_offers(stack):
    owner, colleague = new_host(stack, "Théophile"), new_host(stack, "Valérie")
    offer = publish(stack, owner.api)

    html, _ = team_page(owner)
    page = text(html)
    for words in ("Tous mes espaces", "Mes espaces", "Créer un espace", "Inviter des membres d'équipe", WARNING):
        assert words in page, words
    assert "Aucune invitation en attente." in page

    # « Inviter »: the email leaves, the invitation is listed with its dates and its actions
    answer, link = invite(stack, owner, {"action": "invite", "email": colleague.email})
    page = followed(owner, answer, f"{TEAM}#invitations")
    assert f"Une invitation a été envoyée à {colleague.email}." in page
    [pending] = team(owner)["invitations"]
    sent = paris(pending["sent_at"])
    assert f"{colleague.email} Envoyée le {sent} · expire le " in page
    assert "Renvoyer l'invitation à " + colleague.email in page

    # The link needs the invitee logged in: the login page brings them back to it, token included
    colleague.browser = PageSession(stack.url)  # the link opened in another browser
    redirect = colleague.browser.get(link, follow=False)
    assert redirect.status_code == 303
    login_url = redirect.headers["Location"]
    assert login_url.startswith("/offreur/connexion?suite=")
    colleague.browser.get(login_url)
    answer = colleague.browser.post_form(login_url, {"email": colleague.email, "password": PASSWORD})
    assert (answer.status_code, answer.headers["Location"]) == (303, link)

    invitation = colleague.browser.get(link)
    assert invitation.headers["Referrer-Policy"] == "no-referrer"
    page = text(invitation.text)
    for words in ("Rejoindre une équipe", "Rejoindre l'équipe", "Refuser l'invitation", "vous suit dans la nouvelle"):
        assert words in page, words
    before = colleague.browser.http.cookies[SESSION_COOKIE]
    token = parse_qs(urlsplit(link).query)["token"][0]
    page = followed(colleague, post(colleague, {"action": "accept", "token": token}, link), TEAM)
    assert "Vous avez rejoint l'équipe" in page
    assert colleague.browser.http.cookies[SESSION_COOKIE] != before  # a new session naming the new team
    assert owner.name in page and "Propriétaire" in page

    # The colleague now sees the team's offers
    offers = colleague.browser.http.get(colleague.browser.url("/api/v1/offers"), timeout=30).json()
    assert offer["id"] in {found["id"] for found in offers["results"]}

    # « Recevoir les notifications »: both are notified; the colleague's is unticked, the owner's stays
    default = next(space for space in team(owner)["spaces"] if space["is_default"])
    owner_id, colleague_id = owner.user_id, colleague.user_id
    assert notified(owner, default["id"]) == {owner_id: True, colleague_id: True}
    html, elements = team_page(owner)
    toggle = elements.by_id[f"notifications-{default['id']}-{colleague_id}"]
    assert toggle["name"] == "notify" and "checked" in toggle and "disabled" not in toggle
    assert "data-autosubmit" in toggle
    label = re.search(rf'for="notifications-{default["id"]}-{colleague_id}"[^>]*>(.*?)</label>', html, re.DOTALL)
    assert (
        label and text(label.group(1)) == f"Recevoir les notifications : {colleague.name}, espace « {default['name']} »"
    )
    answer = post(owner, {"action": "notify", "space_id": default["id"], "user_id": colleague_id})
    page = followed(owner, answer, f"{TEAM}#espace-{default['id']}")
    assert f"{colleague.name} ne recevra plus les notifications de l'espace « {default['name']} »." in page
    assert notified(owner, default["id"]) == {owner_id: True, colleague_id: False}

    # The last one notified cannot untick: the toggle is disabled and the page says why
    html, elements = team_page(owner)
    toggle = elements.by_id[f"notifications-{default['id']}-{owner_id}"]
    assert "disabled" in toggle and "checked" in toggle
    assert toggle["aria-describedby"] == f"espace-{default['id']}-seul"
    sentence = text(html).split("Au moins une personne", 1)[1].split(".", 1)[0]
    assert sentence == f" doit recevoir les notifications de cet espace : {owner.name} est la seule"
    assert f"notifications-{default['id']}-{colleague_id}" in elements.by_id  # still a toggle to tick again
    # a forged form gets the service's 409 in French, and nothing changes
    refused = post(colleague, {"action": "notify", "space_id": default["id"], "user_id": owner_id})
    assert refused.status_code == 409
    assert "Au moins un membre de l'équipe doit recevoir les notifications de cet espace." in text(refused.text)
    assert notified(owner, default["id"]) == {owner_id: True, colleague_id: False}
    # ticking again works from either account
    answer = post(colleague, {"action": "notify", "space_id": default["id"], "user_id": colleague_id, "notify": "1"})
    assert "Valérie Durand recevra les notifications" in followed(colleague, answer, f"{TEAM}#espace-{default['id']}")
    assert notified(owner, default["id"]) == {owner_id: True, colleague_id: True}


def test_spaces_are_created_renamed_and_deleted_with_their_offers_moved(stack):
    owner = new_host(stack, "Jeanne")
    default = team(owner)["spaces"][0]
    site = f"Lyon {uuid.uuid4().hex[:4]}"

    created = post(owner, {"action": "create_space", "name": site})
    lyon = next(space for space in team(owner)["spaces"] if space["name"] == site)
    assert f"L'espace « {site} » est créé" in followed(owner, created, f"{TEAM}#espace-{lyon['id']}")

    # the same name in another case is refused at the field, what was typed kept
    refused = post(owner, {"action": "create_space", "name": site.upper()})
    assert refused.status_code == 409
    elements = Elements(refused.text)
    assert elements.by_id["f-name"]["aria-invalid"] == "true" and elements.by_id["f-name"]["value"] == site.upper()
    assert "Un espace de l'équipe porte déjà ce nom." in text(refused.text)
    assert 'href="#f-name"' in refused.text  # the error summary leads to the field
    empty = post(owner, {"action": "create_space", "name": "  "})
    assert empty.status_code == 422 and Elements(empty.text).by_id["f-name"]["aria-invalid"] == "true"

    # rename, and a rename refused at its own field
    renamed = f"{site} Part-Dieu"
    answer = post(owner, {"action": "rename_space", "space_id": lyon["id"], f"spaces.{lyon['id']}.name": renamed})
    assert f"L'espace s'appelle maintenant « {renamed} »." in followed(owner, answer, f"{TEAM}#espace-{lyon['id']}")
    clash = post(
        owner, {"action": "rename_space", "space_id": lyon["id"], f"spaces.{lyon['id']}.name": default["name"]}
    )
    assert clash.status_code == 409
    field = Elements(clash.text).by_id[f"f-spaces-{lyon['id']}-name"]
    assert field["aria-invalid"] == "true" and field["value"] == default["name"]

    # the default space cannot be deleted: the page says so, a forged form is refused
    html, elements = team_page(owner)
    assert "C'est l'espace par défaut de l'équipe : il ne peut pas être supprimé." in text(html)
    forged = post(owner, {"action": "delete_space", "space_id": default["id"], "confirme": "oui"})
    assert forged.status_code == 409
    assert "L'espace par défaut de l'équipe ne peut pas être supprimé." in text(forged.text)

    # a space holding an offer: its count shown, the space its offers go to chosen, confirmed
    offer = publish(stack, owner.api, space_id=lyon["id"])
    html, elements = team_page(owner)
    assert re.search(re.escape(renamed) + r" 1 offre ", text(html))
    assert elements.by_id[f"f-spaces-{lyon['id']}-move-to"]["tag"] == "select"
    fields = {"action": "delete_space", "space_id": lyon["id"], f"spaces.{lyon['id']}.move_to": default["id"]}
    asked = post(owner, fields)
    assert asked.status_code == 200
    assert f"Supprimer l'espace « {renamed} » ? Ses offres passeront dans l'espace « {default['name']} »." in text(
        asked.text
    )
    assert 'name="confirme" value="oui"' in asked.text
    assert {space["id"] for space in team(owner)["spaces"]} == {default["id"], lyon["id"]}  # nothing yet
    page = followed(owner, post(owner, {**fields, "confirme": "oui"}), TEAM)
    assert (
        f"L'espace « {renamed} » est supprimé. Ses offres sont maintenant dans l'espace « {default['name']} »." in page
    )
    assert [space["id"] for space in team(owner)["spaces"]] == [default["id"]]
    moved = requests.get(f"{stack.url}/api/v1/offers/{offer['id']}", headers=owner.api, timeout=30).json()
    assert moved["space_id"] == default["id"]

    # an empty space goes at once, once confirmed
    post(owner, {"action": "create_space", "name": "Atelier"})
    atelier = next(space for space in team(owner)["spaces"] if space["name"] == "Atelier")
    answer = post(owner, {"action": "delete_space", "space_id": atelier["id"], "confirme": "oui"})
    assert "L'espace « Atelier » est supprimé." in followed(owner, answer, TEAM)


def test_invitations_are_resent_withdrawn_refused_and_only_for_their_addressee(stack):
    owner, invitee, stranger = new_host(stack, "Paul"), new_host(stack, "Zoé"), new_host(stack, "Hugo")
    _, first_link = invite(stack, owner, {"action": "invite", "email": invitee.email})
    [pending] = team(owner)["invitations"]

    # « Renvoyer l'invitation »: the same invitation, a new email whose link replaces the first one
    answer, second_link = invite(stack, owner, {"action": "resend", "invitation_id": pending["id"]})
    page = followed(owner, answer, f"{TEAM}#invitations")
    assert f"L'invitation a été renvoyée à {invitee.email}" in page
    [resent] = team(owner)["invitations"]
    assert (resent["id"], resent["sendings"]) == (pending["id"], 2) and resent["sent_at"] > pending["sent_at"]
    assert f"{invitee.email} Envoyée le {paris(resent['sent_at'])} (2e envoi) · expire le " in page
    assert second_link != first_link
    # Zoé is alone in her team: the email and the link's page say her space and offers come along.
    [*_, mail] = messages_to(stack.state_dir, invitee.email)
    assert "votre espace « Espace principal » et ses offres rejoindront l'équipe de Paul Durand" in " ".join(
        text_of(mail).split()
    )
    opened = text(invitee.browser.get(second_link).text)
    assert "Vous êtes la seule personne de votre équipe actuelle : votre espace « Espace principal » vous suit" in (
        opened
    )
    # The API's route: another team's invitation is not found; the team's own answers it as listed.
    api = invitee.browser.url(f"/api/v1/team/invitations/{pending['id']}/resend")
    foreign = requests.post(api, headers=stranger.api, timeout=30)
    assert (foreign.status_code, foreign.json()["code"]) == (404, "NOT_FOUND")
    assert team(owner)["invitations"] == [resent]
    first_token = parse_qs(urlsplit(first_link).query)["token"][0]
    refused = post(invitee, {"action": "accept", "token": first_token}, first_link)
    assert refused.status_code == 404
    assert "Invitation introuvable" in text(refused.text) and "Rejoindre l'équipe" not in text(refused.text)

    # someone else logged in with the link: told in words, offered to log in with another account
    second_token = parse_qs(urlsplit(second_link).query)["token"][0]
    wrong = post(stranger, {"action": "accept", "token": second_token}, second_link)
    assert wrong.status_code == 403
    assert "Cette invitation ne vous est pas destinée" in text(wrong.text)
    assert "Se connecter avec un autre compte" in text(wrong.text)
    switched = post(stranger, {"action": "switch", "token": second_token}, second_link)
    assert switched.status_code == 303 and not stranger.browser.logged_in
    assert switched.headers["Location"] == "/offreur/connexion?suite=" + second_link.replace("?", "%3F").replace(
        "=", "%3D"
    )

    # « Retirer »: the link stops working
    [pending] = team(owner)["invitations"]
    answer = post(owner, {"action": "withdraw", "invitation_id": pending["id"]})
    assert f"L'invitation de {invitee.email} est retirée" in followed(owner, answer, f"{TEAM}#invitations")
    assert team(owner)["invitations"] == []
    assert post(invitee, {"action": "accept", "token": second_token}, second_link).status_code == 404

    # a link without its token
    incomplete = invitee.browser.get(JOIN)
    assert incomplete.status_code == 400 and "Ce lien d'invitation est incomplet" in text(incomplete.text)

    # « Refuser l'invitation »
    _, link = invite(stack, owner, {"action": "invite", "email": invitee.email})
    token = parse_qs(urlsplit(link).query)["token"][0]
    page = followed(invitee, post(invitee, {"action": "refuse", "token": token}, link), TEAM)
    assert "Vous avez refusé l'invitation." in page
    assert [member["email"] for member in team(invitee)["members"]] == [invitee.email]
    assert team(owner)["invitations"] == []


def test_the_owner_removes_a_member_after_confirming_and_a_member_leaves(stack):
    owner, removed, leaving = new_host(stack, "Anne"), new_host(stack, "Bruno"), new_host(stack, "Chloé")
    join(stack, owner, removed)
    join(stack, owner, leaving)
    removed_id, leaving_id, owner_id = removed.user_id, leaving.user_id, owner.user_id

    # the owner sees « Retirer de l'équipe » for the others; a member sees « Quitter l'équipe » for themselves
    html, _ = team_page(owner)
    assert f"Retirer de l'équipe : {removed.name}" in text(html) and "Quitter l'équipe" not in text(html)
    html, _ = team_page(leaving)
    assert "Quitter l'équipe" in text(html) and "Retirer de l'équipe :" not in text(html)
    assert "Seul le propriétaire de l'équipe peut en retirer un membre." in text(html)
    forged = post(leaving, {"action": "remove_member", "user_id": removed_id, "confirme": "oui"})
    assert forged.status_code == 403
    assert "Seul le propriétaire de l'équipe peut en retirer un autre membre." in text(forged.text)

    # without the modal's confirmation, a confirmation page first
    asked = post(owner, {"action": "remove_member", "user_id": removed_id})
    assert asked.status_code == 200 and f"Retirer {removed.name} de l'équipe ?" in text(asked.text)
    assert removed_id in {member["user_id"] for member in team(owner)["members"]}
    answer = post(owner, {"action": "remove_member", "user_id": removed_id, "confirme": "oui"})
    assert f"{removed.name} ne fait plus partie de l'équipe." in followed(owner, answer, f"{TEAM}#membres")
    # the removed member's session has ended: back to the login page
    assert removed.browser.get(TEAM, follow=False).headers["Location"] == "/offreur/connexion?suite=/mon-espace/equipe"

    # leaving: the session ends, the login page says so
    answer = post(leaving, {"action": "remove_member", "user_id": leaving_id, "confirme": "oui"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/offreur/connexion?suite=/mon-espace/equipe"
    assert not leaving.browser.logged_in
    assert "Vous avez quitté l'équipe." in text(leaving.browser.get(answer.headers["Location"]).text)
    assert [member["user_id"] for member in team(owner)["members"]] == [owner_id]


def test_the_former_team_address_leads_to_tous_mes_espaces(stack):
    answer = requests.get(f"{stack.url}/mon-equipe", allow_redirects=False, timeout=30)
    assert (answer.status_code, answer.headers["Location"]) == (301, TEAM)
