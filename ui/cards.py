"""The top of a page: title, the selection in words (period, clusters, units, comparison), the demo
banner; captions with the data date; the notes on what the figures leave out; the KPI metric cards
(titles from the catalogue) with Vietnamese values and deltas."""
from __future__ import annotations

from datetime import timedelta, timezone

import streamlit as st

from etl.catalog.catalogue import RATE
from etl.queries.narrative import derived_note, gaps_sentence
from etl.queries.selection import COMPARE, Selection
from etl.queries.views import Totals
from etl.reading.numbers import fmt_delta, fmt_int, fmt_pct
from ui.data import catalogue, data_span, page_totals
from ui.filters import no_data, require_selection
from ui.layout import kpi_row

VN_TZ = timezone(timedelta(hours=7))
DEMO_BANNER = "Số liệu minh họa (dữ liệu mẫu, không phải số liệu báo cáo thật)."


def page_header(title: str, selection: Selection) -> None:
    """Title, the selection in words, and the demo banner when demo data is shown."""
    st.title(title)
    st.markdown(f"**{selection.header}** · {selection.compare_text}")
    span = data_span()
    if span is not None and span.demo:
        st.container(key="demo-banner").warning(DEMO_BANNER, icon="ℹ️")


def as_of_text() -> str:
    """'Số liệu đến Quý II/2025 (cập nhật dd/mm/yyyy)', the date in Vietnam's time zone."""
    span = data_span()
    if span is None:
        return ""
    when = span.updated
    if when is not None:
        when = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(VN_TZ)
    stamp = f" (cập nhật {when:%d/%m/%Y})" if when else ""
    return f"Số liệu đến {span.latest.label}{stamp}"


def caption(text: str) -> None:
    """'<what the chart shows> · Số liệu đến Quý II/2025 (cập nhật dd/mm/yyyy)'."""
    st.caption(f"{text} · {as_of_text()}")


def _require_figures(selection: Selection, figures: Totals) -> None:
    """When no unit reported the whole period: what is missing (or the 'no data' message), and stop."""
    current = figures.current
    if current["units_reported"]:
        return
    if current.get("units_partial"):
        st.warning(f"{selection.period.label}: chưa có đơn vị nào báo cáo đủ cả kỳ, nên chưa có số liệu "
                   f"của kỳ này. {gaps_sentence(current.get('gaps'))} Chọn kỳ ngắn hơn (từng quý) "
                   "hoặc chờ các đơn vị báo cáo đủ.", icon=":material/pending_actions:")
        st.stop()
    no_data(selection)


def coverage_notes(selection: Selection, current: dict) -> None:
    """Say what the figures leave out (units that have not reported the whole period) and which
    were found by difference between cumulative reports; nothing when neither."""
    if current.get("units_partial"):
        st.warning(f"{gaps_sentence(current.get('gaps'))} Các số liệu dưới đây tính "
                   f"{current['units_reported']}/{current['units_expected']} đơn vị đã báo cáo đủ "
                   f"{selection.period.label}.", icon=":material/pending_actions:")
    if current.get("units_derived"):
        st.caption(derived_note(current["units_derived"]))


def open_page(title: str, read=page_totals):
    """The top of an analysis page: (selection, what `read(selection)` returns: its Totals, or a
    page's own read that carries them as .totals) after the header and the notes on what the figures
    leave out; the 'empty warehouse' or 'no data' message and stop instead."""
    selection = require_selection()
    page_header(title, selection)
    found = read(selection)
    totals = found if isinstance(found, Totals) else found.totals
    _require_figures(selection, totals)
    coverage_notes(selection, totals.current)
    return selection, found


def delta_text(current, previous, rate: bool = False) -> str | None:
    """Vietnamese delta for a metric card: '+12', '-1.234', '+2,3 điểm %'; None if not comparable."""
    if current is None or previous is None:
        return None
    diff = current - previous
    return (fmt_delta(diff * 100, decimals=1) + " điểm %") if rate else fmt_delta(diff)


def _card(row, code: str, figures: Totals, selection: Selection) -> None:
    rate = code == RATE
    fmt = fmt_pct if rate else fmt_int
    current, previous = figures.current.get(code), figures.previous.get(code)
    delta = delta_text(current, previous, rate)
    flat = delta is None or delta.startswith("±")
    cat = catalogue()
    row.metric(cat.short(code), fmt(current), delta and delta.replace("±", ""), border=True,
               delta_color="off" if flat else "normal",
               help=f"{cat.labels.get(code, code)}. {COMPARE[selection.compare]}: {fmt(previous)} "
                    f"({selection.comparison.label})")


def metric_cards(figures: Totals, codes: list[str], selection: Selection, per_row: int = 4,
                 name: str = "cards") -> None:
    """One st.metric per indicator code (and the rate), Vietnamese values and deltas: `per_row` cards
    to a line on a wide screen, two on a phone (`name`: a second row of cards on the same page)."""
    row = kpi_row(per_row, name)
    for code in codes:
        _card(row, code, figures, selection)
