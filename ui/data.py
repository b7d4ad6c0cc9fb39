"""The warehouse engine and the pages' typed cached reads: each wraps one etl.queries read in
st.cache_data, keyed by its arguments (a Selection, periods, codes) and by the data version read
once per script run, so that a page reads the warehouse once per selection and a new upload shows
at once. The catalogue is shared (st.cache_resource), read again when its version changes."""
from __future__ import annotations

import gc
import threading
from datetime import date

import pandas as pd
import streamlit as st

from etl.catalog.catalogue import Catalogue, load_catalogue
from etl.config import get_settings
from etl.export.scope import ReportData, gather
from etl.periods import Period
from etl.queries import views
from etl.queries.selection import Selection
from etl.queries.versions import DataSpan
from etl.queries.versions import data_span as _data_span
from etl.queries.versions import data_version as _data_version

_VERSION = "_dvk_data_version"
_READS = dict(show_spinner=False, max_entries=64)
_RUNS = {"started": 0}
_RUNS_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False)
def _engine_for(url: str):
    from etl.warehouse.db import ensure_schema, make_engine
    engine = make_engine(url)
    ensure_schema(engine)
    return engine


def _url() -> str:
    return get_settings().database_url


def engine():
    """The warehouse engine (one per database URL and process)."""
    return _engine_for(_url())


def start_run() -> tuple:
    """Read the data version once per script run; every cached read is keyed by it."""
    _freeze_long_lived()
    st.session_state[_VERSION] = _data_version(engine())
    return st.session_state[_VERSION]


def _freeze_long_lived() -> None:
    """At the start of the process's second script run, leave what is alive then — the modules,
    plotly's validators, the engine, the catalogue: what a first run loads for good — out of the
    garbage collector's walks (gc.freeze). Streamlit collects after every run (runner.postScriptGC);
    each collection walked those ~200,000 objects again, about 0.15 s of every page view."""
    with _RUNS_LOCK:
        _RUNS["started"] += 1
        if _RUNS["started"] == 2 and not gc.get_freeze_count():
            gc.freeze()


def data_version() -> tuple:
    """The data version read at the start of this script run."""
    return st.session_state.get(_VERSION) or start_run()


@st.cache_resource(show_spinner=False, max_entries=8)
def _catalogue(url: str, version: tuple) -> Catalogue:  # shared, not pickled per call: rows are frozen
    return load_catalogue(_engine_for(url))


def catalogue() -> Catalogue:
    """Units, clusters and indicators of the warehouse."""
    return _catalogue(_url(), data_version())


@st.cache_data(**_READS)
def _span(url: str, version: tuple) -> DataSpan | None:
    return _data_span(_engine_for(url))


def data_span() -> DataSpan | None:
    """The quarters with data, the last load and the demo flag; None for an empty warehouse."""
    return _span(_url(), data_version())


@st.cache_data(**_READS)
def _page_totals(url: str, version: tuple, selection: Selection) -> views.Totals:
    return views.page_totals(_engine_for(url), selection)


def page_totals(selection: Selection) -> views.Totals:
    """The selection's figures and its comparison period's (the KPI cards)."""
    return _page_totals(_url(), data_version(), selection)


@st.cache_data(**_READS)
def _breakdown(url: str, version: tuple, selection: Selection, by: str) -> views.Breakdown:
    return views.breakdown(_engine_for(url), selection, by)


def breakdown(selection: Selection, by: str) -> views.Breakdown:
    """The selection by cluster or unit, its total row last."""
    return _breakdown(_url(), data_version(), selection, by)


@st.cache_data(**_READS)
def _overview(url: str, version: tuple, selection: Selection) -> views.OverviewData:
    return views.overview(_engine_for(url), selection)


def overview(selection: Selection) -> views.OverviewData:
    """All that Tổng quan draws."""
    return _overview(_url(), data_version(), selection)


@st.cache_data(**_READS)
def _trends(url: str, version: tuple, selection: Selection, first: Period, by: str,
            picked: tuple[str, ...]) -> pd.DataFrame:
    return views.trends(_engine_for(url), selection, first, by, picked)


def trends(selection: Selection, first: Period, by: str, picked: tuple[str, ...] = ()) -> pd.DataFrame:
    """Xu hướng's series from `first` to the selection's period."""
    return _trends(_url(), data_version(), selection, first, by, tuple(picked))


@st.cache_data(**_READS)
def _reporting_status(url: str, version: tuple, selection: Selection, first: Period) -> views.ReportingData:
    return views.reporting(_engine_for(url), selection, first)


def reporting_status(selection: Selection, first: Period) -> views.ReportingData:
    """Tình hình báo cáo's coverage, reporting rate and disagreeing cumulative reports."""
    return _reporting_status(_url(), data_version(), selection, first)


@st.cache_data(**_READS)
def _unusual(url: str, version: tuple, selection: Selection, indicator: str, first: Period) -> pd.DataFrame:
    return views.unusual(_engine_for(url), selection, indicator, first)


def unusual(selection: Selection, indicator: str, first: Period) -> pd.DataFrame:
    """One indicator's values unusual for the unit itself, from `first`."""
    return _unusual(_url(), data_version(), selection, indicator, first)


@st.cache_data(show_spinner="Đang tổng hợp số liệu…", max_entries=16)
def _report(url: str, version: tuple, selection: Selection, made_on: date) -> ReportData:
    return gather(_engine_for(url), selection, made_on)


def report(selection: Selection) -> ReportData:
    """Every figure of the giao ban report for the selection (made today)."""
    return _report(_url(), data_version(), selection, date.today())


def labels() -> dict[str, str]:
    """indicator code -> Vietnamese label (plus the rate)."""
    return catalogue().labels


def unit_names() -> dict[str, str]:
    """unit code -> name, every unit of the catalogue (former districts included)."""
    return catalogue().unit_names


def unit_name(code: str) -> str:
    """The unit's name (its code when unknown)."""
    return unit_names().get(code, code)


def units_in_range(first: Period, last: Period, clusters=()) -> list[str]:
    """Codes of units that existed at some time in [first, last] (districts, then communes)."""
    return [u.code for u in catalogue().active(first.start, last.end, clusters)]


def sample_units(codes: list[str], per_level: int = 3) -> list[str]:
    """A few units of each level (district, commune), for a default selection."""
    level = {u.code: u.level for u in catalogue().units}
    out: list[str] = []
    for lv in ("district", "commune"):
        out += [c for c in codes if level.get(c) == lv][:per_level]
    return out
