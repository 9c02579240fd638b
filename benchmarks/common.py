"""Shared helpers of the benchmarks: timing on a shared machine, quick mode.

Times are medians of a few repeats. Each repeat records CPU time of this process
(``time.process_time``: what one core spends, robust to other jobs on the machine) and wall
time; targets are checked on CPU time, as the machine running ``make bench`` is often shared.
``RESETTLE_BENCH_QUICK=1`` makes every benchmark smaller (fewer repeats and sizes) for a quick look.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

QUICK = os.environ.get("RESETTLE_BENCH_QUICK", "") not in ("", "0")
REPEATS = 1 if QUICK else 3


@dataclass
class Timing:
    cpu: float  # seconds of CPU time (median)
    wall: float  # seconds of wall time (median)
    result: Any = None  # what the last repeat returned


def timed(fn: Callable[[], Any], repeats: int = REPEATS) -> Timing:
    """Median CPU and wall seconds of ``fn()`` over ``repeats`` calls."""
    cpus, walls, result = [], [], None
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        result = fn()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    return Timing(statistics.median(cpus), statistics.median(walls), result)


def engine_run(n: int, months: int, seed: int = 1) -> tuple[float, float, float, float]:
    """One engine run without agent views: (set-up CPU s, set-up wall s, stepping CPU s, stepping wall s)."""
    from sim import ResettlementModel

    c0, w0 = time.process_time(), time.perf_counter()
    model = ResettlementModel(n_settlers=n, months=months, rng=seed, agent_views=False)
    c1, w1 = time.process_time(), time.perf_counter()
    while model.running:
        model.step()
    c2, w2 = time.process_time(), time.perf_counter()
    return c1 - c0, w1 - w0, c2 - c1, w2 - w1


def in_drift_cancelling_order(first: Callable[[], float], second: Callable[[], float]) -> tuple[float, float]:
    """Means of ``first()`` and of ``second()``, measured in the order first, second, second, first: on a shared
    machine whose speed drifts while a benchmark runs (other tenants of the host), a steady drift moves both
    means alike, so their ratio (a speed-up) keeps to the code's own."""
    a, b = first(), second()
    b = (b + second()) / 2
    return (a + first()) / 2, b


def median_engine_run(n: int, months: int, repeats: int = REPEATS) -> tuple[float, float, float, float]:
    """Medians over ``repeats`` engine runs (seeds 1, 2, ...) of ``engine_run``'s four times."""
    runs = [engine_run(n, months, seed) for seed in range(1, repeats + 1)]
    return tuple(statistics.median(r[i] for r in runs) for i in range(4))  # type: ignore[return-value]


MACHINE_CHECK_ROWS = 2_000_000  # float64 values: 16 MB, about the size of a 34,000-settler state with its free rows
MACHINE_CHECK_PASSES = 40  # array passes of the fixed work
MACHINE_CHECK_LOOPS = 600_000  # interpreter loop trips of the fixed work


def machine_check() -> float:
    """CPU seconds of a fixed piece of work that mixes what stepping does: interpreter loops and passes over an
    array about the size of the state. Timed beside each engine run, it shows how fast the machine was at the
    time: on a shared machine the same work varies (by 1.7x within minutes on the 2-core VMs that measured it),
    and a slow stepping figure with a slow check is the machine's, not the engine's."""
    import numpy as np

    values = np.ones(MACHINE_CHECK_ROWS)
    c0 = time.process_time()
    total = 0
    for i in range(MACHINE_CHECK_LOOPS):
        total += i & 3
    for _ in range(MACHINE_CHECK_PASSES):
        np.multiply(values, 1.0, out=values)
    return time.process_time() - c0
