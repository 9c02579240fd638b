"""The compare report's one-screen summary and its group effects follow their stated rules."""

from __future__ import annotations

import pandas as pd

from sim.plots.compare import group_effects
from sim.report import text

COLS = ["scenario", "indicator", "group", "horizon", "base_mean", "mean", "diff", "ci_low", "ci_high", "n"]


def _row(scenario: str, indicator: str, horizon: int, base: float, diff: float, half: float,
         group: str = "all") -> dict:
    return dict(zip(COLS, [scenario, indicator, group, horizon, base, base + diff, diff, diff - half, diff + half, 10]))


def test_summary_takes_clear_effects_by_relative_size_and_scenarios_in_turn() -> None:
    rows = [
        _row("a", "employment_rate", 12, 50.0, 5.0, 1.0),        # 10% of the level, clear
        _row("a", "employment_rate", 36, 50.0, 1.0, 0.5),        # same indicator, smaller: dropped for the 12 m row
        _row("a", "mean_monthly_wage", 12, 250.0, 2.5, 0.5),     # 1%, clear
        _row("a", "life_satisfaction", 12, 80.0, 20.0, 30.0),    # large but the CI includes zero: excluded
        _row("b", "major_depression", 12, 10.0, -0.5, 0.1),      # 5%, clear
        _row("b", "unemployment_rate", 12, 6.0, -1.2, 0.2),      # 20%, clear
        _row("a", "not_headline", 12, 1.0, 1.0, 0.1),            # not a headline indicator
    ]
    comp = pd.DataFrame(rows)
    headline = ("employment_rate", "mean_monthly_wage", "life_satisfaction", "major_depression", "unemployment_rate")
    chosen = text.summary_effects(comp, headline, limit=3)
    assert list(zip(chosen.scenario, chosen.indicator, chosen.horizon)) == [
        ("a", "employment_rate", 12), ("b", "unemployment_rate", 12), ("a", "mean_monthly_wage", 12)]
    assert len(text.summary_effects(comp, headline)) == 4  # every clear effect when the limit allows


def test_direction_words_follow_the_declared_better_direction() -> None:
    assert text.direction_word("employment_rate", 1.0) == "better"
    assert text.direction_word("unemployment_rate", 1.0) == "worse"
    assert text.direction_word("no_one_to_ask_when_sick", -2.0) == "better"


def test_group_effects_are_the_comparison_rows_and_clear_differences_are_named() -> None:
    rows = [_row("a", "employment_rate", 60, 50.0, 2.0, 0.5),
            _row("a", "employment_rate", 60, 50.0, 6.0, 1.0, group="sex=female"),   # differs clearly
            _row("a", "employment_rate", 60, 50.0, 2.5, 1.0, group="sex=male"),     # overlaps the overall 2.0
            _row("a", "employment_rate", 12, 50.0, 9.0, 1.0, group="sex=male")]     # another horizon
    comp = pd.DataFrame(rows)
    plot = group_effects(comp, 60, ["employment_rate"], base="base")
    drawn = plot.data.sort_values("group").reset_index(drop=True)
    expected = comp[comp.horizon == 60].sort_values("group").reset_index(drop=True)
    pd.testing.assert_frame_equal(drawn[COLS], expected[COLS])
    differ = text.differing_groups(comp, ["employment_rate"], 60)
    assert list(differ.group) == ["sex=female"]
