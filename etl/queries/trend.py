"""A selection over a range of periods, by province, cluster or unit: the series of the Xu hướng
page and of the report's trend slide. Province and cluster rows exist for every period (no gap
across the 2025 reorganisation); unit rows where the unit was active or reported."""
from __future__ import annotations

from collections import Counter

import pandas as pd
from sqlalchemy import Engine

from etl.catalog.catalogue import Catalogue, load_catalogue
from etl.periods import Period, periods_between
from etl.queries.aggregate import aggregate
from etl.queries.selection import Selection
from etl.queries.sql import LEVEL, PROVINCE_CODE, group_key
from etl.queries.summary import empty_frame, group_names, indicator_columns, ordered

HEAD = ["period", "period_label", "period_start", "code", "name"]


def trend(engine: Engine, selection: Selection, first: Period, by: str, codes=()) -> pd.DataFrame:
    """One row per (period of first.kind, group) from `first` to the selection's period, with the
    columns of a summary (figures over the units that reported the whole period) and period,
    period_label, period_start. codes: the clusters or units to show (by cluster or unit)."""
    catalogue = load_catalogue(engine)
    periods = periods_between(first, selection.period)
    if not periods:
        return empty_frame(catalogue.codes, HEAD)
    groups = tuple(codes) if codes and by != "province" else ()
    agg = aggregate(engine, catalogue, by, periods, selection.clusters, selection.units, groups)
    keys, expected = _expected_rows(catalogue, periods, by, codes, selection)
    for g, b in sorted(agg.groups(), key=lambda k: (k[1], str(k[0]))):
        if (g, b) not in keys:
            keys[(g, b)] = None
    if not keys:
        return empty_frame(catalogue.codes, HEAD)
    names = group_names(catalogue, by)
    keys = list(keys)
    head = pd.DataFrame({"period": [periods[b].spec for _g, b in keys],
                         "period_label": [periods[b].label for _g, b in keys],
                         "period_start": [periods[b].start for _g, b in keys],
                         "code": [g for g, _b in keys], "name": [names.get(g, g) for g, _b in keys]})
    out = indicator_columns(head, agg.values(), pd.MultiIndex.from_tuples(keys, names=["g", "b"]),
                            catalogue.codes)
    for column, counter in agg.counts().items():
        out[column] = [int(counter.get(k, 0)) for k in keys]
    out["units_expected"] = [int(expected.get(k, 0)) for k in keys]
    out["quarters_expected"] = [len(periods[b].indexes) for _g, b in keys]
    return ordered(out, names, "period_start")


def _expected_rows(catalogue: Catalogue, periods: list[Period], by: str, codes,
                   selection: Selection) -> tuple[dict, Counter]:
    """The (group, bucket) rows each period must show, in order, and the units expected in each:
    groups of units active then (within codes), and province/cluster rows even when none of their
    units was."""
    keys: dict = {}
    expected: Counter = Counter()
    for b, p in enumerate(periods):
        for u in catalogue.active(p.start, p.end, selection.clusters):
            if (selection.units and u.code not in selection.units) or (by in LEVEL and u.level != by):
                continue
            g = group_key(by, u)
            if not codes or by == "province" or g in codes:
                expected[(g, b)] += 1
                keys[(g, b)] = None
        if by == "cluster":
            for g in codes or ():
                keys[(g, b)] = None
        if by == "province":
            keys[(PROVINCE_CODE, b)] = None
    return keys, expected
