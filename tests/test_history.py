"""The historical replay: scenario, policy timeline applied by arrival date, annual mid-year output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch.runner import mid_year_months, run_scenario
from sim.cli import main
from sim.model import ResettlementModel
from sim.params import MILLION_KRW
from sim.scenario import load_scenario
from sim.state import PENDING

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history.yaml"


def test_history_scenario_replays_population_with_dated_changes() -> None:
    sc = load_scenario(HISTORY)
    assert sc.population.mode == "population"
    assert sc.start == "2005-01" and sc.months == 252  # records January 2005 to December 2025
    schedule = dict((at, v) for at, v in sc.change_schedule())
    assert schedule[-72] == {"cash_grant_million_krw": 28, "housing_subsidy_million_krw": 9}  # 1999-01, in the warm-up
    assert schedule[0]["cash_grant_million_krw"] == 10  # the 2005 reform, at the start
    assert schedule[119]["matched_savings_max_million_krw_per_month"] == 0.5  # 2014-12


def test_package_is_fixed_by_arrival_date_during_warm_up() -> None:
    """Settlers arriving 1999-2004 got the 28M grant, earlier ones 6.9M, from 2005 10M (policy_history.csv)."""
    sc = load_scenario(HISTORY).with_overrides(**{"population.size": 1500, "months": 24})
    model = ResettlementModel(rng=3, agent_views=False, **sc.model_kwargs())
    while model.running:
        model.step()
    s = model.state
    year = 1990 + s.arrival_month // 12
    total = s.grant_instalment * 12 / (1 - np.where(year >= 2007, 0.5, 0.3))  # instalments over 12 months
    for lo, hi, grant in ((1990, 1998, 6.9), (1999, 2004, 28), (2005, 2006, 10)):
        rows = (year >= lo) & (year <= hi) & s.defector  # children born outside the North have no package
        assert rows.sum() > 20
        np.testing.assert_allclose(total[rows], grant * MILLION_KRW, rtol=1e-4)


def test_change_dated_before_the_replayed_history_applies_from_the_first_month() -> None:
    model = ResettlementModel(n_settlers=50, mode="cohort", start="2024-01", months=1, rng=1,
                              policy_changes=[(-30, {"cash_grant_million_krw": 33})])
    model.step()
    assert model.p.cash_grant_million_krw == 33
    settlers = model.state.defector & (model.state.status != PENDING)
    assert np.all(model.state.grant_left[settlers] == 33 * MILLION_KRW)  # in Hanawon: the whole grant still to be paid


@pytest.mark.parametrize(("start", "months", "expected"), [
    ("2005-01", 252, {y: (y - 2005) * 12 + 5 for y in range(2005, 2026)}),
    ("2024-07", 12, {2025: 11}),
    ("2024-06", 1, {2024: 0}),
    ("2024-01", 5, {}),
])
def test_mid_year_months_maps_junes_to_record_indices(start: str, months: int, expected: dict[int, int]) -> None:
    assert mid_year_months(start, months) == expected


def test_annual_values_are_the_june_records() -> None:
    result = run_scenario(HISTORY, replicates=2, population=300, months=30, progress=False)
    annual = result.annual()
    assert sorted(annual.year.unique()) == [2005, 2006, 2007]
    row = annual[(annual.year == 2006) & (annual.indicator == "employment_rate") & (annual.group == "all")]
    june_2006 = result.summary(month=18)  # 18th recorded month = June 2006
    expected = june_2006[(june_2006.indicator == "employment_rate") & (june_2006.group == "all")]
    assert row["mean"].item() == pytest.approx(expected["mean"].item())


def test_cli_run_history_writes_annual_csv_2005_to_2025(tmp_path: Path) -> None:
    out = tmp_path / "history"
    code = main(["run", str(HISTORY), "--population", "300", "--replicates", "2", "--out", str(out), "--quiet"])
    assert code == 0
    annual = pd.read_csv(out / "annual.csv")
    assert list(annual.columns) == ["year", "indicator", "group", "mean", "ci_low", "ci_high"]
    assert sorted(annual.year.unique()) == list(range(2005, 2026))
    emp = annual[(annual.indicator == "employment_rate") & (annual.group == "all")]
    assert len(emp) == 21 and emp["mean"].between(0, 100).all()
    assert (emp.ci_low <= emp["mean"]).all() and (emp["mean"] <= emp.ci_high).all()
    pop = annual[(annual.indicator == "population_in_south_korea") & (annual.group == "all")].set_index("year")["mean"]
    assert pop[2005] < pop[2015]  # the population grows with the arrivals of 2005-2015


def test_run_without_a_june_writes_no_annual_csv(tmp_path: Path) -> None:
    result = run_scenario(REPO / "scenarios" / "baseline.yaml", replicates=1, population=100, months=3,
                          progress=False)
    result.write(tmp_path)
    assert not (tmp_path / "annual.csv").exists()
    assert (tmp_path / "summary.csv").exists()
