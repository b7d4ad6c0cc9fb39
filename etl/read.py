"""Workbook bytes -> records of (unit, indicator values) + Problems, for both real-sheet layouts.

parse_workbook() is pure (no database) and never raises on bad input: every failure is a Problem.
Values are read with openpyxl in read-only mode; merged header ranges and formula cells are read
from the sheet XML (read-only mode exposes neither), so a 3,321-row sheet parses in one pass.
The table head is understood by etl.sheet, the two layouts are parsed by etl.layouts.
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter

from etl import match
from etl.catalog import IndicatorRow, UnitRow
from etl.layouts import Context, UnitRecord, parse_consolidated, parse_form
from etl.periods import Period
from etl.problems import Problem, has_errors, problem
from etl.safety import check_upload
from etl.sheet import HEAD_ROWS, Sheet, detect_layout, is_text
from etl.text import clean
from etl.validate import cap_problems, row_of, run_rules

__all__ = ["ParsedFile", "UnitRecord", "parse_workbook"]

MAX_ROWS = 10_000       # rows read from one sheet (3× the 3,321 communes of the country); more is refused
MAX_COLS = 80
MAX_EMPTY_RUN = 500     # stop after this many consecutive empty rows below the table
MAX_CELL_CHARS = 1000   # text kept per cell before any matching (names and headers are far shorter)


@dataclass
class ParsedFile:
    file_name: str
    sha256: str
    sheet: str = ""
    layout: str = ""               # 'consolidated' | 'form' | ''
    period: Period | None = None
    records: list[UnitRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def parse_workbook(data: bytes, file_name: str, *, units: list[UnitRow], indicators: list[IndicatorRow],
                   period: Period | None = None, allowed_units: set[str] | None = None,
                   max_bytes: int = 20 * 2**20, today: date | None = None) -> ParsedFile:
    """Read and validate one uploaded workbook; never raises on bad input."""
    result = ParsedFile(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    result.problems = check_upload(data, file_name, max_bytes)
    if result.problems:
        return result
    try:
        found = _find_table_sheet(data, indicators)
    except MemoryError:  # a resource limit, not a bad file: etl.sandbox names the limit
        raise
    except Exception as exc:  # openpyxl/zip/xml errors on a corrupt file: a Problem, not a crash
        result.problems = [problem("file_unreadable", file=file_name, detail=_describe_error(exc))]
        return result
    if found is None:
        result.problems = [problem("no_table_found", file=file_name)]
        return result
    sheet, layout, header_row = found
    result.sheet, result.layout = sheet.name, layout
    _parse_sheet(result, sheet, header_row, units, indicators, period, allowed_units, today or date.today())
    result.problems = cap_problems(result.problems, file=file_name, sheet=sheet.name)
    return result


def _describe_error(exc: Exception) -> str:
    return f"tệp bị hỏng hoặc không đúng cấu trúc .xlsx ({type(exc).__name__})"


# ---------------------------------------------------------------- reading the workbook

def _find_table_sheet(data: bytes, indicators: list[IndicatorRow]):
    """(Sheet, layout, header_row) of the first sheet holding a recognisable table, or None."""
    headers = match.HeaderMatcher(indicators)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    fallback = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for ws in sorted(wb.worksheets, key=lambda w: w.sheet_state != "visible"):
                xml = zf.read(ws._worksheet_path)
                merges = _merged_cells(xml)
                head = Sheet(ws.title, [_bounded(r) for r in islice(ws.iter_rows(values_only=True), HEAD_ROWS)],
                             merges, set())
                layout, header_row = detect_layout(head, headers)
                if layout:
                    found = (_read_sheet(ws, xml, merges), layout, header_row)
                    if _has_numbers(found[0], header_row):
                        return found
                    fallback = fallback or found  # e.g. an instruction sheet that lists the headers
    finally:
        wb.close()
    return fallback


def _has_numbers(sheet: Sheet, header_row: int) -> bool:
    """Whether any cell below the header (besides the first column, often STT) holds a number."""
    return any(type(v) in (int, float) for row in sheet.rows[header_row:] for v in row[1:])


def _read_sheet(ws, xml: bytes, merges) -> Sheet:
    rows, empty_run = [], 0
    for row in ws.iter_rows(max_row=MAX_ROWS + 1, values_only=True):
        empty_run = empty_run + 1 if row.count(None) == len(row) else 0
        if empty_run > MAX_EMPTY_RUN:
            break
        rows.append(_bounded(row))
    truncated = len(rows) > MAX_ROWS
    return Sheet(ws.title, rows[:MAX_ROWS], merges, _formula_cells(xml), truncated,
                 row_merges=_row_merges(xml), hidden_rows=_hidden_rows(xml))


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


# ---------------------------------------------------------------- parsing a sheet

def _parse_sheet(result: ParsedFile, sheet: Sheet, header_row: int, units, indicators, given, allowed, today):
    title_cells = {f"{get_column_letter(c)}{r}": clean(v) for r, row in enumerate(sheet.rows[:header_row - 1], 1)
                   for c, v in enumerate(row, 1) if is_text(v)}
    titles = list(title_cells.values())
    found = match.period_in_lines(titles) or match.period_in_lines([sheet.name, result.file_name])
    period, code, fields = match.period_problem(found, given, today)
    ctx = Context(result.file_name, sheet.name, match.unit_matcher(units, period), match.HeaderMatcher(indicators))
    if code:  # point at the title cell that names the period, when there is one
        ref = next((ref for ref, text in title_cells.items() if match.period_in_lines([text]) == found), "")
        ctx.add(code, cell=ref if found else "", row=row_of(ref), **fields)
    result.period = period
    if sheet.truncated:
        ctx.add("too_many_rows", limit=f"{MAX_ROWS:,}".replace(",", "."))
    if result.layout == "consolidated":
        rule_ctx = parse_consolidated(ctx, sheet, header_row, result.records)
    else:
        rule_ctx = parse_form(ctx, sheet, header_row, titles, result.records)
    rule_ctx.labels = ctx.headers.labels
    rule_ctx.allowed_units = allowed
    rule_ctx.unit_names = {u.code: u.name for u in units}
    if not result.records and not has_errors(ctx.problems):
        ctx.add("no_data_rows")
    rule_ctx.bad_cells = {p.cell for p in ctx.problems if p.is_error and p.cell}
    rule_ctx.rows_refused = has_errors(ctx.problems)
    result.problems = ctx.problems + run_rules(rule_ctx)
