"""Fit the behaviour parameters that have no direct source to the targets, by historical replay.

Method: bounded nonlinear least squares, ``scipy.optimize.least_squares`` (trust-region
reflective), on **common random numbers**: every evaluation runs the same replicate seeds, so
the objective is a deterministic function of the parameters and finite differences measure
parameter effects rather than noise. Residuals are the targets' standardised distances
(``targets.standardised``: simulated minus observed in tolerances; log ratios for counts), so
"within tolerance" is |residual| <= 1 and the least-squares cost weighs each target by its
own precision. Each parameter is searched on [0, 1], mapped linearly or logarithmically onto
its fitting bounds (``FITTED``: each parameter's declared ``fit``, inside its range). The Jacobian is a forward
difference with a coarse step (``STEP``: 4% of the bounds), evaluated in parallel; the search
stops at ``budget`` evaluations and returns the best point seen.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from tqdm import tqdm

from sim.batch import store
from sim.batch.runner import MID_YEAR_MONTH, run_replicate
from sim.batch.seeds import replicate_seeds
from sim.calibration import targets as tg
from sim.clock import months_between, parse_year_month
from sim.params import CALIBRATION_FILE, PARAM_BY_NAME, PARAMS
from sim.scenario import Scenario, load_scenario

HISTORY = Path(__file__).resolve().parents[2] / "scenarios" / "history.yaml"
METHOD = "scipy.optimize.least_squares (trust-region reflective) on common random numbers"
STEP = 0.04  # finite-difference step, share of a parameter's fitting bounds
RESTARTS = 4  # least-squares restarts from the best point while they still gain
RESTART_GAIN = 0.02  # a restart must cut the cost by this share for another one to follow
CALIBRATION_POPULATION, CALIBRATION_REPLICATES, CALIBRATION_BUDGET = 4000, 4, 200  # default run size and budget
TOLERANCE, GRADIENT_TOLERANCE = 1e-3, 1e-4  # least squares stops on these (unit-cube steps, cost changes)
PARAMETER_DIGITS, FIT_DIGITS = 8, 4  # decimals written to calibration.json

# name -> (low, high, log scale): fitting bounds of the behaviour parameters without a direct source, as declared
# by their modules (``fit=`` in sim/mechanisms/*.py)
FITTED: dict[str, tuple[float, float, bool]] = {p.name: p.fit for p in PARAMS if p.fit is not None}


class BudgetSpent(Exception):
    """Raised inside the optimiser when the evaluation budget is used up."""


@dataclass
class Problem:
    """What a calibration runs: the replay, its seeds, the targets and the parameters fitted.

    scenario: the historical replay (its horizon is cut at the last June the targets need).
    names: parameters fitted, with ``bounds`` {name: (low, high, log)}.
    fixed: other parameter values held fixed (e.g. synthetic truth for tests); defaults otherwise.
    """

    scenario: Scenario
    targets: pd.DataFrame
    names: tuple[str, ...]
    bounds: Mapping[str, tuple[float, float, bool]]
    replicates: int = CALIBRATION_REPLICATES
    fixed: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tg.check_calibration_years(self.targets)  # hindcast figures (before 2020) are validation, never fitted
        last = max(tg.years_needed(self.targets))
        months = months_between(parse_year_month(self.scenario.start), (last, MID_YEAR_MONTH)) + 1
        if months < 1:
            raise ValueError(f"targets end in {last}, before the replay starts ({self.scenario.start})")
        self.scenario = self.scenario.with_overrides(months=months)
        self.seeds = replicate_seeds(self.scenario.seed, self.replicates)
        for name in self.names:
            if name not in PARAM_BY_NAME:
                raise KeyError(f"unknown parameter '{name}'")

    def to_values(self, u: np.ndarray) -> dict[str, float]:
        """Point on [0, 1]^n -> {parameter: value}."""
        out = {}
        for name, x in zip(self.names, np.clip(u, 0, 1)):
            lo, hi, log = self.bounds[name]
            v = float(np.exp(np.log(lo) + x * (np.log(hi) - np.log(lo))) if log else lo + x * (hi - lo))
            out[name] = round(v) if PARAM_BY_NAME[name].integer else v
        return out

    def to_unit(self, values: Mapping[str, float]) -> np.ndarray:
        """{parameter: value} -> point on [0, 1]^n (clipped to the bounds)."""
        u = []
        for name in self.names:
            lo, hi, log = self.bounds[name]
            v = float(np.clip(values[name], lo, hi))
            u.append((np.log(v) - np.log(lo)) / (np.log(hi) - np.log(lo)) if log else (v - lo) / (hi - lo))
        return np.array(u)

    def kwargs(self, values: Mapping[str, float]) -> dict[str, Any]:
        """Model keyword arguments for one parameter point."""
        kw = self.scenario.model_kwargs()
        return {**kw, **self.fixed, **values}


def _replicate_targets(kwargs: dict[str, Any], seed: int, start: str, targets: pd.DataFrame) -> np.ndarray:
    return tg.extract(run_replicate(kwargs, seed), start, targets)[0]


class Evaluator:
    """Runs parameter points (all replicates of all points at once, on a pool when workers > 1)."""

    def __init__(self, problem: Problem, workers: int = 1, budget: int | None = None,
                 on_eval: Callable[[np.ndarray, np.ndarray], None] | None = None) -> None:
        self.problem, self.workers, self.budget, self.on_eval = problem, workers, budget, on_eval
        self.pool: Executor | None = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
        self.count = 0
        self.best: tuple[float, np.ndarray, np.ndarray] | None = None  # (cost, u, simulated mean)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def simulate(self, points: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Simulated target values, shape (points, replicates, targets)."""
        pb = self.problem
        jobs = [(pb.kwargs(v), s, pb.scenario.start, pb.targets) for v in points for s in pb.seeds]
        if self.pool is None:
            flat = [_replicate_targets(*j) for j in jobs]
        else:
            flat = list(self.pool.map(_replicate_targets, *zip(*jobs)))
        return np.array(flat).reshape(len(points), len(pb.seeds), len(pb.targets))

    def residuals(self, us: Sequence[np.ndarray]) -> np.ndarray:
        """Standardised residuals of the replicate mean, shape (points, targets); counts the budget."""
        if self.budget is not None and self.count + len(us) > self.budget:
            raise BudgetSpent
        sims = self.simulate([self.problem.to_values(u) for u in us]).mean(axis=1)
        res = tg.standardised(sims, self.problem.targets)
        self.count += len(us)
        for u, r, sim in zip(us, res, sims):
            cost = 0.5 * float(np.sum(r ** 2))
            if self.best is None or cost < self.best[0]:
                self.best = (cost, np.array(u), sim)
            if self.on_eval:
                self.on_eval(r, sim)
        return res


@dataclass
class CalibrationResult:
    """A fitted parameter set and its fit (simulated replicate means at the best point)."""

    problem: Problem
    values: dict[str, float]
    simulated: np.ndarray  # (targets,)
    cost: float
    evaluations: int
    status: str
    date: str = field(default_factory=lambda: datetime.now(UTC).date().isoformat())

    def fit_table(self) -> pd.DataFrame:
        t = self.problem.targets
        z = tg.standardised(self.simulated, t)
        return pd.DataFrame({"target": t["target"], "indicator": t["indicator"], "year": t["year"],
                             "observed": t["value"], "simulated": self.simulated, "tolerance": t["tolerance"],
                             "tolerance_kind": t["tolerance_kind"], "standardised": z, "within": np.abs(z) <= 1})

    def to_json(self) -> dict[str, Any]:
        fit = self.fit_table()
        return {
            "date": self.date,
            "method": METHOD,
            "scenario": self.problem.scenario.name,
            "population": self.problem.scenario.population.size,
            "replicates": self.problem.replicates,
            "seed": self.problem.scenario.seed,
            "evaluations": self.evaluations,
            "status": self.status,
            "fitted": list(self.problem.names),
            "parameters": {k: round(v, PARAMETER_DIGITS) for k, v in self.values.items()},
            "priors": {k: PARAM_BY_NAME[k].prior if PARAM_BY_NAME[k].prior is not None else PARAM_BY_NAME[k].default
                       for k in self.problem.names},
            "bounds": {k: list(self.problem.bounds[k][:2]) for k in self.problem.names},
            "fixed": "every other parameter keeps its declared default (sources in `resettle params`)",
            "fit": {
                "cost": round(self.cost, FIT_DIGITS),
                "within": int(fit.within.sum()),
                "targets": len(fit),
                "mean_relative_difference": round(float(tg.relative_difference(self.simulated,
                                                                              self.problem.targets).mean()), FIT_DIGITS),
            },
            "targets": [{k: (round(v, FIT_DIGITS) if isinstance(v, float) else v) for k, v in row.items()}
                        for row in fit.drop(columns=["standardised"]).assign(
                            within=fit.within.astype(bool)).to_dict(orient="records")],
        }

    def write(self, path: str | Path) -> Path:
        store.write_json(path, self.to_json())
        return Path(path)


def default_problem(targets: str | Path | pd.DataFrame | None = None, population: int = CALIBRATION_POPULATION,
                    replicates: int = CALIBRATION_REPLICATES,
                    names: Sequence[str] | None = None, scenario: str | Path | Scenario | None = None,
                    seed: int | None = None) -> Problem:
    """The project's calibration problem: the history replay against ``targets.csv``."""
    t = targets if isinstance(targets, pd.DataFrame) else tg.load_targets(targets)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or HISTORY)
    sc = sc.with_overrides(**{"population.size": population, "seed": seed})
    names = tuple(names or FITTED)
    return Problem(sc, t, names, {n: FITTED[n] for n in names}, replicates)


def calibrate(problem: Problem, budget: int = CALIBRATION_BUDGET, workers: int = 1, start: Mapping[str, float] | None = None,
              progress: bool = True, checkpoint: str | Path | None = None) -> CalibrationResult:
    """Fit ``problem.names`` to the targets; at most ``budget`` evaluations (each = all replicates).

    ``start``: initial values (default: the current defaults, i.e. the last calibration if any).
    ``checkpoint``: a JSON file rewritten with the best point after each least-squares run.
    """
    from sim.params import Parameters

    defaults = Parameters().as_dict()
    u0 = problem.to_unit({n: (start or {}).get(n, defaults[n]) for n in problem.names})
    bar = tqdm(total=budget, desc="calibrate", unit="eval", disable=not progress, file=sys.stderr)

    def tick(r: np.ndarray, sim: np.ndarray) -> None:
        bar.update()
        best = ev.best[0] if ev.best else float("nan")
        bar.set_postfix(best=f"{best:.1f}", within=f"{int(np.sum(np.abs(r) <= 1))}/{r.size}")

    ev = Evaluator(problem, workers, budget, tick)

    last: dict[bytes, np.ndarray] = {}  # residuals at the latest point (least_squares calls fun, then jac)

    def fun(u: np.ndarray) -> np.ndarray:
        last.clear()
        last[u.tobytes()] = ev.residuals([u])[0]
        return last[u.tobytes()]

    def jac(u: np.ndarray) -> np.ndarray:
        steps = np.where(u + STEP <= 1, STEP, -STEP)
        shifted = [u + np.eye(u.size)[i] * steps[i] for i in range(u.size)]
        base = last.get(u.tobytes())
        res = ev.residuals(shifted if base is not None else [u, *shifted])
        if base is None:
            base, res = res[0], res[1:]
        return ((res - base) / steps[:, None]).T

    status = "converged"
    try:
        # restarts from the best point: on common random numbers the cost is not smooth at small scales, so
        # the trust region can collapse early; a restart re-estimates the Jacobian with a fresh radius
        for _ in range(RESTARTS + 1):
            before = ev.best[0] if ev.best else np.inf
            out = least_squares(fun, ev.best[1] if ev.best else u0, jac=jac, bounds=(0.0, 1.0), method="trf",
                                max_nfev=budget, xtol=TOLERANCE, ftol=TOLERANCE, gtol=GRADIENT_TOLERANCE)
            status = f"{out.message} ({ev.count} evaluations)"
            if checkpoint is not None and ev.best is not None:
                _result(problem, ev, status).write(checkpoint)
            if ev.best is not None and ev.best[0] > before * (1 - RESTART_GAIN):
                break
    except BudgetSpent:
        status = f"budget of {budget} evaluations spent"
    finally:
        bar.close()
        ev.close()
    result = _result(problem, ev, status)
    if checkpoint is not None:
        result.write(checkpoint)
    return result


def _result(problem: Problem, ev: Evaluator, status: str) -> CalibrationResult:
    assert ev.best is not None
    cost, u_best, sim = ev.best
    return CalibrationResult(problem, problem.to_values(u_best), sim, cost, ev.count, status)


def calibration_path() -> Path:
    """The project's calibration data file (``sim/data/calibration.json``)."""
    return Path(__file__).resolve().parents[1] / "data" / CALIBRATION_FILE
