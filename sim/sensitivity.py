"""Global sensitivity: which uncertain behaviour parameters drive an outcome, or a policy's effect (SALib).

Two methods:

* ``delta`` (default): Borgonovo's moment-independent delta indices (``SALib.analyze.delta``, with the
  first-order Sobol' index estimated from the same sample) on an ensemble sample: the posterior once it
  exists, else the prior Latin hypercube (``sim.ensemble``). Any sample works, so it is the method for a
  posterior. ``samples`` members (default 96).
* ``sobol``: Sobol' first-order and total indices on the prior box (``SALib.sample.sobol``, Saltelli's
  scheme without second order, log-scale parameters sampled uniformly in the logarithm).
  ``samples`` is the base sample N (a power of 2, default 8): N x (D + 2) runs per scenario for D
  parameters.

With two scenarios, the target is the paired effect ``OTHER - BASE`` per sample row (same parameters,
same seed). Each row is one replicate, so chance adds noise to every index (larger populations cut it).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import ensemble as ens
from sim import indicators
from sim.batch import store
from sim.batch.members import run_members
from sim.scenario import Scenario, ScenarioError

METHODS = ("delta", "sobol")
DEFAULT_SAMPLES = {"delta": 96, "sobol": 8}
DEFAULT_POPULATION, DEFAULT_HORIZON = 1000, 36  # modest runs: a few minutes on 2 cores
TOP = 3  # drivers named in words
SAMPLER_SEEDS = 2**32  # SALib and scipy take 32-bit seeds: larger ones are folded
DUMMY = "dummy (noise floor)"  # a random input that drives nothing (delta only)
MIN_DELTA_SAMPLES = 30  # SALib's delta needs classes of at least 10 runs
BARS = 12  # parameters drawn per chart
SALIB_RESAMPLES = 100  # bootstrap resamples of SALib's confidence intervals (Sobol')
DELTA_RESAMPLES = 20  # the delta bootstrap is slow (a kernel density per parameter per resample)


@dataclass
class SensitivityResult:
    """table: indicator, horizon, target (level | effect), method, parameter, importance (delta or ST),
    importance_conf, S1, S1_conf, spearman (rank correlation of the parameter with the target), rank.
    samples: member, seed, the parameters, and one column per indicator (its level or effect)."""

    scenarios: list[Scenario]
    method: str
    table: pd.DataFrame
    samples: pd.DataFrame
    horizon: int
    ensemble: str

    @property
    def target(self) -> str:
        return "effect" if len(self.scenarios) > 1 else "level"

    def subject(self, indicator: str) -> str:
        label = indicators.INDICATOR_BY_NAME[indicator].label.lower()
        if len(self.scenarios) > 1:
            return f"the effect of {self.scenarios[1].name} (vs {self.scenarios[0].name}) on {label}"
        return f"{label} in {self.scenarios[0].name}"

    def drivers_in_words(self, top: int = TOP) -> list[str]:
        """One sentence per indicator naming its top drivers, how strong and in which direction."""
        lines = []
        for ind, t in self.table.groupby("indicator", sort=False):
            floor = t.loc[t.parameter == DUMMY, "importance"]
            t = t[t.parameter != DUMMY]
            if len(floor) and not np.isnan(floor.iloc[0]):
                t = t[t.importance > floor.iloc[0]]  # only drivers that stand above the noise floor
            t = t.sort_values("rank").head(top)
            if t.empty:
                lines.append(f"No parameter stands above the noise floor for {self.subject(ind)} at month "
                             f"{self.horizon} (delta of a dummy input {floor.iloc[0]:.2f}); more samples may tell.")
                continue
            parts = []
            what = "the effect" if len(self.scenarios) > 1 else "it"
            for r in t.itertuples():
                way = "rises" if r.spearman > 0 else "falls"
                parts.append(f"`{r.parameter}` ({'delta' if self.method == 'delta' else 'ST'} {r.importance:.2f}; "
                             f"{what} {way} with it)")
            noise = f" (noise floor: delta {floor.iloc[0]:.2f})" if len(floor) else ""
            lines.append(f"The top drivers of {self.subject(ind)} at month {self.horizon} are " + ", ".join(parts)
                         + noise + ".")
        return lines

    def write(self, out_dir: str | Path) -> Path:
        """sensitivity.csv, samples.csv, sensitivity.md and figures/sensitivity_<indicator>.png."""
        from sim.plots.sensitivity import sensitivity_plots
        from sim.plots.style import save

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        store.write_csv(out / "sensitivity.csv", self.table)
        store.write_csv(out / "samples.csv", self.samples)
        figures = []
        for plot in sensitivity_plots(self):
            figures.append(save(plot, out / "figures").relative_to(out))
        names = " vs ".join(s.name for s in self.scenarios[::-1]) if len(self.scenarios) > 1 else self.scenarios[0].name
        how = ("moment-independent delta, SALib.analyze.delta" if self.method == "delta"
               else "Sobol' first-order and total, SALib.analyze.sobol")
        text = [f"# Sensitivity: {names}", "",
                f"Method: {self.method} ({how}), "
                f"{len(self.samples)} runs per scenario, ensemble {self.ensemble}, month {self.horizon}.", "",
                *[f"* {line}" for line in self.drivers_in_words()], "",
                *[f"![{f.stem}]({f})" for f in figures], ""]
        store.write_text(out / "sensitivity.md", "\n".join(text))
        store.write_json(out / "manifest.json", {
            "scenarios": [s.model_dump(mode="json") for s in self.scenarios], "method": self.method,
            "runs_per_scenario": len(self.samples), "horizon": self.horizon, "ensemble": self.ensemble,
            "versions": store.versions(), "git_commit": store.git_commit()})
        return out


def _problem(names: Sequence[str]) -> tuple[dict[str, Any], list[bool]]:
    """SALib problem over the prior box, log-scale parameters in the logarithm."""
    bounds = ens.fitted_bounds()
    logs, b = [], []
    for n in names:
        lo, hi, log = bounds[n]
        logs.append(log)
        b.append([np.log(lo), np.log(hi)] if log else [lo, hi])
    return {"num_vars": len(names), "names": list(names), "bounds": b}, logs


def sensitivity(scenarios: Sequence[Scenario], *, method: str = "delta", samples: int | None = None,
                ensemble: str | Path | pd.DataFrame | None = None, seed: int | None = None,
                horizon: int | None = None, indicator_names: Sequence[str] | None = None,
                workers: int | None = None, progress: bool = True) -> SensitivityResult:
    """Global sensitivity of one scenario's outcomes, or of the effect of ``scenarios[1]`` against ``scenarios[0]``.

    ensemble (delta only): the sample (default: the posterior once it exists, else ``prior``; ``none`` is refused).
    seed: of the sample and of the runs (default: the base scenario's). horizon: month (default 36 or the
    shortest horizon). indicator_names: default the headline indicators.
    """
    if method not in METHODS:
        raise ScenarioError(f"sensitivity: method: expected one of {', '.join(METHODS)}, got {method!r}")
    if not 1 <= len(scenarios) <= 2:
        raise ScenarioError("sensitivity: expected one scenario, or a base and another")
    base = scenarios[0]
    seed = base.seed if seed is None else seed
    n = DEFAULT_SAMPLES[method] if samples is None else samples
    months = min(s.months for s in scenarios)
    h = min(DEFAULT_HORIZON, months) if horizon is None else horizon
    if not 1 <= h <= months:
        raise ScenarioError(f"sensitivity: horizon {h} is outside 1-{months} months")
    names = list(indicator_names or indicators.HEADLINE)
    if method == "delta" and n < MIN_DELTA_SAMPLES:
        raise ScenarioError(f"sensitivity: --samples for delta must be at least {MIN_DELTA_SAMPLES} "
                            f"(its estimator needs classes of 10 runs), got {n}")
    if method == "sobol":
        if n < 2 or n & (n - 1):
            raise ScenarioError(f"sensitivity: --samples for sobol is the base sample N, a power of 2; got {n}")
        from SALib.sample import sobol as sobol_sample

        params = list(ens.fitted_bounds())
        problem, logs = _problem(params)
        x = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed % SAMPLER_SEEDS)
        sets = pd.DataFrame({p: np.exp(x[:, j]) if logs[j] else x[:, j] for j, p in enumerate(params)})
        label = "prior box (Sobol' sequence)"
    else:
        spec = ens.default_spec() if ensemble is None else ensemble
        if isinstance(spec, str) and spec == "none":
            spec = "prior"  # no ensemble means nothing varies: use the prior box
        sets = ens.ensemble_sets(spec, n, seed)
        assert sets is not None
        label = ens.spec_label(spec)
    runs = [s.with_overrides(seed=seed) for s in scenarios]
    values, seeds = run_members(runs, sets, seed, [h], names, workers=workers, progress=progress, desc="sensitivity")
    y = values[1, :, 0] - values[0, :, 0] if len(runs) > 1 else values[0, :, 0]  # (members, indicators)

    frames = []
    for k, ind in enumerate(names):
        yk = y[:, k]
        if np.isnan(yk).any() or np.nanstd(yk) == 0:
            continue  # undefined at this horizon, or not moved by anything
        if method == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(problem, yk, calc_second_order=False, num_resamples=SALIB_RESAMPLES, seed=seed % SAMPLER_SEEDS)
            df = pd.DataFrame({"parameter": params, "importance": si["ST"], "importance_conf": si["ST_conf"],
                               "S1": si["S1"], "S1_conf": si["S1_conf"]})
        else:
            from SALib.analyze import delta

            varying = [c for c in sets.columns if sets[c].nunique() > 1]
            problem, logs = _problem(varying)
            xs = np.column_stack([np.log(sets[c]) if lg else sets[c] for c, lg in zip(varying, logs)])
            # a dummy input the model never sees: its delta is the estimator's bias at this sample size, the noise floor
            xs = np.column_stack([xs, np.random.default_rng(seed).random(len(xs))])
            problem = {"num_vars": len(varying) + 1, "names": [*varying, DUMMY], "bounds": [*problem["bounds"], [0, 1]]}
            fmt = warnings.formatwarning  # SALib's delta replaces it and sets a filter of its own: put both back
            with warnings.catch_warnings(record=True):  # its notices about bins, recorded and dropped
                warnings.simplefilter("ignore")
                si = delta.analyze(problem, xs, yk, num_resamples=DELTA_RESAMPLES, seed=seed % SAMPLER_SEEDS)
            warnings.formatwarning = fmt
            # delta_raw: Borgonovo's delta by Plischke's estimator (SALib's 'balanced' bins the inputs first)
            df = pd.DataFrame({"parameter": [*varying, DUMMY], "importance": si["delta_raw"],
                               "importance_conf": si["delta_raw_conf"],
                               "S1": si["S1"], "S1_conf": si["S1_conf"]})
        df["spearman"] = [stats.spearmanr(sets[p], yk).statistic if p in sets else np.nan for p in df.parameter]
        df["rank"] = df.importance.rank(ascending=False, method="first", na_option="bottom").astype(int)
        df.insert(0, "method", method)
        df.insert(0, "target", "effect" if len(runs) > 1 else "level")
        df.insert(0, "horizon", h)
        df.insert(0, "indicator", ind)
        frames.append(df.sort_values("rank"))
    if not frames:
        raise ScenarioError(f"sensitivity: no indicator varies at month {h} (too short a horizon?)")
    table = pd.concat(frames, ignore_index=True)
    samples_df = sets.reset_index(drop=True).rename_axis("member").reset_index()
    samples_df.insert(1, "seed", seeds)
    for k, ind in enumerate(names):
        samples_df[ind] = y[:, k]
    return SensitivityResult(runs, method, table, samples_df, h, label)
