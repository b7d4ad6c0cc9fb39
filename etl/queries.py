"""All read SQL of the dashboard, CLI and exports: aggregates computed by GROUP BY in the warehouse.

Every function takes the engine first and returns small, already-aggregated DataFrames. Rates are
always Σ recognised / Σ registered over the selection. Units expected in a period are the units
active in it, so district units stop at 2025-Q2 and communes start at 2025-Q3.
"""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, case, func, literal, select

from etl.catalog import UnitRow, load_clusters, load_indicators, load_units
from etl.periods import Period, from_index, periods_between, quarter
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
    """(latest quarter with data, time of the last load still in force)."""
    with engine.connect() as conn:
        top = conn.execute(select(func.max(Fact.period_index))).scalar()
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


def _aggregate(engine: Engine, by: str, bucket, where: list, clusters, *, buckets: dict[int, int],
               all_units: list[UnitRow], units=()) -> tuple[list, list]:
    """Σ value per (group, bucket, indicator) by GROUP BY; and (group, bucket, units reporting),
    counted from the distinct (unit, quarter) pairs. Both read the period range of the primary key
    (period_index, indicator_code, unit_code), which on SQLite holds the rows: a covering scan."""
    g = _group_col(by).label("g")
    sums = (select(g, bucket.label("b"), Fact.indicator_code, func.sum(Fact.value))
            .select_from(_from(by, clusters)).where(*where).group_by(g, bucket, Fact.indicator_code))
    pairs = select(Fact.unit_code, Fact.period_index).distinct().where(Fact.period_index.in_(list(buckets)))
    if units:
        pairs = pairs.where(Fact.unit_code.in_(list(units)))
    # The two scans are independent: run them on two connections at once (WAL readers do not block
    # each other, and the drivers release the GIL while the database works).
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_fetch, engine, stmt) for stmt in (sums, pairs)]
        sums_rows, pair_rows = futures[0].result(), futures[1].result()
    scope = {u.code: _group_key(by, u) for u in all_units
             if (not clusters or u.cluster_code in clusters) and (by not in _LEVEL or u.level == by)}
    seen: dict[tuple, set] = {}
    for code, index in pair_rows:
        if code in scope:
            seen.setdefault((scope[code], buckets[index]), set()).add(code)
    return sums_rows, [(g_, b, len(c)) for (g_, b), c in seen.items()]


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

def summary(engine: Engine, period: Period, by: str, clusters=(), units=()) -> pd.DataFrame:
    """One row per group (active or reporting) for the period; indicators <NA> when not reported."""
    all_units = load_units(engine)
    active = _active(all_units, period, clusters, units, _LEVEL.get(by))
    where = [Fact.period_index.in_(list(period.indexes)), *_scope(by, clusters, units)]
    sums, reported = _aggregate(engine, by, literal(0), where, clusters, all_units=all_units,
                                buckets={i: 0 for i in period.indexes}, units=units)
    codes, names = indicator_codes(engine), _group_names(engine, by, all_units)
    expected = Counter(_group_key(by, u) for u in active)
    keys = list(expected) + [k for k in {r[0] for r in reported} if k not in expected]
    if by == "province" and not keys:
        keys = [PROVINCE_CODE]
    rows = {k: {"name": names.get(k, k), "code": k, "period": period.spec} for k in keys}
    for g, _b, ind, total in sums:
        rows[g][ind] = int(total)
    out = _frame(rows, codes) if rows else _empty(codes, ["name", "code", "period"])
    got = {g: n for g, _b, n in reported}
    out["units_reported"] = [int(got.get(k, 0)) for k in out["code"]]
    out["units_expected"] = [int(expected.get(k, 0)) for k in out["code"]]
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
    return {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}


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
    """CASE period_index -> position of its period in `periods` (bound parameters)."""
    if periods and periods[0].kind == "Q":
        return Fact.period_index
    return case(*[(Fact.period_index.in_(list(p.indexes)), literal(i)) for i, p in enumerate(periods)],
                else_=literal(-1))


_TREND_HEAD = ["period", "period_label", "period_start", "code", "name"]


def trend(engine: Engine, first: Period, last: Period, by: str, codes=(), *, clusters=(),
          units=()) -> pd.DataFrame:
    """One row per (period of first.kind, group) from first to last; province/cluster rows for every
    period (no gap across 2025), unit rows where the unit was active or reported."""
    periods = periods_between(first, last)
    if not periods:
        return _empty(indicator_codes(engine), _TREND_HEAD)
    quarter_mode = periods[0].kind == "Q"
    where = [Fact.period_index.in_([i for p in periods for i in p.indexes]), *_scope(by, clusters, units)]
    if codes and by != "province":
        where.append(_group_col(by).in_(list(codes)))
    buckets = {i: (i if quarter_mode else n) for n, p in enumerate(periods) for i in p.indexes}
    all_units = load_units(engine)
    sums, reported = _aggregate(engine, by, _bucket(periods), where, clusters, all_units=all_units,
                                buckets=buckets, units=units)
    at = {p.indexes[0] if quarter_mode else i: p for i, p in enumerate(periods)}  # bucket -> period
    names = _group_names(engine, by, all_units)
    rows = _TrendRows(periods, names)
    expected = _expected_trend_rows(rows, periods, by, codes, all_units, clusters, units)
    for g, b, ind, total in sums:
        if b in at:
            rows.of(at[b], g)[ind] = int(total)
    got = {(at[b].start, g): n for g, b, n in reported if b in at}
    for key, r in rows.items():
        r["units_reported"], r["units_expected"] = int(got.get(key, 0)), int(expected.get(key, 0))
    if not rows:
        return _empty(indicator_codes(engine), _TREND_HEAD)
    return _ordered(_frame(rows, indicator_codes(engine)), names, "period_start")


class _TrendRows(dict):
    """(period start, group) -> row dict, each created with its heading columns on first use."""

    def __init__(self, periods: list[Period], names: dict[str, str]):
        super().__init__()
        self.heads = {p: {"period": p.spec, "period_label": p.label, "period_start": p.start}
                      for p in periods}
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


def completeness(engine: Engine, first: Period, last: Period, clusters=(), units=()) -> pd.DataFrame:
    """unit × quarter over the range: one row per unit active in the quarter, reported = any fact."""
    qs = _quarters(first, last)
    cols = ["unit_code", "unit_name", "cluster_code", "cluster_name", "level", "period",
            "period_label", "period_index", "reported"]
    if not qs:
        return pd.DataFrame(columns=cols)
    q = select(Fact.unit_code, Fact.period_index).distinct().where(_within(qs))
    if units:
        q = q.where(Fact.unit_code.in_(list(units)))
    with engine.connect() as conn:
        seen = {(c, i) for c, i in conn.execute(q)}
    cnames = _cluster_names(engine)
    all_units = load_units(engine)
    rows = []
    for p in qs:
        spec, label, index = p.spec, p.label, p.indexes[0]
        rows += [(u.code, u.name, u.cluster_code or "", cnames.get(u.cluster_code or "", ""), u.level,
                  spec, label, index, (u.code, index) in seen)
                 for u in _active(all_units, p, clusters, units)]
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
    """Per-unit quarterly values of one indicator over the range (rows only where reported)."""
    qs = _quarters(first, last)
    cols = ["unit_code", "unit_name", "period", "period_label", "period_index", "value"]
    if not qs:
        return pd.DataFrame(columns=cols)
    where = [Fact.indicator_code == indicator, _within(qs), *_scope("unit", clusters, units)]
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
