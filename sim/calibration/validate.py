"""Validation: how well the replay with the current parameters reproduces every target.

For each target: observed value, simulated mean over replicates with its 95% confidence
interval (t-based, as in ``summary.csv``), the tolerance and the acceptable range, and whether
the simulated mean lies within it; plus the average relative difference |sim - obs| / obs over
all targets (the error metric of Flee-style validation). ``resettle validate`` prints this,
writes ``validation.csv`` and draws ``validation.png`` (simulated against observed by year).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.batch import store
from sim.batch.runner import CONFIDENCE, MID_YEAR_MONTH, run_scenario
from sim.calibration import targets as tg
from sim.calibration.calibrate import HISTORY
from sim.clock import months_between, parse_year_month
from sim.plots.validation import figure
from sim.scenario import Scenario, load_scenario

VALIDATION_SEED = 20251231  # default base seed: other random streams than the calibration's (history.yaml's seed)
VALIDATION_POPULATION, VALIDATION_REPLICATES = 5000, 10  # default run size: CIs of about a point on shares


@dataclass
class Validation:
    """table: one row per target; seconds: run time; replicates, population: run size."""

    table: pd.DataFrame
    seconds: float
    replicates: int
    population: int

    @property
    def mean_relative_difference(self) -> float:
        return float(self.table["relative_difference"].mean())

    def write(self, out_dir: str | Path) -> Path:
        """validation.csv and validation.png in ``out_dir`` (atomic writes)."""
        out = Path(out_dir)
        store.write_csv(out / "validation.csv", self.table)
        figure(self.table, out / "validation.png")
        return out


def validate(targets: str | Path | pd.DataFrame | None = None, scenario: str | Path | Scenario | None = None, *,
             population: int = VALIDATION_POPULATION, replicates: int = VALIDATION_REPLICATES,
             seed: int | None = None, workers: int = 1,
             progress: bool = True) -> Validation:
    """Run the historical replay with the current parameters and hold it against the targets.

    ``seed``: base seed of the replicates (default ``VALIDATION_SEED``, not the calibration's).
    """
    t = targets if isinstance(targets, pd.DataFrame) else tg.load_targets(targets)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or HISTORY)
    last = max(tg.years_needed(t))
    months = months_between(parse_year_month(sc.start), (last, MID_YEAR_MONTH)) + 1
    seed = VALIDATION_SEED if seed is None else seed
    result = run_scenario(sc, replicates=replicates, seed=seed, workers=workers, population=population,
                          months=months, progress=progress)
    sims = tg.extract(result.records, result.scenario.start, t)  # (replicates, targets)
    return Validation(fit_table(sims, t), result.seconds, replicates, population)


def fit_table(sims: np.ndarray, t: pd.DataFrame) -> pd.DataFrame:
    """Per-target fit from simulated values of shape (replicates, targets)."""
    r = sims.shape[0]
    mean = sims.mean(axis=0)
    sd = sims.std(axis=0, ddof=1) if r > 1 else np.zeros_like(mean)
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, max(r - 1, 1)) * sd / np.sqrt(r)
    obs, tol = t["value"].to_numpy(float), t["tolerance"].to_numpy(float)
    factor = (t["tolerance_kind"] == "factor").to_numpy()
    z = tg.standardised(mean, t)
    return pd.DataFrame({
        "target": t["target"], "indicator": t["indicator"], "year": t["year"], "unit": t["unit"],
        "observed": obs, "simulated": mean, "ci_low": mean - half, "ci_high": mean + half,
        "tolerance": tol, "tolerance_kind": t["tolerance_kind"],
        "accept_low": np.where(factor, obs / tol, obs - tol), "accept_high": np.where(factor, obs * tol, obs + tol),
        "within": np.abs(z) <= 1, "standardised": z, "relative_difference": tg.relative_difference(mean, t),
        "source": t["source"],
    })
