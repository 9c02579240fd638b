"""One run of the engine: 34,000 settlers over 120 months (seconds, settler-months/s, memory)."""

from __future__ import annotations

import time
import tracemalloc

from sim import ResettlementModel

N, MONTHS = 34_000, 120


def run() -> list[dict]:
    t0 = time.perf_counter()
    model = ResettlementModel(n_settlers=N, months=MONTHS, rng=1, agent_views=False)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    while model.running:
        model.step()
    stepping = time.perf_counter() - t0
    tracemalloc.start()
    model = ResettlementModel(n_settlers=N, months=12, rng=1, agent_views=False)
    while model.running:
        model.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return [
        {"benchmark": "engine", "measure": f"set-up, {N} settlers", "value": setup, "unit": "s", "better": "lower"},
        {"benchmark": "engine", "measure": f"stepping, {N} settlers x {MONTHS} months", "value": stepping,
         "unit": "s", "target": 1.0, "better": "lower"},
        {"benchmark": "engine", "measure": "throughput", "value": N * MONTHS / stepping, "unit": "settler-months/s",
         "target": 2e6, "better": "higher"},
        {"benchmark": "engine", "measure": f"peak traced memory, {N} settlers", "value": peak / 1e6, "unit": "MB",
         "better": "lower"},
    ]
