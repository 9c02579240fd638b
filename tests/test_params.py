"""Parameters: declared once with default, unit, range and source; validated; immutable."""

from __future__ import annotations

import ast
import copy
import pickle
from pathlib import Path

import pytest

from sim.params import (
    BEHAVIOUR_NAMES,
    PARAM_BY_NAME,
    PARAMS,
    POLICY_NAMES,
    Parameters,
    params_table,
    suggest,
)

PACKAGE = Path(__file__).resolve().parents[1] / "sim"
LAYOUT_PACKAGES = ("plots", "report")
# numbers code may write inline: identities, "both ends of a tie" / the 1:1 match, months per year, percent,
# "per 1000", a half (midpoints, rounding)
PLAIN_NUMBERS = {0, 1, 2, 12, 100, 1000, 0.5}


# ---------------------------------------------------------------- declarations

@pytest.mark.parametrize("p", PARAMS, ids=lambda p: p.name)
def test_each_parameter_is_fully_declared(p):
    assert p.name.isidentifier() and p.name == p.name.lower()
    assert p.low <= p.default <= p.high, f"default {p.default} outside [{p.low}, {p.high}]"
    assert p.low < p.high
    assert p.unit.strip() and p.source.strip()
    assert p.kind in ("policy", "behaviour")
    if p.integer:
        assert float(p.low).is_integer() and float(p.high).is_integer()
    prior = getattr(p, "prior", None)  # the declared value when the default comes from calibration
    if prior is not None:
        assert p.low <= prior <= p.high


def test_names_are_unique_and_split_by_kind():
    names = [p.name for p in PARAMS]
    assert len(names) == len(set(names)) == len(PARAM_BY_NAME)
    assert set(POLICY_NAMES) | set(BEHAVIOUR_NAMES) == set(names)
    assert not set(POLICY_NAMES) & set(BEHAVIOUR_NAMES)


def test_money_levers_carry_their_unit_in_the_name():
    for name in POLICY_NAMES:
        unit = PARAM_BY_NAME[name].unit
        if "KRW" in unit:
            assert "krw" in name, name
        if unit.startswith(("months", "weeks", "years")):
            assert name.endswith(unit.split()[0]), name


def test_params_table_rows():
    rows = params_table()
    assert [r["name"] for r in rows] == [p.name for p in PARAMS]
    assert {r["name"] for r in params_table("policy")} == set(POLICY_NAMES)
    assert {r["name"] for r in params_table("behaviour")} == set(BEHAVIOUR_NAMES)
    assert {"name", "kind", "default", "unit", "low", "high", "source"} <= set(rows[0])


def _upper_names(node: ast.stmt) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    names = []
    for t in targets:
        if isinstance(t, ast.Name):
            names.append(t.id)
        elif isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name) for e in t.elts):
            names += [e.id for e in t.elts]
        else:
            return False
    return bool(names) and all(n.isupper() for n in names)


def test_no_magic_numbers_in_the_package():
    """Numbers in sim/ are parameters or named constants (UPPER_CASE = value  # why, at module or class level).

    PLAIN_NUMBERS are allowed inline everywhere; the figure modules (sim/plots, sim/report) are left out:
    their numbers are layout (sizes, fonts, transparency), not quantities of the model or its interface.
    """
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in LAYOUT_PACKAGES or "__pycache__" in rel.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = set()
        for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]:
            for node in scope.body:
                if _upper_names(node):
                    named |= {id(sub) for sub in ast.walk(node)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and type(node.value) in (int, float) and id(node) not in named
                    and node.value not in PLAIN_NUMBERS):
                offenders.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not offenders, "numbers to declare as parameters or named constants: " + ", ".join(offenders)


# ---------------------------------------------------------------- Parameters

def test_defaults_and_overrides():
    p = Parameters()
    assert p.as_dict() == {q.name: q.default for q in PARAMS}
    q = Parameters(cash_grant_million_krw=20, hanawon_weeks=8)
    assert q.cash_grant_million_krw == 20.0 and isinstance(q.cash_grant_million_krw, float)
    assert q.hanawon_weeks == 8 and q.job_offer_rate == p.job_offer_rate


def test_unknown_name_suggests_the_closest():
    with pytest.raises(KeyError, match="did you mean 'cash_grant_million_krw'"):
        Parameters(cash_grant_milion_krw=5)
    with pytest.raises(AttributeError, match="did you mean 'job_offer_rate'"):
        _ = Parameters().job_offer_rat
    assert suggest("zzzz", ["cash_grant_million_krw"]) == ""


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("cash_grant_million_krw", 61, "outside the valid range [0, 60]"),
    ("cash_grant_million_krw", -0.1, "outside the valid range"),
    ("benefit_takeup", 1.01, "outside the valid range [0, 1]"),
    ("cash_grant_million_krw", "ten", "expected a number"),
    ("cash_grant_million_krw", None, "expected a number"),
    ("cash_grant_million_krw", True, "expected a number"),
    ("hanawon_weeks", 12.5, "whole number"),
    ("job_offer_rate", float("nan"), "outside the valid range"),
])
def test_bad_values_are_rejected_with_name_and_reason(name, value, fragment):
    with pytest.raises(ValueError) as info:
        Parameters(**{name: value})
    assert name in str(info.value) and fragment in str(info.value)


def test_range_ends_are_valid():
    for p in PARAMS:
        Parameters(**{p.name: p.low})
        Parameters(**{p.name: p.high})
    assert Parameters(hanawon_weeks=12.0).hanawon_weeks == 12  # a whole float is fine for an integer parameter


def test_parameters_are_immutable_and_replace_validates():
    p = Parameters()
    with pytest.raises(AttributeError, match="immutable"):
        p.cash_grant_million_krw = 5
    q = p.replace(cash_grant_million_krw=5)
    assert q.cash_grant_million_krw == 5 and p.cash_grant_million_krw == PARAM_BY_NAME["cash_grant_million_krw"].default
    assert q != p and q == Parameters(cash_grant_million_krw=5)
    assert "cash_grant_million_krw" in repr(q) and repr(Parameters()) == "Parameters({})"
    with pytest.raises(ValueError):
        p.replace(cash_grant_million_krw=1000)


def test_parameters_pickle_and_copy():
    """Process pools and deep copies need this (it used to recurse forever)."""
    p = Parameters(cash_grant_million_krw=5, mentorship_coverage=0.5)
    for clone in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p), copy.copy(p)):
        assert clone == p and clone.mentorship_coverage == 0.5
