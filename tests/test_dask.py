"""The dask.distributed backend: a real LocalCluster on 127.0.0.1 gives the local backend's results, value for value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.batch import sweep as sweep_mod
from sim.batch.runner import run_replicate
from sim.batch.sweep import sweep
from sim.cli import main
from sim.experiment import experiment_from_dict

distributed = pytest.importorskip("distributed")

GRANT = "policy.cash_grant_million_krw"


def spec(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "dask_sweep",
        "scenario": {"name": "tiny", "population": {"size": 100}, "months": 12, "seed": 21},
        "factors": {GRANT: [5, 25], "policy.counselling_slots_per_1000": [8, 40]},
        "replicates": 2,
        "indicators": ["employment_rate", "major_depression", "mean_loneliness"],
        "groups": ["all", "age=30-39"],
        "horizons": [6, 12],
    }
    data.update(over)
    return data


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """One in-process worker thread; scheduler, worker and dashboard listen on 127.0.0.1 only."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0") as c:
        yield c


def test_cluster_listens_on_localhost_only(cluster) -> None:
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        workers = client.scheduler_info()["workers"]
    assert workers and all(addr.startswith("tcp://127.0.0.1:") for addr in workers)


def test_dask_results_identical_to_local(cluster, tmp_path: Path) -> None:
    exp = experiment_from_dict(spec())
    local = sweep(exp, out=tmp_path / "local", workers=1, progress=False)
    remote = sweep(exp, out=tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    assert remote.manifest["backend"].startswith("dask:tcp://127.0.0.1:")
    assert remote.computed == 8 and remote.ok
    pd.testing.assert_frame_equal(local.data, remote.data)  # value for value
    pd.testing.assert_frame_equal(local.summary, remote.summary)
    names = sorted(p.name for p in (tmp_path / "local" / "runs").glob("*.parquet"))
    assert names == sorted(p.name for p in (tmp_path / "dask" / "runs").glob("*.parquet"))


def test_scheduler_from_experiment_file_and_worker_failure(cluster, tmp_path: Path, write_yaml, monkeypatch,
                                                          capsys) -> None:
    """``scheduler:`` in the file routes the sweep to the cluster; a run raising on a worker is recorded."""
    calls = {"n": 0}

    def flaky(model_kwargs: dict[str, Any], seed: int) -> np.ndarray:
        if model_kwargs["cash_grant_million_krw"] == 25 and model_kwargs["counselling_slots_per_1000"] == 40:
            raise ValueError("worker blew up")
        calls["n"] += 1
        return run_replicate(model_kwargs, seed)

    monkeypatch.setattr(sweep_mod, "run_replicate", flaky)  # the worker thread shares this process
    path = write_yaml("exp.yaml", spec(scheduler=cluster.scheduler_address))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet", "--no-report"]) == 1
    assert capsys.readouterr().err.count("worker blew up") == 2
    m = json.loads((out / "manifest.json").read_text())
    assert m["backend"].startswith("dask:") and m["counts"]["failed"] == 2 and m["counts"]["done"] == 6
    monkeypatch.setattr(sweep_mod, "run_replicate", run_replicate)
    assert main(["sweep", str(path), "--out", str(out), "--quiet", "--no-report"]) == 0
    assert calls["n"] == 6
    m = json.loads((out / "manifest.json").read_text())
    assert m["counts"] == {**m["counts"], "computed": 2, "reused": 6, "failed": 0}
    data = pd.read_parquet(out / "sweep.parquet")
    assert not data.duplicated(["point", "replicate", "indicator", "group", "horizon"]).any()


def test_dask_with_ensemble_identical_to_local(cluster, tmp_path: Path) -> None:
    """Issue 14: replicate r uses parameter set r and seed r on either backend, value for value."""
    exp = experiment_from_dict(spec(ensemble="prior", factors={GRANT: [5, 25]}))
    local = sweep(exp, out=tmp_path / "local", workers=2, progress=False)
    remote = sweep(exp, out=tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    assert remote.computed == 4 and remote.manifest["ensemble"]["members"] == 2
    pd.testing.assert_frame_equal(local.data, remote.data)
    pd.testing.assert_frame_equal(local.summary, remote.summary)


def test_calibration_on_dask_gives_the_local_result(cluster, tmp_path: Path) -> None:
    """The posterior workflow's runs on the cluster (`resettle calibrate --scheduler`) give the outputs of local
    processes, run for run (six design points of the small synthetic problem; everything after the runs is
    seeded and computed by the driver, so the workflow's result follows)."""
    from test_posterior import SMALL, _problem

    from sim.batch.backends import DaskBackend, LocalBackend
    from sim.calibration.workflow import Checkpoint, _run_points, _seeds

    pb = _problem()
    design = np.random.default_rng(3).random((6, len(pb.names)))
    seeds = _seeds(SMALL.seed, 1, len(design))
    here = _run_points(pb, Checkpoint(tmp_path / "local", "x"), 1, design, seeds, LocalBackend(2), "local", False)
    with distributed.Client(cluster.scheduler_address) as client:
        there = _run_points(pb, Checkpoint(tmp_path / "dask", "x"), 1, design, seeds, DaskBackend(client=client),
                            "dask", False)
    np.testing.assert_array_equal(here, there)
