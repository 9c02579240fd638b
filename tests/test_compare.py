"""Paired comparisons: common random numbers, paired CIs, comparison.csv and the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim import indicators
from sim.batch.compare import COLUMNS, compare, paired_difference, unpaired_difference
from sim.batch.seeds import replicate_seeds
from sim.cli import main
from sim.scenario import Scenario, ScenarioError, validate_dict


def scenario(name: str, months: int = 12, **policy: float) -> Scenario:
    return validate_dict({"name": name, "population": {"size": 200}, "months": months, "replicates": 10,
                          "seed": 99, "policy": policy}, source="<test>")


@pytest.fixture(scope="module")
def counselling() -> sim.batch.compare.CompareResult:
    """Baseline and more counselling, 10 paired replicates of 200 settlers over 12 months."""
    return compare([scenario("base"), scenario("counselling", counselling_slots_per_1000=40)], workers=1,
                   progress=False)


def test_common_random_numbers(counselling) -> None:
    base, other = counselling.results
    assert base.seeds == other.seeds == replicate_seeds(99, 10)
    # the first month is before counselling can change anything measured: identical populations
    k = indicators.INDICATOR_NAMES.index("population_in_south_korea")
    np.testing.assert_array_equal(base.records[:, 0, k], other.records[:, 0, k])


def test_table_columns_and_horizons(counselling) -> None:
    t = counselling.table
    assert list(t.columns) == COLUMNS
    assert counselling.horizons == [12]  # 36 and 60 are beyond the 12-month horizon
    assert set(t.scenario) == {"counselling"} and set(t.horizon) == {12}
    np.testing.assert_allclose(t["diff"], t["mean"] - t.base_mean, atol=1e-9)
    assert (t.n == 10).any() and (t.n <= 10).all()
    ok = t.ci_low.notna()
    assert (t.ci_low[ok] <= t["diff"][ok] + 1e-12).all() and (t["diff"][ok] <= t.ci_high[ok] + 1e-12).all()


def test_paired_ci_narrower_than_unpaired_on_the_same_runs(counselling) -> None:
    base, other = counselling.results
    b, o = base.records[:, 11, :, 0], other.records[:, 11, :, 0]  # month 12, all settlers: (replicates, indicators)
    p, u = paired_difference(b, o), unpaired_difference(b, o)
    wp, wu = p["ci_high"] - p["ci_low"], u["ci_high"] - u["ci_low"]
    ok = np.isfinite(wp) & np.isfinite(wu) & (wu > 0)
    assert ok.sum() >= 20
    np.testing.assert_allclose(p["diff"][ok], u["diff"][ok], atol=1e-9)  # same estimate, different uncertainty
    # common random numbers correlate the pairs: the paired interval is narrower for most indicators
    # (measured with one stream per month and mechanism: 100% of indicators, median width ratio about 0.1;
    # independent streams would give about half narrower and a ratio near 1)
    assert np.mean(wp[ok] < wu[ok]) > 0.8
    assert np.median(wp[ok] / wu[ok]) < 0.5


def test_paired_difference_by_hand() -> None:
    base = np.array([[1.0, np.nan], [2.0, 5.0], [4.0, 6.0]])
    other = np.array([[2.0, 1.0], [2.5, 6.0], [5.0, 8.0]])
    d = paired_difference(base, other)
    diffs = np.array([1.0, 0.5, 1.0])
    half = stats.t.ppf(0.975, 2) * diffs.std(ddof=1) / np.sqrt(3)
    assert d["diff"][0] == pytest.approx(diffs.mean())
    assert d["ci_low"][0] == pytest.approx(diffs.mean() - half) and d["ci_high"][0] == pytest.approx(diffs.mean() + half)
    assert d["n"][1] == 2 and d["base_mean"][1] == pytest.approx(5.5) and d["mean"][1] == pytest.approx(7.0)


def test_write_outputs(counselling, tmp_path: Path) -> None:
    counselling.write(tmp_path)
    for name in ("base", "counselling"):
        assert (tmp_path / name / "manifest.json").exists() and (tmp_path / name / "summary.csv").exists()
    csv = pd.read_csv(tmp_path / "comparison.csv")
    assert list(csv.columns) == COLUMNS and len(csv) == len(counselling.table)


def test_identical_scenarios_differ_by_exactly_zero() -> None:
    res = sim.compare([scenario("a"), scenario("b")], replicates=3, progress=False)
    t = res.table
    assert (t["diff"] == 0).all()
    two = t.n >= 2  # a cell defined in one replicate only has no interval
    assert (t.ci_low[two] == 0).all() and (t.ci_high[two] == 0).all()
    assert t.ci_low[~two].isna().all()


def test_names_must_differ() -> None:
    with pytest.raises(ScenarioError, match="names must differ"):
        compare([scenario("a"), scenario("a")], progress=False)


def test_command(tmp_path: Path, write_yaml, capsys) -> None:
    base = write_yaml("base.yaml", {"name": "base", "population": {"size": 100}, "months": 36, "replicates": 3})
    other = write_yaml("grant.yaml", {"name": "grant", "extends": "base.yaml", "seed": 5,
                                      "policy": {"cash_grant_million_krw": 30}})
    out = tmp_path / "out"
    rc = main(["compare", str(base), str(other), "--months", "24", "--out", str(out), "--quiet", "--no-report", "--workers", "1"])
    printed = capsys.readouterr().out
    assert rc == 0
    assert "grant vs base" in printed and ("CI includes 0" in printed or "higher" in printed or "lower" in printed)
    csv = pd.read_csv(out / "comparison.csv")
    assert list(csv.columns) == COLUMNS and set(csv.horizon) == {12}  # 36 and 60 beyond --months 24
    assert (out / "base" / "timeseries.parquet").exists() and (out / "grant" / "summary.csv").exists()
    # the base's seed applies to every scenario, whatever the other file says
    import json

    m = json.loads((out / "grant" / "manifest.json").read_text())
    assert m["replicate_seeds"] == json.loads((out / "base" / "manifest.json").read_text())["replicate_seeds"]
    assert main(["compare", str(base), "--quiet"]) == 2
