"""Xuất báo cáo: the narrative ready to copy, and the giao ban outputs (PowerPoint, Word, Excel,
chart images) for the period and scope chosen in the sidebar."""
import streamlit as st

import ui.cards
import ui.data
import ui.filters
from etl.export.charts import charts_zip
from etl.export.outputs import docx_bytes, pptx_bytes, xlsx_bytes
from etl.text import fold

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

selection = ui.filters.require_selection()
ui.cards.page_header("Xuất báo cáo", selection)
reports = {r.scope: r for r in selection.reports()}
scope = next(iter(reports))
if len(reports) > 1:
    scope = st.selectbox("Phạm vi báo cáo (mỗi báo cáo cho một đơn vị hoặc một cụm)", list(reports),
                         format_func=lambda s: reports[s].name, key="export_scope")
chosen = reports[scope]
data = ui.data.report(chosen)
if not data.current.get("units_reported"):
    ui.filters.no_data(selection, chosen.caption)

st.subheader("Nhận định")
st.caption("Đoạn văn theo văn phong báo cáo giao ban, sinh từ số liệu; bấm biểu tượng sao chép ở góc "
           "phải để dán vào báo cáo.")
st.code("\n\n".join(data.paragraphs), language=None, wrap_lines=True)

st.subheader("Tải về")
stem = fold(f"bao cao {chosen.period.spec} {chosen.name}").replace(" ", "-")
deck_key = ("export_pptx", chosen, ui.data.data_version())  # a deck is built once per report and data version
left, middle, right = st.columns(3)
with left:
    st.markdown("**Bài trình chiếu giao ban** (PowerPoint, biểu đồ sửa được)")
    if st.session_state.get("export_pptx_key") != deck_key:
        if st.button("Tạo bài trình chiếu", type="primary", key="make_pptx"):
            bar = st.progress(0.0, text="Đang dựng bài trình chiếu…")
            deck = pptx_bytes(data, lambda f, text: bar.progress(min(f, 1.0), text=text))
            bar.empty()
            st.session_state["export_pptx"], st.session_state["export_pptx_key"] = deck, deck_key
    if st.session_state.get("export_pptx_key") == deck_key:
        st.download_button("⬇ Tải PowerPoint (.pptx)", st.session_state["export_pptx"],
                           file_name=f"{stem}.pptx", mime=PPTX_MIME, key="dl_pptx", on_click="ignore")
with middle:
    st.markdown("**Báo cáo bằng văn bản** (Word)")
    st.download_button("⬇ Tải Word (.docx)", lambda: docx_bytes(data), file_name=f"{stem}.docx",
                       mime=DOCX_MIME, key="dl_docx", on_click="ignore")
    st.markdown("**Biểu tổng hợp** (Excel, in khổ A4 ngang)")
    st.download_button("⬇ Tải Excel (.xlsx)", lambda: xlsx_bytes(data), file_name=f"{stem}.xlsx",
                       mime=XLSX_MIME, key="dl_xlsx", on_click="ignore")
with right:
    st.markdown("**Ảnh biểu đồ** (PNG, để chèn vào văn bản)")
    png_key = ("export_png",) + deck_key[1:]
    if st.session_state.get("export_png_key") != png_key:
        if st.button("Tạo ảnh biểu đồ", key="make_png"):
            with st.spinner("Đang vẽ biểu đồ…"):
                st.session_state["export_png"] = charts_zip(data)
            st.session_state["export_png_key"] = png_key
    if st.session_state.get("export_png_key") == png_key:
        st.download_button("⬇ Tải ảnh biểu đồ (.zip)", st.session_state["export_png"],
                           file_name=f"{stem}-bieu-do.zip", mime="application/zip", key="dl_png",
                           on_click="ignore")
ui.cards.caption(f"Báo cáo {data.period.label} · {data.selection.name}")
