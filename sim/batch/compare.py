"""Paired scenario comparisons with common random numbers.

Every scenario is run with the first (base) scenario's seed and number of replicates, so
replicate i of every scenario gets seed ``replicate_seeds(seed, n)[i]``: the same initial
population and the same random stream. The difference of each scenario from the base is then
estimated from the paired differences ``other_i - base_i`` (a t-based 95% interval), which is
much narrower than comparing two independent samples when the outcomes are positively
correlated, as common random numbers make them.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim import ensemble as ens
from sim import indicators
from sim.batch import store
from sim.batch.runner import CHANCE_REPLICATES, CONFIDENCE, RunResult, run_scenario, spread
from sim.scenario import Scenario, ScenarioError, load_scenario

DEFAULT_HORIZONS = (12, 36, 60)  # months after start: 1, 3 and 5 years
COLUMN = 10  # characters of a scenario's name in the printed table's header
COLUMNS = ["scenario", "indicator", "group", "horizon", "base_mean", "mean", "diff", "ci_low", "ci_high", "n",
           "ens_low", "ens_q25", "ens_q75", "ens_high", "p_better", "chance_diff", "chance_ci_low", "chance_ci_high",
           "param_share"]


@dataclass
class CompareResult:
    """Scenarios run with common random numbers, and their differences from the first.

    results: one ``RunResult`` per scenario, the base first (each holds ``.timeseries`` and ``.summary()``).
    table: DataFrame with ``COLUMNS`` (scenario, indicator, group, horizon [months], base_mean, mean,
        diff = mean - base_mean, ci_low, ci_high [95% CI of diff from paired differences], n [pairs];
        then over the members' paired differences: ens_low, ens_q25, ens_q75, ens_high [5th, 25th, 75th,
        95th percentiles], p_better [share of members whose difference goes in the indicator's better
        direction], chance_diff, chance_ci_low, chance_ci_high [the paired difference and its 95% CI at
        fixed parameters: chance only], param_share [share of the variance of the difference over the
        members due to the parameters]; see ``effect_spread``).
    horizons: months after start compared.
    """

    results: list[RunResult]
    table: pd.DataFrame
    horizons: list[int]

    @property
    def base(self) -> RunResult:
        return self.results[0]

    def write(self, out_dir: str | Path) -> Path:
        """Each scenario's outputs into ``out_dir/<scenario name>/`` and ``out_dir/comparison.csv`` (atomic)."""
        out = Path(out_dir)
        for r in self.results:
            r.write(out / r.scenario.name)
        store.write_csv(out / "comparison.csv", self.table)
        return out


def paired_difference(base: np.ndarray, other: np.ndarray) -> dict[str, np.ndarray]:
    """Paired difference of two arrays of replicates, shape (replicates, ...) each.

    Uses the replicates where both values exist. Returns base_mean, mean, diff, ci_low, ci_high, n,
    each of shape ``base.shape[1:]`` (CI NaN with fewer than 2 pairs).
    """
    both = ~np.isnan(base) & ~np.isnan(other)
    n = both.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        b = np.nanmean(np.where(both, base, np.nan), axis=0)
        o = np.nanmean(np.where(both, other, np.nan), axis=0)
        d = np.where(both, other - base, np.nan)
        diff = np.nanmean(d, axis=0)
        sd = np.nanstd(d, axis=0, ddof=1)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return {"base_mean": b, "mean": o, "diff": diff, "ci_low": diff - half, "ci_high": diff + half, "n": n}


def unpaired_difference(base: np.ndarray, other: np.ndarray) -> dict[str, np.ndarray]:
    """Welch's t interval of mean(other) - mean(base), ignoring the pairing (for contrast)."""
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        nb, no = (~np.isnan(base)).sum(axis=0), (~np.isnan(other)).sum(axis=0)
        vb, vo = np.nanvar(base, axis=0, ddof=1) / nb, np.nanvar(other, axis=0, ddof=1) / no
        se = np.sqrt(vb + vo)
        dof = (vb + vo) ** 2 / (vb**2 / np.maximum(nb - 1, 1) + vo**2 / np.maximum(no - 1, 1))
        diff = np.nanmean(other, axis=0) - np.nanmean(base, axis=0)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, dof) * se
    return {"diff": diff, "ci_low": diff - half, "ci_high": diff + half}


def compare(scenarios: Sequence[Scenario | str | Path], *, replicates: int | None = None, seed: int | None = None,
            workers: int = 1, population: int | None = None, months: int | None = None,
            horizons: Iterable[int] | None = None, progress: bool = True,
            on_replicate: Callable[[int], None] | None = None, ensemble: str | Path | pd.DataFrame | None = None,
            chance_replicates: int = CHANCE_REPLICATES) -> CompareResult:
    """Run scenarios with common random numbers and compare each with the first.

    Parameters
    ----------
    scenarios : two or more Scenarios or YAML paths; the first is the base
    replicates, seed : overrides of the base's values, which apply to every scenario
    population, months : overrides applied to every scenario (settlers, horizon in months)
    workers : local processes per scenario (results do not depend on it)
    horizons : months after start to compare (default 12, 36, 60; those beyond the shortest horizon skipped)
    on_replicate : called after each replicate of each scenario with its index (an exception it raises stops the run)
    ensemble : ``"posterior"``, ``"prior"``, ``"none"``, a file or a DataFrame (default ``sim.ensemble.default_spec()``):
        replicate i of every scenario uses parameter set i and seed i (paired on both)
    chance_replicates : with an ensemble, extra paired replicates at fixed parameters (chance only)

    Returns a ``CompareResult`` (``.table`` is the comparison DataFrame, ``.results`` the runs).
    """
    if len(scenarios) < 2:
        raise ScenarioError("compare: expected at least two scenarios (the first is the base)")
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    names = [s.name for s in loaded]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(f"compare: scenario names must differ (their outputs go to folders by name): {dupes[0]}")
    base = loaded[0].with_overrides(replicates=replicates, seed=seed, months=months,
                                    **{"population.size": population})
    runs = [base] + [s.with_overrides(replicates=base.replicates, seed=base.seed, months=months,
                                      **{"population.size": population}) for s in loaded[1:]]
    if progress and any(r.population != base.population for r in runs[1:]):
        print("note: the scenarios' populations differ, so their replicates start from different populations "
              "(the pairing is weaker)", file=sys.stderr)
    shortest = min(r.months for r in runs)
    wanted = sorted(set(DEFAULT_HORIZONS if horizons is None else horizons))
    hs = [h for h in wanted if 1 <= h <= shortest] or [shortest]
    label = ens.spec_label(ensemble)
    sets = ens.ensemble_sets(ensemble, base.replicates, base.seed)  # drawn once: the same members for every scenario
    results = [run_scenario(r, workers=workers, progress=progress, on_replicate=on_replicate,
                            ensemble="none" if sets is None else sets, chance_replicates=chance_replicates)
               for r in runs]
    for r in results:
        r.ensemble = label if sets is not None else "none"
    return CompareResult(results, comparison_table(results, hs), hs)


def effect_spread(base: np.ndarray, other: np.ndarray, base_chance: np.ndarray | None,
                  other_chance: np.ndarray | None, better: np.ndarray, ensemble: bool) -> dict[str, np.ndarray]:
    """Over the members: percentiles of the paired differences, p_better, the chance-only difference, param_share.

    ``better``: +1 where higher is better, -1 where lower is, 0 where the indicator has no direction
    (p_better NaN). p_better is the share of members (with both values) whose difference is strictly in
    the better direction; members are equally likely (weights are used up by resampling), so it is the
    probability over plausible parameter sets (and one replicate's chance) that the effect helps.
    """
    d = np.where(~np.isnan(base) & ~np.isnan(other), other - base, np.nan)
    dc = None if base_chance is None or other_chance is None else other_chance - base_chance
    sp = spread(d, dc, ensemble)
    valid = ~np.isnan(d)
    n = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        helps = np.where(valid, np.sign(d) * better == 1, False).sum(axis=0) / n
    p_better = np.where((better != 0) & (n > 0), helps, np.nan)
    return {"ens_low": sp["ens_low"], "ens_q25": sp["ens_q25"], "ens_q75": sp["ens_q75"], "ens_high": sp["ens_high"],
            "p_better": p_better, "chance_diff": sp["chance_mean"], "chance_ci_low": sp["chance_ci_low"],
            "chance_ci_high": sp["chance_ci_high"], "param_share": sp["param_share"]}


def better_signs(shape: tuple[int, ...]) -> np.ndarray:
    """+1 / -1 / 0 per (indicator, group) cell: the declared better direction of each indicator."""
    signs = np.array([{"higher": 1, "lower": -1}.get(i.better or "", 0) for i in indicators.INDICATOR_BY_NAME.values()])
    return np.broadcast_to(signs[:, None], shape)


def comparison_table(results: Sequence[RunResult], horizons: Sequence[int]) -> pd.DataFrame:
    """The paired differences of results[1:] from results[0] at each horizon (months), as ``COLUMNS``."""
    base = results[0]
    k, g = np.indices(base.records.shape[2:])
    inds = np.asarray(indicators.INDICATOR_NAMES)[k.ravel()]
    grps = np.asarray(indicators.GROUPS)[g.ravel()]
    frames = []
    better = better_signs(base.records.shape[2:])
    for other in results[1:]:
        for h in horizons:
            d = paired_difference(base.records[:, h - 1], other.records[:, h - 1])
            bc, oc = base.chance_records, other.chance_records
            e = effect_spread(base.records[:, h - 1], other.records[:, h - 1],
                              None if bc is None else bc[:, h - 1], None if oc is None else oc[:, h - 1],
                              better, base.parameter_sets is not None)
            frames.append(pd.DataFrame({"scenario": other.scenario.name, "indicator": inds, "group": grps,
                                        "horizon": h, **{c: v.ravel() for c, v in {**d, **e}.items()}}))
    table = pd.concat(frames, ignore_index=True)
    return table[table.n > 0][COLUMNS].reset_index(drop=True)


def format_comparison(result: CompareResult, indicator_names: Iterable[str], group: str = "all") -> list[str]:
    """Printable lines: each scenario's differences from the base, saying when the CI includes zero."""
    t = result.table
    wanted = list(indicator_names)
    t = t[(t.group == group) & t.indicator.isin(wanted)]
    base = result.base
    ensemble = base.parameter_sets is not None
    lines = []
    for other in result.results[1:]:
        name = other.scenario.name
        what = (f"{len(base.seeds)} paired members of the {base.ensemble} ensemble" if ensemble
                else f"{len(base.seeds)} paired replicates")
        lines.append(f"{name} vs {base.scenario.name} ({group}; {what}, "
                     f"{base.scenario.population.size} settlers; difference and 95% CI"
                     + ("; 90% interval over parameter sets, share of sets where it helps)" if ensemble else ")"))
        lines.append(f"  {'indicator':34s} {'month':>5s} {'base':>10s} {name[:COLUMN]:>10s} {'diff':>10s}   "
                     f"{'95% CI':23s}" + (f"  {'90% over parameters':23s} {'helps':>5s}" if ensemble else ""))
        rows = t[t.scenario == name].copy()
        rows["order"] = rows.indicator.map({n: i for i, n in enumerate(wanted)})
        for r in rows.sort_values(["order", "horizon"]).itertuples():
            if np.isnan(r.ci_low):
                ci, verdict = f"{'n/a':>23s}", "too few replicates for an interval"
            else:
                ci = f"[{r.ci_low:+10.3f}, {r.ci_high:+10.3f}]"
                if r.ci_low <= 0 <= r.ci_high:
                    verdict = "no clear difference (CI includes 0)"
                else:
                    verdict = "higher" if r.diff > 0 else "lower"
            more = ""
            if ensemble:
                helps = f"{r.p_better:5.0%}" if not np.isnan(r.p_better) else f"{'n/a':>5s}"
                more = f"  [{r.ens_low:+10.3f}, {r.ens_high:+10.3f}] {helps}"
            lines.append(f"  {r.indicator:34s} {r.horizon:5d} {r.base_mean:10.3f} {r.mean:10.3f} {r.diff:+10.3f}   "
                         f"{ci}{more}  {verdict}")
    return lines
