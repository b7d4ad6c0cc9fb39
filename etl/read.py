"""Workbook bytes -> records of (unit, indicator values) + Problems, for both real-sheet layouts.

Consolidated (biểu tổng hợp)               Form (one unit's own report)
  BAN DÂN VẬN TỈNH ỦY …                      HUYỆN ỦY YÊN ĐỊNH
  BIỂU TỔNG HỢP … QUÝ II NĂM 2024            BÁO CÁO … QUÝ II NĂM 2024
  STT | Đơn vị | Hội nghị        | …        STT | Nội dung            | Đơn vị tính | Số lượng
      |        | Số cuộc | Lượt  |          I   | Công tác tuyên truyền
  (1) | (2)    | (3)     | (4)   |          1   | Số hội nghị         | hội nghị    | 12
  1   | H. Yên Định | 12 | 905   |          2   | Lượt người tham dự  | lượt người  | 905
  …   | Tổng cộng   | …  | …     |          Nơi nhận: …
  Nơi nhận: …

parse_workbook() is pure (no database) and never raises on bad input: every failure is a Problem.
Values are read with openpyxl in read-only mode; merged header ranges and formula cells are read
from the sheet XML (read-only mode exposes neither), so a 3,321-row sheet parses in one pass.
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
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import column_index_from_string, get_column_letter

from etl import match
from etl.catalog import IndicatorRow, UnitRow
from etl.numbers import CellReading, read_count
from etl.periods import Period
from etl.problems import Problem, has_errors, problem
from etl.safety import check_upload
from etl.text import clean
from etl.validate import MAX_PROBLEMS, RuleContext, TotalRow, cap_problems, row_of, run_rules

HEAD_ROWS = 25          # the header row is searched in the first ~20 rows
MAX_ROWS = 10_000       # rows read from one sheet (3× the 3,321 communes of the country); more is refused
MAX_COLS = 80
MAX_EMPTY_RUN = 500     # stop after this many consecutive empty rows below the table


@dataclass
class UnitRecord:
    unit_code: str
    unit_text: str                 # as written
    row: int
    values: dict[str, int] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)   # indicator code -> 'D7'


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


@dataclass
class Sheet:
    """One worksheet's values (row 1 = rows[0]) with what read-only mode cannot see."""
    name: str
    rows: list[tuple]
    merges: dict[tuple[int, int], tuple[int, int]]   # (row, col) -> top-left (row, col), 1-based
    formulas: set[tuple[int, int]]                   # formula cells (row, col), 1-based
    truncated: bool = False

    def value(self, r: int, c: int):
        """Value at 1-based (r, c), taking merged ranges into account."""
        r, c = self.merges.get((r, c), (r, c))
        if r > len(self.rows):
            return None
        row = self.rows[r - 1]
        return row[c - 1] if c <= len(row) else None


@dataclass
class Context:
    file: str
    sheet: str
    units: match.UnitMatcher
    headers: match.HeaderMatcher
    problems: list[Problem] = field(default_factory=list)
    unit_header: str = ""     # the unit column's header, for Problems about unit names

    def add(self, code: str, cell: str = "", row: int | None = None, column: str = "", **fields) -> None:
        self.problems.append(problem(code, file=self.file, sheet=self.sheet, cell=cell, row=row,
                                     column=column, **fields))


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
                layout, header_row = _detect_layout(head, headers)
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
    return Sheet(ws.title, rows[:MAX_ROWS], merges, _formula_cells(xml), truncated)


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


# ---------------------------------------------------------------- layout detection

@dataclass
class Column:
    index: int                  # 1-based
    header: str                 # as written ('Hội nghị - Lượt người')
    code: str | None = None     # indicator code
    kind: str = "other"         # indicator | unit | stt | ignored | other
    letter: str = ""

    def __post_init__(self):
        self.letter = get_column_letter(self.index)


def _detect_layout(sheet: Sheet, headers: match.HeaderMatcher) -> tuple[str, int]:
    for r in range(1, min(len(sheet.rows), HEAD_ROWS - 1) + 1):
        row = [sheet.value(r, c) for c in range(1, len(sheet.rows[r - 1]) + 1)]
        if any(match.is_unit_header(v) for v in row):
            columns, _ = _columns(sheet, r, headers)
            if any(c.kind == "indicator" for c in columns):
                return "consolidated", r
        if any(match.is_form_label_header(v) for v in row) and any(match.is_form_value_header(v) for v in row):
            return "form", r
    return "", 0


def _count(raw) -> CellReading:
    """etl.numbers.read_count, shielded: digits such as '¹' pass str.isdigit() but not int()."""
    try:
        return read_count(raw)
    except (ValueError, OverflowError):
        return CellReading(problem="not_a_number", text=str(raw)[:60])


def _is_text(v) -> bool:
    return isinstance(v, str) and bool(v.strip()) and _count(v).value is None


def _columns(sheet: Sheet, r: int, headers: match.HeaderMatcher) -> tuple[list[Column], int]:
    """Columns of a header starting at row r, over up to 3 lines (groups merged over sub-headers).
    Returns (columns, number of header lines)."""
    width = max(_last_filled(sheet, r + i) for i in range(3))
    unit_col = next(c for c in range(1, width + 1) if match.is_unit_header(sheet.value(r, c)))
    lines = 1
    while lines < 3 and _is_subheader_row(sheet, r + lines, unit_col, width):
        lines += 1
    parts: list[list[str]] = [[] for _ in range(width + 1)]
    for line in range(r, r + lines):
        group = ""
        for c in range(1, width + 1):
            own = sheet.merges.get((line, c), (line, c))[0] == line   # not the continuation of a merge above
            text = clean(sheet.value(line, c)) if own else ""
            below = line + 1 < r + lines and clean(sheet.value(line + 1, c))
            if not text and below and (line, c) not in sheet.merges and own:
                text = group   # a group header typed once, not merged, over several sub-headers
            group = text if below else ""
            if text:
                parts[c].append(text)
    return [_column(c, parts[c], unit_col, headers) for c in range(1, width + 1)], lines


def _is_subheader_row(sheet: Sheet, r: int, unit_col: int, width: int) -> bool:
    """Row r continues the header: nothing of its own in the unit column, text sub-headers, no numbers."""
    if r > len(sheet.rows):
        return False
    row = sheet.rows[r - 1]
    if (row[unit_col - 1] if unit_col <= len(row) else None) is not None or _is_column_numbers(row, width):
        return False
    cells = [v for v in row[:width] if v is not None]
    return bool(cells) and all(_is_text(v) for v in cells)


def _last_filled(sheet: Sheet, r: int) -> int:
    if r > len(sheet.rows):
        return 0
    row = sheet.rows[r - 1]
    return next((c for c in range(len(row), 0, -1) if sheet.value(r, c) is not None), 0)


def _column(c: int, parts: list[str], unit_col: int, headers: match.HeaderMatcher) -> Column:
    distinct = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    header = " - ".join(distinct)
    if c == unit_col:
        return Column(c, header, kind="unit")
    if any(match.is_stt_header(p) for p in distinct):
        return Column(c, header, kind="stt")
    code = headers.match_parts(distinct)
    if code:
        return Column(c, header, code, "indicator")
    return Column(c, header, kind="ignored" if match.is_ignored_header(header) else "other")


_COLUMN_NUMBER = re.compile(r"^\(?[0-9]{1,2}\)?$|^\(?[a-eA-E]\)?$|^\(?[0-9]{1,2}\)?\s*=.*$")


def _is_column_numbers(row: tuple, width: int = 0) -> bool:
    """A row '(1) (2) (3) …', 'A B 1 2 …' or '(5)=(3)+(4)' under a header `width` columns wide:
    increasing numbers in most columns."""
    marks = [str(v).strip() for v in row if v is not None and str(v).strip()]
    if len(marks) < max(2, 0.6 * width) or not all(_COLUMN_NUMBER.match(m) for m in marks):
        return False
    numbers = [int(re.match(r"\(?([0-9]+)", m).group(1)) for m in marks if m[:2].strip("(")[:1].isdigit()]
    return all(a < b for a, b in zip(numbers, numbers[1:]))


# ---------------------------------------------------------------- parsing a sheet

def _parse_sheet(result: ParsedFile, sheet: Sheet, header_row: int, units, indicators, given, allowed, today):
    title_cells = {f"{get_column_letter(c)}{r}": clean(v) for r, row in enumerate(sheet.rows[:header_row - 1], 1)
                   for c, v in enumerate(row, 1) if _is_text(v)}
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
    result.problems = ctx.problems + run_rules(rule_ctx)


def read_value(ctx: Context, sheet: Sheet, r: int, c: int, column: str):
    """The count in cell (r, c), or None; a bad cell adds its Problem and also returns None."""
    raw = sheet.rows[r - 1][c - 1] if c <= len(sheet.rows[r - 1]) else None
    if type(raw) is int and raw >= 0:  # the common case, fast
        return raw
    ref = f"{get_column_letter(c)}{r}"
    if raw is None and (r, c) in sheet.formulas:
        ctx.add("formula_without_value", cell=ref, row=r, column=column)
        return None
    if isinstance(raw, str) and raw.strip() in ERROR_CODES:
        ctx.add("cell_error_value", cell=ref, row=r, column=column, text=raw.strip())
        return None
    reading = _count(raw)
    if reading.problem:
        ctx.add(reading.problem, cell=ref, row=r, column=column, text=reading.text)
    return reading.value


# ---------------------------------------------------------------- consolidated layout

def parse_consolidated(ctx: Context, sheet: Sheet, header_row: int, records: list[UnitRecord]) -> RuleContext:
    """Unit rows below the header -> records; the total row is kept aside for the rules."""
    columns, lines = _columns(sheet, header_row, ctx.headers)
    data_cols = [c for c in columns if c.kind == "indicator"]
    _check_duplicate_columns(ctx, data_cols)
    unit_col = next(c.index for c in columns if c.kind == "unit")
    ctx.unit_header = columns[unit_col - 1].header
    start = header_row + lines
    if start <= len(sheet.rows) and _is_column_numbers(sheet.rows[start - 1], len(columns)):
        start += 1
    totals: list[TotalRow] = []
    unmatched = [c for c in columns if c.kind == "other"]
    width = len(columns)
    numeric_in: dict[int, str] = {}      # unmatched column -> first cell holding a number
    for r in range(start, len(sheet.rows) + 1):
        if len(ctx.problems) > 2 * MAX_PROBLEMS:
            break  # the file is refused anyway; stop spending time on a junk sheet
        row = sheet.rows[r - 1]
        if unmatched or len(row) > width:
            _note_numeric_columns(unmatched, row, r, numeric_in, width)
        raw_label = row[unit_col - 1] if unit_col <= len(row) else None
        label = clean(raw_label) if raw_label is not None else ""
        m = ctx.units.match(label) if label else None
        if m is not None and m.unit is not None:   # the common case: a unit row
            _unit_row(ctx, sheet, r, label, m.unit.code, unit_col, data_cols, records)
        elif not _other_row(ctx, sheet, r, label, m, unit_col, data_cols, totals):
            break
    for col in unmatched:
        if col.index in numeric_in:
            header = col.header or f"(cột {col.letter} không có tiêu đề)"
            ctx.add("unknown_column", cell=numeric_in[col.index], row=header_row, column=header, header=header)
    return RuleContext(ctx.file, ctx.sheet, records, {c.code: c.header for c in data_cols},
                       {c.code: c.letter for c in data_cols}, total=_grand_total(totals))


def _filled(sheet: Sheet, r: int, data_cols: list[Column]) -> list[Column]:
    """Data columns with something in row r (a formula without a saved value counts)."""
    row, formulas = sheet.rows[r - 1], sheet.formulas
    return [c for c in data_cols if c.index <= len(row) and row[c.index - 1] is not None
            or formulas and (r, c.index) in formulas]


def _other_row(ctx: Context, sheet: Sheet, r: int, label: str, m, unit_col: int, data_cols: list[Column],
               totals: list[TotalRow]) -> bool:
    """A row that names no unit: total, cluster heading/subtotal, footer, blank or unknown unit.
    Returns False at the notes and signatures below the table (stop reading)."""
    row = sheet.rows[r - 1]
    filled = _filled(sheet, r, data_cols)
    has_numbers = any(_count(row[c.index - 1]).value is not None for c in filled)
    left = [clean(v) for v in row[:unit_col - 1] if _is_text(v)]
    if _is_footer(row) and not has_numbers:
        return False  # notes and signatures below the table (their text may sit over data columns)
    if match.is_total_label(label) or (not label and any(match.is_total_label(t) for t in left)):
        totals.append(_total_row(sheet, r, data_cols))
    elif match.is_cluster_label(label) or (not label and any(match.is_cluster_label(t) for t in left)):
        pass
    elif not label:
        if has_numbers:
            ctx.add("blank_unit_row", cell=f"{get_column_letter(unit_col)}{r}", row=r, column=ctx.unit_header)
    elif filled:  # a text row without figures is a heading or a note, not a unit
        ctx.add(m.problem, cell=f"{get_column_letter(unit_col)}{r}", row=r, column=ctx.unit_header, **m.fields)
    return True


def _is_footer(row: tuple) -> bool:
    first = next((v for v in row if isinstance(v, str) and v.strip()), None)
    return first is not None and match.is_footer_label(first)


def _note_numeric_columns(unmatched: list[Column], row: tuple, r: int, found: dict[int, str], width: int) -> None:
    """Remember the first number in each column that matched no indicator (incl. columns with no header)."""
    for col in unmatched:
        if col.index not in found and col.index <= len(row):
            v = row[col.index - 1]
            if v is not None and not isinstance(v, bool) and _count(v).value is not None:
                found[col.index] = f"{col.letter}{r}"
    for c in range(width + 1, len(row) + 1):
        v = row[c - 1]
        if v is not None and c not in found and not isinstance(v, bool) and _count(v).value is not None:
            found[c] = f"{get_column_letter(c)}{r}"
            unmatched.append(Column(c, ""))


def _check_duplicate_columns(ctx: Context, data_cols: list[Column]) -> None:
    seen: dict[str, Column] = {}
    for col in data_cols:
        if col.code in seen:
            ctx.add("duplicate_column", cell=f"{col.letter}", column=col.header,
                    indicator=ctx.headers.labels.get(col.code, col.code),
                    detail=f"cột {seen[col.code].letter} và cột {col.letter}")
        else:
            seen[col.code] = col


def _unit_row(ctx: Context, sheet: Sheet, r: int, label: str, code: str, unit_col: int,
              data_cols: list[Column], records: list[UnitRecord]) -> None:
    record, before, row, filled = UnitRecord(code, label, r), len(ctx.problems), sheet.rows[r - 1], False
    values, cells, suffix = record.values, record.cells, str(r)
    for col in data_cols:
        raw = row[col.index - 1] if col.index <= len(row) else None
        if type(raw) is int and raw >= 0:   # fast path: most cells are plain counts
            values[col.code], cells[col.code], filled = raw, col.letter + suffix, True
        elif raw is not None or sheet.formulas and (r, col.index) in sheet.formulas:
            filled = True
            value = read_value(ctx, sheet, r, col.index, col.header)
            if value is not None:
                values[col.code], cells[col.code] = value, col.letter + suffix
    if filled and not values and len(ctx.problems) == before:
        ctx.add("unit_no_values", cell=f"{get_column_letter(unit_col)}{r}", row=r, column=ctx.unit_header,
                unit=label)
    if values:  # a row of blanks or "-" is a unit that has not reported: no record
        records.append(record)


def _total_row(sheet: Sheet, r: int, data_cols: list[Column]) -> TotalRow:
    total = TotalRow(r, {}, {})
    row = sheet.rows[r - 1]
    for col in data_cols:
        raw = row[col.index - 1] if col.index <= len(row) else None
        value = _count(raw).value if not (isinstance(raw, str) and raw.strip() in ERROR_CODES) else None
        if value is not None:
            total.values[col.code] = value
            total.cells[col.code] = f"{col.letter}{r}"
    return total


def _grand_total(totals: list[TotalRow]) -> TotalRow | None:
    """With several 'Cộng' rows (subtotals), the grand total is the one with the largest figures."""
    return max(totals, key=lambda t: sum(t.values.values()), default=None)


# ---------------------------------------------------------------- form layout

def parse_form(ctx: Context, sheet: Sheet, header_row: int, titles: list[str], records) -> RuleContext:
    """One unit's report: one row per indicator, the unit named in the title lines."""
    head = [sheet.value(header_row, c) for c in range(1, len(sheet.rows[header_row - 1]) + 1)]
    label_col = next(i for i, v in enumerate(head, 1) if match.is_form_label_header(v))
    value_col = next(i for i, v in enumerate(head, 1) if match.is_form_value_header(v))
    value_header = clean(sheet.value(header_row, value_col))
    unit = _form_unit(ctx, titles)
    record = UnitRecord(unit.code if unit else "", unit.name if unit else "", header_row)
    seen: dict[str, tuple[str, int]] = {}   # indicator code -> (label as written, row)
    group = ""
    for r in range(header_row + 1, len(sheet.rows) + 1):
        row = sheet.rows[r - 1]
        label = clean(row[label_col - 1]) if label_col <= len(row) else ""
        raw = row[value_col - 1] if value_col <= len(row) else None
        if _is_footer(row) and _count(raw).value is None:
            break
        if not label or _is_column_numbers(row):
            continue
        if raw is None and (r, value_col) not in sheet.formulas:
            group = label   # a group row ('II. Hội nghị quán triệt, tuyên truyền') over its lines
            continue
        _form_line(ctx, sheet, r, label, ctx.headers.match(label, group), value_col, value_header, record, seen)
    if unit and record.values:
        records.append(record)
    return RuleContext(ctx.file, ctx.sheet, records, {code: text for code, (text, _) in seen.items()})


def _form_line(ctx: Context, sheet: Sheet, r: int, label: str, code: str | None, value_col: int,
               value_header: str, record: UnitRecord, seen: dict) -> None:
    """One indicator line of a form: its value into the record, or the Problem that says why not."""
    ref = f"{get_column_letter(value_col)}{r}"
    if code is None:
        if _count(sheet.rows[r - 1][value_col - 1]).value is not None:
            ctx.add("unknown_indicator", cell=ref, row=r, column=label, header=label)
        return
    if code in seen:
        ctx.add("duplicate_indicator", cell=ref, row=r, column=label, indicator=ctx.headers.labels.get(code, code),
                detail=f"dòng {seen[code][1]} và dòng {r}")
        return
    seen[code] = (label, r)
    value = read_value(ctx, sheet, r, value_col, f"{label} - {value_header}")
    if value is not None:
        record.values[code], record.cells[code] = value, ref


def _form_unit(ctx: Context, titles: list[str]) -> UnitRow | None:
    """The unit named in a form's title lines, or None after adding the Problem that says why."""
    first_problem = None
    for line in titles:
        for candidate in match.unit_candidates_in_title(line):
            m = ctx.units.match(candidate)
            if m.unit:
                return m.unit
            if first_problem is None and (m.problem != "unknown_unit" or _names_unit(line)):
                first_problem = (m, re.sub(r"^[^:]*:\s*", "", line) if ":" in line else line)
    if first_problem:
        m, text = first_problem
        fields = dict(m.fields, unit=text)
        if m.problem == "unknown_unit":
            fields["closest"] = ctx.units.closest(text)
        ctx.add(m.problem, **fields)
    else:
        ctx.add("form_unit_missing")
    return None


def _names_unit(line: str) -> bool:
    """A title line that says which unit it is ('Đơn vị: …'), so an unknown name there is a Problem."""
    return bool(re.match(r"^(don vi|ten don vi|don vi bao cao)\b", match.header_key(line)))
