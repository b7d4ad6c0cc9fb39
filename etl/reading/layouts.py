"""The consolidated layout, parsed from a Sheet into UnitRecords + Problems (the layouts with
indicators down — a unit's form and the transposed table — are in etl.reading.form_layouts).

Consolidated (biểu tổng hợp)               Form (one unit's own report)
  BAN DÂN VẬN TỈNH ỦY …                      HUYỆN ỦY YÊN ĐỊNH
  BIỂU TỔNG HỢP … QUÝ II NĂM 2024            BÁO CÁO … QUÝ II NĂM 2024
  STT | Đơn vị | Hội nghị        | …        STT | Nội dung            | Đơn vị tính | Số lượng
      |        | Số cuộc | Lượt  |          I   | Công tác tuyên truyền
  (1) | (2)    | (3)     | (4)   |          1   | Số hội nghị         | hội nghị    | 12
  1   | H. Yên Định | 12 | 905   |          2   | Lượt người tham dự  | lượt người  | 905
  …   | Tổng cộng   | …  | …     |          Nơi nhận: …
  Nơi nhận: …
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from openpyxl.cell.cell import ERROR_CODES

from etl.periods import Period
from etl.problems import Problem, problem
from etl.reading import match, unit_names
from etl.reading.sheet import (Column, ColumnQuestion, MappedColumn, Sheet, cell_count, header_columns,
                               is_column_numbers, is_text)
from etl.reading.validate import MAX_PROBLEMS, RuleContext, TotalRow
from etl.text import clean


@dataclass
class UnitRecord:
    unit_code: str
    unit_text: str                 # as written
    row: int
    values: dict[str, int] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)   # indicator code -> 'D7'
    period: Period | None = None   # None: the file's period (ParsedFile.period)
    sheet: str = ""                # the sheet the record was read from


@dataclass
class Context:
    file: str
    sheet: str
    units: unit_names.UnitMatcher
    headers: match.HeaderMatcher
    problems: list[Problem] = field(default_factory=list)
    unit_header: str = ""     # the unit column's header, for Problems about unit names
    mapped: list[MappedColumn] = field(default_factory=list)       # every column mapped, and how
    questions: list[ColumnQuestion] = field(default_factory=list)  # columns with figures to ask about

    def add(self, code: str, cell: str = "", row: int | None = None, column: str = "", **fields) -> None:
        self.problems.append(problem(code, file=self.file, sheet=self.sheet, cell=cell, row=row,
                                     column=column, **fields))


def read_value(ctx: Context, sheet: Sheet, r: int, c: int, column: str):
    """The count in cell (r, c), or None; a bad cell adds its Problem and also returns None."""
    raw = sheet.rows[r - 1][c - 1] if c <= len(sheet.rows[r - 1]) else None
    if type(raw) is int and raw >= 0:  # the common case, fast
        return raw
    ref = sheet.cell(r, c)
    if raw is None and (r, c) in sheet.formulas:
        ctx.add("formula_without_value", cell=ref, row=r, column=column)
        return None
    if isinstance(raw, str) and raw.strip() in ERROR_CODES:
        ctx.add("cell_error_value", cell=ref, row=r, column=column, text=raw.strip())
        return None
    reading = cell_count(raw)
    if reading.problem:
        ctx.add(reading.problem, cell=ref, row=r, column=column, text=reading.text)
    return reading.value


# ---------------------------------------------------------------- consolidated layout

def parse_consolidated(ctx: Context, sheet: Sheet, header_row: int, records: list[UnitRecord]) -> RuleContext:
    """Unit rows below the header -> records; the total row is kept aside for the rules."""
    columns, lines = header_columns(sheet, header_row, ctx.headers)
    data_cols = [c for c in columns if c.kind == "indicator"]
    ctx.mapped += [m for m in (c.mapped() for c in columns) if m is not None]
    _check_duplicate_columns(ctx, data_cols)
    unit_col = next(c.index for c in columns if c.kind == "unit")
    ctx.unit_header = columns[unit_col - 1].header
    start = header_row + lines
    if start <= len(sheet.rows) and is_column_numbers(sheet.rows[start - 1], len(columns)):
        start += 1
    totals: list[TotalRow] = []
    unmatched = [c for c in columns if c.kind in ("other", "uncertain")]
    width = len(columns)
    numeric_in: dict[int, str] = {}      # unmatched column -> first cell holding a number
    unit_rows: dict[int, str] = {}       # row -> unit name as written, for every row naming a known unit
    for r in range(start, len(sheet.rows) + 1):
        if len(ctx.problems) > 2 * MAX_PROBLEMS:
            break  # the file is refused anyway; stop spending time on a junk sheet
        row = sheet.rows[r - 1]
        if unmatched or len(row) > width:
            _note_numeric_columns(unmatched, row, r, numeric_in, width, sheet.namer)
        raw_label = row[unit_col - 1] if unit_col <= len(row) else None
        label = clean(raw_label) if raw_label is not None else ""
        m = ctx.units.match(label) if label else None
        if m is not None and m.unit is not None:   # the common case: a unit row
            unit_rows[r] = label
            _unit_row(ctx, sheet, r, label, m.unit.code, unit_col, data_cols, records)
        elif not _other_row(ctx, sheet, r, label, m, unit_col, data_cols, totals):
            break
    for col in unmatched:
        if col.index in numeric_in:
            ask_about_column(ctx, col, numeric_in[col.index], header_row)
    grand = _grand_total(totals)
    if grand is not None:
        records[:] = _end_at_total(ctx, sheet, grand.row, unit_rows, records)
    _check_row_merges(ctx, sheet, start, data_cols, unit_rows)
    for record in records:
        if record.row in sheet.hidden_rows:
            ctx.add("hidden_row", cell=sheet.cell(record.row, unit_col), row=record.row,
                    column=ctx.unit_header, unit=record.unit_text)
    return RuleContext(ctx.file, ctx.sheet, records, {c.code: c.header for c in data_cols},
                       {c.code: c.letter for c in data_cols}, total=grand, namer=sheet.namer,
                       column_indexes={c.code: c.index for c in data_cols})


def ask_about_column(ctx: Context, col: Column, first_number: str, header_row: int) -> None:
    """A column with figures that maps to no indicator (unknown) or not surely (uncertain): a
    Problem that refuses the file until the user says what it is, and the question to ask."""
    if not col.header:
        ctx.add("unknown_column", cell=first_number, row=header_row, column=f"(cột {col.letter} không có tiêu đề)",
                header=f"(cột {col.letter} không có tiêu đề)")
        return
    question = col.question()
    ctx.questions.append(question)
    if col.kind == "uncertain":
        ctx.add("uncertain_column", cell=col.cell or first_number, row=header_row, column=col.header,
                header=col.header, candidates=describe_candidates(ctx, question))
    else:
        ctx.add("unknown_column", cell=first_number, row=header_row, column=col.header, header=col.header)


def describe_candidates(ctx: Context, question: ColumnQuestion, limit: int = 3) -> str:
    """'“Lượt người tham dự hội nghị” (93 điểm), “Lượt người tập huấn” (84 điểm)': the close ones."""
    best = question.candidates[0][1] if question.candidates else 0
    return ", ".join(f"“{ctx.headers.labels.get(code, code)}” ({score:.0f} điểm)"
                     for code, score in question.candidates[:limit] if score >= best - 25) or "không có"


def _end_at_total(ctx: Context, sheet: Sheet, total_row: int, unit_rows: dict[int, str],
                  records: list[UnitRecord]) -> list[UnitRecord]:
    """The table ends at its grand-total row: unit rows below it (an appendix, a second table) are
    refused with one Problem naming the row where that second table begins, never loaded silently.
    A total written first, right under the header (as many provincial sheets do), ends nothing."""
    below = [r for r in unit_rows if r > total_row]
    if not below or len(below) == len(unit_rows):
        return records
    begins = next((r for r in range(total_row + 1, below[0] + 1)
                   if any(v is not None and str(v).strip() for v in sheet.rows[r - 1])), below[0])
    ctx.add("second_table", row=begins, total_row=total_row)
    return [rec for rec in records if rec.row < total_row]


def _check_row_merges(ctx: Context, sheet: Sheet, start: int, data_cols: list[Column],
                      unit_rows: dict[int, str]) -> None:
    """A value cell merged down over several unit rows keeps only the first row's figure: an error."""
    indexes = {c.index for c in data_cols}
    rows = sorted(unit_rows)
    for r1, c1, r2, c2 in sheet.row_merges:
        if r2 < start or not any(c1 <= c <= c2 for c in indexes):
            continue
        inside = rows[bisect_left(rows, r1):bisect_right(rows, r2)]
        units = [unit_rows[r] for r in inside]
        if any(r > r1 for r in inside):
            ref = sheet.span(r1, c1, r2, c2)
            ctx.add("merged_across_units", cell=ref, row=r1, detail=", ".join(units[:5]))


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
    has_numbers = any(cell_count(row[c.index - 1]).value is not None for c in filled)
    left = [clean(v) for v in row[:unit_col - 1] if is_text(v)]
    if _is_footer(row) and not has_numbers:
        return False  # notes and signatures below the table (their text may sit over data columns)
    if match.is_total_label(label) or (not label and any(match.is_total_label(t) for t in left)):
        totals.append(_total_row(sheet, r, data_cols))
    elif match.is_cluster_label(label) or (not label and any(match.is_cluster_label(t) for t in left)):
        pass
    elif not label:
        if has_numbers:
            ctx.add("blank_unit_row", cell=sheet.cell(r, unit_col), row=r, column=ctx.unit_header)
    elif filled:  # a text row without figures is a heading or a note, not a unit
        ctx.add(m.problem, cell=sheet.cell(r, unit_col), row=r, column=ctx.unit_header, **m.fields)
    return True


def _is_footer(row: tuple) -> bool:
    first = next((v for v in row if isinstance(v, str) and v.strip()), None)
    return first is not None and match.is_footer_label(first)


def _note_numeric_columns(unmatched: list[Column], row: tuple, r: int, found: dict[int, str], width: int,
                          name) -> None:
    """Remember the first number in each column that matched no indicator (incl. columns with no header)."""
    for col in unmatched:
        if col.index not in found and col.index <= len(row):
            v = row[col.index - 1]
            if v is not None and not isinstance(v, bool) and cell_count(v).value is not None:
                found[col.index] = name(r, col.index)
    for c in range(width + 1, len(row) + 1):
        v = row[c - 1]
        if v is not None and c not in found and not isinstance(v, bool) and cell_count(v).value is not None:
            found[c] = name(r, c)
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
    values, cells, name = record.values, record.cells, sheet.namer
    for col in data_cols:
        raw = row[col.index - 1] if col.index <= len(row) else None
        if type(raw) is int and raw >= 0:   # fast path: most cells are plain counts
            values[col.code], cells[col.code], filled = raw, name(r, col.index), True
        elif raw is not None or sheet.formulas and (r, col.index) in sheet.formulas:
            filled = True
            value = read_value(ctx, sheet, r, col.index, col.header)
            if value is not None:
                values[col.code], cells[col.code] = value, name(r, col.index)
    if filled and not values and len(ctx.problems) == before:
        ctx.add("unit_no_values", cell=sheet.cell(r, unit_col), row=r, column=ctx.unit_header,
                unit=label)
    if values:  # a row of blanks or "-" is a unit that has not reported: no record
        records.append(record)


def _total_row(sheet: Sheet, r: int, data_cols: list[Column]) -> TotalRow:
    total = TotalRow(r, {}, {})
    row = sheet.rows[r - 1]
    for col in data_cols:
        raw = row[col.index - 1] if col.index <= len(row) else None
        value = cell_count(raw).value if not (isinstance(raw, str) and raw.strip() in ERROR_CODES) else None
        if value is not None:
            total.values[col.code] = value
            total.cells[col.code] = sheet.cell(r, col.index)
    return total


def _grand_total(totals: list[TotalRow]) -> TotalRow | None:
    """With several 'Cộng' rows (subtotals), the grand total is the one with the largest figures."""
    return max(totals, key=lambda t: sum(t.values.values()), default=None)


