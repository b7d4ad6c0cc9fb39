"""Xu hướng: an indicator or the recognition rate over a range of periods (of the sidebar's period
type), by province, cluster or unit, with the 01/7/2025 reorganisation marked."""
import streamlit as st

import ui
from etl.periods import KIND_LABELS, REORGANISATION_LABEL, parse_period
from etl.queries import RATE

view = ui.require_view()
ui.page_header("Xu hướng", view)
names = ui.labels()
c1, c2, c3 = st.columns([2, 2, 3])
by = c1.segmented_control("Theo", ["province", "cluster", "unit"], key="tr_by", default="cluster",
                          format_func={"province": "Toàn tỉnh", "cluster": "Cụm", "unit": "Đơn vị"}.get) \
    or "cluster"
code = c2.selectbox("Chỉ tiêu", list(names), index=list(names).index(RATE),
                    format_func=names.get, key="tr_indicator")
choices = ui.available_periods(view.period.kind, view.first, view.period)[::-1]
start = c3.selectbox("Từ kỳ", [p.spec for p in choices], key="tr_from",
                     index=max(0, len(choices) - 8), format_func=lambda s: parse_period(s).label)
first = parse_period(start)
codes, picked = (), ()
if by == "unit":
    options = ui.units_in_range(first, view.period, view.filters.clusters)
    default = [u for u in view.filters.units if u in options] or ui.sample_units(options)
    picked = st.multiselect("Đơn vị", options, default=default, key="tr_units",
                            format_func=ui.unit_name, placeholder="Chọn đơn vị")
    codes = tuple(picked)
elif by == "cluster" and view.filters.clusters:
    codes = view.filters.clusters
df = ui.q("trend", first, view.period, by, codes, clusters=view.filters.clusters,
          units=view.filters.units if by != "unit" else ())
shown = df[df[code].notna()] if len(df) else df
if shown.empty:
    ui.no_data(view, f"{names[code]}, từ {first.label} đến {view.period.label}")
percent = code == RATE
st.subheader(f"{names[code]} — {first.label} đến {view.period.label}")
ui.chart(ui.trend_lines(df, code, names[code], percent=percent), "trend_chart")
marker = (" · đường chấm đỏ: " + REORGANISATION_LABEL +
          " (trước: cấp huyện; sau: cấp xã)") if ui.spans_reorganisation(df["period_start"]) else ""
ui.caption(view, f"{names[code]} theo {KIND_LABELS[view.period.kind].lower()}{marker}")
cols = {"period_label": "Kỳ", "name": "Cụm/đơn vị", code: names[code],
        "units_reported": "Đơn vị đã báo cáo", "units_expected": "Đơn vị phải báo cáo"}
if percent:
    cols = {**cols, "models_registered": names["models_registered"],
            "models_recognized": names["models_recognized"]}
ui.table(df, cols, "xu-huong")
