"""Validation rules over the records read from one sheet, all in one place.

A rule is a small function `rule(ctx) -> Iterable[Problem]` listed in RULES; it yields Problems
and never raises on bad data. Adding a rule = writing a few lines and appending it to RULES.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from etl.catalog.catalogue import CONFERENCES, RECOGNISED, REGISTERED, TRAININGS
from etl.problems import Problem, problem
from etl.reading.numbers import fmt_int

MAX_PROBLEMS = 200


@dataclass
class TotalRow:
    """The 'Tổng cộng' row of a consolidated sheet: checked, never loaded."""
    row: int
    values: dict[str, int]
    cells: dict[str, str]


@dataclass
class RuleContext:
    file: str
    sheet: str
    records: list                      # etl.reading.read.UnitRecord
    columns: dict[str, str]            # indicator code -> header text as written
    column_letters: dict[str, str] = field(default_factory=dict)  # consolidated layout only
    namer: Callable[[int, int], str] | None = None                # how the sheet names cells
    column_indexes: dict[str, int] = field(default_factory=dict)  # indicator code -> column (with namer)
    labels: dict[str, str] = field(default_factory=dict)          # indicator code -> label
    total: TotalRow | None = None
    allowed_units: set[str] | None = None
    unit_names: dict[str, str] = field(default_factory=dict)
    bad_cells: set[str] = field(default_factory=set)  # cells already refused (e.g. "gần 50")
    rows_refused: bool = False         # a unit row (or the period) already has an error: totals are noise

    def problem(self, code: str, cell: str = "", column: str = "", row: int | None = None,
                **fields) -> Problem:
        return problem(code, file=self.file, sheet=self.sheet, cell=cell,
                       row=row if row is not None else row_of(cell), column=column, **fields)

    def unread(self, record, code: str) -> bool:
        """True when the cell was refused: a rule must not judge a value it never saw."""
        return self.cell(record, code) in self.bad_cells

    def cell(self, record, code: str) -> str:
        """Where a record's value for an indicator is (or would be written)."""
        if record.cells.get(code):
            return record.cells[code]
        if self.namer is not None and code in self.column_indexes:
            return self.namer(record.row, self.column_indexes[code])
        letter = self.column_letters.get(code)
        return f"{letter}{record.row}" if letter else ""

    def where(self, record, code: str) -> str:
        """Where to write a missing value, for hints: 'vào ô D7', or the column/line to add."""
        cell = self.cell(record, code)
        if cell:
            return f"vào ô {cell}"
        return f"vào bảng (thêm cột hoặc dòng “{self.labels.get(code, code)}”)"


_CELL = re.compile(r"^[A-Z]{1,3}([0-9]+)$")


def row_of(cell: str) -> int | None:
    m = _CELL.match(cell or "")
    return int(m.group(1)) if m else None


def recognized_within_registered(ctx: RuleContext) -> Iterable[Problem]:
    for r in ctx.records:
        reg, rec = r.values.get(REGISTERED), r.values.get(RECOGNISED)
        if reg is not None and rec is not None and rec > reg:
            yield ctx.problem("recognized_exceeds_registered", cell=ctx.cell(r, RECOGNISED),
                              column=ctx.columns.get(RECOGNISED, ""), unit=r.unit_text,
                              recognized=fmt_int(rec), registered=fmt_int(reg),
                              cells=_both(ctx.cell(r, RECOGNISED), ctx.cell(r, REGISTERED)))


def _both(a: str, b: str) -> str:
    """'hai ô D7 và C7', or the one cell known, for hints."""
    named = [c for c in (a, b) if c]
    return f"hai ô {named[0]} và {named[1]}" if len(named) == 2 else f"ô {named[0]}" if named else "hai số liệu này"


def _needs(count: str, base: str, code: str) -> Callable[[RuleContext], Iterable[Problem]]:
    """Rule: a positive `count` needs a positive `base` in the same row (participants need a conference)."""
    def rule(ctx: RuleContext) -> Iterable[Problem]:
        for r in ctx.records:
            if (r.values.get(count) or 0) > 0 and not r.values.get(base) and not ctx.unread(r, base):
                yield ctx.problem(code, cell=ctx.cell(r, count), column=ctx.columns.get(count, ""),
                                  unit=r.unit_text, participants=fmt_int(r.values[count]),
                                  where=ctx.where(r, base))
    rule.__name__ = f"{count}_needs_{base}"
    return rule


def unique_units(ctx: RuleContext) -> Iterable[Problem]:
    first: dict[str, int] = {}
    for r in ctx.records:
        if r.unit_code in first:
            yield ctx.problem("duplicate_unit", unit=r.unit_text, first_row=first[r.unit_code], row=r.row)
        else:
            first[r.unit_code] = r.row


def total_matches_rows(ctx: RuleContext) -> Iterable[Problem]:
    """The stated total against the sum of the unit rows, column by column (left to right); skipped when
    unit rows were already refused (the sums would be wrong for that reason alone)."""
    if ctx.total is None or ctx.rows_refused:
        return
    for code in sorted(ctx.total.values, key=lambda c: _column_order(ctx.total.cells[c])):
        stated = ctx.total.values[code]
        computed = sum(r.values.get(code) or 0 for r in ctx.records)
        if stated != computed:
            yield ctx.problem("total_mismatch", cell=ctx.total.cells[code], column=ctx.columns.get(code, ""),
                              indicator=ctx.labels.get(code, code), stated=fmt_int(stated),
                              computed=fmt_int(computed))


def _column_order(cell: str) -> tuple[int, str]:
    letters = cell.rstrip("0123456789")
    return len(letters), letters


def units_in_scope(ctx: RuleContext) -> Iterable[Problem]:
    if ctx.allowed_units is None:
        return
    allowed = ", ".join(sorted(ctx.unit_names.get(c, c) for c in ctx.allowed_units)) or "không có đơn vị nào"
    for r in ctx.records:
        if r.unit_code not in ctx.allowed_units:
            yield ctx.problem("unit_out_of_scope", unit=r.unit_text, detail=allowed, row=r.row)


RULES: list[Callable[[RuleContext], Iterable[Problem]]] = [
    recognized_within_registered,
    _needs(CONFERENCES.participants, CONFERENCES.code, "participants_without_conference"),
    _needs(TRAININGS.participants, TRAININGS.code, "training_participants_without_training"),
    unique_units,
    total_matches_rows,
    units_in_scope,
]


def run_rules(ctx: RuleContext, rules=None) -> list[Problem]:
    """Every Problem the rules find in one sheet's records."""
    return [p for rule in (RULES if rules is None else rules) for p in rule(ctx)]


def cap_problems(problems: list[Problem], limit: int = MAX_PROBLEMS, file: str = "", sheet: str = "") -> list[Problem]:
    """At most `limit` problems, then one `too_many_problems` (errors are kept before warnings)."""
    if len(problems) <= limit:
        return problems
    errors = [p for p in problems if p.is_error]
    kept = (errors + [p for p in problems if not p.is_error])[:limit]
    return kept + [problem("too_many_problems", file=file, sheet=sheet, shown=limit)]
