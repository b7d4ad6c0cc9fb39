"""Benchmark (not a timed test): the dashboard in Debian's chromium against a floor app, in one run.

The floor is the least a Streamlit page can cost: a two-page app (st.navigation, one sidebar select)
that draws one plotly chart per page from the same warehouse, its one query cached by st.cache_data.
Both run as real servers on the national warehouse that `bench/bench_pages.py --keep DIR` builds
(3,321 communes, one cluster per province, 24 quarters ≈ 930,000 facts; built here when DIR has none).
Measured in headless chromium (Playwright, /usr/bin/chromium), rounds alternating between the apps:
- cold open: a new browser context opens the app's first page, until its charts are drawn and the
  page is settled (the browser's main thread idle);
- navigation: a click in the sidebar's page list, until the new page is idle with its charts drawn
  (the dashboard goes round its analysis pages; the floor between its two), each page visited once
  before (a warm-up round, not counted: its reads are cached, as the floor's query is);
- filter change: another "Kỳ báo cáo" in the sidebar, first a period not seen before (its reads
  not cached yet), then back and forth between two seen ones.
Prints medians, the dashboard's figures per page, and the ratios. Goals: navigation and filter
change ≤ 1.5 × the floor, cold open ≤ 1.3 ×.

    .venv/bin/python bench/bench_browser.py [--keep DIR] [--quarters 24] [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1600, "height": 1000}
GOALS = {"cold open": 1.3, "navigation": 1.5, "filter change (new)": 1.5, "filter change (seen)": 1.5}
# The dashboard's analysis pages in sidebar order, by title (dashboard.PAGES).
DASHBOARD_PAGES = ["Tổng quan", "Xu hướng", "So sánh đơn vị", "Hội nghị & tập huấn", "Kiểm tra, giám sát",
                   "Mô hình “Dân vận khéo”", "Tình hình báo cáo"]
FLOOR_PAGES = ["Trang một", "Trang hai"]

FLOOR_APP = '''"""The floor: two pages, one sidebar select, one cached query and one plotly chart per page."""
import streamlit as st

st.set_page_config(page_title="Floor", layout="wide")
page = st.navigation([st.Page("one.py", title="Trang một", url_path="mot", default=True),
                      st.Page("two.py", title="Trang hai", url_path="hai")])
from floor_data import quarters  # noqa: E402
options = quarters()
st.sidebar.selectbox("Kỳ báo cáo", list(options), format_func=options.get, key="period")
page.run()
'''
FLOOR_DATA = '''"""The floor's reads: bare sqlite3 over the warehouse, cached by st.cache_data."""
import os
import sqlite3

import pandas as pd
import streamlit as st

ROMAN = ["I", "II", "III", "IV"]


def _read(sql, params=()):
    with sqlite3.connect(os.environ["FLOOR_DB"]) as con:
        return pd.read_sql_query(sql, con, params=params)


@st.cache_data
def quarters():
    top = _read("SELECT max(period_index) AS i FROM facts")["i"].iat[0]
    return {i: f"Quý {ROMAN[i % 4]}/{i // 4}" for i in range(int(top), int(top) - 24, -1)}


@st.cache_data
def by_cluster(index, indicator):
    return _read("SELECT c.name AS name, sum(f.value) AS value FROM facts f JOIN units u ON u.code = f.unit_code "
                 "JOIN clusters c ON c.code = u.cluster_code WHERE f.period_index = ? AND f.indicator_code = ? "
                 "GROUP BY c.name ORDER BY value DESC", (index, indicator))
'''
FLOOR_PAGE = '''import plotly.graph_objects as go
import streamlit as st

from floor_data import by_cluster, quarters

st.title("{title}")
index = st.session_state["period"]
df = by_cluster(index, "{indicator}")
st.caption(f"{{quarters()[index]}} · {indicator}")
st.plotly_chart(go.Figure(go.Bar(x=df["value"], y=df["name"], orientation="h")), key="chart")
'''

DONE = """([text, where, chartless]) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testScriptState !== 'notRunning'
      || app.dataset.testConnectionState !== 'CONNECTED') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  const shown = main && (where === 'title' ? main.querySelector('h1') : main);
  if (!shown || !shown.innerText.includes(text)) return false;
  const charts = main.querySelectorAll('[data-testid="stPlotlyChart"]');
  if (!charts.length && !chartless) return false;
  return [...charts].every(c => c.querySelector('.main-svg'));
}"""


# Drawn and settled: two frames painted, then the main thread idle (plotly finishes its work after
# its first SVG appears; a click before that would wait for it).
SETTLED = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(
  () => requestIdleCallback(r, {timeout: 5000}))))"""


def write_floor(folder: Path) -> Path:
    """The floor app's files in `folder`; returns its main script."""
    (folder / "app.py").write_text(FLOOR_APP, encoding="utf-8")
    (folder / "floor_data.py").write_text(FLOOR_DATA, encoding="utf-8")
    for name, title, indicator in (("one.py", "Trang một", "conferences"), ("two.py", "Trang hai", "inspections")):
        (folder / name).write_text(FLOOR_PAGE.format(title=title, indicator=indicator), encoding="utf-8")
    return folder / "app.py"


def warehouse(folder: Path, quarters: int) -> Path:
    """The national warehouse of bench_pages in `folder` (built when missing); the catalogue
    settings pointed at its files, so that the servers keep its units and clusters."""
    import bench_pages
    if bench_pages.kept_warehouse(folder) is None:
        _url, facts = bench_pages.build_warehouse(folder, quarters)
        print(f"warehouse: {facts:,} facts ({folder})")
    os.environ["FLOOR_DB"] = str(folder / "warehouse.db")
    return folder / "warehouse.db"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(command: list[str], cwd: Path, log: Path):
    """A Streamlit server on a free port; yields its base URL once healthy."""
    port = _free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([*command, "--server.headless", "true", "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
                                 "--server.fileWatcherType", "none"],
                                cwd=cwd, env={**os.environ, "PYTHONPATH": str(cwd)}, stdout=out,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def timed(page, action, text: str, where: str = "title", chartless: bool = False) -> float:
    """Seconds from `action()` until the page is idle, shows `text` (in its title, or anywhere in
    the main area) and has drawn its charts."""
    t = time.perf_counter()
    action()
    page.wait_for_function(DONE, arg=[text, where, chartless], timeout=180_000, polling="raf")
    page.evaluate(SETTLED)
    return time.perf_counter() - t


def cold_open(browser, base: str, title: str) -> float:
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    try:
        page = context.new_page()
        return timed(page, lambda: page.goto(base, wait_until="commit"), title)
    finally:
        context.close()


def navigate(page, title: str, chartless: bool = False) -> float:
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
    return timed(page, link.click, title, chartless=chartless)


def pick_period(page, label: str) -> float:
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Kỳ báo cáo")
    box.locator("input").click()
    option = page.get_by_role("option", name=label, exact=True)
    option.wait_for()
    return timed(page, option.click, f"{label} · ", where="main")  # the header's (or caption's) period


def quarter_label(index: int) -> str:
    return f"Quý {['I', 'II', 'III', 'IV'][index % 4]}/{index // 4}"


def warm_up(browser, base: str, pages: list[str]) -> None:
    """A first visit of every page (imports, engine, catalogue, the reads of the default selection):
    not counted, the same for both apps."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    page = context.new_page()
    try:
        timed(page, lambda: page.goto(base, wait_until="commit"), pages[0])
        for title in pages[1:] + pages[:1]:
            navigate(page, title)
    finally:
        context.close()


def measure(browser, base: str, pages: list[str], periods: list[str], out: dict, per_page: dict) -> None:
    """One round on one app: cold opens, a navigation round, filter changes (new, then seen)."""
    for _ in range(2):
        out.setdefault("cold open", []).append(cold_open(browser, base, pages[0]))
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    page = context.new_page()
    try:
        timed(page, lambda: page.goto(base, wait_until="commit"), pages[0])
        for title in pages[1:] + pages[:1]:
            seconds = navigate(page, title)
            out.setdefault("navigation", []).append(seconds)
            per_page.setdefault(title, []).append(seconds)
        new, seen = periods.pop(), periods[0]
        out.setdefault("filter change (new)", []).append(pick_period(page, new))
        for label in (seen, new, seen):
            out.setdefault("filter change (seen)", []).append(pick_period(page, label))
    finally:
        context.close()


def report(dash: dict, floor: dict, per_page: dict) -> None:
    print(f"\n{'':<24}{'dashboard s':>12}{'floor s':>10}{'ratio':>8}  goal")
    for what, goal in GOALS.items():
        d, f = statistics.median(dash[what]), statistics.median(floor[what])
        print(f"{what:<24}{d:12.3f}{f:10.3f}{d / f:8.2f}  ≤ {goal} {'ok' if d / f <= goal else 'MISSED'}"
              f"   (dashboard {min(dash[what]):.3f}–{max(dash[what]):.3f}, n={len(dash[what])})")
    print("\ndashboard navigation, median per page reached:")
    for title, values in per_page.items():
        print(f"  {title:<28}{statistics.median(values):7.3f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="folder of the national warehouse (bench_pages.py --keep DIR); built if empty")
    ap.add_argument("--quarters", type=int, default=24)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="dvk-bench-browser-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = warehouse(folder, args.quarters)
    import sqlite3
    with sqlite3.connect(db) as con:
        top = con.execute("SELECT max(period_index) FROM facts").fetchone()[0]
    from playwright.sync_api import sync_playwright
    floor_dir = Path(tempfile.mkdtemp(prefix="dvk-floor-"))
    floor_app = write_floor(floor_dir)
    dash, floor, per_page = {}, {}, {}
    with server([sys.executable, str(ROOT / "scripts" / "serve.py")], ROOT, folder / "dashboard.log") as d_base, \
            server([sys.executable, "-m", "streamlit", "run", str(floor_app)], floor_dir, floor_dir / "floor.log") \
            as f_base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        warm_up(browser, d_base, DASHBOARD_PAGES)
        warm_up(browser, f_base, FLOOR_PAGES)
        for n in range(args.rounds):
            # each round a period not seen before (its reads uncached), then back to the latest
            periods = [quarter_label(top), quarter_label(top - 1 - n)]
            measure(browser, d_base, DASHBOARD_PAGES, list(periods), dash, per_page)
            measure(browser, f_base, FLOOR_PAGES, list(periods), floor, {})
            print(f"round {n + 1}/{args.rounds} done", file=sys.stderr)
        browser.close()
    report(dash, floor, per_page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
