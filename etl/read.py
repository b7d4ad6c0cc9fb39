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

__all__ = ["MappedColumn", "ParsedFile", "SheetInfo", "UnitRecord", "parse_workbook"]

MAX_ROWS = 10_000       # rows read from one sheet (3× the 3,321 communes of the country); more is refused
MAX_COLS = 80
MAX_EMPTY_RUN = 500     # stop after this many consecutive empty rows below the table


@dataclass(frozen=True)
class MappedColumn:
    """How one column header was mapped to an indicator (listed in the preview and in --json)."""
    header: str                    # as written
    cell: str                      # where the header is ('D5')
    indicator: str | None          # indicator code; None = left out
    how: str                       # exact | meaning | learned | given
    score: float = 100.0


@dataclass
class SheetInfo:
    """One sheet of the workbook: read (its period, layout and columns) or skipped, with why."""
    name: str
    status: str                    # read | skipped
    reason: str = ""               # why skipped (Vietnamese), '' when read
    period: Period | None = None
    layout: str = ""
    mapped_columns: list[MappedColumn] = field(default_factory=list)


@dataclass
class ParsedFile:
    file_name: str
    sha256: str
    sheet: str = ""
    layout: str = ""               # 'consolidated' | 'form' | ''
    period: Period | None = None
    records: list[UnitRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheets: list[SheetInfo] = field(default_factory=list)   # every sheet, read or skipped

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
    except Exception as exc:  # openpyxl/zip/xml errors on a corrupt file: a Problem, not a crash
        result.problems = [problem("file_unreadable", file=file_name, detail=_describe_error(exc))]
        return result
    if found is None:
        result.problems = [problem("no_table_found", file=file_name)]
        return result
    sheet, layout, header_row = found
    result.sheet, result.layout = sheet.name, layout
    _parse_sheet(result, sheet, header_row, units, indicators, period, allowed_units, today or date.today())
    for record in result.records:
        record.sheet, record.period = sheet.name, result.period
    result.sheets = [SheetInfo(sheet.name, "read", period=result.period, layout=layout)]
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
                head = Sheet(ws.title, [r[:MAX_COLS] for r in islice(ws.iter_rows(values_only=True), HEAD_ROWS)],
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
        rows.append(row if len(row) <= MAX_COLS else row[:MAX_COLS])
    truncated = len(rows) > MAX_ROWS
    return Sheet(ws.title, rows[:MAX_ROWS], merges, _formula_cells(xml), truncated,
                 row_merges=_row_merges(xml), hidden_rows=_hidden_rows(xml))


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)"')
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')


def _merged_cells(xml: bytes) -> dict[tuple[int, int], tuple[int, int]]:
    """Every cell inside a merged range -> its top-left cell (merges in the table head only)."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    end = xml.rfind(b"mergeCells")          # <mergeCells> sits after the cell data: search from the end
    if end < 0:
        return out
    opening = xml.rfind(b"mergeCells", 0, end)   # `end` is usually the closing tag
    for m in _MERGE.finditer(xml, opening if opening >= 0 else end):
        c1, r1, c2, r2 = (column_index_from_string(m.group(1).decode()), int(m.group(2)),
                          column_index_from_string(m.group(3).decode()), int(m.group(4)))
        if r1 > HEAD_ROWS * 2 or (r2 - r1 + 1) * (c2 - c1 + 1) > 400:
            continue  # merges in the body (notes, signatures) never matter for headers
        for r in range(r1, r2 + 1):
            for c in range(c1, min(c2, MAX_COLS) + 1):
                out[(r, c)] = (r1, c1)
    return out


def _row_merges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """(r1, c1, r2, c2) of every merged range over two rows or more, anywhere in the sheet."""
    end = xml.rfind(b"mergeCells")          # as in _merged_cells: the list sits after the cell data
    if end < 0:
        return []
    start = xml.rfind(b"mergeCells", 0, end)
    start = start if start >= 0 else end
    out = []
    for m in _MERGE.finditer(xml, start):
        r1, r2 = int(m.group(2)), int(m.group(4))
        if r2 > r1:
            out.append((r1, column_index_from_string(m.group(1).decode()), r2,
                        column_index_from_string(m.group(3).decode())))
    return out


_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?\bhidden="(?:1|true)"[^>]*>')


def _hidden_rows(xml: bytes) -> set[int]:
    """Numbers of the rows hidden in Excel (<row r="10" hidden="1">): read-only mode does not expose them."""
    if b'hidden="' not in xml:
        return set()
    out = set()
    for m in _HIDDEN_ROW.finditer(xml):
        ref = re.search(rb'\br="([0-9]+)"', m.group(0))
        if ref:
            out.add(int(ref.group(1)))
    return out


def _formula_cells(xml: bytes) -> set[tuple[int, int]]:
    """(row, col) of every cell holding a formula: find each <f> and read its cell's r="D7"."""
    out: set[tuple[int, int]] = set()
    pos = xml.find(b"<f")
    while pos >= 0:
        if xml[pos + 2:pos + 3] in (b">", b" ", b"/"):
            m = _REF.search(xml, xml.rfind(b"<c", 0, pos), pos)
            if m:
                out.add((int(m.group(2)), column_index_from_string(m.group(1).decode())))
        pos = xml.find(b"<f", pos + 2)
    return out


# ---------------------------------------------------------------- parsing a sheet

def _parse_sheet(result: ParsedFile, sheet: Sheet, header_row: int, units, indicators, given, allowed, today):
    title_cells = {f"{get_column_letter(c)}{r}": clean(v) for r, row in enumerate(sheet.rows[:header_row - 1], 1)
                   for c, v in enumerate(row, 1) if is_text(v)}
    titles = list(title_cells.values())
    found = match.period_in_lines(titles) or match.period_in_lines([sheet.name, result.file_name])
    unsupported = match.unsupported_in_lines(titles + [sheet.name, result.file_name])
    period, code, fields = match.period_problem(found, given, today, unsupported)
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
