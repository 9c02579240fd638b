"""Reading results folders from disk (nothing is rerun) and the statistics drawn from them.

Folder kinds, recognised by their files:

* run: ``manifest.json``, ``timeseries.parquet``, ``summary.csv`` (optional ``settlers.parquet``)
* compare: ``comparison.csv`` and one run folder per scenario
* sweep: ``sweep.parquet`` (tidy: point, one column per factor, replicate, indicator, group, horizon, value)
* trials: ``trials.csv`` (one row per trial, outcome, follow-up and group: published against simulated)
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
COMPARISON_COLUMNS = ("scenario", "indicator", "group", "horizon", "base_mean", "mean", "diff", "ci_low", "ci_high",
                      "n")
SWEEP_COLUMNS = ("point", "replicate", "indicator", "group", "horizon", "value")


class ResultsError(Exception):
    """A folder that is not a readable results folder; the message is one line naming it."""


@dataclass
class RunData:
    """One scenario's saved results."""

    folder: Path
    manifest: dict[str, Any]
    timeseries: pd.DataFrame  # replicate, month, indicator, group, value
    summary: pd.DataFrame  # indicator, group, mean, sd, ci_low, ci_high, n (at the horizon)
    settlers: pd.DataFrame | None = None  # end-of-horizon traits of one replicate's settlers

    @property
    def name(self) -> str:
        return str(self.manifest.get("scenario", {}).get("name", self.folder.name))


@dataclass
class CompareData:
    folder: Path
    comparison: pd.DataFrame  # COMPARISON_COLUMNS
    runs: dict[str, RunData]  # scenario name -> its run, base first
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return next(iter(self.runs))


@dataclass
class SweepData:
    folder: Path
    sweep: pd.DataFrame  # SWEEP_COLUMNS + one column per factor
    factors: list[str]
    manifest: dict[str, Any] = field(default_factory=dict)


def kind_of(folder: str | Path) -> str:
    """'run', 'compare', 'sweep' or 'trials'; raises ResultsError for anything else."""
    folder = Path(folder)
    if not folder.exists():
        raise ResultsError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ResultsError(f"{folder}: is a file, expected a results folder (from resettle run, compare or sweep)")
    if (folder / "sweep.parquet").is_file():
        return "sweep"
    if (folder / "trials.csv").is_file():
        return "trials"
    if (folder / "comparison.csv").is_file():
        return "compare"
    if (folder / "timeseries.parquet").is_file() and (folder / "manifest.json").is_file():
        return "run"
    raise ResultsError(f"{folder}: not a results folder (expected timeseries.parquet + manifest.json from "
                       "'resettle run', comparison.csv from 'resettle compare', sweep.parquet from 'resettle sweep' or "
                       "trials.csv from 'resettle trials')")


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ResultsError(f"{path}: unreadable JSON ({err})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    return data


def _read_table(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    if not path.is_file():
        raise ResultsError(f"{path}: file not found")
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as err:  # pyarrow and pandas raise many kinds for damaged files
        raise ResultsError(f"{path}: unreadable ({type(err).__name__}: {err})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ResultsError(f"{path}: missing column(s) {', '.join(missing)}")
    for col in ("indicator", "group", "scenario"):
        if col in df.columns:
            df[col] = df[col].astype(str)
    return df


def load_run(folder: str | Path) -> RunData:
    """Read a run folder."""
    folder = Path(folder)
    manifest = _read_json(folder / "manifest.json")
    if not manifest:
        raise ResultsError(f"{folder / 'manifest.json'}: file not found or empty")
    ts = _read_table(folder / "timeseries.parquet", ("replicate", "month", "indicator", "group", "value"))
    summary = _read_table(folder / "summary.csv", ("indicator", "group", "mean", "ci_low", "ci_high", "n"))
    settlers_path = folder / "settlers.parquet"
    settlers = _read_table(settlers_path) if settlers_path.is_file() else None
    return RunData(folder, manifest, ts, summary, settlers)


def load_compare(folder: str | Path) -> CompareData:
    """Read a compare folder: comparison.csv and each scenario's run folder (base first)."""
    folder = Path(folder)
    comparison = _read_table(folder / "comparison.csv", COMPARISON_COLUMNS)
    manifest = _read_json(folder / "manifest.json")
    names = list(manifest.get("scenarios") or [])
    names = [n if isinstance(n, str) else str(n.get("name")) for n in names]
    if not names:
        names = list(dict.fromkeys(comparison.scenario))
    runs: dict[str, RunData] = {}
    subfolders = [p for p in sorted(folder.iterdir()) if p.is_dir() and (p / "timeseries.parquet").is_file()]
    by_name = {}
    for sub in subfolders:
        run = load_run(sub)
        by_name[run.name] = run
    base = _base_name(comparison, by_name, names)
    order = [base] + [n for n in names if n != base] + [n for n in by_name if n not in names and n != base]
    for n in order:
        if n in by_name:
            runs[n] = by_name[n]
    if not runs:
        raise ResultsError(f"{folder}: comparison.csv but no scenario subfolders with timeseries.parquet")
    return CompareData(folder, comparison, runs, manifest)


def _base_name(comparison: pd.DataFrame, runs: dict[str, RunData], names: list[str]) -> str:
    """The base scenario: the one not listed in comparison.csv (or with diff 0), else the first name."""
    listed = set(comparison.scenario)
    unlisted = [n for n in [*names, *runs] if n not in listed]
    if unlisted:
        return unlisted[0]
    zero = comparison.groupby("scenario")["diff"].apply(lambda d: bool(np.all(d.fillna(0) == 0)))
    if zero.any():
        return str(zero[zero].index[0])
    return names[0] if names else next(iter(runs))


def load_sweep(folder: str | Path) -> SweepData:
    """Read a sweep folder; factors are the columns of sweep.parquet besides the tidy ones."""
    folder = Path(folder)
    df = _read_table(folder / "sweep.parquet", SWEEP_COLUMNS)
    if df.value.notna().sum() == 0:
        raise ResultsError(f"{folder / 'sweep.parquet'}: no finished runs to draw")
    manifest = _read_json(folder / "manifest.json")
    known = set(SWEEP_COLUMNS) | {"run_id", "seed", "scenario", "status", "error"}
    factors = [c for c in df.columns if c not in known]
    if not factors:
        raise ResultsError(f"{folder / 'sweep.parquet'}: no factor columns")
    return SweepData(folder, df, factors, manifest)


def mean_ci(df: pd.DataFrame, by: list[str], value: str = "value") -> pd.DataFrame:
    """Mean, sd, n and a t-based 95% CI of ``value`` over the rows of each ``by`` group.

    The same estimator as the runner's ``summary.csv`` (sd with ddof=1; NaN CI when n < 2).
    """
    clean = df[df[value].notna()]
    g = clean.groupby(by, observed=True, sort=True)[value]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(out.n - 1, 1)) * out.sd / np.sqrt(out.n)
    half = half.where(out.n > 1)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out


def bands(ts: pd.DataFrame, indicators: list[str] | tuple[str, ...], group: str = "all") -> pd.DataFrame:
    """Mean and 95% CI across replicates for each month: indicator, month, mean, sd, n, ci_low, ci_high."""
    sub = ts[ts.indicator.isin(indicators) & (ts.group == group)]
    return mean_ci(sub, ["indicator", "month"])
