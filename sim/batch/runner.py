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

from sim import indicators
from sim.batch import store
from sim.batch.seeds import replicate_seeds
from sim.model import ResettlementModel
from sim.scenario import Scenario, load_scenario

CONFIDENCE = 0.95


def run_replicate(model_kwargs: dict[str, Any], seed: int) -> np.ndarray:
    """Run one model to its horizon; the indicator record, shape (months, indicators, groups)."""
    model = ResettlementModel(rng=seed, agent_views=False, **model_kwargs)
    while model.running:
        model.step()
    return model.record


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

    @property
    def timeseries(self) -> pd.DataFrame:
        """Tidy: replicate, month (1..months), indicator, group, value."""
        return tidy(self.records)

    def summary(self, month: int | None = None) -> pd.DataFrame:
        """indicator, group, mean, sd, ci_low, ci_high, n at ``month`` (default: the horizon)."""
        m = self.records.shape[1] if month is None else month
        return summarise(self.records[:, m - 1])

    def manifest(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "replicates": len(self.seeds),
            "seed": self.scenario.seed,
            "replicate_seeds": self.seeds,
            "workers": self.workers,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "versions": store.versions(),
            "git_commit": store.git_commit(),
            "indicators": {i.name: {"unit": i.unit, "definition": i.definition} for i in indicators.INDICATORS},
            "groups": list(indicators.GROUPS),
            **self.extra,
        }

    def write(self, out_dir: str | Path) -> Path:
        """Write manifest.json, timeseries.parquet and summary.csv into ``out_dir`` (atomic)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        store.write_parquet(out / "timeseries.parquet", self.timeseries)
        store.write_csv(out / "summary.csv", self.summary())
        store.write_json(out / "manifest.json", self.manifest())
        return out


def tidy(records: np.ndarray) -> pd.DataFrame:
    """(replicates, months, indicators, groups) -> long DataFrame, NaN values dropped."""
    r, m, k, g = records.shape
    idx = np.indices((r, m, k, g)).reshape(4, -1)
    df = pd.DataFrame({
        "replicate": idx[0].astype(np.int32),
        "month": (idx[1] + 1).astype(np.int32),
        "indicator": pd.Categorical.from_codes(idx[2], indicators.INDICATOR_NAMES),
        "group": pd.Categorical.from_codes(idx[3], indicators.GROUPS),
        "value": records.reshape(-1),
    })
    return df[df.value.notna()].reset_index(drop=True)


def summarise(values: np.ndarray) -> pd.DataFrame:
    """values shape (replicates, indicators, groups) -> mean, sd and t-based 95% CI per cell."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells (e.g. no one employed) stay NaN
        n = np.sum(~np.isnan(values), axis=0)
        mean = np.nanmean(values, axis=0)
        sd = np.nanstd(values, axis=0, ddof=1) if values.shape[0] > 1 else np.full(mean.shape, np.nan)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    k, g = np.indices(mean.shape)
    df = pd.DataFrame({
        "indicator": np.asarray(indicators.INDICATOR_NAMES)[k.ravel()],
        "group": np.asarray(indicators.GROUPS)[g.ravel()],
        "mean": mean.ravel(), "sd": sd.ravel(),
        "ci_low": (mean - half).ravel(), "ci_high": (mean + half).ravel(), "n": n.ravel(),
    })
    return df[df.n > 0].reset_index(drop=True)


def run_scenario(scenario: Scenario | str | Path, *, replicates: int | None = None, seed: int | None = None,
                 workers: int = 1, population: int | None = None, months: int | None = None,
                 progress: bool = True, on_replicate: Callable[[int], None] | None = None) -> RunResult:
    """Run a scenario's replicates and return them.

    Parameters
    ----------
    scenario : Scenario or path to a YAML file
    replicates, seed, population, months : optional overrides of the scenario's values
    workers : processes (1 = in this process); results do not depend on it
    progress : show a progress bar on stderr
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario = scenario.with_overrides(replicates=replicates, seed=seed, months=months,
                                       **{"population.size": population})
    seeds = replicate_seeds(scenario.seed, scenario.replicates)
    kwargs = scenario.model_kwargs()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    records: list[np.ndarray | None] = [None] * len(seeds)
    bar = tqdm(total=len(seeds), desc=scenario.name, unit="run", disable=not progress, file=sys.stderr,
               leave=False)
    try:
        if workers <= 1:
            for i, s in enumerate(seeds):
                records[i] = run_replicate(kwargs, s)
                bar.update()
                if on_replicate:
                    on_replicate(i)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(run_replicate, kwargs, s): i for i, s in enumerate(seeds)}
                for fut in as_completed(futures):
                    records[futures[fut]] = fut.result()
                    bar.update()
    finally:
        bar.close()
    return RunResult(scenario, seeds, np.stack(records), time.perf_counter() - t0, started, workers)
