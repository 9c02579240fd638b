"""The explorer's update time: from a changed lever to updated numbers.

``sim.explore.update.update`` with the app's defaults (2,000 settlers x 60 months x 20 paired replicates,
base and variant: 40 runs in one process), after one warm-up update (compilation and input loading happen once
per server, not per change). The issue's target: 3 s.
"""

from __future__ import annotations

import time
from pathlib import Path

from sim.explore.update import DEFAULT_MONTHS, DEFAULT_REPLICATES, DEFAULT_SETTLERS, Settings, update

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
TARGET_S = 3.0


def run() -> list[dict]:
    update(Settings(BASE, {"mentorship_coverage": 0.5}, months=12, settlers=100, replicates=2))  # warm-up
    t0 = time.perf_counter()
    answer = update(Settings(BASE, {"mentorship_coverage": 0.8}))
    seconds = time.perf_counter() - t0
    assert answer.effect("no_one_to_ask_when_sick", 12)["diff"] < 0
    label = f"{DEFAULT_SETTLERS} settlers x {DEFAULT_MONTHS} months x {DEFAULT_REPLICATES} replicates"
    return [{"benchmark": "explore", "measure": f"lever change to numbers, {label}", "value": seconds, "unit": "s",
             "target": TARGET_S, "better": "lower"}]


if __name__ == "__main__":
    for row in run():
        print(row)
