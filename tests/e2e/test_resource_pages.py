"""« Ressources utiles » (the tutorial's step 5), public pages: the communication kit's PDFs
made by the platform, the e-mail signature, good practices, the two FAQs and the API
documentation."""

from __future__ import annotations

import io
import itertools
import re

import pytest
import requests
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

PAGES = {
    "/ressources": [
        "Ressources utiles",
        "Kit de communication",
        "Signature d'e-mail",
        "Bonnes pratiques pour accueillir un élève",
        "Questions fréquentes et documentation",
    ],
    "/ressources/faq-offreurs": [
        "FAQ offreurs",
        "Publier une offre",
        "Candidatures et conventions",
        "Équipe et espaces",
    ],
    "/ressources/faq-stages": [
        "FAQ stages",
        "Durée et dates",
        "Horaires et conditions de travail",
        "Assurance et responsabilité",
        "La convention de stage",
    ],
    "/ressources/documentation-api": ["Documentation API", "L'API v1", "L'API partenaires v2"],
}


def get(stack, path: str) -> requests.Response:
    return requests.get(f"{stack.url}{path}", timeout=60)


def headings(html: str) -> list[tuple[int, str]]:
    found = re.findall(r"<h([1-6])\b[^>]*>(.*?)</h\1>", html, re.DOTALL)
    return [
        (int(level), " ".join(re.sub(r"<[^>]+>", "", title).replace("&#39;", "'").split())) for level, title in found
    ]


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&#34;", '"').split())


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_resource_page_answers_anyone_with_its_headings_in_order(stack, path):
    answer = get(stack, path)
    assert answer.status_code == 200
    found = headings(answer.text.split("<main", 1)[1].split("</main>", 1)[0])
    assert found[0] == (1, PAGES[path][0])
    titles = [title for _, title in found]
    for title in PAGES[path][1:]:
        assert title in titles, title
    # no level skipped going down (h2 → h4 would be)
    levels = [level for level, _ in found]
    assert all(after <= before + 1 for before, after in itertools.pairwise(levels)), found


def test_the_kit_documents_are_pdfs_made_for_this_platform(stack):
    index = get(stack, "/ressources").text
    for path, filename, words in (
        ("/ressources/kit/flyer.pdf", "1-eleve-1-stage-flyer.pdf", "Publiez votre offre en 3 étapes"),
        ("/ressources/kit/affiche.pdf", "1-eleve-1-stage-affiche.pdf", "Comment publier une offre ?"),
    ):
        assert f'href="{path}"' in index
        answer = get(stack, path)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Disposition"] == f'inline; filename="{filename}"'
        assert answer.content.startswith(b"%PDF-")
        # public and cacheable by shared caches: no cookie of this browser in it
        assert answer.headers["Cache-Control"] == "public, max-age=86400" and "Set-Cookie" not in answer.headers
        pdf_text = " ".join(
            " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages).split()
        )
        assert words in pdf_text
        assert stack.url.split("://", 1)[1] in pdf_text  # the platform's own address
        assert get(stack, path).content == answer.content  # rendered once, then kept
    unknown = get(stack, "/ressources/kit/brochure.pdf")
    assert unknown.status_code == 404 and "Ce document n'existe pas." in visible_text(unknown.text)


def test_the_email_signature_is_shown_to_copy_with_the_platforms_address(stack):
    html = get(stack, "/ressources").text
    blocks = re.findall(r'<pre class="e1s-code" id="signature-(html|text)"><code>(.*?)</code></pre>', html, re.DOTALL)
    assert [kind for kind, _ in blocks] == ["html", "text"]
    assert f"&lt;a href=&#34;{stack.url}&#34;" in blocks[0][1]  # shown as text, not rendered
    assert blocks[1][1].endswith(f"1 élève 1 stage : {stack.url}")
    assert html.count("data-copy=") == 2 and '<script type="module" src="/static/js/resources.mjs">' in html
    assert get(stack, "/static/js/resources.mjs").status_code == 200


def test_the_faqs_give_the_rules_of_the_observation_internship(stack):
    stages = visible_text(get(stack, "/ressources/faq-stages").text)
    for rule in (
        "une semaine, soit 5 jours",
        "deux semaines en juin",
        "7 heures par jour",
        "35 heures par semaine",
        "jamais entre 20 h et 6 h",
        "pause de 30 minutes",
        "aucune rémunération ni gratification",
        "utiliser des machines",
        "responsabilité civile",
        "code à 6 chiffres par SMS",
        "PDF de la convention, scellé",
    ):
        assert rule in stages, rule
    hosts = visible_text(get(stack, "/ressources/faq-offreurs").text)
    for rule in ("REP et REP+", "QPV", "de 1 à 6 000", "au moins une personne doit les recevoir", "N'invitez que"):
        assert rule in hosts, rule


def test_the_api_documentation_says_how_to_authenticate_and_links_the_reference(stack):
    html = get(stack, "/ressources/documentation-api").text
    page = visible_text(html)
    for words in (
        "Authorization: Bearer",
        f"curl -X POST {stack.url}/api/v1/auth/login",
        "POST /api/v2/auth/login",
        "GET /api/v2/internship_offers/search",
        "DUPLICATE_API",
        "WRONG_PARAMS",
        "100 appels par minute",
        "python -m services.identity.create_operator",
    ):
        assert words in page, words
    for reference in ("/api/docs", "/api/openapi.json"):
        assert f'href="{reference}"' in html
        assert get(stack, reference).status_code == 200
