"""The upload page's figures read from a report's sentences (.docx): each proposal with its sentence
and a tick box. The ticked ones become `accept_text_figures` of the preview and of the load (etl.warehouse.load),
so "Xác nhận nạp" loads exactly the ticked set the preview showed (its fingerprint covers the set)."""
from __future__ import annotations

from itertools import groupby

import streamlit as st

import ui.data
from etl.reading.numbers import fmt_int
from ui.auth import md_escape


def tick_key(round_: int, index: int, key: str) -> str:
    return f"upl_text_{round_}_{index}_{key}"


def ask_text_figures(index: int, result) -> frozenset[str]:
    """Each sentence with figures, then a tick box per figure it states; returns the keys of the ticked
    ones. Figures of a report that names no unit of the catalogue cannot be ticked."""
    figures = result.text_figures
    if not figures:
        return frozenset()
    labels, by_key = ui.data.labels(), {f.key: f for f in figures}
    round_ = st.session_state.get("_upl_round", 0)
    st.markdown("**Số liệu đọc được trong câu văn** — đánh dấu các số đúng; chỉ số được đánh dấu mới được nạp.")
    if any(f.unit is None for f in figures):
        st.caption("Văn bản không ghi đơn vị báo cáo có trong danh mục: các số dưới đây chỉ để tham khảo, "
                   "không nạp được.")
    chosen = set()
    for (where, quote), group in groupby(figures, key=lambda f: (f.where, f.quote)):
        st.caption(f"{where.capitalize()}: “{md_escape(quote)}”")
        for f in group:
            label = f"{labels.get(f.indicator, f.indicator)}: **{fmt_int(f.value)}**"
            if st.checkbox(label, key=tick_key(round_, index, f.key), disabled=f.unit is None):
                chosen.add(f.key)
            for note in _notes(f, by_key):
                st.caption(f"⚠ {note}")
    return frozenset(chosen)


def _notes(f, by_key: dict) -> list[str]:
    """Why a proposal needs a second look: another sentence, or a table, gives another value."""
    notes = [f"mâu thuẫn với {by_key[k].where} (ghi {fmt_int(by_key[k].value)}): chỉ chọn một số"
             for k in f.competing if k in by_key]
    if f.table_value is not None:
        notes.append(f"bảng ghi {fmt_int(f.table_value)} (ô {f.table_cell})" if f.table_value != f.value
                     else "bảng cũng ghi số này (được nạp từ bảng)")
    return notes
