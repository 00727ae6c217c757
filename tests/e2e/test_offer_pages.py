"""The host's offer pages over HTTP, as a browser without JavaScript uses them: « Mes offres »,
the four steps of « Déposer une offre » (errors, then corrections), the preview and its actions,
until the offer is in the pupils' search."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
import requests

from tests.e2e.test_search_journey import eventually_found
from tests.support.mailbox import token_in, wait_for_mail
from tests.support.page_session import PageSession
from tests.support.school_weeks import college_week
from tests.support.schools import load_sample

pytestmark = pytest.mark.e2e

PASSWORD = "un-mot-de-passe-solide"
CLAUDEL = "0752694W"  # collège Camille Claudel, Paris 13e (in the sample directory)
TITLE = "<script>alert('stage')</script> Atelier vélo"
DRAFT_STEP = re.compile(r"^/mon-espace/offres/brouillons/(\d+)/offre$")
OFFER_PAGE = re.compile(r"^/mon-espace/offres/(\d+)$")
FLASH = re.compile(r'<div class="fr-alert fr-alert--\w+ fr-alert--sm fr-mb-3w" role="status">\s*<p>([^<]*)</p>')


@pytest.fixture(scope="module")
def schools(stack) -> None:
    load_sample(stack.env["DATABASE_URL_MATCHING"])


def new_host(stack) -> PageSession:
    """A host who signed up, confirmed their address and logged in through the login page."""
    email = f"offreur-{uuid.uuid4().hex[:6]}@example.fr"
    body = {"email": email, "password": PASSWORD, "first_name": "Noémie", "last_name": "Garnier", "role": "employer"}
    assert requests.post(f"{stack.url}/api/v1/auth/signup", json=body, timeout=10).status_code == 201
    [mail] = wait_for_mail(stack.state_dir, email)
    requests.post(f"{stack.url}/api/v1/auth/confirm", json={"token": token_in(mail)}, timeout=10).raise_for_status()
    browser = PageSession(stack.url)
    assert browser.log_in(email, PASSWORD, "/offreur/connexion") == "/mon-espace/offres"
    return browser


def errors_in(html: str) -> list[str]:
    """The messages shown at the fields (DSFR error texts), unescaped."""
    found = re.findall(r'class="fr-(?:error-text|message fr-message--error)">([^<]*)<', html)
    return [unescape(text) for text in found]


def value_of(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


def flash_of(browser: PageSession, answer: requests.Response) -> str:
    """The message the page a redirect leads to shows once."""
    assert answer.status_code == 303, answer.text[:500]
    page = browser.get(answer.headers["Location"])
    match = FLASH.search(page.text)
    assert match, page.text[:2000]
    return unescape(match.group(1))


def day_hours(**days: list[str]) -> list[tuple[str, str]]:
    """The four time inputs of each weekday, as the form posts them."""
    pairs = []
    for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"):
        times = days.get(day, ["", "", "", ""])
        pairs += [(f"daily_hours.{day}", time) for time in times]
    return pairs


def test_a_new_host_writes_checks_publishes_an_offer_through_the_pages(stack, address_index, schools):
    host = new_host(stack)
    my_offers = host.get("/mon-espace/offres")
    assert my_offers.status_code == 200
    assert "Vous n'avez encore déposé aucune offre" in my_offers.text
    assert "Publier une offre</button>" in my_offers.text

    created = host.post_form("/mon-espace/offres/nouvelle", {})
    assert created.status_code == 303
    draft_id = int(DRAFT_STEP.match(created.headers["Location"]).group(1))
    step = f"/mon-espace/offres/brouillons/{draft_id}"
    first = host.get(f"{step}/offre")
    assert first.status_code == 200 and "Étape 1 sur 4" in first.text and "Adresse du lieu de stage" in first.text

    # Offre: too short a description, no sector, an address nobody knows.
    offer_step = {
        "title": TITLE,
        "description": "Court",
        "place.street": "1 chemin de Nulle-Part",
        "place.zipcode": "00000",
        "place.city": "Introuvable",
    }
    refused = host.post_form(f"{step}/offre", {**offer_step, "action": "next"})
    assert refused.status_code == 422
    assert 'id="resume-des-erreurs"' in refused.text
    assert errors_in(refused.text) == [
        "Doit contenir au moins 10 caractère(s).",
        "Choisissez le secteur d'activité.",
        "Adresse introuvable : vérifiez le numéro, la voie, le code postal et la commune, "
        "ou choisissez une des adresses proposées.",
    ]
    assert "<script>alert" not in refused.text and value_of(refused.text, "title") == TITLE
    kept = host.get(f"{step}/offre")  # what was typed was saved, even refused
    assert value_of(kept.text, "title") == TITLE and value_of(kept.text, "place.city") == "Introuvable"

    offer_step.update(
        description="Réparer des vélos avec les mécaniciens de l'atelier.",
        sector="s47",
        **{"place.street": "12 rue d'Austerlitz", "place.zipcode": "69004", "place.city": "Lyon"},
    )
    accepted = host.post_form(f"{step}/offre", {**offer_step, "action": "next"})
    assert (accepted.status_code, accepted.headers["Location"]) == (303, f"{step}/structure")
    located = host.get(f"{step}/offre")
    latitude = float(value_of(located.text, "place.latitude"))
    longitude = float(value_of(located.text, "place.longitude"))
    assert abs(latitude - 45.77) < 0.1 and abs(longitude - 4.83) < 0.1  # Lyon, found without JavaScript

    # Structure: « Précédent » keeps a wrong SIRET without checking it; « Suivant » checks it.
    structure = {"employer.siret": "12345678901234", "employer.name": "Atelier du Rhône", "workspace_conditions": ""}
    back = host.post_form(f"{step}/structure", {**structure, "action": "previous"})
    assert (back.status_code, back.headers["Location"]) == (303, f"{step}/offre")
    assert value_of(host.get(f"{step}/structure").text, "employer.siret") == "12345678901234"
    refused = host.post_form(f"{step}/structure", {**structure, "action": "next"})
    assert refused.status_code == 422
    assert errors_in(refused.text) == [
        "SIRET invalide (14 chiffres, clé de contrôle incorrecte).",
        "Indiquez si la structure relève du secteur public ou du secteur privé.",
    ]
    structure.update({"employer.siret": "732 829 320 00074", "employer.is_public": "false"})
    structure["workspace_accessibility"] = "Atelier de plain-pied, accessible en fauteuil."
    accepted = host.post_form(f"{step}/structure", {**structure, "action": "next"})
    assert (accepted.status_code, accepted.headers["Location"]) == (303, f"{step}/eleves-et-dates")

    # Élèves et dates: a day too long for a minor, then a lawful week.
    week = college_week(-1)
    dates = [("grades", "college"), ("college_weeks_mode", "weeks"), ("college_weeks", week)]
    dates += [("lunch_break", "Repas tiré du sac dans la salle de pause."), ("max_candidates", "2")]
    page = host.get(f"{step}/eleves-et-dates")
    assert f'value="{week}"' in page.text and "Toute l'année" in page.text
    assert "Les semaines en surbrillance sont celles choisies par les établissements" in page.text
    too_long = dates + day_hours(lundi=["08:00", "", "", "17:00"])
    refused = host.post_form(f"{step}/eleves-et-dates", [*too_long, ("action", "next")])
    assert refused.status_code == 422
    assert errors_in(refused.text) == [
        "lundi : 9 h de présence, au-delà de 7 h par jour. "
        "lundi : une pause d'au moins 30 minutes est due après 4 h 30 de présence."
    ]
    lawful = dates + day_hours(lundi=["09:00", "12:00", "13:00", "16:00"], mardi=["09:00", "", "", "12:00"])
    accepted = host.post_form(f"{step}/eleves-et-dates", [*lawful, ("action", "next")])
    assert (accepted.status_code, accepted.headers["Location"]) == (303, f"{step}/egalite-des-chances")

    # Égalité des chances: search a school without JavaScript, tick it, remove it, none is refused.
    search = [("reserved_for.one_school", "1"), ("school_query", "Claudel"), ("action", "search")]
    searched = host.post_form(f"{step}/egalite-des-chances", search)
    assert searched.status_code == 303 and "?ecole=Claudel" in searched.headers["Location"]
    results = host.get(searched.headers["Location"])
    assert f'name="reserved_for.school_uais" value="{CLAUDEL}"' in results.text
    chosen = [("reserved_for.one_school", "1"), ("reserved_for.school_uais", CLAUDEL)]
    assert host.post_form(f"{step}/egalite-des-chances", [*chosen, ("action", "search")]).status_code == 303
    page = host.get(f"{step}/egalite-des-chances")
    assert f'name="remove_school" value="{CLAUDEL}"' in page.text and "Retirer Collège Camille Claudel" in page.text
    removed = host.post_form(f"{step}/egalite-des-chances", [*chosen, ("remove_school", CLAUDEL)])
    assert removed.status_code == 303
    assert "remove_school" not in host.get(f"{step}/egalite-des-chances").text
    refused = host.post_form(f"{step}/egalite-des-chances", [("reserved_for.one_school", "1"), ("action", "next")])
    assert refused.status_code == 422 and errors_in(refused.text) == ["Choisissez au moins un établissement."]

    # An earlier step the service refuses at the end: shown at that step.
    tampered = host.post_form(f"{step}/offre", {**offer_step, "space_id": "999999", "action": "previous"})
    assert tampered.status_code == 303
    sent_back = host.post_form(f"{step}/egalite-des-chances", {"action": "next"})
    assert (sent_back.status_code, sent_back.headers["Location"]) == (303, f"{step}/offre")
    shown = host.get(f"{step}/offre")
    assert "Cet espace n'existe pas dans votre équipe." in errors_in(shown.text)
    [space_id] = re.findall(r'<option value="(\d+)"', shown.text)  # the select appears: the team's one space
    assert host.post_form(f"{step}/offre", {**offer_step, "space_id": space_id, "action": "next"}).status_code == 303

    submitted = host.post_form(f"{step}/egalite-des-chances", {"action": "next"})
    offer_id = int(OFFER_PAGE.match(submitted.headers["Location"]).group(1))
    assert flash_of(host, submitted).startswith("Votre offre est enregistrée")
    assert host.get(f"{step}/offre").status_code == 404  # the draft became the offer

    preview = host.get(f"/mon-espace/offres/{offer_id}")
    assert preview.status_code == 200
    assert "<script>alert" not in preview.text and "&lt;script&gt;alert(&#39;stage&#39;)&lt;/script&gt;" in preview.text
    for expected in (
        "telle que la verront les élèves",
        "brouillon",
        "Atelier du Rhône",
        "12 rue d&#39;Austerlitz, 69004 Lyon",
        "Atelier de plain-pied, accessible en fauteuil.",
        "Lundi : 09:00 – 12:00 et 13:00 – 16:00",
        "Mardi : 09:00 – 12:00",
        "Repas tiré du sac dans la salle de pause.",
        "2 places disponibles sur 2",
        'title="Modifier">Modifier</button>',
        'title="Supprimer">Supprimer</button>',
        'title="Dupliquer">Dupliquer</button>',
        '<button type="submit" class="fr-btn">Publier</button>',
    ):
        assert expected in preview.text, expected

    # Dupliquer, then delete the copy through the confirmation page.
    duplicated = host.post_form(f"/mon-espace/offres/{offer_id}/dupliquer", {})
    copy_id = int(OFFER_PAGE.match(duplicated.headers["Location"]).group(1))
    assert copy_id != offer_id and flash_of(host, duplicated).startswith("Votre offre est dupliquée")
    confirm = host.get(f"/mon-espace/offres/{copy_id}/supprimer")
    assert confirm.status_code == 200 and "Cette action est définitive." in confirm.text
    deleted = host.post_form(f"/mon-espace/offres/{copy_id}/supprimer", {})
    assert deleted.headers["Location"] == "/mon-espace/offres"
    assert flash_of(host, deleted) == f"L'offre « {TITLE} » est supprimée."
    assert host.get(f"/mon-espace/offres/{copy_id}").status_code == 404

    # Publier: the pupils' search finds it at the place the server located.
    published = host.post_form(f"/mon-espace/offres/{offer_id}/publier", {})
    assert flash_of(host, published) == "Votre offre est publiée : les élèves peuvent la voir."
    here = {"latitude": latitude, "longitude": longitude}
    assert offer_id in eventually_found(stack, offer_id, **here)

    listing = host.get("/mon-espace/offres").text
    article = listing[listing.index(f'aria-labelledby="offre-{offer_id}-titre"') :]
    article = article[: article.index("</article>")]
    assert "publiée" in article and "Aucune candidature" in article and "2 places restantes sur 2" in article
    assert f'action="/mon-espace/offres/{offer_id}/masquer"' in article
    assert "Vous n'avez encore déposé aucune offre" not in listing

    # Modifier opens the same steps on a draft of the offer; Masquer hides it.
    edit = host.post_form(f"/mon-espace/offres/{offer_id}/modifier", {})
    edit_step = edit.headers["Location"]
    assert DRAFT_STEP.match(edit_step) and value_of(host.get(edit_step).text, "title") == TITLE
    assert host.post_form(f"/mon-espace/offres/{offer_id}/modifier", {}).headers["Location"] == edit_step
    edit_draft = edit_step.rsplit("/", 1)[0]
    renamed = {**offer_step, "title": "Atelier vélo", "space_id": space_id, "action": "next"}
    assert host.post_form(edit_step, renamed).status_code == 303
    edited = host.post_form(f"{edit_draft}/egalite-des-chances", {"action": "next"})
    assert edited.headers["Location"] == f"/mon-espace/offres/{offer_id}"
    assert flash_of(host, edited) == "Votre offre est modifiée."
    assert '<h1 id="offre-titre">Atelier vélo</h1>' in host.get(f"/mon-espace/offres/{offer_id}").text
    hidden = host.post_form(f"/mon-espace/offres/{offer_id}/masquer", {"suite": "/mon-espace/offres"})
    assert hidden.headers["Location"] == "/mon-espace/offres"
    assert flash_of(host, hidden) == "Votre offre est masquée : les élèves ne la voient plus."
    assert "masquée" in host.get(f"/mon-espace/offres/{offer_id}").text


def test_a_drafts_pages_are_its_teams_only(stack):
    owner, other = new_host(stack), new_host(stack)
    draft_step = owner.post_form("/mon-espace/offres/nouvelle", {}).headers["Location"]
    draft_id = DRAFT_STEP.match(draft_step).group(1)
    assert other.get(draft_step).status_code == 404
    assert other.post_form(draft_step, {"title": "Pris", "action": "next"}).status_code == 404
    assert other.get(f"/mon-espace/offres/brouillons/{draft_id}/supprimer").status_code == 404
    assert owner.get(f"/mon-espace/offres/brouillons/{draft_id}/autre-etape").status_code == 404

    anonymous = PageSession(stack.url).get(draft_step, follow=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["Location"].startswith("/offreur/connexion?suite=")

    listing = owner.get("/mon-espace/offres").text
    assert "Offre sans titre" in listing and "brouillon" in listing
    deleted = owner.post_form(f"/mon-espace/offres/brouillons/{draft_id}/supprimer", {})
    assert flash_of(owner, deleted) == "Le brouillon est supprimé."
    assert owner.get(draft_step).status_code == 404


def test_the_structure_step_asks_the_contact_phone_trade_name_and_ministry_which_the_preview_shows(
    stack, address_index
):
    host = new_host(stack)
    step = host.post_form("/mon-espace/offres/nouvelle", {}).headers["Location"].rsplit("/", 1)[0]
    page = host.get(f"{step}/structure").text
    for label in (
        "Téléphone de contact pour l&#39;établissement",
        "Enseigne (nom commercial)",
        "Ministère de tutelle",
        '<option value="Ministère des Armées">',
    ):
        assert label in page, label
    structure = {
        "employer.siret": "732 829 320 00074",
        "employer.name": "Établissement public du musée des Confluences",
        "employer.trade_name": "Musée des Confluences",
        "employer.is_public": "true",
        "employer.ministry": "Ministère de la Culture",
        "contact_phone": "04 78",
    }
    refused = host.post_form(f"{step}/structure", {**structure, "action": "next"})
    assert refused.status_code == 422
    assert errors_in(refused.text) == [
        "Téléphone de contact pour l'établissement invalide : indiquez un numéro français (01 23 45 67 89)."
    ]
    structure["contact_phone"] = "04 78 00 00 00"
    assert host.post_form(f"{step}/structure", {**structure, "action": "next"}).status_code == 303
    shown = host.get(f"{step}/structure").text
    assert value_of(shown, "contact_phone") == "04 78 00 00 00"  # a draft keeps what was typed
    assert value_of(shown, "employer.trade_name") == "Musée des Confluences"
    assert '<option value="Ministère de la Culture" selected>' in shown

    offer_step = {
        "title": "Les coulisses d'un musée",
        "description": "Découvrir la conservation, la médiation et l'accueil du public.",
        "sector": "s17",
        **{"place.street": "12 rue d'Austerlitz", "place.zipcode": "69004", "place.city": "Lyon"},
    }
    assert host.post_form(f"{step}/offre", {**offer_step, "action": "next"}).status_code == 303
    week = college_week(-1)
    dates = [("grades", "college"), ("college_weeks_mode", "weeks"), ("college_weeks", week), ("max_candidates", "1")]
    dates += [("lunch_break", "Repas tiré du sac dans la salle de pause.")]
    dates += day_hours(lundi=["09:00", "", "", "12:00"])
    assert host.post_form(f"{step}/eleves-et-dates", [*dates, ("action", "next")]).status_code == 303
    submitted = host.post_form(f"{step}/egalite-des-chances", {"action": "next"})
    offer_id = int(OFFER_PAGE.match(submitted.headers["Location"]).group(1))

    preview = unescape(host.get(f"/mon-espace/offres/{offer_id}").text)
    for expected in (
        '<p class="fr-text--lead fr-mb-0">Musée des Confluences</p>',
        "Établissement public du musée des Confluences",
        "Téléphone de contact pour l'établissement : 04 78 00 00 00",
        "Ministère de tutelle : Ministère de la Culture",
    ):
        assert expected in preview, expected
