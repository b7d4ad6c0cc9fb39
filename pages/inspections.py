"""Kiểm tra, giám sát: inspections and the party organisations and members inspected."""
import ui
from etl.catalog import DIALOGUES, INSPECTION_SET

selection, totals = ui.open_page("Kiểm tra, giám sát")
ui.metric_cards(totals, [*INSPECTION_SET, DIALOGUES], selection)
data = ui.breakdown(selection, ui.group_picker("ins_by", selection))
ui.grouped_section(selection, data, list(INSPECTION_SET),
                   "Cuộc kiểm tra, giám sát; tổ chức đảng và đảng viên được kiểm tra, giám sát",
                   "kiem-tra-giam-sat")
