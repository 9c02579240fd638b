"""Figures of a comparison: effects (difference from the base scenario with 95% CI).

Trajectories on shared axes are ``sim.plots.run.trajectories`` with one timeseries per scenario.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from sim.indicators import INDICATOR_NAMES
from sim.plots.style import Plot, Style, diff_label, group_label, new_figure, scenario_styles, title


def horizon_words(months: float) -> str:
    """12 -> 'after 1 year', 36 -> 'after 3 years', 18 -> 'after 18 months'."""
    m = int(months)
    if m % 12 == 0:
        years = m // 12
        return f"after {years} year" + ("s" if years != 1 else "")
    return f"after {m} months"


def effect_rows(comparison: pd.DataFrame, horizon: int, group: str = "all") -> pd.DataFrame:
    """Rows of comparison.csv drawn in the effect plot: one group and horizon, known indicators."""
    d = comparison[(comparison.group == group) & (comparison.horizon == horizon)
                   & comparison.indicator.isin(INDICATOR_NAMES) & comparison["diff"].notna()]
    return d.reset_index(drop=True)


def effects(comparison: pd.DataFrame, horizon: int, group: str = "all", styles: dict[str, Style] | None = None,
            base: str = "", name: str | None = None) -> Plot:
    """Difference from the base scenario per indicator with its 95% CI, ordered by size, one panel per unit.

    A filled marker: the CI excludes zero; a hollow one: indistinguishable from zero.
    data: the comparison.csv rows drawn (scenario, indicator, group, horizon, base_mean, mean, diff, ci_low,
    ci_high, n) plus ``unit`` and ``includes_zero``.
    """
    data = effect_rows(comparison, horizon, group).copy()
    scenarios = list(dict.fromkeys(data.scenario))
    styles = styles or scenario_styles([base, *scenarios] if base else scenarios)  # base first, as in trajectories
    data["unit"] = [diff_label(i) for i in data.indicator]
    data["includes_zero"] = ~((data.ci_low > 0) | (data.ci_high < 0))
    # panels: one unit each, the unit with most indicators first; rows ordered by the largest |diff|
    units = data.groupby("unit").indicator.nunique().sort_values(ascending=False).index.tolist()
    counts = [max(1, data[data.unit == u].indicator.nunique()) for u in units] or [1]
    height = 0.9 + sum(0.32 * c * max(1, len(scenarios)) ** 0.5 + 0.75 for c in counts)
    fig, axes = new_figure(len(counts), 1, width=9.5, height=height, gridspec_kw={"height_ratios": counts})
    n_sc = max(1, len(scenarios))
    offsets = (np.arange(n_sc) - (n_sc - 1) / 2) * (0.7 / n_sc)
    for ax, u in zip(axes[:, 0], units):
        d = data[data.unit == u]
        size = d.assign(a=d["diff"].abs()).groupby("indicator").a.max().sort_values()
        order = list(size.index)  # ascending: the largest effect ends on top
        for k, s in enumerate(scenarios):
            ds = d[d.scenario == s].set_index("indicator").reindex(order)
            y = np.arange(len(order)) + offsets[k]
            st = styles[s]
            err = np.vstack([ds["diff"] - ds.ci_low, ds.ci_high - ds["diff"]])
            err = np.where(np.isfinite(err), err, 0)
            ax.errorbar(ds["diff"], y, xerr=err, fmt="none", ecolor=st.color, elinewidth=1.6, capsize=3)
            filled = ~ds.includes_zero.fillna(True).astype(bool).to_numpy()
            ax.scatter(ds["diff"][filled], y[filled], marker=st.marker, s=42, color=st.color, edgecolor="black",
                       linewidth=0.6, zorder=3)
            ax.scatter(ds["diff"][~filled], y[~filled], marker=st.marker, s=42, facecolor="white",
                       edgecolor=st.color, linewidth=1.5, zorder=3)
        ax.axvline(0, color="black", linewidth=1)
        ax.set_yticks(np.arange(len(order)), [title(i) for i in order])
        ax.set_ylim(-0.6, len(order) - 0.4)
        ax.set_xlabel(f"difference from {base or 'the base'} ({u})")
        ax.grid(axis="y", visible=False)
    handles = [Line2D([], [], color=styles[s].color, marker=styles[s].marker, linestyle="none", markersize=7,
                      markeredgecolor="black", label=s) for s in scenarios]
    handles += [Line2D([], [], color="grey", marker="o", linestyle="none", markerfacecolor="white",
                       markersize=7, label="hollow: 95% CI includes zero")]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    fig.suptitle(f"Effect of each scenario {horizon_words(horizon)} on {group_label(group)}: difference from "
                 f"{base or 'the base scenario'}, 95% CI (largest effects on top)", fontsize=12)
    caption = (f"Each row is an indicator {horizon_words(horizon)}; the marker is the mean difference from "
               f"{base or 'the base scenario'} across paired replicates and the bar its 95% confidence interval. "
               "Hollow markers: the interval includes zero, so the effect is indistinguishable from no effect. "
               "Shares are compared in percentage points.")
    return Plot(name or f"effects_{int(horizon)}m", fig, data, caption)


GROUP_PANELS_MAX = 4  # indicators drawn by group: the summary's, at most this many panels


def group_effects(comparison: pd.DataFrame, horizon: int, indicators: list[str], styles: dict[str, Style] | None = None,
                  base: str = "") -> Plot:
    """Who gains and who loses: each scenario's effect per group (sex, age, years since arrival) with its 95% CI.

    One panel per indicator (at most ``GROUP_PANELS_MAX``); rows are groups, the dashed line the effect on all
    settlers. data: the comparison.csv rows drawn.
    """
    inds = list(dict.fromkeys(indicators))[:GROUP_PANELS_MAX]
    data = comparison[(comparison.horizon == horizon) & comparison.indicator.isin(inds)
                      & comparison["diff"].notna()].reset_index(drop=True)
    groups = list(dict.fromkeys(g for g in data.group if g != "all"))
    scenarios = list(dict.fromkeys(data.scenario))
    styles = styles or scenario_styles([base, *scenarios] if base else scenarios)
    ncols = max(1, min(2, len(inds)))
    nrows = max(1, -(-len(inds) // ncols))
    fig, axes = new_figure(nrows, ncols, width=10, height=0.9 + nrows * (0.28 * max(1, len(groups)) + 0.9))
    n_sc = max(1, len(scenarios))
    offsets = (np.arange(n_sc) - (n_sc - 1) / 2) * (0.7 / n_sc)
    for k, ax in enumerate(axes.flat):
        if k >= len(inds):
            ax.set_visible(False)
            continue
        ind = inds[k]
        d = data[data.indicator == ind]
        for j, s in enumerate(scenarios):
            ds = d[d.scenario == s].set_index("group")
            g = ds.reindex(groups)
            y = np.arange(len(groups)) + offsets[j]
            err = np.vstack([g["diff"] - g.ci_low, g.ci_high - g["diff"]])
            ax.errorbar(g["diff"], y, xerr=np.where(np.isfinite(err), err, 0), fmt=styles[s].marker,
                        color=styles[s].color, markersize=5, capsize=2, linewidth=1.2, label=s)
            if "all" in ds.index:
                ax.axvline(float(ds.loc["all", "diff"]), color=styles[s].color, linestyle="--", linewidth=1)
        ax.axvline(0, color="black", linewidth=1)
        ax.set_yticks(np.arange(len(groups)), [group_label(x) for x in groups])
        ax.invert_yaxis()
        ax.set_title(title(ind), fontsize=10)
        ax.set_xlabel(diff_label(ind))
        ax.grid(axis="y", visible=False)
    handles = [Line2D([], [], color=styles[s].color, marker=styles[s].marker, linestyle="none", label=s)
               for s in scenarios]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    fig.suptitle(f"Effect {horizon_words(horizon)} by group: difference from {base or 'the base'}, 95% CI "
                 "(dashed: all settlers)", fontsize=12)
    caption = (f"Each row is a group of settlers {horizon_words(horizon)}: the marker is the mean paired difference "
               f"from {base or 'the base scenario'}, the bar its 95% confidence interval; the dashed line is the "
               "effect on all settlers. Groups are smaller than the whole, so their intervals are wider.")
    return Plot(f"group_effects_{int(horizon)}m", fig, data, caption)
