"""The page's CSS for every screen, from a phone (390 px) to a projector (1920 px). The server cannot
see the width, so both layouts are sent and CSS media queries on keyed containers choose:
`st.container(key=...)` gives the element the class `st-key-<key>`, and keys starting with `wide-`
or `phone-` are shown on that kind of screen only. KPI cards sit in one wrapping row (`kpi<N>-…`):
N per row on a wide screen, two on a phone, titles wrapped instead of cut."""
from __future__ import annotations

import functools

import streamlit as st

from ui.filters import FILTERS_KEY

PHONE_MAX_PX = 640  # Streamlit stacks st.columns below this width too
WIDE_ONLY, PHONE_ONLY = "wide-", "phone-"
CARD_GAP = "0.75rem"
KPI_PER_ROW = range(2, 7)

BASE_CSS = """
.block-container {padding-top: 2.2rem; padding-bottom: 2rem; max-width: 1500px;}
[data-testid="stMain"] [data-testid="stCaptionContainer"] {font-size: 0.95rem;}
[data-testid="stMetricValue"] {font-size: 2.3rem;}
[data-testid="stMetricDelta"] p {font-size: 1rem;}
/* KPI titles wrap (two lines kept for all, so the numbers of a row line up) instead of "Lượt người dự hộ…" */
[data-testid="stMetricLabel"] {font-size: 1rem; min-height: 2.6em; line-height: 1.3; align-items: flex-start;}
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] p {
  white-space: normal; overflow: visible; text-overflow: clip; line-height: inherit; font-size: inherit;}
/* Streamlit draws widget labels, buttons, expanders, tabs and code at 0.875rem (under 16 px): not
   on a projector's page */
[data-testid="stMain"] :is([data-testid="stWidgetLabel"], [data-testid="stExpander"] summary,
  [data-testid^="stBaseButton"], [data-testid="stButtonGroup"] button, [data-testid="stTab"],
  [data-testid="stFileUploaderDropzoneInstructions"])
  :is(p, span:not([data-testid="stIconMaterial"])) {font-size: 1rem;}
[data-testid="stMain"] [data-testid="stCode"] :is(pre, code, span) {font-size: 0.95rem;}
[class*="st-key-kpi"] {gap: %(gap)s; align-items: stretch;}
[class*="st-key-kpi"] > [data-testid="stElementContainer"] {min-width: 0;}
[class*="st-key-kpi"] [data-testid="stMetric"] {height: 100%%;}
@media (min-width: %(wide_px)spx) {[class*="st-key-%(phone)s"] {display: none;}}
/* the closed sidebar's toggle says what it opens (the filters, where the page has them) */
[data-testid="stExpandSidebarButton"] {width: auto; padding: 0.2rem 0.6rem;
  border: 1px solid rgba(27, 38, 49, 0.3); border-radius: 0.5rem;}
[data-testid="stExpandSidebarButton"]::after {content: "Danh mục"; margin-left: 0.3rem;
  font-size: 1rem; color: #1b2631;}
[data-testid="stApp"]:has(.st-key-%(filters)s) [data-testid="stExpandSidebarButton"]::after {
  content: "Bộ lọc";}
"""
PER_ROW_CSS = """[class*="st-key-kpi%(n)s-"] > [data-testid="stElementContainer"] {
  flex: 0 0 calc((100%% - %(gaps)s * %(gap)s) / %(n)s);
  max-width: calc((100%% - %(gaps)s * %(gap)s) / %(n)s);}
"""
PHONE_CSS = """
@media (max-width: %(phone_px)spx) {
  .block-container {padding: 3.6rem 0.8rem 2rem;}
  [data-testid="stMain"] h1 {font-size: 1.75rem; padding: 0 0 0.4rem;}
  [class*="st-key-%(wide)s"] {display: none;}
  [class*="st-key-kpi"] {gap: 0.5rem;}
  [class*="st-key-kpi"] > [data-testid="stElementContainer"] {
    flex: 0 0 calc(50%% - 0.25rem); max-width: calc(50%% - 0.25rem);}
  /* a card: the title on two lines, then the number and its change side by side */
  [data-testid="stMetric"] {padding: 0;}
  [data-testid="stMetric"] > div {padding: 0.45rem 0.6rem 0.5rem; display: flex; flex-wrap: wrap;
    align-items: baseline; column-gap: 0.45rem;}
  [data-testid="stMetricLabel"] {flex: 0 0 100%%; font-size: 0.95rem;}
  [data-testid="stMetricValue"] {font-size: 1.8rem; line-height: 1.1;}
  [data-testid="stMetricDelta"] p {font-size: 0.85rem;}
  .st-key-demo-banner [data-testid="stAlertContainer"] {padding: 0.3rem 0.6rem;}
  .st-key-demo-banner p {font-size: 0.85rem;}
  /* in the sidebar, the filters come before the page list */
  [data-testid="stSidebarContent"] {display: flex; flex-direction: column;}
  [data-testid="stSidebarHeader"] {order: 0;}
  [data-testid="stSidebarUserContent"] {order: 1; padding-bottom: 1rem;}
  [data-testid="stSidebarNav"] {order: 2;}
}
"""


@functools.cache
def page_css() -> str:
    """The <style> block: shared rules, KPI rows of 2…6 cards, and the phone's overrides."""
    fill = {"gap": CARD_GAP, "wide": WIDE_ONLY, "phone": PHONE_ONLY, "phone_px": PHONE_MAX_PX,
            "filters": FILTERS_KEY,
            "wide_px": PHONE_MAX_PX + 1}
    rows = "".join(PER_ROW_CSS % {**fill, "n": n, "gaps": n - 1} for n in KPI_PER_ROW)
    return f"<style>{BASE_CSS % fill}{rows}{PHONE_CSS % fill}</style>"


def page_style() -> None:
    """The shared CSS, once per run for every page (data pages included, so titles line up)."""
    st.markdown(page_css(), unsafe_allow_html=True)


def wide_only(name: str):
    """A container shown on a wide screen only (hidden on a phone)."""
    return st.container(key=WIDE_ONLY + name)


def phone_only(name: str):
    """A container shown on a phone only (hidden on a wide screen)."""
    return st.container(key=PHONE_ONLY + name)


def kpi_row(per_row: int, name: str = "cards"):
    """The one wrapping row the KPI cards go in: `per_row` to a line, two on a phone."""
    if per_row not in KPI_PER_ROW:
        raise ValueError(f"per_row must be in {KPI_PER_ROW}")
    return st.container(key=f"kpi{per_row}-{name}", horizontal=True, gap=None)
