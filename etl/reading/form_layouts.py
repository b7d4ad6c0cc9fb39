"""The layouts with indicators down, parsed from a Sheet into UnitRecords + Problems.

Form (one unit's own report)               Transposed (units across)
  HUYỆN ỦY YÊN ĐỊNH                          BIỂU TỔNG HỢP … QUÝ II NĂM 2024
  BÁO CÁO … QUÝ II NĂM 2024                  STT | Nội dung          | ĐVT        | H. Yên Định | H. Hà Trung | Tổng
  STT | Nội dung           | ĐVT | Số lượng  1   | Số hội nghị       | hội nghị   | 12          | 3           | 15
  I   | Công tác tuyên truyền                2   | Lượt người dự     | lượt người | 905         | 120         | 1025
  1   | Số hội nghị        | …   | 12
A line label is read like a column header (etl.reading.match.HeaderMatcher.resolve, with the group line above
it as context); the transposed table's total column is checked like a total row.
"""
from __future__ import annotations

import re

from etl.catalog.catalogue import UnitRow
from etl.reading import match
from etl.reading.layouts import Context, UnitRecord, _is_footer, describe_candidates, read_value
from etl.reading.sheet import ColumnQuestion, MappedColumn, Sheet, cell_count, is_column_numbers, is_text
from etl.reading.validate import RuleContext, TotalRow
from etl.text import clean


def read_line(ctx: Context, sheet: Sheet, r: int, label_col: int, group: str, previous: str | None,
              has_number: bool, first_number: str) -> str | None:
    """The indicator a line label names (listed in ctx.mapped), or None after the Problem and the
    question when the line holds figures (`first_number`: the cell of the first one)."""
    label = clean(sheet.rows[r - 1][label_col - 1])
    found = ctx.headers.resolve([label], previous, key=label)
    if group and found.how == "uncertain":   # a section heading decides only what the line leaves open
        in_group = ctx.headers.resolve([group, label], previous, key=label)
        found = in_group if in_group.code else found
    cell = sheet.cell(r, label_col)
    if found.code or found.how == "left_out":
        ctx.mapped.append(MappedColumn(label, cell, found.code, "given" if found.how == "left_out" else found.how,
                                       found.score))
        return found.code
    if has_number:
        question = ColumnQuestion(label, cell, found.candidates, "uncertain" if found.how == "uncertain" else "unknown",
                                  "dòng")
        ctx.questions.append(question)
        if found.how == "uncertain":
            ctx.add("uncertain_indicator", cell=cell, row=r, column=label, header=label,
                    candidates=describe_candidates(ctx, question))
        else:
            ctx.add("unknown_indicator", cell=first_number, row=r, column=label, header=label)
    return None


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
    group, previous = "", None
    for r in range(header_row + 1, len(sheet.rows) + 1):
        row = sheet.rows[r - 1]
        label = clean(row[label_col - 1]) if label_col <= len(row) else ""
        raw = row[value_col - 1] if value_col <= len(row) else None
        if _is_footer(row) and cell_count(raw).value is None:
            break
        if not label or is_column_numbers(row):
            continue
        if raw is None and (r, value_col) not in sheet.formulas:
            group = label   # a group row ('II. Hội nghị quán triệt, tuyên truyền') over its lines
            continue
        ref = sheet.cell(r, value_col)
        code = read_line(ctx, sheet, r, label_col, group, previous, cell_count(raw).value is not None, ref)
        previous = code or previous
        if code is not None:
            _form_line(ctx, sheet, r, label, code, value_col, value_header, record, seen)
    for code, (text, r) in seen.items():
        if r in sheet.hidden_rows and code in record.values:
            ctx.add("hidden_row", cell=record.cells[code], row=r, column=text, unit=text)
    if unit and record.values:
        records.append(record)
    return RuleContext(ctx.file, ctx.sheet, records, {code: text for code, (text, _) in seen.items()},
                       namer=sheet.namer)


def _form_line(ctx: Context, sheet: Sheet, r: int, label: str, code: str, value_col: int,
               value_header: str, record: UnitRecord, seen: dict) -> None:
    """One indicator line of a form: its value into the record, or the Problem that says why not."""
    ref = sheet.cell(r, value_col)
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


# ---------------------------------------------------------------- transposed layout

_MEASURE = ("don vi tinh", "dvt")


def parse_transposed(ctx: Context, sheet: Sheet, header_row: int, records: list[UnitRecord]) -> RuleContext:
    """Indicators down, units across: one record per unit column; the total column kept for the rules."""
    head = sheet.rows[header_row - 1]
    label_col = next(c for c in range(1, len(head) + 1) if match.is_form_label_header(sheet.value(header_row, c)))
    units, total_col, unknown = _unit_columns(ctx, sheet, header_row, label_col)
    by_col = {c: UnitRecord(unit.code, text, header_row) for c, (unit, text) in units.items()}
    total = TotalRow(header_row, {}, {})
    seen: dict[str, tuple[str, int]] = {}
    group, previous = "", None
    value_cols = [*units, *([total_col] if total_col else [])]
    for r in range(header_row + 1, len(sheet.rows) + 1):
        row = sheet.rows[r - 1]
        label = clean(row[label_col - 1]) if label_col <= len(row) else ""
        numbers = [c for c in (*value_cols, *unknown) if c <= len(row) and cell_count(row[c - 1]).value is not None]
        if _is_footer(row) and not numbers:
            break
        if not label or is_column_numbers(row):
            continue
        if not numbers and not any(c <= len(row) and row[c - 1] is not None for c in value_cols):
            group = label
            continue
        code = read_line(ctx, sheet, r, label_col, group, previous, bool(numbers),
                         sheet.cell(r, numbers[0]) if numbers else "")
        previous = code or previous
        if code is None:
            continue
        if code in seen:
            ctx.add("duplicate_indicator", cell=sheet.cell(r, label_col), row=r, column=label,
                    indicator=ctx.headers.labels.get(code, code), detail=f"dòng {seen[code][1]} và dòng {r}")
            continue
        seen[code] = (label, r)
        _transposed_line(ctx, sheet, r, code, label, by_col, total_col, total)
    for c in unknown:
        _unknown_unit_column(ctx, sheet, header_row, c, seen)
    records += [rec for rec in by_col.values() if rec.values]
    return RuleContext(ctx.file, ctx.sheet, records, {code: text for code, (text, _) in seen.items()},
                       total=total if total.values else None, namer=sheet.namer)


def _transposed_line(ctx: Context, sheet: Sheet, r: int, code: str, label: str, by_col: dict,
                     total_col: int | None, total: TotalRow) -> None:
    row = sheet.rows[r - 1]
    for c, record in by_col.items():
        raw = row[c - 1] if c <= len(row) else None
        if raw is None and (r, c) not in sheet.formulas:
            continue
        value = read_value(ctx, sheet, r, c, f"{label} - {record.unit_text}")
        if value is not None:
            record.values[code], record.cells[code] = value, sheet.cell(r, c)
            if r in sheet.hidden_rows:
                ctx.add("hidden_row", cell=sheet.cell(r, c), row=r, column=label, unit=label)
    if total_col and total_col <= len(row):
        value = cell_count(row[total_col - 1]).value
        if value is not None:
            total.values[code], total.cells[code] = value, sheet.cell(r, total_col)


def _unit_columns(ctx: Context, sheet: Sheet, header_row: int, label_col: int):
    """({column: (unit, name as written)}, the total column or None, [columns naming no known unit])."""
    units, total_col, unknown = {}, None, []
    for c in range(label_col + 1, len(sheet.rows[header_row - 1]) + 1):
        text = clean(sheet.value(header_row, c))
        key = match.header_key(text)
        if not is_text(text) or key.startswith(_MEASURE) or match.is_stt_header(text) \
                or match.is_ignored_header(text):
            continue
        if match.is_total_label(text):
            total_col = total_col or c
            continue
        m = ctx.units.match(text)
        if m.unit is not None:
            units[c] = (m.unit, text)
        else:
            unknown.append(c)
    return units, total_col, unknown


def _unknown_unit_column(ctx: Context, sheet: Sheet, header_row: int, c: int, seen: dict) -> None:
    """A column whose header names no unit of the period: a Problem only when it holds figures."""
    rows = [r for _, r in seen.values()]
    if not any(c <= len(sheet.rows[r - 1]) and cell_count(sheet.rows[r - 1][c - 1]).value is not None for r in rows):
        return
    text = clean(sheet.value(header_row, c))
    m = ctx.units.match(text)
    ctx.add(m.problem or "unknown_unit", cell=sheet.cell(header_row, c), row=header_row, column=text,
            **(m.fields or dict(unit=text, closest=ctx.units.closest(text))))
