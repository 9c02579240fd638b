"""The compiled kernels vs the per-agent Mesa path (``ResettlementModel.step_agents``), the same rules.

``step_agents()`` calls each mechanism's per-settler rules in Python, one ``Settler`` at a time, the
way most Mesa models are written (``tests/test_equivalence.py`` checks that it gives the engine's
results exactly). It runs some thousands of settler-months per second, so a full 34,000 x 120 run
would take hours: it is measured on ``REF_N`` settlers over ``REF_MONTHS`` months **after** a
``REF_WARMUP``-month start stepped by the kernels (months in Hanawon are cheaper, so this is the
settled regime that dominates a run) and extrapolated linearly (its cost is per settler-month; the
row says so). The engine is timed on the full run. CPU seconds, median of repeats.
Target (issue 6): the engine at least 50 times faster.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import QUICK, median_engine_run, timed  # noqa: E402
from sim import ResettlementModel  # noqa: E402

N, MONTHS = 34_000, 120
REF_N = 100 if QUICK else 300
REF_WARMUP, REF_MONTHS = 6, (3 if QUICK else 6)


def per_agent_rate() -> tuple[float, float]:
    """(settler-months per CPU second, per wall second) of the per-agent path in the settled regime."""
    model = ResettlementModel(n_settlers=REF_N, months=REF_WARMUP + REF_MONTHS, rng=1)
    for _ in range(REF_WARMUP):
        model.step()
    model.step_agents()  # compiles the helpers the rules call from Python (once per process)

    def steps() -> None:
        for _ in range(REF_MONTHS - 1):
            model.step_agents()

    t = timed(steps, repeats=1)
    return REF_N * (REF_MONTHS - 1) / t.cpu, REF_N * (REF_MONTHS - 1) / t.wall


def run() -> list[dict]:
    _, _, engine_cpu, _ = median_engine_run(N, MONTHS)
    ref_cpu_rate, ref_wall_rate = per_agent_rate()
    engine_rate = N * MONTHS / engine_cpu
    note = f"extrapolated from {REF_N} x {REF_MONTHS - 1} months"
    return [
        {"benchmark": "per-agent path", "measure": f"engine stepping, {N} x {MONTHS}, CPU", "value": engine_cpu,
         "unit": "s", "better": "lower"},
        {"benchmark": "per-agent path", "measure": f"per-agent stepping, {N} x {MONTHS}, CPU*",
         "value": N * MONTHS / ref_cpu_rate, "unit": "s", "better": "lower"},
        {"benchmark": "per-agent path", "measure": "engine throughput, CPU", "value": engine_rate,
         "unit": "settler-months/s", "better": "higher"},
        {"benchmark": "per-agent path", "measure": f"per-agent throughput, CPU ({note})", "value": ref_cpu_rate,
         "unit": "settler-months/s", "better": "higher"},
        {"benchmark": "per-agent path", "measure": "per-agent throughput, wall", "value": ref_wall_rate,
         "unit": "settler-months/s", "better": "higher"},
        {"benchmark": "per-agent path", "measure": "speed ratio engine / per-agent path", "value": engine_rate / ref_cpu_rate,
         "unit": "x", "target": 50, "better": "higher"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
