"""Mô hình "Dân vận khéo": registered vs recognised and the recognition rate; by field when the
catalogue has field indicators and units reported them."""
import ui
from etl.catalog import RATE, RECOGNISED, REGISTERED

selection, totals = ui.open_page("Mô hình “Dân vận khéo”")
ui.metric_cards(totals, [REGISTERED, RECOGNISED, RATE], selection, per_row=3)
data = ui.breakdown(selection, ui.group_picker("mo_by", selection))
ui.grouped_section(selection, data, [REGISTERED, RECOGNISED], "Mô hình đăng ký và được công nhận", "mo-hinh")
ui.rate_section(selection, data, totals.current)
ui.field_section(totals.current)
