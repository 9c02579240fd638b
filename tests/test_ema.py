"""Issue 14: sim.ema exposes the model to EMA Workbench; its outcomes are sim.run_scenario's, value for value."""

from __future__ import annotations

import warnings

import pytest

from sim import indicators
from sim.batch.runner import run_scenario
from sim.ema import make_model, outcome_name, scenario_for
from sim.scenario import Scenario, ScenarioError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench import Sample, ScalarOutcome, SequentialEvaluator, perform_experiments

BASE = Scenario(name="ema_base", population={"size": 300}, months=12, seed=17)
OUTCOMES = ["employment_rate", "no_one_to_ask_when_sick", "economically_inactive"]


def test_model_declares_levers_uncertainties_and_outcomes() -> None:
    from sim.calibration.calibrate import FITTED

    m = make_model(BASE, outcomes=OUTCOMES, horizons=[6, 12])
    assert {p.name for p in m.uncertainties} == set(FITTED)
    jor = m.uncertainties["job_offer_rate"]
    assert (jor.lower_bound, jor.upper_bound) == FITTED["job_offer_rate"][:2]
    assert "mentorship_coverage" in {p.name for p in m.levers}
    kinds = {o.name: o.kind for o in m.outcomes}
    assert kinds["employment_rate_m12"] == ScalarOutcome.MAXIMIZE
    assert kinds["no_one_to_ask_when_sick_m6"] == ScalarOutcome.MINIMIZE
    assert kinds["economically_inactive_m12"] == ScalarOutcome.INFO
    with pytest.raises(ScenarioError, match="did you mean 'job_offer_rate'"):
        make_model(BASE, uncertainties=["job_offer_rat"])


def test_ema_experiment_equals_run_scenario() -> None:
    """3 scenarios (uncertainty draws) x 2 policies through EMA's own sampler and evaluator."""
    model = make_model(BASE, levers=["mentorship_coverage", "hanawon_weeks"],
                       uncertainties=["job_offer_rate", "depression_base", "sk_tie_decay"],
                       outcomes=OUTCOMES, horizons=[12])
    policies = [Sample("none", mentorship_coverage=0.0, hanawon_weeks=12),
                Sample("mentor", mentorship_coverage=0.9, hanawon_weeks=8)]
    with SequentialEvaluator(model) as ev:
        experiments, outcomes = perform_experiments(model, scenarios=3, policies=policies, evaluator=ev)
    assert len(experiments) == 6
    for i, row in experiments.iterrows():
        sc = scenario_for(model, row.to_dict())
        assert sc.policy.mentorship_coverage == row.mentorship_coverage
        run = run_scenario(sc, replicates=1, ensemble="none", progress=False)
        for name in OUTCOMES:
            k = indicators.INDICATOR_NAMES.index(name)
            assert outcomes[outcome_name(name, 12)][i] == run.records[0, 11, k, 0]
    # the policies matter: mentorship lowers the share with no one to ask in every scenario
    by = {(r.scenario, r.policy): outcomes["no_one_to_ask_when_sick_m12"][i] for i, r in experiments.iterrows()}
    assert all(by[(s, "mentor")] < by[(s, "none")] for s in experiments.scenario.unique())
