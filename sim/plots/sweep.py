"""Figures of a parameter sweep: response curves per factor and heatmaps for pairs of factors.

Input is ``sweep.parquet`` (tidy: point, one column per factor, replicate, indicator, group,
horizon, value). Curves and heatmaps average over replicates and over the other factors
(marginal means); the baseline (the base scenario's value of each factor) is marked.
"""

from __future__ import annotations

import math
import re
import textwrap
from itertools import combinations

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from sim.params import PARAM_BY_NAME
from sim.plots.compare import horizon_words
from sim.plots.data import mean_ci
from sim.plots.style import HEADLINE, OKABE_ITO, Plot, axis_label, new_figure, title, unit

MAX_LEVELS = 12  # a factor with more distinct values is binned (sampled designs)
BINS = 8
MAX_INDICATORS = 6
LOG_RATIO = 20  # a positive factor whose largest value is this many times its smallest gets a log axis


def factor_label(factor: str, width: int = 40) -> str:
    """'policy.cash_grant_million_krw' -> 'Cash grant million krw (million KRW per person)'."""
    leaf = factor.rsplit(".", 1)[-1]
    p = PARAM_BY_NAME.get(leaf)
    text = factor_name(factor).capitalize()
    if p is not None:
        text += f" ({p.unit})"
    elif leaf == "size":
        text = "Settlers simulated (persons)"
    return textwrap.fill(text, width)


def factor_name(factor: str) -> str:
    """'policy.cash_grant_million_krw' -> 'cash grant' (the unit words dropped)."""
    leaf = factor.rsplit(".", 1)[-1]
    return re.sub(r"_(million_krw|10k_krw|krw)(_per_\w+)?$", "", leaf).replace("_", " ")


def pick_indicators(sweep: pd.DataFrame, limit: int = MAX_INDICATORS) -> list[str]:
    """The kept indicators, headline ones first, at most ``limit``."""
    kept = list(dict.fromkeys(sweep.indicator.astype(str)))
    ordered = [i for i in HEADLINE if i in kept] + [i for i in kept if i not in HEADLINE]
    return ordered[:limit]


def default_view(sweep: pd.DataFrame) -> tuple[str, int]:
    """(group, horizon) drawn by default: 'all' if kept, and the longest horizon."""
    groups = set(sweep.group.astype(str))
    return ("all" if "all" in groups else sorted(groups)[0]), int(sweep.horizon.max())


def point_means(sweep: pd.DataFrame, factors: list[str], group: str, horizon: int) -> pd.DataFrame:
    """Mean and 95% CI across replicates at each point: point, factors..., indicator, mean, sd, n, ci_low, ci_high."""
    sub = sweep[(sweep.group.astype(str) == group) & (sweep.horizon == horizon)]
    return mean_ci(sub, ["point", *factors, "indicator"])


def response_curve_data(sweep: pd.DataFrame, factor: str, indicators: list[str], group: str, horizon: int,
                        factors: list[str]) -> pd.DataFrame:
    """indicator, x, mean, ci_low, ci_high, n, binned: the curve of one factor.

    Up to MAX_LEVELS distinct values: mean over every run at that value (replicates and other factors).
    More (sampled designs): point means binned into BINS quantile bins; x is the bin's mean factor value.
    """
    sub = sweep[(sweep.group.astype(str) == group) & (sweep.horizon == horizon) & sweep.indicator.isin(indicators)]
    if sub[factor].nunique() <= MAX_LEVELS:
        out = mean_ci(sub, ["indicator", factor]).rename(columns={factor: "x"})
        out["binned"] = False
        return out
    pts = point_means(sub, factors, group, horizon)
    pts["bin"] = pd.qcut(pts[factor], min(BINS, pts[factor].nunique()), labels=False, duplicates="drop")
    out = mean_ci(pts, ["indicator", "bin"], value="mean")
    xs = pts.groupby(["indicator", "bin"])[factor].mean().rename("x").reset_index()
    out = out.merge(xs, on=["indicator", "bin"]).drop(columns="bin")
    out["binned"] = True
    return out


def response_curves(sweep: pd.DataFrame, factor: str, factors: list[str], baseline: dict[str, float] | None = None,
                    indicators: list[str] | None = None, group: str | None = None, horizon: int | None = None,
                    color: str = OKABE_ITO[0]) -> Plot:
    """Each indicator against one factor, mean with a 95% CI band; baseline as a dashed vertical line.

    data: indicator, x, mean, sd, n, ci_low, ci_high, binned.
    """
    g0, h0 = default_view(sweep)
    group, horizon = group or g0, horizon or h0
    indicators = indicators or pick_indicators(sweep)
    data = response_curve_data(sweep, factor, indicators, group, horizon, factors)
    ncols = min(3, len(indicators))
    nrows = math.ceil(len(indicators) / ncols)
    fig, axes = new_figure(nrows, ncols, width=4.0 * ncols, height=3.0 * nrows + 0.9, sharex=True)
    base = (baseline or {}).get(factor)
    binned = bool(data.binned.any())
    for ax, ind in zip(axes.flat, indicators):
        d = data[data.indicator == ind].sort_values("x")
        if binned:
            pts = point_means(sweep[sweep.indicator == ind], factors, group, horizon)
            ax.scatter(pts[factor], pts["mean"], s=10, color="grey", alpha=0.5, label="point means")
        ax.plot(d.x, d["mean"], color=color, marker="o", linewidth=1.8, label="mean")
        if d.ci_low.notna().any():
            ax.fill_between(d.x, d.ci_low, d.ci_high, color=color, alpha=0.2, linewidth=0, label="95% CI")
        if base is not None:
            ax.axvline(base, color="black", linestyle="--", linewidth=1.2, label=f"baseline ({base:g})")
        ax.set_title(title(ind), fontsize=10)
        ax.set_ylabel(unit(ind))
        low, high = ax.get_ylim()
        if low < 0 < high:  # indicators are non-negative: cut CI bands at zero
            ax.set_ylim(0, high)
    values = sweep[factor].dropna()
    if len(values) and values.min() > 0 and values.max() / values.min() >= LOG_RATIO:
        axes[0, 0].set_xscale("log")  # shared x: a factor spanning orders of magnitude (log-uniform)
        axes[0, 0].xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    for ax in list(axes.flat)[len(indicators):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(factor_label(factor, 34) + (" (log scale)" if axes[0, 0].get_xscale() == "log" else ""))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    how = "binned point means" if binned else "mean over replicates and the other factors"
    fig.suptitle(f"Response to {factor_name(factor)} {_when(horizon)} ({how}, 95% CI)",
                 fontsize=12)
    caption = (f"How each indicator {_when(horizon)} responds to {factor}: the line is the {how}, the band its 95% "
               "confidence interval; the dashed line marks the baseline value.")
    return Plot(f"response_{_slug(factor)}", fig, data, caption)


def heatmap_pairs(sweep: pd.DataFrame, factors: list[str]) -> list[tuple[str, str]]:
    """Pairs of factors that form a grid (each at most MAX_LEVELS values, every combination present)."""
    pairs = []
    for a, b in combinations(factors, 2):
        na, nb = sweep[a].nunique(), sweep[b].nunique()
        if 1 < na <= MAX_LEVELS and 1 < nb <= MAX_LEVELS and len(sweep[[a, b]].drop_duplicates()) == na * nb:
            pairs.append((a, b))
    return pairs


def heatmap(sweep: pd.DataFrame, x: str, y: str, baseline: dict[str, float] | None = None,
            indicators: list[str] | None = None, group: str | None = None, horizon: int | None = None) -> Plot:
    """Mean of each indicator over a grid of two factors (cells annotated); baseline cell outlined.

    data: indicator, x value (column ``x``), y value (column ``y``), mean, sd, n, ci_low, ci_high.
    """
    g0, h0 = default_view(sweep)
    group, horizon = group or g0, horizon or h0
    indicators = (indicators or pick_indicators(sweep))[:4]
    sub = sweep[(sweep.group.astype(str) == group) & (sweep.horizon == horizon) & sweep.indicator.isin(indicators)]
    data = mean_ci(sub, ["indicator", x, y])
    ncols = min(2, len(indicators))
    nrows = math.ceil(len(indicators) / ncols)
    fig, axes = new_figure(nrows, ncols, width=6.0 * ncols, height=4.6 * nrows + 0.6)
    xs, ys = sorted(data[x].unique()), sorted(data[y].unique())
    for ax, ind in zip(axes.flat, indicators):
        grid = data[data.indicator == ind].pivot(index=y, columns=x, values="mean").reindex(index=ys, columns=xs)
        im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="cividis")
        if len(xs) * len(ys) <= 80:
            vals = grid.to_numpy()
            mid = np.nanmean(vals)
            for i in range(len(ys)):
                for j in range(len(xs)):
                    if np.isfinite(vals[i, j]):
                        ax.text(j, i, f"{vals[i, j]:.3g}", ha="center", va="center", fontsize=7,
                                color="black" if vals[i, j] >= mid else "white")
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs], rotation=45 if len(xs) > 6 else 0)
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
        ax.set_xlabel(factor_label(x, 40))
        ax.set_ylabel(factor_label(y, 30))
        ax.grid(False)
        ax.set_title(title(ind), fontsize=10)
        fig.colorbar(im, ax=ax, label=axis_label(ind, 30), shrink=0.9)
        bx, by = (baseline or {}).get(x), (baseline or {}).get(y)
        if bx is not None and by is not None:
            jx, iy = np.interp(bx, xs, range(len(xs))), np.interp(by, ys, range(len(ys)))
            if np.isclose(jx, round(jx)) and np.isclose(iy, round(iy)):
                _outline(ax, jx, iy)  # the baseline is a cell of the grid
            else:  # between cells: a star where it would lie
                ax.scatter([jx], [iy], marker="*", s=260, color="white", edgecolor="black", linewidth=1.5, zorder=5)
            ax.annotate("baseline", (jx, iy + 0.5), xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize=8, fontweight="bold", color="black",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    for ax in list(axes.flat)[len(indicators):]:
        ax.set_visible(False)
    fig.suptitle(f"Indicators {_when(horizon)} by {factor_name(x)} and {factor_name(y)} "
                 "(mean over replicates; outline or star = baseline)", fontsize=12)
    caption = (f"Each cell is the mean {_when(horizon)} over replicates (and any other factors) for one combination "
               f"of {x} and {y}; the outlined cell (or the star, when the baseline lies between grid values) marks the "
               "baseline.")
    return Plot(f"heatmap_{_slug(x)}__{_slug(y)}", fig, data, caption)


def _outline(ax, jx: float, iy: float) -> None:
    """A black-and-white outline of one cell (visible on any colour and in greyscale)."""
    for colour, width in (("black", 4.0), ("white", 1.6)):
        ax.add_patch(Rectangle((jx - 0.5, iy - 0.5), 1, 1, fill=False, edgecolor=colour, linewidth=width, zorder=4))


def _when(horizon: int) -> str:
    return horizon_words(horizon)


def _slug(factor: str) -> str:
    return factor.rsplit(".", 1)[-1]
