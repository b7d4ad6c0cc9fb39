""".xlsx as Sheets (etl.sheet): values with openpyxl in read-only mode; merged header ranges, formula
cells and hidden rows from the sheet XML, which read-only mode does not expose, so a 3,321-row sheet
parses in one pass. etl.safety has already checked the bytes (zip directory, sizes, no bomb, no
DOCTYPE). Every scan of the sheet XML is linear whatever its bytes, and cell text is cut to
MAX_CELL_CHARS before any pattern sees it.
"""
from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice

import openpyxl
from openpyxl.utils import column_index_from_string

from etl.sheet import HEAD_ROWS, Sheet

MAX_COLS = 80           # columns read from one sheet (the merge scans below are bounded by it too)
MAX_ROWS = 10_000       # rows read from one sheet (etl.read refuses more); merges below it never matter
MAX_CELL_CHARS = 1000   # text kept per cell before any matching (names and headers are far shorter)


def open_xlsx(data: bytes, max_rows: int, max_cols: int, max_empty_run: int):
    """([(name, hidden, head(n) -> Sheet, full() -> Sheet)], close) for an .xlsx workbook."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    zf = zipfile.ZipFile(io.BytesIO(data))
    return [_source(ws, zf, max_rows, max_cols, max_empty_run) for ws in wb.worksheets], lambda: (wb.close(),
                                                                                                  zf.close())


def _source(ws, zf: zipfile.ZipFile, max_rows: int, max_cols: int, max_empty_run: int):
    xml: list[bytes] = []
    hidden = ws.sheet_state != "visible"

    def sheet_xml() -> bytes:
        if not xml:
            xml.append(zf.read(ws._worksheet_path))
        return xml[0]

    def head(n: int) -> Sheet:
        return Sheet(ws.title, [_bounded(r) for r in islice(ws.iter_rows(values_only=True), n)],
                     _merged_cells(sheet_xml()), set(), hidden=hidden)

    def full() -> Sheet:
        rows = list(_capped_rows(ws.iter_rows(max_row=max_rows + 1, values_only=True), max_cols, max_empty_run))
        data = sheet_xml()
        return Sheet(ws.title, rows[:max_rows], _merged_cells(data), _formula_cells(data), len(rows) > max_rows,
                     row_merges=_row_merges(data), hidden_rows=_hidden_rows(data), hidden=hidden)

    return ws.title, hidden, head, full


def _capped_rows(rows, max_cols: int, max_empty_run: int) -> Iterator[tuple]:
    """Rows up to max_empty_run empty ones in a row, each cut at max_cols."""
    empty_run = 0
    for row in rows:
        empty_run = empty_run + 1 if row.count(None) == len(row) else 0
        if empty_run > max_empty_run:
            break
        yield _bounded(row)


def _bounded(row: tuple) -> tuple:
    """The row cut to MAX_COLS cells and each text to MAX_CELL_CHARS characters, so that no pattern
    downstream ever sees more (a 32,767-character cell times 80 columns would)."""
    row = row[:MAX_COLS]
    for v in row:
        if type(v) is str and len(v) > MAX_CELL_CHARS:
            return tuple(_clipped(v) if type(v) is str else v for v in row)
    return row


@lru_cache(maxsize=64)
def _clipped(text: str) -> str:
    return text[:MAX_CELL_CHARS]  # cached: one shared string may fill a million cells


# Every scan below is linear in the sheet XML, whatever its bytes: quantifiers are bounded, and no
# search runs back over bytes an earlier search already covered (a hostile sheet of 2 MB must not
# cost 2 MB × 2 MB). Excel's own limits bound the numbers: 3 letters, 7 digits.
_MERGE = re.compile(rb'<(?:\w{1,32}:)?mergeCell\s{1,64}ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
MERGE_AREA = 400        # cells of a head merge worth spreading; larger ones are body notes or junk


def _merge_ranges(xml: bytes):
    """(r1, c1, r2, c2) of every <mergeCell>, read from the <mergeCells> list after the cell data."""
    end = xml.rfind(b"mergeCells")          # <mergeCells> sits after the cell data: search from the end
    if end < 0:
        return
    opening = xml.rfind(b"mergeCells", 0, end)   # `end` is usually the closing tag
    for m in _MERGE.finditer(xml, opening if opening >= 0 else end):
        yield (int(m.group(2)), column_index_from_string(m.group(1).decode()),
               int(m.group(4)), column_index_from_string(m.group(3).decode()))


def _merged_cells(xml: bytes) -> dict[tuple[int, int], tuple[int, int]]:
    """Every cell inside a merged range -> its top-left cell (merges in the table head only)."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in _merge_ranges(xml):
        if r1 > HEAD_ROWS * 2 or c1 > MAX_COLS or (r2 - r1 + 1) * (c2 - c1 + 1) > MERGE_AREA:
            continue  # merges in the body (notes, signatures) or beyond the columns read never matter
        if (r1, c1) in out:
            continue  # Excel's merges never overlap: a repeated corner is junk (and would cost 400× each)
        for r in range(r1, r2 + 1):
            for c in range(c1, min(c2, MAX_COLS) + 1):
                out[(r, c)] = (r1, c1)
    return out


def _row_merges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """(r1, c1, r2, c2) of every merged range over two rows or more within the rows and columns read."""
    return [(r1, c1, r2, c2) for r1, c1, r2, c2 in _merge_ranges(xml)
            if r2 > r1 and r1 <= MAX_ROWS and c1 <= MAX_COLS]


_ROW_TAG = re.compile(rb"<(?:\w{1,32}:)?row\s")
_ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')


def _hidden_rows(xml: bytes) -> set[int]:
    """Numbers of the rows hidden in Excel (<row r="10" hidden="1">): read-only mode does not expose them.
    Visits each hidden="…" once; the tag around it is searched only back to the previous tag's end."""
    out: set[int] = set()
    done = 0                                   # everything before this has been looked at
    pos = xml.find(b'hidden="')
    while pos >= 0:
        end = xml.find(b">", pos)
        start = xml.rfind(b"<", done, pos)
        if (end >= 0 and start >= 0 and xml.startswith((b'hidden="1"', b'hidden="true"'), pos)
                and xml[pos - 1:pos].isspace() and xml.find(b">", start, pos) < 0 and _ROW_TAG.match(xml, start)):
            ref = _ROW_NUMBER.search(xml, start, end)
            if ref:
                out.add(int(ref.group(1)))
        if end < 0:
            break
        done = end
        pos = xml.find(b'hidden="', end)
    return out


def _formula_cells(xml: bytes) -> set[tuple[int, int]]:
    """(row, col) of every cell holding a formula (a <f> after the cell's own <c> tag). Every search
    starts where the previous one ended, so the XML is read once, whatever it holds."""
    out: set[tuple[int, int]] = set()
    after = 0                                  # the <c> tag of the next <f> lies at or after this
    pos = xml.find(b"<f")
    while pos >= 0:
        if xml[pos + 2:pos + 3] not in (b">", b" ", b"/"):  # <font>, <fill> …
            pos = xml.find(b"<f", pos + 2)
            continue
        start = _last_cell_tag(xml, after, pos)
        if start >= 0:
            end = xml.find(b">", start, pos)
            m = _REF.search(xml, start, end if end >= 0 else pos)
            if m:
                out.add((int(m.group(2)), column_index_from_string(m.group(1).decode())))
        after = _next_cell_tag(xml, pos)       # later <f> of the same cell add nothing: skip them
        pos = xml.find(b"<f", after) if after >= 0 else -1
    return out


def _is_cell_tag(xml: bytes, pos: int) -> bool:
    return xml[pos + 2:pos + 3] in (b" ", b">", b"\t", b"\n", b"\r")   # '<c ', not '<col', '<cfRule'


def _last_cell_tag(xml: bytes, lo: int, hi: int) -> int:
    """Position of the last cell tag ('<c ' or '<c>') in xml[lo:hi], or -1."""
    pos = xml.rfind(b"<c", lo, hi)
    while pos >= 0 and not _is_cell_tag(xml, pos):
        pos = xml.rfind(b"<c", lo, pos)
    return pos


def _next_cell_tag(xml: bytes, lo: int) -> int:
    """Position of the first cell tag at or after lo, or -1."""
    pos = xml.find(b"<c", lo)
    while pos >= 0 and not _is_cell_tag(xml, pos):
        pos = xml.find(b"<c", pos + 2)
    return pos
