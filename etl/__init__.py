"""ETL and warehouse for the "Dân vận khéo" campaign statistics.

Nothing in this package imports Streamlit: pages and the CLI both call it.
"""
