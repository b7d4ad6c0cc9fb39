"""So sánh đơn vị: clusters ranked (click one to drill in), then the cluster's units ranked with the
province figure marked and units below it highlighted; a table with conditional colours."""
import streamlit as st

import ui.bars
import ui.cards
import ui.data
import ui.sections
import ui.tables
from etl.catalog.catalogue import CONFERENCES, INSPECTIONS, RATE
from etl.reading.numbers import fmt_int, fmt_pct
from ui.sections import RATE_COLUMNS

selection, totals = ui.cards.open_page("So sánh đơn vị")
total = totals.current
names = ui.data.labels()
code = st.selectbox("Chỉ tiêu so sánh", list(names), index=list(names).index(RATE),
                    format_func=names.get, key="cmp_indicator")
percent = code == RATE
clusters = ui.data.breakdown(selection, "cluster")

st.subheader(f"{names[code]} theo cụm — bấm vào một cụm để xem các đơn vị")
missing = ui.sections.RATE_MISSING if percent else ui.sections.not_reported([names[code]])
if ui.sections.nothing_to_draw(selection, clusters.rows, [code], missing):
    st.stop()
event = ui.bars.ranking_chart(clusters.rows, code, names[code], "cmp_clusters", noun="cụm", select=True,
                         percent=percent, reference=total[code], custom=True)
ui.cards.caption(f"{names[code]} của từng cụm; đường đứt nét: {selection.label}")
shown_codes = list(dict.fromkeys([code, *RATE_COLUMNS, *CONFERENCES.codes, INSPECTIONS]))
ui.tables.table(clusters.table, ui.tables.summary_columns(shown_codes, "Cụm"), "so-sanh-cum")
cluster = ui.sections.drill_cluster(event, clusters.rows, "cmp_cluster", default=(selection.clusters or (None,))[0])

cluster_name = ui.data.catalogue().clusters.get(cluster, cluster)
units = ui.data.breakdown(selection.within(cluster, cluster_name), "unit").rows
st.subheader(f"Các đơn vị cụm {cluster_name} — {names[code]}")
if units[code].notna().sum() == 0:
    st.info(f"Cụm này chưa có số liệu {names[code].lower()} trong {selection.period.label}.")
else:
    below = ui.tables.below(units, code, total[code])
    note = ui.bars.ends(units, code)[1]
    ui.bars.ranking_chart(units, code, names[code], "cmp_units", percent=percent, reference=total[code],
                     lagging=below)
    ui.cards.caption(f"Xếp hạng đơn vị trong cụm{note}; màu đỏ: thấp hơn mức toàn tỉnh "
               f"({fmt_pct(total[code]) if percent else fmt_int(total[code])})")
    ui.tables.table(units.sort_values(code, ascending=False), ui.tables.summary_columns(shown_codes), "so-sanh-don-vi",
             expanded=True, styler=ui.tables.highlight_below(names[code], total[code], percent))
