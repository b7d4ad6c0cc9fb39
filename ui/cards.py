"""The top of a page: title, the selection in words (period, clusters, units), the demo banner;
captions with the data date; the period totals and the KPI metric cards with Vietnamese values and
deltas."""
from __future__ import annotations

from datetime import timedelta, timezone

import streamlit as st

from etl import queries
from etl.narrative import derived_note, gaps_sentence
from etl.narrative import overview_sentence as _sentence
from etl.numbers import fmt_delta, fmt_int, fmt_pct
from ui.data import catalogue, engine, labels, q, unit_names
from ui.filters import COMPARE, View, no_data, require_view
from ui.layout import kpi_row

VN_TZ = timezone(timedelta(hours=7))
DEMO_BANNER = "Số liệu minh họa (dữ liệu mẫu, không phải số liệu báo cáo thật)."
UNITS_NAMED = 6  # units named in the header line; more are counted
# Card titles of at most two lines, even on a phone; the full label is in the card's help.
SHORT = {"conferences": "Hội nghị quán triệt", "conference_participants": "Lượt người dự hội nghị",
         "trainings": "Hội nghị tập huấn", "training_participants": "Lượt người tập huấn",
         "inspections": "Cuộc kiểm tra, giám sát", "inspected_party_orgs": "Tổ chức đảng được KT",
         "inspected_party_members": "Đảng viên được KT", "models_registered": "Mô hình đăng ký",
         "models_recognized": "Mô hình công nhận", "dialogues": "Cuộc tiếp xúc, đối thoại",
         "review_conferences": "Hội nghị sơ kết, tổng kết", "documents_issued": "Văn bản ban hành"}


def selection_text(view: View) -> str:
    """'Quý II/2024 · Cụm Đồng bằng, Ven biển · Huyện Yên Định, Huyện Thọ Xuân': the period and every
    cluster and unit chosen (the first UNITS_NAMED units by name), so a shared link explains itself."""
    _units, clusters, _ = catalogue()
    parts = [view.period.label]
    if view.filters.clusters:
        parts.append("Cụm " + ", ".join(clusters.get(c, c) for c in view.filters.clusters))
    if view.filters.units:
        names = [unit_names().get(c, c) for c in view.filters.units]
        more = len(names) - UNITS_NAMED
        parts.append(", ".join(names[:UNITS_NAMED]) + (f" và {more} đơn vị khác" if more > 0 else ""))
    if len(parts) == 1:
        parts.append("Toàn tỉnh")
    return " · ".join(parts)


def page_header(title: str, view: View) -> None:
    """Title, the selection in words, and the demo banner when demo data is shown."""
    st.title(title)
    st.markdown(f"**{selection_text(view)}** · so sánh với {COMPARE[view.compare].lower()} "
                f"({view.comparison.label})")
    if q("meta_value", "demo_loaded"):
        st.container(key="demo-banner").warning(DEMO_BANNER, icon="ℹ️")


def as_of_text(view: View) -> str:
    """'Số liệu đến Quý II/2025 (cập nhật dd/mm/yyyy)', the date in Vietnam's time zone."""
    when = view.updated
    if when is not None:
        when = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(VN_TZ)
    stamp = f" (cập nhật {when:%d/%m/%Y})" if when else ""
    return f"Số liệu đến {view.latest.label}{stamp}"


def caption(view: View, text: str) -> None:
    """'<what the chart shows> · Số liệu đến Quý II/2025 (cập nhật dd/mm/yyyy)'."""
    st.caption(f"{text} · {as_of_text(view)}")


def period_totals(view: View) -> tuple[dict, dict]:
    """(totals of the selection, totals of the comparison period); when no unit reported the whole
    period, what is missing (or the 'no data' message) and stop."""
    current = q("totals", view.filters)
    if not current["units_reported"]:
        if current.get("units_partial"):
            st.warning(f"{view.period.label}: chưa có đơn vị nào báo cáo đủ cả kỳ, nên chưa có số liệu "
                       f"của kỳ này. {gaps_sentence(current.get('gaps'))} Chọn kỳ ngắn hơn (từng quý) "
                       "hoặc chờ các đơn vị báo cáo đủ.", icon=":material/pending_actions:")
            st.stop()
        no_data(view)
    return current, q("totals", view.comparison_filters)


def coverage_notes(view: View, current: dict) -> None:
    """Say what the figures leave out (units that have not reported the whole period) and which
    were found by difference between cumulative reports; nothing when neither."""
    if current.get("units_partial"):
        st.warning(f"{gaps_sentence(current.get('gaps'))} Các số liệu dưới đây tính "
                   f"{current['units_reported']}/{current['units_expected']} đơn vị đã báo cáo đủ "
                   f"{view.period.label}.", icon=":material/pending_actions:")
    if current.get("units_derived"):
        st.caption(derived_note(current["units_derived"]))


def open_page(title: str) -> tuple[View, dict, dict]:
    """The top of an analysis page: (view, totals, comparison totals) after the header and the notes
    on what the figures leave out; the 'empty warehouse' or 'no data' message and stop instead."""
    view = require_view()
    page_header(title, view)
    current, previous = period_totals(view)
    coverage_notes(view, current)
    return view, current, previous


def overview_sentence(current: dict, previous: dict | None, view: View) -> str:
    """etl.narrative's summing-up sentence for the selection."""
    return _sentence(current, previous, view.period, view.filters.scope_label(engine()),
                     previous_period=view.comparison)


def delta_text(current, previous, rate: bool = False) -> str | None:
    """Vietnamese delta for a metric card: '+12', '-1.234', '+2,3 điểm %'; None if not comparable."""
    if current is None or previous is None:
        return None
    diff = current - previous
    return (fmt_delta(diff * 100, decimals=1) + " điểm %") if rate else fmt_delta(diff)


def _card(col, code: str, current: dict, previous: dict, view: View, names: dict) -> None:
    rate = code == queries.RATE
    fmt = fmt_pct if rate else fmt_int
    delta = delta_text(current.get(code), previous.get(code), rate)
    flat = delta is None or delta.startswith("±")
    col.metric(SHORT.get(code, names.get(code, code)), fmt(current.get(code)),
               delta and delta.replace("±", ""), border=True, delta_color="off" if flat else "normal",
               help=f"{names.get(code, code)}. {COMPARE[view.compare]}: "
                    f"{fmt(previous.get(code))} ({view.comparison.label})")


def metric_cards(current: dict, previous: dict | None, codes: list[str], view: View,
                 per_row: int = 4, name: str = "cards") -> None:
    """One st.metric per indicator code (and the rate), Vietnamese values and deltas: `per_row` cards
    to a line on a wide screen, two on a phone (`name`: a second row of cards on the same page)."""
    names = labels()
    row = kpi_row(per_row, name)
    for code in codes:
        _card(row, code, current, previous or {}, view, names)
