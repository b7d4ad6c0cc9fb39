"""`python scripts/serve.py [streamlit options]`: `streamlit run dashboard.py` without the first-visit
"Page not found" pop-up.

Streamlit still treats a `pages/` folder beside the main script as a legacy multipage app for the
very first script run of a server process: it builds a navigation from the file names, cannot find
a link such as /so-sanh in it and shows "Page not found", although dashboard.py's st.navigation then
opens the right page. Our pages are always registered by st.navigation, so the flag is set once,
before the server starts (known Streamlit issue, streamlit/streamlit#9992).
"""
from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

DASHBOARD = Path(__file__).resolve().parent.parent / "dashboard.py"  # scripts/ -> repo root


def main(argv: list[str] | None = None) -> None:
    PagesManager.uses_pages_directory = False
    args = ["run", str(DASHBOARD), *(sys.argv[1:] if argv is None else argv)]
    cli.main(args=args, prog_name="streamlit")


if __name__ == "__main__":
    main()
