"""Tổng quan: KPI cards with deltas, the summing-up sentence (folded behind "Xem nhận định" on a
phone), recognition rate by cluster, best and lagging units."""
import streamlit as st

import ui.bars
import ui.cards
import ui.data
import ui.layout
import ui.sections
import ui.tables
from etl.catalog.catalogue import RATE
from ui.sections import RATE_COLUMNS

RANK_COLUMNS = {"rank": "Hạng", "name": "Đơn vị", **dict(zip(RATE_COLUMNS, ("Đăng ký", "Công nhận",
                                                                             "Tỷ lệ công nhận")))}

selection, data = ui.cards.open_page("Tổng quan", ui.data.overview)
current = data.totals.current

ui.layout.wide_only("summary").info(data.sentence, icon=":material/summarize:")
ui.cards.metric_cards(data.totals, ui.data.catalogue().kpis + [RATE], selection, per_row=5)
ui.cards.caption(f"Các chỉ tiêu chính, {selection.caption}; mũi tên: so với {selection.comparison.label}")
with ui.layout.phone_only("summary"), st.expander("Xem nhận định", icon=":material/summarize:"):
    st.markdown(data.sentence)  # a phone opens on the figures; the paragraph is one tap away

st.subheader("Tỷ lệ mô hình được công nhận theo cụm")
clusters = data.clusters.rows
if not ui.sections.nothing_to_draw(selection, clusters, [RATE], ui.sections.RATE_MISSING):
    ui.bars.ranking_chart(clusters, RATE, "Tỷ lệ công nhận", "overview_rate_by_cluster", noun="cụm",
                     percent=True, reference=current[RATE], reference_label=selection.total_name,
                     lagging=ui.tables.below(clusters, RATE, current[RATE]))
    ui.cards.caption("Tỷ lệ công nhận = số mô hình được công nhận / số mô hình đăng ký (tính từ tổng số); "
               "màu đỏ: thấp hơn mức chung")
    ui.tables.table(data.clusters.table, ui.tables.summary_columns(RATE_COLUMNS, "Cụm"), "ty-le-cong-nhan-theo-cum")

    st.subheader("Đơn vị dẫn đầu và đơn vị cần cố gắng (tỷ lệ công nhận)")
    left, right = st.columns(2)
    with left:
        st.markdown("**:material/emoji_events: Dẫn đầu**")
        ui.tables.table(data.best, RANK_COLUMNS, "don-vi-dan-dau", expanded=True, title="5 đơn vị có tỷ lệ cao nhất")
    with right:
        st.markdown("**:material/warning: Cần cố gắng**")
        ui.tables.table(data.lagging, RANK_COLUMNS, "don-vi-can-co-gang", expanded=True,
                 title="5 đơn vị có tỷ lệ thấp nhất",
                 empty="Không còn đơn vị nào khác có mô hình đăng ký để xếp hạng.")
    ui.cards.caption("Xếp hạng các đơn vị có mô hình đăng ký trong kỳ")
