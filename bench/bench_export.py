"""Benchmark (not a timed test): a province-period giao ban deck on SQLite. Goal: <= 2 s.

The demo warehouse (etl.demo.demo: 27 district units until 2025-Q2, 166 communes from 2025-Q3) is
loaded into a temporary SQLite file; then, for a 27-unit half-year and a 166-commune quarter, the
time to gather the figures (every query) and to build the .pptx is printed, best of --repeat runs.
DOCX and XLSX times are printed too.

    .venv/bin/python bench/bench_export.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GOAL_SECONDS = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from etl.demo.demo import load_demo
    from etl.export.outputs import docx_bytes, pptx_bytes, xlsx_bytes
    from etl.export.scope import gather, report_selection
    from etl.periods import parse_period
    from etl.warehouse.db import ensure_schema, make_engine
    from timing import best_of

    with tempfile.TemporaryDirectory(prefix="dvk-bench-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/warehouse.db")
        ensure_schema(engine)
        start = time.perf_counter()
        demo = load_demo(engine)
        print(f"demo warehouse: {demo.loaded} batches in {time.perf_counter() - start:.1f} s")
        worst = 0.0
        for spec in ("2024-H1", "2026-Q3"):
            period = parse_period(spec)
            selection = report_selection(engine, period, "province")
            t_gather, data = best_of(args.repeat, lambda: gather(engine, selection))
            t_pptx, deck = best_of(args.repeat, lambda: pptx_bytes(data))
            t_docx, _ = best_of(args.repeat, lambda: docx_bytes(data))
            t_xlsx, _ = best_of(args.repeat, lambda: xlsx_bytes(data))
            total = t_gather + t_pptx
            worst = max(worst, total)
            print(f"{period.label:>22} · {len(data.units):3d} units: gather {t_gather:.2f} s + pptx "
                  f"{t_pptx:.2f} s = deck {total:.2f} s ({len(deck) // 1024} KiB); docx {t_docx:.2f} s; "
                  f"xlsx {t_xlsx:.2f} s")
        engine.dispose()
    verdict = "OK" if worst <= GOAL_SECONDS else "TOO SLOW"
    print(f"province deck, worst case: {worst:.2f} s (goal <= {GOAL_SECONDS:.0f} s): {verdict}")
    return 0 if worst <= GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
