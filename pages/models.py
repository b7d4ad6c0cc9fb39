"""Mô hình "Dân vận khéo": registered vs recognised and the recognition rate; by field when the
catalogue has field indicators and units reported them."""
import ui
from etl.queries import RATE

view, total, previous = ui.open_page("Mô hình “Dân vận khéo”")
ui.metric_cards(total, previous, ["models_registered", "models_recognized", RATE], view, per_row=3)
by = ui.group_picker("mo_by", view)
rows = ui.grouped_section(view, by, ["models_registered", "models_recognized"],
                          "Mô hình đăng ký và được công nhận", "mo-hinh")
ui.rate_section(view, by, rows, total)
ui.field_section(view, total)
