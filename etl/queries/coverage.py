"""Which units have reported a period, and their figures for it, from quarterly and cumulative facts.

A unit has reported a period only when every quarter of it is covered, by a quarterly report or by
a cumulative one (6 tháng, 9 tháng, năm) that spans it; its figures are then the period's values
(etl.queries.spans: a report for exactly the period, a sum of reports, or a difference). A unit with some
quarters and not others is *partial*: its figures are left out of every sum, never presented as
the period's. Pure: the SQL that feeds it lives in etl.queries.

    status   quarters of the period                    figures
    full     every one by a quarterly report           Σ of its quarters (summed in the database)
    special  a cumulative report overlaps it           resolved per indicator (etl.queries.spans)
    partial  some quarters only, or not separable      none (listed as missing)
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from etl.queries.spans import Span, formula, mismatches, negatives, period_of, quarters_of, resolve


@dataclass(frozen=True)
class Cover:
    """One unit in one period (bucket): its status, the quarters nothing reported, and the span it
    owes (the bucket's quarters while the unit existed: a district owes only 2025's first half)."""
    status: str                    # full | special | partial
    missing: tuple[int, ...] = ()  # period_index of quarters no report covers
    quarterly: frozenset[int] = frozenset()   # quarters with a quarterly report
    owed: Span = (0, 0)


def covers(buckets: list[Span], quarterly: Iterable[tuple[str, int]],
           cumulative: Iterable[tuple[str, int, int]],
           alive: dict[str, tuple[int, int]] | None = None) -> dict[tuple[str, int], Cover]:
    """(unit, bucket position) -> Cover, for every unit with a report touching the bucket.
    quarterly: (unit, period_index) with a quarterly fact; cumulative: (unit, first index, span);
    alive: unit -> (first, last period_index it existed in), every quarter when absent."""
    by_quarter = {q: b for b, span in enumerate(buckets) for q in quarters_of(span)}
    got: dict[tuple[str, int], set[int]] = {}
    for unit, index in quarterly:
        b = by_quarter.get(index)
        if b is not None:
            got.setdefault((unit, b), set()).add(index)
    spans: dict[tuple[str, int], set[int]] = {}
    for unit, first, n in cumulative:
        for q in quarters_of((first, n)):
            b = by_quarter.get(q)
            if b is not None:
                spans.setdefault((unit, b), set()).update(quarters_of((first, n)))
    out = {}
    for key in got.keys() | spans.keys():
        first, last = (alive or {}).get(key[0], (0, 10**6))
        want = {q for q in quarters_of(buckets[key[1]]) if first <= q <= last} or set(quarters_of(buckets[key[1]]))
        mine, lumped = got.get(key, set()), spans.get(key, set())
        missing = tuple(sorted(want - mine - lumped))
        status = "special" if lumped else "full" if not missing else "partial"
        out[key] = Cover(status, missing, frozenset(mine), (min(want), len(want)))
    return out


@dataclass(frozen=True)
class UnitFigures:
    """A special unit's figures for a period: values per indicator, and whether any was found by
    difference (a note on pages, a footnote in exports)."""
    values: dict[str, int]
    derived: bool


def figures(facts: dict[str, dict[Span, int]], cover: Cover) -> UnitFigures | None:
    """The values of one unit for the span it owes (Cover.owed), from its facts (indicator ->
    {span: value}); None when it has not reported all of it or none of its values can be separated."""
    if cover.missing:
        return None
    values, derived, target = {}, False, cover.owed
    every_quarter = set(quarters_of(target)) <= cover.quarterly
    for code, known in facts.items():
        found = resolve(known, target)
        if found is not None and found.value >= 0:
            values[code] = found.value
            derived = derived or found.how == "derived"
        elif every_quarter:   # quarterly reports that left this indicator blank in some quarters
            present = [known[(q, 1)] for q in quarters_of(target) if (q, 1) in known]
            if present:
                values[code] = sum(present)
    return UnitFigures(values, derived) if values else None


def disagreements(known: dict[Span, int]) -> list[tuple]:
    """(period spec, label, stated, computed, what) for each cumulative report that disagrees with
    the reports inside it, and each period whose difference comes out negative."""
    out = []
    for m in mismatches(known):
        parts = " + ".join(period_of(s).label for s in m.parts)
        out.append((period_of(m.span).spec, period_of(m.span).label, m.stated, m.computed, f"{parts} = {m.computed}"))
    for span, found in negatives(known):
        out.append((period_of(span).spec, period_of(span).label, None, found.value,
                    f"{formula(found.parts)} = {found.value}"))
    return out
