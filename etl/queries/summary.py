"""One period of a selection by group: the figures of each cluster or unit (or the province), the
selection's total row, its totals as one dict, and the best and lagging units.

Columns of a summary: name, code, period (spec), <every indicator code> (Int64, <NA> when nothing
reported), recognition_rate (float, NaN), units_reported (units that reported the whole period:
the only ones summed), units_partial (some quarters only: left out), units_derived (a figure found
by difference), units_expected (units active in the period), quarters_expected, gaps (what the
partial units lack: (('2024-Q2', units), …, ('cumulative', units)); not for CSV/JSON).
"""
from __future__ import annotations

from collections import Counter

import pandas as pd
from sqlalchemy import Engine

from etl.catalog.catalogue import RATE, Catalogue, load_catalogue
from etl.queries.aggregate import Aggregate, aggregate
from etl.queries.selection import PROVINCE_NAME, Selection
from etl.queries.sql import LEVEL, NO_CLUSTER, PROVINCE_CODE, group_key
from etl.queries.stats import with_rate

GAPS = "gaps"


def group_names(catalogue: Catalogue, by: str) -> dict[str, str]:
    """Group code -> display name, in display order."""
    if by == "province":
        return {PROVINCE_CODE: PROVINCE_NAME}
    if by == "cluster":
        return {**catalogue.clusters, NO_CLUSTER[0]: NO_CLUSTER[1]}
    return catalogue.unit_names


def ordered(df: pd.DataFrame, names: dict[str, str], first: str | None = None) -> pd.DataFrame:
    """Rows in the groups' display order (after `first`), unknown groups last."""
    order = {k: i for i, k in enumerate(names)}
    df = df.assign(_o=df["code"].map(order).fillna(10**9))
    return df.sort_values(([first] if first else []) + ["_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def empty_frame(codes: list[str], head: list[str]) -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="str") for c in head})
    for c in codes:
        df[c] = pd.Series(dtype="Int64")
    df[RATE] = pd.Series(dtype="float64")
    return df


def indicator_columns(df: pd.DataFrame, values: pd.DataFrame, keys: list, codes: list[str]) -> pd.DataFrame:
    """df (one row per key, in order) with a column per indicator from `values` (indexed by key)."""
    for c in codes:
        column = values[c].reindex(keys) if c in values.columns else pd.Series(pd.NA, index=keys)
        df[c] = pd.array(column.to_numpy(dtype=object, na_value=pd.NA), dtype="Int64")
    return with_rate(df)


def _table(catalogue: Catalogue, by: str, selection: Selection, agg: Aggregate, values: pd.DataFrame,
           keys: list[str], expected: Counter) -> pd.DataFrame:
    period, names = selection.period, group_names(catalogue, by)
    if not keys:
        out = empty_frame(catalogue.codes, ["name", "code", "period"])
    else:
        head = pd.DataFrame({"name": [names.get(k, k) for k in keys], "code": keys, "period": period.spec})
        out = indicator_columns(head, values, keys, catalogue.codes)
    for column, counter in agg.counts().items():
        out[column] = [int(counter.get((k, 0), 0)) for k in out["code"]]
    out["units_expected"] = [int(expected.get(k, 0)) for k in out["code"]]
    out["quarters_expected"] = len(period.indexes)
    out[GAPS] = pd.Series([agg.gaps(k, 0) for k in out["code"]], index=out.index, dtype=object)
    return ordered(out, names)


def period_figures(engine: Engine, catalogue: Catalogue, selection: Selection, by: str) -> Aggregate:
    """The aggregate of the selection's period by `by` (a summary's raw figures)."""
    return aggregate(engine, catalogue, by, [selection.period], selection.clusters, selection.units)


def summary(engine: Engine, selection: Selection, by: str) -> pd.DataFrame:
    """One row per group (active in the period or reporting in it) of the selection's period: its
    figures over the units that reported the whole period (<NA> when none did).
    by: 'province' | 'cluster' | 'district' | 'commune' | 'unit'."""
    catalogue = load_catalogue(engine)
    return frame(catalogue, selection, by, period_figures(engine, catalogue, selection, by))


def frame(catalogue: Catalogue, selection: Selection, by: str, agg: Aggregate) -> pd.DataFrame:
    """The summary by `by` of an aggregate of the selection's period."""
    period = selection.period
    active = [u for u in catalogue.active(period.start, period.end, selection.clusters)
              if (not selection.units or u.code in selection.units) and (by not in LEVEL or u.level == by)]
    expected = Counter(group_key(by, u) for u in active)
    seen = {g for g, _b in agg.groups()}
    keys = list(expected) + sorted(k for k in seen if k not in expected)
    if by == "province" and not keys:
        keys = [PROVINCE_CODE]
    values = agg.values()
    values = values.xs(0, level="b") if len(values) else pd.DataFrame()
    return _table(catalogue, by, selection, agg, values, keys, expected)


def with_total(engine: Engine, selection: Selection, by: str) -> pd.DataFrame:
    """summary(by) and, last, the selection's total row ('Toàn tỉnh', or 'Cộng' when filtered),
    from one read: clusters and units partition the selection's units, so their sums add up."""
    if by not in ("cluster", "unit"):
        raise ValueError(f"by must be 'cluster' or 'unit', got {by!r}")
    catalogue = load_catalogue(engine)
    agg = period_figures(engine, catalogue, selection, by)
    return stacked(frame(catalogue, selection, by, agg), total_frame(catalogue, selection, agg), selection)


def total_frame(catalogue: Catalogue, selection: Selection, agg: Aggregate) -> pd.DataFrame:
    """The selection's figures (a province summary) from an aggregate by cluster or unit."""
    return frame(catalogue, selection, "province", _rolled_up(agg))


def stacked(rows: pd.DataFrame, total: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """Group rows with the total row last (named 'Cộng' when the selection is filtered)."""
    if not len(rows):
        return rows
    return pd.concat([rows, total.assign(name=selection.total_name)], ignore_index=True)


def _rolled_up(agg: Aggregate) -> Aggregate:
    """The aggregate of the whole selection from its groups' (every count and sum added up)."""
    return agg.rekeyed(lambda _g: PROVINCE_CODE)


def as_dict(row: pd.Series) -> dict:
    """A summary row as plain values (None for nothing reported; gaps as they are)."""
    return {k: (v if k == GAPS else None if pd.isna(v) else (v.item() if hasattr(v, "item") else v))
            for k, v in row.items()}


def totals(engine: Engine, selection: Selection) -> dict:
    """The selection's figures as one dict (None for nothing reported)."""
    return as_dict(summary(engine, selection, "province").iloc[0])


def ranked(df: pd.DataFrame, metric: str = RATE, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(best n, lagging n) rows of a summary by metric, over rows that have it; best first / worst
    first, each with its rank."""
    df = df[df[metric].notna()] if len(df) else df
    if df.empty:
        return df, df
    ranks = df.sort_values([metric, "name"], ascending=[False, True], kind="stable")
    ranks = ranks.assign(rank=range(1, len(ranks) + 1))
    best = ranks.head(n)
    lagging = ranks[~ranks["code"].isin(best["code"])].tail(n).iloc[::-1]
    return best.reset_index(drop=True), lagging.reset_index(drop=True)


def rankings(engine: Engine, selection: Selection, metric: str = RATE, by: str = "unit",
             n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(best n, lagging n) groups of the selection by metric."""
    return ranked(summary(engine, selection, by), metric, n)
