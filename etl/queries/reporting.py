"""Who reported what, quarter by quarter: the unit × quarter completeness of a selection, one
indicator's quarterly values per unit (for values unusual for the unit), and the cumulative
reports that disagree with the quarters inside them. Ranges run from a first period to the last
quarter of the selection's period."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from etl.catalog.catalogue import load_catalogue
from etl.periods import Period
from etl.queries.coverage import disagreements
from etl.queries.selection import Selection
from etl.queries.spans import quarters_of
from etl.queries.sql import (NO_CLUSTER, chunked, conditions, fetch, only_units, quarters_between, source, within,
                             year_quarters)
from etl.warehouse.schema import Fact

QUARTER, CUMULATIVE = "quarter", "cumulative"   # how a unit's quarter is covered
COMPLETENESS = ["unit_code", "unit_name", "cluster_code", "cluster_name", "level", "period", "period_label",
                "period_index", "reported", "coverage"]
SERIES = ["unit_code", "unit_name", "period", "period_label", "period_index", "value"]
RECONCILIATION = ["unit_code", "unit_name", "indicator", "period", "period_label", "stated", "computed",
                  "detail"]


def completeness(engine: Engine, selection: Selection, first: Period) -> pd.DataFrame:
    """unit × quarter from `first`: one row per unit active in the quarter; reported when a quarterly
    report or a cumulative one spanning the quarter covers it (coverage says which)."""
    qs = quarters_between(first, selection.period)
    if not qs:
        return pd.DataFrame(columns=COMPLETENESS)
    indexes = [p.indexes[0] for p in qs]
    quarterly = only_units(select(Fact.unit_code, Fact.period_index).distinct()
                           .where(within(qs), Fact.span == 1), selection.units)
    lumped = only_units(select(Fact.unit_code, Fact.period_index, Fact.span).distinct()
                        .where(Fact.period_index.in_(year_quarters(indexes)), Fact.span > 1), selection.units)
    with engine.connect() as conn:
        seen = {(c, i): QUARTER for c, i in conn.execute(quarterly)}
        for c, i, n in conn.execute(lumped):
            for index in quarters_of((i, n)):
                seen.setdefault((c, index), CUMULATIVE)
    catalogue = load_catalogue(engine)
    cnames = {**catalogue.clusters, NO_CLUSTER[0]: NO_CLUSTER[1]}
    rows = []
    for p in qs:
        spec, label, index = p.spec, p.label, p.indexes[0]
        rows += [(u.code, u.name, u.cluster_code or "", cnames.get(u.cluster_code or "", ""), u.level,
                  spec, label, index, (u.code, index) in seen, seen.get((u.code, index), ""))
                 for u in catalogue.active(p.start, p.end, selection.clusters)
                 if not selection.units or u.code in selection.units]
    return pd.DataFrame(rows, columns=COMPLETENESS)


def unit_series(engine: Engine, selection: Selection, indicator: str, first: Period) -> pd.DataFrame:
    """Per-unit quarterly values of one indicator from `first`, as reported quarter by quarter (rows
    only where reported; cumulative reports are not split into quarters here)."""
    qs = quarters_between(first, selection.period)
    if not qs:
        return pd.DataFrame(columns=SERIES)
    where = [Fact.indicator_code == indicator, within(qs), Fact.span == 1,
             *conditions("unit", selection.clusters, selection.units)]
    data = fetch(engine, select(Fact.unit_code, Fact.period_index, Fact.value)
                 .select_from(source("unit", selection.clusters)).where(*where))
    names = load_catalogue(engine).unit_names
    at = {p.indexes[0]: (p.spec, p.label) for p in qs}
    return pd.DataFrame([(c, names.get(c, c), *at[i], i, int(v)) for c, i, v in data], columns=SERIES)


def reconciliation(engine: Engine, selection: Selection, first: Period) -> pd.DataFrame:
    """Cumulative reports that disagree with the reports inside them (Quý I + Quý II ≠ 6 tháng), and
    differences that come out negative, for units with cumulative reports in the years of the range."""
    qs = quarters_between(first, selection.period)
    if not qs:
        return pd.DataFrame(columns=RECONCILIATION)
    years = year_quarters([p.indexes[0] for p in qs])
    lumped = only_units(select(Fact.unit_code).distinct().where(Fact.period_index.in_(years), Fact.span > 1),
                        selection.units)
    clusters = selection.clusters
    scoped = {u.code: u.name for u in load_catalogue(engine).units if not clusters or u.cluster_code in clusters}
    codes = [c for c in sorted(r[0] for r in fetch(engine, lumped)) if c in scoped]
    stmt = select(Fact.unit_code, Fact.indicator_code, Fact.period_index, Fact.span, Fact.value).where(
        Fact.period_index.in_(years))
    known: dict[tuple[str, str, int], dict] = {}
    for unit, code, i, n, v in chunked(engine, stmt, codes):
        known.setdefault((unit, code, i // 4), {})[(i, n)] = int(v)
    rows = [(unit, scoped[unit], code, *finding) for (unit, code, _y), spans in sorted(known.items())
            for finding in disagreements(spans)]
    return pd.DataFrame(rows, columns=RECONCILIATION)
