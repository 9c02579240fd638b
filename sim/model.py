"""ResettlementModel: North Korean settlers' first years in South Korea, one step per month.

The settlers' traits are columns (``sim.state.State``); each month the mechanisms in
``MECHANISMS`` update all settlers at once, in a fixed order, then ``sim.indicators``
computes the survey-comparable indicators. ``Settler`` agents (``sim.agents``) are Mesa views
of single rows, created as settlers arrive. The model knows nothing of files or plots.

The model and its mechanisms are documented in ``docs/ODD.md``; the domain brief and data
it rests on are in ``sim/data`` (copied from the project's shared domain folder).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import mesa
import numpy as np

from sim import indicators, population
from sim.agents import Settler
from sim.clock import Clock, parse_year_month
from sim.mechanisms import MECHANISMS
from sim.params import Parameters
from sim.state import PENDING, State

STREAM_BLOCK_BITS = 64  # numbers each (month, mechanism) may draw: 2**64, far beyond any month's use
STREAM_MECHANISM_BITS = 8  # room for 256 mechanisms, so adding one does not move the others' streams

HEADLINE = ("employment_rate", "unemployment_rate", "mean_monthly_wage", "major_depression",
            "no_one_to_ask_when_sick", "life_satisfaction")


class ResettlementModel(mesa.Model):
    """Agent-based model of settlers' resettlement; one ``step()`` is one month.

    Parameters
    ----------
    n_settlers : int
        Settlers simulated (a sample when ``mode='population'``).
    mode : {"cohort", "population"}
        ``cohort``: all arrive in the first month. ``population``: arrivals sampled from the
        historical table (1990-2025), replayed up to ``start`` during construction.
    start : str
        Calendar month of the scenario's start, "YYYY-MM".
    months : int
        Horizon: months simulated (and recorded) after ``start``.
    represents : float, optional
        Real persons the sample stands for (counts are scaled by ``represents / n_settlers``).
        Default: the sample itself (cohort) or the historical arrivals (population).
    female_share : float, optional
        Share of women among cohort arrivals (default from ``arrival_profile.csv``).
    policy_changes : iterable of (month, {parameter: value})
        Parameter changes taking effect at a month counted from ``start`` (negative: during
        the warm-up). Arrival-linked levers (grant, housing, incentives...) apply to settlers
        arriving from then on; the others to everyone from then on.
    agent_views : bool
        Create a ``Settler`` agent per arrived settler (default). Turn off for bulk runs that
        never inspect single agents (saves about 8 microseconds per settler).
    rng : int or numpy Generator, optional
        Seed (Mesa's ``rng=``); the same seed gives identical results.
    **parameters : float
        Any declared parameter (``resettle params`` lists them).

    Attributes
    ----------
    state : State — the columns, shape (n_settlers,) each.
    p : Parameters — the parameters in force this month.
    record : ndarray, shape (months, n_indicators, n_groups) — indicators at the end of each month.
    """

    def __init__(self, *, n_settlers: int = 1000, mode: str = "cohort", start: str = "2024-01",
                 months: int = 60, represents: float | None = None, female_share: float | None = None,
                 policy_changes: Iterable[tuple[int, Mapping[str, float]]] = (), agent_views: bool = True,
                 rng: Any = None, **parameters: float) -> None:
        super().__init__(rng=rng)
        self.p = Parameters(**parameters)
        start_year, start_month = parse_year_month(start)
        self.months = int(months)
        self.state: State
        self.state, self.layout = population.build(mode, int(n_settlers), start_year, start_month, self.months,
                                                   represents, female_share, self.p, self.rng)
        # one random stream per (month, mechanism), all derived from the model's seed: when two scenarios
        # diverge in one mechanism, the others still draw the same numbers (common random numbers stay paired)
        self._stream_root = np.random.PCG64(int(self.rng.integers(2**63))).state
        self._streams = [np.random.Generator(np.random.PCG64(0)) for _ in MECHANISMS]  # reused: re-positioned by _stream
        self.scale = self.layout.represents / max(1, self.state.n)
        self._changes: dict[int, dict[str, float]] = {}
        for at, values in policy_changes:  # a change dated before the first replayed month applies from month 0
            self._changes.setdefault(max(0, self.layout.record_from + int(at)), {}).update(values)
        for at in self._changes:
            self.p.replace(**self._changes[at])  # validate every change now, not when it is reached
        self.agent_views = agent_views
        self._has_agent = np.zeros(self.state.n, dtype=bool)
        self.clock = Clock(0, self.layout.origin_year, self.layout.origin_month)
        self.record = np.full((self.months, len(indicators.INDICATORS), len(indicators.GROUPS)), np.nan)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _headline(name) for name in HEADLINE})
        for _ in range(self.layout.record_from):  # warm-up: replay history up to the start
            self._advance()
        self.running = self.months > 0

    @property
    def month(self) -> int:
        """Months since the scenario's start (0 before the first step)."""
        return self.clock.month - self.layout.record_from

    def step(self) -> None:
        """Advance one month and record the indicators."""
        if self.month >= self.months:
            self.running = False
            return
        self._advance()
        self.record[self.month - 1] = indicators.compute(self.state, self.clock.month - 1, self.p, self.scale)
        self.datacollector.collect(self)
        self.running = self.month < self.months

    def _advance(self) -> None:
        t = self.clock.month
        if t in self._changes:
            self.p = self.p.replace(**self._changes[t])
        for k, mechanism in enumerate(MECHANISMS):
            mechanism.step(self.state, self.p, self._stream(t, k), self.clock)
        if self.agent_views:
            self._create_agents()
        self.clock = Clock(t + 1, self.clock.origin_year, self.clock.origin_month)

    def _stream(self, month: int, mechanism: int) -> np.random.Generator:
        """The random stream of one mechanism in one month: its own block of 2**64 numbers of the model's
        PCG64 sequence (a jump ahead, ~10 us, where a new seeded generator costs ~50 us a month and mechanism)."""
        rng = self._streams[mechanism]
        rng.bit_generator.state = self._stream_root
        rng.bit_generator.advance(((month << STREAM_MECHANISM_BITS) + mechanism) << STREAM_BLOCK_BITS)
        return rng

    def _create_agents(self) -> None:
        new = np.flatnonzero((self.state.status != PENDING) & ~self._has_agent)
        if new.size:
            Settler.create_agents(self, new.size, row=new)
            self._has_agent[new] = True

    def indicator(self, name: str, group: str = "all") -> np.ndarray:
        """Monthly series of one indicator for one group, shape (months,)."""
        return self.record[:, indicators.INDICATOR_NAMES.index(name), indicators.GROUPS.index(group)]


def _headline(name: str):
    k = indicators.INDICATOR_NAMES.index(name)

    def report(model: ResettlementModel) -> float:
        return float(model.record[max(model.month - 1, 0), k, 0])

    return report
