"""Xu hướng: an indicator or the recognition rate over a range of periods (of the sidebar's period
type), by province, cluster or unit, with the 01/7/2025 reorganisation marked."""
import streamlit as st

import ui.cards
import ui.charts
import ui.data
import ui.filters
import ui.tables
from etl.catalog.catalogue import RATE, RECOGNISED, REGISTERED
from etl.periods import KIND_LABELS, REORGANISATION_LABEL, parse_period
from etl.queries.selection import PROVINCE_NAME

BY = {"province": PROVINCE_NAME, "cluster": "Cụm", "unit": "Đơn vị"}

selection = ui.filters.require_selection()
ui.cards.page_header("Xu hướng", selection)
span = ui.data.data_span()
names = ui.data.labels()
c1, c2, c3 = st.columns([2, 2, 3])
by = c1.segmented_control("Theo", list(BY), key="tr_by", default="cluster", format_func=BY.get) or "cluster"
code = c2.selectbox("Chỉ tiêu", list(names), index=list(names).index(RATE),
                    format_func=names.get, key="tr_indicator")
choices = ui.filters.available_periods(selection.period.kind, span.first, selection.period)[::-1]
start = c3.selectbox("Từ kỳ", [p.spec for p in choices], key="tr_from",
                     index=max(0, len(choices) - 8), format_func=lambda s: parse_period(s).label)
first = parse_period(start)
picked = ()
if by == "unit":
    options = ui.data.units_in_range(first, selection.period, selection.clusters)
    default = [u for u in selection.units if u in options] or ui.data.sample_units(options)
    picked = tuple(st.multiselect("Đơn vị", options, default=default, key="tr_units",
                                  format_func=ui.data.unit_name, placeholder="Chọn đơn vị"))
df = ui.data.trends(selection, first, by, picked)
if df.empty or df[code].isna().all():
    ui.filters.no_data(selection, f"{names[code]}, từ {first.label} đến {selection.period.label}")
st.subheader(f"{names[code]} — {first.label} đến {selection.period.label}")
ui.charts.chart(ui.charts.trend_lines(df, code, names[code], percent=code == RATE), "trend_chart")
marker = (" · đường chấm đỏ: " + REORGANISATION_LABEL +
          " (trước: cấp huyện; sau: cấp xã)") if ui.charts.spans_reorganisation(df["period_start"]) else ""
ui.cards.caption(f"{names[code]} theo {KIND_LABELS[selection.period.kind].lower()}{marker}")
columns = {"period_label": "Kỳ", "name": "Cụm/đơn vị", code: names[code],
           "units_reported": "Đơn vị đã báo cáo", "units_expected": "Đơn vị phải báo cáo"}
if code == RATE:
    columns |= {REGISTERED: names[REGISTERED], RECOGNISED: names[RECOGNISED]}
ui.tables.table(df, columns, "xu-huong")
