"""The host's pages of applications, over HTTP with a browser's cookies as a person uses them:
log in with the form (and its CSRF token), list the team's applications, open one (which marks
it read), accept one, refuse another with a reason (a missing reason is refused at its field);
the new application's email opens the application's page."""

from __future__ import annotations

import html
import re
import uuid

import pytest
import requests

from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, publish
from tests.support.accounts import PASSWORD, confirmed_account
from tests.support.conventions import college_week
from tests.support.mailbox import text_of, wait_for_mail_containing

pytestmark = pytest.mark.e2e

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def account(stack, role: str, first_name: str = "Inès", **fields: str) -> tuple[str, dict[str, str]]:
    """A confirmed account of ``role``: its email, and a bearer header for the JSON API."""
    made = confirmed_account(stack.url, stack.state_dir, role, first_name, "Brûlé", **fields)
    return made.email, made.headers


def ok(answer: requests.Response, status: int = 200) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()


class Browser:
    """A person's browser: its cookies (session, CSRF secret), and the CSRF token of the last page."""

    def __init__(self, stack) -> None:
        self.url = stack.url
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **options) -> requests.Response:
        answer = self.http.get(self.url + path, timeout=30, allow_redirects=False, **options)
        found = CSRF_META.search(answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    def post(self, path: str, data: dict | list | None = None, csrf: bool = True) -> requests.Response:
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            fields.append(("csrf_token", self.csrf))
        return self.http.post(self.url + path, data=fields, timeout=30, allow_redirects=False)

    def follow(self, answer: requests.Response) -> requests.Response:
        """The page a 303 leads to (and the flash message it shows once)."""
        assert answer.status_code == 303, answer.text[:500]
        return self.get(answer.headers["Location"])

    def api(self, method: str, path: str, body: dict | None = None, csrf: bool = True) -> requests.Response:
        """A call of the JSON API as a page's script makes it: the cookie, and X-CSRF-Token."""
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        return self.http.request(method, self.url + path, json=body, headers=headers, timeout=30)

    def log_in(self, login_path: str, email: str) -> None:
        self.get(login_path)
        answer = self.post(login_path, {"email": email, "password": PASSWORD})
        assert answer.status_code == 303, text(answer)[:500]
        self.get(answer.headers["Location"])


def text(answer: requests.Response) -> str:
    """A page's HTML with its entities decoded (« l'élève », not « l&#39;élève »)."""
    return html.unescape(answer.text)


def field_message(answer: requests.Response, field_id: str) -> str:
    """The error message shown at a field (``<… id="f-reason-messages">…``)."""
    found = re.search(rf'<(p|div)[^>]*id="{field_id}-messages"[^>]*>(.*?)</\1>', answer.text, re.DOTALL)
    assert found, f"no message at {field_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())


def test_the_host_reads_accepts_and_refuses_applications_in_its_pages(stack, schools):
    host_email, host = account(stack, "employer")
    _, zoe = account(stack, "student", "Zoé", school_uai=CLAUDEL, grade="troisieme")
    _, hugo = account(stack, "student", "Hugo", school_uai=CLAUDEL, grade="troisieme")
    week = college_week(-1)
    title = f"Découverte du fournil {uuid.uuid4().hex[:4]}"
    offer = publish(stack, host, title=title, place=NEAR_CLAUDEL, college_weeks=[week], max_candidates=2)
    applications = {}
    for name, pupil, motivation in (
        ("Zoé", zoe, "J'aime le pain et je veux voir le fournil."),
        ("Hugo", hugo, "Je veux devenir pâtissier."),
    ):
        body = {"weeks": [week], "motivation": motivation, "phone": "06 12 34 56 78"}
        applications[name] = ok(
            requests.post(
                f"{stack.url}/api/v1/offers/{offer['id']}/applications", json=body, headers=pupil, timeout=10
            ),
            201,
        )
    zoe_id, hugo_id = applications["Zoé"]["id"], applications["Hugo"]["id"]

    # the new application's email opens the application's page
    mail = wait_for_mail_containing(stack.state_dir, host_email, "Zoé Brûlé")
    assert f"{stack.url}/mon-espace/candidatures/{zoe_id}" in text_of(mail)

    browser = Browser(stack)
    anonymous = browser.get("/mon-espace/candidatures")
    assert (anonymous.status_code, anonymous.headers["Location"]) == (
        303,
        "/offreur/connexion?suite=/mon-espace/candidatures",
    )
    browser.log_in("/offreur/connexion", host_email)

    # the list: every offer of the team, then one offer's, then filtered by status
    listed = browser.get("/mon-espace/candidatures")
    assert listed.status_code == 200
    page = text(listed)
    assert "Zoé Brûlé" in page and "Hugo Brûlé" in page and title in page
    assert page.count(">nouvelle<") == 2
    assert f'href="/mon-espace/candidatures/{zoe_id}"' in listed.text
    one_offer = browser.get(f"/mon-espace/candidatures?offre={offer['id']}")
    assert f"<title>{title} — Candidatures" in text(one_offer)
    rejected_only = text(browser.get(f"/mon-espace/candidatures?offre={offer['id']}&statut=rejected"))
    assert "Zoé Brûlé" not in rejected_only and "Aucune candidature ne correspond à ce filtre." in rejected_only

    # opening it marks it read, and shows what the host needs to answer
    school = ok(requests.get(f"{stack.url}/api/v1/schools/{CLAUDEL}", timeout=10))
    opened = browser.get(f"/mon-espace/candidatures/{zoe_id}")
    assert opened.status_code == 200
    page = text(opened)
    for expected in (
        "Candidature de Zoé Brûlé",
        "J'aime le pain et je veux voir le fournil.",
        f"{school['name']}, {school['city']}",
        "<dd>3e</dd>",
        "06 12 34 56 78",
        ">lue<",
        ">Accepter</button>",
        ">Refuser</button>",
    ):
        assert expected in page, expected
    assert ok(requests.get(f"{stack.url}/api/v1/applications/{zoe_id}", headers=host, timeout=10))["status"] == "read"

    # accepting: refused without the form's CSRF token, then done, with a message on the page
    forged = browser.post(f"/mon-espace/candidatures/{zoe_id}", {"action": "accepter"}, csrf=False)
    assert forged.status_code == 403 and "Ce formulaire a expiré" in text(forged)
    accepted = browser.post(f"/mon-espace/candidatures/{zoe_id}", {"action": "accepter"})
    assert accepted.headers["Location"] == f"/mon-espace/candidatures/{zoe_id}"
    after = text(browser.follow(accepted))
    assert "Candidature acceptée : l'élève doit maintenant confirmer." in after
    assert ">acceptée<" in after and ">Accepter</button>" not in after
    assert ok(requests.get(f"{stack.url}/api/v1/applications/{zoe_id}", headers=host, timeout=10))["status"] == (
        "validated"
    )

    # refusing: the reason is required, said at its field in French; then sent to the pupil
    browser.get(f"/mon-espace/candidatures/{hugo_id}")
    missing = browser.post(f"/mon-espace/candidatures/{hugo_id}", {"action": "refuser", "reason": "  "})
    assert missing.status_code == 422
    assert field_message(missing, "f-reason") == "Indiquez le motif du refus : l'élève le recevra."
    assert re.search(r'<textarea[^>]*id="f-reason"[^>]*aria-invalid="true"', missing.text)
    assert 'href="#f-reason">Motif du refus</a>' in missing.text  # the error summary links to it
    reason = "Nous n'accueillons plus personne cette semaine-là."
    refused = browser.post(f"/mon-espace/candidatures/{hugo_id}", {"action": "refuser", "reason": reason})
    after = text(browser.follow(refused))
    assert "Candidature refusée : l'élève recevra votre motif." in after and reason in after
    hugo_now = ok(requests.get(f"{stack.url}/api/v1/applications/{hugo_id}", headers=host, timeout=10))
    assert (hugo_now["status"], hugo_now["reason"]) == ("rejected", reason)

    # what can no longer be done is said, not done
    again = browser.post(f"/mon-espace/candidatures/{hugo_id}", {"action": "accepter"})
    assert "Impossible : la candidature est refusée." in text(browser.follow(again))


def test_the_host_pages_are_the_hosts_only(stack, schools):
    pupil_email, _ = account(stack, "student", school_uai=CLAUDEL, grade="troisieme")
    browser = Browser(stack)
    browser.log_in("/connexion", pupil_email)
    refused = browser.get("/mon-espace/candidatures")
    assert refused.status_code == 403
    assert "Cette page est réservée aux structures d'accueil (offreurs)." in text(refused)
    host_email, _ = account(stack, "employer")
    host = Browser(stack)
    host.log_in("/offreur/connexion", host_email)
    assert host.get("/mon-espace/candidatures/999999").status_code == 404
