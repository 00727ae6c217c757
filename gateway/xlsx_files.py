"""Excel (XLSX) files sent while they are written: each row's bytes leave as the rows come, the
memory used does not grow with their number, and nothing is spooled to disk.

An XLSX file is a ZIP of a few XML parts. The fixed ones (content types, relationships, the
workbook, its styles) are written first; the sheet's XML is then compressed a row at a time into
the ZIP, which Python's ``zipfile`` writes to a stream that cannot seek back (each member's sizes
follow its data, in a data descriptor). openpyxl cannot do this: even in write-only mode it
spools the sheet to a temporary file and writes the ZIP at the end. No well-kept library streams
an XLSX either (``xlsx-streaming`` fills a template through the unmaintained ``zipstream``, under
the GPL; ``stream-zip`` only makes the ZIP, which ``zipfile`` already does), hence this writer of
the few parts an export needs.

The cells: texts as inline strings (no shared-strings table, which would have to be complete
before the sheet could be sent), numbers as numbers, dates as Excel's serial days shown
JJ/MM/AAAA. A text cell is never a formula in this file; one that a spreadsheet would take for a
formula once edited (the CSV's rule, ``csv_files.starts_like_formula``) is marked as Excel marks a
text typed with a leading apostrophe (``quotePrefix``), its value unchanged.
"""

from __future__ import annotations

import math
import re
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape, quoteattr

from gateway.csv_files import Cell, starts_like_formula

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Bytes are handed on once this much compressed output has gathered: few, large writes.
CHUNK_SIZE = 64 * 1024
# Rows' XML is compressed by the batch of about this many characters (fewer, larger calls).
ROWS_BATCH = 16 * 1024
# Excel's day 0 (its serial dates count days from here, 1900's false leap day included).
EXCEL_EPOCH = datetime(1899, 12, 30)
SHEET_PART = "xl/worksheets/sheet1.xml"
# Excel's limit on a sheet's name, and the characters it refuses there.
SHEET_NAME_LENGTH = 31
_SHEET_NAME_REFUSED = re.compile(r"[\[\]:*?/\\]")

# Indexes of the cell formats written in styles.xml (its <cellXfs>, in this order).
STYLE_DATE, STYLE_DATETIME, STYLE_HEADER, STYLE_QUOTED = 1, 2, 3, 4

# Characters XML 1.0 cannot carry (control characters other than tab and line ends, lone
# surrogates): a pasted one would make the whole file unreadable, so it is left out.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Excel reads ``_x0041_`` in a text as the character it encodes (ECMA-376's ST_Xstring): such
# a sequence typed by someone is kept as typed by escaping its underscore.
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# Whether a text needs any of the above, or XML's escapes (most need none: one scan for them).
_NEEDS_CARE = re.compile(f"[&<>]|{_EXCEL_ESCAPE.pattern}|{_NOT_XML.pattern}")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/{SHEET_PART}" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_PACKAGE_RELATIONSHIPS = (
    _XML_DECLARATION + f'<Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELATIONSHIPS = (
    _XML_DECLARATION + f'<Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    _XML_DECLARATION + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def sheet_name(title: str) -> str:
    """``title`` as Excel accepts a sheet's name (at most 31 characters, none of ``[]:*?/\\``)."""
    return _SHEET_NAME_REFUSED.sub(" ", title)[:SHEET_NAME_LENGTH].strip() or "Feuille 1"


def column_letters(index: int) -> str:
    """The letters of the 0-based column ``index``: 0 → ``A``, 25 → ``Z``, 26 → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def xml_text(value: str) -> str:
    """``value`` as the text of an XML element that Excel reads back as ``value``."""
    if not _NEEDS_CARE.search(value):
        return value
    return escape(_EXCEL_ESCAPE.sub(r"_x005F_\1", _NOT_XML.sub("", value)))


def excel_serial(value: date) -> float:
    """A date (or a date and time) as Excel's serial number of days."""
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    elapsed = moment.replace(tzinfo=None) - EXCEL_EPOCH
    return elapsed.days + elapsed.seconds / 86_400 if elapsed.seconds else elapsed.days


def cell_xml(reference: str, value: Cell, text_style: int = 0) -> str:
    """One ``<c>`` element of the sheet (nothing for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, str):
        style = STYLE_QUOTED if not text_style and starts_like_formula(value) else text_style
        styled = f' s="{style}"' if style else ""
        return f'<c r="{reference}" t="inlineStr"{styled}><is><t xml:space="preserve">{xml_text(value)}</t></is></c>'
    if isinstance(value, date):
        style = STYLE_DATETIME if isinstance(value, datetime) else STYLE_DATE
        return f'<c r="{reference}" s="{style}"><v>{excel_serial(value)}</v></c>'
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        return cell_xml(reference, str(value), text_style)  # no number says it
    return f'<c r="{reference}"><v>{value!r}</v></c>'


def _sheet_start(headers: Sequence[str]) -> str:
    # The header row stays in view while scrolling; each column as wide as its title asks.
    widths = "".join(
        f'<col min="{number}" max="{number}" width="{min(max(len(header) + 4, 12), 40)}" customWidth="1"/>'
        for number, header in enumerate(headers, 1)
    )
    return (
        _XML_DECLARATION + f'<worksheet xmlns="{_MAIN}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews>"
        f"<cols>{widths}</cols><sheetData>"
    )


class _Pending:
    """Where the ZIP is written: the bytes wait here until the generator hands them on.

    It cannot seek, so ``zipfile`` writes each member's sizes after its data.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the bytes are taken by :meth:`take`."""

    def take(self) -> Iterator[bytes]:
        """The bytes written since the last call, as one chunk (none when there are none)."""
        if self._parts:
            chunk = b"".join(self._parts)
            self._parts.clear()
            self.size = 0
            yield chunk


def xlsx_chunks(title: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """The XLSX file of one sheet named ``title``: ``headers`` in bold, then ``rows``; its bytes
    come out while the rows are read (about every :data:`CHUNK_SIZE` bytes of compressed data)."""
    pending = _Pending()
    letters = [column_letters(index) for index in range(len(headers))]
    with zipfile.ZipFile(pending, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        workbook = (
            _XML_DECLARATION + f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
            f'<sheets><sheet name={quoteattr(sheet_name(title))} sheetId="1" r:id="rId1"/></sheets></workbook>'
        )
        for part, content in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _PACKAGE_RELATIONSHIPS),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELATIONSHIPS),
            ("xl/styles.xml", _STYLES),
        ):
            archive.writestr(part, content)
        # Dated like the parts above (``open`` alone would date it 1980).
        sheet_info = zipfile.ZipInfo(SHEET_PART, date_time=time.localtime()[:6])
        sheet_info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(sheet_info, "w") as sheet:
            header_cells = "".join(
                cell_xml(f"{letter}1", header, STYLE_HEADER) for letter, header in zip(letters, headers, strict=True)
            )
            sheet.write((_sheet_start(headers) + f'<row r="1">{header_cells}</row>').encode())
            yield from pending.take()
            batch: list[str] = []
            batched = 0
            for number, row in enumerate(rows, 2):
                cells = "".join(
                    cell_xml(f"{letter}{number}", value) for letter, value in zip(letters, row, strict=True)
                )
                batch.append(f'<row r="{number}">{cells}</row>')
                batched += len(batch[-1])
                if batched >= ROWS_BATCH:
                    sheet.write("".join(batch).encode())
                    batch.clear()
                    batched = 0
                    if pending.size >= CHUNK_SIZE:
                        yield from pending.take()
            batch.append("</sheetData></worksheet>")
            sheet.write("".join(batch).encode())
    yield from pending.take()
