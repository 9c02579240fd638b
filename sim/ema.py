"""The model as an EMA Workbench model: levers, uncertainties and outcomes, for analysts who use EMA.

>>> from ema_workbench import perform_experiments
>>> from sim.ema import make_model
>>> model = make_model("scenarios/baseline.yaml", levers=["mentorship_coverage"], population=1000, months=36)
>>> experiments, outcomes = perform_experiments(model, scenarios=8, policies=2)   # doctest: +SKIP

* **Levers** (``model.levers``): the policy parameters (``resettle params --kind policy``), each a
  ``RealParameter`` (``IntegerParameter`` for whole numbers) over its declared range, with the base
  scenario's value as default. All of them by default, or the names given.
* **Uncertainties** (``model.uncertainties``): the behaviour parameters the calibration fits
  (``sim.calibration.calibrate.FITTED``), each a ``RealParameter`` over its fitting bounds (EMA samples
  them uniformly; ``sim.ensemble.prior_sets`` samples the log-scale ones log-uniformly).
* **Outcomes** (``model.outcomes``): ``ScalarOutcome`` ``<indicator>_m<month>`` for each indicator at each
  horizon (months after start), group ``all`` by default; ``MAXIMIZE`` or ``MINIMIZE`` from the indicator's
  declared better direction (``INFO`` where it has none), so EMA's optimisers can use them as they are.
* **Constants**: ``seed``, the random stream of the run (default: replicate 0's seed of the base scenario,
  ``replicate_seeds(seed, 1)[0]``), so an EMA experiment is ``sim.run_scenario`` of the base scenario with
  the experiment's values, one replicate. Give ``seed=`` to choose another; EMA's ``ReplicatorModel`` or a
  ``seed`` uncertainty give replications.

A run is a pure function of its parameters and seed, so EMA's ``MultiprocessingEvaluator`` gives the same
results as its ``SequentialEvaluator``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim import indicators
from sim.batch.runner import run_replicate
from sim.batch.seeds import replicate_seeds
from sim.params import PARAM_BY_NAME, POLICY_NAMES, suggest
from sim.scenario import Scenario, ScenarioError, load_scenario

with warnings.catch_warnings():  # ema_workbench warns about optional evaluators (ipyparallel) it cannot import
    warnings.simplefilter("ignore")
    from ema_workbench import Constant, IntegerParameter, Model, RealParameter, ScalarOutcome

DEFAULT_OUTCOMES = ("employment_rate", "major_depression", "no_one_to_ask_when_sick", "mean_monthly_wage")
DEFAULT_HORIZONS = (36,)


def outcome_name(indicator: str, horizon: int, group: str = "all") -> str:
    """``employment_rate_m36`` (group all), ``employment_rate_m36_sex=female`` otherwise."""
    return f"{indicator}_m{horizon}" + ("" if group == "all" else f"_{group}")


class ResettleFunction:
    """The callable EMA runs: keyword values of levers, uncertainties and ``seed`` -> {outcome: value}.

    A plain class (not a closure) so that EMA's multiprocessing evaluator can pickle it.
    """

    def __init__(self, scenario: Scenario, cells: Sequence[tuple[str, str, int]]) -> None:
        self.scenario = scenario
        self.cells = list(cells)

    def __call__(self, seed: int, **values: float) -> dict[str, float]:
        overrides = {}
        for name, value in values.items():
            kind = "policy" if PARAM_BY_NAME[name].kind == "policy" else "behaviour"
            overrides[f"{kind}.{name}"] = int(value) if PARAM_BY_NAME[name].integer else float(value)
        scenario = self.scenario.with_overrides(**overrides)  # validated as a scenario file's values are
        record = run_replicate(scenario.model_kwargs(), int(seed))
        out = {}
        for ind, group, h in self.cells:
            value = record[h - 1, indicators.INDICATOR_NAMES.index(ind), indicators.GROUPS.index(group)]
            out[outcome_name(ind, h, group)] = float(value) if not np.isnan(value) else float("nan")
        return out


def _check(names: Sequence[str], choices: Sequence[str], what: str) -> list[str]:
    for n in names:
        if n not in choices:
            raise ScenarioError(f"sim.ema: unknown {what} {n!r}{suggest(n, list(choices))}")
    return list(dict.fromkeys(names))


def make_model(scenario: Scenario | str | Path = "scenarios/baseline.yaml", *, levers: Sequence[str] | None = None,
               uncertainties: Sequence[str] | None = None, outcomes: Sequence[str] = DEFAULT_OUTCOMES,
               horizons: Sequence[int] = DEFAULT_HORIZONS, groups: Sequence[str] = ("all",),
               population: int | None = None, months: int | None = None, seed: int | None = None,
               name: str = "resettle") -> Model:
    """An ``ema_workbench.Model`` of ``scenario`` (a Scenario or a YAML file).

    levers: policy parameter names (default: all); uncertainties: behaviour parameter names (default:
    those in ``FITTED``, over their fitting bounds; others over their declared range); outcomes,
    horizons, groups: the indicators kept, at months after start, for these groups; population,
    months: overrides of the scenario; seed: the run's seed (default: replicate 0's of the scenario).
    """
    from sim.calibration.calibrate import FITTED

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    sc = sc.with_overrides(months=months, **{"population.size": population})
    lever_names = _check(levers if levers is not None else POLICY_NAMES, POLICY_NAMES, "lever")
    behaviour = [n for n, p in PARAM_BY_NAME.items() if p.kind == "behaviour"]
    unc_names = _check(uncertainties if uncertainties is not None else list(FITTED), behaviour, "uncertainty")
    outcome_names = _check(outcomes, indicators.INDICATOR_NAMES, "indicator")
    group_names = _check(groups, indicators.GROUPS, "group")
    bad = [h for h in horizons if not 1 <= h <= sc.months]
    if bad:
        raise ScenarioError(f"sim.ema: horizon {bad[0]} is outside the scenario's 1-{sc.months} months")
    cells = [(i, g, h) for i in outcome_names for h in horizons for g in group_names]

    model = Model(name, function=ResettleFunction(sc, cells))
    set_values = sc.parameters()
    params = []
    for n in lever_names:
        p = PARAM_BY_NAME[n]
        default = set_values.get(n, p.default)
        if p.integer:
            params.append(IntegerParameter(n, int(p.low), int(p.high), default=int(default)))
        else:
            params.append(RealParameter(n, p.low, p.high, default=float(default)))
    model.levers = params
    uncs = []
    for n in unc_names:
        lo, hi = FITTED[n][:2] if n in FITTED else (PARAM_BY_NAME[n].low, PARAM_BY_NAME[n].high)
        uncs.append(RealParameter(n, lo, hi, default=float(set_values.get(n, PARAM_BY_NAME[n].default))))
    model.uncertainties = uncs
    kinds = {"higher": ScalarOutcome.MAXIMIZE, "lower": ScalarOutcome.MINIMIZE}
    model.outcomes = [ScalarOutcome(outcome_name(i, h, g), kind=kinds.get(indicators.INDICATOR_BY_NAME[i].better or "",
                                                                         ScalarOutcome.INFO))
                      for i, g, h in cells]
    model.constants = [Constant("seed", replicate_seeds(sc.seed, 1)[0] if seed is None else int(seed))]
    return model


def scenario_for(model: Model, experiment: dict[str, Any]) -> Scenario:
    """The base scenario with an EMA experiment's lever and uncertainty values (to rerun it with ``sim``)."""
    fn: ResettleFunction = model.function
    names = {p.name for p in model.levers} | {p.name for p in model.uncertainties}
    over = {}
    for n in names:
        kind = "policy" if PARAM_BY_NAME[n].kind == "policy" else "behaviour"
        over[f"{kind}.{n}"] = int(experiment[n]) if PARAM_BY_NAME[n].integer else float(experiment[n])
    return fn.scenario.with_overrides(**over)
