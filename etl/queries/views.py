"""The typed reads of the pages: each returns, as one value, all that a page (or a part of it)
draws for a selection. ui/data.py caches them by selection and data version; the pages render."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from etl.catalog.catalogue import RATE, load_catalogue
from etl.periods import Period
from etl.queries import narrative
from etl.queries import reporting as rp
from etl.queries.selection import Selection
from etl.queries.stats import per_meeting, reporting_rate, unusual_values
from etl.queries.summary import as_dict, frame, period_figures, ranked, stacked, total_frame, totals, with_total
from etl.queries.trend import trend

RANKED = 5            # units in each of Tổng quan's two rankings
UNUSUAL_HISTORY = 4   # quarters before the range that a unit's history also counts


@dataclass(frozen=True)
class Totals:
    """The selection's figures and the comparison period's, as dicts (None: nothing reported)."""
    current: dict
    previous: dict


@dataclass(frozen=True)
class Breakdown:
    """A summary of the selection by cluster or unit, with participants per meeting; its total row
    (the selection's figures) last."""
    by: str
    table: pd.DataFrame

    @property
    def rows(self) -> pd.DataFrame:
        return self.table.iloc[:-1] if len(self.table) else self.table

    @property
    def total(self) -> dict:
        return as_dict(self.table.iloc[-1]) if len(self.table) else {}


@dataclass(frozen=True)
class OverviewData:
    """Tổng quan: the totals, the rate by cluster, the best and lagging units, the summing-up."""
    totals: Totals
    clusters: Breakdown
    best: pd.DataFrame
    lagging: pd.DataFrame
    sentence: str


@dataclass(frozen=True)
class ReportingData:
    """Tình hình báo cáo: unit × quarter coverage, the share reported per quarter, and the
    cumulative reports that disagree with their quarters."""
    matrix: pd.DataFrame
    rate: pd.DataFrame
    reconciliation: pd.DataFrame


def page_totals(engine: Engine, selection: Selection) -> Totals:
    """The figures of the KPI cards: the selection's and its comparison period's (read side by
    side: the database works while Python waits)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        previous = pool.submit(totals, engine, selection.compared())
        return Totals(totals(engine, selection), previous.result())


def breakdown(engine: Engine, selection: Selection, by: str) -> Breakdown:
    """The selection by cluster or unit, its total row last."""
    return Breakdown(by, per_meeting(with_total(engine, selection, by)))


def overview(engine: Engine, selection: Selection) -> OverviewData:
    """Everything Tổng quan draws, from one aggregate by unit (the ranking; clusters and the
    selection's totals add its units up) and the comparison period's totals beside it."""
    catalogue = load_catalogue(engine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        previous = pool.submit(totals, engine, selection.compared())
        units = period_figures(engine, catalogue, selection, "unit")
        figures = Totals(as_dict(total_frame(catalogue, selection, units).iloc[0]), previous.result())
    cluster_of = {u.code: u.cluster_code or "" for u in catalogue.units}
    clusters = frame(catalogue, selection, "cluster", units.rekeyed(lambda unit: cluster_of.get(unit, "")))
    table = stacked(clusters, total_frame(catalogue, selection, units), selection)
    best, lagging = ranked(frame(catalogue, selection, "unit", units), RATE, RANKED)
    sentence = narrative.overview_sentence(figures.current, figures.previous, selection.period,
                                           selection.label, previous_period=selection.comparison,
                                           indicators=catalogue.indicators)
    return OverviewData(figures, Breakdown("cluster", per_meeting(table)), best, lagging, sentence)


def trends(engine: Engine, selection: Selection, first: Period, by: str, picked=()) -> pd.DataFrame:
    """Xu hướng's series from `first`: by unit, the units picked (the selection's units aside); by
    cluster, the selection's clusters (all when none)."""
    if by == "unit":
        return trend(engine, Selection(selection.period, clusters=selection.clusters), first, by, tuple(picked))
    return trend(engine, selection, first, by, selection.clusters if by == "cluster" else ())


def reporting(engine: Engine, selection: Selection, first: Period) -> ReportingData:
    """Everything Tình hình báo cáo draws but the unusual values (one indicator at a time)."""
    matrix = rp.completeness(engine, selection, first)
    return ReportingData(matrix, reporting_rate(matrix), rp.reconciliation(engine, selection, first))


def unusual(engine: Engine, selection: Selection, indicator: str, first: Period) -> pd.DataFrame:
    """Values of one indicator from `first` far from the unit's own quarters (its history before
    `first` counts too)."""
    history = first.shifted(-UNUSUAL_HISTORY) if first.kind == "Q" else first
    flagged = unusual_values(rp.unit_series(engine, selection, indicator, history))
    return flagged[flagged["period_index"] >= first.indexes[0]].reset_index(drop=True)
