"""Tình hình báo cáo: which unit has not reported which quarter (units that existed then; quarters
inside a cumulative report count, marked), the reporting rate over time, cumulative reports that
disagree with their quarters, and values that jump or drop against the unit's own history."""
import streamlit as st

import ui
from etl.periods import parse_period, quarter

view = ui.require_view()
ui.page_header("Tình hình báo cáo", view)
last = quarter(*view.period.quarters[-1])
quarters = ui.available_periods("Q", view.first, last)[::-1]
start = st.selectbox("Từ quý", [p.spec for p in quarters], index=max(0, len(quarters) - 8),
                     format_func=lambda s: parse_period(s).label, key="rp_from")
first = parse_period(start)
matrix = ui.q("completeness", first, last, view.filters.clusters, view.filters.units)
if matrix.empty:
    ui.no_data(view, f"không có đơn vị nào phải báo cáo từ {first.label} đến {last.label}")
ui.missing_note(matrix, last)
ui.completeness_section(view, matrix, first, last)
ui.reporting_rate_section(view, matrix)
ui.reconciliation_section(view, first, last)
ui.unusual_section(view, first, last)
