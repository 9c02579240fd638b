"""Trial effects as calibration targets: the published effects of ``trials/`` with a stated interval.

Each trial outcome (follow-up, group) whose published value is an interval becomes a target: the model's
effect in one replicate of the trial replica (``sim.trials.run.run_replicate``, at the calibration's parameter
point), held against the published estimate with the interval's half-width as its tolerance (a 95%
interval, as the survey tolerances are). Risk ratios are compared on the log scale. Outcomes published only
as a sign, or marked "no lever" / "no outcome", carry no stated uncertainty and are not targets; the
posterior check reports the share of posterior runs that get their sign right (``sign_checks``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from sim.trials.run import default_files, run_replicate
from sim.trials.schema import Published, ReformArms, Trial, load_trial


@dataclass(frozen=True)
class TrialTarget:
    """One published trial effect: where it is in the replica's output and what was published.

    centre, half_width: on the measure's scale (log for risk ratios); the half-width is the larger side of the
    published interval about the estimate (the interval's midpoint when no estimate is given).
    """

    file: str
    trial: str
    outcome: int  # index of the outcome in the trial file
    followup: int  # months after assignment (0 for a reform design)
    group: str  # all, male, female
    measure: str
    centre: float
    half_width: float
    label: str


@dataclass(frozen=True)
class SignCheck:
    """A published effect given only as a sign (``negative``, ``non_positive``...)."""

    file: str
    trial: str
    outcome: int
    followup: int
    group: str
    measure: str
    sign: str
    label: str


def _scale(measure: str, x: float) -> float:
    return float(np.log(x)) if measure == "risk_ratio" else float(x)


def _cells(trial: Trial) -> list[tuple[int, int, str, Any, Published]]:
    reform = isinstance(trial.spec.arms, ReformArms)
    out = []
    for k, o in enumerate(trial.spec.outcomes):
        for f in ([0] if reform else (o.followup_months or [0])):
            for g in (["all"] if o.by is None else ["male", "female"]):
                pub = o.published if isinstance(o.published, Published) else o.published.get(g)
                if pub is not None and pub.status is None:
                    out.append((k, f, g, o, pub))
    return out


def trial_targets(files: Sequence[str | Path] | None = None) -> tuple[list[TrialTarget], list[SignCheck]]:
    """The interval targets and the sign-only checks of the trial files (default: every file of ``trials/``)."""
    targets, signs = [], []
    for path in files if files is not None else default_files():
        trial = _load(str(path))
        for k, f, g, o, pub in _cells(trial):
            label = f"trial {trial.spec.name}: {o.name()} ({g}, month {f})"
            if pub.sign is not None:
                signs.append(SignCheck(str(path), trial.spec.name, k, f, g, o.measure, pub.sign, label))
                continue
            assert pub.low is not None and pub.high is not None
            lo, hi = _scale(o.measure, pub.low), _scale(o.measure, pub.high)
            centre = _scale(o.measure, pub.estimate) if pub.estimate is not None else (lo + hi) / 2
            half = max(centre - lo, hi - centre)
            targets.append(TrialTarget(str(path), trial.spec.name, k, f, g, o.measure, centre, half, label))
    return targets, signs


@cache
def _load(path: str) -> Trial:
    return load_trial(path)


def simulate_effects(cells: Sequence[TrialTarget | SignCheck], overrides: Mapping[str, Any], seed: int) -> np.ndarray:
    """The model's effect for each cell in one replicate of each trial, on the measure's scale (log for risk
    ratios); NaN where a replicate gives no estimate. ``overrides``: the parameter point."""
    effects: dict[str, dict[tuple[int, int, str], float]] = {}
    out = np.full(len(cells), np.nan)
    for i, c in enumerate(cells):
        if c.file not in effects:
            effects[c.file] = run_replicate(_load(c.file), seed, dict(overrides))["effects"]
        value = effects[c.file].get((c.outcome, c.followup, c.group), np.nan)
        if np.isfinite(value) and (c.measure != "risk_ratio" or value > 0):
            out[i] = _scale(c.measure, value)
    return out


def standardised(effects: np.ndarray, targets: Sequence[TrialTarget]) -> np.ndarray:
    """Distance of simulated effects (shape (..., n_targets), measure scale) from the published, in half-widths."""
    centre = np.array([t.centre for t in targets])
    half = np.array([t.half_width for t in targets])
    return (effects - centre) / half


def sign_holds(effects: np.ndarray, checks: Sequence[SignCheck]) -> np.ndarray:
    """Whether each simulated effect (shape (..., n_checks), measure scale) has the published sign."""
    out = np.zeros(effects.shape, dtype=bool)
    for j, c in enumerate(checks):
        x = effects[..., j]
        out[..., j] = {"negative": x < 0, "positive": x > 0, "none": np.abs(x) < np.inf,
                       "non_positive": x <= 0, "non_negative": x >= 0}[c.sign]
    return out
