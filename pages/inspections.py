"""Kiểm tra, giám sát: inspections and the party organisations and members inspected."""
import ui

view = ui.require_view()
ui.page_header("Kiểm tra, giám sát", view)
total = ui.q("totals", view.filters)
if not total["units_reported"]:
    ui.no_data(view)
previous = ui.q("totals", view.comparison_filters)
ui.metric_cards(total, previous, ["inspections", "inspected_party_orgs", "inspected_party_members",
                                  "dialogues"], view)
by = ui.group_picker("ins_by", view)
ui.grouped_section(view, by, ["inspections", "inspected_party_orgs", "inspected_party_members"],
                   "Cuộc kiểm tra, giám sát; tổ chức đảng và đảng viên được kiểm tra, giám sát",
                   "kiem-tra-giam-sat")
