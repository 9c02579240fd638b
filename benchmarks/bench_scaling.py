"""Scaling of the engine with population size and with worker processes.

* Sizes 1k, 10k, 34k, 100k, 340k settlers over 120 months: set-up (building the initial
  population) and stepping CPU seconds (median of repeats for the smaller sizes, one run for
  the largest), and peak Python-traced memory (numpy included) of a 12-month run. The cost
  exponent is the slope of log(stepping seconds) on log(settlers) over 10k..340k (target: about
  1, linear); memory per settler is the slope of peak memory on settlers (target: under 1 KB
  per settler, plus a fixed overhead, the intercept).
* Sweep: 200 runs of the baseline scenario with 34,000 settlers over 120 months through
  ``sim.batch.runner.run_scenario``, with 1 worker (in this process) and with 2 worker processes
  (wall clock, pool start included: the fork server imports the package and loads the compiled
  kernels once, a few seconds), timed with 1, 2, 2 and 1 workers (the mean of each pair: a drift in
  the machine's speed cancels out of the speed-up). Target: a 2-worker speed-up of at least 1.8 (it needs two
  otherwise idle cores). Quick mode runs 24 instead of 200, where the pool's start weighs more.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import QUICK, REPEATS, engine_run, in_drift_cancelling_order, median_engine_run  # noqa: E402
from sim import ResettlementModel  # noqa: E402
from sim.batch.runner import run_scenario  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

MONTHS = 120
SIZES = (1_000, 10_000, 34_000, 100_000) if QUICK else (1_000, 10_000, 34_000, 100_000, 340_000)
MEMORY_MONTHS = 12
SWEEP_N = 34_000
SWEEP_RUNS = 24 if QUICK else 200


def peak_memory_bytes(n: int) -> float:
    tracemalloc.start()
    try:
        model = ResettlementModel(n_settlers=n, months=MEMORY_MONTHS, rng=1, agent_views=False)
        while model.running:
            model.step()
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def sweep_seconds(workers: int, runs: int) -> float:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    t0 = time.perf_counter()
    run_scenario(scenario, replicates=runs, workers=workers, population=SWEEP_N, months=MONTHS, progress=False)
    return time.perf_counter() - t0


def run() -> list[dict]:
    rows = []
    stepping, memory = [], []
    engine_run(2_000, 6)  # loads the compiled kernels first (once per process), so no size pays for it
    for n in SIZES:
        setup_cpu, _, step_cpu, _ = median_engine_run(n, MONTHS, repeats=1 if n > 100_000 else REPEATS)
        stepping.append(step_cpu)
        memory.append(peak_memory_bytes(n))
        label = f"{n:>7d} settlers"
        rows += [
            {"benchmark": "scaling", "measure": f"{label}: set-up, CPU", "value": setup_cpu, "unit": "s", "better": "lower"},
            {"benchmark": "scaling", "measure": f"{label}: stepping {MONTHS} months, CPU", "value": step_cpu, "unit": "s",
             "better": "lower"},
            {"benchmark": "scaling", "measure": f"{label}: throughput, CPU", "value": n * MONTHS / step_cpu,
             "unit": "settler-months/s", "better": "higher"},
            {"benchmark": "scaling", "measure": f"{label}: peak traced memory ({MEMORY_MONTHS} months)",
             "value": memory[-1] / 1e6, "unit": "MB", "better": "lower"},
        ]
    sizes = np.asarray(SIZES, dtype=float)
    big = sizes >= 10_000
    exponent = np.polyfit(np.log(sizes[big]), np.log(np.asarray(stepping)[big]), 1)[0]
    per_settler, fixed = np.polyfit(sizes, np.asarray(memory), 1)
    rows += [
        {"benchmark": "scaling", "measure": f"cost exponent (stepping ~ settlers^k, {int(sizes[big][0])}+)",
         "value": exponent, "unit": "k", "target": 1.1, "better": "lower"},
        {"benchmark": "scaling", "measure": "memory per settler (slope)", "value": per_settler, "unit": "bytes",
         "target": 1000, "better": "lower"},
        {"benchmark": "scaling", "measure": "memory fixed overhead (intercept)", "value": fixed / 1e6, "unit": "MB",
         "better": "lower"},
    ]

    one, two = in_drift_cancelling_order(lambda: sweep_seconds(1, SWEEP_RUNS), lambda: sweep_seconds(2, SWEEP_RUNS))
    label = f"{SWEEP_RUNS} runs of {SWEEP_N} x {MONTHS}"
    rows += [
        {"benchmark": "sweep-workers", "measure": f"{label}, 1 worker", "value": one, "unit": "s (wall)", "better": "lower"},
        {"benchmark": "sweep-workers", "measure": f"{label}, 2 workers", "value": two, "unit": "s (wall)", "better": "lower"},
        # the target is the 200 runs; over quick mode's 24 the pool's start (3-4 s) weighs too much
        {"benchmark": "sweep-workers", "measure": "speed-up, 2 workers vs 1", "value": one / two, "unit": "x",
         "better": "higher", **({} if QUICK else {"target": 1.8})},
    ]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
