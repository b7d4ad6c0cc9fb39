"""The Streamlit edge: cached query wrappers, the shared sidebar filters (kept in the URL), Vietnamese
number formats for plotly and metric cards, captions and table downloads. Pages call these."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pandas as pd
import pandas.io.formats.style  # noqa: F401 - imported once at start, not in the first styled table
import plotly.graph_objects as go
import streamlit as st

from etl import queries
from etl.catalog import load_clusters, load_indicators, load_units
from etl.config import get_settings
from etl.numbers import fmt_delta, fmt_int, fmt_num, fmt_pct
from etl.periods import (KIND_LABELS, KINDS, REORGANISATION_DATE, REORGANISATION_LABEL, Period,
                         PeriodError, parse_period, periods_between, quarter)

COMPARE = {"previous": "Kỳ trước", "last_year": "Cùng kỳ năm trước"}
EMPTY_MESSAGE = ("Kho dữ liệu chưa có số liệu. Hãy nạp biểu tổng hợp ở trang “Tải lên” "
                 "(hoặc chạy lệnh `python -m etl load …`), rồi mở lại trang này.")
NO_DATA_MESSAGE = "Chưa có số liệu cho lựa chọn này ({scope}). Hãy chọn kỳ, cụm hoặc đơn vị khác."
FONT = "'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
BLUE, RED, GREY, DARK, GREEN = "#1f5fa8", "#c0392b", "#9aa5b1", "#1b2631", "#1e8449"
PALETTE = ["#1f5fa8", "#d35400", "#1e8449", "#8e44ad", "#b7950b", "#17a589", "#c0392b", "#5d6d7e"]
VN_TZ = timezone(timedelta(hours=7))
_VERSION = "_dvk_data_version"


# --- engine and cached queries ----------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def _engine_for(url: str):
    from etl.db import ensure_schema, make_engine
    engine = make_engine(url)
    ensure_schema(engine)
    return engine


def engine():
    """The warehouse engine (one per database URL and process)."""
    return _engine_for(get_settings().database_url)


def start_run() -> tuple:
    """Read the data version once per script run; every cached query is keyed by it."""
    st.session_state[_VERSION] = queries.data_version(engine())
    return st.session_state[_VERSION]


def _version() -> tuple:
    return st.session_state.get(_VERSION) or start_run()


def _encode(value):
    if isinstance(value, Period):
        return ("period", value.spec)
    if isinstance(value, queries.Filters):
        return ("filters", value.period.spec, tuple(value.clusters), tuple(value.units))
    return value


def _decode(value):
    if isinstance(value, tuple) and value and value[0] == "period":
        return parse_period(value[1])
    if isinstance(value, tuple) and value and value[0] == "filters":
        return queries.Filters(parse_period(value[1]), value[2], value[3])
    return value


@st.cache_data(show_spinner=False, max_entries=512)
def _call(url: str, data_version: tuple, name: str, args: tuple, kwargs: tuple):
    fn = getattr(queries, name)
    return fn(_engine_for(url), *map(_decode, args), **{k: _decode(v) for k, v in kwargs})


def q(name: str, *args, **kwargs):
    """queries.<name>(engine, *args, **kwargs), cached by its arguments and the data version."""
    return _call(get_settings().database_url, _version(), name, tuple(map(_encode, args)),
                 tuple(sorted((k, _encode(v)) for k, v in kwargs.items())))


@st.cache_resource(show_spinner=False, max_entries=8)
def _catalogue(url: str, data_version: tuple):  # shared, not pickled per call: rows are frozen
    e = _engine_for(url)
    return load_units(e), load_clusters(e), load_indicators(e)


def catalogue():
    """(units, clusters {code: name}, indicators) from the warehouse, cached."""
    return _catalogue(get_settings().database_url, _version())


SHORT = {"conferences": "Hội nghị quán triệt", "conference_participants": "Lượt người dự hội nghị",
         "trainings": "Hội nghị tập huấn", "training_participants": "Lượt người tập huấn",
         "inspections": "Cuộc kiểm tra, giám sát", "inspected_party_orgs": "Tổ chức đảng được KT",
         "inspected_party_members": "Đảng viên được KT", "models_registered": "Mô hình đăng ký",
         "models_recognized": "Mô hình công nhận", "dialogues": "Cuộc tiếp xúc, đối thoại",
         "review_conferences": "Hội nghị sơ kết, tổng kết", "documents_issued": "Văn bản ban hành"}


def labels() -> dict[str, str]:
    """indicator code -> Vietnamese label (plus the rate)."""
    return {**{i.code: i.label for i in catalogue()[2]}, queries.RATE: "Tỷ lệ công nhận"}


# --- the shared view (sidebar filters <-> URL) --------------------------------------------------

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
    if not available_periods(period.kind, first, latest) or period not in available_periods(
            period.kind, first, latest):
        period = latest
    st.session_state["f_kind"] = period.kind
    st.session_state["f_period"] = period.spec
    cmp = st.query_params.get("compare", "previous")
    st.session_state["f_compare"] = cmp if cmp in COMPARE else "previous"
    st.session_state["f_clusters"] = _param_list("clusters")
    st.session_state["f_units"] = _param_list("units")


def sidebar_filters() -> View | None:
    """The shared filters in the sidebar; None (with a message) when the warehouse is empty."""
    latest, updated = q("data_as_of")
    first = q("first_period")
    if latest is None:
        return None
    _init_state(first, latest)
    units, clusters, _ = catalogue()
    with st.sidebar:
        st.markdown("### Bộ lọc")
        kind = st.selectbox("Loại kỳ", KINDS, format_func=lambda k: KIND_LABELS[k], key="f_kind")
        options = [p.spec for p in available_periods(kind, first, latest)]
        if st.session_state.get("f_period") not in options:
            st.session_state["f_period"] = options[0]
        spec = st.selectbox("Kỳ báo cáo", options, key="f_period",
                            format_func=lambda s: parse_period(s).label)
        st.radio("So sánh với", list(COMPARE), format_func=COMPARE.get, key="f_compare",
                 horizontal=True)
        st.session_state["f_clusters"] = [c for c in st.session_state.get("f_clusters", [])
                                          if c in clusters]
        chosen = st.multiselect("Cụm", list(clusters), format_func=clusters.get, key="f_clusters",
                                placeholder="Tất cả các cụm")
        period = parse_period(spec)
        valid = [u.code for u in units if u.active_in(period.start, period.end)
                 and (not chosen or u.cluster_code in chosen)]
        st.session_state["f_units"] = [c for c in st.session_state.get("f_units", []) if c in valid]
        names = {u.code: u.name for u in units}
        picked = st.multiselect("Đơn vị", valid, format_func=names.get, key="f_units",
                                placeholder="Tất cả các đơn vị")
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


def keep_filters() -> None:
    """On pages without the filter widgets, keep their values for when the user comes back."""
    for key in ("f_kind", "f_period", "f_compare", "f_clusters", "f_units"):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def current_view() -> View | None:
    return st.session_state.get("_dvk_view")


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


# --- headings, captions, metric cards -------------------------------------------------------------

# Less empty space above the title; roomier metric values for a projector.
CSS = """<style>
.block-container {padding-top: 2.2rem; padding-bottom: 2rem; max-width: 1500px;}
[data-testid="stMetricValue"] {font-size: 2.3rem;}
[data-testid="stCaptionContainer"] {font-size: 0.92rem;}
</style>"""


def page_header(title: str, view: View) -> None:
    """Title, the selection in words, and the demo banner when demo data is shown."""
    st.markdown(CSS, unsafe_allow_html=True)
    st.title(title)
    st.markdown(f"**{view.describe()}** · so sánh với {COMPARE[view.compare].lower()} "
                f"({view.comparison.label})")
    if q("meta_value", "demo_loaded"):
        st.warning("Số liệu minh họa (dữ liệu mẫu, không phải số liệu báo cáo thật).", icon="ℹ️")


def as_of_text(view: View) -> str:
    when = view.updated
    if when is not None:
        when = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(VN_TZ)
    stamp = f" (cập nhật {when:%d/%m/%Y})" if when else ""
    return f"Số liệu đến {view.latest.label}{stamp}"


def caption(view: View, text: str) -> None:
    """'<what the chart shows> · Số liệu đến Quý II/2025 (cập nhật dd/mm/yyyy)'."""
    st.caption(f"{text} · {as_of_text(view)}")


def delta_text(current, previous, rate: bool = False) -> str | None:
    """Vietnamese delta for a metric card: '+12', '-1.234', '+2,3 điểm %'; None if not comparable."""
    if current is None or previous is None:
        return None
    diff = current - previous
    return (fmt_delta(diff * 100, decimals=1) + " điểm %") if rate else fmt_delta(diff)


def metric_cards(current: dict, previous: dict | None, codes: list[str], view: View,
                 per_row: int = 4) -> None:
    """One st.metric per indicator code (and the rate), Vietnamese values and deltas."""
    names = labels()
    previous = previous or {}
    for start in range(0, len(codes), per_row):
        cols = st.columns(per_row)
        for col, code in zip(cols, codes[start:start + per_row]):
            rate = code == queries.RATE
            value = current.get(code)
            shown = fmt_pct(value) if rate else fmt_int(value)
            delta = delta_text(value, previous.get(code), rate)
            flat = delta is None or delta.startswith("±")
            col.metric(SHORT.get(code, names.get(code, code)), shown, delta and delta.replace("±", ""),
                       border=True, delta_color="off" if flat else "normal",
                       help=f"{names.get(code, code)}. {COMPARE[view.compare]}: "
                       f"{(fmt_pct if rate else fmt_int)(previous.get(code))} ({view.comparison.label})")


# --- plotly helpers ------------------------------------------------------------------------------

def style(fig: go.Figure, *, height: int = 460, y_title: str = "", x_title: str = "",
          percent: bool = False, horizontal: bool = False) -> go.Figure:
    """Projector-readable layout with Vietnamese number separators (4.819; 57,7%)."""
    fig.update_layout(separators=",.", template="plotly_white", height=height,
                      font=dict(family=FONT, size=16, color=DARK),
                      margin=dict(l=10, r=30, t=56, b=10), hoverlabel=dict(font_size=16),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, title_text=""))
    value_axis = dict(tickformat=".0%" if percent else ",d", rangemode="tozero", gridcolor="#e5e8ec")
    if horizontal:
        fig.update_xaxes(title_text=y_title, **value_axis)
        fig.update_yaxes(title_text=x_title, autorange="reversed", automargin=True)
    else:
        fig.update_yaxes(title_text=y_title, **value_axis)
        fig.update_xaxes(title_text=x_title, automargin=True)
    return fig


def hover(label: str, percent: bool = False, horizontal: bool = False) -> str:
    axis, cat = ("x", "y") if horizontal else ("y", "x")
    fmt = f"%{{{axis}:.1%}}" if percent else f"%{{{axis}:,d}}"
    return f"<b>%{{{cat}}}</b><br>{label}: {fmt}<extra></extra>"


def ranked_bars(df: pd.DataFrame, value: str, label: str, *, percent: bool = False,
                reference: float | None = None, reference_label: str = "Toàn tỉnh",
                lagging: set[str] = frozenset(), height: int | None = None,
                custom: bool = False, fmt=None) -> go.Figure:
    """Horizontal bars, largest first; laggards in red; a dashed line for the province figure."""
    d, note = ends(df, value)
    colors = [RED if c in lagging else BLUE for c in d["code"]]
    text = [(fmt or (fmt_pct if percent else fmt_int))(v) for v in d[value]]
    fig = go.Figure(go.Bar(x=d[value].astype(float), y=d["name"], orientation="h", marker_color=colors,
                           text=text, textposition="outside", cliponaxis=False,
                           customdata=list(d["code"]) if custom else None,
                           hovertemplate=hover(label, percent, horizontal=True)))
    if reference is not None and reference == reference:
        shown = (fmt or (fmt_pct if percent else fmt_int))(reference)
        fig.add_vline(x=reference, line_dash="dash", line_color=DARK, line_width=2,
                      annotation_text=f"{reference_label}: {shown}", annotation_position="top",
                      annotation_font_size=15)
    if note:
        fig.add_annotation(text=note.strip(" ()").split(";")[0].capitalize(), showarrow=False,
                           xref="paper", yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
                           font=dict(size=14, color="#5d6d7e"))
    return style(fig, height=height or max(320, 42 * len(d) + 110), y_title=label, percent=percent,
                 horizontal=True)


def grouped_bars(df: pd.DataFrame, series: dict[str, str], *, category: str = "name",
                 height: int = 460) -> go.Figure:
    """Vertical grouped bars: one trace per indicator code in `series` {code: label}; with many
    units (communes) only the 25 largest by the first series, and a note."""
    fig = go.Figure()
    first = next(iter(series))
    if len(df) > 30:
        total = len(df)
        df = df[df[first].notna()].sort_values(first, ascending=False).head(25)
        fig.add_annotation(text=f"25 đơn vị cao nhất trong {total} (đủ danh sách ở bảng số liệu)",
                           showarrow=False, xref="paper", yref="paper", x=1, y=1.12, xanchor="right",
                           font=dict(size=14, color=GREY))
    for i, (code, label) in enumerate(series.items()):
        vals = df[code].astype("Float64").astype(float)
        fig.add_bar(x=df[category], y=vals, name=label, marker_color=PALETTE[i % len(PALETTE)],
                    text=[fmt_int(v) for v in vals], textposition="outside", cliponaxis=False,
                    hovertemplate=hover(label))
    fig.update_layout(barmode="group")
    return style(fig, height=height)


def trend_lines(df: pd.DataFrame, value: str, label: str, *, percent: bool = False,
                height: int = 480) -> go.Figure:
    """One line per group over periods; the reorganisation marker when the range spans it."""
    fig = go.Figure()
    for i, (code, g) in enumerate(df.groupby("code", sort=False)):
        vals = g[value].astype("Float64").astype(float)
        fig.add_scatter(x=pd.to_datetime(g["period_start"]), y=vals, name=g["name"].iat[0],
                        mode="lines+markers", line=dict(width=3, color=PALETTE[i % len(PALETTE)]),
                        marker=dict(size=9), customdata=g["period_label"],
                        hovertemplate=f"<b>{g['name'].iat[0]}</b> · %{{customdata}}<br>{label}: "
                                      + ("%{y:.1%}" if percent else "%{y:,d}") + "<extra></extra>")
    top = df[value].astype("Float64").max()
    if top == top and top is not None and top > 0:  # headroom for the marker's label
        fig.update_yaxes(range=[0, float(top) * 1.18])
    ticks = df.drop_duplicates("period_start")
    fig.update_xaxes(tickvals=pd.to_datetime(ticks["period_start"]), ticktext=ticks["period_label"])
    add_reorganisation_marker(fig, ticks["period_start"])
    return style(fig, height=height, y_title=label, percent=percent)


def spans_reorganisation(starts) -> bool:
    starts = list(starts)
    return bool(starts) and min(starts) < REORGANISATION_DATE <= max(starts)


def add_reorganisation_marker(fig: go.Figure, starts) -> None:
    """Vertical line + annotation at 01/7/2025 when the periods shown span it."""
    starts = sorted(set(starts))
    if spans_reorganisation(starts):
        before = max(s for s in starts if s < REORGANISATION_DATE)
        after = min(s for s in starts if s >= REORGANISATION_DATE)
        x = pd.Timestamp(before) + (pd.Timestamp(after) - pd.Timestamp(before)) / 2
        fig.add_vline(x=x.value / 1e6, line_dash="dot", line_color=RED, line_width=2,
                      annotation_text=REORGANISATION_LABEL, annotation_position="top left",
                      annotation_font=dict(color=RED, size=14))


def chart(fig: go.Figure, key: str, **kwargs):
    """st.plotly_chart with Vietnamese-friendly config (no plotly logo, PNG download named)."""
    config = {"displaylogo": False, "locale": "vi",
              "toImageButtonOptions": {"format": "png", "filename": key, "scale": 2}}
    return st.plotly_chart(fig, key=key, config=config, theme=None, **kwargs)


# --- tables and downloads ------------------------------------------------------------------------

def neutralise(value):
    """Cells starting with = + - @ would run as formulas in a spreadsheet: prefix a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_frame(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The columns to export, with Vietnamese headers and formula-safe text cells."""
    out = df[[c for c in columns if c in df.columns]].rename(columns=columns)
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype).startswith(("str", "string")):
            out[c] = out[c].map(neutralise)
    return out


def to_xlsx(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name="Số liệu")
    return buf.getvalue()


def downloads(df: pd.DataFrame, columns: dict[str, str], name: str) -> None:
    """CSV and XLSX of the table behind a chart (built only when clicked)."""
    row = st.container(horizontal=True)
    row.download_button("⬇ Tải CSV", lambda: export_frame(df, columns).to_csv(index=False).encode("utf-8-sig"),
                      file_name=f"{name}.csv", mime="text/csv", key=f"csv_{name}", on_click="ignore")
    row.download_button("⬇ Tải Excel", lambda: to_xlsx(export_frame(df, columns)), file_name=f"{name}.xlsx",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      key=f"xlsx_{name}", on_click="ignore")


def display_frame(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Vietnamese headers and Vietnamese-formatted numbers (4.819; 57,7%) as text, for display."""
    out = pd.DataFrame(index=df.index)
    for c, header in columns.items():
        if c not in df.columns:
            continue
        s = df[c]
        if c in (queries.RATE, "rate") or c.endswith("_rate"):
            out[header] = [fmt_pct(v) for v in s]
        elif c in ("per_meeting", "score", "median"):
            out[header] = [fmt_num(v) for v in s]
        elif pd.api.types.is_numeric_dtype(s):
            out[header] = [fmt_int(None if pd.isna(v) else v) for v in s]
        else:
            out[header] = s.astype(str)
    return out


MAX_SHOWN_ROWS = 1000


def table(df: pd.DataFrame, columns: dict[str, str], name: str, *, styler=None,
          expanded: bool = False, title: str = "Bảng số liệu") -> None:
    """The table behind a chart (Vietnamese formats) in an expander, with CSV/XLSX downloads."""
    with st.expander(title, expanded=expanded):
        if len(df) > MAX_SHOWN_ROWS:  # the download holds every row; the page stays light
            st.caption(f"Hiển thị {fmt_int(MAX_SHOWN_ROWS)} trong {fmt_int(len(df))} dòng; "
                       "tải CSV hoặc Excel để xem đủ.")
        shown = display_frame(df.head(MAX_SHOWN_ROWS), columns)
        st.dataframe(styler(shown) if styler else shown, hide_index=True, width="stretch")
        downloads(df, columns, name)


def summary_columns(codes: list[str], first: str = "Đơn vị") -> dict[str, str]:
    names = labels()
    return {"name": first, **{c: names.get(c, c) for c in codes},
            "units_reported": "Đơn vị đã báo cáo", "units_expected": "Đơn vị phải báo cáo"}


# --- small shared page parts ---------------------------------------------------------------------

def overview_sentence(current: dict, previous: dict | None, view: View) -> str:
    """etl.narrative's sentence, or a plain fallback while that module is unavailable."""
    scope = view.filters.scope_label(engine())
    try:
        from etl.narrative import overview_sentence as sentence
        return sentence(current, previous, view.period, scope, previous_period=view.comparison)
    except ImportError:
        return (f"{view.period.label}, {scope}: {fmt_int(current.get('conferences'))} hội nghị với "
                f"{fmt_int(current.get('conference_participants'))} lượt người tham dự; "
                f"công nhận {fmt_int(current.get('models_recognized'))}/"
                f"{fmt_int(current.get('models_registered'))} mô hình "
                f"({fmt_pct(current.get(queries.RATE))}).")


def group_picker(key: str, view: View) -> str:
    """'cluster' or 'unit' (units valid in the chosen period), chosen on the page."""
    options = {"cluster": "Theo cụm", "unit": "Theo đơn vị"}
    default = "unit" if view.filters.units or len(view.filters.clusters) == 1 else "cluster"
    return st.segmented_control("Xem", list(options), format_func=options.get, key=key,
                                default=default) or default


def scope_rows(view: View, by: str) -> pd.DataFrame:
    """summary(by) for the view, without the total row."""
    f = view.filters
    return q("summary", f.period, by, f.clusters, f.units)


def with_total(view: View, by: str) -> pd.DataFrame:
    return q("summary_with_total", view.filters, by)


def group_noun(by: str) -> str:
    return {"cluster": "cụm", "unit": "đơn vị"}.get(by, "đơn vị")


def units_in_range(first: Period, last: Period, clusters=()) -> list[str]:
    """Codes of units that existed at some time in [first, last] (districts, then communes)."""
    return [u.code for u in catalogue()[0] if u.active_in(first.start, last.end)
            and (not clusters or u.cluster_code in clusters)]


def unit_name(code: str) -> str:
    return {u.code: u.name for u in catalogue()[0]}.get(code, code)


def sample_units(codes: list[str], per_level: int = 3) -> list[str]:
    """A few units of each level (district, commune), for a default selection."""
    level = {u.code: u.level for u in catalogue()[0]}
    out: list[str] = []
    for lv in ("district", "commune"):
        out += [c for c in codes if level.get(c) == lv][:per_level]
    return out


def drill_cluster(event, clusters: pd.DataFrame, key: str, default: str | None = None) -> str:
    """The cluster to drill into: a clicked bar (plotly selection), else the selectbox fallback."""
    codes = [c for c in clusters["code"] if c]
    points = (getattr(getattr(event, "selection", None), "points", None) or []) if event else []
    if points and points[0].get("customdata"):
        clicked = points[0]["customdata"]
        st.session_state[key] = clicked[0] if isinstance(clicked, list) else clicked
    if st.session_state.get(key) not in codes:
        st.session_state[key] = default if default in codes else codes[0]
    names = dict(zip(clusters["code"], clusters["name"]))
    return st.selectbox("Cụm", codes, format_func=names.get, key=key)


def below(df: pd.DataFrame, column: str, reference) -> set[str]:
    """Codes whose value is below the reference (the province figure)."""
    if reference is None:
        return set()
    return set(df.loc[df[column].astype("Float64").lt(reference).fillna(False), "code"])


def highlight_below(header: str, reference, percent: bool):
    """A Styler function: red background where the (formatted) value is under the reference,
    green where at or above it."""
    def parse(text: str):
        t = str(text).replace("%", "").replace(".", "").replace(",", ".")
        try:
            return float(t) / (100 if percent else 1)
        except ValueError:
            return None

    def colour(col: pd.Series):
        if col.name != header or reference is None:
            return [""] * len(col)
        vals = [parse(v) for v in col]
        return ["" if v is None else ("background-color: #f5b7b1" if v < reference
                                      else "background-color: #abebc6") for v in vals]
    return lambda shown: shown.style.apply(colour)


def grouped_section(view: View, by: str, series: list[str], title: str, name: str,
                    extra: dict[str, str] | None = None):
    """A subheader, grouped bars of `series` per cluster/unit, caption and the table (+ total)."""
    names = labels()
    rows = scope_rows(view, by)
    st.subheader(title)
    chart(grouped_bars(rows, {c: names[c] for c in series}), name)
    caption(view, f"{title}, {view.describe()}")
    table(with_total(view, by), {**summary_columns(series, group_noun(by).capitalize()),
                                 **(extra or {})}, name)
    return rows


def per_meeting_section(view: View, by: str) -> None:
    """Participants per conference (Σ participants / Σ conferences) per cluster/unit."""
    df = with_total(view, by)
    conf = df["conferences"].astype("Float64")
    df = df.assign(per_meeting=(df["conference_participants"].astype("Float64") /
                                conf.where(conf > 0)).astype(float))
    rows, province = df.iloc[:-1], df.iloc[-1]
    st.subheader("Bình quân lượt người tham dự mỗi hội nghị")
    fig = ranked_bars(rows, "per_meeting", "Lượt người/hội nghị", reference=province["per_meeting"],
                      reference_label=province["name"], fmt=fmt_num)
    fig.update_traces(hovertemplate="<b>%{y}</b><br>Lượt người/hội nghị: %{x:,.1f}<extra></extra>")
    chart(fig, "per_meeting")
    caption(view, "Lượt người tham dự hội nghị quán triệt, tuyên truyền chia cho số hội nghị")
    table(df, {"name": group_noun(by).capitalize(), "conferences": "Số hội nghị",
               "conference_participants": "Lượt người tham dự", "per_meeting": "Lượt người/hội nghị"},
          "binh-quan-moi-hoi-nghi")


def rate_section(view: View, by: str, rows: pd.DataFrame, total: dict) -> None:
    st.subheader(f"Tỷ lệ công nhận theo {group_noun(by)}")
    chart(ranked_bars(rows, queries.RATE, "Tỷ lệ công nhận", percent=True,
                      reference=total[queries.RATE], lagging=below(rows, queries.RATE,
                                                                  total[queries.RATE])), "ty-le")
    caption(view, "Tỷ lệ = số được công nhận / số đăng ký; màu đỏ: thấp hơn mức chung")
    table(with_total(view, by), summary_columns(["models_registered", "models_recognized", queries.RATE],
                                                group_noun(by).capitalize()), "ty-le-cong-nhan")


FIELD_GROUP = "Mô hình Dân vận khéo"


def field_section(view: View, total: dict) -> None:
    """Models by field (kinh tế, văn hóa – xã hội, …) when such indicators exist with data."""
    base = {"models_registered", "models_recognized"}
    fields = [i for i in catalogue()[2] if i.group_name == FIELD_GROUP and i.code not in base]
    st.subheader("Mô hình theo lĩnh vực")
    shown = [i for i in fields if total.get(i.code) is not None]
    if not shown:
        st.info("Các đơn vị chưa báo cáo số mô hình theo lĩnh vực (kinh tế; văn hóa – xã hội; "
                "quốc phòng – an ninh; xây dựng hệ thống chính trị) trong kỳ này.")
        return
    df = pd.DataFrame({"name": [i.label for i in shown], "code": [i.code for i in shown],
                       "value": [total[i.code] for i in shown]})
    chart(ranked_bars(df, "value", "Số mô hình"), "linh-vuc")
    caption(view, "Số mô hình theo lĩnh vực")
    table(df, {"name": "Lĩnh vực", "value": "Số mô hình"}, "mo-hinh-theo-linh-vuc")


# --- Tình hình báo cáo -------------------------------------------------------------------------

def missing_note(matrix: pd.DataFrame, last: Period) -> None:
    """Units that have not reported the last quarter of the range, by name."""
    now = matrix[matrix["period"] == last.spec]
    missing = now.loc[~now["reported"], "unit_name"].tolist()
    c1, c2 = st.columns(2)
    c1.metric(f"Đơn vị đã báo cáo {last.label}", f"{fmt_int(int(now['reported'].sum()))}/"
              f"{fmt_int(len(now))}", border=True)
    c2.metric("Tỷ lệ báo cáo", fmt_pct(now["reported"].mean() if len(now) else None), border=True)
    if missing:
        shown = ", ".join(missing[:15]) + (f" và {len(missing) - 15} đơn vị khác" if len(missing) > 15 else "")
        st.warning(f"Chưa báo cáo {last.label} ({len(missing)} đơn vị): {shown}.")
    elif len(now):
        st.success(f"Tất cả {len(now)} đơn vị đã báo cáo {last.label}.")


MAX_MATRIX_UNITS = 200
GAPS_ONLY_ABOVE = 40


def gaps_only(matrix: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """With many units, keep those that missed a quarter: (units left out, rows kept)."""
    if matrix["unit_code"].nunique() <= GAPS_ONLY_ABOVE:
        return 0, matrix
    missed = set(matrix.loc[~matrix["reported"], "unit_code"])
    kept = matrix[matrix["unit_code"].isin(missed)]
    return matrix["unit_code"].nunique() - len(missed), kept


def _completeness_table(matrix: pd.DataFrame) -> None:
    table(matrix.assign(reported=matrix["reported"].map({True: "Đã báo cáo", False: "Chưa báo cáo"})),
          {"unit_name": "Đơn vị", "cluster_name": "Cụm", "period_label": "Quý", "reported": "Tình trạng"},
          "tinh-hinh-bao-cao")


def completeness_section(view: View, matrix: pd.DataFrame, first: Period, last: Period) -> None:
    """Heatmap unit × quarter (green reported, red not, blank where the unit did not exist); with
    more than MAX_MATRIX_UNITS units, cluster × quarter shares instead."""
    st.subheader(f"Đơn vị chưa báo cáo đủ các quý ({first.label} – {last.label})")
    full, gaps = gaps_only(matrix)
    if gaps.empty:
        st.success(f"Tất cả {full} đơn vị đã báo cáo đủ mọi quý (trong thời gian đơn vị tồn tại).")
        _completeness_table(matrix)
        return
    by_unit = gaps["unit_code"].nunique() <= MAX_MATRIX_UNITS
    key, name = ("unit_code", "unit_name") if by_unit else ("cluster_code", "cluster_name")
    grid = gaps.pivot_table(index=key, columns="period_index", values="reported",
                            aggfunc="mean", sort=False).reindex(list(dict.fromkeys(gaps[key])))
    grid = grid.reindex(columns=sorted(set(matrix["period_index"])))
    names = dict(zip(gaps[key], gaps[name]))
    labels_x = dict(zip(matrix["period_index"], matrix["period_label"]))
    z = grid.astype("Float64").astype(float).to_numpy()
    if by_unit:
        text = [["Đã báo cáo" if v == 1 else "Chưa báo cáo" if v == 0 else "Chưa thành lập/đã giải thể"
                 for v in row] for row in z]
        scale = [[0, "#e74c3c"], [0.5, "#e74c3c"], [0.5, "#27ae60"], [1, "#27ae60"]]
    else:
        text = [["" if v != v else f"Đã báo cáo {fmt_pct(v)}" for v in row] for row in z]
        scale = [[0, "#e74c3c"], [0.8, "#f5b041"], [1, "#27ae60"]]
    fig = go.Figure(go.Heatmap(
        z=z, x=[labels_x[i] for i in grid.columns], y=[names[c] for c in grid.index], text=text,
        colorscale=scale, zmin=0, zmax=1, showscale=not by_unit, xgap=2, ygap=2,
        hovertemplate="<b>%{y}</b> · %{x}<br>%{text}<extra></extra>"))
    fig = style(fig, height=max(300, 24 * len(grid) + 120))
    fig.update_yaxes(autorange="reversed", tickfont_size=13 if len(grid) > 40 else 15)
    fig.update_xaxes(side="top")
    chart(fig, "completeness")
    caption(view, ("Xanh: đã báo cáo; đỏ: chưa báo cáo; ô trống: đơn vị chưa có hoặc không còn trong "
                   "quý đó (cấp huyện đến Quý II/2025, cấp xã từ Quý III/2025)"
                   + (f"; {full} đơn vị khác báo cáo đủ không hiện ở đây" if full else "")) if by_unit else
            "Tỷ lệ đơn vị đã báo cáo của từng cụm (nhiều đơn vị: chọn một cụm ở thanh bên để xem từng đơn vị)")
    _completeness_table(matrix)


def reporting_rate_section(view: View, matrix: pd.DataFrame) -> None:
    rate = queries.reporting_rate(matrix)
    st.subheader("Tỷ lệ đơn vị báo cáo theo quý")
    df = rate.assign(code=queries.PROVINCE_CODE, name="Tỷ lệ báo cáo",
                     period_start=[parse_period(p).start for p in rate["period"]])
    chart(trend_lines(df, "rate", "Tỷ lệ báo cáo", percent=True, height=380), "reporting_rate")
    caption(view, "Số đơn vị đã báo cáo / số đơn vị có trong quý")
    table(rate, {"period_label": "Quý", "units_reported": "Đã báo cáo", "units_expected": "Phải báo cáo",
                 "rate": "Tỷ lệ"}, "ty-le-bao-cao")


def unusual_section(view: View, first: Period, last: Period) -> None:
    names = {k: v for k, v in labels().items() if k != queries.RATE}
    st.subheader("Số liệu tăng, giảm đột biến so với chính đơn vị đó")
    code = st.selectbox("Chỉ tiêu", list(names), format_func=names.get, key="rp_indicator",
                        index=list(names).index("models_registered") if "models_registered" in names else 0)
    series = q("unit_series", code, first.shifted(-4) if first.kind == "Q" else first, last,
               view.filters.clusters, view.filters.units)
    flagged = queries.unusual_values(series)
    flagged = flagged[flagged["period_index"] >= first.indexes[0]]
    if flagged.empty:
        st.success(f"Không có giá trị {names[code].lower()} nào khác thường so với các quý khác của "
                   "cùng đơn vị.")
    else:
        st.warning(f"{len(flagged)} giá trị cần kiểm tra lại (có thể nhập nhầm hoặc biến động thật).")
        table(flagged, {"unit_name": "Đơn vị", "period_label": "Quý", "value": "Giá trị",
                        "median": "Trung vị các quý", "direction": "Nhận định", "score": "Điểm lệch"},
              "gia-tri-dot-bien", expanded=True)
    caption(view, "Điểm lệch = 0,6745 × (giá trị − trung vị) / MAD của chính đơn vị; khác thường khi "
                  "điểm lệch từ 3,5 trở lên và chênh với trung vị ít nhất 5 và ít nhất 50%; cần ít nhất "
                  "5 quý số liệu")


def ends(df: pd.DataFrame, column: str, n: int = 10) -> tuple[pd.DataFrame, str]:
    """Long rankings (communes) keep a chart readable: the n best and n lowest, and a note."""
    d = df[df[column].notna()].sort_values(column, ascending=False)
    if len(d) <= 2 * n + 5:
        return d, ""
    return (pd.concat([d.head(n), d.tail(n)]),
            f" ({n} cao nhất và {n} thấp nhất trong {len(d)} đơn vị; đủ danh sách ở bảng số liệu)")
