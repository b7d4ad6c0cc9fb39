"""Kiểm tra, giám sát: inspections and the party organisations and members inspected."""
import ui.cards
import ui.data
import ui.sections
from etl.catalog.catalogue import DIALOGUES, INSPECTION_SET

selection, totals = ui.cards.open_page("Kiểm tra, giám sát")
ui.cards.metric_cards(totals, [*INSPECTION_SET, DIALOGUES], selection)
data = ui.data.breakdown(selection, ui.sections.group_picker("ins_by", selection))
ui.sections.grouped_section(selection, data, list(INSPECTION_SET),
                   "Cuộc kiểm tra, giám sát; tổ chức đảng và đảng viên được kiểm tra, giám sát",
                   "kiem-tra-giam-sat")
