"""The communication kit of « Ressources utiles »: a flyer (A5) and a poster (A3) that present
1 élève 1 stage to hosts, as PDFs rendered by weasyprint from the Jinja2 templates of
``templates/resources/kit/``.

The documents depend only on the platform's public address (``PUBLIC_URL``), so a process
renders each one once and keeps it (see ``KitCache``). Rendering is CPU-bound (about a second,
most of it subsetting fonts): the gateway runs it in a native thread (``eventlet.tpool``), off
the hub that serves every other request.
"""

from __future__ import annotations

import base64
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from eventlet.semaphore import Semaphore
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from PIL import ImageFile

from gateway.pages import DSFR_DIR
from services.common.school_calendar import SchoolYear, today_in_paris

_truncated_images = ImageFile.LOAD_TRUNCATED_IMAGES
with warnings.catch_warnings():
    # Without the system's libharfbuzz-subset, weasyprint announces at import that it will
    # require it one day, and subsets fonts with fontTools meanwhile: same PDF, no action.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
    import weasyprint
# weasyprint's import switches Pillow, for the whole process, to accept truncated images:
# this module has no image to read, so the process keeps the setting it had.
ImageFile.LOAD_TRUNCATED_IMAGES = _truncated_images

KIT_TEMPLATES_DIR = Path(__file__).resolve().parent / "templates" / "resources" / "kit"
FONTS_DIR = DSFR_DIR / "fonts"
# The State's typeface, as the DSFR ships it; the PDFs fall back to the system's sans-serif
# font when the DSFR is not installed.
FONT_FACES = (("Marianne-Regular.woff", 400), ("Marianne-Bold.woff", 700))


@dataclass(frozen=True)
class KitDocument:
    """One document of the kit: its address under ``/ressources/kit/``, template and file name."""

    path_name: str
    template: str
    filename: str
    title: str
    format_label: str
    description: str


KIT: dict[str, KitDocument] = {
    document.path_name: document
    for document in (
        KitDocument(
            "flyer.pdf",
            "flyer.html",
            "1-eleve-1-stage-flyer.pdf",
            "Flyer",
            "PDF, format A5, recto verso",
            "Pour présenter le stage d'observation à vos partenaires et à vos équipes : pourquoi accueillir "
            "un élève, ce qu'est un stage d'observation, comment publier une offre.",
        ),
        KitDocument(
            "affiche.pdf",
            "poster.html",
            "1-eleve-1-stage-affiche.pdf",
            "Affiche",
            "PDF, format A3 (s'imprime aussi en A4)",
            "À afficher dans vos locaux, vos salons ou vos agences pour inviter d'autres structures à accueillir "
            "des élèves.",
        ),
    )
}

_environment = Environment(
    loader=FileSystemLoader(KIT_TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class _WithoutSubsetNotice(logging.Filter):
    """Drops weasyprint's per-font notice that it subsets with fontTools (see the import above)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset")


logging.getLogger("weasyprint").addFilter(_WithoutSubsetNotice())


@cache
def _font_faces() -> str:
    """``@font-face`` rules embedding Marianne as ``data:`` URIs (the renderer fetches nothing)."""
    rules = []
    for name, weight in FONT_FACES:
        path = FONTS_DIR / name
        if not path.is_file():
            return ""
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        rules.append(
            f'@font-face {{ font-family: "Marianne"; font-weight: {weight}; font-style: normal; '
            f'src: url("data:font/woff;base64,{data}") format("woff"); }}'
        )
    return "\n".join(rules)


def _display_address(public_url: str) -> str:
    """The address as printed in big letters: without ``https://`` nor a trailing slash."""
    return public_url.split("://", 1)[-1].rstrip("/")


def render_kit_html(document: KitDocument, public_url: str, school_year: SchoolYear) -> str:
    """The document's HTML as given to weasyprint (open it in a browser to preview it); the
    dates of the seconde period are those of ``school_year``."""
    return _environment.get_template(document.template).render(
        public_url=public_url.rstrip("/"),
        address=_display_address(public_url),
        signup_url=public_url.rstrip("/") + "/offreur/inscription",
        seconde_period=school_year.seconde.label("two_weeks"),
        font_faces=Markup(_font_faces()),  # noqa: S704 - our own CSS: the DSFR's font files, base64
        stylesheet=Markup((KIT_TEMPLATES_DIR / "kit.css").read_text(encoding="utf-8")),  # noqa: S704 - our file
    )


def render_kit_pdf(document: KitDocument, public_url: str, school_year: SchoolYear) -> bytes:
    """The document as PDF bytes, presenting the platform at ``public_url``. CPU-bound."""
    html = render_kit_html(document, public_url, school_year)
    # data: only: the templates embed everything; any other fetch would be a mistake.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf is not None  # write_pdf without a target answers the bytes
    return pdf


class KitCache:
    """Each document rendered once per process, address and school year, then served from memory.

    ``run`` executes the rendering (``eventlet.tpool.execute`` in the gateway: a native
    thread). Requests arriving while a document renders wait for it instead of rendering it
    again (an eventlet semaphore: the waiting happens on the hub, not in the native thread).
    """

    def __init__(self, run: Callable[..., bytes]) -> None:
        self._run = run
        self._documents: dict[tuple[str, str, int], bytes] = {}
        self._lock = Semaphore()

    def pdf(self, document: KitDocument, public_url: str) -> bytes:
        """The document's PDF for ``public_url``, rendered on the first call."""
        school_year = SchoolYear.current(today_in_paris())
        key = (document.path_name, public_url, school_year.start_year)
        with self._lock:
            if key not in self._documents:
                self._documents[key] = self._run(render_kit_pdf, document, public_url, school_year)
            return self._documents[key]
