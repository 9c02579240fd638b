"""Figures of a sensitivity analysis: one horizontal bar chart (tornado) per indicator, drivers by importance."""

from __future__ import annotations

from typing import Any

from sim.plots.style import OKABE_ITO, Plot, new_figure, title


def sensitivity_plots(result: Any, bars: int = 12) -> list[Plot]:
    """One Plot per indicator: the ``bars`` most important parameters, importance with its 95% CI.

    Bars are coloured by the direction of the rank correlation (blue: higher values raise the target,
    orange: lower it). data: the rows of sensitivity.csv drawn.
    """
    plots = []
    index = "delta" if result.method == "delta" else "total Sobol' index (ST)"
    from sim.sensitivity import DUMMY

    for ind, t in result.table.groupby("indicator", sort=False):
        floor = t.loc[t.parameter == DUMMY, "importance"]
        t = t[t.parameter != DUMMY].sort_values("rank").head(bars).iloc[::-1]
        fig, axes = new_figure(1, 1, width=8, height=0.35 * len(t) + 1.4)
        ax = axes[0][0]
        colours = [OKABE_ITO[0] if s > 0 else OKABE_ITO[1] for s in t.spearman]
        ax.barh(t.parameter, t.importance, xerr=t.importance_conf, color=colours, capsize=2)
        if len(floor):  # the delta of an input the model never sees: below this line, indistinguishable from noise
            ax.axvline(float(floor.iloc[0]), color="black", linestyle="--", linewidth=1, label="noise floor (dummy)")
            ax.legend(loc="lower right", fontsize=8)
        ax.set_xlabel(f"{index} (bars: 95% CI; blue: higher values raise it, orange: lower it)")
        ax.set_title(textwrap_title(result.subject(ind), result.horizon), fontsize=10)
        plots.append(Plot(f"sensitivity_{ind}", fig, t.reset_index(drop=True),
                          caption=f"What drives {result.subject(ind)} at month {result.horizon}."))
    return plots


def textwrap_title(subject: str, horizon: int) -> str:
    import textwrap

    return textwrap.fill(f"{subject[0].upper()}{subject[1:]}, month {horizon}", 80) if subject else title("")
