"""Timing helpers shared by the benchmarks (run as scripts: bench/ is on sys.path)."""
from __future__ import annotations

import time


def best_of(repeat: int, fn) -> tuple[float, object]:
    """The fastest of `repeat` wall-clock timings of fn(), and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result
