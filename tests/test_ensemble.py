"""Issue 14: parameter ensembles — validated files, the prior Latin hypercube, weighted resampling, replicate i
using set i and seed i in run / compare / sweep, the ensemble columns (bands, p_better, param_share)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import ensemble as ens
from sim.batch.compare import compare
from sim.batch.runner import run_replicate, run_scenario
from sim.batch.seeds import replicate_seeds
from sim.batch.sweep import sweep
from sim.calibration.calibrate import FITTED
from sim.cli import main
from sim.experiment import experiment_from_dict
from sim.indicators import INDICATOR_NAMES
from sim.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
MENTORSHIP = REPO / "scenarios" / "mentorship.yaml"
EMP = INDICATOR_NAMES.index("employment_rate")


def small(name: str = "small", **over: Any) -> Scenario:
    data: dict[str, Any] = {"name": name, "population": {"size": 300}, "months": 12, "seed": 5, "replicates": 3}
    data.update(over)
    return Scenario(**data)


def write_sets(path: Path, **cols: Any) -> Path:
    df = pd.DataFrame(cols)
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize(("cols", "expected"), [
    ({"job_offer_rat": [0.5], "weight": [1]}, "column 'job_offer_rat': unknown parameter (did you mean 'job_offer_rate'?)"),
    ({"job_offer_rate": [0.5, 3.0], "weight": [1, 1]}, "column 'job_offer_rate': row 1: 3 is outside the declared range"),
    ({"job_offer_rate": [0.5]}, "column 'weight': missing"),
    ({"job_offer_rate": [0.5, 0.6], "weight": [1, -1]}, "column 'weight': row 1: expected a non-negative weight"),
    ({"job_offer_rate": [0.5, 0.6], "weight": [0, 0]}, "column 'weight': all weights are zero"),
    ({"cash_grant_million_krw": [5.0], "weight": [1]}, "column 'cash_grant_million_krw': a policy lever"),
])
def test_bad_ensemble_files_name_file_and_column(tmp_path: Path, suffix: str, cols: dict, expected: str) -> None:
    path = write_sets(tmp_path / f"sets{suffix}", **cols)
    with pytest.raises(ValueError) as err:
        ens.read_parameter_sets(path)
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(path)) and expected in text


def test_missing_weight_value_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("job_offer_rate,weight\n0.5,\n0.6,1\n")
    with pytest.raises(ValueError, match=r"s.csv: column 'weight': row 0: expected a non-negative number"):
        ens.read_parameter_sets(path)
    with pytest.raises(ValueError, match="ensemble file not found"):
        ens.read_parameter_sets(tmp_path / "nope.parquet")


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_cli_bad_ensemble_is_one_line_exit_2_before_work(tmp_path: Path, capsys, monkeypatch, command: str) -> None:
    import sim.batch.compare
    import sim.batch.runner
    import sim.batch.sweep

    def boom(*a: Any, **k: Any) -> None:
        raise AssertionError("work started although the ensemble was bad")

    for mod, name in ((sim.batch.runner, "run_scenario"), (sim.batch.compare, "compare"), (sim.batch.sweep, "sweep")):
        monkeypatch.setattr(mod, name, boom)
    bad = write_sets(tmp_path / "bad.csv", job_offer_rate=[0.5, 9.0], weight=[1, 1])
    target = {"run": [str(BASELINE)], "compare": [str(BASELINE), str(MENTORSHIP)],
              "sweep": [str(REPO / "experiments" / "grant_x_mentorship.yaml")]}[command]
    code = main([command, *target, "--ensemble", str(bad), "--out", str(tmp_path / "o"), "--quiet", "--no-report"])
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(f"error: {bad}: column 'job_offer_rate': row 1")
    assert main([command, *target, "--ensemble", "posterier", "--quiet", "--no-report"]) == 2
    assert "expected posterior, prior, none or a .parquet/.csv file" in capsys.readouterr().err


def test_posterior_missing_is_refused_and_default_is_none(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ens.ENV_DEFAULT, raising=False)  # the suite's fixed-parameter default off
    monkeypatch.setattr(ens, "posterior_path", lambda: tmp_path / "posterior.parquet")
    assert ens.default_spec() == "none"
    assert ens.ensemble_sets(None, 3, 1) is None
    with pytest.raises(ValueError, match="no posterior yet"):
        ens.ensemble_sets("posterior", 3, 1)
    write_sets(tmp_path / "posterior.parquet", job_offer_rate=[0.5, 0.7], weight=[1.0, 1.0])
    assert ens.default_spec() == "posterior"
    assert ens.ensemble_sets(None, 3, 1).job_offer_rate.tolist() == [0.5, 0.7, 0.5]
    monkeypatch.setenv(ens.ENV_DEFAULT, "none")  # the environment overrides the default
    assert ens.default_spec() == "none"


# ---------------------------------------------------------------- prior and resampling


def test_prior_latin_hypercube_is_seeded_and_stratified() -> None:
    n = 20
    a, b, c = ens.prior_sets(n, 7), ens.prior_sets(n, 7), ens.prior_sets(n, 8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert list(a.columns) == list(FITTED)
    for name, (lo, hi, log) in FITTED.items():
        x = a[name].to_numpy()
        assert ((x >= lo) & (x <= hi)).all()
        u = (np.log(x) - np.log(lo)) / (np.log(hi) - np.log(lo)) if log else (x - lo) / (hi - lo)
        assert sorted(np.floor(u * n).astype(int)) == list(range(n))  # each slice used once


def test_prior_log_scale_is_log_uniform() -> None:
    """job_offer_rate's bound is log: its median over many sets is near the geometric mean of the bounds."""
    lo, hi, log = FITTED["job_offer_rate"]
    assert log
    x = ens.prior_sets(2000, 3)["job_offer_rate"]
    assert np.median(x) == pytest.approx(np.sqrt(lo * hi), rel=0.05)
    assert stats.kstest(np.log(x), stats.uniform(np.log(lo), np.log(hi) - np.log(lo)).cdf).pvalue > 0.01


def test_equal_weights_keep_file_order_and_cycle(tmp_path: Path) -> None:
    path = write_sets(tmp_path / "e.csv", job_offer_rate=[0.3, 0.4, 0.5], weight=[2, 2, 2])
    sets = ens.ensemble_sets(str(path), 7, 1)
    assert sets.job_offer_rate.tolist() == [0.3, 0.4, 0.5, 0.3, 0.4, 0.5, 0.3]
    assert sets.index.name == "member" and list(sets.columns) == ["job_offer_rate"]


def test_weighted_resampling_is_deterministic_and_proportional(tmp_path: Path) -> None:
    w = np.array([0.0, 1.0, 3.0, 6.0])
    path = write_sets(tmp_path / "w.parquet", job_offer_rate=[0.2, 0.4, 0.6, 0.8], weight=w)
    n = 50
    a = ens.ensemble_sets(path, n, 9)
    pd.testing.assert_frame_equal(a, ens.ensemble_sets(path, n, 9))
    counts = a.job_offer_rate.value_counts().reindex([0.2, 0.4, 0.6, 0.8], fill_value=0).to_numpy()
    expected = n * w / w.sum()
    assert (np.abs(counts - expected) < 1).all()  # systematic resampling: floor or ceil of n w
    # shuffled: the first half is a fair sample too (not all of one row)
    assert a.job_offer_rate.iloc[: n // 2].nunique() == 3


# ---------------------------------------------------------------- runs


def test_replicate_i_uses_set_i_and_seed_i_whatever_the_workers(tmp_path: Path) -> None:
    sets = pd.DataFrame({"job_offer_rate": [0.2, 1.0, 1.9], "depression_base": [0.05, 0.2, 0.28]})
    sc = small()
    one = run_scenario(sc, ensemble=sets, chance_replicates=2, progress=False)
    two = run_scenario(sc, ensemble=sets, chance_replicates=2, workers=2, progress=False)
    np.testing.assert_array_equal(one.records, two.records)
    np.testing.assert_array_equal(one.chance, two.chance)
    seeds = replicate_seeds(sc.seed, 3)
    for i in range(3):
        kw = {**sc.model_kwargs(), **sets.iloc[i].to_dict()}
        np.testing.assert_array_equal(one.records[i], run_replicate(kw, seeds[i]))
    none = run_scenario(sc.with_overrides(replicates=2), ensemble="none", progress=False)
    np.testing.assert_array_equal(one.chance, none.records)  # chance replicates: fixed parameters, seeds[:k]
    out = one.write(tmp_path / "run")
    written = pd.read_csv(out / "ensemble.csv")
    assert written.seed.tolist() == seeds and written.job_offer_rate.tolist() == [0.2, 1.0, 1.9]
    m = json.loads((out / "manifest.json").read_text())
    assert m["ensemble"] == {"spec": "<DataFrame>", "members": 3, "parameters": ["job_offer_rate", "depression_base"],
                             "chance_replicates": 2}


def test_scenario_values_win_over_the_ensemble() -> None:
    sets = pd.DataFrame({"job_offer_rate": [0.2, 1.9]})
    sc = small(replicates=2, behaviour={"job_offer_rate": 0.5})
    r = run_scenario(sc, ensemble=sets, chance_replicates=0, progress=False)
    fixed = run_scenario(sc, ensemble="none", progress=False)
    np.testing.assert_array_equal(r.records, fixed.records)


def test_fewer_sets_than_replicates_are_reused_in_order() -> None:
    r = run_scenario(small(), ensemble=pd.DataFrame({"job_offer_rate": [0.2, 1.0]}), chance_replicates=0,
                     progress=False)
    assert r.parameter_sets.job_offer_rate.tolist() == [0.2, 1.0, 0.2]


def test_param_share_tells_parameter_variance_from_chance() -> None:
    """Identical sets: the spread is chance (share near 0); labour-force entry from 0.01 to 0.3 a month (the whole
    prior box): nearly all parameters."""
    sc = small(replicates=8, population={"size": 400})
    same = run_scenario(sc, ensemble=pd.DataFrame({"lf_entry_rate": [0.05] * 8}), chance_replicates=8, progress=False)
    wide = run_scenario(sc, ensemble=pd.DataFrame({"lf_entry_rate": np.geomspace(0.01, 0.3, 8)}), chance_replicates=8,
                        progress=False)
    cell = lambda r: r.summary().query("indicator == 'employment_rate' and group == 'all'").iloc[0]  # noqa: E731
    assert cell(wide).param_share > 0.9
    assert cell(same).param_share < 0.6
    # the ensemble band of the wide ensemble is far wider than the chance-only interval
    w = cell(wide)
    assert (w.ens_high - w.ens_low) > 5 * (w.chance_ci_high - w.chance_ci_low)
    none = run_scenario(sc, ensemble="none", progress=False).summary()
    assert (none.param_share.dropna() == 0).all()
    assert np.allclose(none.chance_ci_low, none.ci_low, equal_nan=True)


def test_compare_pairs_members_and_p_better_counts_them(tmp_path: Path) -> None:
    base, other = small("b", replicates=6), small("m", replicates=6, policy={"mentorship_coverage": 0.8})
    sets = ens.prior_sets(6, 3)
    c = compare([base, other], ensemble=sets, chance_replicates=3, horizons=[12], progress=False)
    b, m = c.results
    pd.testing.assert_frame_equal(b.parameter_sets, m.parameter_sets)
    t = c.table.set_index(["indicator", "group"])
    for name, sign in (("no_one_to_ask_when_sick", -1), ("employment_rate", 1)):
        k = INDICATOR_NAMES.index(name)
        d = m.records[:, 11, k, 0] - b.records[:, 11, k, 0]
        row = t.loc[(name, "all")]
        assert row.p_better == pytest.approx(np.mean(np.sign(d) == sign))
        assert row.ens_low == pytest.approx(np.percentile(d, 5))
        assert row.ens_high == pytest.approx(np.percentile(d, 95))
    # mentorship gives everyone someone to ask in every plausible parameter set
    assert t.loc[("no_one_to_ask_when_sick", "all")].p_better == 1.0
    assert np.isnan(t.loc[("economically_inactive", "all")].p_better)  # no declared direction
    # the chance-only difference is what compare without an ensemble gives on the first 3 seeds
    plain = compare([base.with_overrides(replicates=3), other.with_overrides(replicates=3)], ensemble="none",
                    horizons=[12], progress=False).table.set_index(["indicator", "group"])
    np.testing.assert_allclose(t.chance_diff, plain["diff"].reindex(t.index))
    np.testing.assert_allclose(t.chance_ci_low, plain.ci_low.reindex(t.index), equal_nan=True)
    c.write(tmp_path / "cmp")
    csv = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    assert {"ens_low", "ens_high", "p_better", "param_share", "chance_ci_low", "chance_ci_high"} <= set(csv.columns)


# ---------------------------------------------------------------- sweeps


def sweep_spec(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "ens_sweep",
        "scenario": {"name": "tiny", "population": {"size": 100}, "months": 6, "seed": 4},
        "factors": {"policy.mentorship_coverage": [0.0, 0.8]},
        "replicates": 3, "indicators": ["employment_rate"], "horizons": [6], "ensemble": "prior",
    }
    data.update(over)
    return data


def test_sweep_with_ensemble_pairs_points_and_resumes(tmp_path: Path) -> None:
    exp = experiment_from_dict(sweep_spec())
    first = sweep(exp, out=tmp_path / "s", workers=1, progress=False)
    assert first.computed == 6 and first.manifest["ensemble"]["spec"] == "prior"
    sets = ens.prior_sets(3, 4)
    written = pd.read_csv(tmp_path / "s" / "ensemble.csv")
    np.testing.assert_allclose(written[sets.columns].to_numpy(), sets.to_numpy())
    seeds = replicate_seeds(4, 3)
    data = first.data.set_index(["point", "replicate"]).value
    kw = {**exp.scenario_at({"policy.mentorship_coverage": 0.8}).model_kwargs(), **sets.iloc[2].to_dict()}
    assert data.loc[(1, 2)] == run_replicate(kw, seeds[2])[5, EMP, 0]
    again = sweep(exp, out=tmp_path / "s", workers=2, progress=False)
    assert again.computed == 0 and again.reused == 6
    pd.testing.assert_frame_equal(first.data, again.data)
    # the parameter set is part of the run id: without the ensemble no run is reused
    plain = sweep(experiment_from_dict(sweep_spec(ensemble="none")), out=tmp_path / "s", workers=1, progress=False)
    assert plain.computed == 6 and plain.reused == 0
    assert {"ens_low", "ens_q25", "ens_q75", "ens_high"} <= set(first.summary.columns)


def test_experiment_ensemble_file_is_relative_and_validated(tmp_path: Path) -> None:
    write_sets(tmp_path / "sets.csv", job_offer_rate=[0.3, 0.9, 1.5], weight=[1, 1, 1])
    exp = experiment_from_dict(sweep_spec(ensemble="sets.csv"), source="e.yaml", root=tmp_path)
    assert exp.spec.ensemble == str(tmp_path / "sets.csv")
    write_sets(tmp_path / "bad.csv", job_offer_rate=[0.3], weight=[-1])
    with pytest.raises(ValueError, match=r"bad\.csv: column 'weight'"):
        experiment_from_dict(sweep_spec(ensemble="bad.csv"), source="e.yaml", root=tmp_path)


# ---------------------------------------------------------------- reports


def test_report_of_an_ensemble_comparison_has_fan_charts_and_probability_sentences(tmp_path: Path) -> None:
    from sim.report import build_report

    base, other = small("b", replicates=4, months=14), small("m", replicates=4, months=14,
                                                              policy={"mentorship_coverage": 0.8})
    c = compare([base, other], ensemble="prior", chance_replicates=2, horizons=[12], progress=False)
    out = c.write(tmp_path / "cmp")
    html = build_report(out).read_text()
    assert (out / "figures" / "fan_effects.png").stat().st_size > 1000
    assert "Under parameter uncertainty" in html
    row = c.table.query("indicator == 'no_one_to_ask_when_sick' and group == 'all'").iloc[0]
    assert row["diff"] < 0
    expected = f"m lowers no one to ask for help when sick after 1 year in {row.p_better:.0%} of plausible parameter sets"
    assert expected in html
    run_html = build_report(out / "b").read_text()
    assert "Over the parameter ensemble" in run_html and (out / "b" / "figures" / "fan_levels.png").exists()
    plain = compare([base.with_overrides(replicates=2), other.with_overrides(replicates=2)], ensemble="none",
                    horizons=[12], progress=False).write(tmp_path / "plain")
    assert "Under parameter uncertainty" not in build_report(plain).read_text()
