"""The shared view: the sidebar filters (period, comparison, clusters, units), mirrored in the URL
so that a copied link opens the same view, and the messages for an empty warehouse or selection."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from etl import queries
from etl.periods import KIND_LABELS, KINDS, Period, PeriodError, parse_period, periods_between
from ui.data import catalogue, engine, q, unit_names

COMPARE = {"previous": "Kỳ trước", "last_year": "Cùng kỳ năm trước"}
EMPTY_MESSAGE = ("Kho dữ liệu chưa có số liệu. Hãy nạp biểu tổng hợp ở trang “Tải lên” "
                 "(hoặc chạy lệnh `python -m etl load …`), rồi mở lại trang này.")
NO_DATA_MESSAGE = "Chưa có số liệu cho lựa chọn này ({scope}). Hãy chọn kỳ, cụm hoặc đơn vị khác."
FILTER_KEYS = ("f_kind", "f_period", "f_compare", "f_clusters", "f_units")
_VIEW = "_dvk_view"
FILTERS_KEY = "sidebar-filters"  # the CSS names the phone's sidebar toggle "Bộ lọc" when present


@dataclass(frozen=True)
class View:
    """What the sidebar selected, shared by every page."""
    filters: queries.Filters
    compare: str  # previous | last_year
    latest: Period  # latest quarter with data
    first: Period  # earliest quarter with data
    updated: datetime | None

    @property
    def period(self) -> Period:
        return self.filters.period

    @property
    def comparison(self) -> Period:
        p = self.filters.period
        return p.previous() if self.compare == "previous" else p.same_period_last_year()

    @property
    def comparison_filters(self) -> queries.Filters:
        return queries.Filters(self.comparison, self.filters.clusters, self.filters.units)

    def describe(self) -> str:
        return self.filters.describe(engine())


def available_periods(kind: str, first: Period, latest: Period) -> list[Period]:
    """Periods of `kind` overlapping the data, newest first."""
    start = Period(first.year, kind, 1) if kind == "Q" else Period(first.year, kind)
    out = [p for p in periods_between(start if kind != "Q" else first, latest)
           if p.end >= first.start and p.start <= latest.end]
    return out[::-1]


def _param_list(name: str) -> list[str]:
    raw = st.query_params.get(name, "")
    return [x for x in raw.split(",") if x]


def _init_state(first: Period, latest: Period) -> None:
    """First run of a session: take the filters from the URL (a shared link), else defaults."""
    if "f_period" in st.session_state:
        return
    try:
        period = parse_period(st.query_params.get("period", ""))
    except PeriodError:
        period = latest
    if period not in available_periods(period.kind, first, latest):
        period = latest
    st.session_state["f_kind"] = period.kind
    st.session_state["f_period"] = period.spec
    cmp = st.query_params.get("compare", "previous")
    st.session_state["f_compare"] = cmp if cmp in COMPARE else "previous"
    st.session_state["f_clusters"] = _param_list("clusters")
    st.session_state["f_units"] = _param_list("units")


def _period_widgets(first: Period, latest: Period) -> Period:
    kind = st.selectbox("Loại kỳ", KINDS, format_func=lambda k: KIND_LABELS[k], key="f_kind")
    options = [p.spec for p in available_periods(kind, first, latest)]
    if st.session_state.get("f_period") not in options:
        st.session_state["f_period"] = options[0]
    spec = st.selectbox("Kỳ báo cáo", options, key="f_period",
                        format_func=lambda s: parse_period(s).label)
    st.radio("So sánh với", list(COMPARE), format_func=COMPARE.get, key="f_compare",
             horizontal=True)
    return parse_period(spec)


def _scope_widgets(period: Period) -> tuple[list[str], list[str]]:
    """The cluster and unit pickers; units offered are those that existed in `period`."""
    units, clusters, _ = catalogue()
    st.session_state["f_clusters"] = [c for c in st.session_state.get("f_clusters", [])
                                      if c in clusters]
    chosen = st.multiselect("Cụm", list(clusters), format_func=clusters.get, key="f_clusters",
                            placeholder="Tất cả các cụm")
    valid = [u.code for u in units if u.active_in(period.start, period.end)
             and (not chosen or u.cluster_code in chosen)]
    st.session_state["f_units"] = [c for c in st.session_state.get("f_units", []) if c in valid]
    picked = st.multiselect("Đơn vị", valid, format_func=unit_names().get, key="f_units",
                            placeholder="Tất cả các đơn vị")
    return chosen, picked


def sidebar_filters() -> View | None:
    """The shared filters in the sidebar; None when the warehouse is empty."""
    latest, updated = q("data_as_of")
    first = q("first_period")
    if latest is None:
        return None
    _init_state(first, latest)
    with st.sidebar.container(key=FILTERS_KEY):
        st.markdown("### Bộ lọc")
        period = _period_widgets(first, latest)
        chosen, picked = _scope_widgets(period)
    view = View(queries.Filters(period, tuple(chosen), tuple(picked)),
                st.session_state["f_compare"], latest, first, updated)
    _write_params(view)
    return view


def _write_params(view: View) -> None:
    """Mirror the filters into the URL so that a copied link opens the same view."""
    wanted = {"period": view.period.spec, "compare": view.compare}
    if view.filters.clusters:
        wanted["clusters"] = ",".join(view.filters.clusters)
    if view.filters.units:
        wanted["units"] = ",".join(view.filters.units)
    if {k: st.query_params.get(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(wanted)


def set_view(view: View | None) -> None:
    """Hand the sidebar's view to the page that runs next (dashboard.py)."""
    st.session_state[_VIEW] = view


def keep_filters() -> None:
    """On pages without the filter widgets, keep their values for when the user comes back."""
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def current_view() -> View | None:
    """The view the sidebar selected in this run (None on unfiltered pages or an empty warehouse)."""
    return st.session_state.get(_VIEW)


def require_view() -> View:
    """The shared view, or the 'empty warehouse' message and stop."""
    view = current_view()
    if view is None:
        st.info(EMPTY_MESSAGE)
        st.stop()
    return view


def no_data(view: View, what: str = "") -> None:
    """The 'nothing for this selection' message and stop."""
    st.info(NO_DATA_MESSAGE.format(scope=what or view.describe()))
    st.stop()
