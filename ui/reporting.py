"""Parts of the Tình hình báo cáo page: who has not reported the last quarter, the unit × quarter
completeness heatmap, the reporting rate over time and values unusual for the unit itself."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.catalog.catalogue import RATE, REGISTERED
from etl.periods import Period, from_index, parse_period
from etl.queries.reporting import CUMULATIVE, QUARTER
from etl.queries.selection import Selection
from etl.queries.sql import PROVINCE_CODE
from etl.queries.views import ReportingData
from etl.reading.numbers import fmt_int, fmt_pct
from ui.cards import caption
from ui.charts import chart, merge, period_ticks, style, trend_lines
from ui.data import labels, unusual
from ui.layout import kpi_row
from ui.tables import table

MAX_MATRIX_UNITS = 200
GAPS_ONLY_ABOVE = 40
MISSING_NAMED = 15  # names listed in the warning; the rest are counted
REPORTED, NOT_REPORTED, ABSENT = "Đã báo cáo", "Chưa báo cáo", "Chưa thành lập/đã giải thể"
IN_CUMULATIVE = "Có trong báo cáo lũy kế (6 tháng, 9 tháng hoặc năm)"
CELL = {QUARTER: 1.0, CUMULATIVE: 0.75, "": 0.0}   # heatmap value per coverage
UNIT_SCALE = [[0, "#e74c3c"], [0.5, "#e74c3c"], [0.5, "#8fd19e"], [0.85, "#8fd19e"], [0.85, "#27ae60"],
              [1, "#27ae60"]]
SHARE_SCALE = [[0, "#e74c3c"], [0.8, "#f5b041"], [1, "#27ae60"]]
UNIT_NOTE = ("Xanh đậm: đã báo cáo quý; xanh nhạt: quý nằm trong báo cáo lũy kế (6 tháng, 9 tháng, năm); "
             "đỏ: chưa báo cáo; ô trống: đơn vị chưa có hoặc không còn trong quý đó "
             "(cấp huyện đến Quý II/2025, cấp xã từ Quý III/2025)")
CLUSTER_NOTE = ("Tỷ lệ đơn vị đã báo cáo của từng cụm (nhiều đơn vị: chọn một cụm ở thanh bên để xem "
                "từng đơn vị)")
UNUSUAL_NOTE = ("Khác thường: giá trị xa hẳn mức thường gặp của chính đơn vị — chênh với trung vị các "
                "quý của đơn vị ít nhất 5 và ít nhất 50%, và vượt xa độ dao động thường ngày của đơn vị "
                "(điểm lệch từ 3,5 trở lên; điểm lệch = 0,6745 × chênh lệch / độ lệch tuyệt đối trung vị). "
                "Cần ít nhất 5 quý số liệu")


def missing_note(matrix: pd.DataFrame, last: Period) -> None:
    """Units that have not reported the last quarter of the range, by name."""
    now = matrix[matrix["period"] == last.spec]
    missing = now.loc[~now["reported"], "unit_name"].tolist()
    row = kpi_row(2, "reporting")
    row.metric(f"Đơn vị đã báo cáo {last.label}", f"{fmt_int(int(now['reported'].sum()))}/"
               f"{fmt_int(len(now))}", border=True)
    row.metric("Tỷ lệ báo cáo", fmt_pct(now["reported"].mean() if len(now) else None), border=True)
    if missing:
        more = len(missing) - MISSING_NAMED
        shown = ", ".join(missing[:MISSING_NAMED]) + (f" và {more} đơn vị khác" if more > 0 else "")
        st.warning(f"Chưa báo cáo {last.label} ({len(missing)} đơn vị): {shown}.")
    elif len(now):
        st.success(f"Tất cả {len(now)} đơn vị đã báo cáo {last.label}.")


def gaps_only(matrix: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """With many units, keep those that missed a quarter: (units left out, rows kept)."""
    if matrix["unit_code"].nunique() <= GAPS_ONLY_ABOVE:
        return 0, matrix
    missed = set(matrix.loc[~matrix["reported"], "unit_code"])
    kept = matrix[matrix["unit_code"].isin(missed)]
    return matrix["unit_code"].nunique() - len(missed), kept


def statuses(matrix: pd.DataFrame) -> pd.Series:
    """Each row's coverage in words: reported, inside a cumulative report, not reported."""
    words = matrix["reported"].map({True: REPORTED, False: NOT_REPORTED})
    return words.where(matrix["coverage"] != CUMULATIVE, IN_CUMULATIVE)


def _completeness_table(matrix: pd.DataFrame) -> None:
    table(matrix.assign(reported=statuses(matrix)),
          {"unit_name": "Đơn vị", "cluster_name": "Cụm", "period_label": "Quý", "reported": "Tình trạng"},
          "tinh-hinh-bao-cao")


def completeness_heatmap(matrix: pd.DataFrame, gaps: pd.DataFrame, by_unit: bool) -> dict:
    """Rows: units (green reported, red not, blank where the unit did not exist) or, by cluster, the
    share of units that reported; columns: the quarters of `matrix`."""
    key, name = ("unit_code", "unit_name") if by_unit else ("cluster_code", "cluster_name")
    gaps = gaps.assign(cell=gaps["coverage"].map(CELL)) if by_unit else gaps.assign(cell=gaps["reported"])
    grid = gaps.pivot_table(index=key, columns="period_index", values="cell",
                            aggfunc="mean", sort=False).reindex(list(dict.fromkeys(gaps[key])))
    grid = grid.reindex(columns=sorted(set(matrix["period_index"])))
    names = dict(zip(gaps[key], gaps[name]))
    quarters = dict(zip(matrix["period_index"], matrix["period_label"]))
    z = grid.astype("Float64").astype(float).to_numpy()
    if by_unit:
        text = [[REPORTED if v == 1 else IN_CUMULATIVE if v == CELL[CUMULATIVE] else NOT_REPORTED
                 if v == 0 else ABSENT for v in row] for row in z]
    else:
        text = [["" if v != v else f"Đã báo cáo {fmt_pct(v)}" for v in row] for row in z]
    labels = [quarters[i] for i in grid.columns]
    fig = style({"data": [dict(
        type="heatmap", z=z, x=labels, y=[names[c] for c in grid.index], text=text,
        colorscale=UNIT_SCALE if by_unit else SHARE_SCALE, zmin=0, zmax=1, showscale=not by_unit,
        xgap=2, ygap=2, hovertemplate="<b>%{y}</b> · %{x}<br>%{text}<extra></extra>")]},
        height=max(300, 24 * len(grid) + 120))
    layout = fig["layout"]
    merge(layout["yaxis"], dict(autorange="reversed", tickfont=dict(size=14 if len(grid) > 40 else 15)))
    specs = {quarters[i]: from_index(i).spec for i in grid.columns}
    merge(layout["xaxis"], dict(side="top", tickangle=0, tickfont=dict(size=14), tickvals=labels,
                                ticktext=period_ticks([specs[t] for t in labels], axis_on_top=True)))
    layout["margin"]["t"] = 80  # the quarters over the grid, clear of plotly's toolbar
    return fig


def completeness_section(matrix: pd.DataFrame, first: Period, last: Period) -> None:
    """Heatmap unit × quarter of the units with a gap; with more than MAX_MATRIX_UNITS such units,
    cluster × quarter shares instead."""
    st.subheader(f"Đơn vị chưa báo cáo đủ các quý ({first.label} – {last.label})")
    full, gaps = gaps_only(matrix)
    if gaps.empty:
        st.success(f"Tất cả {full} đơn vị đã báo cáo đủ mọi quý (trong thời gian đơn vị tồn tại).")
        _completeness_table(matrix)
        return
    by_unit = gaps["unit_code"].nunique() <= MAX_MATRIX_UNITS
    chart(completeness_heatmap(matrix, gaps, by_unit), "completeness")
    others = f"; {full} đơn vị khác báo cáo đủ không hiện ở đây" if full else ""
    caption(UNIT_NOTE + others if by_unit else CLUSTER_NOTE)
    _completeness_table(matrix)


def reporting_rate_section(data: ReportingData) -> None:
    """The share of units (that existed then) which reported, quarter by quarter."""
    rate = data.rate
    st.subheader("Tỷ lệ đơn vị báo cáo theo quý")
    df = rate.assign(code=PROVINCE_CODE, name="Tỷ lệ báo cáo",
                     period_start=[parse_period(p).start for p in rate["period"]])
    chart(trend_lines(df, "rate", "Tỷ lệ báo cáo", percent=True, height=380), "reporting_rate")
    caption("Số đơn vị đã báo cáo / số đơn vị có trong quý")
    table(rate, {"period_label": "Quý", "units_reported": "Đã báo cáo", "units_expected": "Phải báo cáo",
                 "rate": "Tỷ lệ"}, "ty-le-bao-cao")


def unusual_section(selection: Selection, first: Period) -> None:
    """Values that jump or drop against the unit's own quarters (robust z-score), for one indicator."""
    names = {k: v for k, v in labels().items() if k != RATE}
    st.subheader("Số liệu tăng, giảm đột biến so với chính đơn vị đó")
    code = st.selectbox("Chỉ tiêu", list(names), format_func=names.get, key="rp_indicator",
                        index=list(names).index(REGISTERED) if REGISTERED in names else 0)
    flagged = unusual(selection, code, first)
    if flagged.empty:
        st.success(f"Chỉ tiêu “{names[code]}”: không có giá trị nào khác thường so với các quý khác "
                   "của cùng đơn vị.")
    else:
        st.warning(f"{len(flagged)} giá trị cần kiểm tra lại (có thể nhập nhầm hoặc biến động thật).")
        table(flagged, {"unit_name": "Đơn vị", "period_label": "Quý", "value": "Giá trị",
                        "median": "Trung vị các quý", "direction": "Nhận định", "score": "Điểm lệch"},
              "gia-tri-dot-bien", expanded=True)
    caption(UNUSUAL_NOTE)


RECONCILE_NOTE = ("Khi xem đúng kỳ của báo cáo lũy kế, hệ thống dùng số của báo cáo đó; các quý bên trong được "
                  "tính từ các báo cáo còn lại. Hãy đề nghị đơn vị kiểm tra lại để hai báo cáo khớp nhau.")


def reconciliation_section(data: ReportingData) -> None:
    """Cumulative reports that disagree with the quarters inside them, by unit and indicator."""
    found = data.reconciliation
    st.subheader("Báo cáo lũy kế chưa khớp với số liệu các quý")
    if found.empty:
        st.success("Các báo cáo lũy kế (6 tháng, 9 tháng, năm) đều khớp với số liệu các quý đã nạp.")
        return
    names = labels()
    shown = found.assign(indicator=[names.get(c, c) for c in found["indicator"]],
                         stated=[fmt_int(v) if v == v and v is not None else "–" for v in found["stated"]],
                         computed=[fmt_int(v) for v in found["computed"]])
    st.warning(f"{len(found)} số liệu lũy kế chưa khớp với các quý (có thể do nạp nhầm hoặc đơn vị điều chỉnh).")
    table(shown, {"unit_name": "Đơn vị", "indicator": "Chỉ tiêu", "period_label": "Kỳ", "stated": "Số báo cáo",
                  "computed": "Tính từ các báo cáo khác", "detail": "Cách tính"}, "lech-bao-cao-luy-ke",
          expanded=True)
    caption(RECONCILE_NOTE)
