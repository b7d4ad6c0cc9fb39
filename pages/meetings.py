"""Hội nghị & tập huấn: conferences and trainings with their participants, per cluster or unit,
and participants per meeting."""
import ui
from etl.catalog import CONFERENCES, REVIEWS, TRAININGS

selection, totals = ui.open_page("Hội nghị & tập huấn")
ui.metric_cards(totals, [*CONFERENCES.codes, *TRAININGS.codes], selection)
data = ui.breakdown(selection, ui.group_picker("mt_by", selection))
ui.grouped_section(selection, data, [CONFERENCES.code, TRAININGS.code, REVIEWS],
                   "Số hội nghị quán triệt, tuyên truyền, tập huấn và sơ kết, tổng kết", "hoi-nghi")
ui.grouped_section(selection, data, [CONFERENCES.participants, TRAININGS.participants],
                   "Lượt người tham dự hội nghị và tập huấn", "luot-nguoi")
ui.per_meeting_section(selection, data)
