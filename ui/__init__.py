"""The Streamlit edge, shared by dashboard.py and pages/: cached query wrappers (data), the sidebar
filters kept in the URL (filters), the CSS for phones and wide screens (layout), page headers and KPI
cards (cards), plotly helpers with Vietnamese number formats (charts, bars), tables and downloads (tables),
and the page parts built from them (sections, reporting). Pages use the names re-exported here:
`import ui; ui.q(...)`."""
from ui.cards import (SHORT, as_of_text, caption, delta_text, metric_cards, open_page,
                      overview_sentence, page_header, period_totals, selection_text)
from ui.bars import ends, grouped_bars, grouped_chart, ranked_bars, ranking_chart, ranking_rows
from ui.charts import (PALETTE, add_reorganisation_marker, chart, has_values, hover, spans_reorganisation,
                       style, trend_lines)
from ui.data import (catalogue, data_version, engine, labels, q, sample_units, start_run, unit_name,
                     unit_names, units_in_range)
from ui.filters import (COMPARE, EMPTY_MESSAGE, NO_DATA_MESSAGE, View, available_periods,
                        current_view, keep_filters, no_data, require_view, set_view, sidebar_filters)
from ui.layout import kpi_row, page_style, phone_only, wide_only
from ui.reporting import (completeness_section, gaps_only, missing_note, reconciliation_section,
                          reporting_rate_section, unusual_section)
from ui.sections import (NOT_REPORTED, RATE_MISSING, drill_cluster, field_section, group_noun,
                         group_picker, grouped_section, not_reported, nothing_to_draw, per_meeting_section,
                         rate_section, scope_rows, with_total)
from ui.tables import (below, display_frame, downloads, export_frame, highlight_below, neutralise,
                       summary_columns, table, to_xlsx)

__all__ = [
    "SHORT", "as_of_text", "caption", "delta_text", "metric_cards", "open_page", "overview_sentence",
    "page_header", "period_totals", "selection_text",
    "ends", "grouped_bars", "grouped_chart", "ranked_bars", "ranking_chart", "ranking_rows",
    "PALETTE", "add_reorganisation_marker", "chart", "has_values", "hover", "spans_reorganisation",
    "style", "trend_lines",
    "catalogue", "data_version", "engine", "labels", "q", "sample_units", "start_run", "unit_name",
    "unit_names", "units_in_range",
    "COMPARE", "EMPTY_MESSAGE", "NO_DATA_MESSAGE", "View", "available_periods", "current_view",
    "keep_filters", "no_data", "require_view", "set_view", "sidebar_filters",
    "kpi_row", "page_style", "phone_only", "wide_only",
    "completeness_section", "gaps_only", "missing_note", "reconciliation_section", "reporting_rate_section",
    "unusual_section",
    "NOT_REPORTED", "RATE_MISSING", "drill_cluster", "field_section", "group_noun", "group_picker",
    "grouped_section", "not_reported", "nothing_to_draw",
    "per_meeting_section", "rate_section", "scope_rows", "with_total",
    "below", "display_frame", "downloads", "export_frame", "highlight_below", "neutralise",
    "summary_columns", "table", "to_xlsx",
]
