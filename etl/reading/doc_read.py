"""The sentences of a written report (.docx): its period and unit from the heading lines, the figures
its sentences state (etl.reading.text_figures, proposed with their sentence), and, for the proposals a user
accepts, one record loaded like a table's: checked against the document's own tables and by the
same rules (etl.reading.validate). Pure, like etl.reading.read, which calls it for every .docx.

    proposals        accepted   the document's tables      outcome
    none             –          none read                  document_no_figures (refused)
    some             no         none read                  listed; loading waits for a confirmation (etl.warehouse.load)
    some             no         read                       listed, text_figures_pending (a note); tables load
    some, no unit    –          –                          listed with unit null; text_figures_no_unit
    some             yes        the same value             loaded once (the table's)
    some             yes        another value              text_figure_table_conflict (refused)
    two values for one indicator, both accepted            text_figures_conflict (refused)
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date

from etl.catalog.catalogue import IndicatorRow, UnitRow
from etl.catalog.phrasebook import Phrasebook
from etl.periods import Period
from etl.problems import Problem, has_errors, problem
from etl.reading import match, unit_names
from etl.reading.docx_sheets import read_document
from etl.reading.layouts import UnitRecord
from etl.reading.numbers import fmt_int
from etl.reading.text_figures import TextFigure, propose
from etl.reading.validate import RuleContext, run_rules

TEXT_SHEET = "Văn bản"      # where sentence figures come from, in problems and the sheet list
QUOTE_CHARS = 160           # a sentence quoted in a message is cut here


@dataclass
class DocumentText:
    """What the sentences of one document give: proposals, the accepted record(s), problems."""
    figures: list[TextFigure] = field(default_factory=list)
    records: list[UnitRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    period: Period | None = None


def read_document_text(data: bytes, file_name: str, table_records: list[UnitRecord], tables_read: bool, *,
                       units: list[UnitRow], indicators: list[IndicatorRow], period: Period | None,
                       allowed_units: set[str] | None, today: date,
                       accept: bool | Collection[str] | None) -> DocumentText:
    """The figures of the document's sentences; accept: True (every proposal), the keys of the accepted
    ones, or None (none: they are only listed)."""
    doc = read_document(data)
    found = match.period_in_lines(doc.headings)
    period, code, fields = match.period_problem(found, period, today, match.unsupported_in_lines(doc.headings))
    unit, why = report_unit(doc.headings, unit_names.unit_matcher(units, period))
    figures = propose(doc.paragraphs, Phrasebook(indicators), period)
    figures = _accepted(_against_tables(figures, unit, table_records), accept)
    out = DocumentText(figures, period=period)
    labels = {i.code: i.label for i in indicators}
    where = dict(file=file_name, sheet=TEXT_SHEET)
    if not figures:
        out.problems = [] if tables_read else [problem("document_no_figures", file=file_name)]
        return out
    chosen = [f for f in figures if f.accepted]
    if chosen or not tables_read:    # the sentences are what would load: their period and unit matter
        if code:
            out.problems.append(problem(code, **where, **fields))
        if unit is None:
            out.problems.append(_no_unit(why, len(figures), where))
    out.problems += _conflicts(chosen, labels, where) + _table_conflicts(chosen, labels, where)
    pending = [f for f in figures if not f.accepted and f.table_value != f.value]
    if tables_read and unit is not None and pending and not chosen:
        out.problems.append(problem("text_figures_pending", **where, count=fmt_int(len(pending))))
    if chosen and not has_errors(out.problems):
        out.records, rules = _record(chosen, unit, period, file_name, labels, allowed_units, units)
        out.problems += rules
    return out


def report_unit(headings: list[str], units: unit_names.UnitMatcher):
    """(the unit the heading lines name, or None; the UnitMatch of a named but unusable unit, or None)."""
    named = None
    for line in headings:
        for candidate in match.unit_candidates_in_title(line):
            m = units.match(candidate)
            if m.unit:
                return m.unit, None
            if named is None and m.problem not in (None, "unknown_unit"):
                named = m
    return None, named


def _no_unit(why, count: int, where: dict) -> Problem:
    if why is not None:   # a unit is named, but not one of the period ("Đảng ủy xã …" in 2024)
        return problem(why.problem, **where, **why.fields)
    return problem("text_figures_no_unit", **where, count=fmt_int(count))


def _against_tables(figures: list[TextFigure], unit: UnitRow | None, records: list[UnitRecord]) -> list[TextFigure]:
    """Each proposal with the unit, and with the value a table of the document gives its indicator."""
    given = {(r.unit_code, r.period, code): (value, r.cells.get(code, "")) for r in records
             for code, value in r.values.items()}
    out = []
    for f in figures:
        value, cell = given.get((unit.code if unit else None, f.period, f.indicator), (None, ""))
        out.append(replace(f, unit=unit.code if unit else None, table_value=value, table_cell=cell))
    return out


def _accepted(figures: list[TextFigure], accept: bool | Collection[str] | None) -> list[TextFigure]:
    if not accept:
        return figures
    keys = {f.key for f in figures} if accept is True else set(accept)
    return [replace(f, accepted=f.key in keys) for f in figures]


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1].rstrip() + "…"


def _conflicts(chosen: list[TextFigure], labels: dict[str, str], where: dict) -> list[Problem]:
    """Two accepted sentences giving one indicator two values: refused, naming both."""
    out, seen = [], {}
    for f in chosen:
        other = seen.setdefault(f.indicator, f)
        if other is not f and other.value != f.value and not any(p.column == f.indicator for p in out):
            out.append(problem("text_figures_conflict", **where, cell=f.where, column=f.indicator,
                               indicator=labels.get(f.indicator, f.indicator), value=fmt_int(other.value),
                               quote=_quote(other.quote), where=other.where, other_value=fmt_int(f.value),
                               other_quote=_quote(f.quote), other_where=f.where))
    return out


def _table_conflicts(chosen: list[TextFigure], labels: dict[str, str], where: dict) -> list[Problem]:
    return [problem("text_figure_table_conflict", **where, cell=f.where, column=f.indicator,
                    indicator=labels.get(f.indicator, f.indicator), table_value=fmt_int(f.table_value),
                    table_cell=f.table_cell or "?", quote=_quote(f.quote), where=f.where, value=fmt_int(f.value))
            for f in chosen if f.table_value is not None and f.table_value != f.value]


def _record(chosen: list[TextFigure], unit: UnitRow, period: Period | None, file_name: str,
            labels: dict[str, str], allowed: set[str] | None, units: list[UnitRow]):
    """([the accepted figures the tables do not already give, as one record], the rules' problems)."""
    fresh = [f for f in chosen if f.table_value is None]
    if not fresh:
        return [], []
    record = UnitRecord(unit.code, unit.name, 0, {f.indicator: f.value for f in fresh},
                        {f.indicator: f.where for f in fresh}, period=period, sheet=TEXT_SHEET)
    ctx = RuleContext(file_name, TEXT_SHEET, [record], {f.indicator: labels.get(f.indicator, f.indicator) for f in fresh},
                      labels=labels, allowed_units=allowed, unit_names={u.code: u.name for u in units})
    return [record], run_rules(ctx)


# ---------------------------------------------------------------- for etl.warehouse.load

def accepted_keys(parsed) -> tuple[str, ...]:
    """The sentence figures a load accepts (part of what its preview showed: etl.warehouse.load.fingerprint)."""
    return tuple(sorted(f.key for f in parsed.text_figures if f.accepted))


def sentences_only_outcome(result, parsed, dry_run: bool) -> None:
    """A readable document whose figures are all in sentences, none accepted yet: a preview lists them
    (nothing to change until some are ticked); a load is refused until they are confirmed."""
    if not parsed.ok or parsed.records or not parsed.text_figures or any(f.accepted for f in parsed.text_figures):
        return
    if dry_run:
        result.status = "preview"
    else:
        result.problems.append(problem("text_figures_need_confirmation", file=parsed.file_name, sheet=TEXT_SHEET,
                                       count=fmt_int(len(parsed.text_figures))))
