"""Arithmetic of reporting spans: a quarter, 6 tháng, 9 tháng or a year, as reported.

A span is (first quarter's period_index, number of quarters). Values of one unit and indicator
are flows, so each known span is a difference of running totals: with T(k) the total up to the
boundary before quarter k, a span (s, n) says T(s + n) − T(s) = value. Any other span whose two
boundaries are joined by known spans is then known too, never guessed by splitting:

    boundary   T(Q1) ─Q1─ T(Q2) ─Q2─ T(Q3) ─Q3─ T(Q4) ─Q4─ T(next year)
    known      ════════ H1 ════════                       Q2 = H1 − Q1   (derived)
               ═Q1═                                        Q3 = 9M − H1   (derived)
               ═══════════════ 9M ═══════════              H1 = Q1 + Q2   (a sum)

A report for exactly the span asked wins; otherwise the shortest chain of known spans (fewest
reports, longer reports first) gives the value, marked 'derived' when it subtracts a report.
Pure: no database, no pandas.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from etl.periods import Period, from_index

Span = tuple[int, int]          # (first period_index, quarters)


def span_of(period: Period) -> Span:
    """(first quarter's period_index, number of quarters) of a period."""
    return period.indexes[0], len(period.indexes)


def period_of(span: Span) -> Period:
    """The Period a span names ((8096, 2) -> 6 tháng đầu năm 2024)."""
    first, n = span
    if n == 1:
        return from_index(first)
    year, q = divmod(first, 4)
    kind = {(0, 2): "H1", (0, 3): "9M", (2, 2): "H2", (0, 4): "Y"}.get((q, n))
    if kind is None:
        raise ValueError(f"no period spans {n} quarters from quarter {q + 1}")
    return Period(year, kind)


def quarters_of(span: Span) -> range:
    """The period_index of every quarter a span covers."""
    return range(span[0], span[0] + span[1])


@dataclass(frozen=True)
class Resolved:
    """A span's value and how it was found: 'exact' (reported so), 'sum' (of shorter reports)
    or 'derived' (a difference of reports); parts are the (span, sign) used."""
    value: int
    how: str
    parts: tuple[tuple[Span, int], ...]


def _edges(known: dict[Span, int]) -> dict[int, list[tuple[int, Span, int]]]:
    """Boundary -> [(other boundary, span, sign)], longer spans first (a report over the whole
    stretch beats adding up its pieces)."""
    out: dict[int, list[tuple[int, Span, int]]] = {}
    for span in sorted(known, key=lambda s: (-s[1], s[0])):
        a, b = span[0], span[0] + span[1]
        out.setdefault(a, []).append((b, span, 1))
        out.setdefault(b, []).append((a, span, -1))
    return out


def resolve(known: dict[Span, int], target: Span, *, forward_only: bool = False) -> Resolved | None:
    """The value of `target` from the known spans' values, or None when they do not determine it.
    forward_only: sums of reports only, no differences."""
    if target in known:
        return Resolved(known[target], "exact", ((target, 1),))
    start, goal = target[0], target[0] + target[1]
    edges = _edges(known)
    seen = {start: ()}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for other, span, sign in edges.get(node, ()):
            if other in seen or (forward_only and sign < 0):
                continue
            seen[other] = seen[node] + ((span, sign),)
            if other == goal:
                path = seen[other]
                value = sum(sign * known[s] for s, sign in path)
                return Resolved(value, "derived" if any(sign < 0 for _, sign in path) else "sum", path)
            queue.append(other)
    return None


def year_spans(year: int) -> list[Span]:
    """The spans of every reporting period of a year (quarters, 6 and 9 months, the year)."""
    first = year * 4
    return [(first + q, 1) for q in range(4)] + [(first, 2), (first, 3), (first + 2, 2), (first, 4)]


@dataclass(frozen=True)
class Mismatch:
    """A cumulative report that disagrees with the sum of other reports over the same span."""
    span: Span
    stated: int
    computed: int
    parts: tuple[Span, ...]


def mismatches(known: dict[Span, int]) -> list[Mismatch]:
    """Every cumulative report whose span the other reports add up to a different value
    (Q1 + Q2 ≠ 6 tháng); each disagreement once, from the longer report's side."""
    out = []
    for span in sorted(known, key=lambda s: (s[0], -s[1])):
        if span[1] < 2:
            continue
        others = {s: v for s, v in known.items() if s != span}
        found = resolve(others, span, forward_only=True)
        if found is not None and found.value != known[span]:
            out.append(Mismatch(span, known[span], found.value, tuple(s for s, _ in found.parts)))
    return out


def negatives(known: dict[Span, int]) -> list[tuple[Span, Resolved]]:
    """Reporting periods whose value, derived by difference, comes out below zero (6 tháng
    smaller than the Quý I already reported)."""
    years = {first // 4 for first, _ in known}
    out = []
    for year in sorted(years):
        for span in year_spans(year):
            found = resolve(known, span)
            if found is not None and found.how == "derived" and found.value < 0:
                out.append((span, found))
    return out


def formula(parts: tuple[tuple[Span, int], ...]) -> str:
    """A chain of (span, sign) in words: '6 tháng đầu năm 2024 − Quý I/2024'."""
    text = ""
    for n, (span, sign) in enumerate(parts):
        text += ("" if n == 0 and sign > 0 else " − " if sign < 0 else " + ") + period_of(span).label
    return text
