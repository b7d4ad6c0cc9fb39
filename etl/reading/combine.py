"""The records of every sheet read from one workbook, as one batch.

One sheet per cluster plus a 'Tổng hợp' sheet repeating them is common: a value two sheets give for
the same unit, period and indicator is taken once when equal (one note per pair of sheets) and
refuses the file when they differ (naming both cells). Sheets may hold different periods (one sheet
per quarter, or a quarter and the 6-month total): each record carries its own, one batch holds them all.
"""
from __future__ import annotations

from collections import Counter

from etl.problems import Problem, problem
from etl.reading.layouts import UnitRecord
from etl.reading.validate import row_of


def combine_sheets(file_name: str, sheets: list[tuple[str, list[UnitRecord]]],
                   labels: dict[str, str] | None = None) -> tuple[list[UnitRecord], list[Problem]]:
    """(records with each (unit, period, indicator) once, Problems) from [(sheet name, records)];
    labels: indicator code -> label, for messages."""
    if len(sheets) == 1:
        return sheets[0][1], []
    first: dict[tuple, tuple[UnitRecord, int]] = {}
    repeats: Counter = Counter()
    problems: list[Problem] = []
    out: list[UnitRecord] = []
    for _name, records in sheets:
        for record in records:
            kept = _take_new_values(file_name, record, first, repeats, problems, labels or {})
            if kept.values:
                out.append(kept)
    for (sheet, other), count in repeats.items():
        problems.append(problem("cross_sheet_repeat", file=file_name, sheet=sheet, count=count, other_sheet=other))
    return out, problems


def _take_new_values(file_name: str, record: UnitRecord, first: dict, repeats: Counter,
                     problems: list[Problem], labels: dict[str, str]) -> UnitRecord:
    """The record less the values an earlier sheet already gave (equal: counted; different: a Problem)."""
    kept = UnitRecord(record.unit_code, record.unit_text, record.row, period=record.period, sheet=record.sheet)
    for code, value in record.values.items():
        key = (record.unit_code, record.period, code)
        if key not in first:
            first[key] = (record, value)
            kept.values[code], kept.cells[code] = value, record.cells.get(code, "")
            continue
        earlier, old = first[key]
        if old == value:
            repeats[(record.sheet, earlier.sheet)] += 1
            continue
        cell = record.cells.get(code, "")
        problems.append(problem(
            "cross_sheet_conflict", file=file_name, sheet=record.sheet, cell=cell, row=row_of(cell),
            unit=record.unit_text, indicator=labels.get(code, code), period=record.period.label if record.period else "chưa rõ kỳ",
            value=value, other_sheet=earlier.sheet, other_value=old, other_cell=earlier.cells.get(code, "?")))
    return kept
