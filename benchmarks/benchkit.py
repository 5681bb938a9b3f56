"""What the benchmarks share: median timings, peak memory and the PASS/FAIL
lines."""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``fn()`` over ``repeat`` runs (at least one), and the
    last result. Garbage is collected before each run."""
    times = []
    out = None
    for _ in range(max(1, repeat)):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def peak_bytes(fn: Callable[[], Any]) -> tuple[int, Any]:
    """Peak extra memory while ``fn()`` runs, as tracemalloc sees it (numpy
    reports its array allocations to it), and the result."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = fn()
        return tracemalloc.get_traced_memory()[1] - base, out
    finally:
        tracemalloc.stop()


def load() -> str:
    """The load average (1, 5 and 15 minutes), to recognise a noisy run."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not on every platform
        return "n/a"


def verdict(ok: bool, info: bool = False) -> str:
    """``PASS`` or ``FAIL``; marked as information when not at the target size."""
    label = "PASS" if ok else "FAIL"
    return f"{label} (information: not the target size)" if info else label
