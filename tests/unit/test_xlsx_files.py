"""The Excel files of the exports (gateway/xlsx_files.py): read back by openpyxl as written
(headers, typed cells, French text, 10,000 rows), sent while the rows are still being read, in a
memory that does not grow with their number. No broker, no database."""

from __future__ import annotations

import io
import random
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from gateway import xlsx_files
from gateway.xlsx_files import xlsx_chunks

pytestmark = pytest.mark.unit

HEADERS = ["N°", "Élève", "Motif", "Reçue le", "Lettre de motivation"]


def pupil_rows(count: int, seed: int = 13) -> Iterator[list]:
    """``count`` rows of the kinds of cells an export has; the letters are random hexadecimal, so
    that the file compresses about as a real one (a repeated row would shrink to nothing)."""
    letters = random.Random(seed)
    for number in range(1, count + 1):
        letter = f"{letters.getrandbits(320):080x}"
        yield [number, f"Zoé Brûlé n° {number}", None, date(2027, 1, 1 + number % 28), letter]


def workbook_of(data: bytes, read_only: bool = False):
    return load_workbook(io.BytesIO(data), read_only=read_only)


def test_ten_thousand_rows_read_back_with_their_headers_types_and_french_text():
    data = b"".join(xlsx_chunks("Candidatures", HEADERS, pupil_rows(10_000)))
    book = workbook_of(data, read_only=True)
    assert book.sheetnames == ["Candidatures"]
    header, *lines = book["Candidatures"].iter_rows(values_only=True)
    assert list(header) == HEADERS
    assert len(lines) == 10_000
    expected = list(pupil_rows(10_000))
    for number, name, reason, received, letter in (lines[0], lines[4_999], lines[-1]):
        assert isinstance(number, int) and name == f"Zoé Brûlé n° {number}" and reason is None
        assert received == datetime(2027, 1, 1 + number % 28)  # a date, not its text
        assert letter == expected[number - 1][4]
    assert [line[0] for line in lines] == list(range(1, 10_001))


def test_a_text_that_looks_like_a_formula_stays_text_and_dates_read_as_dates():
    rows = [
        ['=HYPERLINK("http://evil")', "-2 semaines", "a < b & c > d", "_x0041_ tel quel", "bip\x07\x0bbip"],
        [date(2027, 6, 14), datetime(2027, 6, 14, 9, 30), 3, 2.5, float("nan")],
    ]
    data = b"".join(xlsx_chunks("Conventions", HEADERS, rows))
    sheet = workbook_of(data).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b  # the header stays in view, in bold
    formula, minus, markup, escaped, control = sheet[2]
    # never a formula: a text cell, marked as Excel marks a text typed after an apostrophe
    assert (formula.value, formula.data_type, formula.quotePrefix) == ('=HYPERLINK("http://evil")', "s", True)
    assert (minus.value, minus.quotePrefix) == ("-2 semaines", True)
    assert (markup.value, markup.quotePrefix) == ("a < b & c > d", False)
    assert control.value == "bipbip"  # XML cannot carry them: left out rather than a broken file
    # Excel would read « _x0041_ » as « A »: its underscore is escaped (openpyxl does not decode it)
    assert escaped.value == "_x005F_x0041_ tel quel"
    day, moment, whole, part, nan = sheet[3]
    assert (day.value, day.number_format) == (datetime(2027, 6, 14), "dd/mm/yyyy")
    assert moment.value == datetime(2027, 6, 14, 9, 30) and moment.is_date
    assert (whole.value, part.value) == (3, 2.5)
    assert nan.value == "nan" and nan.data_type == "s"  # no number says it


def test_the_first_bytes_leave_before_the_rows_are_read_and_the_rest_while_they_are():
    read = 0

    def counted(count: int) -> Iterator[list]:
        nonlocal read
        for row in pupil_rows(count):
            read += 1
            yield row

    sent: list[tuple[int, int]] = []  # (rows read when a chunk left, its size)
    chunks = []
    for chunk in xlsx_chunks("Candidatures", HEADERS, counted(20_000)):
        sent.append((read, len(chunk)))
        chunks.append(chunk)
    total = sum(size for _, size in sent)
    assert sent[0][0] == 0  # the workbook's parts and the header row, before the first row is read
    before_the_end = sum(size for rows_read, size in sent if rows_read < 20_000)
    assert before_the_end > total * 0.9, sent
    assert len({rows_read for rows_read, _ in sent}) > 10  # along the way, not in one burst
    assert all(size <= 4 * xlsx_files.CHUNK_SIZE for _, size in sent)
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert archive.testzip() is None  # every member's data matches its checksum


def letters(count: int) -> Iterator[list]:
    """``count`` rows of two cells (fewer cells, fewer allocations for tracemalloc to follow)."""
    draw = random.Random(17)
    for number in range(1, count + 1):
        yield [number, f"{draw.getrandbits(640):0160x}"]


def peak_memory(count: int) -> tuple[int, int]:
    """The writer's peak of allocated memory for ``count`` rows, and the file's size."""
    rows = letters(count)
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in xlsx_chunks("Candidatures", ["N°", "Lettre"], rows))
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def test_the_memory_used_does_not_grow_with_the_rows():
    small_peak, small_size = peak_memory(5_000)
    peak, size = peak_memory(50_000)
    assert size > 8 * small_size  # ten times the rows, about ten times the file
    assert peak < size / 4, (peak, size)
    assert peak < small_peak * 1.5, (small_peak, peak)


def test_sheet_names_and_column_letters_as_excel_wants_them():
    assert xlsx_files.sheet_name("Candidatures") == "Candidatures"
    assert xlsx_files.sheet_name("a/b: [c]?" + "x" * 40) == ("a b   c  " + "x" * 40)[:31].strip()
    assert [xlsx_files.column_letters(i) for i in (0, 16, 25, 26, 27, 701, 702)] == [
        "A",
        "Q",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
