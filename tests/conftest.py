"""Shared fixtures: controlled states for mechanism tests, clocks, small scenario files.

Mechanism tests build a ``State`` directly (``make_state``): every row a settled adult in
South Korea, past Hanawon and the benefit grace period, with no entitlements unless a test
sets them, so that one trait at a time can be varied between two otherwise identical groups.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.clock import Clock
from sim.params import PARAMS, Parameters
from sim.scenario import Scenario, validate_dict
from sim.state import IN_SK, INACTIVE, State

# fixed parameters (the posterior median) unless a test asks for an ensemble: the suite's figures and run times do
# not change when sim/data/posterior.parquet is shipped; subprocesses inherit it
os.environ.setdefault("RESETTLE_ENSEMBLE", "none")

ORIGIN = (2024, 1)  # calendar month of model month 0 in every controlled test
REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


def clock_at(month: int = 0) -> Clock:
    """The model clock at ``month`` (month 0 = January 2024)."""
    return Clock(month, *ORIGIN)


def build_state(n: int, *, month: int = 0, age: int = 35, months_since_arrival: int = 36,
                labour: int = INACTIVE, **columns: Any) -> State:
    """``n`` settled adults in South Korea at ``month``; ``columns`` override whole columns.

    Defaults: aged ``age`` (mid-year), arrived ``months_since_arrival`` months ago (past Hanawon
    and the benefit grace period), dialect 0.5, trust 0.5, living with others, no children, no
    health limit, no entitlements (all end dates NEVER), no ties.
    """
    s = State(n)
    s.status[:] = IN_SK
    s.labour[:] = labour
    s.birth_month[:] = month - age * 12 - 6
    s.arrival_month[:] = month - months_since_arrival
    s.dialect[:] = 0.5
    s.trust[:] = 0.5
    for name, value in columns.items():
        col = getattr(s, name)
        col[:] = value
    return s


@pytest.fixture
def make_state() -> Callable[..., State]:
    return build_state


@pytest.fixture
def clock() -> Callable[[int], Clock]:
    return clock_at


def declared_parameters(**overrides: float) -> Parameters:
    """Parameters at their *declared* defaults (the priors, not values fitted by calibration).

    Mechanism tests state expected effect sizes from these values, so a new calibration does
    not move them.
    """
    values = {p.name: (p.default if getattr(p, "prior", None) is None else p.prior) for p in PARAMS}
    return Parameters(**{**values, **overrides})


@pytest.fixture
def params() -> Parameters:
    return declared_parameters()


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed seed; RESETTLE_TEST_SEED=k reruns the statistical tests on another stream (robustness check)."""
    return np.random.default_rng(int(os.environ.get("RESETTLE_TEST_SEED", "20240101")))


def build_small_scenario(**over: Any) -> Scenario:
    """A validated small cohort scenario (200 settlers, 12 months, 2 replicates)."""
    data: dict[str, Any] = {"name": "tiny", "population": {"mode": "cohort", "size": 200}, "months": 12,
                            "replicates": 2, "seed": 7}
    for key, value in over.items():
        data[key] = value
    return validate_dict(data, source="<test>")


@pytest.fixture(scope="session")
def small_scenario() -> Callable[..., Scenario]:
    """Factory of small validated scenarios; keyword arguments replace top-level keys."""
    return build_small_scenario


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write a mapping (dumped as YAML) or raw text to ``tmp_path/name``; returns the path."""

    def write(name: str, content: dict[str, Any] | str) -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


# ---------------------------------------------------------------- bad scenario files
# id -> (files to write {name: mapping or raw text}, the file to load, fragments the one-line error must contain)
BAD_SCENARIOS: dict[str, tuple[dict[str, Any], str, tuple[str, ...]]] = {
    "unknown_policy_key": ({"s.yaml": {"name": "x", "policy": {"cash_grant_milion_krw": 5}}}, "s.yaml",
                           ("policy.cash_grant_milion_krw", "unknown key", "did you mean 'cash_grant_million_krw'")),
    "unknown_top_key": ({"s.yaml": {"name": "x", "replicate": 3}}, "s.yaml",
                        ("replicate", "unknown key", "did you mean 'replicates'")),
    "unknown_behaviour_key": ({"s.yaml": {"name": "x", "behaviour": {"job_offer_rat": 0.3}}}, "s.yaml",
                              ("behaviour.job_offer_rat", "did you mean 'job_offer_rate'")),
    "unknown_key_in_change": ({"s.yaml": {"name": "x", "changes": [{"at": 3, "policy": {"mentorship_coverag": 0.5}}]}},
                              "s.yaml", ("changes.0.policy.mentorship_coverag", "did you mean 'mentorship_coverage'")),
    "wrong_type_policy": ({"s.yaml": {"name": "x", "policy": {"cash_grant_million_krw": "lots"}}}, "s.yaml",
                          ("policy.cash_grant_million_krw", "'lots'", "million KRW")),
    "wrong_type_size": ({"s.yaml": {"name": "x", "population": {"size": "big"}}}, "s.yaml", ("population.size", "'big'")),
    "not_whole_number": ({"s.yaml": {"name": "x", "policy": {"hanawon_weeks": 12.5}}}, "s.yaml",
                         ("policy.hanawon_weeks", "12.5")),
    "out_of_range_policy": ({"s.yaml": {"name": "x", "policy": {"cash_grant_million_krw": 100}}}, "s.yaml",
                            ("policy.cash_grant_million_krw", "100", "valid range 0 to 60")),
    "out_of_range_behaviour": ({"s.yaml": {"name": "x", "behaviour": {"benefit_takeup": 1.5}}}, "s.yaml",
                               ("behaviour.benefit_takeup", "1.5", "valid range 0 to 1")),
    "out_of_range_months": ({"s.yaml": {"name": "x", "months": 0}}, "s.yaml", ("months", "0")),
    "out_of_range_in_change": ({"s.yaml": {"name": "x", "changes": [{"at": 24, "policy": {"cash_grant_million_krw": -1}}]}},
                               "s.yaml", ("changes.0.policy.cash_grant_million_krw", "-1")),
    "bad_mode": ({"s.yaml": {"name": "x", "population": {"mode": "village"}}}, "s.yaml", ("population.mode", "'village'")),
    "bad_start": ({"s.yaml": "name: x\nstart: 2024-13\n"}, "s.yaml", ("start", "2024-13", "YYYY-MM")),
    "bad_change_date": ({"s.yaml": {"name": "x", "changes": [{"at": "next year"}]}}, "s.yaml", ("changes.0.at", "YYYY-MM")),
    "missing_name": ({"s.yaml": {"months": 12}}, "s.yaml", ("name", "missing")),
    "missing_file": ({}, "nowhere.yaml", ("nowhere.yaml", "not found")),
    "missing_parent": ({"s.yaml": {"name": "x", "extends": "nothere.yaml"}}, "s.yaml", ("extends", "nothere.yaml", "not found")),
    "circular_extends": ({"a.yaml": {"name": "a", "extends": "b.yaml"}, "b.yaml": {"name": "b", "extends": "a.yaml"}},
                         "a.yaml", ("extends", "circular", "a.yaml -> b.yaml -> a.yaml")),
    "self_extends": ({"s.yaml": {"name": "x", "extends": "s.yaml"}}, "s.yaml", ("extends", "circular")),
    "extends_not_a_name": ({"s.yaml": {"name": "x", "extends": ["a.yaml", "b.yaml"]}}, "s.yaml", ("extends",)),
    "malformed_yaml": ({"s.yaml": "name: x\npolicy: {cash_grant_million_krw: 5\n"}, "s.yaml",
                       ("malformed YAML", "line 3, column 1")),
    "duplicate_key": ({"s.yaml": "name: x\nmonths: 12\nmonths: 24\n"}, "s.yaml",
                      ("key 'months' appears twice", "line 3, column 1")),
    "non_text_key": ({"s.yaml": "name: x\n1: 2\n"}, "s.yaml", ("keys must be text", "line 2")),
    "malformed_indent": ({"s.yaml": "name: x\npolicy:\n  a: 1\n\tb: 2\n"}, "s.yaml", ("malformed YAML", "line 4, column 1")),
    "empty_file": ({"s.yaml": ""}, "s.yaml", ("empty",)),
    "only_comments": ({"s.yaml": "# nothing here\n\n"}, "s.yaml", ("empty",)),
    "list_not_mapping": ({"s.yaml": "- name: x\n- months: 3\n"}, "s.yaml", ("expected a mapping", "list")),
    "scalar_not_mapping": ({"s.yaml": "just some words\n"}, "s.yaml", ("expected a mapping", "str")),
    "unsafe_name_parent": ({"s.yaml": {"name": "../x"}}, "s.yaml", ("name", "'../x'")),
    "unsafe_name_slash": ({"s.yaml": {"name": "a/b"}}, "s.yaml", ("name", "'a/b'")),
    "unsafe_name_hidden": ({"s.yaml": {"name": ".."}}, "s.yaml", ("name", "'..'")),
    "not_utf8": ({"s.yaml": b"\xff\xfe name: x"}, "s.yaml", ("cannot read",)),
}


@pytest.fixture(params=sorted(BAD_SCENARIOS))
def bad_scenario(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, tuple[str, ...]]:
    """(path of a bad scenario file, fragments its one-line error must contain); one per case above."""
    files, main, fragments = BAD_SCENARIOS[request.param]
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return folder / main, fragments
