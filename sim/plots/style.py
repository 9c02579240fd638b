"""The look shared by every figure: palette, line styles, axis labels, saving.

* Colours are the Okabe-Ito colour-blind-safe palette; each scenario also gets its own line
  style and marker, so figures stay readable in greyscale print.
* A scenario keeps one style across all figures of a report: ``scenario_styles(names)`` is
  called once per report with the scenarios in a fixed order (the base first).
* Titles and axis labels are the indicators' declared labels and units (``sim.indicators``).
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from sim import indicators
from sim.batch import store
from sim.indicators import INDICATOR_BY_NAME

# Okabe & Ito (2008), reordered so the first colours are the most distinct on white (yellow last).
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)), (0, (3, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DPI = 110

# Indicators shown first in every report (run, compare): the "headline" tier of the declarations.
HEADLINE = indicators.HEADLINE
_UNITS = {"percent": "%", "percent of labour force": "% of labour force", "percent of employed": "% of employed",
          "percent satisfied": "% satisfied", "percent of those in need": "% of those in need"}


@dataclass(frozen=True)
class Style:
    """How one scenario is drawn."""

    color: str
    linestyle: str | tuple
    marker: str


@dataclass
class Plot:
    """A figure and the exact data drawn in it (tidy DataFrame), with a file stem and a caption."""

    name: str
    fig: Figure
    data: pd.DataFrame
    caption: str = ""


def scenario_styles(names: list[str] | tuple[str, ...]) -> dict[str, Style]:
    """One colour, line style and marker per scenario, in the given order (cycled past 8)."""
    return {n: Style(OKABE_ITO[i % len(OKABE_ITO)], LINESTYLES[i % len(LINESTYLES)], MARKERS[i % len(MARKERS)])
            for i, n in enumerate(dict.fromkeys(names))}


def is_share(indicator: str) -> bool:
    """True for indicators in percent (their differences are percentage points)."""
    ind = INDICATOR_BY_NAME.get(indicator)
    return ind is not None and ind.kind == "share"


def unit(indicator: str) -> str:
    """The indicator's unit as printed on axes: '%', '10k KRW per month', 'persons', ..."""
    ind = INDICATOR_BY_NAME.get(indicator)
    if ind is None:
        return ""
    return _UNITS.get(ind.unit, ind.unit)


def title(indicator: str) -> str:
    """A readable name: 'employment_rate' -> 'Employment rate'."""
    ind = INDICATOR_BY_NAME.get(indicator)
    return ind.label if ind is not None else indicator.replace("_", " ").capitalize()


def axis_label(indicator: str, width: int = 28) -> str:
    """'Employment rate (%)', wrapped to ``width`` characters."""
    u = unit(indicator)
    return textwrap.fill(f"{title(indicator)} ({u})" if u else title(indicator), width)


def diff_label(indicator: str) -> str:
    """Unit of a difference: 'percentage points' for shares, else the indicator's unit."""
    return "percentage points" if is_share(indicator) else unit(indicator)


def group_label(group: str) -> str:
    """'sex=female' -> 'women', 'age=30-39' -> 'aged 30-39', 'years_since_arrival=2' -> 'year 2 since arrival'."""
    if group == "all":
        return "all settlers"
    key, _, value = group.partition("=")
    if key == "sex":
        return {"male": "men", "female": "women"}.get(value, value)
    if key == "age":
        return f"aged {value}"
    if key == "years_since_arrival":
        return f"year {value} since arrival"
    return group


def new_figure(nrows: int = 1, ncols: int = 1, width: float = 10.0, height: float | None = None,
               **kwargs) -> tuple[Figure, object]:
    """A figure with constrained layout (no overlapping labels) and the house theme."""
    sns.set_theme(context="notebook", style="whitegrid", palette=list(OKABE_ITO), font_scale=0.9)
    height = height if height is not None else 2.9 * nrows + 0.6
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", squeeze=False, **kwargs)
    return fig, axes


def save(plot: Plot, folder: str | Path) -> Path:
    """Write ``plot`` as ``folder/<name>.png`` (atomically) and close the figure; the path."""
    path = Path(folder) / f"{plot.name}.png"
    try:
        with store.atomic_path(path) as tmp:
            plot.fig.savefig(tmp, format="png", dpi=DPI)
            readable(tmp)
    finally:
        plt.close(plot.fig)
    return path


def readable(path: str | Path) -> None:
    """Give a file written through a temporary name the usual permissions (0666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def close(plot: Plot) -> None:
    plt.close(plot.fig)
