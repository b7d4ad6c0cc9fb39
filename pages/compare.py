"""So sánh đơn vị: clusters ranked (click one to drill in), then the cluster's units ranked with the
province figure marked and units below it highlighted; a table with conditional colours."""
import streamlit as st

import ui
from etl.numbers import fmt_int, fmt_pct
from etl.queries import RATE

view, total, _previous = ui.open_page("So sánh đơn vị")
names = ui.labels()
code = st.selectbox("Chỉ tiêu so sánh", list(names), index=list(names).index(RATE),
                    format_func=names.get, key="cmp_indicator")
percent = code == RATE
clusters = ui.scope_rows(view, "cluster")

st.subheader(f"{names[code]} theo cụm — bấm vào một cụm để xem các đơn vị")
missing = ui.RATE_MISSING if percent else ui.not_reported([names[code]])
if ui.nothing_to_draw(view, clusters, [code], missing):
    st.stop()
event = ui.ranking_chart(clusters, code, names[code], "cmp_clusters", noun="cụm", select=True,
                         percent=percent, reference=total[code], custom=True)
ui.caption(view, f"{names[code]} của từng cụm; đường đứt nét: {view.filters.scope_label(ui.engine())}")
shown_codes = list(dict.fromkeys([code, "models_registered", "models_recognized", RATE, "conferences",
                                   "conference_participants", "inspections"]))
ui.table(ui.with_total(view, "cluster"), ui.summary_columns(shown_codes, "Cụm"), "so-sanh-cum")
cluster = ui.drill_cluster(event, clusters, "cmp_cluster",
                           default=(view.filters.clusters or (None,))[0])

units = ui.q("summary", view.period, "unit", (cluster,), view.filters.units)
st.subheader(f"Các đơn vị cụm {ui.catalogue()[1].get(cluster, cluster)} — {names[code]}")
if units[code].notna().sum() == 0:
    st.info(f"Cụm này chưa có số liệu {names[code].lower()} trong {view.period.label}.")
else:
    below = ui.below(units, code, total[code])
    note = ui.ends(units, code)[1]
    ui.ranking_chart(units, code, names[code], "cmp_units", percent=percent, reference=total[code],
                     lagging=below)
    ui.caption(view, f"Xếp hạng đơn vị trong cụm{note}; màu đỏ: thấp hơn mức toàn tỉnh "
                     f"({fmt_pct(total[code]) if percent else fmt_int(total[code])})")
    ui.table(units.sort_values(code, ascending=False), ui.summary_columns(shown_codes), "so-sanh-don-vi",
             expanded=True,
             styler=ui.highlight_below(names[code], total[code], percent))
