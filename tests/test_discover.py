"""Issue 14: scenario discovery with PRIM finds the region where a policy's effect fails, and says it in words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import sim.discover as disc
from sim.cli import main
from sim.indicators import INDICATOR_NAMES
from sim.scenario import Scenario

BASE = Scenario(name="base", population={"size": 200}, months=12, seed=2)
OTHER = Scenario(name="mentor", population={"size": 200}, months=12, seed=2, policy={"mentorship_coverage": 0.8})
REPO = Path(__file__).resolve().parents[1]


def test_prim_box_recovers_a_known_failure_region(monkeypatch) -> None:
    """A stand-in model: the effect on employment is negative exactly when job_offer_rate > 1 (plus noise)."""
    rng = np.random.default_rng(1)

    def fake(scenarios, sets, seed, horizons, names, **kw):
        n = len(sets)
        base = 50 + rng.normal(0, 0.1, n)
        effect = np.where(sets.job_offer_rate.to_numpy() > 1.0, -0.5, 0.5) + rng.normal(0, 0.1, n)
        values = np.stack([base, base + effect])[:, :, None, None]
        return values, list(range(n))

    monkeypatch.setattr(disc, "run_members", fake)
    r = disc.discover(BASE, OTHER, "employment_rate", samples=200, horizon=12, ensemble="prior", progress=False)
    truth = r.samples.job_offer_rate > 1.0
    assert (r.samples.fails == truth).mean() > 0.95
    lim = disc.restricted_limits(r, 1).set_index("parameter")
    assert "job_offer_rate" in lim.index
    assert 0.8 < lim.loc["job_offer_rate", "low"] < 1.25
    box = r.boxes[r.boxes.box == 1].iloc[0]
    assert box.coverage > 0.8 and box.density > 0.8
    assert r.sentences[0].startswith("Box 1: mentor does not raise employment rate after 1 year when `job_offer_rate` > ")
    assert "coverage" in r.sentences[0] and "density" in r.sentences[0]


def test_discover_command_runs_end_to_end(tmp_path: Path, capsys) -> None:
    out = tmp_path / "d"
    code = main(["discover", str(REPO / "scenarios" / "baseline.yaml"), str(REPO / "scenarios" / "mentorship.yaml"),
                 "--indicator", "no_one_to_ask_when_sick", "--population", "200", "--months", "12", "--samples", "12",
                 "--quiet", "--workers", "1", "--out", str(out)])
    assert code == 0
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 12 and {"effect", "fails", "job_offer_rate"} <= set(samples.columns)
    k = INDICATOR_NAMES.index("no_one_to_ask_when_sick")
    assert k >= 0 and (out / "discover.md").read_text().startswith("# Where mentorship fails")
    assert main(["discover", str(REPO / "scenarios" / "baseline.yaml"), str(REPO / "scenarios" / "mentorship.yaml"),
                 "--indicator", "economically_inactive", "--quiet"]) == 2
    assert "no declared better direction" in capsys.readouterr().err


def test_failures_by_chance_give_no_box(monkeypatch) -> None:
    """Effects that fail at random (independent of every parameter): no restriction survives the quasi-p test."""
    rng = np.random.default_rng(4)

    def fake(scenarios, sets, seed, horizons, names, **kw):
        n = len(sets)
        effect = np.where(rng.random(n) < 0.2, -0.5, 0.5)
        return np.stack([np.zeros(n), effect])[:, :, None, None], list(range(n))

    monkeypatch.setattr(disc, "run_members", fake)
    r = disc.discover(BASE, OTHER, "employment_rate", samples=150, horizon=12, ensemble="prior", progress=False)
    assert disc.restricted_limits(r, 1).empty
    assert "PRIM finds no parameter region where mentor fails to raise employment rate" in r.sentences[0]
