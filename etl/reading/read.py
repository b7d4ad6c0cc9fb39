"""Workbook or document bytes -> records of (unit, indicator values) + Problems, for every sheet (or
table of a .docx) holding a table, and for the figures a user accepted from a document's sentences.

parse_workbook() is pure (no database: aliases learned before and mappings chosen for this load are
passed in as data) and never raises on bad input: every failure is a Problem.
Each format yields Sheets (etl.reading.sheet): .xlsx in etl.reading.xlsx_sheets (openpyxl read-only, plus scans of the
sheet XML: merges, formulas, hidden rows), .xls/.ods in etl.reading.calamine_sheets. Every visible sheet whose
head is a table is read (its own period and units); hidden sheets are skipped and named; etl.reading.combine
takes values two sheets repeat once and refuses values they disagree on. A .docx (etl.reading.docx_sheets)
yields its tables as Sheets ('Bảng 2', cells 'Bảng 2, dòng 5, cột 4'), and etl.reading.doc_read proposes the
figures of its sentences (ParsedFile.text_figures), loading only those accepted.
The table head is understood by etl.reading.sheet, the layouts are parsed by etl.reading.layouts and etl.reading.form_layouts.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

from etl.catalog.catalogue import IndicatorRow, UnitRow
from etl.periods import Period
from etl.problems import Problem, has_errors, problem
from etl.reading import match, unit_names
from etl.reading.calamine_sheets import SheetTooLarge, open_sheets
from etl.reading.combine import combine_sheets
from etl.reading.doc_read import TEXT_SHEET, read_document_text
from etl.reading.docx_sheets import MAX_TABLES, TooManyTables, open_docx
from etl.reading.form_layouts import parse_form, parse_transposed
from etl.reading.formats import file_kind
from etl.reading.layouts import Context, UnitRecord, parse_consolidated
from etl.reading.numbers import fmt_int
from etl.reading.safety import check_upload
from etl.reading.sheet import HEAD_ROWS, ColumnQuestion, MappedColumn, Sheet, detect_layout, is_text
from etl.reading.validate import cap_problems, row_of, run_rules
from etl.reading.xlsx_sheets import MAX_COLS, open_xlsx
from etl.text import clean

__all__ = ["ColumnQuestion", "MappedColumn", "ParsedFile", "SheetInfo", "UnitRecord", "parse_workbook"]

MAX_ROWS = 10_000       # rows read from one sheet (3× the 3,321 communes of the country); more is refused
MAX_EMPTY_RUN = 500     # stop after this many consecutive empty rows below the table
LOOK_ROWS = 60          # rows of a sheet without a table looked at for figures (a table we cannot read)


@dataclass
class SheetInfo:
    """One sheet of the workbook: read (its period, layout and columns) or skipped, with why."""
    name: str
    status: str                    # read | skipped
    reason: str = ""               # why skipped (Vietnamese), '' when read
    period: Period | None = None
    layout: str = ""
    mapped_columns: list[MappedColumn] = field(default_factory=list)
    questions: list[ColumnQuestion] = field(default_factory=list)   # columns with figures to ask about


@dataclass
class ParsedFile:
    file_name: str
    sha256: str
    sheet: str = ""                # the first sheet read
    layout: str = ""               # 'consolidated' | 'form' | 'transposed' | '' (of the first sheet read)
    period: Period | None = None   # the first sheet's; each record carries its own
    records: list[UnitRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheets: list[SheetInfo] = field(default_factory=list)   # every sheet, read or skipped
    text_figures: list = field(default_factory=list)        # etl.reading.text_figures.TextFigure: a document's sentences

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)

    @property
    def mapped_columns(self) -> list[MappedColumn]:
        return [m for s in self.sheets for m in s.mapped_columns]

    @property
    def questions(self) -> list[ColumnQuestion]:
        return [q for s in self.sheets for q in s.questions]


@dataclass
class SheetSource:
    """A sheet of an opened workbook: its name and state, and its rows read on demand."""
    name: str
    hidden: bool
    head: Callable[[int], Sheet]   # the first n rows (with the merges of the table head)
    full: Callable[[], Sheet]      # every row, capped at MAX_ROWS


def parse_workbook(data: bytes, file_name: str, *, units: list[UnitRow], indicators: list[IndicatorRow],
                   period: Period | None = None, allowed_units: set[str] | None = None,
                   max_bytes: int = 20 * 2**20, today: date | None = None,
                   mappings: dict[str, str | None] | None = None,
                   learned: dict[str, str] | None = None,
                   accept_text_figures: bool | Collection[str] | None = None) -> ParsedFile:
    """Read and validate one uploaded workbook, every sheet holding a table; never raises on bad input.
    mappings: {header as written: indicator code, or None/'' to leave the column out} for this load;
    learned: {header: indicator code} learned from earlier loads (etl.catalog.aliases);
    accept_text_figures: for a .docx, the figures of its sentences to load: True (all), their keys, or
    None (they are only proposed)."""
    result = ParsedFile(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    result.problems = check_upload(data, file_name, max_bytes)
    if result.problems:
        return result
    headers = match.HeaderMatcher(indicators, learned, mappings)
    try:
        tables, result.sheets, unreadable = _find_tables(data, headers, units)
    except SheetTooLarge as exc:
        result.problems = [problem("file_too_large", file=file_name, sheet=exc.name, detail=(
            f"trang tính {exc.name} trải tới dòng {fmt_int(exc.rows)}, cột {fmt_int(exc.cols)}; xóa các ô "
            "thừa ở xa bảng rồi lưu lại"))]
        return result
    except TooManyTables:
        result.problems = [problem("file_too_large", file=file_name, detail=f"văn bản có hơn {MAX_TABLES} bảng")]
        return result
    except MemoryError:  # a resource limit, not a bad file: etl.reading.sandbox names the limit
        raise
    except Exception as exc:  # reader/zip/xml errors on a corrupt file: a Problem, not a crash
        result.problems = [problem("file_unreadable", file=file_name, detail=_describe_error(exc, data))]
        return result
    document = file_kind(data) == "docx"
    if not tables and not document:
        result.problems = [problem("no_table_found", file=file_name)]
        return result
    problems = [problem("sheet_unreadable", file=file_name, sheet=name) for name in unreadable]
    parts = []
    for sheet, layout, header_row in tables:
        part = _parse_sheet(file_name, sheet, layout, header_row, units, headers, period, allowed_units,
                            today or date.today())
        parts.append(part)
        problems += cap_problems(part.problems, file=file_name, sheet=sheet.name)
    infos = {p.info.name: p.info for p in parts}
    result.sheets = [infos.get(s.name, s) for s in result.sheets]
    if parts:
        first = parts[0].info
        result.sheet, result.layout, result.period = first.name, first.layout, first.period
    result.records, combined = combine_sheets(file_name, [(p.info.name, p.records) for p in parts], headers.labels)
    result.problems = problems + combined
    if document:
        _add_document_text(result, data, bool(parts), units=units, indicators=indicators, period=period,
                           allowed_units=allowed_units, today=today or date.today(), accept=accept_text_figures)
    return result


def _add_document_text(result: ParsedFile, data: bytes, tables_read: bool, **options) -> None:
    """The figures of a document's sentences: proposed (listed), and loaded when accepted."""
    text = read_document_text(data, result.file_name, result.records, tables_read, **options)
    result.text_figures, result.records = text.figures, result.records + text.records
    result.problems += cap_problems(text.problems, file=result.file_name, sheet=TEXT_SHEET)
    if text.records:   # listed with the sheets read (and kept with the batch) once figures are accepted
        result.sheets.append(SheetInfo(TEXT_SHEET, "read", "", text.period, "text"))
        result.sheet, result.layout = result.sheet or TEXT_SHEET, result.layout or "text"
    result.period = result.period or text.period


def _describe_error(exc: Exception, data: bytes) -> str:
    kind = {"xls": ".xls", "ods": ".ods", "docx": ".docx"}.get(file_kind(data), ".xlsx")
    return f"tệp bị hỏng hoặc không đúng cấu trúc {kind} ({type(exc).__name__})"


# ---------------------------------------------------------------- finding the tables

def _find_tables(data: bytes, headers: match.HeaderMatcher, units: list[UnitRow]):
    """([(Sheet, layout, header_row)] of the sheets to read, [SheetInfo] of every sheet (skipped ones
    with why), [names of visible sheets that hold figures but no table we can read])."""
    names = unit_names.unit_matcher(units, None)
    with _open_workbook(data) as sources:
        tables, hidden_tables, infos, unreadable, fallback = [], [], [], [], None
        for source in sources:
            head = source.head(HEAD_ROWS)
            layout, header_row = detect_layout(head, headers, names)
            if source.hidden:
                infos.append(SheetInfo(source.name, "skipped", "Trang tính đang bị ẩn"))
                if layout:
                    hidden_tables.append((source, layout, header_row))
                continue
            if not layout:
                infos.append(SheetInfo(source.name, "skipped", "Không có bảng số liệu"))
                if _has_figures(source.head(LOOK_ROWS)):
                    unreadable.append(source.name)
                continue
            found = (_read_full(source), layout, header_row)
            if _has_numbers(found[0], header_row):
                tables.append(found)
                infos.append(SheetInfo(source.name, "read", layout=layout))
            else:  # e.g. an instruction sheet that lists the headers
                fallback = fallback or found
                infos.append(SheetInfo(source.name, "skipped", "Bảng không có số liệu"))
        if not tables and hidden_tables:   # an old file whose only table is on a hidden sheet
            source, layout, header_row = hidden_tables[0]
            tables = [(_read_full(source), layout, header_row)]
            infos = [SheetInfo(i.name, "read", layout=layout) if i.name == source.name else i for i in infos]
            unreadable = []
        elif not tables and fallback is not None:
            tables = [fallback]
            infos = [SheetInfo(i.name, "read", layout=fallback[1]) if i.name == fallback[0].name else i
                     for i in infos]
    return tables, infos, unreadable


def _read_full(source: SheetSource) -> Sheet:
    """Every row of a sheet (capped): the one place a whole sheet is materialised."""
    return source.full()


def _has_numbers(sheet: Sheet, header_row: int) -> bool:
    """Whether any cell below the header (besides the first column, often STT) holds a number."""
    return any(type(v) in (int, float) for row in sheet.rows[header_row:] for v in row[1:])


def _has_figures(sheet: Sheet) -> bool:
    """A sheet without a table we recognise that still looks like data: three rows or more with two
    numbers or more beside the first column (an instruction sheet's numbered lines are not)."""
    rows = sum(1 for row in sheet.rows if sum(1 for v in row[1:] if type(v) in (int, float)) >= 2)
    return rows >= 3


class _open_workbook:
    """Context manager: the SheetSources of a workbook in any format it reads."""

    def __init__(self, data: bytes):
        self.data, self._close = data, None

    def __enter__(self) -> list[SheetSource]:
        kind = file_kind(self.data)
        if kind == "docx":
            sources, self._close = open_docx(self.data, MAX_ROWS, MAX_COLS, MAX_EMPTY_RUN)
        elif kind in ("xls", "ods"):
            sources, self._close = open_sheets(self.data, kind, MAX_ROWS, MAX_COLS, MAX_EMPTY_RUN)
        else:
            sources, self._close = open_xlsx(self.data, MAX_ROWS, MAX_COLS, MAX_EMPTY_RUN)
        return [SheetSource(*s) for s in sources]

    def __exit__(self, *exc) -> None:
        if self._close:
            self._close()


# ---------------------------------------------------------------- parsing a sheet

@dataclass
class _SheetPart:
    info: SheetInfo
    records: list[UnitRecord]
    problems: list[Problem]


def _parse_sheet(file_name: str, sheet: Sheet, layout: str, header_row: int, units, headers, given, allowed,
                 today) -> _SheetPart:
    title_cells = {sheet.cell(r, c): clean(v) for r, row in enumerate(sheet.rows[:header_row - 1], 1)
                   for c, v in enumerate(row, 1) if is_text(v)}
    titles = list(title_cells.values())
    found = match.period_in_lines(titles) or match.period_in_lines([sheet.name, file_name])
    unsupported = match.unsupported_in_lines(titles + [sheet.name, file_name])
    period, code, fields = match.period_problem(found, given, today, unsupported)
    ctx = Context(file_name, sheet.name, unit_names.unit_matcher(units, period), headers)
    if code:  # point at the title cell that names the period, when there is one
        ref = next((ref for ref, text in title_cells.items() if match.period_in_lines([text]) == found), "")
        ctx.add(code, cell=ref if found else "", row=row_of(ref), **fields)
    if sheet.truncated:
        ctx.add("too_many_rows", limit=f"{MAX_ROWS:,}".replace(",", "."))
    records: list[UnitRecord] = []
    if layout == "consolidated":
        rule_ctx = parse_consolidated(ctx, sheet, header_row, records)
    elif layout == "transposed":
        rule_ctx = parse_transposed(ctx, sheet, header_row, records)
    else:
        rule_ctx = parse_form(ctx, sheet, header_row, titles, records)
    rule_ctx.labels = ctx.headers.labels
    rule_ctx.allowed_units = allowed
    rule_ctx.unit_names = {u.code: u.name for u in units}
    if not records and not has_errors(ctx.problems):
        ctx.add("no_data_rows")
    rule_ctx.bad_cells = {p.cell for p in ctx.problems if p.is_error and p.cell}
    rule_ctx.rows_refused = has_errors(ctx.problems)
    for record in records:
        record.sheet, record.period = sheet.name, period
    info = SheetInfo(sheet.name, "read", period=period, layout=layout, mapped_columns=ctx.mapped,
                     questions=ctx.questions)
    return _SheetPart(info, records, ctx.problems + run_rules(rule_ctx))
