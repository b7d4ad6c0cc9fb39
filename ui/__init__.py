"""The Streamlit edge, shared by dashboard.py and pages/: the typed cached reads (data), the sidebar
selection kept in the URL (filters), the CSS for phones and wide screens (layout), page headers and
KPI cards (cards), plotly helpers with Vietnamese number formats (charts, bars), tables and downloads
(tables), and the page parts built from them (sections, reporting). Pages use the names re-exported
here: `import ui; ui.overview(selection)`."""
from ui.bars import ends, grouped_chart, ranking_chart
from ui.cards import caption, metric_cards, open_page, page_header
from ui.charts import chart, spans_reorganisation, trend_lines
from ui.data import (breakdown, catalogue, data_span, data_version, engine, labels, overview, page_totals,
                     report, reporting_status, sample_units, start_run, trends, unit_name, unit_names, units_in_range)
from ui.filters import (available_periods, keep_filters, no_data, require_selection, set_selection,
                        sidebar_filters)
from ui.layout import page_style, phone_only, wide_only
from ui.reporting import (completeness_section, missing_note, reconciliation_section,
                          reporting_rate_section, unusual_section)
from ui.sections import (RATE_MISSING, drill_cluster, field_section, group_picker, grouped_section,
                         not_reported, nothing_to_draw, per_meeting_section, rate_section)
from ui.tables import below, display_frame, downloads, export_frame, highlight_below, summary_columns, table, to_xlsx

__all__ = [
    "ends", "grouped_chart", "ranking_chart",
    "caption", "metric_cards", "open_page", "page_header",
    "chart", "spans_reorganisation", "trend_lines",
    "breakdown", "catalogue", "data_span", "data_version", "engine", "labels", "overview", "page_totals", "report",
    "reporting_status", "sample_units", "start_run", "trends", "unit_name", "unit_names", "units_in_range",
    "available_periods", "keep_filters", "no_data", "require_selection", "set_selection", "sidebar_filters",
    "page_style", "phone_only", "wide_only",
    "completeness_section", "missing_note", "reconciliation_section", "reporting_rate_section",
    "unusual_section",
    "RATE_MISSING", "drill_cluster", "field_section", "group_picker", "grouped_section", "not_reported",
    "nothing_to_draw", "per_meeting_section", "rate_section",
    "below", "display_frame", "downloads", "export_frame", "highlight_below", "summary_columns", "table",
    "to_xlsx",
]
