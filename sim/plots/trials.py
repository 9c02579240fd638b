"""The trials' forest plot: published against simulated effects, one panel per measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from sim.plots.style import OKABE_ITO, Plot, new_figure

MEASURE_LABELS = {"smd": "standardised mean difference (treated - control)",
                  "pp_difference": "difference in percentage points",
                  "risk_ratio": "risk ratio (treated / control, log scale)",
                  "within_smd": "change within the treated arm, in baseline SDs",
                  "mean_difference": "mean difference"}
AGREE, DISAGREE, PUBLISHED = OKABE_ITO[0], OKABE_ITO[1], "#000000"
ROW_HEIGHT, PANEL_PAD = 0.32, 0.9  # inches a row; inches added to each panel
OFFSET = 0.18  # vertical gap between the published and simulated markers of a row


def forest_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows that can be drawn: a simulated effect (published interval or sign)."""
    return table[table.simulated.notna()].reset_index(drop=True)


def row_label(r: pd.Series) -> str:
    group = "" if r.group == "all" else f", {r.group}"
    return f"{r.trial}: {r.outcome}{group}, {int(r.followup_months)} m"


def forest(table: pd.DataFrame) -> Plot:
    """Published (black, interval or sign) and simulated (95% CI; blue agrees, orange does not) effects.

    data: the rows of trials.csv drawn, with their panel (measure)."""
    data = forest_rows(table)
    measures = [m for m in MEASURE_LABELS if (data.measure == m).any()]
    heights = [max(1, int((data.measure == m).sum())) for m in measures] or [1]
    fig, axes = new_figure(len(heights), 1, width=10.5, height=ROW_HEIGHT * sum(heights) + PANEL_PAD * len(heights),
                           gridspec_kw={"height_ratios": heights})
    for ax, measure in zip(axes[:, 0], measures):
        d = data[data.measure == measure].reset_index(drop=True)
        y = np.arange(len(d))[::-1]
        null = 1.0 if measure == "risk_ratio" else 0.0
        ax.axvline(null, color="0.6", lw=0.8, zorder=0)
        for yi, r in zip(y, d.itertuples()):
            if np.isfinite(r.published_low):
                est = float(r.published) if not isinstance(r.published, str) or _is_number(r.published) else np.nan
                ax.plot([r.published_low, r.published_high], [yi + OFFSET] * 2, color=PUBLISHED, lw=2)
                if np.isfinite(est):
                    ax.plot([est], [yi + OFFSET], "o", color=PUBLISHED, ms=4)
            else:
                ax.annotate(f"published: {r.published}", (null, yi + OFFSET), fontsize=7, ha="left", va="center",
                            xytext=(4, 0), textcoords="offset points")
            colour = AGREE if r.agree == "yes" else DISAGREE
            ax.plot([r.ci_low, r.ci_high], [yi - OFFSET] * 2, color=colour, lw=2)
            ax.plot([r.simulated], [yi - OFFSET], "s", color=colour, ms=5)
        ax.set_yticks(y, [row_label(r) for _, r in d.iterrows()], fontsize=7)
        ax.set_xlabel(MEASURE_LABELS[measure], fontsize=8)
        if measure == "risk_ratio":
            ax.set_xscale("log")
    axes[0, 0].legend(handles=[Line2D([], [], color=PUBLISHED, marker="o", label="published (95% CI or range)"),
                               Line2D([], [], color=AGREE, marker="s", label="simulated, agrees"),
                               Line2D([], [], color=DISAGREE, marker="s", label="simulated, does not agree")],
                      fontsize=7, loc="best")
    return Plot("forest", fig, data, caption="Published effects (black) against the model's replicas of the same "
                "trials (squares, 95% intervals over replicates). Rows published only as a sign show it in words.")


def _is_number(text: object) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True
