"""report.html: self-contained (embedded PNGs, no network), built from disk only, with the sections an
analyst needs; plain-words effects that match comparison.csv; ``resettle report`` and its exit codes."""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from report_fixtures import SCENARIOS, make_compare, make_run, make_sweep

from sim.cli import main
from sim.report import build_report, text

SECTIONS = ("Assumptions behind the mechanisms", "What this model leaves out", "Provenance")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reports")
    folders = {"run": make_run(root / "run", **{"policy.cash_grant_million_krw": 5}),
               "compare": make_compare(root / "compare"), "sweep": make_sweep(root / "sweep")}
    for folder in folders.values():
        build_report(folder)
    return folders


def _html(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_report_is_self_contained(reports: dict[str, Path], kind: str) -> None:
    html = _html(reports[kind])
    srcs = re.findall(r'<img [^>]*src="([^"]+)"', html)
    pngs = sorted((reports[kind] / "figures").glob("*.png"))
    assert len(srcs) == len(pngs) >= 2
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # nothing fetched from anywhere: no external src/href, no scripts, no stylesheets by link
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html and 'rel="stylesheet"' not in html
    for heading in SECTIONS:
        assert f">{heading}</h2>" in html
    assert all(re.search(r'<img [^>]*alt="[^"]{10,}"', tag) for tag in re.findall(r"<img [^>]*>", html))


def test_run_report_states_scenario_parameters_and_provenance(reports: dict[str, Path]) -> None:
    html = unescape(_html(reports["run"]))
    manifest = json.loads((reports["run"] / "manifest.json").read_text())
    assert manifest["scenario"]["description"].split(" - ")[0] in html
    # the one parameter that differs from the defaults, with its default
    row = re.search(r"<td>cash_grant_million_krw</td>\s*<td>policy</td>\s*<td>5</td>\s*<td>10</td>", html)
    assert row, "the changed cash grant is listed with value 5 and default 10"
    assert "<details open><summary>Arrival" in html  # the arrival mechanism reads the cash grant
    assert str(manifest["replicate_seeds"][0]) in html and manifest["started"] in html
    assert (manifest["git_commit"] or "unknown") in html
    assert "employment rate after 2 years" in html.lower()
    summary = pd.read_csv(reports["run"] / "summary.csv")
    emp = summary[(summary.indicator == "employment_rate") & (summary.group == "all")].iloc[0]
    assert f"{emp['mean']:.1f}% (95% CI {emp.ci_low:.1f} to {emp.ci_high:.1f})" in html
    assert {p.name for p in (reports["run"] / "figures").glob("*.png")} == {
        "summary_trajectories.png", "trajectories.png", "breakdown.png", "distributions.png"}


def test_compare_report_words_match_comparison_csv(reports: dict[str, Path]) -> None:
    html = unescape(_html(reports["compare"]))
    comp = pd.read_csv(reports["compare"] / "comparison.csv")
    row = comp[(comp.scenario == "mentorship") & (comp.indicator == "employment_rate") & (comp.group == "all")
               & (comp.horizon == 24)].iloc[0]
    sentence = text.effect_sentence(row)
    assert sentence in html
    assert sentence.startswith(f"employment rate after 2 years: {row.base_mean:.1f}% -> {row['mean']:.1f}% "
                               f"({row['diff']:+.1f} points, 95% CI {row.ci_low:+.1f} to {row.ci_high:+.1f})")
    assert "Indistinguishable from zero after 2 years" in html
    assert "grant_cut: what differs from baseline" in html and "mentorship_coverage" in html
    assert "Policy comparison: grant_cut, mentorship against baseline" in html


def test_sweep_report_names_factors_and_baseline(reports: dict[str, Path]) -> None:
    html = unescape(_html(reports["sweep"]))
    assert "Parameter sweep: tiny_sweep" in html
    assert re.search(r"<td>policy.cash_grant_million_krw</td>.*?<td>5, 10, 20</td>\s*<td>10</td>", html, re.S)
    names = {p.name for p in (reports["sweep"] / "figures").glob("*.png")}
    summary = {n for n in names if n.startswith("summary_")}
    assert names - summary == {"response_cash_grant_million_krw.png", "response_mentorship_coverage.png",
                               "heatmap_cash_grant_million_krw__mentorship_coverage.png"}
    assert len(summary) <= 1 and html.index(">Summary</h2>") < html.index(">Experiment</h2>")


def test_effect_sentence_reads_like_the_issue() -> None:
    row = pd.Series({"indicator": "employment_rate", "horizon": 36, "base_mean": 58.1, "mean": 61.4, "diff": 3.3,
                     "ci_low": 2.1, "ci_high": 4.5})
    assert text.effect_sentence(row) == ("employment rate after 3 years: 58.1% -> 61.4% "
                                         "(+3.3 points, 95% CI +2.1 to +4.5)")
    wage = pd.Series({"indicator": "mean_monthly_wage", "horizon": 12, "base_mean": 250.8, "mean": 251.5,
                      "diff": 0.7, "ci_low": -9.2, "ci_high": 10.6})
    assert text.effect_sentence(wage) == ("mean monthly wage of the employed after 1 year: 250.8 -> 251.5 10k KRW "
                                          "per month (+0.7, 95% CI -9.2 to +10.6)")
    table = text.effects_table(pd.DataFrame([{**row, "scenario": "x", "group": "all"},
                                             {**wage, "scenario": "x", "group": "all"}]),
                               ["employment_rate", "mean_monthly_wage"])
    assert list(table.verdict) == ["indistinguishable from zero", "higher (CI excludes zero)"]


def test_cli_report_rebuilds_from_disk_without_rerunning(reports: dict[str, Path], capsys) -> None:
    folder = reports["run"]
    data_mtime = (folder / "timeseries.parquet").stat().st_mtime_ns
    stale = folder / "figures" / "old_figure.png"
    stale.write_bytes(b"stale")
    (folder / "report.html").unlink()
    assert main(["report", str(folder)]) == 0
    assert f"report: {folder / 'report.html'}" in capsys.readouterr().out
    assert (folder / "report.html").is_file() and not stale.exists()
    assert (folder / "timeseries.parquet").stat().st_mtime_ns == data_mtime


@pytest.mark.parametrize("case", ["missing", "file", "empty", "broken_manifest"])
def test_cli_report_bad_folder_exits_2_with_one_line(tmp_path: Path, capsys, case: str) -> None:
    target = tmp_path / "x"
    if case == "file":
        target.write_text("not a folder")
    elif case == "empty":
        target.mkdir()
    elif case == "broken_manifest":
        target.mkdir()
        (target / "manifest.json").write_text("{not json")
        (target / "timeseries.parquet").write_text("not parquet")
    assert main(["report", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(target) in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_run_writes_the_report_and_a_report_failure_keeps_the_results(tmp_path: Path, capsys, monkeypatch) -> None:
    args = ["run", str(SCENARIOS / "baseline.yaml"), "--population", "60", "--months", "3", "--replicates", "2",
            "--quiet"]
    assert main([*args, "--out", str(tmp_path / "ok")]) == 0
    assert f"report: {tmp_path / 'ok' / 'report.html'}" in capsys.readouterr().out
    assert (tmp_path / "ok" / "figures" / "trajectories.png").is_file()

    def broken(folder: Path) -> Path:
        raise ValueError("cannot draw")

    import sim.report

    monkeypatch.delenv("RESETTLE_DEBUG", raising=False)
    monkeypatch.setattr(sim.report, "build_report", broken)
    assert main([*args, "--out", str(tmp_path / "bad")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "results are saved in" in err and "cannot draw" in err
    assert (tmp_path / "bad" / "summary.csv").is_file() and not (tmp_path / "bad" / "report.html").exists()
