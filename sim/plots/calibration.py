"""Figures of the posterior calibration: pairwise posteriors, identifiability, the posterior predictive check."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.batch import store


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | Path) -> None:
    with store.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    _plt().close(fig)


def pairs(frame: pd.DataFrame, pairs: Sequence[tuple[str, str, float]], path: str | Path) -> None:
    """Scatter of the posterior draws for the parameter pairs that trade off most (largest |correlation|)."""
    plt = _plt()
    n = len(pairs)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.0 * rows), squeeze=False)
    for ax, (a, b, r) in zip(axes.flat, pairs):
        ax.scatter(frame[a], frame[b], s=6, alpha=0.5, color="tab:blue")
        ax.set_xlabel(a, fontsize=8)
        ax.set_ylabel(b, fontsize=8)
        ax.set_title(f"correlation {r:+.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[n:]:
        ax.axis("off")
    fig.suptitle("Posterior: the parameters that trade off against each other", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    _save(fig, path)


def identifiability(table: pd.DataFrame, path: str | Path) -> None:
    """Posterior 90% width over prior 90% width per parameter (1 = the data say nothing)."""
    plt = _plt()
    t = table.sort_values("width_ratio")
    fig, ax = plt.subplots(figsize=(6.5, 0.22 * len(t) + 1.2))
    colour = t["verdict"].map({"identified": "tab:green", "partly": "tab:orange", "not identified": "tab:grey"})
    ax.barh(t["parameter"], t["width_ratio"], color=colour)
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_xlabel("posterior 90% width / prior 90% width", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title("What the targets identify (green), partly (orange), not (grey)", fontsize=9)
    fig.tight_layout()
    _save(fig, path)


def predictive(rows: pd.DataFrame, path: str | Path) -> None:
    """Each target's posterior predictive 95% interval, in published half-widths from the published value (0)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 0.2 * len(rows) + 1.2))
    y = np.arange(len(rows))
    colour = np.where(rows["inside_predictive_95"], "tab:blue", "tab:red")
    ax.scatter(rows["median_standardised"], y, color=colour, s=12, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.axvspan(-1, 1, color="0.9", zorder=0)
    ax.set_yticks(y, rows["target"], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("simulated median at the posterior draws, in published 95% half-widths (grey: within)", fontsize=8)
    ax.set_title("Posterior predictive check (red: published value outside the 95% predictive interval)", fontsize=9)
    fig.tight_layout()
    _save(fig, path)
