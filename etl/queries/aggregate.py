"""The figures of every group in every period of a read, over the units that reported the whole
period (etl.queries.coverage): the one place that turns facts into sums.

Quarterly facts of fully covered units are summed in the database, GROUP BY (group, bucket,
indicator); units with a quarter missing are taken back out, and units with cumulative reports are
resolved in Python (etl.queries.spans). Rates are never summed: they are computed from these sums.
"""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from sqlalchemy import Engine, func, select

from etl.catalog.catalogue import Catalogue
from etl.periods import Period, from_index
from etl.queries.coverage import Cover, covers, figures
from etl.queries.spans import quarters_of, span_of
from etl.queries.sql import (bucket, chunked, conditions, fetch_raw, group_column, group_key, in_scope, only_units,
                             source, year_quarters)
from etl.warehouse.schema import Fact

SUM_COLUMNS = ["g", "b", "code", "total", "facts"]


@dataclass
class Aggregate:
    """Σ per (group, bucket, indicator) with the number of facts behind each sum (0 facts: nothing
    reported, <NA>), and per (group, bucket) the units that reported, partly reported (left out),
    had a figure found by difference, the quarters units lack and the units not separable."""
    sums: list = field(default_factory=list)          # (g, b, code, Σ, facts) rows, adjustments too
    reported: Counter = field(default_factory=Counter)
    partial: Counter = field(default_factory=Counter)
    derived: Counter = field(default_factory=Counter)
    missing: dict = field(default_factory=dict)       # (group, bucket) -> Counter(quarter index -> units)
    lumped: Counter = field(default_factory=Counter)  # units covered only by reports not separable
    long: pd.DataFrame | None = field(default=None, repr=False)  # the sums as one frame, once built

    def _long(self) -> pd.DataFrame:
        """The sums rows as one frame (g, b, code, total, facts), built once the sums are complete."""
        if self.long is None:
            df = pd.DataFrame.from_records(self.sums, columns=SUM_COLUMNS)
            self.long = df.astype({"total": "int64", "facts": "int64"}) if len(df) else df
        return self.long

    def values(self) -> pd.DataFrame:
        """Index (g, b), a column per indicator reported: Σ (<NA> where no fact was summed)."""
        df = self._long()
        empty = pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=["g", "b"]))
        if df.empty:
            return empty
        sums = df.groupby(["g", "b", "code"], sort=False)[["total", "facts"]].sum()
        sums = sums[sums["facts"] > 0]["total"]
        return sums.unstack("code").astype("Int64") if len(sums) else empty

    def counts(self) -> dict[str, Counter]:
        """The unit counts of each (group, bucket), by summary column."""
        return {"units_reported": self.reported, "units_partial": self.partial, "units_derived": self.derived}

    def groups(self) -> set:
        """(group, bucket) pairs with a sum or a unit counted."""
        df = self._long()
        summed = set(df[["g", "b"]].drop_duplicates().itertuples(index=False, name=None)) if len(df) else set()
        return summed | set(self.reported) | set(self.partial)

    def rekeyed(self, group_of) -> "Aggregate":
        """The same figures by other groups (each old group -> group_of(old), e.g. a unit's cluster):
        sums and counts of the old groups add up."""
        def moved(counter: Counter) -> Counter:
            out: Counter = Counter()
            for (g, b), n in counter.items():
                out[(group_of(g), b)] += n
            return out
        missing: dict = {}
        for (g, b), counter in self.missing.items():
            missing.setdefault((group_of(g), b), Counter()).update(counter)
        long = self._long()
        groups = {g: group_of(g) for g in long["g"].unique()} if len(long) else {}
        return Aggregate([], moved(self.reported), moved(self.partial), moved(self.derived), missing,
                         moved(self.lumped), long.assign(g=long["g"].map(groups)) if len(long) else long)

    def gaps(self, g: str, b: int) -> tuple:
        """(('2024-Q2', units missing it), …, ('cumulative', units not separable)) for a group."""
        out = tuple((from_index(q).spec, n) for q, n in sorted(self.missing.get((g, b), Counter()).items()))
        return out + ((("cumulative", self.lumped[(g, b)]),) if self.lumped.get((g, b)) else ())


@lru_cache(maxsize=4)
def alive(catalogue: Catalogue) -> dict[str, tuple[int, int]]:
    """unit -> (first, last period_index of a quarter it existed in) for units created or ended."""
    out = {}
    for u in catalogue.units:
        if u.valid_to is not None or u.valid_from.year > 2000:
            first = u.valid_from.year * 4 + (u.valid_from.month - 1) // 3
            last = u.valid_to.year * 4 + (u.valid_to.month - 1) // 3 if u.valid_to else 10**6
            out[u.code] = (first, last)
    return out


def aggregate(engine: Engine, catalogue: Catalogue, by: str, periods: list[Period], clusters=(),
              units=(), groups=()) -> Aggregate:
    """The figures of every group (`by`, within `groups` when given) in every period (bucket) of
    the selection's clusters and units, over the units that reported the whole period."""
    spans = [span_of(p) for p in periods]
    quarters = [q for span in spans for q in quarters_of(span)]
    g, b = group_column(by).label("g"), bucket(periods).label("b")
    quarterly = [Fact.period_index.in_(quarters), Fact.span == 1]
    sums = (select(g, b, Fact.indicator_code, func.sum(Fact.value), func.count())
            .select_from(source(by, clusters)).where(*quarterly, *conditions(by, clusters, units))
            .group_by(g, b, Fact.indicator_code))
    if groups:
        sums = sums.where(group_column(by).in_(list(groups)))
    pairs = only_units(select(Fact.unit_code, Fact.period_index).distinct().where(*quarterly), units)
    lumped = only_units(select(Fact.unit_code, Fact.period_index, Fact.span).distinct()
                        .where(Fact.period_index.in_(year_quarters(quarters)), Fact.span > 1), units)
    # Independent scans of the primary key: run them on separate connections at once (WAL readers
    # do not block each other, and the drivers release the GIL while the database works).
    with ThreadPoolExecutor(max_workers=3) as pool:
        sum_rows, pair_rows, lumped_rows = pool.map(lambda stmt: fetch_raw(engine, stmt), (sums, pairs, lumped))
    scope = {u.code: group_key(by, u) for u in catalogue.units if in_scope(by, u, clusters)
             and (not groups or group_key(by, u) in groups)}
    agg = Aggregate(sums=sum_rows)
    cover = covers(spans, [(u, i) for u, i in pair_rows if u in scope],
                   [(u, i, n) for u, i, n in lumped_rows if u in scope], alive(catalogue))
    _take_out_uncovered(engine, agg, cover, scope, periods, quarters)
    _resolve_lumped(engine, agg, cover, scope, spans)
    for (unit, b_), c in cover.items():
        key = (scope[unit], b_)
        if c.status == "full":
            agg.reported[key] += 1
        elif c.status == "partial":
            agg.partial[key] += 1
        if c.missing:
            agg.missing.setdefault(key, Counter()).update(c.missing)
    return agg


def _take_out_uncovered(engine: Engine, agg: Aggregate, cover: dict[tuple, Cover], scope: dict,
                        periods: list[Period], quarters: list[int]) -> None:
    """Subtract the quarterly facts of units that did not report the whole bucket from the sums
    (they are few; the database summed every unit)."""
    todo = {(u, b) for (u, b), c in cover.items() if c.status != "full" and c.quarterly}
    if not todo:
        return
    codes = sorted({u for u, _ in todo})
    b = bucket(periods).label("b")  # one expression: PostgreSQL matches GROUP BY by its parameters
    stmt = (select(Fact.unit_code, b, Fact.indicator_code, func.sum(Fact.value), func.count())
            .where(Fact.period_index.in_(quarters), Fact.span == 1)
            .group_by(Fact.unit_code, b, Fact.indicator_code))
    for unit, b_, code, total, n in chunked(engine, stmt, codes):
        if (unit, b_) in todo:
            agg.sums.append((scope[unit], b_, code, -int(total), -int(n)))


def _resolve_lumped(engine: Engine, agg: Aggregate, cover: dict[tuple, Cover], scope: dict,
                    spans: list) -> None:
    """Units with cumulative reports: their figures for each bucket, resolved per indicator."""
    todo = sorted((u, b) for (u, b), c in cover.items() if c.status == "special")
    if not todo:
        return
    codes = sorted({u for u, _ in todo})
    years = year_quarters([q for span in spans for q in quarters_of(span)])
    stmt = select(Fact.unit_code, Fact.indicator_code, Fact.period_index, Fact.span, Fact.value).where(
        Fact.period_index.in_(years))
    facts: dict[str, dict[str, dict]] = {}
    for unit, code, i, n, v in chunked(engine, stmt, codes):
        facts.setdefault(unit, {}).setdefault(code, {})[(i, n)] = int(v)
    for unit, b in todo:
        found = figures(facts.get(unit, {}), cover[(unit, b)])
        key = (scope[unit], b)
        if found is None:
            agg.partial[key] += 1
            agg.lumped[key] += not cover[(unit, b)].missing
            continue
        agg.reported[key] += 1
        agg.derived[key] += found.derived
        agg.sums += [(key[0], b, code, value, 1) for code, value in found.values.items()]
