"""Benchmark (not a timed test): every analysis page on a national-scale warehouse.

3,321 communes of the vietnam-provinces package (one cluster per province) × 24 quarters × 12
indicators ≈ 956,000 facts, bulk-inserted straight into a temporary SQLite file (it is a benchmark,
not a load test). Per page: the AppTest server render time (cold: empty st.cache_data; warm: cached),
the bare SQL time of the slowest SELECT the page ran (each re-executed on a raw sqlite3 cursor, rows
fetched), their ratio; and the peak RSS of the process. Goals: cold render ≤ 1 s, ≤ 3 × bare SQL, RSS ≤ 400 MB.

    .venv/bin/python bench/bench_pages.py [--quarters 24] [--keep DIR] [--covering-index] [--no-analyze]
                                          [--queries [--no-pages]]

--keep DIR builds the warehouse in DIR and keeps it; a later run with the same DIR uses it again.

--quarters 8 keeps a run short (~320,000 facts). --queries also times, without Streamlit, the etl.queries
reads the pages make (best of 3 each, and the slowest statement's bare SQL), so that the warehouse layout
can be judged when pages change; with --no-pages it only builds the warehouse (--keep DIR) and times them,
the warehouse bench/bench_browser.py drives a browser over.

Streamlit logs "missing ScriptRunContext" on stderr for every bare-mode run; add 2>/dev/null for the table alone.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["pages/overview.py", "pages/trends.py", "pages/compare.py", "pages/meetings.py",
         "pages/inspections.py", "pages/models.py", "pages/reporting.py"]


def write_catalogue(folder: Path) -> int:
    """Units (all 3,321 communes, valid over the whole range) and one cluster per province."""
    import vietnam_provinces as vp
    provinces = sorted(vp.Province.iter_all(), key=lambda p: int(p.code))
    with open(folder / "clusters.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "sort_order"])
        for i, p in enumerate(provinces):
            w.writerow([f"p{int(p.code):02d}", p.name, i])
    wards = list(vp.Ward.iter_all())
    with open(folder / "units.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "level", "kind", "parent", "cluster", "valid_from", "valid_to",
                    "aliases", "sort_order"])
        for i, ward in enumerate(wards):
            w.writerow([f"{int(ward.code):05d}", f"{ward.name} ({int(ward.code)})", "commune", "", "",
                        f"p{int(ward.province_code):02d}", "2015-01-01", "", "", i])
    (folder / "unit_lineage.csv").write_text("former_code,successor_code,note\n", encoding="utf-8")
    return len(wards)


COVERING_INDEX = ("CREATE INDEX IF NOT EXISTS ix_facts_period_cover "
                  "ON facts (period_index, indicator_code, unit_code, value)")


def use_warehouse(folder: Path) -> str:
    """Point the settings at the warehouse in `folder` and its catalogue files; its URL."""
    url = f"sqlite:///{folder / 'warehouse.db'}"
    os.environ.update(DVK_UNITS_CSV=str(folder / "units.csv"), DVK_CLUSTERS_CSV=str(folder / "clusters.csv"),
                      DVK_LINEAGE_CSV=str(folder / "unit_lineage.csv"), DVK_DEMO_AUTOLOAD="0", DATABASE_URL=url)
    return url


def kept_warehouse(folder: Path) -> tuple[str, int] | None:
    """(URL, facts) of a warehouse an earlier --keep run built in `folder`, or None."""
    if not (folder / "warehouse.db").exists():
        return None
    with sqlite3.connect(folder / "warehouse.db") as con:
        facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    return (use_warehouse(folder), facts) if facts else None


def build_warehouse(folder: Path, quarters: int, covering: bool = False, analyze: bool = True) -> tuple[str, int]:
    """Schema through the app's own code, then facts bulk-inserted with sqlite3."""
    url = use_warehouse(folder)
    write_catalogue(folder)
    from etl.warehouse.db import ensure_schema, make_engine
    engine = make_engine(url)
    ensure_schema(engine)
    engine.dispose()
    con = sqlite3.connect(folder / "warehouse.db")
    con.execute("PRAGMA synchronous=OFF")
    units = [r[0] for r in con.execute("SELECT code FROM units")]
    indicators = [r[0] for r in con.execute("SELECT code FROM indicators")]
    con.execute("INSERT INTO batches (file_name, sha256, sheet, layout, period, uploaded_by, created_at, "
                "status, rows_added, rows_changed, rows_unchanged, units_count, warnings_count) VALUES "
                "('bench', '0', '', '', '', 'bench', '2026-10-01 00:00:00', 'loaded', 0, 0, 0, 0, 0)")
    rng = random.Random(1)
    last = 2026 * 4 + 2  # 2026-Q3
    n = 0
    for index in range(last - quarters + 1, last + 1):
        rows = [(u, index // 4, index % 4 + 1, ind, index, rng.randint(0, 300), 1)
                for u in units if rng.random() > 0.03 for ind in indicators]
        con.executemany("INSERT INTO facts (unit_code, year, quarter, indicator_code, period_index, value, "
                        "batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        n += len(rows)
    con.commit()
    if covering:  # the schema change proposed in the report: sums become index-only scans
        con.execute(COVERING_INDEX)
    if analyze:  # the app itself never runs ANALYZE: --no-analyze plans as it does
        con.execute("ANALYZE")
    con.close()
    return url, n


class SqlLog:
    """Every statement a render runs, with its duration (SQLAlchemy cursor events)."""

    def __init__(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        self.items: list[tuple[float, str, object]] = []
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.items.append((time.perf_counter() - conn.info.pop("_t0"), statement, parameters))


def bare_sql_seconds(db_path: str, statement: str, parameters) -> float:
    """Best of 3: the statement on a raw sqlite3 cursor, rows fetched."""
    con = sqlite3.connect(db_path)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        con.execute(statement, parameters).fetchall()
        best = min(best, time.perf_counter() - t)
    con.close()
    return best


def slowest_bare(db_path: str, items: list) -> tuple[float, str]:
    """(bare seconds, statement) of the slowest SELECT among `items`, each re-run with its rows
    fetched: the logged time is the execute call only, and SQLite hands rows over while they are
    fetched, so the log alone would miss a statement that returns many rows."""
    con = sqlite3.connect(db_path)
    once = []
    seen = set()
    for _t, statement, parameters in items:
        key = (statement, repr(parameters))
        if key in seen or not statement.lstrip().upper().startswith("SELECT"):
            continue
        seen.add(key)
        t = time.perf_counter()
        con.execute(statement, parameters).fetchall()
        once.append((time.perf_counter() - t, statement, parameters))
    con.close()
    if not once:
        return 0.0, "SELECT 1"
    _t, statement, parameters = max(once, key=lambda x: x[0])
    return bare_sql_seconds(db_path, statement, parameters), statement


class PeakRss(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        import psutil
        self.proc, self.peak, self.running = psutil.Process(), 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)


def render(page: str, before=None):
    """Open the app, switch to `page` and time that run alone (`before` runs just ahead of it)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page(page)
    if before:
        before()
    t = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return at, elapsed


def query_workloads(last_spec: str = "2026-Q3") -> list[tuple[str, object]]:
    """(label, fn(engine)) for the etl.queries reads the analysis pages make (each page's typed read,
    and the summaries and trends behind them)."""
    from etl.periods import parse_period
    from etl.queries import reporting, summary, trend, versions, views
    from etl.queries.selection import Selection
    last = parse_period(last_spec)
    year = parse_period(last_spec[:4])
    first8, first24 = last.shifted(-7), last.shifted(-23)
    s, sy = Selection(last), Selection(year)
    sc = Selection(last, clusters=("p38",))
    su = Selection(last, units=("14797", "16522", "16417"))
    return [
        ("data_version + data_span", lambda e: (versions.data_version(e), versions.data_span(e))),
        ("summary quarter by cluster", lambda e: summary.summary(e, s, "cluster")),
        ("summary quarter by unit", lambda e: summary.summary(e, s, "unit")),
        ("summary year by cluster", lambda e: summary.summary(e, sy, "cluster")),
        ("with_total quarter, 1 cluster, by unit", lambda e: summary.with_total(e, sc, "unit")),
        ("page_totals quarter (+ previous quarter)", lambda e: views.page_totals(e, s)),
        ("totals quarter, 3 units", lambda e: summary.totals(e, su)),
        ("overview (Tổng quan's read)", lambda e: views.overview(e, s)),
        ("breakdown quarter by cluster", lambda e: views.breakdown(e, s, "cluster")),
        ("trend 24 quarters by province", lambda e: trend.trend(e, s, first24, "province")),
        ("trend 8 quarters by cluster", lambda e: trend.trend(e, s, first8, "cluster")),
        ("trend 24 quarters by unit, 3 units", lambda e: trend.trend(e, su, first24, "unit")),
        ("completeness 8 quarters", lambda e: reporting.completeness(e, s, first8)),
        ("completeness 24 quarters, 1 cluster", lambda e: reporting.completeness(e, sc, first24)),
        ("reporting (Tình hình báo cáo's read), 8 q.", lambda e: views.reporting(e, s, first8)),
        ("unit_series 8 quarters, 1 indicator", lambda e: reporting.unit_series(e, s, "conferences", first8)),
        ("unit_series 24 quarters, 3 units", lambda e: reporting.unit_series(e, su, "conferences", first24)),
    ]


def time_queries(url: str, db_path: str, log: "SqlLog") -> None:
    """Each workload: best of 3 wall clock; its slowest statement re-run bare; and the SQL total."""
    from etl.warehouse.db import make_engine
    engine = make_engine(url)
    for _label, fn in query_workloads()[:2]:  # warm-up: caches, imports
        fn(engine)
    print(f"{'etl.queries call':<44}{'best s':>8}{'SQL s':>8}{'slowest bare s':>16}")
    grand = 0.0
    for label, fn in query_workloads():
        best, sql, items = float("inf"), 0.0, []
        for _ in range(3):
            log.items.clear()
            t = time.perf_counter()
            fn(engine)
            elapsed = time.perf_counter() - t
            if elapsed < best:
                best, sql, items = elapsed, sum(x[0] for x in log.items), list(log.items)
        grand += best
        bare, statement = slowest_bare(db_path, items)
        print(f"{label:<44}{best:8.3f}{sql:8.3f}{bare:16.3f}  ({' '.join(statement.split())[:60]})")
    print(f"{'all calls':<44}{grand:8.3f}")
    engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quarters", type=int, default=24)
    ap.add_argument("--keep", help="build the warehouse in this folder and keep it")
    ap.add_argument("--covering-index", action="store_true",
                    help="add the proposed index facts(period_index, indicator_code, unit_code, value)")
    ap.add_argument("--queries", action="store_true",
                    help="also time the etl.queries calls of the pages without Streamlit")
    ap.add_argument("--no-analyze", action="store_true", help="leave the warehouse without ANALYZE statistics")
    ap.add_argument("--no-pages", action="store_true", help="skip the page renders (with --queries)")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="dvk-bench-pages-"))
    folder.mkdir(parents=True, exist_ok=True)
    rss = PeakRss()
    rss.start()
    t = time.perf_counter()
    kept = kept_warehouse(folder) if args.keep else None
    url, facts = kept or build_warehouse(folder, args.quarters, args.covering_index, not args.no_analyze)
    print(f"warehouse: {facts:,} facts {'kept from an earlier run' if kept else 'built'} in "
          f"{time.perf_counter() - t:.1f} s ({folder})")
    log = SqlLog()
    if args.queries:
        time_queries(url, str(folder / "warehouse.db"), log)
    if args.no_pages:
        rss.running = False
        print(f"peak RSS: {max(rss.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) / 2**20:.0f} MB")
        return 0
    import streamlit as st
    render(PAGES[0])  # import and engine warm-up, not counted
    print(f"{'page':<24}{'cold s':>8}{'warm s':>8}{'slowest SQL s':>15}{'ratio':>7}  goal")
    ok = True
    for page in PAGES:
        _, cold = render(page, before=lambda: (st.cache_data.clear(), log.items.clear()))
        bare, statement = slowest_bare(str(folder / "warehouse.db"), log.items)
        items = list(log.items)
        _, warm = render(page)
        log.items[:] = items
        ratio = cold / bare if bare else float("inf")
        good = cold <= 1.0 and ratio <= 3.0
        ok &= good
        print(f"{page:<24}{cold:8.3f}{warm:8.3f}{bare:15.3f}{ratio:7.1f}  {'ok' if good else 'MISSED'}"
              f"  ({len(log.items)} statements, SQL total {sum(x[0] for x in log.items):.3f} s; slowest: "
              f"{' '.join(statement.split())[:70]})")
    rss.running = False
    peak = max(rss.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    print(f"peak RSS: {peak / 2**20:.0f} MB (goal ≤ 400 MB) {'ok' if peak <= 400 * 2**20 else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
