"""Hội nghị & tập huấn: conferences and trainings with their participants, per cluster or unit,
and participants per meeting."""
import ui.cards
import ui.data
import ui.sections
from etl.catalog.catalogue import CONFERENCES, REVIEWS, TRAININGS

selection, totals = ui.cards.open_page("Hội nghị & tập huấn")
ui.cards.metric_cards(totals, [*CONFERENCES.codes, *TRAININGS.codes], selection)
data = ui.data.breakdown(selection, ui.sections.group_picker("mt_by", selection))
ui.sections.grouped_section(selection, data, [CONFERENCES.code, TRAININGS.code, REVIEWS],
                   "Số hội nghị quán triệt, tuyên truyền, tập huấn và sơ kết, tổng kết", "hoi-nghi")
ui.sections.grouped_section(selection, data, [CONFERENCES.participants, TRAININGS.participants],
                   "Lượt người tham dự hội nghị và tập huấn", "luot-nguoi")
ui.sections.per_meeting_section(selection, data)
