"""Checks a file's values against what the warehouse already holds, across reporting spans.

A cumulative report (6 tháng, 9 tháng, năm) and the quarters inside it must agree: a quarter
found by difference that comes out negative (6 tháng smaller than the Quý I already loaded)
refuses the file, naming the cell; a cumulative report that differs from the sum of the reports
inside it (Quý I + Quý II ≠ 6 tháng) is a warning with both numbers and where each came from.
Only (unit, indicator, year) groups that involve a cumulative report are examined: a quarterly
file in a year without cumulative reports costs one indexed probe.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from etl.problems import Problem, problem
from etl.queries.spans import Span, formula, mismatches, negatives, period_of
from etl.reading.numbers import fmt_int
from etl.warehouse.schema import Fact

_CHUNK = 500  # unit codes per IN (...) list


def span_problems(conn, parsed, values: dict, labels: dict[str, str], names: dict[str, str]) -> list[Problem]:
    """Problems of the file's values (key (unit, period_index, span, indicator) -> (value, record,
    code)) against the facts in force of the same units and years."""
    years = {i // 4 for (_, i, _s, _) in values}
    units = {u for (u, _i, s, _) in values if s > 1} | _units_with_cumulative(conn, years)
    units &= {u for (u, *_rest) in values}
    if not units:
        return []
    known: dict[tuple[str, str, int], dict[Span, int]] = defaultdict(dict)
    origin: dict[tuple[str, str, Span], str] = {}
    for u, i, s, c, v, b in _facts_of(conn, years, units):
        known[(u, c, i // 4)][(i, s)] = v
        origin[(u, c, (i, s))] = f"lô #{b}"
    mine: dict[tuple[str, str, Span], tuple[object, str]] = {}
    for (u, i, s, c), (v, rec, code) in values.items():
        if u in units:
            known[(u, c, i // 4)][(i, s)] = v
            mine[(u, c, (i, s))] = (rec, code)
            origin[(u, c, (i, s))] = f"tệp này (ô {rec.cells.get(code, '')})".replace(" (ô )", "")
    out: list[Problem] = []
    for (u, c, _year), spans in sorted(known.items()):
        if all(s == 1 for _, s in spans):
            continue
        where = lambda span: origin.get((u, c, span), "")  # noqa: E731
        ours = lambda spans_: [mine[(u, c, s)] for s in spans_ if (u, c, s) in mine]  # noqa: E731
        for span, found in negatives(spans):
            used = [s for s, _ in found.parts]
            if ours(used):
                out.append(_negative(parsed, ours(used)[0], names.get(u, u), labels.get(c, c), span, found, where))
        for m in mismatches(spans):
            used = [m.span, *m.parts]
            if ours(used):
                out.append(_mismatch(parsed, ours(used)[0], names.get(u, u), labels.get(c, c), m, where))
    return out


def _units_with_cumulative(conn, years: set[int]) -> set[str]:
    """Units holding a cumulative fact in these years (an indexed probe per quarter)."""
    quarters = [y * 4 + q for y in years for q in range(4)]
    rows = conn.execute(select(Fact.unit_code).distinct().where(Fact.period_index.in_(quarters), Fact.span > 1))
    return {r[0] for r in rows}


def _facts_of(conn, years: set[int], units: set[str]) -> list[tuple]:
    quarters = [y * 4 + q for y in years for q in range(4)]
    codes, out = sorted(units), []
    for n in range(0, len(codes), _CHUNK):
        out += conn.execute(select(Fact.unit_code, Fact.period_index, Fact.span, Fact.indicator_code,
                                   Fact.value, Fact.batch_id)
                            .where(Fact.period_index.in_(quarters), Fact.unit_code.in_(codes[n:n + _CHUNK]))).all()
    return out


def _negative(parsed, mine, unit: str, indicator: str, span: Span, found, where) -> Problem:
    rec, code = mine
    sources = "; ".join(f"{period_of(s).label}: {where(s)}" for s, _ in found.parts)
    return problem("cumulative_negative", file=parsed.file_name, sheet=rec.sheet, cell=rec.cells.get(code, ""),
                   row=rec.row, column=indicator, unit=unit, indicator=indicator,
                   period=period_of(span).label, value=fmt_int(found.value),
                   formula=formula(found.parts), sources=sources)


def _mismatch(parsed, mine, unit: str, indicator: str, m, where) -> Problem:
    rec, code = mine
    sources = "; ".join(f"{period_of(s).label}: {where(s)}" for s in (m.span, *m.parts))
    return problem("cumulative_mismatch", file=parsed.file_name, sheet=rec.sheet, cell=rec.cells.get(code, ""),
                   row=rec.row, column=indicator, unit=unit, indicator=indicator,
                   period=period_of(m.span).label, stated=fmt_int(m.stated), computed=fmt_int(m.computed),
                   parts=" + ".join(period_of(s).label for s in m.parts), sources=sources)
