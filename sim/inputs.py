"""Input data shipped in ``sim/data/`` (copied from ``../shared/domain`` with sources).

Read once per process and cached; the model never touches files outside the package.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

EARLIEST_ARRIVAL_YEAR = 1990  # assumption: spreads the table's "1998 and before" row over 1990-1998
FIRST_YEAR_BY_YEAR = 1999  # arrivals_by_year.csv's first row counts everyone up to 1998


def data_path(name: str):
    """Path of a file in ``sim/data``."""
    return resources.files("sim") / "data" / name


@cache
def read_csv(name: str) -> pd.DataFrame:
    with resources.as_file(data_path(name)) as path:
        return pd.read_csv(path)


@cache
def arrival_profile() -> dict[str, dict[str, float]]:
    """``{trait: {category: value}}`` from ``arrival_profile.csv``."""
    df = read_csv("arrival_profile.csv")
    out: dict[str, dict[str, float]] = {}
    for trait, cat, value in zip(df.trait, df.category, df.value):
        out.setdefault(trait, {})[cat] = float(value)
    return out


@cache
def arrivals_by_year() -> pd.DataFrame:
    """Arrivals by calendar year and sex, 1990-2025, columns year, male, female.

    The table's first row ("1998 and before") is spread evenly over 1990-1998 and its
    "1999-2001" row over three years; 2024-2025 come from ``arrivals_recent.csv``.
    """
    rows = []
    for rec in read_csv("arrivals_by_year.csv").itertuples():
        if rec.period == "1998_and_before":
            years = list(range(EARLIEST_ARRIVAL_YEAR, FIRST_YEAR_BY_YEAR))
        elif "-" in str(rec.period):
            lo, hi = (int(x) for x in str(rec.period).split("-"))
            years = list(range(lo, hi + 1))
        else:
            years = [int(rec.period)]
        for y in years:
            rows.append((y, rec.male / len(years), rec.female / len(years)))
    for rec in read_csv("arrivals_recent.csv").itertuples():
        rows.append((int(rec.period), float(rec.male), float(rec.female)))
    return pd.DataFrame(rows, columns=["year", "male", "female"])


@cache
def _wage_table() -> tuple[np.ndarray, np.ndarray]:
    df = read_csv("sk_general_wage.csv")
    return df.year.to_numpy(float) + 0.5, df.mean_monthly_wage_10k_krw.to_numpy(float)


def general_wage(year: float, growth_per_year: float) -> float:
    """General population's mean monthly wage (10k KRW) at calendar ``year`` (fractional).

    Linear interpolation of ``sk_general_wage.csv`` (values taken as mid-year); outside the
    table, compound growth at ``growth_per_year`` from the nearest end.
    """
    years, wages = _wage_table()
    if year < years[0]:
        return float(wages[0] * (1 + growth_per_year) ** (year - years[0]))
    if year > years[-1]:
        return float(wages[-1] * (1 + growth_per_year) ** (year - years[-1]))
    return float(np.interp(year, years, wages))
