"""The shared selection: the sidebar filters (period, comparison, clusters, units), mirrored in the
URL so that a copied link opens the same view, and the messages for an empty warehouse or selection."""
from __future__ import annotations

import streamlit as st

from etl.periods import KIND_LABELS, KINDS, Period, PeriodError, parse_period, periods_between
from etl.queries.selection import COMPARE, Selection
from ui.data import catalogue, data_span

EMPTY_MESSAGE = ("Kho dữ liệu chưa có số liệu. Hãy nạp biểu tổng hợp ở trang “Tải lên” "
                 "(hoặc chạy lệnh `python -m etl load …`), rồi mở lại trang này.")
NO_DATA_MESSAGE = "Chưa có số liệu cho lựa chọn này ({scope}). Hãy chọn kỳ, cụm hoặc đơn vị khác."
FILTER_KEYS = ("f_kind", "f_period", "f_compare", "f_clusters", "f_units")
_SELECTION = "_dvk_selection"
FILTERS_KEY = "sidebar-filters"  # the CSS names the phone's sidebar toggle "Bộ lọc" when present


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
    cat = catalogue()
    st.session_state["f_clusters"] = [c for c in st.session_state.get("f_clusters", [])
                                      if c in cat.clusters]
    chosen = st.multiselect("Cụm", list(cat.clusters), format_func=cat.clusters.get, key="f_clusters",
                            placeholder="Tất cả các cụm")
    valid = [u.code for u in cat.active(period.start, period.end, tuple(chosen))]
    known = set(valid)
    st.session_state["f_units"] = [c for c in st.session_state.get("f_units", []) if c in known]
    picked = st.multiselect("Đơn vị", valid, format_func=cat.unit_names.get, key="f_units",
                            placeholder="Tất cả các đơn vị")
    return chosen, picked


def sidebar_filters() -> Selection | None:
    """The shared filters in the sidebar; None when the warehouse is empty."""
    span = data_span()
    if span is None:
        return None
    _init_state(span.first, span.latest)
    with st.sidebar.container(key=FILTERS_KEY):
        st.markdown("### Bộ lọc")
        period = _period_widgets(span.first, span.latest)
        chosen, picked = _scope_widgets(period)
    selection = Selection.named(catalogue(), period, compare=st.session_state["f_compare"],
                                clusters=chosen, units=picked)
    _write_params(selection)
    return selection


def _write_params(selection: Selection) -> None:
    """Mirror the filters into the URL so that a copied link opens the same view."""
    wanted = {"period": selection.period.spec, "compare": selection.compare}
    if selection.clusters:
        wanted["clusters"] = ",".join(selection.clusters)
    if selection.units:
        wanted["units"] = ",".join(selection.units)
    if {k: st.query_params.get(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(wanted)


def set_selection(selection: Selection | None) -> None:
    """Hand the sidebar's selection to the page that runs next (dashboard.py)."""
    st.session_state[_SELECTION] = selection


def keep_filters() -> None:
    """On pages without the filter widgets, keep their values for when the user comes back."""
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def current_selection() -> Selection | None:
    """The sidebar's selection in this run (None on unfiltered pages or an empty warehouse)."""
    return st.session_state.get(_SELECTION)


def require_selection() -> Selection:
    """The shared selection, or the 'empty warehouse' message and stop."""
    selection = current_selection()
    if selection is None:
        st.info(EMPTY_MESSAGE)
        st.stop()
    return selection


def no_data(selection: Selection, what: str = "") -> None:
    """The 'nothing for this selection' message and stop."""
    st.info(NO_DATA_MESSAGE.format(scope=what or selection.caption))
    st.stop()
