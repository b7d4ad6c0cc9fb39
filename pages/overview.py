"""Tổng quan: KPI cards with deltas, the summing-up sentence (folded behind "Xem nhận định" on a
phone), recognition rate by cluster, best and lagging units."""
import streamlit as st

import ui
from etl.queries import RATE

KPI = ["conferences", "conference_participants", "trainings", "training_participants", "inspections",
       "inspected_party_orgs", "inspected_party_members", "models_registered", "models_recognized", RATE]
RANK_COLUMNS = {"rank": "Hạng", "name": "Đơn vị", "models_registered": "Đăng ký",
                "models_recognized": "Công nhận", RATE: "Tỷ lệ công nhận"}

view, current, previous = ui.open_page("Tổng quan")

sentence = ui.overview_sentence(current, previous, view)
ui.wide_only("summary").info(sentence, icon=":material/summarize:")
ui.metric_cards(current, previous, KPI, view, per_row=5)
ui.caption(view, f"Các chỉ tiêu chính, {view.describe()}; mũi tên: so với {view.comparison.label}")
with ui.phone_only("summary"), st.expander("Xem nhận định", icon=":material/summarize:"):
    st.markdown(sentence)  # a phone opens on the figures; the paragraph is one tap away

st.subheader("Tỷ lệ mô hình được công nhận theo cụm")
clusters = ui.scope_rows(view, "cluster")
if not ui.nothing_to_draw(view, clusters, [RATE], ui.RATE_MISSING):
    ui.ranking_chart(clusters, RATE, "Tỷ lệ công nhận", "overview_rate_by_cluster", noun="cụm",
                     percent=True, reference=current[RATE],
                     reference_label="Toàn tỉnh" if not view.filters.clusters else "Cộng",
                     lagging=ui.below(clusters, RATE, current[RATE]))
    ui.caption(view, "Tỷ lệ công nhận = số mô hình được công nhận / số mô hình đăng ký (tính từ tổng số); "
                     "màu đỏ: thấp hơn mức chung")
    ui.table(ui.with_total(view, "cluster"), ui.summary_columns(
        ["models_registered", "models_recognized", RATE], "Cụm"), "ty-le-cong-nhan-theo-cum")

    st.subheader("Đơn vị dẫn đầu và đơn vị cần cố gắng (tỷ lệ công nhận)")
    best, lagging = ui.q("rankings", view.filters, n=5)
    left, right = st.columns(2)
    with left:
        st.markdown("**:material/emoji_events: Dẫn đầu**")
        ui.table(best, RANK_COLUMNS, "don-vi-dan-dau", expanded=True, title="5 đơn vị có tỷ lệ cao nhất")
    with right:
        st.markdown("**:material/warning: Cần cố gắng**")
        ui.table(lagging, RANK_COLUMNS, "don-vi-can-co-gang", expanded=True,
                 title="5 đơn vị có tỷ lệ thấp nhất",
                 empty="Không còn đơn vị nào khác có mô hình đăng ký để xếp hạng.")
    ui.caption(view, "Xếp hạng các đơn vị có mô hình đăng ký trong kỳ")
