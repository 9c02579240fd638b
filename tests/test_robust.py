"""Issue 14: resettle robust computes each policy's regret per member and the minimax-regret choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.robust as rob
from sim.cli import main
from sim.experiment import experiment_from_dict
from sim.scenario import ScenarioError


def spec(**over):
    data = {"name": "rob", "scenario": {"name": "tiny", "population": {"size": 150}, "months": 12, "seed": 8},
            "factors": {"policy.mentorship_coverage": [0.0, 0.5, 1.0]}, "horizons": [12]}
    data.update(over)
    return data


def test_regret_is_the_shortfall_from_the_best_in_each_member() -> None:
    v = np.array([[1.0, 5.0, 2.0], [3.0, 4.0, 2.0], [2.0, 0.0, 2.5]])
    np.testing.assert_array_equal(rob.regret(v), [[2.0, 0.0, 0.5], [0.0, 1.0, 0.5], [1.0, 5.0, 0.0]])


def test_minimax_choice_with_a_stand_in_model(monkeypatch) -> None:
    """Policy 1 is never far from the best; policy 0 is best on average but fails badly in some members."""
    def fake(scenarios, sets, seed, horizons, names, **kw):
        n = len(sets)
        m = np.arange(n)
        v0 = np.where(m % 5 == 0, 0.0, 10.0)
        v1 = np.full(n, 9.0)
        v2 = np.full(n, 5.0)
        return np.stack([v0, v1, v2])[:, :, None, None], list(range(n))

    monkeypatch.setattr(rob, "run_members", fake)
    r = rob.robust(experiment_from_dict(spec()), indicator="employment_rate", samples=20, ensemble="prior",
                   progress=False)
    t = r.table.set_index("point")
    assert r.minimax == 1
    assert t.loc[0, "max_regret"] == 9.0 and t.loc[0, "mean_regret"] == pytest.approx(9 * 4 / 20)
    assert t.loc[1, "max_regret"] == 1.0 and t.loc[0, "share_best"] == 0.8
    assert t.loc[2, "p90_regret"] == pytest.approx(5.0)
    assert "Minimax-regret choice for employment_rate (higher is better)" in r.sentences()[0]
    assert "policy.mentorship_coverage = 0.5" in r.sentences()[0]
    # lower is better: the criterion is turned so regret stays a shortfall
    r2 = rob.robust(experiment_from_dict(spec()), indicator="major_depression", samples=20, ensemble="prior",
                    progress=False)
    t2 = r2.table.set_index("point")
    assert t2.max_regret.tolist() == [5.0, 9.0, 5.0]  # policy 0 (0 or 10) is the worst when depression is 10
    assert r2.minimax == 2 and t2.loc[2, "mean_regret"] < t2.loc[0, "mean_regret"]  # tie broken by mean regret


def test_robust_command_end_to_end(tmp_path: Path, write_yaml, capsys) -> None:
    path = write_yaml("rob.yaml", spec())
    out = tmp_path / "r"
    assert main(["robust", str(path), "--score", "employment_rate=1,no_one_to_ask_when_sick=-1", "--samples", "4",
                 "--workers", "1", "--quiet", "--out", str(out)]) == 0
    regret = pd.read_csv(out / "regret.csv")
    assert len(regret) == 3 and (regret.max_regret >= regret.p90_regret - 1e-12).all()
    members = pd.read_csv(out / "members.csv")
    assert len(members) == 12 and (members.groupby("member").regret.min() == 0).all()
    assert main(["robust", str(path), "--score", "employment=1", "--quiet"]) == 2
    assert "unknown indicator 'employment'" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="no declared better direction"):
        rob.robust(experiment_from_dict(spec()), indicator="economically_inactive", progress=False)
