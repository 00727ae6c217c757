"""CSV files as a French spreadsheet opens them as they are: UTF-8 with a byte order mark (so
that Excel reads the accents), « ; » between fields, CRLF line ends, dates as JJ/MM/AAAA, and
no text a spreadsheet would run as a formula.

The exports of applications and conventions and the administrators' statistics write through
here, so that every CSV the platform serves is read the same way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

Cell = str | int | float | date | None

BOM = "\ufeff"
MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula (``=``, ``+``, ``-``, ``@`` first,
    such as in a pupil's motivation letter): OWASP's CSV injection."""
    return _FORMULA_START.match(text) is not None


def safe_text(value: Cell) -> Cell:
    """A text a spreadsheet would take for a formula made plain text with a leading apostrophe."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def cell_text(value: Cell) -> str:
    """A cell as the CSV writes it (dates the French way)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(safe_text(value))


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """The CSV file, a line at a time, so that a long one is sent while it is written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([cell_text(header) for header in headers])
    yield (BOM + buffer.getvalue()).encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell_text(value) for value in row])
        yield buffer.getvalue().encode()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The whole CSV file at once, for a short one."""
    return b"".join(csv_chunks(headers, rows))
