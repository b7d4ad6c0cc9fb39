"""Page parts shared by the analysis pages: the cluster/unit switch, grouped indicators, participants
per meeting, recognition rate and models by field, each as a subheader, a chart, a caption and the
table behind it (or a plain message when nobody reported what the chart would draw)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.catalog.catalogue import CONFERENCES, RATE, RECOGNISED, REGISTERED
from etl.queries.selection import Selection
from etl.queries.stats import PER_MEETING
from etl.queries.views import Breakdown
from etl.reading.numbers import fmt_num
from ui.bars import grouped_chart, ranking_chart
from ui.cards import caption
from ui.charts import has_values
from ui.data import catalogue, labels
from ui.tables import below, summary_columns, table

GROUPS = {"cluster": "Theo cụm", "unit": "Theo đơn vị"}
RATE_MISSING = ("Chưa tính được tỷ lệ công nhận: chưa có đơn vị nào báo cáo số mô hình đăng ký "
                "trong lựa chọn này ({scope}).")
PER_MEETING_MISSING = ("Chưa tính được bình quân lượt người mỗi hội nghị: chưa có đơn vị nào báo cáo "
                       "số hội nghị quán triệt, tuyên truyền trong lựa chọn này ({scope}).")
NOT_REPORTED = "Chưa có đơn vị nào báo cáo {what} trong lựa chọn này ({scope})."
RATE_COLUMNS = [REGISTERED, RECOGNISED, RATE]


def not_reported(labels_: list[str]) -> str:
    """NOT_REPORTED for these indicator labels, lower-cased at the start only ('Dân vận khéo' stays)."""
    return NOT_REPORTED.replace("{what}", ", ".join(t[:1].lower() + t[1:] for t in labels_))


def nothing_to_draw(selection: Selection, df: pd.DataFrame, columns, message: str) -> bool:
    """True (and `message` shown, {scope} filled in) when none of `columns` has a value to draw."""
    if has_values(df, *columns):
        return False
    st.info(message.format(scope=selection.caption), icon=":material/info:")
    return True


def group_picker(key: str, selection: Selection) -> str:
    """'cluster' or 'unit' (units valid in the chosen period), chosen on the page."""
    default = "unit" if selection.units or len(selection.clusters) == 1 else "cluster"
    return st.segmented_control("Xem", list(GROUPS), format_func=GROUPS.get, key=key,
                                default=default) or default


def group_noun(by: str) -> str:
    """'cụm' or 'đơn vị'."""
    return {"cluster": "cụm", "unit": "đơn vị"}.get(by, "đơn vị")


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


def grouped_section(selection: Selection, data: Breakdown, series: list[str], title: str, name: str,
                    extra: dict[str, str] | None = None) -> None:
    """A subheader, grouped bars of `series` per cluster/unit, caption and the table (+ total)."""
    names = labels()
    st.subheader(title)
    if nothing_to_draw(selection, data.rows, series, not_reported([names[c] for c in series])):
        return
    grouped_chart(data.rows, {c: names[c] for c in series}, name, noun=group_noun(data.by))
    caption(f"{title}, {selection.caption}")
    table(data.table, {**summary_columns(series, group_noun(data.by).capitalize()), **(extra or {})}, name)


def per_meeting_section(selection: Selection, data: Breakdown) -> None:
    """Participants per conference (Σ participants / Σ conferences) per cluster/unit."""
    rows, total = data.rows, data.table.iloc[-1]
    st.subheader("Bình quân lượt người tham dự mỗi hội nghị")
    if nothing_to_draw(selection, rows, [PER_MEETING], PER_MEETING_MISSING):
        return
    ranking_chart(rows, PER_MEETING, "Lượt người/hội nghị", PER_MEETING, noun=group_noun(data.by),
                  reference=total[PER_MEETING], reference_label=total["name"], fmt=fmt_num,
                  hover_format=",.1f")
    caption("Lượt người tham dự hội nghị quán triệt, tuyên truyền chia cho số hội nghị")
    table(data.table, {"name": group_noun(data.by).capitalize(), CONFERENCES.code: "Số hội nghị",
                       CONFERENCES.participants: "Lượt người tham dự", PER_MEETING: "Lượt người/hội nghị"},
          "binh-quan-moi-hoi-nghi")


def rate_section(selection: Selection, data: Breakdown, total: dict) -> None:
    """The recognition rate per cluster/unit, laggards (under the overall rate) in red."""
    st.subheader(f"Tỷ lệ công nhận theo {group_noun(data.by)}")
    if nothing_to_draw(selection, data.rows, [RATE], RATE_MISSING):
        return
    overall = total[RATE]
    ranking_chart(data.rows, RATE, "Tỷ lệ công nhận", "ty-le", noun=group_noun(data.by), percent=True,
                  reference=overall, lagging=below(data.rows, RATE, overall))
    caption("Tỷ lệ = số được công nhận / số đăng ký; màu đỏ: thấp hơn mức chung")
    table(data.table, summary_columns(RATE_COLUMNS, group_noun(data.by).capitalize()), "ty-le-cong-nhan")


def field_section(total: dict) -> None:
    """Models by field (kinh tế, văn hóa – xã hội, …) when such indicators exist with data."""
    st.subheader("Mô hình theo lĩnh vực")
    shown = [i for i in catalogue().fields if total.get(i.code) is not None]
    if not shown:
        st.info("Các đơn vị chưa báo cáo số mô hình theo lĩnh vực (kinh tế; văn hóa – xã hội; "
                "quốc phòng – an ninh; xây dựng hệ thống chính trị) trong kỳ này.")
        return
    df = pd.DataFrame({"name": [i.label for i in shown], "code": [i.code for i in shown],
                       "value": [total[i.code] for i in shown]})
    ranking_chart(df, "value", "Số mô hình", "linh-vuc", noun="lĩnh vực")
    caption("Số mô hình theo lĩnh vực")
    table(df, {"name": "Lĩnh vực", "value": "Số mô hình"}, "mo-hinh-theo-linh-vuc")
