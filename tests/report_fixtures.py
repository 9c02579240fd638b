"""Small results folders (run, compare, sweep, trials) written by the real runner, compare and sweep code.

Shared by test_plots.py, test_report.py and test_browser.py; tiny populations keep them fast.
"""

from __future__ import annotations

from pathlib import Path

from sim.batch.compare import compare
from sim.batch.runner import run_scenario
from sim.batch.sweep import sweep
from sim.experiment import experiment_from_dict
from sim.scenario import load_scenario
from sim.trials import load_trial, run_trials

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
TRIALS = REPO / "trials"
TRIAL_FILES = ("jems2022_volunteer_mentoring.yaml", "joona2012_intensive_coaching.yaml")
SMALL = {"replicates": 3, "population": 150, "months": 24, "seed": 11}
TINY = {"replicates": 2, "population": 80, "months": 24, "seed": 11}  # the browser test: layout only, not numbers


def make_run(folder: Path, scenario: str = "baseline.yaml", size: dict[str, int] = SMALL, **overrides: object) -> Path:
    """A run folder (with settlers.parquet) of a scenario file, optionally with dotted overrides."""
    sc = load_scenario(SCENARIOS / scenario)
    if overrides:
        sc = sc.with_overrides(**overrides)
    run_scenario(sc, progress=False, **size).write(folder)
    return folder


def make_compare(folder: Path, size: dict[str, int] = SMALL) -> Path:
    """baseline vs grant_cut vs mentorship, paired, horizons 12 and 24 months."""
    names = ["baseline.yaml", "grant_cut.yaml", "mentorship.yaml"]
    result = compare([SCENARIOS / n for n in names], horizons=[12, 24], progress=False, workers=1, **size)
    result.write(folder)
    return folder


def make_sweep(folder: Path) -> Path:
    """A 3 x 2 factorial over the cash grant and mentorship coverage, 2 replicates per point."""
    exp = experiment_from_dict({
        "name": "tiny_sweep", "description": "Grant against mentorship, tiny.", "scenario": "baseline.yaml",
        "set": {"population.size": 80, "months": 12},
        "factors": {"policy.cash_grant_million_krw": [5, 10, 20], "policy.mentorship_coverage": [0, 0.5]},
        "replicates": 2, "seed": 5, "indicators": ["employment_rate", "major_depression", "mean_monthly_wage"],
        "groups": ["all"], "horizons": [6, 12],
    }, source="<test>", root=SCENARIOS)
    sweep(exp, out=folder, workers=1, progress=False)
    return folder


def make_trials(folder: Path, files: tuple[str, ...] = TRIAL_FILES, replicates: int = 2) -> Path:
    """Trial replicas of a few trials/*.yaml files (one that runs, one with no lever in the model)."""
    run_trials([load_trial(TRIALS / f) for f in files], replicates=replicates, workers=1, progress=False).write(folder)
    return folder
