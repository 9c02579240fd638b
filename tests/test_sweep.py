"""Sweeps: designs, outputs, resuming after failures and interruptions, changed experiments."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim
from sim import indicators
from sim.batch import sweep as sweep_mod
from sim.batch.backends import LocalBackend
from sim.batch.runner import run_replicate, run_scenario
from sim.batch.seeds import replicate_seeds
from sim.batch.sweep import sobol_indices, sweep
from sim.cli import main
from sim.experiment import ExperimentError, experiment_from_dict, load_experiment

REPO = Path(__file__).resolve().parents[1]
GRANT = "policy.cash_grant_million_krw"
MENTOR = "policy.mentorship_coverage"
KEYS = ["point", "replicate", "indicator", "group", "horizon"]


def spec(**over: Any) -> dict[str, Any]:
    """A tiny experiment: 2 x 2 points x 2 replicates of 100 settlers over 12 months (8 runs)."""
    data: dict[str, Any] = {
        "name": "tiny_sweep",
        "scenario": {"name": "tiny", "population": {"size": 100}, "months": 12, "seed": 11},
        "factors": {GRANT: [5, 20], MENTOR: [0.0, 0.5]},
        "replicates": 2,
        "indicators": ["employment_rate", "major_depression", "mean_monthly_wage"],
        "groups": ["all", "sex=female"],
        "horizons": [6, 12],
    }
    data.update(over)
    return data


def tiny(**over: Any):
    return experiment_from_dict(spec(**over))


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (folder / "runs").glob("*.parquet")}


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Counts runs computed (in this process: workers=1); ``fail_grant`` makes runs with that grant raise."""
    state: dict[str, Any] = {"calls": 0, "fail_grant": None}

    def counted(model_kwargs: dict[str, Any], seed: int) -> np.ndarray:
        if model_kwargs.get("cash_grant_million_krw") == state["fail_grant"]:
            raise RuntimeError("injected failure")
        state["calls"] += 1
        return run_replicate(model_kwargs, seed)

    monkeypatch.setattr(sweep_mod, "run_replicate", counted)
    return state


def test_outputs_and_values_match_run(tmp_path: Path) -> None:
    exp = tiny()
    res = sim.sweep(exp, out=tmp_path, workers=1, progress=False)
    assert res.ok and res.computed == 8 and res.reused == 0
    data = res.data
    assert list(data.columns) == ["point", GRANT, MENTOR, "replicate", "indicator", "group", "horizon", "value"]
    assert len(list((tmp_path / "runs").glob("*.parquet"))) == 8
    assert not data.duplicated(KEYS).any()
    assert set(data.horizon) == {6, 12} and set(data.indicator) == set(spec()["indicators"])
    for name in ("design.csv", "runs.csv", "summary.csv", "summary.parquet", "failures.csv", "manifest.json"):
        assert (tmp_path / name).exists(), name
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["status"] == "complete" and m["counts"]["done"] == 8 and m["counts"]["failed"] == 0
    assert m["replicate_seeds"] == replicate_seeds(11, 2) and m["design"]["points"] == 4
    assert m["git_commit"] is None or isinstance(m["git_commit"], str)
    # a sweep cell is the same number `resettle run` gives for that point's scenario and replicate
    point = res.design[(res.design[GRANT] == 20) & (res.design[MENTOR] == 0.5)].index[0]
    direct = run_scenario(exp.scenario_at({GRANT: 20, MENTOR: 0.5}), replicates=2, seed=11, progress=False)
    k, g = indicators.INDICATOR_NAMES.index("mean_monthly_wage"), indicators.GROUPS.index("sex=female")
    got = data[(data.point == point) & (data.indicator == "mean_monthly_wage") & (data.group == "sex=female")
               & (data.horizon == 12)].sort_values("replicate").value.to_numpy()
    np.testing.assert_array_equal(got, direct.records[:, 11, k, g])
    # summary by point: mean of the replicates with a CI around it
    s = res.summary
    row = s[(s.point == point) & (s.indicator == "mean_monthly_wage") & (s.group == "sex=female") & (s.horizon == 12)]
    assert row["mean"].iloc[0] == pytest.approx(got.mean()) and row.n.iloc[0] == 2
    assert row.ci_low.iloc[0] <= row["mean"].iloc[0] <= row.ci_high.iloc[0]


def test_process_pool_gives_identical_results(tmp_path: Path) -> None:
    a = sweep(tiny(), out=tmp_path / "serial", workers=1, progress=False).data
    b = sweep(tiny(), out=tmp_path / "pool", workers=2, progress=False).data
    pd.testing.assert_frame_equal(a, b)


RUN_SECONDS = 0.2  # the other runs' length: far longer than the pool takes to notice a dead worker (milliseconds)


def _die_on_three(x: int) -> int:
    if x == 3:
        os._exit(1)  # a worker killed mid-run (as by the OOM killer)
    # no other run ends between the death and the pool noticing it, so none hands the next task to the dying pool
    # (on a loaded machine, instant runs did, and the last task was lost with it)
    time.sleep(RUN_SECONDS)
    return 2 * x


def test_killed_worker_fails_its_runs_and_the_pool_carries_on() -> None:
    tasks = [SimpleNamespace(args=(i,)) for i in range(10)]
    outcomes = list(LocalBackend(2).run(_die_on_three, tasks))
    assert sorted(o.task.args[0] for o in outcomes) == list(range(10))  # every task reported once
    by_task = {o.task.args[0]: o for o in outcomes}
    assert by_task[3].error is not None and by_task[3].result is None
    ok = [i for i, o in by_task.items() if o.error is None]
    assert all(by_task[i].result == 2 * i for i in ok)
    assert len(ok) >= 4  # only runs in flight when the worker died are lost (at most 4 in flight, plus 2 racing)
    assert by_task[9].error is None  # tasks submitted after the death ran on a fresh pool


def test_failed_runs_are_recorded_exit_1_and_retried(tmp_path: Path, write_yaml, counter, capsys) -> None:
    path = write_yaml("exp.yaml", spec())
    out = tmp_path / "out"
    counter["fail_grant"] = 20  # an injected failing factor value: the 2 points x 2 replicates with grant 20
    rc = main(["sweep", str(path), "--workers", "1", "--out", str(out), "--quiet", "--no-report"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "4 run(s) failed" in err and err.count("injected failure") == 4
    failures = pd.read_csv(out / "failures.csv")
    assert len(failures) == 4 and set(failures[GRANT]) == {20}
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "failed" and m["counts"]["done"] == 4 and m["counts"]["failed"] == 4
    assert set(pd.read_parquet(out / "sweep.parquet")[GRANT]) == {5}  # what finished is kept
    before = mtimes(out)
    assert counter["calls"] == 4

    counter["fail_grant"] = None
    rc = main(["sweep", str(path), "--workers", "1", "--out", str(out), "--quiet", "--no-report"])
    assert rc == 0
    assert counter["calls"] == 8  # only the 4 failed runs were computed again
    after = mtimes(out)
    assert all(after[name] == t for name, t in before.items())  # finished runs untouched
    data = pd.read_parquet(out / "sweep.parquet")
    assert not data.duplicated(KEYS).any() and set(data[GRANT]) == {5, 20}
    assert pd.read_csv(out / "failures.csv").empty


def test_interrupted_driver_resumes_without_recomputing(tmp_path: Path, counter) -> None:
    out = tmp_path / "out"

    def stop_after_three(outcome: sweep_mod.RunOutcome) -> None:
        if outcome.done == 3:
            raise KeyboardInterrupt  # as Ctrl-C would, between two runs

    with pytest.raises(KeyboardInterrupt):
        sweep(tiny(), out=out, workers=1, progress=False, on_run=stop_after_three)
    assert counter["calls"] == 3
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert not list((out / "runs").glob(".*.tmp"))  # no half-written files left
    before = mtimes(out)
    assert len(before) == 3

    res = sweep(tiny(), out=out, workers=1, progress=False)
    assert counter["calls"] == 8 and res.computed == 5 and res.reused == 3
    assert all(mtimes(out)[name] == t for name, t in before.items())
    data = res.data
    assert not data.duplicated(KEYS).any()
    fresh = sweep(tiny(), out=tmp_path / "fresh", workers=1, progress=False).data
    pd.testing.assert_frame_equal(data, fresh)


def test_half_written_run_file_is_redone(tmp_path: Path, counter) -> None:
    sweep(tiny(), out=tmp_path, workers=1, progress=False)
    victim = sorted((tmp_path / "runs").glob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:40])  # truncated, as by a power cut
    res = sweep(tiny(), out=tmp_path, workers=1, progress=False)
    assert res.computed == 1 and res.reused == 7
    assert not res.data.duplicated(KEYS).any()


def test_changed_experiment_does_not_mix_old_results(tmp_path: Path, counter) -> None:
    first = sweep(tiny(), out=tmp_path, workers=1, progress=False)
    old_hash, old_data = first.manifest["design_hash"], first.data
    # new factor values: the grant-20 points are gone from the results, only grant-30 points computed
    changed = sweep(tiny(factors={GRANT: [5, 30], MENTOR: [0.0, 0.5]}), out=tmp_path, workers=1, progress=False)
    assert changed.manifest["design_hash"] != old_hash
    assert set(changed.data[GRANT]) == {5, 30}
    assert changed.computed == 4 and changed.reused == 4  # grant-5 runs are the very same runs (same id)
    assert len(changed.data) == len(old_data)
    # a change that touches every run (population size) reuses nothing
    bigger = spec()
    bigger["scenario"] = {**bigger["scenario"], "population": {"size": 120}}
    res = sweep(experiment_from_dict(bigger), out=tmp_path, workers=1, progress=False)
    assert res.computed == 8 and res.reused == 0
    assert not res.data.duplicated(KEYS).any() and len(res.data.point.unique()) == 4
    merged = res.data.merge(old_data, on=KEYS, suffixes=("", "_old"))
    assert (merged.value != merged.value_old).any()  # the new values, not the old ones


def test_latin_hypercube_design() -> None:
    exp = tiny(factors={
        GRANT: {"distribution": "uniform", "low": 0, "high": 40},
        "policy.counselling_slots_per_1000": {"distribution": "loguniform", "low": 2, "high": 120},
        "policy.anti_discrimination_effort": {"distribution": "normal", "mean": 0.2, "sd": 0.2, "low": 0, "high": 0.8},
        "policy.hanawon_weeks": {"range": [4, 26]},
        MENTOR: [0.0, 0.5, 1.0],
    }, design={"type": "lhs", "points": 30, "seed": 5})
    d = exp.design()
    assert len(d) == 30
    # Latin hypercube: each of 30 equal slices of the grant's range holds exactly one point
    assert sorted(np.floor(d[GRANT] / 40 * 30).astype(int)) == list(range(30))
    assert d["policy.counselling_slots_per_1000"].between(2, 120).all()
    logs = np.floor((np.log(d["policy.counselling_slots_per_1000"]) - np.log(2)) / (np.log(60)) * 30).astype(int)
    assert sorted(logs) == list(range(30))
    assert d["policy.anti_discrimination_effort"].between(0, 0.8).all()
    assert d["policy.hanawon_weeks"].dtype.kind == "i" and d["policy.hanawon_weeks"].between(4, 26).all()
    assert set(d[MENTOR]) == {0.0, 0.5, 1.0} and (d[MENTOR].value_counts() == 10).all()
    pd.testing.assert_frame_equal(d, exp.design())  # the sampler is seeded


def test_sobol_design_and_indices(tmp_path: Path) -> None:
    exp = tiny(factors={GRANT: {"distribution": "uniform", "low": 0, "high": 40},
                        "policy.employment_incentive_million_krw_per_year": {"range": [0, 12]}},
               design={"type": "sobol", "points": 4, "seed": 1}, replicates=1, horizons=[12])
    assert len(exp.design()) == 4 * (2 + 2)  # Saltelli: N x (D + 2)
    res = sweep(exp, out=tmp_path, workers=1, progress=False)
    si = sobol_indices(res, "employment_rate")
    assert list(si.factor) == exp.factor_names and {"S1", "ST"} <= set(si.columns)
    assert np.isfinite(si.ST).all()


@pytest.mark.parametrize(("over", "needle"), [
    ({"factors": {"policy.cash_grant_krw": [1, 2]}}, "factors.policy.cash_grant_krw: unknown key (did you mean"),
    ({"factors": {GRANT: [1, 200]}}, "factors.policy.cash_grant_million_krw: Input should be less than or equal to 60"),
    ({"factors": {GRANT: {"distribution": "uniform", "low": 1, "high": 3}}}, "needs a sampled design"),
    ({"factors": {GRANT: {"range": [5, 1], "steps": 3}}}, "low < high"),
    ({"factors": {"seed": [1, 2]}}, "factors.seed: cannot be a factor"),
    ({"design": {"type": "lhs"}}, "expected 'points'"),
    ({"design": {"type": "sobol", "points": 10}}, "power of 2"),
    ({"design": {"type": "lhs", "pionts": 3}}, "design.pionts: unknown key (did you mean 'points'?)"),
    ({"indicators": ["employment"]}, "unknown indicator 'employment'"),
    ({"factor": {}}, "factor: unknown key (did you mean 'factors'?)"),
    ({"scenario": "missing.yaml"}, "scenario: file not found"),
])
def test_bad_experiments_fail_with_one_line(over: dict[str, Any], needle: str) -> None:
    with pytest.raises(ExperimentError) as err:
        tiny(**over)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_bad_experiment_file_exits_2(write_yaml, capsys) -> None:
    path = write_yaml("bad.yaml", spec(factors={"policy.cash_grant_krw": [1, 2]}))
    assert main(["sweep", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}: factors.policy.cash_grant_krw") and "\n" not in err
    assert main(["sweep", str(path.parent / "none.yaml"), "--quiet"]) == 2


def test_example_experiments_load() -> None:
    gm = load_experiment(REPO / "experiments" / "grant_x_mentorship.yaml")
    d = gm.design()
    assert d[GRANT].min() == 5 and d[GRANT].max() == 40 and d[MENTOR].min() == 0 and d[MENTOR].max() == 1
    cc = load_experiment(REPO / "experiments" / "counselling_capacity.yaml")
    assert "policy.counselling_slots_per_1000" in cc.factor_names
    lhs = load_experiment(REPO / "experiments" / "levers_lhs.yaml")
    assert lhs.spec.design.type == "latin_hypercube" and len(lhs.factor_names) >= 3
    assert len(lhs.design()) == lhs.spec.design.points


@pytest.mark.parametrize("what", ["source", "defaults"])
def test_runs_of_another_model_version_are_not_reused(tmp_path: Path, counter, monkeypatch, capsys, what) -> None:
    """A change to the model's code or to a default (a new calibration) gives new run ids; the old runs stay on
    disk, are named in a note and in the manifest, and none is reused."""
    first = sweep(tiny(), out=tmp_path, workers=1, progress=False)
    old = first.manifest["model_version"]
    assert set(pd.read_csv(tmp_path / "runs.csv").model_version) == {sweep_mod.version_label(old)}
    if what == "source":
        monkeypatch.setattr(sweep_mod, "model_hash", lambda: "0123456789abcdef")
    else:
        from sim import params

        changed = {**params.PARAM_BY_NAME}
        changed["job_offer_rate"] = replace(changed["job_offer_rate"], default=0.5)
        monkeypatch.setattr(params, "PARAM_BY_NAME", changed)
        monkeypatch.setattr(params, "PARAMS", tuple(changed.values()))
    calls = counter["calls"]
    res = sweep(tiny(), out=tmp_path, workers=1, progress=True)
    assert res.reused == 0 and res.computed == 8 and counter["calls"] == calls + 8
    assert res.manifest["model_version"][what] != old[what]
    assert res.manifest["other_versions_found"] == {sweep_mod.version_label(old): 8}
    err = capsys.readouterr().err
    assert "8 run(s)" in err and "not reused" in err
