"""The posterior calibration: history matching, the posterior sample, resuming, the posterior file (issue 13)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.batch.backends import LocalBackend, Outcome
from sim.calibration import posterior as post
from sim.calibration import targets as tg
from sim.calibration.calibrate import FITTED, Problem
from sim.calibration.history_matching import CUTOFF, DISCREPANCY_SD, OBSERVATION_SD, Observations, ruled_out
from sim.calibration.workflow import REAL_POPULATION, CalibrationProblem, Settings, run_workflow, simulate
from sim.scenario import Scenario

NAMES = ("satisfaction_base", "discrimination_rate", "job_offer_rate")
TRUTH_UNIT = np.array([0.62, 0.45, 0.4])  # the known point, on the unit cube of the fitting bounds
SMALL = Settings(population=1000, waves=(40, 30), posterior_rows=200, checks=12, recovery=2, walkers=16, steps=400,
                 burn=200, recovery_steps=300, seed=11, trials=False)
# runs averaged into the fake figures: their noise is then the intrinsic variance the likelihood allows (the run-to-run
# variance at the cohort's size scaled to the real population)
FAKE_REPLICATES = round(REAL_POPULATION / SMALL.population)


def _problem(observed: np.ndarray | None = None) -> CalibrationProblem:
    """Three parameters against life satisfaction, discrimination and unemployment 2022-2025, on a one-year cohort."""
    scenario = Scenario(name="synthetic", population={"mode": "cohort", "size": SMALL.population}, start="2021-01",
                        months=12, replicates=1, seed=7)
    t = tg.load_targets()
    t = t[t.indicator.isin(["life_satisfaction", "discrimination_past_year", "unemployment_rate"])].reset_index(drop=True)
    if observed is not None:
        t = t.assign(value=observed)
    return CalibrationProblem(Problem(scenario, t, NAMES, {n: FITTED[n] for n in NAMES}, replicates=1))


def _fake_figures() -> np.ndarray:
    pb = _problem()
    runs = [simulate(*pb.task_args(TRUTH_UNIT, seed)) for seed in range(100, 100 + FAKE_REPLICATES)]
    return np.mean(runs, axis=0)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[CalibrationProblem, Any, Path]:
    pb = _problem(_fake_figures())
    folder = tmp_path_factory.mktemp("posterior")
    return pb, run_workflow(pb, SMALL, folder / "checkpoint", workers=1, progress=False), folder


def test_workflow_recovers_known_parameters_on_a_small_synthetic_problem(synthetic) -> None:
    """Figures made by the model at a known point: every known value lies in its 90% credible interval, and the
    parameter each figure pins (satisfaction_base for life satisfaction) is identified (interval < half the box)."""
    _, result, _ = synthetic
    lo, hi = np.quantile(result.draws, [0.05, 0.95], axis=0)
    assert np.all((lo <= TRUTH_UNIT) & (hi >= TRUTH_UNIT)), (lo, hi)
    assert hi[0] - lo[0] < 0.5
    # the waves shrink the space, and every posterior draw lies in the space left
    assert result.waves[1].plausible_share < 1.0
    assert result.diagnostics["plausible_share_final"] <= result.waves[1].plausible_share
    assert len(result.frame()) >= 200 and result.frame()[post.WEIGHT].sum() == pytest.approx(1.0)


def test_small_problem_predictive_check_covers_its_figures(synthetic) -> None:
    _, result, _ = synthetic
    assert result.diagnostics["predictive"]["coverage"] >= 0.9


class _Interrupted(LocalBackend):
    """A serial backend that stops (as Ctrl-C would) after ``after`` runs."""

    def __init__(self, after: int) -> None:
        super().__init__(1)
        self.after = after

    def run(self, fn: Callable[..., Any], tasks: Iterable[Any]) -> Iterator[Outcome]:
        for i, out in enumerate(super().run(fn, tasks)):
            if i == self.after:
                raise KeyboardInterrupt
            yield out


def test_interrupted_calibration_resumes_with_the_same_result(synthetic, tmp_path: Path) -> None:
    pb, result, _ = synthetic
    folder = tmp_path / "checkpoint"
    with pytest.raises(KeyboardInterrupt):
        run_workflow(pb, SMALL, folder, backend=_Interrupted(after=25), progress=False)
    kept = sum(len(np.load(f)["index"]) for f in folder.glob("wave1_runs_*.npz"))
    assert kept == 25  # what finished before the interruption was written
    with pytest.raises(KeyboardInterrupt):  # interrupted again in wave 2
        run_workflow(pb, SMALL, folder, backend=_Interrupted(after=40 - 25 + 10), progress=False)
    again = run_workflow(pb, SMALL, folder, workers=2, progress=False)
    np.testing.assert_array_equal(again.draws, result.draws)
    np.testing.assert_array_equal(again.checks, result.checks)


def test_checkpoint_of_other_settings_is_refused(synthetic) -> None:
    pb, _, folder = synthetic
    with pytest.raises(ValueError, match="other settings"):
        run_workflow(pb, replace(SMALL, waves=(41, 30)), folder / "checkpoint", progress=False)


def test_checkpoint_of_another_model_version_is_refused(synthetic, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of another version of the mechanisms are not resumed as this one's (the model hash is in the settings)."""
    pb, _, folder = synthetic
    monkeypatch.setattr("sim.calibration.workflow.model_hash", lambda: "another-version")
    with pytest.raises(ValueError, match="other settings"):
        run_workflow(pb, SMALL, folder / "checkpoint", progress=False)


# ---------------------------------------------------------------- the observation model

def test_implausibility_rules_out_by_the_third_largest_group() -> None:
    obs = Observations(["a 1", "a 2", "b", "c", "d"], ["a", "a", "b", "c", "d"])
    far = 10.0
    mean = np.array([[far, far, 0, 0, 0],  # one group (two years of one figure) far off: kept
                     [far, 0, far, 0, 0],  # two groups: kept
                     [far, 0, far, far, 0]])  # three groups: ruled out
    assert ruled_out(mean, np.zeros_like(mean), obs).tolist() == [False, False, True]
    one = Observations(["a"], ["a"])  # a miss of 2 tolerances over the observation error and the discrepancy
    expected = 2.0 / np.sqrt(OBSERVATION_SD ** 2 + DISCREPANCY_SD ** 2 + 0.3)
    assert one.implausibility(np.array([[2.0]]), np.array([[0.3]])).item() == pytest.approx(expected)


def test_repeated_years_share_one_discrepancy() -> None:
    """Two years of one figure missed the same way are less evidence than two independent figures."""
    shared = Observations(["a 1", "a 2"], ["a", "a"])
    apart = Observations(["a", "b"], ["a", "b"])
    miss = np.array([[1.0, 1.0]])
    assert shared.log_likelihood(miss, np.zeros((1, 2)))[0] > apart.log_likelihood(miss, np.zeros((1, 2)))[0]


def test_a_figure_no_point_reaches_is_named_a_structural_miss() -> None:
    obs = Observations(["a", "b"], ["a", "b"])
    mean = np.array([[5.0, 0.1], [4.0, 2.0], [6.0, 0.0]])  # "a" is at least 4 away everywhere
    out = obs.allow_structural(mean, np.zeros_like(mean))
    assert list(out.structural) == ["a"] and out.structural["a"] == pytest.approx(4.0)
    assert out.implausibility(mean, np.zeros_like(mean))[:, 0].min() < CUTOFF


# ---------------------------------------------------------------- the posterior file

def _write(path: Path, df: pd.DataFrame) -> Path:
    df.to_parquet(path)
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda df: df.drop(columns="weight"), "column 'weight': missing"),
    (lambda df: df.assign(weight=-1.0), "column 'weight': row 0: expected a non-negative weight"),
    (lambda df: df.assign(not_a_parameter=1.0), "column 'not_a_parameter': unknown parameter"),
    (lambda df: df.assign(family_worry_level=0.5), "not a fitted parameter"),
    (lambda df: df.assign(job_offer_rate=99.0), "column 'job_offer_rate': row 0: 99 is outside the declared range"),
    (lambda df: df.assign(job_offer_rate=0.05), "column 'job_offer_rate': values must lie in its fitting bounds"),
])
def test_bad_posterior_file_is_one_line_naming_what_is_wrong(tmp_path: Path, change, message: str) -> None:
    good = pd.DataFrame({"job_offer_rate": [0.5, 0.7], "weight": [0.5, 0.5]})
    post.read(_write(tmp_path / "good.parquet", good))
    with pytest.raises(post.PosteriorError, match=message) as err:
        post.read(_write(tmp_path / "bad.parquet", change(good)))
    assert "\n" not in str(err.value) and "bad.parquet" in str(err.value)


def test_missing_posterior_file_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(post.PosteriorError, match="resettle calibrate"):
        post.read(tmp_path / "none.parquet")


def test_shipped_posterior_validates_against_the_declared_parameters() -> None:
    df = post.read()
    assert len(df) >= 200
    assert set(df.columns) - {post.WEIGHT} == set(FITTED)
