"""The Streamlit edge, shared by dashboard.py and pages/: the typed cached reads (data), the sidebar
selection kept in the URL (filters), the CSS for phones and wide screens (layout), page headers and
KPI cards (cards), plotly helpers with Vietnamese number formats (charts, bars), tables and downloads
(tables), the page parts built from them (sections, reporting), login and accounts (auth, session_routes),
and the upload page's questions (mapping, text_figures). Pages import the module they use:
`import ui.data; ui.data.overview(selection)`."""
