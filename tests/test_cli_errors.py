"""Issue 15: input a user got wrong is one line, a clear message and exit 2, found before any work is done;
real failures keep exit 1."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import check_writable, main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
GRANT_CUT = REPO / "scenarios" / "grant_cut.yaml"
EXPERIMENT = REPO / "experiments" / "grant_x_mentorship.yaml"
TRIAL = REPO / "trials" / "lely2019_net.yaml"
SMALL = ["--population", "50", "--months", "2", "--replicates", "1", "--quiet"]

# command line before --out, and the function doing the work (module, name) that must not be reached
OUT_COMMANDS = {
    "run": (["run", str(BASELINE), *SMALL, "--no-report"], ("sim.batch.runner", "run_scenario")),
    "compare": (["compare", str(BASELINE), str(GRANT_CUT), *SMALL, "--no-report"], ("sim.batch.compare", "compare")),
    "sweep": (["sweep", str(EXPERIMENT), *SMALL, "--no-report"], ("sim.batch.sweep", "sweep")),
    "trials": (["trials", str(TRIAL), "--replicates", "1", "--quiet", "--no-report"], ("sim.trials", "run_trials")),
    "validate": (["validate", "--population", "50", "--replicates", "1", "--quiet"],
                 ("sim.calibration.validate", "validate")),
}


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def no_work(monkeypatch):
    """Make the simulation entry points fail loudly: bad input must be refused before them."""
    import importlib

    called: list[str] = []

    def forbid(module: str, name: str) -> None:
        def boom(*args, **kwargs):
            called.append(name)
            raise AssertionError(f"{name} ran although the input was bad")

        monkeypatch.setattr(importlib.import_module(module), name, boom)

    for _, (module, name) in OUT_COMMANDS.values():
        forbid(module, name)
    forbid("sim.calibration.calibrate", "calibrate")
    return called


def _bad_outs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """{case: (--out value, fragment its error must contain)}."""
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder\n", encoding="utf-8")
    cases = {"existing file": (a_file, "exists and is not a directory"),
             "under a file": (a_file / "sub", f"{a_file} exists and is not a directory")}
    if Path("/proc/self").exists():  # Linux: /proc refuses new entries, even for root
        cases["unwritable"] = (Path("/proc/resettle-x"), "cannot write there")
    return cases


# ---------------------------------------------------------------- 1. --out that cannot be written

@pytest.mark.parametrize("case", ["existing file", "under a file", "unwritable"])
@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_bad_out_exits_2_before_any_work(command, case, tmp_path, capsys, no_work):
    cases = _bad_outs(tmp_path)
    if case not in cases:
        pytest.skip("needs /proc")
    out, fragment = cases[case]
    argv = OUT_COMMANDS[command][0]
    assert main([*argv, "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: --out {out}: ") and fragment in line
    assert no_work == []


def test_calibrate_out_must_be_a_writable_file(tmp_path, capsys, no_work):
    base = ["calibrate", "--population", "50", "--replicates", "1", "--budget", "1", "--quiet"]
    assert main([*base, "--out", str(tmp_path)]) == 2
    assert f"--out {tmp_path}: is a directory, expected a file" in one_error_line(capsys.readouterr().err)
    taken = tmp_path / "taken"
    taken.write_text("x\n", encoding="utf-8")
    assert main([*base, "--out", str(taken / "calibration.json")]) == 2
    assert "exists and is not a directory" in one_error_line(capsys.readouterr().err)
    assert no_work == []


def test_report_folder_that_cannot_be_written_exits_2(capsys):
    if not Path("/proc/self").exists():
        pytest.skip("needs /proc")
    assert main(["report", "/proc/self"]) == 2
    assert "cannot write there" in one_error_line(capsys.readouterr().err)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_under_a_read_only_folder_exits_2(tmp_path, capsys, no_work):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main([*OUT_COMMANDS["run"][0], "--out", str(locked / "x")]) == 2
        assert "cannot write there" in one_error_line(capsys.readouterr().err)
    finally:
        locked.chmod(0o700)


def test_the_writability_probe_leaves_nothing_behind(tmp_path):
    target = tmp_path / "a" / "b" / "c"
    check_writable(target)
    assert list(tmp_path.iterdir()) == []
    check_writable(tmp_path / "d" / "calibration.json", file=True)
    assert list(tmp_path.iterdir()) == []


def test_bad_out_in_a_real_process(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("x\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "sim", "run", str(BASELINE), *SMALL, "--no-report", "--out", str(taken)],
                         capture_output=True, text=True, cwd=REPO, env={**os.environ, "RESETTLE_DEBUG": ""})
    assert res.returncode == 2
    assert one_error_line(res.stderr) == f"error: --out {taken}: exists and is not a directory"


# ---------------------------------------------------------------- 2. population mode before the arrivals table

@pytest.mark.parametrize("command", ["check", "run"])
def test_population_mode_before_the_arrivals_table_exits_2(command, tmp_path, capsys, no_work):
    path = tmp_path / "old.yaml"
    path.write_text("name: old\npopulation: {mode: population, size: 100}\nstart: 1980-01\nmonths: 12\n",
                    encoding="utf-8")
    argv = ["check", str(path)] if command == "check" else ["run", str(path), "--quiet", "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line == (f"error: {path}: start: population mode needs a start from 1990-01 (the arrivals table "
                    "begins in 1990), got '1980-01'")
    assert not (tmp_path / "o").exists()


def test_cohort_mode_may_start_before_the_arrivals_table(tmp_path, capsys):
    path = tmp_path / "old_cohort.yaml"
    path.write_text("name: old_cohort\nstart: 1980-01\n", encoding="utf-8")
    assert main(["check", str(path)]) == 0


# ---------------------------------------------------------------- 3. a file given to the wrong command

@pytest.mark.parametrize("argv, kind, expected", [
    (["sweep", str(BASELINE)], "a scenario", "sweep expects an experiment file (see experiments/)"),
    (["sweep", str(TRIAL)], "a trial", "sweep expects an experiment file (see experiments/)"),
    (["run", str(EXPERIMENT)], "an experiment", "run and compare expect a scenario file (see scenarios/)"),
    (["compare", str(BASELINE), str(EXPERIMENT)], "an experiment",
     "run and compare expect a scenario file (see scenarios/)"),
    (["check", str(TRIAL)], "a trial", "run and compare expect a scenario file (see scenarios/)"),
    (["trials", str(BASELINE)], "a scenario", "trials expects a trial file (see trials/)"),
], ids=["sweep-scenario", "sweep-trial", "run-experiment", "compare-experiment", "check-trial", "trials-scenario"])
def test_wrong_kind_of_file_exits_2(argv, kind, expected, capsys, no_work):
    assert main([*argv, "--quiet"] if argv[0] != "check" else argv) == 2
    line = one_error_line(capsys.readouterr().err)
    wrong = argv[-1]
    assert line.startswith(f"error: {wrong}: this is {kind} file; {expected}; run this one with 'resettle ")
    assert no_work == []


# ---------------------------------------------------------------- real failures keep exit 1

def test_a_failure_while_writing_results_exits_1(monkeypatch, tmp_path, capsys):
    """A disk that fills up after the check is a failure, not bad input."""
    import sim.batch.store as store

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "write_parquet", full)
    monkeypatch.delenv("RESETTLE_DEBUG", raising=False)
    assert main(["run", str(BASELINE), *SMALL, "--no-report", "--out", str(tmp_path / "o")]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "OSError" in line and "No space left" in line
