"""Engine vs the plain per-agent Mesa reference (``benchmarks/reference``), one run of 34,000 x 120.

The reference runs about 15,000 settler-months per second, so a full 34,000 x 120 run would take
minutes: it is measured on ``REF_N`` settlers over ``REF_MONTHS`` months **after** a
``REF_WARMUP``-month untimed start (months in Hanawon are cheaper, so this is the settled regime
that dominates a run) and extrapolated linearly to 34,000 x 120 (its cost is per settler-month;
the row says so). The engine is timed on the full run. CPU seconds, median of repeats.
Target (issue 6): the engine at least 50 times faster.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import QUICK, median_engine_run, timed  # noqa: E402
from benchmarks.reference import ReferenceModel  # noqa: E402

N, MONTHS = 34_000, 120
REF_N = 1_000 if QUICK else 3_000
REF_WARMUP, REF_MONTHS = 6, (6 if QUICK else 12)


def reference_rate() -> tuple[float, float]:
    """(settler-months per CPU second, per wall second) of the reference in the settled regime."""
    model = ReferenceModel(n_settlers=REF_N, months=REF_WARMUP + REF_MONTHS, rng=1)
    for _ in range(REF_WARMUP):
        model.step()

    def steps() -> None:
        for _ in range(REF_MONTHS):
            model.step()

    t = timed(steps, repeats=1)
    return REF_N * REF_MONTHS / t.cpu, REF_N * REF_MONTHS / t.wall


def reference_setup(n: int = REF_N) -> float:
    """CPU seconds per settler to build the reference's agents."""
    t0 = time.process_time()
    ReferenceModel(n_settlers=n, months=1, rng=1)
    return (time.process_time() - t0) / n


def run() -> list[dict]:
    _, _, engine_cpu, _ = median_engine_run(N, MONTHS)
    ref_cpu_rate, ref_wall_rate = reference_rate()
    ref_seconds = N * MONTHS / ref_cpu_rate
    engine_rate = N * MONTHS / engine_cpu
    note = f"extrapolated from {REF_N} x {REF_MONTHS} months"
    return [
        {"benchmark": "reference", "measure": f"engine stepping, {N} x {MONTHS}, CPU", "value": engine_cpu, "unit": "s",
         "better": "lower"},
        {"benchmark": "reference", "measure": f"reference stepping, {N} x {MONTHS}, CPU*", "value": ref_seconds,
         "unit": "s", "better": "lower"},
        {"benchmark": "reference", "measure": "engine throughput, CPU", "value": engine_rate, "unit": "settler-months/s",
         "better": "higher"},
        {"benchmark": "reference", "measure": f"reference throughput, CPU ({note})", "value": ref_cpu_rate,
         "unit": "settler-months/s", "better": "higher"},
        {"benchmark": "reference", "measure": "reference throughput, wall", "value": ref_wall_rate,
         "unit": "settler-months/s", "better": "higher"},
        {"benchmark": "reference", "measure": "speed ratio engine / reference", "value": engine_rate / ref_cpu_rate,
         "unit": "x", "target": 50, "better": "higher"},
        {"benchmark": "reference", "measure": "reference set-up per settler (agents)", "value": reference_setup() * 1e6,
         "unit": "us", "better": "lower"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
