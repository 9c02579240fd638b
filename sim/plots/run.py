"""Figures of one scenario, or several on shared axes: trajectories, breakdowns, distributions.

Every function returns a ``Plot`` whose ``data`` is exactly what is drawn, so tests can
compare it with the saved summaries.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.params import PARAM_BY_NAME
from sim.plots.compare import horizon_words
from sim.plots.data import bands
from sim.plots.style import HEADLINE, Plot, Style, axis_label, group_label, new_figure, scenario_styles, title, unit

BREAKDOWN_INDICATORS = ("employment_rate", "mean_monthly_wage", "major_depression", "no_one_to_ask_when_sick")
DIMENSIONS = (("sex", "Sex"), ("age", "Age group (years)"), ("years_since_arrival", "Years since arrival"))


def trajectories(timeseries: dict[str, pd.DataFrame], indicators: tuple[str, ...] | list[str] = HEADLINE,
                 group: str = "all", styles: dict[str, Style] | None = None, ncols: int = 3,
                 name: str = "trajectories") -> Plot:
    """Indicators over time, mean across replicates with a 95% band, one line per scenario.

    timeseries: scenario name -> tidy timeseries (replicate, month, indicator, group, value).
    data: scenario, indicator, month, mean, sd, n, ci_low, ci_high.
    """
    styles = styles or scenario_styles(list(timeseries))
    data = pd.concat([bands(ts, indicators, group).assign(scenario=s) for s, ts in timeseries.items()],
                     ignore_index=True)
    present = [i for i in indicators if i in set(data.indicator)]
    nrows = max(1, math.ceil(len(present) / ncols))
    fig, axes = new_figure(nrows, ncols, width=4.0 * ncols, height=2.9 * nrows + 0.9, sharex=True)
    months = int(data.month.max()) if len(data) else 12
    for ax, ind in zip(axes.flat, present):
        step = max(1, months // 5)
        for k, s in enumerate(timeseries):
            d = data[(data.scenario == s) & (data.indicator == ind)].sort_values("month")
            st = styles[s]
            # markers staggered between scenarios so they do not hide each other (greyscale print)
            ax.plot(d.month, d["mean"], color=st.color, linestyle=st.linestyle, marker=st.marker,
                    markevery=(k * step // len(timeseries), step), markersize=5, linewidth=1.8, label=s)
            if d.ci_low.notna().any():
                ax.fill_between(d.month, d.ci_low, d.ci_high, color=st.color, alpha=0.18, linewidth=0)
        ax.set_title(title(ind), fontsize=10)
        ax.set_ylabel(unit(ind))
        _floor_at_zero(ax)
        ax.set_xticks(np.arange(0, months + 1, 12 if months > 24 else 6))
        ax.set_xlim(*((1, months) if months > 1 else (0.5, 1.5)))
    for ax in list(axes.flat)[len(present):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("months since start")
    who = group_label(group)
    many = len(timeseries) > 1
    fig.suptitle(f"Indicators over time, {who}: mean across replicates with 95% band"
                 + (" (one line per scenario)" if many else f" ({next(iter(timeseries))})"), fontsize=12)
    if many:
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), title="scenario")
    caption = (f"Each panel shows one indicator for {who} over the simulated months: the line is the mean across "
               "replicates, the shaded band its 95% confidence interval.")
    return Plot(name, fig, data, caption)


def group_breakdown(summary: pd.DataFrame, indicators: tuple[str, ...] | list[str] = BREAKDOWN_INDICATORS,
                    style: Style | None = None, scenario: str = "", months: int | None = None,
                    name: str = "breakdown") -> Plot:
    """End-of-horizon value by sex, age group and years since arrival, with 95% CI error bars.

    summary: the run's summary.csv (indicator, group, mean, ci_low, ci_high, n); months: its horizon (for the title).
    data: indicator, dimension, group, label, mean, ci_low, ci_high, n.
    """
    style = style or scenario_styles([scenario or "run"])[scenario or "run"]
    rows = []
    for dim, _ in DIMENSIONS:
        sub = summary[summary.indicator.isin(indicators) & summary.group.str.startswith(f"{dim}=")]
        rows.append(sub.assign(dimension=dim, label=[g.partition("=")[2] for g in sub.group]))
    data = pd.concat(rows, ignore_index=True)[["indicator", "dimension", "group", "label", "mean", "ci_low",
                                                "ci_high", "n"]]
    present = [i for i in indicators if i in set(data.indicator)]
    fig, axes = new_figure(max(1, len(present)), len(DIMENSIONS), width=11,
                           height=2.3 * max(1, len(present)) + 0.8, sharey="row")
    for r, ind in enumerate(present):
        for c, (dim, dim_title) in enumerate(DIMENSIONS):
            ax = axes[r, c]
            d = data[(data.indicator == ind) & (data.dimension == dim)]
            x = np.arange(len(d))
            err = np.vstack([d["mean"] - d.ci_low, d.ci_high - d["mean"]])
            err = np.where(np.isfinite(err), err, 0)
            ax.bar(x, d["mean"], color=style.color, alpha=0.75, edgecolor="black", linewidth=0.6,
                   yerr=err, capsize=3, error_kw={"elinewidth": 1})
            ax.set_xticks(x, d.label, rotation=0 if len(d) < 5 else 30)
            if r == 0:
                ax.set_title(dim_title, fontsize=10)
            if c == 0:
                ax.set_ylabel(axis_label(ind, 22), fontsize=9)
            if r == len(present) - 1:
                ax.set_xlabel(dim_title)
        _floor_at_zero(axes[r, 0])  # the row shares its y axis: once all its bars are drawn
    when = horizon_words(months) if months else "at the horizon"
    fig.suptitle(f"Breakdown {when} by sex, age and years since arrival{' (' + scenario + ')' if scenario else ''}:"
                 " mean across replicates, bars = 95% CI", fontsize=12)
    caption = ("The same indicators for subgroups of settlers at the end of the simulated period. Error bars are "
               "95% confidence intervals across replicates; a group with few settlers has wide bars.")
    return Plot(name, fig, data, caption)


def _floor_at_zero(ax) -> None:
    """Every indicator is non-negative: cut the axis (and any CI band below it) at zero."""
    low, high = ax.get_ylim()
    if low < 0 < high:
        ax.set_ylim(0, high)


SETTLER_PANELS = (
    ("wage", "Monthly wage of the employed", "10k KRW per month"),
    ("depression", "Depression symptom score", "score 0-1"),
    ("ptsd", "PTSD symptom score", "score 0-1"),
    ("loneliness", "Loneliness score", "score 0-1"),
    ("settler_ties", "Ties to other settlers", "ties per person"),
    ("sk_ties", "Ties to South Koreans", "ties per person"),
)
SURVEY_MIN_AGE = 15


def survey_population(settlers: pd.DataFrame) -> pd.DataFrame:
    """Settlers aged 15+ living in South Korea and past Hanawon (the surveys' population)."""
    return settlers[(settlers.status.astype(str) == "in_south_korea") & (settlers.labour.astype(str) != "hanawon")
                    & (settlers.age >= SURVEY_MIN_AGE)]


def settler_distributions(settlers: pd.DataFrame, style: Style | None = None, scenario: str = "",
                          thresholds: dict[str, float] | None = None, name: str = "distributions") -> Plot:
    """Histograms across settlers (one replicate) at the horizon: wages, mental health scores and ties.

    settlers: settlers.parquet. Wages are of employed settlers; other panels the survey population.
    thresholds: {'depression': ..., 'ptsd': ...} drawn as dashed lines (default: parameter defaults).
    data: variable, value (one row per settler and panel).
    """
    style = style or scenario_styles([scenario or "run"])[scenario or "run"]
    thresholds = thresholds or {"depression": PARAM_BY_NAME["depression_threshold"].default,
                                "ptsd": PARAM_BY_NAME["ptsd_threshold"].default}
    pop = survey_population(settlers)
    parts = []
    for var, _, _ in SETTLER_PANELS:
        vals = pop.loc[pop.labour.astype(str) == "employed", var] if var == "wage" else pop[var]
        parts.append(pd.DataFrame({"variable": var, "value": vals.to_numpy(dtype=float)}))
    data = pd.concat(parts, ignore_index=True)
    fig, axes = new_figure(2, 3, width=11, height=6.6)
    for ax, (var, label, u) in zip(axes.flat, SETTLER_PANELS):
        vals = data.loc[data.variable == var, "value"].to_numpy()
        if vals.size == 0:
            ax.text(0.5, 0.5, "no settlers", ha="center", va="center", transform=ax.transAxes)
        elif var.endswith("_ties"):
            top = int(vals.max())
            ax.hist(vals, bins=np.arange(-0.5, top + 1.5, max(1, math.ceil((top + 1) / 30))), color=style.color,
                    alpha=0.75, edgecolor="black", linewidth=0.5)
        else:
            ax.hist(vals, bins=30, color=style.color, alpha=0.75, edgecolor="black", linewidth=0.5)
        if vals.size:
            med = float(np.median(vals))
            ax.axvline(med, color="black", linewidth=1.2, linestyle="-", label=f"median {med:,.2f}")
        if var in thresholds:
            ax.axvline(thresholds[var], color="black", linewidth=1.2, linestyle="--",
                       label=f"threshold {thresholds[var]:.2f}")
        if vals.size:
            ax.legend(fontsize=8, loc="upper right")
        ax.set_title(f"{label} (n = {vals.size:,})", fontsize=10)
        ax.set_xlabel(u)
        ax.set_ylabel("settlers (persons)")
    fig.suptitle("Distribution across settlers at the horizon (one replicate"
                 f"{', ' + scenario if scenario else ''})", fontsize=12)
    caption = ("How outcomes are spread across individual settlers aged 15+ living in South Korea at the end of the "
               "simulated period, in one replicate (wages: employed settlers only). Solid line: median; dashed "
               "line: the score above which a settler counts as having major depression or probable PTSD.")
    return Plot(name, fig, data, caption)
