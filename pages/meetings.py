"""Hội nghị & tập huấn: conferences and trainings with their participants, per cluster or unit,
and participants per meeting."""
import ui

view, total, previous = ui.open_page("Hội nghị & tập huấn")
ui.metric_cards(total, previous, ["conferences", "conference_participants", "trainings",
                                  "training_participants"], view)
by = ui.group_picker("mt_by", view)
ui.grouped_section(view, by, ["conferences", "trainings", "review_conferences"],
                   "Số hội nghị quán triệt, tuyên truyền, tập huấn và sơ kết, tổng kết", "hoi-nghi")
ui.grouped_section(view, by, ["conference_participants", "training_participants"],
                   "Lượt người tham dự hội nghị và tập huấn", "luot-nguoi")
ui.per_meeting_section(view, by)
