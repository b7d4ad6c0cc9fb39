"""Mô hình "Dân vận khéo": registered vs recognised and the recognition rate; by field when the
catalogue has field indicators and units reported them."""
import ui.cards
import ui.data
import ui.sections
from etl.catalog.catalogue import RATE, RECOGNISED, REGISTERED

selection, totals = ui.cards.open_page("Mô hình “Dân vận khéo”")
ui.cards.metric_cards(totals, [REGISTERED, RECOGNISED, RATE], selection, per_row=3)
data = ui.data.breakdown(selection, ui.sections.group_picker("mo_by", selection))
ui.sections.grouped_section(selection, data, [REGISTERED, RECOGNISED], "Mô hình đăng ký và được công nhận", "mo-hinh")
ui.sections.rate_section(selection, data, totals.current)
ui.sections.field_section(totals.current)
