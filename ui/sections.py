"""Page parts shared by the analysis pages: the cluster/unit switch, grouped indicators, participants
per meeting, recognition rate and models by field, each as a subheader, a chart, a caption and the
table behind it (or a plain message when nobody reported what the chart would draw)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import queries
from etl.numbers import fmt_num
from ui.bars import grouped_chart, ranking_chart
from ui.cards import caption
from ui.charts import has_values
from ui.data import catalogue, labels, q
from ui.filters import View
from ui.tables import below, summary_columns, table

FIELD_GROUP = "Mô hình Dân vận khéo"
GROUPS = {"cluster": "Theo cụm", "unit": "Theo đơn vị"}
RATE_MISSING = ("Chưa tính được tỷ lệ công nhận: chưa có đơn vị nào báo cáo số mô hình đăng ký "
                "trong lựa chọn này ({scope}).")
PER_MEETING_MISSING = ("Chưa tính được bình quân lượt người mỗi hội nghị: chưa có đơn vị nào báo cáo "
                       "số hội nghị quán triệt, tuyên truyền trong lựa chọn này ({scope}).")
NOT_REPORTED = "Chưa có đơn vị nào báo cáo {what} trong lựa chọn này ({scope})."


def not_reported(labels_: list[str]) -> str:
    """NOT_REPORTED for these indicator labels, lower-cased at the start only ('Dân vận khéo' stays)."""
    return NOT_REPORTED.replace("{what}", ", ".join(t[:1].lower() + t[1:] for t in labels_))


def nothing_to_draw(view: View, df: pd.DataFrame, columns, message: str) -> bool:
    """True (and `message` shown, {scope} filled in) when none of `columns` has a value to draw."""
    if has_values(df, *columns):
        return False
    st.info(message.format(scope=view.describe()), icon=":material/info:")
    return True


def group_picker(key: str, view: View) -> str:
    """'cluster' or 'unit' (units valid in the chosen period), chosen on the page."""
    default = "unit" if view.filters.units or len(view.filters.clusters) == 1 else "cluster"
    return st.segmented_control("Xem", list(GROUPS), format_func=GROUPS.get, key=key,
                                default=default) or default


def scope_rows(view: View, by: str) -> pd.DataFrame:
    """summary(by) for the view, without the total row."""
    f = view.filters
    return q("summary", f.period, by, f.clusters, f.units)


def with_total(view: View, by: str) -> pd.DataFrame:
    """summary(by) for the view with its total row last."""
    return q("summary_with_total", view.filters, by)


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


def grouped_section(view: View, by: str, series: list[str], title: str, name: str,
                    extra: dict[str, str] | None = None) -> pd.DataFrame:
    """A subheader, grouped bars of `series` per cluster/unit, caption and the table (+ total)."""
    names = labels()
    rows = scope_rows(view, by)
    st.subheader(title)
    if nothing_to_draw(view, rows, series, not_reported([names[c] for c in series])):
        return rows
    grouped_chart(rows, {c: names[c] for c in series}, name, noun=group_noun(by))
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
    if nothing_to_draw(view, rows, ["per_meeting"], PER_MEETING_MISSING):
        return
    ranking_chart(rows, "per_meeting", "Lượt người/hội nghị", "per_meeting", noun=group_noun(by),
                  reference=province["per_meeting"], reference_label=province["name"], fmt=fmt_num,
                  hover_format=",.1f")
    caption(view, "Lượt người tham dự hội nghị quán triệt, tuyên truyền chia cho số hội nghị")
    table(df, {"name": group_noun(by).capitalize(), "conferences": "Số hội nghị",
               "conference_participants": "Lượt người tham dự", "per_meeting": "Lượt người/hội nghị"},
          "binh-quan-moi-hoi-nghi")


def rate_section(view: View, by: str, rows: pd.DataFrame, total: dict) -> None:
    """The recognition rate per cluster/unit, laggards (under the overall rate) in red."""
    st.subheader(f"Tỷ lệ công nhận theo {group_noun(by)}")
    if nothing_to_draw(view, rows, [queries.RATE], RATE_MISSING):
        return
    overall = total[queries.RATE]
    ranking_chart(rows, queries.RATE, "Tỷ lệ công nhận", "ty-le", noun=group_noun(by), percent=True,
                  reference=overall, lagging=below(rows, queries.RATE, overall))
    caption(view, "Tỷ lệ = số được công nhận / số đăng ký; màu đỏ: thấp hơn mức chung")
    table(with_total(view, by), summary_columns(["models_registered", "models_recognized", queries.RATE],
                                                group_noun(by).capitalize()), "ty-le-cong-nhan")


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
    ranking_chart(df, "value", "Số mô hình", "linh-vuc", noun="lĩnh vực")
    caption(view, "Số mô hình theo lĩnh vực")
    table(df, {"name": "Lĩnh vực", "value": "Số mô hình"}, "mo-hinh-theo-linh-vuc")
