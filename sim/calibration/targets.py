"""Calibration targets: the published figures the historical replay is held against.

``sim/data/targets.csv`` has one row per figure: ``indicator`` (the figure's name), ``year``,
``value`` (observed), ``unit``, ``tolerance`` with ``tolerance_kind`` (``abs``: observed +/-
tolerance in the figure's unit; ``factor``: observed divided or multiplied by at most the
tolerance, for counts of rare events), the model's ``model_indicator`` and ``group``
(``sim.indicators.GROUPS``; several groups joined by ``|`` are averaged with equal weights,
``years_since_arrival=1|2|3`` is short for three groups),
an optional ``since_year`` (the simulated value is the change since that year, for cumulative
counts), the tolerance's justification and the source.

Simulated values are read mid-year (end of June), as the surveys are taken.

Calibration uses figures from ``CALIBRATION_FROM_YEAR`` (2020) on only; ``load_targets`` refuses an
earlier row. The earlier published figures are in ``sim/data/hindcast.csv`` (same columns,
``load_hindcast``, every row before 2020): the replay is held against them as validation
(``resettle validate --hindcast``), never fitted to them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim import indicators
from sim.batch.runner import mid_year_months
from sim.inputs import data_path

TARGETS_FILE = "targets.csv"
HINDCAST_FILE = "hindcast.csv"
# calibration targets are figures of this year or later (issue 12: calibrate on 2020+, hindcast earlier years as
# validation); hindcast rows are all earlier, so the two files never share a figure
CALIBRATION_FROM_YEAR = 2020
REQUIRED = ("indicator", "year", "value", "unit", "tolerance", "tolerance_kind", "model_indicator", "group",
            "since_year", "tolerance_justification", "source")
KINDS = ("abs", "factor")
RECORD_DIMS = 4  # replicates x months x indicators x groups
COUNT_FLOOR = 0.1  # simulated counts are floored at this share of the observed one (log distance stays finite)


class TargetsError(ValueError):
    """A targets file that cannot be used; the message is one line naming file, row and column."""


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a calibration targets file (default: the project's ``sim/data/targets.csv``).

    Returns one row per target with the columns in ``REQUIRED`` plus ``target`` (a unique
    label ``indicator year``) and ``groups`` (tuple of group names). Raises ``TargetsError``,
    also for a row before ``CALIBRATION_FROM_YEAR`` (such figures belong in the hindcast file).
    """
    path = Path(path) if path is not None else Path(str(data_path(TARGETS_FILE)))
    df = read_figures(path)
    for i, row in enumerate(df.itertuples(), start=2):
        if row.year < CALIBRATION_FROM_YEAR:
            raise TargetsError(f"{path}: line {i} ({row.indicator}): year: calibration targets are from "
                               f"{CALIBRATION_FROM_YEAR} on, got {row.year} (earlier figures go in {HINDCAST_FILE})")
    return df


def load_hindcast(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a hindcast file (default: ``sim/data/hindcast.csv``): same columns and checks as
    ``load_targets``, every row before ``CALIBRATION_FROM_YEAR``. Raises ``TargetsError``."""
    path = Path(path) if path is not None else Path(str(data_path(HINDCAST_FILE)))
    df = read_figures(path, "hindcast")
    for i, row in enumerate(df.itertuples(), start=2):
        if row.year >= CALIBRATION_FROM_YEAR:
            raise TargetsError(f"{path}: line {i} ({row.indicator}): year: hindcast figures are before "
                               f"{CALIBRATION_FROM_YEAR}, got {row.year} (later figures are calibration targets)")
    return df


def check_calibration_years(targets: pd.DataFrame) -> None:
    """Raise ``TargetsError`` if a target (a loaded table) is before ``CALIBRATION_FROM_YEAR``."""
    early = targets[targets["year"] < CALIBRATION_FROM_YEAR]
    if len(early):
        names = ", ".join(early["indicator"].astype(str) + " " + early["year"].astype(str))
        raise TargetsError(f"calibration targets are from {CALIBRATION_FROM_YEAR} on; got {len(early)} earlier: {names}")


def read_figures(path: Path, kind: str = "targets") -> pd.DataFrame:
    """Read and check a file of published figures (``kind``: targets or hindcast), any years. Raises ``TargetsError``."""
    if not path.is_file():
        raise TargetsError(f"{path}: {kind} file not found")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise TargetsError(f"{path}: cannot read as CSV ({str(err).splitlines()[0]})") from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise TargetsError(f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(REQUIRED)})")
    if df.empty:
        raise TargetsError(f"{path}: no figures")
    for i, row in enumerate(df.itertuples(), start=2):  # line numbers as in an editor (header is line 1)
        where = f"{path}: line {i} ({row.indicator})"
        for col in ("year", "value", "tolerance"):
            if not isinstance(getattr(row, col), (int, float, np.number)) or pd.isna(getattr(row, col)):
                raise TargetsError(f"{where}: {col}: expected a number, got {getattr(row, col)!r}")
        if row.tolerance_kind not in KINDS:
            raise TargetsError(f"{where}: tolerance_kind: expected one of {', '.join(KINDS)}, got {row.tolerance_kind!r}")
        if row.tolerance <= 0 or (row.tolerance_kind == "factor" and row.tolerance <= 1):
            raise TargetsError(f"{where}: tolerance: expected > 0 (abs) or > 1 (factor), got {row.tolerance!r}")
        if row.model_indicator not in indicators.INDICATOR_NAMES:
            raise TargetsError(f"{where}: model_indicator: unknown indicator {row.model_indicator!r}")
        for g in split_groups(row.group):
            if g not in indicators.GROUPS:
                raise TargetsError(f"{where}: group: unknown group {g!r} (expected e.g. all, sex=male)")
    df = df.copy()
    df["year"] = df["year"].astype(int)
    df["since_year"] = df["since_year"].astype("Int64")
    df["target"] = df["indicator"] + " " + df["year"].astype(str)
    df["groups"] = [split_groups(g) for g in df["group"]]
    return df.reset_index(drop=True)


def split_groups(text: str) -> tuple[str, ...]:
    """'years_since_arrival=1|2|3' -> ('years_since_arrival=1', 'years_since_arrival=2', 'years_since_arrival=3')."""
    out: list[str] = []
    for part in str(text).split("|"):
        if "=" not in part and out and "=" in out[-1]:
            part = out[-1].split("=")[0] + "=" + part
        out.append(part)
    return tuple(out)


def years_needed(targets: pd.DataFrame) -> list[int]:
    """Calendar years whose mid-year values the targets read."""
    years = set(targets["year"]) | {int(y) for y in targets["since_year"].dropna()}
    return sorted(years)


def extract(records: np.ndarray, start: str, targets: pd.DataFrame) -> np.ndarray:
    """Simulated value of every target, shape (replicates, n_targets).

    ``records``: shape (replicates, months, indicators, groups) or (months, indicators, groups)
    of a run starting at ``start`` ("YYYY-MM"); it must record June of every year needed.
    """
    rec = records[None] if records.ndim == RECORD_DIMS - 1 else records
    index = mid_year_months(start, rec.shape[1])
    out = np.empty((rec.shape[0], len(targets)))
    for j, row in enumerate(targets.itertuples()):
        k = indicators.INDICATOR_NAMES.index(row.model_indicator)
        g = [indicators.GROUPS.index(x) for x in row.groups]
        for year in (row.year, row.since_year):
            if not pd.isna(year) and int(year) not in index:
                raise ValueError(f"target {row.target}: the run does not record mid-{int(year)} (starts {start})")
        value = rec[:, index[row.year], k][:, g].mean(axis=1)
        if not pd.isna(row.since_year):
            value = value - rec[:, index[int(row.since_year)], k][:, g].mean(axis=1)
        out[:, j] = value
    return out


def standardised(simulated: np.ndarray, targets: pd.DataFrame) -> np.ndarray:
    """Distance of simulated values (shape (..., n_targets)) from observed, in tolerances.

    ``abs``: (simulated - observed) / tolerance; ``factor``: log(simulated / observed) / log(factor),
    with simulated counts floored at a tenth of the observed value. |result| <= 1 means within tolerance.
    """
    obs = targets["value"].to_numpy(float)
    tol = targets["tolerance"].to_numpy(float)
    is_factor = (targets["tolerance_kind"] == "factor").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log(np.maximum(simulated, obs * COUNT_FLOOR) / obs) / np.log(tol)
    return np.where(is_factor, ratio, (simulated - obs) / tol)


def relative_difference(simulated: np.ndarray, targets: pd.DataFrame) -> np.ndarray:
    """|simulated - observed| / observed for each target (Flee's average relative difference uses its mean)."""
    obs = targets["value"].to_numpy(float)
    return np.abs(simulated - obs) / np.abs(obs)
