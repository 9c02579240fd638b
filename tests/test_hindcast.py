"""Hindcast: calibration on figures from 2020 on; the earlier published figures are validation only.

``sim/data/hindcast.csv`` holds every figure before ``CALIBRATION_FROM_YEAR``; ``resettle validate
--hindcast`` replays history and tabulates model against published for each of them; calibration
refuses them (the targets loader, the calibration problem and the command line).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration import targets as tg
from sim.calibration.calibrate import FITTED, Problem, default_problem
from sim.cli import main
from sim.scenario import Scenario

HINDCAST = tg.load_hindcast()
TARGETS = tg.load_targets()
HINDCAST_PATH = Path(str(tg.data_path(tg.HINDCAST_FILE)))
TARGETS_PATH = Path(str(tg.data_path(tg.TARGETS_FILE)))


# ---------------------------------------------------------------- the split

def test_calibration_targets_are_from_2020_and_hindcast_figures_before() -> None:
    assert tg.CALIBRATION_FROM_YEAR == 2020
    assert (TARGETS.year >= 2020).all() and (HINDCAST.year < 2020).all()
    assert not set(TARGETS.target) & set(HINDCAST.target)
    assert HINDCAST.target.is_unique and list(HINDCAST.columns) == list(TARGETS.columns)


def test_hindcast_has_the_published_series_with_sources() -> None:
    h = HINDCAST.set_index("target")
    assert h.loc["livelihood_benefit_recipients 2007", "value"] == 63.5
    assert h.loc["livelihood_benefit_recipients 2012", "value"] == 27.9
    assert h.loc["livelihood_benefit_recipients 2015", "value"] == 25.3
    since = HINDCAST[HINDCAST.indicator.str.startswith("livelihood_benefit_year_")]
    assert {g for gs in since.groups for g in gs} == {f"years_since_arrival={k}" for k in ("1", "2", "3", "4", "5", "6+")}
    for model in ("employment_rate", "unemployment_rate", "labour_force_participation", "mean_monthly_wage",
                  "discrimination_past_year", "livelihood_benefit_household_members"):
        assert (HINDCAST.model_indicator == model).sum() >= 4, model
    for sex in ("sex=male", "sex=female"):
        by_sex = HINDCAST[HINDCAST.group == sex]
        assert {"employment_rate", "mean_monthly_wage", "economically_inactive"} <= set(by_sex.model_indicator)
    assert HINDCAST.source.str.len().gt(10).all() and HINDCAST.tolerance_justification.str.len().gt(10).all()


def test_targets_by_sex_from_2020() -> None:
    by_sex = TARGETS[TARGETS.group.isin(["sex=male", "sex=female"])]
    assert set(by_sex.model_indicator) == {"employment_rate", "unemployment_rate", "mean_monthly_wage"}
    women = by_sex[(by_sex.model_indicator == "employment_rate") & (by_sex.group == "sex=female")]
    # binomial 95% half-width at n = 2500 x 0.71 women
    assert women.tolerance.iloc[0] == pytest.approx(1.96 * np.sqrt(0.566 * 0.434 / 1775) * 100, abs=0.1)
    # the all-settler employment rate is the 25/75 mix of the sexes' (a check on the transcription)
    all_2024 = TARGETS.set_index("target").loc["employment_rate 2024", "value"]
    men, wom = (by_sex.set_index("target").loc[f"employment_rate_{s} 2024", "value"] for s in ("men", "women"))
    assert 0.25 * men + 0.75 * wom == pytest.approx(all_2024, abs=0.3)


def test_a_figure_before_2020_is_refused_as_a_calibration_target(tmp_path: Path) -> None:
    raw = pd.read_csv(TARGETS_PATH)
    bad = tmp_path / "t.csv"
    raw.assign(year=np.where(np.arange(len(raw)) == 3, 2019, raw.year)).to_csv(bad, index=False)
    with pytest.raises(tg.TargetsError, match=r"line 5 .*calibration targets are from 2020 on, got 2019") as err:
        tg.load_targets(bad)
    assert "\n" not in str(err.value)
    with pytest.raises(tg.TargetsError, match="calibration targets are from 2020 on"):
        tg.load_targets(HINDCAST_PATH)
    with pytest.raises(tg.TargetsError, match="hindcast figures are before 2020"):
        tg.load_hindcast(TARGETS_PATH)


def test_hindcast_rows_never_enter_calibration(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = Scenario(name="s", population={"mode": "cohort", "size": 100}, start="2005-01", months=12, seed=1)
    names = ("job_offer_rate",)
    with pytest.raises(tg.TargetsError, match="calibration targets are from 2020 on"):
        Problem(scenario, HINDCAST, names, {n: FITTED[n] for n in names})
    mixed = pd.concat([TARGETS, HINDCAST.iloc[:1]], ignore_index=True)
    with pytest.raises(tg.TargetsError, match="1 earlier"):
        Problem(scenario, mixed, names, {n: FITTED[n] for n in names})
    with pytest.raises(tg.TargetsError):
        default_problem(HINDCAST_PATH)
    assert main(["calibrate", "--targets", str(HINDCAST_PATH), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "calibration targets are from 2020 on" in err and len(err.strip().splitlines()) == 1
    # the default problem is the 2020+ targets file, nothing else
    assert set(default_problem(population=100, replicates=1).targets.target) == set(TARGETS.target)


# ---------------------------------------------------------------- the replay

def test_cli_hindcast_tables_every_row_with_a_finite_model_value(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "h"
    code = main(["validate", "--hindcast", "--population", "1500", "--replicates", "2", "--draws", "2", "--out", str(out),
                 "--quiet"])
    assert code == 0
    table = pd.read_csv(out / "hindcast.csv")
    assert list(table.target) == list(HINDCAST.target)
    assert np.isfinite(table.simulated).all() and np.isfinite(table.difference).all()
    np.testing.assert_allclose(table.difference, table.simulated - table.observed)
    assert {"observed", "simulated", "ci_low", "ci_high", "tolerance", "within", "group", "source"} <= set(table.columns)
    md = (out / "hindcast.md").read_text()
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == len(HINDCAST) + 1 and "Within tolerance" in md  # the header and one line a figure
    assert (out / "hindcast.png").stat().st_size > 10_000
    printed = capsys.readouterr().out
    assert "hindcast: 2 replicates of 1500 settlers" in printed and "livelihood_benefit_year_1_since_arrival" in printed


def test_cli_hindcast_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--hindcast", "--targets", str(tmp_path / "missing.csv"), "--quiet"]) == 2
    assert main(["validate", "--hindcast", "--targets", str(TARGETS_PATH), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "hindcast file not found" in err and "hindcast figures are before 2020" in err
    assert len(err.strip().splitlines()) == 2 and "Traceback" not in err
