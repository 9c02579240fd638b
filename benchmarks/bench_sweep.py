"""Sweep throughput with 1 and 2 local workers, the speed-up, and the driver's peak memory.

Throughput: 160 runs (4 grant levels x 40 replicates) of 10,000 settlers over 60 months, from an
empty results folder (so the 2-worker figure includes starting the pool), with 1, 2, 2 and 1 workers in that
order (the mean of each pair), so that a drift in the machine's speed cancels out of the speed-up. Driver memory: Python
allocations traced in the driver (tracemalloc) while 2 workers do 80 and then 240 tiny runs;
flat memory means the per-run growth is close to zero (the issue's target: under 1 GB for 1,000
runs of 10,000 settlers, which is dominated by per-run bookkeeping, not model size, since
models live in the workers).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import in_drift_cancelling_order  # noqa: E402
from sim.batch.sweep import sweep  # noqa: E402
from sim.experiment import experiment_from_dict  # noqa: E402

SETTLERS, MONTHS, REPLICATES = 10_000, 60, 40
GRANTS = [5, 15, 25, 40]
TINY_SETTLERS, TINY_MONTHS = 50, 6


def _experiment(settlers: int, months: int, replicates: int, grants: list[float]):
    return experiment_from_dict({
        "name": "bench_sweep",
        "scenario": {"name": "bench", "population": {"size": settlers}, "months": months, "seed": 1},
        "factors": {"policy.cash_grant_million_krw": grants},
        "replicates": replicates,
        "horizons": [months],
    })


def _throughput(workers: int) -> float:
    exp = _experiment(SETTLERS, MONTHS, REPLICATES, GRANTS)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = sweep(exp, out=Path(tmp), workers=workers, progress=False)
        seconds = time.perf_counter() - t0
    assert res.ok and res.computed == len(GRANTS) * REPLICATES
    return res.computed / seconds * 60


def _driver_peak_mb(replicates: int) -> float:
    exp = _experiment(TINY_SETTLERS, TINY_MONTHS, replicates, [5, 10, 20, 40])
    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        try:
            sweep(exp, out=Path(tmp), workers=2, progress=False)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return peak / 1e6


def run() -> list[dict]:
    one, two = in_drift_cancelling_order(lambda: _throughput(1), lambda: _throughput(2))
    small, large = _driver_peak_mb(20), _driver_peak_mb(60)  # 80 and 240 runs
    per_run_kb = (large - small) / 160 * 1e3
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux
    label = f"{SETTLERS} settlers x {MONTHS} months"
    return [
        {"benchmark": "sweep", "measure": f"throughput, 1 worker, {label}", "value": one, "unit": "runs/min",
         "better": "higher"},
        {"benchmark": "sweep", "measure": f"throughput, 2 workers, {label}", "value": two, "unit": "runs/min",
         "better": "higher"},
        {"benchmark": "sweep", "measure": "speed-up, 2 workers vs 1", "value": two / one, "unit": "x",
         "target": 1.5, "better": "higher"},
        {"benchmark": "sweep", "measure": "driver peak traced memory, 240 runs", "value": large, "unit": "MB",
         "target": 1000, "better": "lower"},
        {"benchmark": "sweep", "measure": "driver memory growth per run", "value": per_run_kb, "unit": "kB/run",
         "target": 1000, "better": "lower"},
        {"benchmark": "sweep", "measure": "driver peak RSS (whole benchmark)", "value": rss, "unit": "MB",
         "better": "lower"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
