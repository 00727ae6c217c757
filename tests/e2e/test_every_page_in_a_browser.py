"""Every web page of the gateway in a real browser (Debian's chromium), seen by each kind of
person who can see it, each checked with axe-core (no serious or critical violation), 375 px
wide (no sideways scrolling), for its Content-Security-Policy and for script errors.

The pages are not listed here: they are the GET routes of the gateway's route table (tag
"web", tests/support/page_routes.py), their path parameters filled from the data this test
makes through the JSON API (a host with a published offer, its unpublished copy, a draft, a
pending application, a convention ready to sign, a pending invitation; a head of school and
pupils of the sample school) and from the gateway's own lists (audiences, legal pages, the
steps of the offer form), else from the links of the pages. Each path is asked over HTTP as
nobody, the host, the head of school, the pupil and an administrator: who gets a page rather than a redirect
or a refusal sees it. A page anybody sees is visited logged out (the home page by everyone,
for each role's header); the others as each person who sees them. Links of emails are
followed as their reader (the legal representative, a password reset, the invited
colleague); the sign-up form is sent empty; a missing offer and unknown paths show the error
pages. A page added later is visited too, or the test says which page has no visit and why.

The journey is tests/support/web_journeys/every_page.py, run in a process of its own; its
screenshots are kept in artefacts/screenshots/every-page/ (or under $E1S_ARTEFACTS).
"""

from __future__ import annotations

import itertools
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.account_pages import AUDIENCES, LEGAL_PAGES
from gateway.offer_form import STEPS
from gateway.page_routing import ROLE_HOME
from tests.e2e.test_convention_journey import api, ok
from tests.e2e.test_host_tutorial_in_a_browser import PASSWORD, account
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, publish
from tests.e2e.test_signing_in_a_browser import ready_to_sign
from tests.support.admins import create_admin
from tests.support.browser_run import chromium, failure, page_problems, run_journey  # noqa: F401 (a fixture)
from tests.support.conventions import SCHOOL_PART, application_body, college_week
from tests.support.page_routes import PageRoute, declared_pages, fill, links_in, page_router, rule_of
from tests.support.page_session import PageSession
from tests.support.schools import load_sample

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.usefixtures("chromium")]

NOBODY = "anonymous"
# Who asks each path over HTTP, and then sees it in the browser (the role of each account).
ROLES = {"host": "employer", "head": "school_manager", "pupil": "student", "admin": "admin"}
# Who visits in the browser, in this order (each change of person logs out, then in).
ORDER = [NOBODY, "legal_representative", "host", "colleague", "head", "pupil", "admin"]
MISSING_OFFER = 999_999
UNKNOWN_PAGE = "/page-inconnue"  # one segment: the legal pages' rule, which answers its 404
UNKNOWN_PATH = "/nulle/part/ici"  # no rule at all: the router's own 404
HOME = "/"  # visited by everyone: its header is each role's
ERROR_STATUSES = frozenset({400, 404, 410})


@dataclass(frozen=True)
class Answer:
    """What a GET of a path answered one person (redirects not followed)."""

    status: int
    content_type: str
    location: str

    @property
    def is_elsewhere(self) -> bool:
        """Not a page of its own for anybody: a redirect, or not HTML (a PDF)."""
        return 300 <= self.status < 400 or not self.content_type.startswith("text/html")

    @property
    def is_page(self) -> bool:
        """A page of its own: HTML, neither a redirect nor the refusal of a role (403)."""
        return self.content_type.startswith("text/html") and not 300 <= self.status < 400 and self.status != 403

    def __str__(self) -> str:
        if 300 <= self.status < 400:
            return f"{self.status} → {urlsplit(self.location).path}"
        return f"{self.status} {self.content_type.split(';')[0] or 'without a body'}"


# -- what the test makes through the JSON API --------------------------------------------------------


def bearer(person: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {person['token']}"}


def make_data(stack, sessions: dict[str, PageSession]) -> dict[str, Any]:
    """The people and what they made: every state a page shows. ``sessions`` (nobody, and
    each role of ``ROLES``) are logged in as the people."""
    url, state = stack.url, stack.state_dir
    host = account(url, state, "employer", "Camille", "Lefort")
    head = account(url, state, "school_manager", "Nadia", "Lefèvre", school_uai=CLAUDEL)
    pupil = account(url, state, "student", "Léa", "Martin", school_uai=CLAUDEL, grade="troisieme")
    other_pupil = account(url, state, "student", "Yanis", "Durand", school_uai=CLAUDEL, grade="troisieme")
    colleague = account(url, state, "employer", "Samir", "Haddad")
    # A teacher the head has not confirmed yet: « Équipe » shows its « Confirmer » and « Refuser ».
    account(url, state, "teacher", "Théo", "Arnaud", school_uai=CLAUDEL)

    # A convention ready to sign, with a legal representative's address of this run's own.
    legal_email = f"rl-{uuid.uuid4().hex[:8]}@example.fr"
    school_part = {**SCHOOL_PART, "legal_representative_email": legal_email}
    convention_id = ready_to_sign(stack, bearer(host), bearer(pupil), bearer(head), school_part)

    # A published offer with an application not yet answered, and its unpublished copy.
    week = college_week(-1)
    offer = publish(stack, bearer(host), place=NEAR_CLAUDEL, college_weeks=[week], max_candidates=2)
    copy = ok(api(stack, "POST", f"/api/v1/offers/{offer['id']}/duplicate", bearer(host)), 201)
    application = ok(
        api(
            stack,
            "POST",
            f"/api/v1/offers/{offer['id']}/applications",
            bearer(other_pupil),
            json=application_body(week),
        ),
        201,
    )
    ok(api(stack, "POST", "/api/v1/team/invitations", bearer(host), json={"email": colleague["email"]}), 201)
    ok(api(stack, "PUT", f"/api/v1/favourites/{offer['id']}", bearer(pupil)))  # « Mes offres favorites » not empty
    ok(api(stack, "POST", "/api/v1/auth/password-reset", json={"email": host["email"]}), 202)

    # A draft, as « + Publier une offre » makes it: the page form, with a page session.
    for who, person in (("host", host), ("head", head), ("pupil", pupil)):
        sessions[who].log_in(person["email"], PASSWORD)
    # Administrators cannot sign up: made by their command, with a password of their own.
    admin = create_admin(stack)
    sessions["admin"].log_in(admin["email"], admin["password"])
    made = sessions["host"].post_form("/mon-espace/offres/nouvelle", {})
    assert made.status_code == 303, made.text
    draft = re.search(r"/brouillons/(\d+)/", made.headers["Location"])
    assert draft is not None, made.headers["Location"]

    return {
        "people": {"host": host, "head": head, "pupil": pupil, "colleague": colleague, "admin": admin},
        "legal_email": legal_email,
        "copy_id": copy["id"],
        # The values of the path parameters: ids of the data, and the gateway's own lists.
        "values": {
            "offer_id": [offer["id"]],
            "draft_id": [int(draft.group(1))],
            "application_id": [application["id"]],
            "convention_id": [convention_id],
            "audience": list(AUDIENCES),
            "legal_page": list(LEGAL_PAGES),
            "step": [step.slug for step in STEPS],
        },
    }


# -- the plan: which page, by whom ---------------------------------------------------------------------


def filled_paths(page: PageRoute, values: dict[str, list[Any]]) -> list[str]:
    """Every path of ``page`` with the values known (none when a parameter has no value)."""
    if any(name not in values for name in page.params):
        return []
    combos = itertools.product(*(values[name] for name in page.params))
    return [fill(page.rule, dict(zip(page.params, combo, strict=True))) for combo in combos]


def ask_everyone(
    pages: list[PageRoute], values: dict[str, list[Any]], sessions: dict[str, PageSession]
) -> tuple[dict[str, list[str]], dict[str, dict[str, Answer]]]:
    """The paths of each rule, and what each of them answered each person. A rule whose
    parameters have no value takes the paths the pages link to."""
    router = page_router(page.rule for page in pages)
    paths = {page.rule: filled_paths(page, values) for page in pages}
    from_links = {page.rule for page in pages if not paths[page.rule]}
    answers: dict[str, dict[str, Answer]] = {}
    queue = [path for rule_paths in paths.values() for path in rule_paths]
    while queue:
        path = queue.pop(0)
        if path in answers:
            continue
        answers[path] = {}
        for who, session in sessions.items():
            got = session.get(path, follow=False)
            answer = Answer(got.status_code, got.headers.get("Content-Type", ""), got.headers.get("Location", ""))
            answers[path][who] = answer
            if not answer.content_type.startswith("text/html"):
                continue
            for link in links_in(got.text):
                rule = rule_of(router, link)
                if rule in from_links and link not in paths[rule]:
                    paths[rule].append(link)
                    queue.append(link)
    return paths, answers


def planned_visits(
    pages: list[PageRoute], paths: dict[str, list[str]], answers: dict[str, dict[str, Answer]]
) -> list[dict[str, Any]]:
    """A visit of each path by each person it shows a page to: by nobody when nobody logged in
    sees it (and the home page by everyone), else by each person who sees it."""
    visits = []
    for page in pages:
        for path in paths[page.rule]:
            seers = [who for who, answer in answers[path].items() if answer.is_page]
            visitors = seers if NOBODY not in seers or path == HOME else [NOBODY]
            visits += [
                {
                    "who": who,
                    "name": "/ (accueil)" if path == HOME else path,
                    "path": path,
                    "rule": page.rule,
                    "expect": answers[path][who].status,
                }
                for who in visitors
            ]
    return visits


def special_visits(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The visits a GET of a path cannot stand for: links of emails, a refused form, the copy
    never published, and the error pages."""
    people = data["people"]
    return [
        {
            "who": "legal_representative",
            "name": "lien de signature reçu par e-mail",
            "mail": {"to": data["legal_email"], "path": "/signer-la-convention"},
            "expect": 200,
        },
        {
            "who": NOBODY,
            "name": "lien de réinitialisation reçu par e-mail",
            "mail": {"to": people["host"]["email"], "path": "/nouveau-mot-de-passe"},
            "expect": 200,
        },
        {
            "who": "colleague",
            "name": "lien d'invitation reçu par e-mail",
            "mail": {"to": people["colleague"]["email"], "path": "/rejoindre-une-equipe"},
            "expect": 200,
        },
        {
            "who": NOBODY,
            "name": "inscription envoyée vide",
            "path": "/offreur/inscription",
            "submit": "Créer mon compte",
            "expect": 422,
        },
        {"who": "host", "name": "copie non publiée", "path": f"/mon-espace/offres/{data['copy_id']}", "expect": 200},
        {"who": "host", "name": "offre inexistante", "path": f"/mon-espace/offres/{MISSING_OFFER}", "expect": 404},
        {"who": NOBODY, "name": "page inconnue", "path": UNKNOWN_PAGE, "expect": 404},
        {"who": NOBODY, "name": "adresse inconnue", "path": UNKNOWN_PATH, "expect": 404},
    ]


def session_of(who: str) -> str:
    """Whose cookies a visit has: nobody's for the people without an account."""
    return who if who in ROLES or who == "colleague" else NOBODY


def journey_plan(
    pages: list[PageRoute], probed: list[dict[str, Any]], special: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every visit, grouped by person; a probed visit is left out when a special one shows the
    same page (its rule, with the same cookies and status) more truly, e.g. from its email."""
    router = page_router(page.rule for page in pages)
    shown = {
        (rule_of(router, visit["mail"]["path"]), session_of(visit["who"]), visit["expect"])
        for visit in special
        if "mail" in visit
    }
    kept = [
        visit for visit in probed if (visit["rule"], session_of(visit["who"]), visit["expect"]) not in shown
    ] + special
    return sorted(kept, key=lambda visit: ORDER.index(visit["who"]))


@pytest.fixture(scope="module")
def every_page(stack) -> dict[str, Any]:
    """The journey's report, with the plan, what each path answered each person and how long
    the browser took, run once for the module's tests."""
    load_sample(stack.env["DATABASE_URL_MATCHING"])
    pages, static, _ = declared_pages(PageRoute)
    sessions = {who: PageSession(stack.url) for who in (NOBODY, *ROLES)}
    try:
        data = make_data(stack, sessions)
        paths, answers = ask_everyone(pages, data["values"], sessions)
        homes = {who: sessions[who].get(ROLE_HOME[role], follow=False).status_code for who, role in ROLES.items()}
    finally:
        for session in sessions.values():
            session.http.close()  # no socket left to the garbage collector (warnings are errors)
    visits = journey_plan(pages, planned_visits(pages, paths, answers), special_visits(data))
    people = {
        who: {"email": person["email"], "password": person.get("password", PASSWORD)}
        for who, person in data["people"].items()
    }

    started = time.monotonic()
    report = run_journey(stack, "every_page", {"people": people, "visits": visits}, timeout=400)
    report["seconds"] = round(time.monotonic() - started, 1)
    report.update(plan=visits, answers=answers, paths=paths, static=static, homes=homes)
    report["declared"] = {page.rule: page for page in pages}
    print(f"every page journey: {report['seconds']} s, {len(visits)} pages checked")
    for visit in report["seen"].get("visits", []):
        print(f"  {visit['who']:<21} {visit['status']}  {urlsplit(visit['url']).path}  ({visit['name']})")
    return report


# -- the tests ---------------------------------------------------------------------------------------


def visited_rules(report: dict[str, Any]) -> dict[str, list[str]]:
    """The rules of the pages checked, and by whom."""
    router = page_router(report["declared"])
    rules: dict[str, list[str]] = {}
    for visit in report["seen"]["visits"]:
        rule = rule_of(router, urlsplit(visit["checked_url"]).path)
        if rule is not None:
            rules.setdefault(rule, []).append(visit["who"])
    return rules


def why_not_visited(rule: str, report: dict[str, Any]) -> tuple[str, bool]:
    """Why ``rule`` had no visit, and whether that is right: every answer to everyone is a
    redirect or not HTML, or a refusal of the role (403) while someone gets it (the
    administrators' CSV). A page refused to every person of the test is not right: nobody
    here can see it."""
    paths, answers = report["paths"][rule], report["answers"]
    if not paths:
        missing = ", ".join(report["declared"][rule].params)
        return f"no value for {missing} (in the test's data, the gateway's lists or a link of a page)", False
    said = "; ".join(
        f"{path}: " + ", ".join(f"{who} {answer}" for who, answer in answers[path].items()) for path in paths
    )
    given = [answer for path in paths for answer in answers[path].values()]
    return said, all(answer.is_elsewhere or answer.status == 403 for answer in given) and any(
        answer.is_elsewhere for answer in given
    )


@pytest.mark.timeout(600)
def test_every_page_route_is_visited_by_the_people_who_see_it(every_page):
    assert not every_page["error"], failure(every_page)
    visited = visited_rules(every_page)
    reasons = {rule: why_not_visited(rule, every_page) for rule in every_page["declared"] if rule not in visited}
    for rule in every_page["static"]:
        print(f"not visited: {rule}: static files")
    for rule, (reason, _) in sorted(reasons.items()):
        print(f"not visited: {rule}: {reason}")
    unexplained = {rule: reason for rule, (reason, right) in reasons.items() if not right}
    assert unexplained == {}, "pages of the route table without a visit:\n" + "\n".join(
        f"{rule}: {reason}" for rule, reason in sorted(unexplained.items())
    )
    # The pages that only redirect some people are visited as the ones they serve.
    for rule in ("/mon-espace", "/signer-en-groupe", "/mes-conventions"):
        if rule in every_page["declared"]:
            assert rule in visited, rule
    assert set(visited.get("/signer-en-groupe", [])) >= {"head", "pupil"}
    assert "legal_representative" in visited.get("/signer-la-convention", [])
    assert "colleague" in visited.get("/rejoindre-une-equipe", [])
    assert visited.get("/statistiques") == ["admin"]
    stepper = "/mon-espace/offres/brouillons/<int:draft_id>/<step>"
    steps = {
        urlsplit(visit["checked_url"]).path.rsplit("/", 1)[1]
        for visit in every_page["seen"]["visits"]
        if visit.get("rule") == stepper
    }
    assert steps == {"offre", "structure", "eleves-et-dates", "egalite-des-chances"}

    # Each page answered what the plan expected (the special visits' fixed statuses included).
    wrong = [
        f"{visit['who']} {visit['name']}: {visit['status']}, expected {visit['expect']}"
        for visit in every_page["seen"]["visits"]
        if visit["status"] != visit["expect"]
    ]
    assert wrong == []
    assert len(every_page["seen"]["visits"]) == len(every_page["plan"])


@pytest.mark.timeout(600)
def test_every_page_is_accessible_narrow_protected_and_without_script_errors(every_page):
    assert not every_page["error"], failure(every_page)
    problems = page_problems(every_page, allowed_statuses=frozenset({200, 422}) | ERROR_STATUSES)
    assert problems == [], "\n".join(problems)
    checks = [check for page in every_page["pages"] for check in page["checks"]]
    assert len(checks) == len(every_page["plan"])
    few = [
        (page["path"], check["axe_rules_run"])
        for page in every_page["pages"]
        for check in page["checks"]
        if check["axe_rules_run"] < 20  # a plain page such as /api/docs runs about 27
    ]
    assert few == [], f"axe-core did not run its rules on {few}"
    html = {page["path"] for page in every_page["pages"] if page["content_type"].startswith("text/html")}
    checked = {page["path"] for page in every_page["pages"] if page["checks"]}
    assert html - checked == set(), "pages seen but never checked"


@pytest.mark.timeout(600)
def test_every_role_lands_on_a_page_of_its_own_after_logging_in(every_page):
    # Logging in sends each role to its home (gateway.page_routing.ROLE_HOME).
    lost = {
        who: f"{ROLE_HOME[role]} answered {every_page['homes'][who]}"
        for who, role in ROLES.items()
        if every_page["homes"][who] != 200
    }
    assert lost == {}, "after logging in, these people land on no page"
