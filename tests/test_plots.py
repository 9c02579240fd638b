"""Figures: the data behind each figure equals the saved summaries, read back from the drawn artists too;
one style per scenario, colour-blind-safe and distinguishable in greyscale; units on every axis."""

from __future__ import annotations

from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from report_fixtures import make_compare, make_run, make_sweep

from sim.plots import compare as compare_plots
from sim.plots import data as pdata
from sim.plots import run as run_plots
from sim.plots import style
from sim.plots import sweep as sweep_plots


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("plots")
    return {"run": make_run(root / "run"), "compare": make_compare(root / "compare"),
            "sweep": make_sweep(root / "sweep")}


def _visible_axes(plot: style.Plot) -> list:
    return [ax for ax in plot.fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def test_folder_kinds_are_recognised_and_bad_folders_named(folders: dict[str, Path], tmp_path: Path) -> None:
    assert {k: pdata.kind_of(v) for k, v in folders.items()} == {"run": "run", "compare": "compare", "sweep": "sweep"}
    for bad, words in ((tmp_path / "absent", "no such folder"), (tmp_path, "not a results folder")):
        with pytest.raises(pdata.ResultsError, match=words):
            pdata.kind_of(bad)


def test_trajectories_end_at_the_saved_summary(folders: dict[str, Path]) -> None:
    run = pdata.load_run(folders["run"])
    plot = run_plots.trajectories({run.name: run.timeseries})
    try:
        horizon = plot.data[plot.data.month == run.timeseries.month.max()].set_index("indicator")
        saved = run.summary[run.summary.group == "all"].set_index("indicator").loc[horizon.index]
        for col in ("mean", "ci_low", "ci_high", "n"):
            np.testing.assert_allclose(horizon[col].to_numpy(float), saved[col].to_numpy(float), rtol=1e-9)
        # read back from the artists: each panel's line ends at the saved mean
        for ax in _visible_axes(plot):
            ind = next(i for i in style.HEADLINE if style.title(i) == ax.get_title())
            np.testing.assert_allclose(ax.lines[0].get_ydata()[-1], saved.loc[ind, "mean"], rtol=1e-9)
            assert ax.get_ylabel() == style.unit(ind) != ""
    finally:
        style.close(plot)


def test_compare_trajectories_share_axes_and_match_each_scenario(folders: dict[str, Path]) -> None:
    cmp = pdata.load_compare(folders["compare"])
    assert list(cmp.runs) == ["baseline", "grant_cut", "mentorship"] and cmp.base == "baseline"
    plot = run_plots.trajectories({n: r.timeseries for n, r in cmp.runs.items()})
    try:
        for ax in _visible_axes(plot):
            assert len(ax.lines) == 3  # one line per scenario on the same axes
            ind = next(i for i in style.HEADLINE if style.title(i) == ax.get_title())
            for line, (name, run) in zip(ax.lines, cmp.runs.items()):
                saved = run.summary[(run.summary.group == "all") & (run.summary.indicator == ind)]["mean"].item()
                np.testing.assert_allclose(line.get_ydata()[-1], saved, rtol=1e-9)
                assert line.get_label() == name
    finally:
        style.close(plot)


def test_breakdown_bars_equal_the_summary(folders: dict[str, Path]) -> None:
    run = pdata.load_run(folders["run"])
    plot = run_plots.group_breakdown(run.summary)
    try:
        merged = plot.data.merge(run.summary, on=["indicator", "group"], suffixes=("", "_saved"))
        assert len(merged) == len(plot.data) > 0
        np.testing.assert_allclose(merged["mean"], merged["mean_saved"], rtol=1e-12)
        assert set(plot.data.dimension) == {"sex", "age", "years_since_arrival"}
        # bar heights read back from the first row (employment rate), sex panel
        ax = plot.fig.axes[0]
        heights = [p.get_height() for p in ax.patches]
        want = run.summary.set_index(["indicator", "group"]).loc[
            [("employment_rate", "sex=male"), ("employment_rate", "sex=female")], "mean"]
        np.testing.assert_allclose(heights, want.to_numpy(), rtol=1e-12)
    finally:
        style.close(plot)


def test_distributions_are_the_saved_settlers(folders: dict[str, Path]) -> None:
    run = pdata.load_run(folders["run"])
    # the cohort of 150 and the relatives who joined them from the North (children born outside the North are not
    # settlers and are not saved)
    assert run.settlers is not None and 150 <= len(run.settlers) <= 165
    pop = run_plots.survey_population(run.settlers)
    plot = run_plots.settler_distributions(run.settlers)
    try:
        employed = pop[pop.labour == "employed"]
        np.testing.assert_allclose(np.sort(plot.data[plot.data.variable == "wage"].value),
                                   np.sort(employed.wage.to_numpy(float)))
        np.testing.assert_allclose(plot.data[plot.data.variable == "depression"].value.to_numpy(),
                                   pop.depression.to_numpy(float))
        # the histogram bars count every settler drawn
        for ax, (var, _, u) in zip(plot.fig.axes, run_plots.SETTLER_PANELS):
            total = sum(p.get_height() for p in ax.patches)
            assert total == (plot.data.variable == var).sum()
            assert ax.get_xlabel() == u and "persons" in ax.get_ylabel()
    finally:
        style.close(plot)


def test_effect_plot_is_comparison_csv_ordered_by_size(folders: dict[str, Path]) -> None:
    cmp = pdata.load_compare(folders["compare"])
    plot = compare_plots.effects(cmp.comparison, 24, base=cmp.base)
    try:
        saved = pd.read_csv(folders["compare"] / "comparison.csv")
        saved = saved[(saved.group == "all") & (saved.horizon == 24)]
        merged = plot.data.merge(saved, on=["scenario", "indicator"], suffixes=("", "_csv"))
        assert len(merged) == len(plot.data) == len(saved.dropna(subset=["diff"]))
        for col in ("diff", "ci_low", "ci_high", "base_mean", "mean"):
            np.testing.assert_allclose(merged[col], merged[f"{col}_csv"], rtol=1e-12, equal_nan=True)
        for ax in plot.fig.axes:
            labels = [t.get_text() for t in ax.get_yticklabels()]
            by_title = {style.title(i): i for i in plot.data.indicator}
            size = [plot.data[plot.data.indicator == by_title[lab]]["diff"].abs().max() for lab in labels]
            assert size == sorted(size)  # bottom to top: the largest effect on top
            assert "difference from baseline" in ax.get_xlabel()
        assert plot.data.includes_zero.dtype == bool
        assert (plot.data.includes_zero == ((plot.data.ci_low <= 0) & (plot.data.ci_high >= 0))).all()
    finally:
        style.close(plot)


def test_a_scenario_has_one_colour_in_every_figure(folders: dict[str, Path]) -> None:
    cmp = pdata.load_compare(folders["compare"])
    traj = run_plots.trajectories({n: r.timeseries for n, r in cmp.runs.items()})
    eff = compare_plots.effects(cmp.comparison, 24, base=cmp.base)
    try:
        line_colour = {ln.get_label(): mcolors.to_hex(ln.get_color()) for ln in traj.fig.axes[0].lines}
        legend = {h.get_label(): mcolors.to_hex(h.get_color()) for h in eff.fig.legends[0].legend_handles
                  if h.get_label() in cmp.runs}
        assert set(legend) == {"grant_cut", "mentorship"}
        assert all(legend[n] == line_colour[n] for n in legend)
        assert len(set(line_colour.values())) == 3
    finally:
        style.close(traj)
        style.close(eff)


def test_sweep_point_means_equal_the_saved_summary(folders: dict[str, Path]) -> None:
    sw = pdata.load_sweep(folders["sweep"])
    assert sw.factors == ["policy.cash_grant_million_krw", "policy.mentorship_coverage"]
    ours = sweep_plots.point_means(sw.sweep, sw.factors, "all", 12)
    saved = pd.read_csv(folders["sweep"] / "summary.csv")
    saved = saved[(saved.group == "all") & (saved.horizon == 12)]
    m = ours.merge(saved, on=["point", "indicator"], suffixes=("", "_saved"))
    assert len(m) == len(ours) == len(saved) == 6 * 3
    for col in ("mean", "ci_low", "ci_high", "n"):
        np.testing.assert_allclose(m[col], m[f"{col}_saved"], rtol=1e-9)


def test_response_curve_and_heatmap_draw_the_sweep_means(folders: dict[str, Path]) -> None:
    sw = pdata.load_sweep(folders["sweep"])
    df = sw.sweep[(sw.sweep.group == "all") & (sw.sweep.horizon == 12)]
    factor = "policy.cash_grant_million_krw"
    plot = sweep_plots.response_curves(sw.sweep, factor, sw.factors, {factor: 10.0})
    try:
        want = df.groupby(["indicator", factor]).value.mean()
        got = plot.data.set_index(["indicator", "x"])["mean"]
        np.testing.assert_allclose(got.sort_index().to_numpy(), want.sort_index().to_numpy(), rtol=1e-12)
        ax = plot.fig.axes[0]
        ind = next(i for i in sweep_plots.pick_indicators(sw.sweep) if style.title(i) == ax.get_title())
        np.testing.assert_allclose(ax.lines[0].get_ydata(), want.loc[ind].to_numpy(), rtol=1e-12)
        baseline = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
        assert baseline and np.allclose(baseline[0].get_xdata(), 10.0)
        assert any("million KRW per person" in a.get_xlabel().replace("\n", " ") for a in plot.fig.axes)
    finally:
        style.close(plot)
    assert sweep_plots.heatmap_pairs(sw.sweep, sw.factors) == [tuple(sw.factors)]
    heat = sweep_plots.heatmap(sw.sweep, *sw.factors, baseline={sw.factors[0]: 10.0, sw.factors[1]: 0.0})
    try:
        ax = heat.fig.axes[0]
        ind = next(i for i in sweep_plots.pick_indicators(sw.sweep) if style.title(i) == ax.get_title())
        grid = df[df.indicator == ind].groupby([sw.factors[1], sw.factors[0]]).value.mean().unstack()
        np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), grid.to_numpy(), rtol=1e-12)
        assert len(ax.patches) == 2  # the baseline cell is outlined (black and white)
    finally:
        style.close(heat)


def test_styles_are_colour_blind_safe_and_distinct_in_greyscale() -> None:
    names = [f"s{i}" for i in range(8)]
    styles = style.scenario_styles(names)
    assert [s.color for s in styles.values()] == list(style.OKABE_ITO)
    assert len({str(s.linestyle) for s in styles.values()}) == 8 and len({s.marker for s in styles.values()}) == 8
    # same name, same style, whatever else is in the list
    assert style.scenario_styles(["base", "x"])["base"] == style.scenario_styles(["base", "y", "z"])["base"]
    # the first four colours differ in lightness too (greyscale print): luminance spread of at least 0.1
    lum = sorted(np.dot(mcolors.to_rgb(c), [0.2126, 0.7152, 0.0722]) for c in style.OKABE_ITO[:4])
    assert min(np.diff(lum)) > 0.02 and lum[-1] - lum[0] > 0.1


def test_axis_labels_carry_units() -> None:
    assert style.axis_label("employment_rate") == "Employment rate (%)"
    assert "10k KRW per month" in style.axis_label("mean_monthly_wage", 200)
    assert style.unit("whereabouts_unknown") == "persons"
    assert style.diff_label("employment_rate") == "percentage points"
    assert compare_plots.horizon_words(36) == "after 3 years" and compare_plots.horizon_words(18) == "after 18 months"


def test_saved_png_closes_the_figure(folders: dict[str, Path], tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    run = pdata.load_run(folders["run"])
    before = len(plt.get_fignums())
    plot = run_plots.group_breakdown(run.summary)
    path = style.save(plot, tmp_path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(plt.get_fignums()) == before
