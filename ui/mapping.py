"""The upload page's column questions: a select per uncertain or unknown column with figures,
labelled with the header as written, options ranked by score plus "Không nạp cột này". The choices
become the `mappings` of the preview and of the load (etl.warehouse.load), which keeps them as learned aliases.
Also the note listing every column mapped by meaning, by a learned alias or by a choice."""
from __future__ import annotations

import streamlit as st

import ui.data
from etl.catalog.catalogue import RATE

LEAVE_OUT = "__leave_out__"
HOW = {"meaning": "theo nghĩa", "learned": "đã học từ lần nạp trước", "given": "theo lựa chọn"}


def question_key(round_: int, index: int, sheet: str, header: str) -> str:
    return f"upl_map_{round_}_{index}_{sheet}_{header}"


def ask_columns(index: int, result) -> dict[str, str | None]:
    """One select per column the reader could not map surely; returns {header: code, or None to leave
    the column out} for the columns answered."""
    asked = [(s.name, q) for s in result.sheets for q in s.questions]
    if not asked:
        return {}
    labels = {code: label for code, label in ui.data.labels().items() if code != RATE}
    st.markdown("**Chọn chỉ tiêu cho các cột (dòng) chưa rõ** (lựa chọn được ghi nhớ cho các lần nạp sau)")
    round_ = st.session_state.get("_upl_round", 0)
    mappings: dict[str, str | None] = {}
    for sheet, q in asked:
        ranked = [code for code, _ in q.candidates if code in labels]
        options = ranked + [c for c in labels if c not in ranked] + [LEAVE_OUT]
        scores = dict(q.candidates)
        choice = st.selectbox(
            f"{q.what.capitalize()} “{q.header}” ({sheet}, ô {q.cell})", options, index=None,
            placeholder="Chọn chỉ tiêu …",
            key=question_key(round_, index, sheet, q.header),
            format_func=lambda c, s=scores: "Không nạp cột này" if c == LEAVE_OUT else (
                f"{labels.get(c, c)} ({s[c]:.0f} điểm)" if c in s else labels.get(c, c)),
            help="Các chỉ tiêu xếp theo mức độ khớp với tên cột (dòng); chọn “Không nạp cột này” để bỏ qua.")
        if choice is not None:
            mappings[q.header] = None if choice == LEAVE_OUT else choice
    return mappings


def mapped_note(result) -> None:
    """'Cột “Số lượt người dự” → Lượt người tham dự hội nghị (theo nghĩa)': never a silent guess."""
    labels = ui.data.labels()
    lines = [f"• Cột “{m.header}” ({s.name}, ô {m.cell}) → "
             f"{labels.get(m.indicator, m.indicator) if m.indicator else 'không nạp'} ({HOW.get(m.how, m.how)})"
             for s in result.sheets for m in s.mapped_columns if m.how != "exact"]
    skipped = [f"• Bỏ qua trang {s.name}: {s.reason}" for s in result.sheets if s.status == "skipped"]
    read = [s for s in result.sheets if s.status == "read"]
    if len(read) > 1:
        st.caption(f"Đã đọc {len(read)} trang tính: " + ", ".join(s.name for s in read) + ".")
    if lines:
        st.text("Các cột được hiểu theo nghĩa (kiểm tra lại):\n" + "\n".join(lines))
    if skipped:
        st.text("\n".join(skipped))
