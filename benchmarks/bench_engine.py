"""One run of the engine: 34,000 settlers over 120 months (set-up, stepping, settler-months/s, memory).

Stepping and set-up (building the initial population) are timed separately, as medians of
``REPEATS`` runs (seeds 1..REPEATS), in CPU seconds of this process (one core; the machine may
be shared) with the wall time alongside. Targets (issue 6): at least 2 million settler-months
per second and a full run under 1 second on one core. Memory: peak of Python-traced
allocations (numpy arrays included) during a 12-month run.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import REPEATS, median_engine_run  # noqa: E402
from sim import ResettlementModel  # noqa: E402

N, MONTHS = 34_000, 120


def peak_memory_mb(n: int, months: int) -> float:
    tracemalloc.start()
    try:
        model = ResettlementModel(n_settlers=n, months=months, rng=1, agent_views=False)
        while model.running:
            model.step()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def agent_views_cost(n: int = 5_000) -> float:
    """Microseconds per settler of creating the Mesa ``Settler`` views (off in bulk runs)."""
    t0 = time.process_time()
    ResettlementModel(n_settlers=n, months=1, rng=1, agent_views=True).step()
    with_views = time.process_time() - t0
    t0 = time.process_time()
    ResettlementModel(n_settlers=n, months=1, rng=1, agent_views=False).step()
    return (with_views - (time.process_time() - t0)) / n * 1e6


def run() -> list[dict]:
    setup_cpu, _, step_cpu, step_wall = median_engine_run(N, MONTHS)
    total_cpu = setup_cpu + step_cpu
    label = f"{N} settlers x {MONTHS} months"
    return [
        {"benchmark": "engine", "measure": f"set-up (population), {N} settlers, CPU", "value": setup_cpu, "unit": "s",
         "better": "lower"},
        {"benchmark": "engine", "measure": f"stepping, {label}, CPU", "value": step_cpu, "unit": "s",
         "better": "lower"},
        {"benchmark": "engine", "measure": f"stepping, {label}, wall", "value": step_wall, "unit": "s",
         "better": "lower"},
        {"benchmark": "engine", "measure": f"full run (set-up + stepping), CPU, median of {REPEATS}", "value": total_cpu,
         "unit": "s", "target": 1.0, "better": "lower"},
        {"benchmark": "engine", "measure": "throughput (stepping, CPU)", "value": N * MONTHS / step_cpu,
         "unit": "settler-months/s", "target": 2e6, "better": "higher"},
        {"benchmark": "engine", "measure": "throughput (stepping, wall)", "value": N * MONTHS / step_wall,
         "unit": "settler-months/s", "better": "higher"},
        {"benchmark": "engine", "measure": f"peak traced memory, {N} settlers x 12 months", "value": peak_memory_mb(N, 12),
         "unit": "MB", "better": "lower"},
        {"benchmark": "engine", "measure": "Mesa agent views (optional), per settler", "value": agent_views_cost(),
         "unit": "us", "better": "lower"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
