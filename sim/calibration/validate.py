"""Validation: how well the replay with the current parameters reproduces every target.

For each target: observed value, simulated mean over replicates with its 95% confidence
interval (t-based, as in ``summary.csv``), the tolerance and the acceptable range, and whether
the simulated mean lies within it; plus the average relative difference |sim - obs| / obs over
all targets (the error metric of Flee-style validation). ``resettle validate`` prints this,
writes ``validation.csv`` and draws ``validation.png`` (simulated against observed by year).

The hindcast (``hindcast``, ``resettle validate --hindcast``) runs the same replay and the same
table against the figures before 2020 in ``sim/data/hindcast.csv``, which calibration never sees:
``hindcast.csv``, ``hindcast.png`` and ``hindcast.md`` (the table as the docs show it).
"""

from __future__ import annotations

import json
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
# run size of the hindcast table in docs/validation.md: about 15 s on one core, CIs of about half a point on shares
HINDCAST_POPULATION, HINDCAST_REPLICATES = 20000, 10
PREDICTIVE_DRAWS = 40  # posterior rows replayed for the predictive check of ``resettle validate``
PREDICTIVE_QUANTILES = (0.025, 0.975)  # the 95% predictive interval


@dataclass
class Validation:
    """table: one row per target; seconds: run time; replicates, population: run size."""

    table: pd.DataFrame
    seconds: float
    replicates: int
    population: int
    name: str = "validation"  # file stem: validation or hindcast

    @property
    def mean_relative_difference(self) -> float:
        return float(self.table["relative_difference"].mean())

    def write(self, out_dir: str | Path) -> Path:
        """<name>.csv and <name>.png in ``out_dir`` (atomic writes); the hindcast also <name>.md."""
        out = Path(out_dir)
        store.write_csv(out / f"{self.name}.csv", self.table)
        figure(self.table, out / f"{self.name}.png")
        if self.name == "hindcast":
            with store.atomic_path(out / f"{self.name}.md") as tmp:
                tmp.write_text(markdown_table(self.table), encoding="utf-8")
        return out


def validate(targets: str | Path | pd.DataFrame | None = None, scenario: str | Path | Scenario | None = None, *,
             population: int = VALIDATION_POPULATION, replicates: int = VALIDATION_REPLICATES,
             seed: int | None = None, workers: int = 1,
             progress: bool = True) -> Validation:
    """Run the historical replay with the current parameters and hold it against the targets.

    ``seed``: base seed of the replicates (default ``VALIDATION_SEED``, not the calibration's).
    """
    t = targets if isinstance(targets, pd.DataFrame) else tg.load_targets(targets)
    return replay(t, scenario, population=population, replicates=replicates, seed=seed, workers=workers,
                  progress=progress)


def hindcast(figures: str | Path | pd.DataFrame | None = None, scenario: str | Path | Scenario | None = None, *,
             population: int = HINDCAST_POPULATION, replicates: int = HINDCAST_REPLICATES,
             seed: int | None = None, workers: int = 1, progress: bool = True) -> Validation:
    """The replay with the current parameters held against the figures before 2020 (``sim/data/hindcast.csv``).

    The same replay and table as ``validate``; the figures are validation only (calibration refuses them).
    """
    t = figures if isinstance(figures, pd.DataFrame) else tg.load_hindcast(figures)
    return replay(t, scenario, population=population, replicates=replicates, seed=seed, workers=workers,
                  progress=progress, name="hindcast")


def replay(t: pd.DataFrame, scenario: str | Path | Scenario | None = None, *, population: int, replicates: int,
           seed: int | None = None, workers: int = 1, progress: bool = True, name: str = "validation") -> Validation:
    """Run the history replay up to the last June the figures ``t`` need and tabulate the fit."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or HISTORY)
    last = max(tg.years_needed(t))
    months = months_between(parse_year_month(sc.start), (last, MID_YEAR_MONTH)) + 1
    if months < 1 or min(tg.years_needed(t)) < parse_year_month(sc.start)[0]:
        raise tg.TargetsError(f"figures from {min(tg.years_needed(t))} to {last}: the replay ({sc.name}) records "
                              f"from {sc.start} on")
    seed = VALIDATION_SEED if seed is None else seed
    result = run_scenario(sc, replicates=replicates, seed=seed, workers=workers, population=population,
                          months=months, progress=progress, ensemble="none")  # the calibrated point, not an ensemble
    sims = tg.extract(result.records, result.scenario.start, t)  # (replicates, targets)
    return Validation(fit_table(sims, t), result.seconds, replicates, population, name)


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
        "target": t["target"], "indicator": t["indicator"], "year": t["year"], "group": t["group"], "unit": t["unit"],
        "observed": obs, "simulated": mean, "difference": mean - obs, "ci_low": mean - half, "ci_high": mean + half,
        "tolerance": tol, "tolerance_kind": t["tolerance_kind"],
        "accept_low": np.where(factor, obs / tol, obs - tol), "accept_high": np.where(factor, obs * tol, obs + tol),
        "within": np.abs(z) <= 1, "standardised": z, "relative_difference": tg.relative_difference(mean, t),
        "source": t["source"],
    })


def posterior_predictive(t: pd.DataFrame, draws: int = PREDICTIVE_DRAWS, *, population: int = VALIDATION_POPULATION,
                         seed: int | None = None, workers: int = 1, progress: bool = True,
                         posterior_file: str | Path | None = None) -> pd.DataFrame:
    """The posterior predictive check of each figure: one replay at each of the first ``draws`` rows of the
    posterior file (seed i for row i), the 2.5-97.5% range of the simulated values (``predictive_low``,
    ``predictive_high``: parameter uncertainty and chance), and whether the published value lies inside the 95%
    predictive interval once the observation error and the stated discrepancy of the calibration are added
    (``inside_predictive``, as ``calibration.json``'s coverage counts). Raises ``PosteriorError`` without a file."""
    from concurrent.futures import ProcessPoolExecutor

    from sim.batch.backends import pool_context
    from sim.batch.runner import run_replicate
    from sim.batch.seeds import replicate_seeds
    from sim.calibration import posterior as post
    from sim.calibration.history_matching import DISCREPANCY_SD, OBSERVATION_SD

    frame = post.read(posterior_file)
    rows = frame.drop(columns=post.WEIGHT).head(draws).to_dict(orient="records")
    sc = load_scenario(HISTORY)
    last = max(tg.years_needed(t))
    months = months_between(parse_year_month(sc.start), (last, MID_YEAR_MONTH)) + 1
    sc = sc.with_overrides(**{"population.size": population, "months": months})
    seeds = replicate_seeds(VALIDATION_SEED if seed is None else seed, len(rows))
    jobs = [{**sc.model_kwargs(), **r} for r in rows]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
            records = list(pool.map(run_replicate, jobs, seeds))
    else:
        records = [run_replicate(j, s) for j, s in zip(jobs, seeds)]
    sims = np.concatenate([tg.extract(r, sc.start, t) for r in records])  # (draws, targets)
    z = tg.standardised(sims, t)
    # the calibration's discrepancy: the default, or the raised one of a figure it named a structural miss
    from sim.calibration.calibrate import calibration_path

    cal = json.loads(calibration_path().read_text()) if calibration_path().is_file() else {}
    raised = cal.get("observation_model", {}).get("structural_misses", {})
    disc = np.array([max(DISCREPANCY_SD, raised.get(name, 0.0)) for name in t["indicator"]])
    rng = np.random.default_rng(0 if seed is None else seed)
    noisy = z + rng.normal(0, 1, z.shape) * np.hypot(OBSERVATION_SD, disc)
    lo, hi = np.quantile(noisy, PREDICTIVE_QUANTILES, axis=0)
    sim_lo, sim_hi = np.quantile(sims, PREDICTIVE_QUANTILES, axis=0)
    return pd.DataFrame({"target": t["target"], "predictive_low": sim_lo, "predictive_high": sim_hi,
                         "inside_predictive": (lo <= 0) & (hi >= 0)})


def markdown_table(table: pd.DataFrame) -> str:
    """The fit table as a Markdown table (docs/validation.md's hindcast block)."""
    lines = ["| figure | year | group | published | model (95% CI) | difference | tolerance | within |",
             "|---|---:|---|---:|---|---:|---:|---|"]
    for r in table.itertuples():
        tol = f"x/{r.tolerance:g}" if r.tolerance_kind == "factor" else f"+/-{r.tolerance:g}"
        group = str(r.group).replace("|", "/")
        lines.append(f"| {r.indicator} | {r.year} | {group} | {r.observed:.1f} | {r.simulated:.1f} "
                     f"[{r.ci_low:.1f}, {r.ci_high:.1f}] | {r.difference:+.1f} | {tol} | {'yes' if r.within else 'no'} |")
    n = len(table)
    lines.append("")
    lines.append(f"Within tolerance: {int(table['within'].sum())} of {n}; average relative difference "
                 f"{float(table['relative_difference'].mean()):.3f}.")
    return "\n".join(lines) + "\n"
