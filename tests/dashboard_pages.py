"""dashboard.py's own page list, read from its source (importing dashboard.py would start the app):
tests that open every page take it from here, so a page added there is a page tested."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dashboard_pages() -> list[tuple]:
    """dashboard.PAGES: (section, file, title, icon, need, URL path) per page, in menu order."""
    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.Assign)
                and getattr(n.targets[0], "id", None) == "PAGES")
    return ast.literal_eval(node.value)
