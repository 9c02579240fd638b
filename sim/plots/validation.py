"""The validation figure: simulated against observed by year, one panel per target figure (``resettle validate``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.batch import store


def figure(table: pd.DataFrame, path: str | Path) -> None:
    """Simulated (mean, 95% CI) against observed (acceptable range) by year, one panel per target figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(table["indicator"]))
    cols = 5
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        d = table[table["indicator"] == name]
        x = d["year"].to_numpy()
        ax.errorbar(x - 0.12, d["observed"], yerr=[d["observed"] - d["accept_low"], d["accept_high"] - d["observed"]],
                    fmt="o", color="black", capsize=3, label="observed (tolerance)")
        colour = np.where(d["within"], "tab:blue", "tab:red")
        for xi, m, lo, hi, c in zip(x + 0.12, d["simulated"], d["ci_low"], d["ci_high"], colour):
            ax.errorbar([xi], [m], yerr=[[m - lo], [hi - m]], fmt="s", color=c, capsize=3)
        ax.set_title(name.replace("_", " "), fontsize=8)
        ax.set_xticks(sorted(set(x)))
        ax.set_xlim(x.min() - 0.6, x.max() + 0.6)
        ax.tick_params(labelsize=7)
        ax.set_ylabel(d["unit"].iloc[0], fontsize=7)
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    fig.legend(handles=[
        plt.Line2D([], [], marker="o", color="black", ls="", label="observed, tolerance"),
        plt.Line2D([], [], marker="s", color="tab:blue", ls="", label="simulated mean, 95% CI (within)"),
        plt.Line2D([], [], marker="s", color="tab:red", ls="", label="simulated (outside tolerance)")],
        loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle("Historical replay against published figures", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    with store.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
