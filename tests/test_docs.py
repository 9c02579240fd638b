"""The documentation stays honest: it names what the code has, and its generated tables are current.

If one of these fails after a code change, update README.md / docs/ODD.md, and run ``make docs``
(``docs/gen_tables.py``) for the generated tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from sim import indicators
from sim.batch.runner import summarise, tidy
from sim.cli import build_parser
from sim.mechanisms import MECHANISMS
from sim.params import PARAMS, POLICY_NAMES
from sim.scenario import PopulationSpec, Scenario
from sim.state import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ODD = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")


@cache
def _gen_tables():
    spec = importlib.util.spec_from_file_location("gen_tables", ROOT / "docs" / "gen_tables.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _section(text: str, heading: str) -> str:
    """The text of the markdown section whose heading line contains ``heading`` (up to the next heading of any level)."""
    m = re.search(rf"^#+ [^\n]*{re.escape(heading)}[^\n]*\n(.*?)(?=^#+ |\Z)", text, re.MULTILINE | re.DOTALL)
    assert m, f"no section '{heading}'"
    return m.group(1)


def test_every_parameter_appears_in_the_odd():
    missing = [p.name for p in PARAMS if f"`{p.name}`" not in ODD]
    assert not missing, f"parameters not in docs/ODD.md: {missing} (run make docs)"


@pytest.mark.parametrize("module", MECHANISMS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_mechanism_has_a_submodel_section_with_its_parameters(module):
    name = module.__name__.rsplit(".", 1)[-1]
    headings = re.findall(r"^### 7\.\d+ .*$", ODD, re.MULTILINE)
    assert any(f"`sim/mechanisms/{name}.py`" in h for h in headings), f"no ODD submodel heading for {name}"
    body = _section(ODD, f"`sim/mechanisms/{name}.py`")
    assert f"<!-- BEGIN GENERATED params:{name} " in body, f"the {name} section lacks its generated parameter table"
    # the section writes out the equations: every parameter the module reads is named in its text
    gen = _gen_tables()
    used = gen.users(gen.module_sources())
    text_only = re.sub(r"<!-- BEGIN GENERATED .*?<!-- END GENERATED [^>]*-->", "", body, flags=re.DOTALL)
    unexplained = [p for p, mods in used.items() if name in mods and f"`{p}`" not in text_only and p not in text_only]
    assert not unexplained, f"{name}: parameters read by the code but not in the section's equations: {unexplained}"


def test_mechanism_modules_state_assumptions_and_sources():
    for module in MECHANISMS:
        assert module.__doc__ and "Assumptions and sources" in module.__doc__, module.__name__


def test_the_odd_follows_the_schedule_order():
    overview = _section(ODD, "3. Process overview and scheduling")
    positions = [overview.find(f"`{m.__name__.rsplit('.', 1)[-1]}`") for m in MECHANISMS]
    assert all(p >= 0 for p in positions), "a mechanism is missing from the process overview"
    assert positions == sorted(positions), "the process overview lists the mechanisms out of MECHANISMS order"


def test_every_state_column_and_indicator_is_in_the_odd():
    missing = [c for c in COLUMNS if f"`{c}`" not in ODD]
    missing += [i.name for i in indicators.INDICATORS if f"`{i.name}`" not in ODD]
    assert not missing, f"not in docs/ODD.md: {missing}"


def test_generated_tables_are_up_to_date():
    stale = _gen_tables().stale()
    assert not stale, f"out of date: {stale}; run `make docs` (.venv/bin/python docs/gen_tables.py)"


def test_every_scenario_key_is_explained_in_the_readme():
    keys = [k for k in Scenario.model_fields] + [f"population.{k}" for k in PopulationSpec.model_fields]
    keys += ["extends", "changes[].at"]
    table = _section(README, "Scenario files")
    missing = [k for k in keys if not re.search(rf"^\| `{re.escape(k)}` \|", table, re.MULTILINE)]
    assert not missing, f"scenario keys without a row in the README's key table: {missing}"


def test_every_policy_lever_is_in_the_readme():
    table = _section(README, "Policy levers")
    missing = [n for n in POLICY_NAMES if f"| `{n}` |" not in table]
    assert not missing, f"levers missing from the README table: {missing} (run make docs)"


def test_every_cli_command_is_in_the_readme():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing = [c for c in sub.choices if f"resettle {c}" not in README]
    assert not missing, f"commands of `resettle --help` not in README.md: {missing}"


def test_output_columns_are_described_in_the_readme():
    records = np.zeros((2, 1, len(indicators.INDICATORS), len(indicators.GROUPS)))
    columns = set(summarise(records[:, 0]).columns) | set(tidy(records).columns)
    outputs = _section(README, "Outputs")
    missing = [c for c in columns if f"`{c}`" not in outputs]
    assert not missing, f"output columns not described under Outputs: {missing}"


def test_every_shipped_scenario_is_listed_in_the_readme():
    missing = [p.name for p in sorted((ROOT / "scenarios").glob("*.yaml")) if f"`{p.name}`" not in README]
    assert not missing, f"scenario files not listed in README.md: {missing}"


@pytest.mark.parametrize("doc", ["README.md", "docs/ODD.md", "results/README.md"])
def test_relative_links_point_to_existing_files(doc):
    path = ROOT / doc
    text = path.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://|#|mailto:", target):
            continue
        if not (path.parent / target.split("#")[0]).exists():
            broken.append(target)
    assert not broken, f"{doc}: links to missing files: {broken}"
