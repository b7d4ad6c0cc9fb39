"""All read SQL of the dashboard, CLI and exports: aggregates computed by GROUP BY in the warehouse.

Every function takes the engine first and returns small, already-aggregated DataFrames. Rates are
always Σ recognised / Σ registered over the selection. Units expected in a period are the units
active in it, so district units stop at 2025-Q2 and communes start at 2025-Q3.
"""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, case, func, literal, select

from etl.catalog import UnitRow, load_clusters, load_indicators, load_units
from etl.coverage import covers, disagreements, figures
from etl.periods import Period, from_index, periods_between, quarter
from etl.spans import quarters_of, span_of
from etl.schema import Batch, Fact, Meta, Unit

PROVINCE_CODE = "province"
PROVINCE_NAME = "Toàn tỉnh"
NO_CLUSTER = ("", "Chưa xếp cụm")
GROUPINGS = ("province", "cluster", "district", "commune", "unit")
RATE = "recognition_rate"
_LEVEL = {"district": "district", "commune": "commune"}


@dataclass(frozen=True)
class Filters:
    """The shared selection: a period and, optionally, cluster and unit codes."""
    period: Period
    clusters: tuple[str, ...] = ()
    units: tuple[str, ...] = ()

    def scope_label(self, engine: Engine) -> str:
        """'toàn tỉnh', 'cụm Đồng bằng', 'Huyện Yên Định' or '3 đơn vị' (for sentences)."""
        if self.units:
            names = {u.code: u.name for u in load_units(engine)}
            shown = [names.get(c, c) for c in self.units]
            return ", ".join(shown) if len(shown) <= 3 else f"{len(shown)} đơn vị"
        if self.clusters:
            names = load_clusters(engine)
            return "cụm " + ", ".join(names.get(c, c) for c in self.clusters)
        return "toàn tỉnh"

    def describe(self, engine: Engine) -> str:
        """'Quý II/2024 · Cụm Đồng bằng', for headers and chart captions (a label, so capitalised;
        scope_label stays lower case for use inside sentences)."""
        scope = self.scope_label(engine)
        return f"{self.period.label} · {scope[:1].upper()}{scope[1:]}"


def data_version(engine: Engine) -> tuple:
    """Changes whenever a batch is loaded or undone or the catalogues change (a cache key)."""
    with engine.connect() as conn:
        b = conn.execute(select(func.count(Batch.id), func.max(Batch.id),
                                func.sum(case((Batch.status == "loaded", 1), else_=0)),
                                func.max(Batch.undone_at))).one()
        meta = conn.execute(select(Meta.key, Meta.value).where(
            Meta.key.in_(["catalogue_sha256", "demo_loaded"]))).all()
        # Two single-aggregate queries: SQLite answers each from the index, not a scan.
        top = conn.execute(select(func.max(Fact.period_index))).scalar()
        low = conn.execute(select(func.min(Fact.period_index))).scalar()
    return (int(b[0]), b[1], int(b[2] or 0), str(b[3]), tuple(sorted((k, v) for k, v in meta)), top, low)


def data_as_of(engine: Engine) -> tuple[Period | None, datetime | None]:
    """(latest quarter with data — a cumulative report counts up to its last quarter —, time of
    the last load still in force)."""
    with engine.connect() as conn:
        top = conn.execute(select(func.max(Fact.period_index))).scalar()
        if top is not None:  # the facts of the last year of data: a short range of the key
            top = conn.execute(select(func.max(Fact.period_index + Fact.span - 1))
                               .where(Fact.period_index >= top - 3)).scalar()
        loaded = conn.execute(select(func.max(Batch.created_at)).where(Batch.status == "loaded")).scalar()
    return (from_index(top) if top is not None else None), loaded


def first_period(engine: Engine) -> Period | None:
    """The earliest quarter with data."""
    with engine.connect() as conn:
        low = conn.execute(select(func.min(Fact.period_index))).scalar()
    return from_index(low) if low is not None else None


def meta_value(engine: Engine, key: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(Meta.value).where(Meta.key == key)).scalar()


def indicator_codes(engine: Engine) -> list[str]:
    return [i.code for i in load_indicators(engine)]


def indicator_labels(engine: Engine) -> dict[str, str]:
    return {i.code: i.label for i in load_indicators(engine)}


def _active(all_units: list[UnitRow], period: Period, clusters=(), units=(), level=None) -> list[UnitRow]:
    """Catalogue units active in the period (and in the selection), in display order."""
    start, end = period.start, period.end
    return [u for u in all_units if u.valid_from <= end and (u.valid_to is None or u.valid_to >= start)
            and (not clusters or u.cluster_code in clusters) and (not units or u.code in units)
            and (level is None or u.level == level)]


# --- grouping -----------------------------------------------------------------------------------

def _group_col(by: str):
    if by == "province":
        return literal(PROVINCE_CODE)
    if by == "cluster":
        return func.coalesce(Unit.cluster_code, NO_CLUSTER[0])
    if by in ("district", "commune", "unit"):
        return Fact.unit_code
    raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")


def _group_key(by: str, u: UnitRow) -> str:
    return {"province": PROVINCE_CODE, "cluster": u.cluster_code or NO_CLUSTER[0]}.get(by, u.code)


def _group_names(engine: Engine, by: str, all_units: list[UnitRow]) -> dict[str, str]:
    """Group code -> display name, in display order."""
    if by == "province":
        return {PROVINCE_CODE: PROVINCE_NAME}
    if by == "cluster":
        return _cluster_names(engine)
    return {u.code: u.name for u in all_units}


def _cluster_names(engine: Engine) -> dict[str, str]:
    """Cluster code -> name, with '' for units not yet placed in a cluster."""
    return {**load_clusters(engine), NO_CLUSTER[0]: NO_CLUSTER[1]}


def _ordered(df: pd.DataFrame, names: dict[str, str], first: str | None = None) -> pd.DataFrame:
    order = {k: i for i, k in enumerate(names)}
    keys = [first] if first else []
    df = df.assign(_o=df["code"].map(order).fillna(10**9))
    return df.sort_values(keys + ["_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def _scope(by: str, clusters, units) -> list:
    """WHERE conditions on the facts ⨝ units join for the selection and the grouping's level."""
    conds = []
    if clusters:
        conds.append(Unit.cluster_code.in_(list(clusters)))
    if units:
        conds.append(Fact.unit_code.in_(list(units)))
    if by in _LEVEL:
        conds.append(Unit.level == _LEVEL[by])
    return conds


def _needs_join(by: str, clusters) -> bool:
    return by in ("cluster", "district", "commune") or bool(clusters)


def _from(by: str, clusters):
    t = Fact.__table__
    return t.join(Unit.__table__, Unit.code == Fact.unit_code) if _needs_join(by, clusters) else t


@dataclass
class _Aggregate:
    """Σ per (group, bucket, indicator) over the units that reported the whole bucket, with the
    number of facts behind each sum (0 facts: nothing reported, shown as <NA>) and unit counts."""
    sums: dict = field(default_factory=dict)        # (group, bucket) -> {indicator: [Σ, facts]}
    reported: Counter = field(default_factory=Counter)
    partial: Counter = field(default_factory=Counter)
    derived: Counter = field(default_factory=Counter)
    missing: dict = field(default_factory=dict)       # (group, bucket) -> Counter(quarter index -> units)
    lumped: Counter = field(default_factory=Counter)  # units covered only by reports not separable

    def gaps(self, g: str, b: int) -> tuple:
        """(('2024-Q2', units missing it), …, ('cumulative', units not separable)) for a group."""
        out = tuple((from_index(q).spec, n) for q, n in sorted(self.missing.get((g, b), Counter()).items()))
        return out + ((("cumulative", self.lumped[(g, b)]),) if self.lumped.get((g, b)) else ())

    def add(self, g: str, b: int, code: str, value: int, facts: int) -> None:
        cell = self.sums.setdefault((g, b), {}).setdefault(code, [0, 0])
        cell[0] += value
        cell[1] += facts

    def values(self, g: str, b: int) -> dict[str, int]:
        return {c: v for c, (v, n) in self.sums.get((g, b), {}).items() if n > 0}


def _aggregate(engine: Engine, by: str, periods: list[Period], clusters, units, all_units,
               groups=()) -> _Aggregate:
    """The figures of every group in every period (bucket), over units that reported the whole
    period (etl.coverage). Quarterly facts of fully covered units are summed in the database; units
    with a quarter missing are taken back out, and units with cumulative reports are resolved here."""
    spans = [span_of(p) for p in periods]
    quarters = [q for span in spans for q in quarters_of(span)]
    g = _group_col(by).label("g")
    bucket = _bucket(periods).label("b")
    quarterly = [Fact.period_index.in_(quarters), Fact.span == 1]
    sums = (select(g, bucket, Fact.indicator_code, func.sum(Fact.value), func.count())
            .select_from(_from(by, clusters)).where(*quarterly, *_scope(by, clusters, units))
            .group_by(g, bucket, Fact.indicator_code))
    if groups:
        sums = sums.where(_group_col(by).in_(list(groups)))
    pairs = _unit_filter(select(Fact.unit_code, Fact.period_index).distinct().where(*quarterly), units)
    lumped = _unit_filter(select(Fact.unit_code, Fact.period_index, Fact.span).distinct()
                          .where(Fact.period_index.in_(_year_quarters(quarters)), Fact.span > 1), units)
    # Independent scans of the primary key: run them on separate connections at once (WAL readers
    # do not block each other, and the drivers release the GIL while the database works).
    with ThreadPoolExecutor(max_workers=3) as pool:
        sums_rows, pair_rows, lumped_rows = pool.map(lambda stmt: _fetch(engine, stmt), (sums, pairs, lumped))
    scope = {u.code: _group_key(by, u) for u in all_units
             if (not clusters or u.cluster_code in clusters) and (by not in _LEVEL or u.level == by)
             and (not groups or _group_key(by, u) in groups)}
    agg = _Aggregate()
    for g_, b, code, total, n in sums_rows:
        agg.add(g_, b, code, int(total), int(n))
    cover = covers(spans, [(u, i) for u, i in pair_rows if u in scope],
                   [(u, i, n) for u, i, n in lumped_rows if u in scope], _alive(all_units))
    _take_out_uncovered(engine, agg, cover, scope, periods, quarters)
    _resolve_lumped(engine, agg, cover, scope, spans)
    for (unit, b), c in cover.items():
        if c.status == "full":
            agg.reported[(scope[unit], b)] += 1
        elif c.status == "partial":
            agg.partial[(scope[unit], b)] += 1
        agg.missing.setdefault((scope[unit], b), Counter()).update(c.missing)
    return agg


def _alive(all_units: list[UnitRow]) -> dict[str, tuple[int, int]]:
    """unit -> (first, last period_index of a quarter it existed in) for units created or ended."""
    out = {}
    for u in all_units:
        if u.valid_to is not None or u.valid_from.year > 2000:
            first = u.valid_from.year * 4 + (u.valid_from.month - 1) // 3
            last = u.valid_to.year * 4 + (u.valid_to.month - 1) // 3 if u.valid_to else 10**6
            out[u.code] = (first, last)
    return out


def _unit_filter(stmt, units):
    return stmt.where(Fact.unit_code.in_(list(units))) if units else stmt


def _year_quarters(quarters: list[int]) -> list[int]:
    """Every quarter of the years these quarters fall in (cumulative reports never cross a year)."""
    return sorted({y * 4 + q for y in {i // 4 for i in quarters} for q in range(4)})


def _take_out_uncovered(engine: Engine, agg: _Aggregate, cover: dict, scope: dict, periods, quarters) -> None:
    """Subtract the quarterly facts of units that did not report the whole bucket from the sums
    (they are few; the database summed every unit)."""
    todo = {(u, b) for (u, b), c in cover.items() if c.status != "full" and c.quarterly}
    if not todo:
        return
    codes = sorted({u for u, _ in todo})
    bucket = _bucket(periods).label("b")  # one expression: PostgreSQL matches GROUP BY by its parameters
    stmt = (select(Fact.unit_code, bucket, Fact.indicator_code, func.sum(Fact.value), func.count())
            .where(Fact.period_index.in_(quarters), Fact.span == 1)
            .group_by(Fact.unit_code, bucket, Fact.indicator_code))
    for unit, b, code, total, n in _chunked(engine, stmt, codes):
        if (unit, b) in todo:
            agg.add(scope[unit], b, code, -int(total), -int(n))


def _resolve_lumped(engine: Engine, agg: _Aggregate, cover: dict, scope: dict, spans: list) -> None:
    """Units with cumulative reports: their figures for each bucket, resolved per indicator."""
    todo = sorted((u, b) for (u, b), c in cover.items() if c.status == "special")
    if not todo:
        return
    codes = sorted({u for u, _ in todo})
    years = _year_quarters([q for span in spans for q in quarters_of(span)])
    stmt = select(Fact.unit_code, Fact.indicator_code, Fact.period_index, Fact.span, Fact.value).where(
        Fact.period_index.in_(years))
    facts: dict[str, dict[str, dict]] = {}
    for unit, code, i, n, v in _chunked(engine, stmt, codes):
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
        for code, value in found.values.items():
            agg.add(key[0], b, code, value, 1)


def _chunked(engine: Engine, stmt, codes: list[str], size: int = 500) -> list:
    """stmt restricted to the unit codes, a bounded IN list at a time."""
    out = []
    with engine.connect() as conn:
        for n in range(0, len(codes), size):
            out += conn.execute(stmt.where(Fact.unit_code.in_(codes[n:n + size]))).all()
    return out


def _fetch(engine: Engine, stmt) -> list:
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def _frame(rows: dict, codes: list[str]) -> pd.DataFrame:
    """dict of key -> row dict (with indicator sums) -> DataFrame with Int64 indicators + rate."""
    df = pd.DataFrame(list(rows.values()))
    for c in codes:
        df[c] = pd.array([r.get(c) for r in rows.values()], dtype="Int64")
    df[RATE] = recognition_rate(df)
    return df


def recognition_rate(df: pd.DataFrame) -> pd.Series:
    """Σ recognised / Σ registered per row; NaN when nothing registered."""
    if "models_recognized" not in df or "models_registered" not in df:
        return pd.Series(float("nan"), index=df.index)
    reg = df["models_registered"].astype("Float64")
    rec = df["models_recognized"].astype("Float64").fillna(0)
    rate = (rec / reg.where(reg > 0)).astype("float64")
    return rate.where(reg.notna().to_numpy() & (reg > 0).fillna(False).to_numpy())


# --- summary --------------------------------------------------------------------------------------

COUNTS = ("units_reported", "units_expected", "units_partial", "units_derived", "quarters_expected")
GAPS = "gaps"   # summary column: what the partial units lack (see _Aggregate.gaps); not in CSV/JSON


def summary(engine: Engine, period: Period, by: str, clusters=(), units=()) -> pd.DataFrame:
    """One row per group (active or reporting) for the period: indicators summed over the units
    that reported the whole period (<NA> when none did); units_reported counts them,
    units_partial the units with some quarters only (left out), units_derived those with a figure
    found by difference, quarters_expected the quarters in the period."""
    all_units = load_units(engine)
    active = _active(all_units, period, clusters, units, _LEVEL.get(by))
    agg = _aggregate(engine, by, [period], clusters, units, all_units)
    codes, names = indicator_codes(engine), _group_names(engine, by, all_units)
    expected = Counter(_group_key(by, u) for u in active)
    seen = {g for g, _b in [*agg.sums, *agg.reported, *agg.partial]}
    keys = list(expected) + sorted(k for k in seen if k not in expected)
    if by == "province" and not keys:
        keys = [PROVINCE_CODE]
    rows = {k: {"name": names.get(k, k), "code": k, "period": period.spec, **agg.values(k, 0)} for k in keys}
    out = _frame(rows, codes) if rows else _empty(codes, ["name", "code", "period"])
    for column, counter in (("units_reported", agg.reported), ("units_partial", agg.partial),
                            ("units_derived", agg.derived)):
        out[column] = [int(counter.get((k, 0), 0)) for k in out["code"]]
    out["units_expected"] = [int(expected.get(k, 0)) for k in out["code"]]
    out["quarters_expected"] = len(period.indexes)
    out["gaps"] = pd.Series([agg.gaps(k, 0) for k in out["code"]], index=out.index, dtype=object)
    return _ordered(out, names)


def _empty(codes: list[str], head: list[str]) -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="str") for c in head})
    for c in codes:
        df[c] = pd.Series(dtype="Int64")
    df[RATE] = pd.Series(dtype="float64")
    return df


def summary_with_total(engine: Engine, filters: Filters, by: str) -> pd.DataFrame:
    """summary(by) plus a last row for the whole selection ('Toàn tỉnh' when unfiltered)."""
    rows = summary(engine, filters.period, by, filters.clusters, filters.units)
    total = summary(engine, filters.period, "province", filters.clusters, filters.units)
    if filters.clusters or filters.units:
        total["name"] = "Cộng"
    return pd.concat([rows, total], ignore_index=True) if len(rows) else rows


def totals(engine: Engine, filters: Filters) -> dict:
    """The filtered scope's figures as one dict (None for nothing reported)."""
    row = summary(engine, filters.period, "province", filters.clusters, filters.units).iloc[0]
    return {k: (v if k == GAPS else None if pd.isna(v) else (v.item() if hasattr(v, "item") else v))
            for k, v in row.items()}


def rankings(engine: Engine, filters: Filters, metric: str = RATE, by: str = "unit",
             n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(best n, lagging n) groups by metric, over groups that reported it; best first / worst first."""
    df = summary(engine, filters.period, by, filters.clusters, filters.units)
    df = df[df[metric].notna()] if len(df) else df
    if df.empty:
        return df, df
    ranked = df.sort_values([metric, "name"], ascending=[False, True], kind="stable")
    ranked = ranked.assign(rank=range(1, len(ranked) + 1))
    best = ranked.head(n)
    lagging = ranked[~ranked["code"].isin(best["code"])].tail(n).iloc[::-1]
    return best.reset_index(drop=True), lagging.reset_index(drop=True)


# --- trends ---------------------------------------------------------------------------------------

def _bucket(periods: list[Period]):
    """SQL for the position of a fact's quarter among `periods` (bound parameters; -1 outside)."""
    if periods and periods[0].kind == "Q":
        return Fact.period_index - literal(periods[0].indexes[0])
    return case(*[(Fact.period_index.in_(list(p.indexes)), literal(i)) for i, p in enumerate(periods)],
                else_=literal(-1))


_TREND_HEAD = ["period", "period_label", "period_start", "code", "name"]


def trend(engine: Engine, first: Period, last: Period, by: str, codes=(), *, clusters=(),
          units=()) -> pd.DataFrame:
    """One row per (period of first.kind, group) from first to last; province/cluster rows for every
    period (no gap across 2025), unit rows where the unit was active or reported. Figures as in
    summary(): over the units that reported the whole period."""
    periods = periods_between(first, last)
    if not periods:
        return _empty(indicator_codes(engine), _TREND_HEAD)
    all_units = load_units(engine)
    groups = tuple(codes) if codes and by != "province" else ()
    agg = _aggregate(engine, by, periods, clusters, units, all_units, groups)
    names = _group_names(engine, by, all_units)
    rows = _TrendRows(periods, names)
    expected = _expected_trend_rows(rows, periods, by, codes, all_units, clusters, units)
    for g, b in [*agg.sums, *agg.reported, *agg.partial]:
        rows.of(periods[b], g).update(agg.values(g, b))
    for key, r in rows.items():
        b = rows.position[key[0]]
        for column, counter in (("units_reported", agg.reported), ("units_partial", agg.partial),
                                ("units_derived", agg.derived)):
            r[column] = int(counter.get((key[1], b), 0))
        r["units_expected"], r["quarters_expected"] = int(expected.get(key, 0)), len(periods[b].indexes)
    if not rows:
        return _empty(indicator_codes(engine), _TREND_HEAD)
    return _ordered(_frame(rows, indicator_codes(engine)), names, "period_start")


class _TrendRows(dict):
    """(period start, group) -> row dict, each created with its heading columns on first use."""

    def __init__(self, periods: list[Period], names: dict[str, str]):
        super().__init__()
        self.heads = {p: {"period": p.spec, "period_label": p.label, "period_start": p.start}
                      for p in periods}
        self.position = {p.start: n for n, p in enumerate(periods)}
        self.names = names

    def of(self, p: Period, g: str) -> dict:
        key = (self.heads[p]["period_start"], g)
        if key not in self:
            self[key] = {**self.heads[p], "code": g, "name": self.names.get(g, g)}
        return self[key]


def _expected_trend_rows(rows: _TrendRows, periods: list[Period], by: str, codes, all_units,
                         clusters, units) -> Counter:
    """Create the rows each period must show and count the units expected in each: groups of units
    active then (within codes), and province/cluster rows even when none of their units was."""
    expected: Counter = Counter()
    for p in periods:
        for u in _active(all_units, p, clusters, units, _LEVEL.get(by)):
            g = _group_key(by, u)
            if not codes or by == "province" or g in codes:
                expected[(rows.heads[p]["period_start"], g)] += 1
                rows.of(p, g)
        if by == "cluster":
            for g in codes or ():
                rows.of(p, g)
        if by == "province":
            rows.of(p, PROVINCE_CODE)
    return expected


# --- reporting --------------------------------------------------------------------------------------

def _quarters(first: Period, last: Period) -> list[Period]:
    return periods_between(quarter(*first.quarters[0]), quarter(*last.quarters[-1]))


def _within(qs: list[Period]):
    """period_index from the first to the last quarter: a range of the facts' primary key."""
    return Fact.period_index.between(qs[0].indexes[0], qs[-1].indexes[0])


QUARTER, CUMULATIVE = "quarter", "cumulative"


def completeness(engine: Engine, first: Period, last: Period, clusters=(), units=()) -> pd.DataFrame:
    """unit × quarter over the range: one row per unit active in the quarter; reported when a
    quarterly report or a cumulative one spanning the quarter covers it (coverage says which)."""
    qs = _quarters(first, last)
    cols = ["unit_code", "unit_name", "cluster_code", "cluster_name", "level", "period",
            "period_label", "period_index", "reported", "coverage"]
    if not qs:
        return pd.DataFrame(columns=cols)
    indexes = [p.indexes[0] for p in qs]
    quarterly = _unit_filter(select(Fact.unit_code, Fact.period_index).distinct()
                             .where(_within(qs), Fact.span == 1), units)
    lumped = _unit_filter(select(Fact.unit_code, Fact.period_index, Fact.span).distinct()
                          .where(Fact.period_index.in_(_year_quarters(indexes)), Fact.span > 1), units)
    with engine.connect() as conn:
        seen = {(c, i): QUARTER for c, i in conn.execute(quarterly)}
        for c, i, n in conn.execute(lumped):
            for index in quarters_of((i, n)):
                seen.setdefault((c, index), CUMULATIVE)
    cnames = _cluster_names(engine)
    rows = []
    for p in qs:
        spec, label, index = p.spec, p.label, p.indexes[0]
        rows += [(u.code, u.name, u.cluster_code or "", cnames.get(u.cluster_code or "", ""), u.level,
                  spec, label, index, (u.code, index) in seen, seen.get((u.code, index), ""))
                 for u in _active(load_units(engine), p, clusters, units)]
    return pd.DataFrame(rows, columns=cols)


def reporting_rate(completeness_df: pd.DataFrame) -> pd.DataFrame:
    """Per quarter: units reported, units expected (those existing then) and the share reported."""
    if completeness_df.empty:
        return pd.DataFrame(columns=["period", "period_label", "units_reported", "units_expected", "rate"])
    g = completeness_df.groupby(["period_index", "period", "period_label"], sort=True)["reported"]
    out = g.agg(units_reported="sum", units_expected="count").reset_index().drop(columns="period_index")
    out["units_reported"] = out["units_reported"].astype(int)
    out["rate"] = out["units_reported"] / out["units_expected"]
    return out


def unit_series(engine: Engine, indicator: str, first: Period, last: Period, clusters=(),
                units=()) -> pd.DataFrame:
    """Per-unit quarterly values of one indicator over the range, as reported quarter by quarter
    (rows only where reported; cumulative reports are not split into quarters here)."""
    qs = _quarters(first, last)
    cols = ["unit_code", "unit_name", "period", "period_label", "period_index", "value"]
    if not qs:
        return pd.DataFrame(columns=cols)
    where = [Fact.indicator_code == indicator, _within(qs), Fact.span == 1, *_scope("unit", clusters, units)]
    q = select(Fact.unit_code, Fact.period_index, Fact.value).select_from(_from("unit", clusters)).where(*where)
    with engine.connect() as conn:
        data = conn.execute(q).all()
    names = {u.code: u.name for u in load_units(engine)}
    at = {p.indexes[0]: (p.spec, p.label) for p in qs}
    rows = [(c, names.get(c, c), *at[i], i, int(v)) for c, i, v in data]
    return pd.DataFrame(rows, columns=cols)


def unusual_values(series: pd.DataFrame, threshold: float = 3.5, min_points: int = 5,
                   min_change: float = 0.5, min_abs: int = 5) -> pd.DataFrame:
    """Values far from the unit's own history: modified z = 0.6745·(x − median)/MAD (Iglewicz and
    Hoaglin), robust to skewed counts; mean absolute deviation stands in when MAD is 0. Small
    counts also need |x − median| ≥ min_abs and ≥ min_change × median (8 against 7 is no jump)."""
    cols = [*series.columns, "median", "score", "direction"]
    if series.empty:
        return pd.DataFrame(columns=cols)
    g = series.groupby("unit_code")["value"]
    med = g.transform("median")
    dev = (series["value"] - med).abs()
    mad = dev.groupby(series["unit_code"]).transform("median")
    mean_ad = dev.groupby(series["unit_code"]).transform("mean")
    n = g.transform("count")
    scale = (mad / 0.6745).where(mad > 0, mean_ad * 1.253314)
    score = (series["value"] - med) / scale.where(scale > 0)
    out = series.assign(median=med, score=score)
    big = dev.ge(min_abs) & dev.ge(min_change * med)
    out = out[(n >= min_points) & score.abs().ge(threshold).fillna(False) & big]
    out = out.assign(direction=["tăng đột biến" if s > 0 else "giảm đột biến" for s in out["score"]])
    return out.sort_values("score", key=lambda s: -s.abs()).reset_index(drop=True)[cols]


def reconciliation(engine: Engine, first: Period, last: Period, clusters=(), units=()) -> pd.DataFrame:
    """Cumulative reports that disagree with the reports inside them (Quý I + Quý II ≠ 6 tháng), and
    differences that come out negative, for units with cumulative reports in the years of the range."""
    cols = ["unit_code", "unit_name", "indicator", "period", "period_label", "stated", "computed", "detail"]
    qs = _quarters(first, last)
    if not qs:
        return pd.DataFrame(columns=cols)
    years = _year_quarters([p.indexes[0] for p in qs])
    lumped = _unit_filter(select(Fact.unit_code).distinct().where(Fact.period_index.in_(years), Fact.span > 1), units)
    with engine.connect() as conn:
        codes = sorted(r[0] for r in conn.execute(lumped))
    scoped = {u.code: u.name for u in load_units(engine) if not clusters or u.cluster_code in clusters}
    codes = [c for c in codes if c in scoped]
    stmt = select(Fact.unit_code, Fact.indicator_code, Fact.period_index, Fact.span, Fact.value).where(
        Fact.period_index.in_(years))
    known: dict[tuple[str, str, int], dict] = {}
    for unit, code, i, n, v in _chunked(engine, stmt, codes):
        known.setdefault((unit, code, i // 4), {})[(i, n)] = int(v)
    rows = [(unit, scoped[unit], code, *finding) for (unit, code, _y), spans in sorted(known.items())
            for finding in disagreements(spans)]
    return pd.DataFrame(rows, columns=cols)
