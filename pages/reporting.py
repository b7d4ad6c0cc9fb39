"""Tình hình báo cáo: which unit has not reported which quarter (units that existed then; quarters
inside a cumulative report count, marked), the reporting rate over time, cumulative reports that
disagree with their quarters, and values that jump or drop against the unit's own history."""
import streamlit as st

import ui.cards
import ui.data
import ui.filters
import ui.reporting
from etl.periods import parse_period, quarter

selection = ui.filters.require_selection()
ui.cards.page_header("Tình hình báo cáo", selection)
last = quarter(*selection.period.quarters[-1])
quarters = ui.filters.available_periods("Q", ui.data.data_span().first, last)[::-1]
start = st.selectbox("Từ quý", [p.spec for p in quarters], index=max(0, len(quarters) - 8),
                     format_func=lambda s: parse_period(s).label, key="rp_from")
first = parse_period(start)
data = ui.data.reporting_status(selection, first)
if data.matrix.empty:
    ui.filters.no_data(selection, f"không có đơn vị nào phải báo cáo từ {first.label} đến {last.label}")
ui.reporting.missing_note(data.matrix, last)
ui.reporting.completeness_section(data.matrix, first, last)
ui.reporting.reporting_rate_section(data)
ui.reporting.reconciliation_section(data)
ui.reporting.unusual_section(selection, first)
