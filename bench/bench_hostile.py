"""Benchmark (not a timed test): each crafted hostile file (tests/hostile/crafted.py, plus the corpus's
zip bombs and 100k junk rows) previewed through the real path — safety checks and parse in the
bounded worker (etl.reading.sandbox) — on a throwaway SQLite warehouse.

Prints per file: the refusal and its code, wall-clock time, the peak RSS of the worker and of this
process (psutil, sampled every 2 ms; the idle fork server is shared and left out), their sum, and
the ratios to the parse limits and to the issue's goal (refused within 10 s and 500 MB).
`--backstop` also runs a parse that spins and one that hoards memory under the default limits, to
show that the worker's limits bound what the caps do not foresee (costs ~limit seconds of CPU).

    .venv/bin/python bench/bench_hostile.py [--only NAME] [--backstop]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_SECONDS, GOAL_MB = 10.0, 500.0
FROM_CORPUS = ["bom_nen.xlsx", "bom_nen_khai_gian.xlsx", "100k_dong_rac.xlsx", "o_rat_lon.xlsx", "xxe_trang_tinh.xlsx",
               "billion_laughs.xlsx"]


class PeakRss:
    """Samples this process's RSS and the fork server's children's (the workers) until stopped, and
    the workers' CPU time (as last seen: a worker's final 2 ms may be missed)."""

    def __init__(self, server_pid: int):
        self.server = psutil.Process(server_pid)
        self.me = psutil.Process()
        self.parent = self.worker = self.both = 0
        self.worker_cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            parent, worker = self.me.memory_info().rss, 0
            for child in self.server.children():
                try:
                    worker += child.memory_info().rss
                    times = child.cpu_times()
                    self.worker_cpu[child.pid] = times.user + times.system
                except psutil.Error:  # the worker ended between listing and reading
                    pass
            self.parent, self.worker = max(self.parent, parent), max(self.worker, worker)
            self.both = max(self.both, parent + worker)
            time.sleep(0.002)


def cases(only: str) -> dict:
    from tests.hostile.corpus import CORPUS
    from tests.hostile.crafted import CRAFTED
    chosen = {name: (build, code) for name, (build, code) in CRAFTED.items()}
    chosen |= {name: (CORPUS[name][0], "/".join(sorted(CORPUS[name][1]))) for name in FROM_CORPUS}
    return {k: v for k, v in chosen.items() if only in k}


def measure(engine, name: str, data: bytes):
    from multiprocessing import forkserver

    from etl.warehouse.load import preview_file
    with PeakRss(forkserver._forkserver._forkserver_pid) as peak:
        wall, cpu = time.perf_counter(), time.thread_time()
        result = preview_file(engine, data, name)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    peak.cpu = cpu + sum(peak.worker_cpu.values())   # this thread (not the sampler's) + the worker
    codes = sorted({p.code for p in result.problems if p.is_error})
    return result.status, codes, wall, peak


def report(name: str, size: int, status: str, codes: list, wall: float, peak, limits) -> None:
    mb = 2**20
    print(f"{name:<30}{size / 1024:>9,.0f} KB  {status:<9}{','.join(codes)[:24]:<25}{wall:>6.2f}{peak.cpu:>6.2f} s"
          f"{peak.worker / mb:>7.0f}{peak.parent / mb:>7.0f}{peak.both / mb:>7.0f} MB"
          f"  {peak.cpu / limits.cpu_seconds:>5.2f} {wall / limits.wall_seconds:>5.2f} "
          f"{peak.worker / mb / limits.memory_mb:>5.2f}"
          f"  {peak.cpu / GOAL_SECONDS:>5.2f} {peak.both / mb / GOAL_MB:>5.2f}")


def backstop(engine, limits) -> None:
    """Parses the caps cannot foresee: only the worker's limits end them."""
    import etl.reading.read
    from tests import sandbox_targets
    from tests.hostile.corpus import good
    real = etl.reading.read.parse_workbook
    for target in (sandbox_targets.spin, sandbox_targets.hoard):
        etl.reading.read.parse_workbook = target
        try:
            status, codes, wall, peak = measure(engine, f"backstop_{target.__name__}.xlsx", good())
        finally:
            etl.reading.read.parse_workbook = real
        report(f"({target.__name__}: no cap applies)", 0, status, codes, wall, peak, limits)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="only files whose name contains this")
    ap.add_argument("--backstop", action="store_true", help="also run a spinning and a hoarding parse")
    args = ap.parse_args()
    from etl.reading.sandbox import current_limits
    from etl.warehouse.db import ensure_schema, make_engine
    from etl.warehouse.load import preview_file
    from tests.hostile.corpus import good
    limits = current_limits()
    with tempfile.TemporaryDirectory(prefix="dvk-bench-hostile-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/hostile.db")
        ensure_schema(engine)
        preview_file(engine, good(), "warm.xlsx")  # starts the fork server: its start-up is not a refusal's
        print(f"limits: {limits.cpu_seconds} s CPU, {limits.memory_mb} MB address space, {limits.wall_seconds:g} s "
              f"wall clock per file; goal: refused within {GOAL_SECONDS:g} s and {GOAL_MB:g} MB (worker + parent)")
        print(f"{'file':<30}{'size':>12}  {'status':<9}{'refused with':<25}{'wall':>6}{'CPU':>6}  "
              f"{'worker':>6}{'parent':>7}{'sum':>7}      ratio to limits    to goal")
        print(f"{'':<101}(CPU, wall, memory)  (CPU, RSS)")
        worst = [0.0, 0.0, 0.0]
        for name, (build, expected) in cases(args.only).items():
            data = build()
            status, codes, wall, peak = measure(engine, name, data)
            report(name, len(data), status, codes, wall, peak, limits)
            assert status == "rejected" and (set(codes) & set(expected.split("/"))), (name, codes)
            worst = [max(worst[0], wall), max(worst[1], peak.cpu), max(worst[2], peak.both / 2**20)]
        if args.backstop:
            backstop(engine, limits)
        engine.dispose()
    load = psutil.getloadavg()[0] / psutil.cpu_count()
    verdict = {True: "met", False: "NOT met"}
    print(f"worst refusal: {worst[0]:.2f} s wall, {worst[1]:.2f} s CPU, {worst[2]:.0f} MB (worker + parent); "
          f"goal ≤ {GOAL_SECONDS:g} s — CPU {verdict[worst[1] <= GOAL_SECONDS]}, wall clock "
          f"{verdict[worst[0] <= GOAL_SECONDS]} (load {load:.1f} per core: CPU is the fair measure on a busy "
          f"machine); ≤ {GOAL_MB:g} MB {verdict[worst[2] <= GOAL_MB]}")


if __name__ == "__main__":
    main()
