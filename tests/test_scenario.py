"""Scenario files: the shipped ones load, ``extends`` merges, overrides and policy schedules work,
and every bad input is one ``ScenarioError`` line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model import ResettlementModel
from sim.params import MILLION_KRW, POLICY_NAMES
from sim.scenario import Scenario, ScenarioError, deep_merge, is_safe_name, load_scenario, set_dotted, validate_dict
from sim.state import PENDING

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REQUIRED = ("baseline", "package_2004", "grant_cut", "mentorship", "counselling", "vocational_training", "outreach",
            "combined")


# ---------------------------------------------------------------- shipped scenarios

@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path):
    sc = load_scenario(path)
    assert is_safe_name(sc.name)
    Scenario(**sc.model_dump())  # the resolved form validates again
    kwargs = sc.model_kwargs()
    assert kwargs["n_settlers"] == sc.population.size and kwargs["months"] == sc.months


def test_required_scenarios_exist():
    names = {load_scenario(p).name for p in SCENARIOS.glob("*.yaml")}
    assert set(REQUIRED) <= names


def test_classic_comparison_differs_in_the_package():
    before, after = load_scenario(SCENARIOS / "package_2004.yaml"), load_scenario(SCENARIOS / "grant_cut.yaml")
    assert before.policy.cash_grant_million_krw == pytest.approx(28)
    assert after.policy.cash_grant_million_krw < before.policy.cash_grant_million_krw
    assert after.start == before.start  # inherited through extends: grant_cut -> package_2004 -> baseline
    assert after.population == before.population
    assert (after.policy.employment_incentive_million_krw_per_year or 0) > 0


# ---------------------------------------------------------------- extends and merging

def test_extends_child_overrides_parent_and_nested_keys_merge(write_yaml):
    write_yaml("parent.yaml", {
        "name": "parent", "description": "the parent", "months": 36, "replicates": 4,
        "population": {"mode": "cohort", "size": 500, "female_share": 0.7},
        "policy": {"cash_grant_million_krw": 20, "mentorship_coverage": 0.3},
        "behaviour": {"job_offer_rate": 0.4},
        "changes": [{"at": 6, "policy": {"cash_grant_million_krw": 15}}],
    })
    child = write_yaml("child.yaml", {
        "name": "child", "extends": "parent.yaml", "months": 12,
        "population": {"size": 100},
        "policy": {"mentorship_coverage": 0.9},
        "changes": [{"at": 3, "policy": {"counselling_slots_per_1000": 30}}],
    })
    sc = load_scenario(child)
    assert sc.name == "child" and sc.description == "the parent"
    assert sc.months == 12 and sc.replicates == 4
    assert sc.population.size == 100 and sc.population.female_share == 0.7  # nested keys merged
    assert sc.policy.cash_grant_million_krw == 20 and sc.policy.mentorship_coverage == 0.9
    assert sc.behaviour.job_offer_rate == 0.4
    assert sc.change_schedule() == [(3, {"counselling_slots_per_1000": 30})]  # lists are replaced, not appended


def test_extends_resolves_relative_to_the_file(tmp_path, write_yaml):
    write_yaml("base.yaml", {"name": "base", "policy": {"mentorship_coverage": 0.4}})
    sub = tmp_path / "more"
    sub.mkdir()
    (sub / "child.yaml").write_text("name: child\nextends: ../base.yaml\n", encoding="utf-8")
    assert load_scenario(sub / "child.yaml").policy.mentorship_coverage == 0.4


def test_extends_chain_of_three(write_yaml):
    write_yaml("a.yaml", {"name": "a", "seed": 1, "policy": {"hanawon_weeks": 8}})
    write_yaml("b.yaml", {"name": "b", "extends": "a.yaml", "seed": 2})
    c = load_scenario(write_yaml("c.yaml", {"name": "c", "extends": "b.yaml", "policy": {"mentorship_coverage": 0.2}}))
    assert (c.seed, c.policy.hanawon_weeks, c.policy.mentorship_coverage) == (2, 8, 0.2)


def test_deep_merge_and_set_dotted():
    base = {"a": 1, "p": {"x": 1, "y": 2}, "l": [1, 2]}
    out = deep_merge(base, {"p": {"y": 3, "z": 4}, "l": [9], "b": 2})
    assert out == {"a": 1, "p": {"x": 1, "y": 3, "z": 4}, "l": [9], "b": 2}
    assert base == {"a": 1, "p": {"x": 1, "y": 2}, "l": [1, 2]}  # inputs untouched
    d: dict = {}
    set_dotted(d, "policy.cash_grant_million_krw", 5)
    assert d == {"policy": {"cash_grant_million_krw": 5}}
    with pytest.raises(ScenarioError, match="not a section"):
        set_dotted({"name": "x"}, "name.first", 1)


# ---------------------------------------------------------------- overrides, schedules, model kwargs

def test_with_overrides_revalidates(small_scenario):
    sc = small_scenario()
    big = sc.with_overrides(**{"population.size": 300, "policy.cash_grant_million_krw": 5, "months": 6, "seed": None})
    assert (big.population.size, big.policy.cash_grant_million_krw, big.months, big.seed) == (300, 5, 6, sc.seed)
    assert sc.population.size == 200  # immutable original
    with pytest.raises(ScenarioError, match="cash_grant_million_krw"):
        sc.with_overrides(**{"policy.cash_grant_million_krw": 500})
    with pytest.raises(ScenarioError, match="did you mean"):
        sc.with_overrides(**{"policy.cash_grant_milion_krw": 5})


def test_change_schedule_accepts_months_and_calendar_dates(small_scenario):
    sc = small_scenario(start="2024-01", changes=[{"at": "2026-01", "policy": {"cash_grant_million_krw": 20}},
                                                  {"at": 3, "behaviour": {"job_offer_rate": 0.3}}])
    assert sc.change_schedule() == [(24, {"cash_grant_million_krw": 20}), (3, {"job_offer_rate": 0.3})]


def test_scenario_values_reach_the_model(small_scenario):
    sc = small_scenario(policy={"cash_grant_million_krw": 25}, behaviour={"job_offer_rate": 0.2},
                        population={"mode": "cohort", "size": 50, "female_share": 1.0})
    m = ResettlementModel(rng=1, **sc.model_kwargs())
    assert m.p.cash_grant_million_krw == 25 and m.p.job_offer_rate == 0.2
    assert m.layout.settlers == 50 and m.state.female[:50].all() and m.state.defector[:50].all()


def test_unknown_parameter_in_model_kwargs_is_rejected():
    with pytest.raises(KeyError, match="did you mean 'cash_grant_million_krw'"):
        ResettlementModel(n_settlers=10, months=1, cash_grant_milion_krw=5)


def test_bad_scheduled_change_is_rejected_when_the_model_is_built():
    with pytest.raises(ValueError, match="cash_grant_million_krw"):
        ResettlementModel(n_settlers=10, months=12, policy_changes=[(6, {"cash_grant_million_krw": 1000})])


def test_policy_change_applies_to_later_arrivals_only():
    """Population mode: the grant rises from 10M to 30M for arrivals from month 24 (January 2026)."""
    sc = validate_dict({"name": "schedule", "population": {"mode": "population", "size": 3000}, "start": "2024-01",
                        "months": 27, "policy": {"cash_grant_million_krw": 10, "employment_incentive_million_krw_per_year": 6},
                        "changes": [{"at": "2026-01", "policy": {"cash_grant_million_krw": 30,
                                                                 "employment_incentive_million_krw_per_year": 12}}]},
                       source="<test>")
    m = ResettlementModel(rng=5, agent_views=False, **sc.model_kwargs())
    while m.running:
        m.step()
    s = m.state
    change = m.layout.record_from + 24
    arrived = (s.status != PENDING) & s.defector  # children born outside the North have no package
    before, after = arrived & (s.arrival_month < change), arrived & (s.arrival_month >= change)
    assert before.sum() > 1000 and after.sum() >= 5  # the historical stock, and a few 2026 arrivals
    share_later = 1 - m.p.cash_grant_upfront_share
    np.testing.assert_allclose(s.grant_instalment[before], 10 * MILLION_KRW * share_later / 12)
    np.testing.assert_allclose(s.grant_instalment[after], 30 * MILLION_KRW * share_later / 12)
    np.testing.assert_allclose(s.incentive_per_month[before], 6 * MILLION_KRW / 12, rtol=1e-6)
    np.testing.assert_allclose(s.incentive_per_month[after], 12 * MILLION_KRW / 12, rtol=1e-6)
    assert m.p.cash_grant_million_krw == 30


def test_cohort_keeps_its_package_when_the_policy_changes_later():
    m = ResettlementModel(n_settlers=200, months=12, rng=1, cash_grant_million_krw=10,
                          policy_changes=[(6, {"cash_grant_million_krw": 40, "job_offer_rate": 0.9})])
    default = m.p.job_offer_rate
    assert default != 0.9
    for month in range(1, 13):
        m.step()
        assert m.p.job_offer_rate == (0.9 if month > 6 else default)  # behaviour changes for everyone from month 6
    np.testing.assert_allclose(m.state.grant_instalment[:200], 10 * MILLION_KRW * 0.7 / 12)  # the 200 settlers
    assert m.p.cash_grant_million_krw == 40


# ---------------------------------------------------------------- bad input

def test_every_bad_scenario_is_one_line_naming_file_and_key(bad_scenario):
    path, fragments = bad_scenario
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert path.name in msg
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"


def test_a_folder_is_not_a_scenario(tmp_path):
    with pytest.raises(ScenarioError, match="folder"):
        load_scenario(tmp_path)


def test_safe_names():
    assert is_safe_name("grant_cut") and is_safe_name("v1.2-test")
    for bad in ("../x", "a/b", "..", ".hidden", "", "a\\b", "x" * 101, "a..b"):
        assert not is_safe_name(bad), bad


def test_every_policy_lever_is_a_scenario_key():
    sc = Scenario(name="all", policy={name: None for name in POLICY_NAMES})
    assert sc.parameters() == {}
