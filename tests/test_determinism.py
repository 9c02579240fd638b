"""Determinism: a seed fixes everything; workers and the number of replicates do not matter."""

from __future__ import annotations

import numpy as np
import pytest

from sim.batch.runner import run_replicate, run_scenario
from sim.batch.seeds import replicate_seeds
from sim.model import ResettlementModel


def run_model(seed, **kw) -> ResettlementModel:
    kw = {"n_settlers": 300, "months": 12, "agent_views": False, **kw}
    model = ResettlementModel(rng=seed, **kw)
    while model.running:
        model.step()
    return model


def same_record(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def test_same_seed_gives_identical_records_and_states():
    a, b = run_model(5), run_model(5)
    assert same_record(a.record, b.record)
    for name in ("cash", "depression", "labour", "status", "sk_ties"):
        np.testing.assert_array_equal(getattr(a.state, name), getattr(b.state, name))
    np.testing.assert_array_equal(a.state.tie_a, b.state.tie_a)


def test_another_seed_gives_different_records():
    a, b = run_model(5), run_model(6)
    assert not same_record(a.record, b.record)


def test_seed_may_be_a_generator():
    a = run_model(np.random.default_rng(9))
    b = run_model(np.random.default_rng(9))
    assert same_record(a.record, b.record)


def test_agent_views_do_not_change_results():
    """Bulk runs switch the Settler views off; the numbers must not depend on it."""
    assert same_record(run_model(4, agent_views=True).record, run_model(4, agent_views=False).record)


def test_population_mode_is_deterministic():
    kw = {"mode": "population", "n_settlers": 150, "months": 6, "start": "2000-01"}
    a, b, c = (run_model(seed, **kw).record for seed in (1, 1, 2))
    assert same_record(a, b)
    assert not same_record(a, c)


def test_replicate_seeds_are_stable_prefixes():
    five = replicate_seeds(123, 5)
    assert replicate_seeds(123, 3) == five[:3]
    assert len(set(five)) == 5
    assert replicate_seeds(124, 3) != five[:3]
    assert all(0 <= s < 2**63 for s in five)


@pytest.fixture(scope="module")
def serial(small_scenario):
    return run_scenario(small_scenario(replicates=3), workers=1, progress=False)


def test_workers_do_not_change_results(serial, small_scenario):
    parallel = run_scenario(small_scenario(replicates=3), workers=2, progress=False)
    assert parallel.seeds == serial.seeds
    assert same_record(parallel.records, serial.records)


def test_replicate_i_is_the_same_whatever_the_number_of_replicates(serial, small_scenario):
    five = run_scenario(small_scenario(replicates=5), workers=1, progress=False)
    assert five.seeds[:3] == serial.seeds
    assert same_record(five.records[:3], serial.records)
    assert not same_record(five.records[3], five.records[4])  # replicates differ from each other


def test_run_replicate_matches_the_model(serial):
    kwargs = serial.scenario.model_kwargs()
    assert same_record(run_replicate(kwargs, serial.seeds[1]), serial.records[1])


def test_scenario_seed_override(serial, small_scenario):
    other = run_scenario(small_scenario(replicates=3), seed=8, progress=False)
    assert other.seeds != serial.seeds
    assert not same_record(other.records, serial.records)
