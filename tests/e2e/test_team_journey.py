"""Teams through the gateway, as the offerer tutorial's part 4 shows them: an owner invites a
colleague, who accepts and shares the offers; notification settings per space route a new
application to exactly the right people; a removed member loses access at once. Then the
authorization matrix: every route taking an id, tried by users outside the team."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

from gateway import service as gateway_service  # noqa: F401 - declares every route in ROUTES
from gateway.routing import ROUTES
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, logged_in, publish
from tests.support.accounts import PASSWORD
from tests.support.conventions import HOST_PART, college_week
from tests.support.mailbox import messages_to, text_of, token_in, wait_for_mail, wait_for_mail_containing
from tests.support.page_session import PageSession

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def api(stack, method: str, path: str, headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
    return requests.request(method, f"{stack.url}{path}", headers=headers or {}, timeout=30, **kwargs)


def ok(answer: requests.Response, status: int = 200):
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"
    return answer.json() if answer.content else None


def me(stack, headers: dict[str, str]) -> dict:
    return ok(api(stack, "GET", "/api/v1/me", headers))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def host_with_email(stack) -> tuple[dict[str, str], str]:
    headers = logged_in(stack, "employer")
    return headers, me(stack, headers)["email"]


def invite_and_join(stack, owner: dict[str, str], invitee: dict[str, str], email: str) -> dict[str, str]:
    """The owner invites ``email``; its account accepts from the emailed link; returns its new headers."""
    ok(api(stack, "POST", "/api/v1/team/invitations", owner, json={"email": email}), 201)
    invitation = wait_for_mail_containing(stack.state_dir, email, "rejoindre-une-equipe")
    joined = ok(api(stack, "POST", "/api/v1/team/invitations/accept", invitee, json={"token": token_in(invitation)}))
    # the session that accepted named the old team: it ended, the answer carries a new one
    assert api(stack, "GET", "/api/v1/me", invitee).status_code == 401
    return bearer(joined["token"])


def apply(stack, pupil: dict[str, str], offer: dict) -> dict:
    body = {"weeks": [college_week(-1)], "motivation": "Je voudrais découvrir votre métier.", "phone": "0612345678"}
    return ok(api(stack, "POST", f"/api/v1/offers/{offer['id']}/applications", pupil, json=body), 201)


def count_mentions(stack, email: str, text: str) -> int:
    return sum(text in text_of(message) for message in messages_to(stack.state_dir, email))


def test_invite_share_route_notifications_and_remove(stack, schools):
    owner, owner_email = host_with_email(stack)
    valerie, valerie_email = host_with_email(stack)
    # Valérie worked alone: her space and her offer come along when she joins
    valerie_offer = publish(stack, valerie, place=NEAR_CLAUDEL, college_weeks=[college_week(-1)])
    valerie = invite_and_join(stack, owner, valerie, valerie_email)

    team = ok(api(stack, "GET", "/api/v1/team", owner))
    assert {member["email"] for member in team["members"]} == {owner_email, valerie_email}
    spaces = {space["id"]: space for space in team["spaces"]}
    default = next(space for space in team["spaces"] if space["is_default"])
    moved = next(space for space in team["spaces"] if space["id"] == valerie_offer["space_id"])
    assert not moved["is_default"] and len(spaces) == 2
    owner_offer = publish(stack, owner, place=NEAR_CLAUDEL, college_weeks=[college_week(-1)])

    # both see all the team's offers (full delegation), eventually including the moved one
    deadline = time.monotonic() + 10
    while True:
        seen = [{o["id"] for o in ok(api(stack, "GET", "/api/v1/offers", who))["results"]} for who in (owner, valerie)]
        if all(ids == {owner_offer["id"], valerie_offer["id"]} for ids in seen) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert all(ids == {owner_offer["id"], valerie_offer["id"]} for ids in seen)

    # settings: every member is notified for every space; Théophile unticks Valérie's space
    ids = {member["email"]: member["user_id"] for member in team["members"]}
    rows = ok(api(stack, "GET", f"/api/v1/spaces/{moved['id']}/notifications", owner))
    assert {(row["user_id"], row["notify"]) for row in rows} == {(ids[owner_email], True), (ids[valerie_email], True)}
    path = f"/api/v1/spaces/{moved['id']}/notifications"
    ok(api(stack, "PUT", f"{path}/{ids[owner_email]}", owner, json={"notify": False}))
    last = api(stack, "PUT", f"{path}/{ids[valerie_email]}", owner, json={"notify": False})
    assert (last.status_code, last.json()["code"]) == (409, "LAST_RECIPIENT")

    # a new application to Valérie's offer notifies Valérie only; one to the default space, both
    pupil = logged_in(stack, "student", school_uai=CLAUDEL, grade="troisieme")
    before = {email: len(messages_to(stack.state_dir, email)) for email in (owner_email, valerie_email)}
    apply(stack, pupil, valerie_offer)
    apply(stack, pupil, owner_offer)
    wait_for_mail(stack.state_dir, valerie_email, before[valerie_email] + 2)
    wait_for_mail(stack.state_dir, owner_email, before[owner_email] + 1)
    time.sleep(1)  # a wrong extra email would have arrived by now
    assert count_mentions(stack, valerie_email, valerie_offer["title"]) >= 1
    assert len(messages_to(stack.state_dir, valerie_email)) == before[valerie_email] + 2
    assert len(messages_to(stack.state_dir, owner_email)) == before[owner_email] + 1
    assert default["id"] == owner_offer["space_id"]

    # Valérie is removed: her session ends, the team's data is out of her reach
    ok(api(stack, "DELETE", f"/api/v1/team/members/{ids[valerie_email]}", owner), 204)
    assert api(stack, "GET", f"/api/v1/offers/{owner_offer['id']}", valerie).status_code == 401
    login = ok(api(stack, "POST", "/api/v1/auth/login", json={"email": valerie_email, "password": PASSWORD}))
    valerie = bearer(login["token"])
    assert ok(api(stack, "GET", "/api/v1/offers", valerie))["total"] == 0
    assert api(stack, "GET", f"/api/v1/offers/{valerie_offer['id']}", valerie).status_code == 404
    assert ok(api(stack, "GET", "/api/v1/applications", valerie))["total"] == 0
    assert [m["email"] for m in ok(api(stack, "GET", "/api/v1/team", valerie))["members"]] == [valerie_email]
    # the space she was the last one notified for has a recipient again: the owner
    rows = ok(api(stack, "GET", f"/api/v1/spaces/{moved['id']}/notifications", owner))
    assert rows == [{**rows[0], "user_id": ids[owner_email], "notify": True}]


# -- the authorization matrix ------------------------------------------------------------------

# A body each route accepts, so that only the caller decides the answer.
BODIES = {
    ("PATCH", "/api/v1/offers/{offer_id}"): {"title": "Un autre titre"},
    ("POST", "/api/v1/applications/{application_id}/{action}"): {},
    ("PATCH", "/api/v1/conventions/{convention_id}"): {"tutor_name": "Quelqu'un"},
    ("PATCH", "/api/v1/spaces/{space_id}"): {"name": "Nouveau nom"},
    ("PUT", "/api/v1/spaces/{space_id}/notifications/{user_id}"): {"notify": False},
}
# Routes taking an id that are not a team's resource.
NOT_TEAM_RESOURCES = {
    ("POST", "/api/v1/offers/{offer_id}/applications"),  # applying: the pupils' route
    ("GET", "/api/v1/schools/{uai}"),
    ("GET", "/api/v1/schools/{uai}/weeks"),
    ("PUT", "/api/v1/schools/{uai}/weeks"),
    ("GET", "/api/v1/companies/{siret}"),  # the public company directory
    # a pupil's own favourites of public offers: other roles are refused by their role (403)
    ("PUT", "/api/v1/favourites/{offer_id}"),
    ("DELETE", "/api/v1/favourites/{offer_id}"),
}


def id_routes() -> list[tuple[str, str]]:
    return sorted(
        (spec.method, spec.openapi_path)
        for spec in ROUTES
        if "{" in spec.openapi_path
        and spec.openapi_path.startswith("/api/v1/")
        and (spec.method, spec.openapi_path) not in NOT_TEAM_RESOURCES
    )


def test_every_route_taking_an_id_answers_404_to_anyone_outside_the_team(stack, schools):
    owner, _ = host_with_email(stack)
    colleague, colleague_email = host_with_email(stack)
    colleague = invite_and_join(stack, owner, colleague, colleague_email)
    space = ok(api(stack, "POST", "/api/v1/spaces", owner, json={"name": f"Site {uuid.uuid4().hex[:4]}"}), 201)
    offer = publish(stack, owner, place=NEAR_CLAUDEL, college_weeks=[college_week(-1)], max_candidates=3)
    hidden = ok(api(stack, "POST", f"/api/v1/offers/{offer['id']}/duplicate", owner), 201)  # unpublished
    pupil = logged_in(stack, "student", school_uai=CLAUDEL, grade="troisieme")
    application = apply(stack, pupil, offer)
    ok(api(stack, "POST", f"/api/v1/applications/{application['id']}/validate", owner))
    convention_id = ok(api(stack, "POST", f"/api/v1/applications/{application['id']}/approve", pupil))["convention_id"]
    ok(api(stack, "PATCH", f"/api/v1/conventions/{convention_id}", owner, json=HOST_PART))
    invitation = ok(api(stack, "POST", "/api/v1/team/invitations", owner, json={"email": "x@example.fr"}), 201)
    values = {
        "offer_id": hidden["id"],
        "application_id": application["id"],
        "convention_id": convention_id,
        "space_id": space["id"],
        "user_id": me(stack, colleague)["id"],
        "invitation_id": invitation["id"],
        "action": "read",
    }
    outsiders = {
        "another team's host": logged_in(stack, "employer"),
        "another pupil": logged_in(stack, "student", school_uai=CLAUDEL, grade="troisieme"),
        "a school's staff": logged_in(stack, "school_manager", school_uai="0753937X"),
    }
    routes = id_routes()
    assert len(routes) >= 20, routes
    answers = {}
    for (method, template), (who, headers) in ((r, o) for r in routes for o in outsiders.items()):
        path = re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), template)
        answer = api(stack, method, path, headers, json=BODIES.get((method, template), {}))
        answers[(method, template, who)] = answer.status_code
    assert {key: status for key, status in answers.items() if status != 404} == {}
    # the host's pages taking an id: another team's host, logged in in a browser, gets 404 pages
    browser = PageSession(stack.url)
    browser.log_in(me(stack, outsiders["another team's host"])["email"], PASSWORD, "/offreur/connexion")
    pages = sorted(
        spec.openapi_path
        for spec in ROUTES
        if spec.tag == "web"
        and spec.openapi_path.startswith("/mon-espace/")
        and "{" in spec.openapi_path
        and "GET" in spec.method.split(",")
        and "draft_id" not in spec.openapi_path
    )
    assert len(pages) >= 3, pages
    for template in pages:
        path = re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), template)
        answer = browser.get(path, follow=False)
        assert answer.status_code == 404, (template, answer.status_code)
    # and the team itself still reaches them (the ids were right)
    assert api(stack, "GET", f"/api/v1/offers/{hidden['id']}", colleague).status_code == 200
    assert api(stack, "GET", f"/api/v1/conventions/{convention_id}", colleague).status_code == 200
