"""Xuất báo cáo: the narrative ready to copy, and the giao ban outputs (PowerPoint, Word, Excel,
chart images) for the period and scope chosen in the sidebar."""
from datetime import date

import streamlit as st

import ui
from etl.config import get_settings
from etl.export import docx_bytes, gather, parse_scope, pptx_bytes, xlsx_bytes
from etl.periods import parse_period
from etl.text import fold

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner="Đang tổng hợp số liệu…", max_entries=16)
def _report(url: str, version: tuple, today: date, period: str, scope: str, compare: str):
    engine = ui.engine()
    return gather(engine, parse_period(period), parse_scope(engine, scope), made_on=today,
                  compare=compare)


def _scope_options(view) -> dict[str, str]:
    """Scopes the sidebar selection allows: one unit, one cluster or the province."""
    clusters, names = ui.catalogue()[1], ui.unit_names()
    if view.filters.units:
        return {f"unit:{c}": names.get(c, c) for c in view.filters.units}
    if view.filters.clusters:
        return {f"cluster:{c}": f"Cụm {clusters.get(c, c)}" for c in view.filters.clusters}
    return {"province": "Toàn tỉnh"}


view = ui.require_view()
ui.page_header("Xuất báo cáo", view)
options = _scope_options(view)
scope = next(iter(options))
if len(options) > 1:
    scope = st.selectbox("Phạm vi báo cáo (mỗi báo cáo cho một đơn vị hoặc một cụm)", list(options),
                         format_func=options.get, key="export_scope")
data = _report(get_settings().database_url, ui.data_version(), date.today(),
               view.period.spec, scope, view.compare)
if not data.current.get("units_reported"):
    ui.no_data(view, f"{view.period.label} · {options[scope]}")

st.subheader("Nhận định")
st.caption("Đoạn văn theo văn phong báo cáo giao ban, sinh từ số liệu; bấm biểu tượng sao chép ở góc "
           "phải để dán vào báo cáo.")
st.code("\n\n".join(data.paragraphs), language=None, wrap_lines=True)

st.subheader("Tải về")
stem = fold(f"bao cao {view.period.spec} {options[scope]}").replace(" ", "-")
deck_key = ("export_pptx", view.period.spec, scope, ui.data_version())
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
            from etl.export.charts import charts_zip
            with st.spinner("Đang vẽ biểu đồ…"):
                st.session_state["export_png"] = charts_zip(data)
            st.session_state["export_png_key"] = png_key
    if st.session_state.get("export_png_key") == png_key:
        st.download_button("⬇ Tải ảnh biểu đồ (.zip)", st.session_state["export_png"],
                           file_name=f"{stem}-bieu-do.zip", mime="application/zip", key="dl_png",
                           on_click="ignore")
ui.caption(view, f"Báo cáo {data.period.label} · {data.scope.name}")
