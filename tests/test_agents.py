"""``Settler`` agents are Mesa views of the model's columns: they read and write one row."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents import Settler
from sim.model import ResettlementModel
from sim.state import COLUMNS, IN_SK, LABOUR_NAMES, PENDING, STATUS_NAMES


@pytest.fixture
def model() -> ResettlementModel:
    m = ResettlementModel(n_settlers=60, months=12, rng=2)
    for _ in range(4):  # past Hanawon
        m.step()
    return m


def test_agents_are_created_when_settlers_arrive():
    m = ResettlementModel(n_settlers=40, months=3, rng=1)
    assert len(m.agents) == 0  # a cohort arrives in the first month
    m.step()
    arrived = np.flatnonzero(m.state.status != PENDING)  # the 40 settlers and children born in a third country
    assert sorted(a.row for a in m.agents) == list(arrived)
    assert sum(a.defector for a in m.agents) == 40
    assert all(isinstance(a, Settler) for a in m.agents)
    m.step()
    assert len(m.agents) == int((m.state.status != PENDING).sum())  # no duplicates


def test_population_mode_adds_agents_month_by_month():
    m = ResettlementModel(n_settlers=300, mode="population", start="2005-01", months=24, rng=4)
    counts = []
    for _ in range(24):
        arrived = int((m.state.status != PENDING).sum())
        assert len(m.agents) == arrived
        counts.append(arrived)
        m.step()
    assert counts[-1] > counts[0]  # 2005-2006 arrivals join during the run
    assert len({a.row for a in m.agents}) == len(m.agents)


def test_no_agents_when_views_are_off():
    m = ResettlementModel(n_settlers=40, months=2, rng=1, agent_views=False)
    m.step()
    assert len(m.agents) == 0


def test_every_column_reads_through_the_view(model):
    s = model.state
    for agent in list(model.agents)[:10]:
        for name in COLUMNS:
            assert getattr(agent, name) == getattr(s, name)[agent.row].item(), name


def test_writes_go_to_the_columns(model):
    agent = next(iter(model.agents))
    agent.cash = 12345.0
    agent.depression = 0.9
    agent.female = True
    agent.sk_ties += 3
    s, r = model.state, agent.row
    assert s.cash[r] == 12345.0 and s.depression[r] == pytest.approx(0.9) and s.female[r]
    assert agent.sk_ties == s.sk_ties[r]
    s.trust[r] = 0.25  # and column changes show in the view
    assert agent.trust == pytest.approx(0.25)


def test_a_scripted_settler_changes_what_the_mechanisms_do(model):
    """A settler given a fortune through the view has (almost) no money stress after the next month: none from the
    buffer, at most a little from this month's income shortfall."""
    rich = next(a for a in model.agents if a.status == IN_SK and a.household_head == a.row and a.household.size == 1)
    rich.cash = 1e7  # a household's money is on its head's row
    rich.debt = 0.0
    model.step()
    assert rich.money_stress < 0.05
    others = np.delete(model.state.money_stress, rich.row)
    assert others.max() > 0.5


def test_view_helpers(model):
    agent = next(iter(model.agents))
    assert agent.status_name in STATUS_NAMES and agent.labour_name in LABOUR_NAMES
    assert agent.age == (model.clock.month - model.state.birth_month[agent.row]) // 12
    assert f"row={agent.row}" in repr(agent)
    assert isinstance(agent.cash, float) and isinstance(agent.female, bool) and isinstance(agent.status, int)


def test_mesa_agentset_queries_work(model):
    women = model.agents.select(lambda a: a.female)
    assert len(women) == int(model.state.female.sum())
    mean_cash = np.mean(model.agents.get("cash"))
    assert mean_cash == pytest.approx(model.state.cash[model.state.status != PENDING].mean())
