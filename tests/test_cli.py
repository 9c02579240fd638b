"""The command line: bad input exits 2 with one line and no traceback; ``resettle run`` end to end;
``params``, ``--help`` and ``python -m sim``."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import indicators
from sim.cli import build_parser, main
from sim.params import PARAMS, POLICY_NAMES

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"


def _run_option_strings() -> set[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices["run"]._option_string_actions)


# figures and report.html are another feature (tested with it); skipping them keeps these tests fast
NO_REPORT = ["--no-report"] if "--no-report" in _run_option_strings() else []
SMALL = ["--population", "200", "--months", "12", "--replicates", "2", "--quiet", *NO_REPORT]


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


# ---------------------------------------------------------------- bad input -> exit 2

@pytest.mark.parametrize("command", ["check", "run"])
def test_bad_scenarios_exit_2_with_one_line(command, bad_scenario, tmp_path, capsys):
    path, fragments = bad_scenario
    out = tmp_path / "out"
    argv = ["check", str(path)] if command == "check" else ["run", str(path), *SMALL, "--out", str(out)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert path.name in line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert not out.exists()  # nothing written for bad input


def test_check_reports_each_file_and_fails_if_any_is_bad(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nmonths: -3\n", encoding="utf-8")
    assert main(["check", str(BASELINE), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "ok: " in captured.out and "baseline" in captured.out
    assert one_error_line(captured.err).count("bad.yaml") == 1


def test_check_passes_the_shipped_scenarios(capsys):
    files = sorted(str(p) for p in (REPO / "scenarios").glob("*.yaml"))
    assert main(["check", *files]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(files)


@pytest.mark.parametrize("args", [
    ["run", str(BASELINE), "--replicates", "0"],
    ["run", str(BASELINE), "--replicates", "many"],
    ["run", str(BASELINE), "--workers", "0"],
    ["run", str(BASELINE), "--seed", "-1"],
    ["run", str(BASELINE), "--population", "1.5"],
    ["run", str(BASELINE), "--colour", "red"],
    ["run"],
    ["fly"],
    [],
])
def test_bad_arguments_exit_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error:" in err


def test_population_override_below_the_schema_minimum_is_bad_input(tmp_path, capsys):
    assert main(["run", str(BASELINE), "--population", "3", "--months", "2", "--replicates", "1", "--quiet", *NO_REPORT,
                 "--out", str(tmp_path / "o")]) == 2
    assert "population.size" in one_error_line(capsys.readouterr().err)


def test_unexpected_failure_exits_1_with_one_line(monkeypatch, tmp_path, capsys):
    import sim.batch.runner as runner

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runner, "run_scenario", boom)
    monkeypatch.delenv("RESETTLE_DEBUG", raising=False)
    assert main(["run", str(BASELINE), *SMALL, "--out", str(tmp_path / "o")]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "RuntimeError" in line and "disk on fire" in line and "RESETTLE_DEBUG" in line


# ---------------------------------------------------------------- run end to end

@pytest.fixture(scope="module")
def run_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "baseline-small"
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["run", str(BASELINE), *SMALL, "--seed", "42", "--out", str(out)])
    return code, out, buf.getvalue()


def test_run_exits_0_and_prints_a_summary(run_output):
    code, out, stdout = run_output
    assert code == 0
    assert "employment_rate" in stdout and "95% CI" in stdout
    assert str(out) in stdout


def test_run_writes_the_three_outputs_atomically(run_output):
    _, out, _ = run_output
    names = {p.name for p in out.iterdir()}
    assert {"manifest.json", "timeseries.parquet", "summary.csv"} <= names
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]  # no temporary files left


def test_manifest_records_provenance(run_output):
    _, out, _ = run_output
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    sc = man["scenario"]
    assert sc["name"] == "baseline" and sc["population"]["size"] == 200 and sc["months"] == 12
    assert sc["replicates"] == 2 and sc["seed"] == 42
    assert sc["population"]["represents"] == 224  # the resolved scenario, with the file's values
    assert man["seed"] == 42 and len(man["replicate_seeds"]) == 2
    assert {"python", "numpy", "mesa", "pandas"} <= set(man["versions"])
    assert "git_commit" in man
    assert isinstance(man["seconds"], float) and man["seconds"] >= 0 and man["started"]


def test_timeseries_is_tidy(run_output):
    _, out, _ = run_output
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["replicate", "month", "indicator", "group", "value"]
    assert set(ts.replicate) == {0, 1}
    assert set(ts.month) == set(range(1, 13))
    assert set(ts.indicator.astype(str)) <= set(indicators.INDICATOR_NAMES)
    assert set(ts.group.astype(str)) <= set(indicators.GROUPS)
    assert ts.value.notna().all()
    assert not ts.duplicated(["replicate", "month", "indicator", "group"]).any()


def test_summary_matches_the_timeseries(run_output):
    _, out, _ = run_output
    summary = pd.read_csv(out / "summary.csv")
    from sim.batch.runner import SPREAD_COLUMNS

    assert list(summary.columns) == ["indicator", "group", "mean", "sd", "ci_low", "ci_high", "n", *SPREAD_COLUMNS]
    ts = pd.read_parquet(out / "timeseries.parquet")
    row = summary[(summary.indicator == "employment_rate") & (summary.group == "all")].iloc[0]
    last = ts[(ts.indicator == "employment_rate") & (ts.group == "all") & (ts.month == 12)].value
    assert row.n == 2
    assert row["mean"] == pytest.approx(last.mean())
    assert row["sd"] == pytest.approx(last.std(ddof=1))
    assert row.ci_low <= row["mean"] <= row.ci_high
    full = summary.dropna(subset=["ci_low"])
    assert (full.ci_low <= full["mean"] + 1e-9).all() and (full["mean"] <= full.ci_high + 1e-9).all()


def test_run_defaults_to_results_scenario_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), "--population", "50", "--months", "2", "--replicates", "1", "--quiet", *NO_REPORT]) == 0
    assert (tmp_path / "results" / "baseline" / "summary.csv").exists()
    # running again overwrites in place
    assert main(["run", str(BASELINE), "--population", "50", "--months", "3", "--replicates", "1", "--quiet", *NO_REPORT]) == 0
    man = json.loads((tmp_path / "results" / "baseline" / "manifest.json").read_text(encoding="utf-8"))
    assert man["scenario"]["months"] == 3


def test_scenario_name_cannot_write_outside_the_output_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil.yaml").write_text("name: ../../escape\nmonths: 2\n", encoding="utf-8")
    assert main(["run", "evil.yaml", "--population", "20", "--replicates", "1", "--quiet", *NO_REPORT]) == 2
    assert "name" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "results").exists() and not (tmp_path.parent / "escape").exists()


# ---------------------------------------------------------------- params, help, python -m sim

def test_params_lists_every_parameter(capsys):
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    for p in PARAMS:
        assert p.name in out, p.name


def test_params_csv_and_kind(capsys):
    import io

    assert main(["params", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(table.name) == {p.name for p in PARAMS}
    assert {"name", "kind", "default", "unit", "low", "high", "source"} <= set(table.columns)
    assert (table.low <= table.default).all() and (table.default <= table.high).all()
    assert main(["params", "--kind", "policy", "--csv"]) == 0
    policy = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(policy.name) == set(POLICY_NAMES)


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["check", "--help"], ["params", "--help"]])
def test_help_exits_0(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_python_dash_m_sim():
    res = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and "resettle" in res.stdout


def test_console_script_exit_code_in_a_real_process():
    """The installed ``resettle`` script returns 2 to the shell for bad input, with one line and no traceback."""
    script = Path(sys.executable).parent / "resettle"
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    res = subprocess.run([str(script), "check", "no-such-file.yaml"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    assert "no-such-file.yaml" in one_error_line(res.stderr)
