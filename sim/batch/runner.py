"""Run a scenario's replicates (in-process or on a local process pool) and summarise them.

Replicate i always gets seed ``replicate_seeds(seed, n)[i]``, so results are identical for
a seed whatever the number of workers, and replicate i of two scenarios shares its random
stream and initial population (common random numbers).
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

from sim import ensemble as ens
from sim import indicators
from sim.batch import store
from sim.batch.backends import pool_context
from sim.batch.seeds import replicate_seeds
from sim.clock import parse_year_month
from sim.model import ResettlementModel
from sim.scenario import Scenario, load_scenario
from sim.state import LABOUR_NAMES, PENDING, STATUS_NAMES

CONFIDENCE = 0.95
SECONDS_DIGITS = 3  # run times are written to the millisecond
MID_YEAR_MONTH = 6  # surveys are taken mid-year: annual indicators are read at the end of June
SETTLER_COLUMNS = ("wage", "depression", "ptsd", "loneliness", "settler_ties", "sk_ties")
CHANCE_REPLICATES = 10  # default extra replicates at fixed parameters when an ensemble is used (chance variance)
ENSEMBLE_BANDS = (5, 25, 75, 95)  # percentiles over the members: the 90% and 50% bands
SPREAD_COLUMNS = ["ens_low", "ens_q25", "ens_q75", "ens_high", "chance_mean", "chance_ci_low", "chance_ci_high",
                  "chance_sd", "param_share"]


def run_replicate(model_kwargs: dict[str, Any], seed: int) -> np.ndarray:
    """Run one model to its horizon; the indicator record, shape (months, indicators, groups)."""
    model = ResettlementModel(rng=seed, agent_views=False, **model_kwargs)
    while model.running:
        model.step()
    return model.record


def run_replicate_with_settlers(model_kwargs: dict[str, Any], seed: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Like ``run_replicate``, plus the end-of-horizon traits of every settler (``settlers_frame``)."""
    model = ResettlementModel(rng=seed, agent_views=False, **model_kwargs)
    while model.running:
        model.step()
    return model.record, settlers_frame(model)


def settlers_frame(model: ResettlementModel) -> pd.DataFrame:
    """One row per settler who has arrived, at the last recorded month.

    Columns: wage (10k KRW per month, 0 when not employed), depression, ptsd, loneliness (scores 0-1),
    settler_ties, sk_ties (ties), status, labour (names from sim.state), female (bool),
    age (whole years), years_since_arrival (1 = first year).
    """
    s = model.state
    t = model.clock.month - 1
    rows = (s.status != PENDING) & s.defector  # settlers: children born outside the North are not in the surveys
    df = pd.DataFrame({c: getattr(s, c)[rows] for c in SETTLER_COLUMNS})
    df["status"] = pd.Categorical.from_codes(s.status[rows], STATUS_NAMES)
    df["labour"] = pd.Categorical.from_codes(s.labour[rows], LABOUR_NAMES)
    df["female"] = s.female[rows]
    df["age"] = ((t - s.birth_month[rows]) // 12).astype(np.int16)
    df["years_since_arrival"] = ((t - s.arrival_month[rows]) // 12 + 1).astype(np.int16)
    return df


@dataclass
class RunResult:
    """A scenario's replicates.

    records: shape (replicates, months, indicators, groups); month m (1-based) is records[:, m-1].
    """

    scenario: Scenario
    seeds: list[int]
    records: np.ndarray
    seconds: float
    started: str
    workers: int
    extra: dict[str, Any] = field(default_factory=dict)
    settlers: pd.DataFrame | None = None  # end-of-horizon traits of replicate 0's settlers (settlers_frame)
    parameter_sets: pd.DataFrame | None = None  # member i's parameter values (row i), None without an ensemble
    chance: np.ndarray | None = None  # records of the replicates at fixed parameters (seeds[:k]), with an ensemble
    ensemble: str = "none"  # the spec the members came from

    @property
    def chance_records(self) -> np.ndarray | None:
        """Replicates at fixed parameters: the extra ones with an ensemble, all of them without."""
        return self.records if self.parameter_sets is None else self.chance

    @property
    def timeseries(self) -> pd.DataFrame:
        """Tidy: replicate, month (1..months), indicator, group, value."""
        return tidy(self.records)

    def summary(self, month: int | None = None) -> pd.DataFrame:
        """indicator, group, mean, sd, ci_low, ci_high, n at ``month`` (default: the horizon)."""
        m = self.records.shape[1] if month is None else month
        chance = self.chance_records
        return summarise(self.records[:, m - 1], None if chance is None else chance[:, m - 1],
                         ensemble=self.parameter_sets is not None)

    def annual(self) -> pd.DataFrame:
        """year, indicator, group, mean, ci_low, ci_high: mid-year values of every recorded year (empty if none)."""
        frames = [summarise(self.records[:, i]).assign(year=year)  # mean and CI over replicates (members)
                  for year, i in mid_year_months(self.scenario.start, self.records.shape[1]).items()]
        cols = ["year", "indicator", "group", "mean", "ci_low", "ci_high"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)

    def manifest(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "replicates": len(self.seeds),
            "seed": self.scenario.seed,
            "replicate_seeds": self.seeds,
            "workers": self.workers,
            "started": self.started,
            "seconds": round(self.seconds, SECONDS_DIGITS),
            "versions": store.versions(),
            "git_commit": store.git_commit(),
            "indicators": {i.name: {"unit": i.unit, "definition": i.definition} for i in indicators.INDICATORS},
            "groups": list(indicators.GROUPS),
            "ensemble": self.ensemble_manifest(),
            **self.extra,
        }

    def ensemble_manifest(self) -> dict[str, Any]:
        ps = self.parameter_sets
        return {"spec": self.ensemble, "members": 0 if ps is None else len(ps),
                "parameters": [] if ps is None else list(ps.columns),
                "chance_replicates": 0 if self.chance is None else len(self.chance)}

    def write(self, out_dir: str | Path) -> Path:
        """Write manifest.json, timeseries.parquet, summary.csv (and settlers.parquet, annual.csv) into ``out_dir`` (atomic)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        store.write_parquet(out / "timeseries.parquet", self.timeseries)
        if self.settlers is not None:
            store.write_parquet(out / "settlers.parquet", self.settlers)
        store.write_csv(out / "summary.csv", self.summary())
        if self.parameter_sets is not None:  # member, seed, parameter values: what each replicate assumed
            store.write_csv(out / "ensemble.csv", self.parameter_sets.reset_index().assign(
                seed=self.seeds)[["member", "seed", *self.parameter_sets.columns]])
            if self.chance is not None:
                store.write_parquet(out / "chance_timeseries.parquet", tidy(self.chance))
        annual = self.annual()
        if len(annual):
            store.write_csv(out / "annual.csv", annual)
        store.write_json(out / "manifest.json", self.manifest())
        return out


def mid_year_months(start: str, months: int) -> dict[int, int]:
    """{calendar year: record index} of each recorded June for a run starting at ``start`` ("YYYY-MM")."""
    year, month = parse_year_month(start)
    first = (MID_YEAR_MONTH - month) % 12  # index of the first recorded June
    return {year + (month - 1 + i) // 12: i for i in range(first, months, 12)}


def tidy(records: np.ndarray) -> pd.DataFrame:
    """(replicates, months, indicators, groups) -> long DataFrame, NaN values dropped."""
    rep, month, ind, grp = np.indices(records.shape).reshape(records.ndim, -1)
    df = pd.DataFrame({
        "replicate": rep.astype(np.int32),
        "month": (month + 1).astype(np.int32),
        "indicator": pd.Categorical.from_codes(ind, indicators.INDICATOR_NAMES),
        "group": pd.Categorical.from_codes(grp, indicators.GROUPS),
        "value": records.reshape(-1),
    })
    return df[df.value.notna()].reset_index(drop=True)


def summarise(values: np.ndarray, chance: np.ndarray | None = None, ensemble: bool = False) -> pd.DataFrame:
    """values shape (replicates, indicators, groups) -> mean, sd, t-based 95% CI and the spread columns per cell.

    ``chance``: replicates at fixed parameters (shape (k, indicators, groups)); ``ensemble``: whether
    ``values`` are ensemble members (see ``spread``). Without either, only chance varies.
    """
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells (e.g. no one employed) stay NaN
        n = np.sum(~np.isnan(values), axis=0)
        mean = np.nanmean(values, axis=0)
        sd = np.nanstd(values, axis=0, ddof=1) if values.shape[0] > 1 else np.full(mean.shape, np.nan)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    k, g = np.indices(mean.shape)
    spread_cols = spread(values, values if chance is None and not ensemble else chance, ensemble)
    df = pd.DataFrame({
        "indicator": np.asarray(indicators.INDICATOR_NAMES)[k.ravel()],
        "group": np.asarray(indicators.GROUPS)[g.ravel()],
        "mean": mean.ravel(), "sd": sd.ravel(),
        "ci_low": (mean - half).ravel(), "ci_high": (mean + half).ravel(), "n": n.ravel(),
        **{c: v.ravel() for c, v in spread_cols.items()},
    })
    return df[df.n > 0].reset_index(drop=True)


def t_interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """mean, t-based 95% CI (low, high) and sd over axis 0, ignoring NaN (CI NaN with fewer than 2 values)."""
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        n = np.sum(~np.isnan(values), axis=0)
        mean = np.nanmean(values, axis=0)
        sd = np.nanstd(values, axis=0, ddof=1)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half, np.where(n >= 2, sd, np.nan)


def spread(values: np.ndarray, chance: np.ndarray | None, ensemble: bool) -> dict[str, np.ndarray]:
    """The spread of replicates over the ensemble, and how much of it the parameters make. Axis 0: replicates.

    ens_low, ens_q25, ens_q75, ens_high: the 5th, 25th, 75th and 95th percentiles over the members
    (the 90% and 50% bands; over replicates when there is no ensemble). chance_mean, chance_ci_low,
    chance_ci_high, chance_sd: mean, 95% CI and sd of the replicates at fixed parameters (``chance``).
    param_share: the share of the variance over the members that the parameters make, by the law of
    total variance, Var(Y) = E[Var(Y | theta)] + Var(E[Y | theta]): 1 - chance_sd^2 / Var(Y), clipped
    to [0, 1], taking the chance variance at fixed parameters as E[Var(Y | theta)]. 0 without an
    ensemble, NaN with an ensemble but no chance replicates.
    """
    shape = values.shape[1:]
    nan = np.full(shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanpercentile(values, ENSEMBLE_BANDS, axis=0) if len(values) else np.full((len(ENSEMBLE_BANDS), *shape), np.nan)
        total = np.nanvar(values, axis=0, ddof=1)
        if chance is None or len(chance) == 0:
            cm = clo = chi = csd = nan
            share = nan
        else:
            cm, clo, chi, csd = t_interval(chance)
            share = np.clip(1 - csd**2 / total, 0, 1) if ensemble else np.where(np.isnan(csd), np.nan, 0.0)
            share = np.where(total > 0, share, np.nan) if ensemble else share
    low, q25, q75, high = q
    return {"ens_low": low, "ens_q25": q25, "ens_q75": q75, "ens_high": high, "chance_mean": cm,
            "chance_ci_low": clo, "chance_ci_high": chi, "chance_sd": csd, "param_share": share}


def run_scenario(scenario: Scenario | str | Path, *, replicates: int | None = None, seed: int | None = None,
                 workers: int = 1, population: int | None = None, months: int | None = None,
                 progress: bool = True, on_replicate: Callable[[int], None] | None = None,
                 ensemble: str | Path | pd.DataFrame | None = None,
                 chance_replicates: int = CHANCE_REPLICATES) -> RunResult:
    """Run a scenario's replicates and return them.

    Parameters
    ----------
    scenario : Scenario or path to a YAML file
    replicates, seed, population, months : optional overrides of the scenario's values
    workers : processes (1 = in this process); results do not depend on it
    progress : show a progress bar on stderr
    ensemble : ``"posterior"``, ``"prior"``, ``"none"``, an ensemble file, or a DataFrame of parameter sets
        (one row per replicate at least); default ``sim.ensemble.default_spec()``. Replicate i uses
        parameter set i and seed i; values the scenario sets itself stay as set.
    chance_replicates : with an ensemble, extra replicates at fixed parameters (the defaults; seeds
        ``seeds[:k]``) measuring chance alone (``chance`` columns, ``param_share``); 0 for none
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario = scenario.with_overrides(replicates=replicates, seed=seed, months=months,
                                       **{"population.size": population})
    seeds = replicate_seeds(scenario.seed, scenario.replicates)
    kwargs = scenario.model_kwargs()
    label = ens.spec_label(ensemble)
    sets = ens.ensemble_sets(ensemble, len(seeds), scenario.seed)
    if sets is not None and len(sets) < len(seeds):
        raise ens.EnsembleError(f"{label}: {len(sets)} parameter sets for {len(seeds)} replicates "
                                "(expected one per replicate)")
    fixed = set(scenario.behaviour.model_dump(exclude_none=True))
    # (index, kwargs, seed): members first, then the chance replicates at fixed parameters
    tasks = [(i, ens.member_kwargs(kwargs, None if sets is None else sets.iloc[i], fixed), s)
             for i, s in enumerate(seeds)]
    k = 0 if sets is None else min(chance_replicates, len(seeds))
    tasks += [(len(seeds) + j, kwargs, seeds[j]) for j in range(k)]
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    records: list[np.ndarray | None] = [None] * len(tasks)
    settlers: pd.DataFrame | None = None
    bar = tqdm(total=len(tasks), desc=scenario.name, unit="run", disable=not progress, file=sys.stderr,
               leave=False)
    try:
        if workers <= 1:
            for i, kw, s in tasks:
                if i == 0:
                    records[i], settlers = run_replicate_with_settlers(kw, s)
                else:
                    records[i] = run_replicate(kw, s)
                bar.update()
                if on_replicate:
                    on_replicate(i)
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
                futures = {pool.submit(run_replicate_with_settlers if i == 0 else run_replicate, kw, s): i
                           for i, kw, s in tasks}
                for fut in as_completed(futures):
                    if futures[fut] == 0:
                        records[0], settlers = fut.result()
                    else:
                        records[futures[fut]] = fut.result()
                    bar.update()
    finally:
        bar.close()
    stacked = np.stack(records)
    n = len(seeds)
    return RunResult(scenario, seeds, stacked[:n], time.perf_counter() - t0, started, workers, settlers=settlers,
                     parameter_sets=sets, chance=stacked[n:] if sets is not None else None,
                     ensemble=label if sets is not None else "none")
