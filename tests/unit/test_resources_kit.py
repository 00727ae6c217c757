"""The communication kit of « Ressources utiles »: the flyer and the poster as real PDFs
(weasyprint), read back with pypdf; and their cache, rendering each once in a native thread."""

from __future__ import annotations

import io

import eventlet
import pytest
from eventlet import tpool
from pypdf import PdfReader

from gateway.resources_kit import KIT, KitCache, render_kit_pdf
from services.common.school_calendar import SchoolYear

PUBLIC_URL = "https://stages.exemple.gouv.fr"
YEAR = SchoolYear(2026)  # its seconde period: 14 to 25 June 2027
MM = 72 / 25.4  # PDF points per millimetre


def read(name: str, public_url: str = PUBLIC_URL) -> PdfReader:
    return PdfReader(io.BytesIO(render_kit_pdf(KIT[name], public_url, YEAR)))


def text_of(reader: PdfReader) -> str:
    # pypdf may break a line anywhere: compare words separated by single spaces
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def links_of(reader: PdfReader) -> set[str]:
    found = set()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                found.add(str(action["/URI"]))
    return found


def size_mm(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width) / MM), round(float(box.height) / MM)


def test_the_flyer_is_an_a5_recto_verso_presenting_the_platform_to_hosts():
    reader = read("flyer.pdf")
    assert (len(reader.pages), size_mm(reader)) == (2, (148, 210))
    text = text_of(reader)
    for words in (
        "1 élève 1 stage",
        "Accueillez un élève en stage d'observation",
        "Pourquoi accueillir un élève ?",
        "Qu'est-ce qu'un stage d'observation ?",
        "une semaine de 5 jours, pendant l'année scolaire",
        "deux semaines en juin, à la période nationale (stage de 2 semaines (du 14 au 25 juin 2027))",
        "ni travail dangereux ni utilisation de machines",
        "Au plus 7 h par jour et 35 h par semaine",
        "Publiez votre offre en 3 étapes",
        "Créez votre compte d'offreur",
        "stages.exemple.gouv.fr",
    ):
        assert words in text, words
    assert links_of(reader) == {PUBLIC_URL}


def test_the_poster_is_one_a3_page_with_the_platform_address():
    reader = read("affiche.pdf")
    assert (len(reader.pages), size_mm(reader)) == (1, (297, 420))
    text = text_of(reader)
    for words in (
        "Accueillez un élève en stage d'observation",
        "Pourquoi accueillir un élève ?",
        "Comment publier une offre ?",
        "Publiez votre offre sur stages.exemple.gouv.fr",
    ):
        assert words in text, words
    assert links_of(reader) == {PUBLIC_URL}


def test_the_address_printed_is_the_platforms_own():
    reader = read("flyer.pdf", "http://localhost:8123/")
    assert "localhost:8123" in text_of(reader)
    assert "stages.exemple.gouv.fr" not in text_of(reader)
    assert links_of(reader) == {"http://localhost:8123"}


@pytest.mark.parametrize("name", sorted(KIT))
def test_the_documents_use_the_states_typeface(name):
    reader = read(name)
    fonts = {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("Marianne" in font for font in fonts), fonts


def test_each_document_is_rendered_once_in_a_native_thread_even_when_asked_twice_at_once():
    renders: list[str] = []

    def run(function, document, public_url, school_year):
        renders.append(document.path_name)
        return tpool.execute(function, document, public_url, school_year)

    cache = KitCache(run)
    flyer = KIT["flyer.pdf"]
    first, second = eventlet.spawn(cache.pdf, flyer, PUBLIC_URL), eventlet.spawn(cache.pdf, flyer, PUBLIC_URL)
    assert first.wait() == second.wait()
    assert first.wait().startswith(b"%PDF-")
    assert renders == ["flyer.pdf"]
    cache.pdf(KIT["affiche.pdf"], PUBLIC_URL)
    cache.pdf(flyer, PUBLIC_URL)
    cache.pdf(flyer, "https://autre.exemple.fr")
    assert renders == ["flyer.pdf", "affiche.pdf", "flyer.pdf"]
