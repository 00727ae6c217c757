"""Emails rendered from the Jinja2 templates of ``templates/``: a subject, a text and an HTML part.

Each email ``<name>`` has three templates: ``<name>.subject.txt`` (one line),
``<name>.txt`` and ``<name>.html``, the last two extending the shared layouts. Only the
HTML templates are autoescaped; a missing context variable is an error, never a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class RenderedEmail:
    """The three parts of one email, ready to send."""

    subject: str
    text: str
    html: str


def render_email(name: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Render email ``name`` with ``context``; LookupError when no such email exists."""
    try:
        subject_template = _environment.get_template(f"{name}.subject.txt")
        text_template = _environment.get_template(f"{name}.txt")
        html_template = _environment.get_template(f"{name}.html")
    except TemplateNotFound as error:
        raise LookupError(f"no email template named {name!r}") from error
    # One line whatever the template holds: a newline in a header would end the header.
    subject = " ".join(subject_template.render(context).split())
    values = {**context, "subject": subject}
    return RenderedEmail(
        subject=subject,
        text=text_template.render(values).strip() + "\n",
        html=html_template.render(values),
    )
