"""Kiểm tra, giám sát: inspections and the party organisations and members inspected."""
import ui

view, total, previous = ui.open_page("Kiểm tra, giám sát")
ui.metric_cards(total, previous, ["inspections", "inspected_party_orgs", "inspected_party_members",
                                  "dialogues"], view)
by = ui.group_picker("ins_by", view)
ui.grouped_section(view, by, ["inspections", "inspected_party_orgs", "inspected_party_members"],
                   "Cuộc kiểm tra, giám sát; tổ chức đảng và đảng viên được kiểm tra, giám sát",
                   "kiem-tra-giam-sat")
