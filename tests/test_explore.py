"""The explorer's update: paired effects of a lever, cancellation, the downloaded YAML, refused values."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sim.batch.compare import compare
from sim.explore.update import Cancelled, Settings, to_yaml, update
from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.yaml"
SMALL = dict(months=12, settlers=300, replicates=3)
NUMBERS = ["base_mean", "mean", "diff", "ci_low", "ci_high", "n"]


@pytest.fixture(scope="module")
def mentorship():
    settings = Settings(BASE, {"mentorship_coverage": 0.8}, **SMALL)
    return settings, update(settings)


def test_mentorship_lowers_no_one_to_ask_when_sick(mentorship):
    _, answer = mentorship
    row = answer.effect("no_one_to_ask_when_sick", 12)
    assert row["diff"] < 0 and row["ci_high"] < 0
    assert row["n"] == SMALL["replicates"]
    assert any("no one to ask for help when sick" in s for s in answer.sentences())
    assert set(answer.timeseries) == {"baseline", "baseline_explored"}


def test_unchanged_levers_give_no_difference():
    answer = update(Settings(BASE, {}, months=6, settlers=100, replicates=2))
    assert (answer.table["diff"].fillna(0) == 0).all()
    assert answer.sentences() == []


def test_a_set_cancel_event_gives_no_answer():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        update(Settings(BASE, {"mentorship_coverage": 0.8}, **SMALL), cancel)


def test_cancel_during_a_run_stops_it_between_replicates():
    cancel = threading.Event()
    seen: list[float] = []

    def progress(fraction: float) -> None:
        seen.append(fraction)
        cancel.set()  # a newer change arrives after the first replicate

    with pytest.raises(Cancelled):
        update(Settings(BASE, {"mentorship_coverage": 0.8}, months=6, settlers=100, replicates=4), cancel, progress)
    assert seen == [1 / 8]


def test_downloaded_yaml_round_trips(mentorship, tmp_path):
    settings, answer = mentorship
    path = tmp_path / "explored.yaml"
    path.write_text(to_yaml(settings))
    variant = load_scenario(path)
    assert variant.policy.mentorship_coverage == pytest.approx(0.8)
    assert (variant.months, variant.population.size, variant.replicates) == (12, 300, 3)
    result = compare([answer.base, variant], progress=False)
    ours = answer.table.sort_values(["indicator", "group", "horizon"]).reset_index(drop=True)
    theirs = result.table.sort_values(["indicator", "group", "horizon"]).reset_index(drop=True)
    assert ours[NUMBERS].equals(theirs[NUMBERS])


def test_resettle_check_accepts_the_downloaded_yaml(mentorship, tmp_path):
    path = tmp_path / "explored.yaml"
    path.write_text(to_yaml(mentorship[0]))
    done = subprocess.run([sys.executable, "-m", "sim", "check", str(path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("levers", "message"), [
    ({"mentorship_coverage": 1.5}, "policy.mentorship_coverage"),
    ({"mentorship_coverge": 0.5}, "unknown key"),
    ({"mentorship_months": "many"}, "policy.mentorship_months"),
])
def test_bad_lever_values_are_refused_with_the_schema_message(levers, message):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        update(Settings(BASE, levers, **SMALL))
    with pytest.raises(ScenarioError, match=re.escape(message)):
        to_yaml(Settings(BASE, levers, **SMALL))


def test_bad_sizes_are_refused():
    with pytest.raises(ScenarioError, match="replicates"):
        update(Settings(BASE, {}, months=12, settlers=300, replicates=0))
    with pytest.raises(ScenarioError, match=r"population\.size"):
        update(Settings(BASE, {}, months=12, settlers=1, replicates=2))


def _explore(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", "explore", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_explore_refuses_a_bad_base_scenario_at_start(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nextends: " + str(BASE) + "\npolicy: {mentorship_coverage: 2}\n")
    done = _explore(str(bad))
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "policy.mentorship_coverage" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_explore_says_when_the_port_is_in_use():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = _explore("--port", str(port))
        warned = _explore("--host", "0.0.0.0", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: explore: port {port} on 127.0.0.1 is in use (another program listens " \
                                  "there); choose another with --port"
    assert warned.stderr.startswith("warning: serving on 0.0.0.0")


def test_the_server_command_stays_offline():
    from sim.explore import serve

    cmd = serve.command("127.0.0.1", 1234)
    assert "--no-check-version" in cmd and cmd[cmd.index("--host") + 1] == "127.0.0.1"
    env = serve.environment(BASE, settlers=200, months=12, replicates=2)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["RESETTLE_EXPLORE_SIZES"] == "200,12,2"
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)


def test_the_full_compare_writes_its_report_under_results_explore(tmp_path):
    from sim.explore.full import run_full, short_id

    root = tmp_path / "results" / "explore"
    settings = Settings(BASE, {"mentorship_coverage": 0.8}, months=12, settlers=200, replicates=2)
    report = run_full(settings, root)
    assert report.name == "report.html" and report.exists()
    assert report.resolve().is_relative_to(root.resolve())
    assert report.parent.name == short_id(to_yaml(settings))
    assert (report.parent / "comparison.csv").exists()


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "a/../../outside.txt"])
def test_files_outside_the_results_folder_are_refused(tmp_path, path):
    from sim.explore.full import OutsideResults, read_result

    root = tmp_path / "results" / "explore"
    (root / "run").mkdir(parents=True)
    (root / "run" / "report.html").write_text("ok")
    (tmp_path / "results" / "outside.txt").write_text("secret")
    assert read_result(root, "run/report.html") == b"ok"
    with pytest.raises(OutsideResults):
        read_result(root, path)
