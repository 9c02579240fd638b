"""Fan charts over a parameter ensemble: the median and the 50% and 90% bands across members, month by month."""

from __future__ import annotations

import math

import pandas as pd

from sim.plots.style import Plot, Style, diff_label, group_label, new_figure, scenario_styles, title, unit

BANDS = ((0.05, 0.95, 0.18), (0.25, 0.75, 0.38))  # (low, high quantile, opacity): the 90% and 50% bands


def fan_data(ts: pd.DataFrame, indicators: list[str] | tuple[str, ...], group: str = "all",
             base: pd.DataFrame | None = None) -> pd.DataFrame:
    """indicator, month, q05, q25, q50, q75, q95 across members (replicates); of ``ts - base`` paired by
    replicate and month when ``base`` is given (the effect)."""
    keys = ["replicate", "month", "indicator"]
    d = ts[(ts.group == group) & ts.indicator.isin(indicators)][[*keys, "value"]]
    if base is not None:
        b = base[(base.group == group) & base.indicator.isin(indicators)][[*keys, "value"]]
        d = d.merge(b, on=keys, suffixes=("", "_base"))
        d = d.assign(value=d.value - d.value_base)[[*keys, "value"]]
    d = d.astype({"indicator": str})
    q = d.groupby(["indicator", "month"]).value.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    q.columns = ["q05", "q25", "q50", "q75", "q95"]
    return q.reset_index()


def fan_chart(timeseries: dict[str, pd.DataFrame], indicators: list[str] | tuple[str, ...], group: str = "all",
              base: str | None = None, styles: dict[str, Style] | None = None, ncols: int = 3,
              name: str = "fan_chart") -> Plot:
    """One panel per indicator: each scenario's median over the ensemble members with its 50% and 90% bands.

    With ``base``, the panels show each other scenario's paired effect against it (member i against member i).
    data: scenario, indicator, month, q05, q25, q50, q75, q95.
    """
    styles = styles or scenario_styles(list(timeseries))
    shown = {s: ts for s, ts in timeseries.items() if s != base}
    data = pd.concat([fan_data(ts, indicators, group, None if base is None else timeseries[base]).assign(scenario=s)
                      for s, ts in shown.items()], ignore_index=True)
    present = [i for i in indicators if i in set(data.indicator)]
    nrows = max(1, math.ceil(len(present) / ncols))
    fig, axes = new_figure(nrows, ncols, width=4.0 * ncols, height=2.9 * nrows + 0.9, sharex=True)
    for ax, ind in zip(axes.flat, present):
        for s in shown:
            d = data[(data.scenario == s) & (data.indicator == ind)].sort_values("month")
            st = styles[s]
            for lo, hi, alpha in BANDS:
                ax.fill_between(d.month, d[f"q{round(lo * 100):02d}"], d[f"q{round(hi * 100):02d}"], color=st.color,
                                alpha=alpha, linewidth=0)
            ax.plot(d.month, d.q50, color=st.color, linestyle=st.linestyle, linewidth=1.8, label=s)
        if base is not None:
            ax.axhline(0, color="black", linewidth=0.8)
        ax.set_title(title(ind), fontsize=10)
        ax.set_ylabel(diff_label(ind) if base is not None else unit(ind))
    for ax in list(axes.flat)[len(present):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("months since start")
    what = f"effect against {base}" if base is not None else "level"
    fig.suptitle(f"Over the parameter ensemble, {group_label(group)}: {what}, median with 50% and 90% bands",
                 fontsize=12)
    if len(shown) > 1:
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), title="scenario")
    caption = ("Each panel: the line is the median across the ensemble's members (one parameter set and seed each), "
               "the dark band holds the middle 50% of members, the light band 90%"
               + (f"; each member's effect is paired with the same member of {base}." if base is not None else "."))
    return Plot(name, fig, data, caption)


