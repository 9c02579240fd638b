"""ResettlementModel: North Korean settlers' first years in South Korea, one step per month.

The settlers' traits are columns (``sim.state.State``); each month the mechanisms of
``sim.catalogue.MECHANISMS`` run in a fixed order, then ``sim.indicators`` computes the
survey-comparable indicators. ``Settler`` agents (``sim.agents``) are Mesa views of single
rows, created as settlers arrive. The model knows nothing of files or plots.

Two ways to step, with the same rules (``sim.engine``): ``step()`` runs each mechanism's
per-settler rules as compiled kernels over all rows; ``step_agents()`` calls the same rules in
Python, one ``Settler`` at a time (the readable, debuggable path; much slower).

The model and its mechanisms are documented in ``docs/ODD.md``; the domain brief and data
it rests on are in ``sim/data`` (copied from the project's shared domain folder).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import mesa
import numpy as np

from sim import catalogue, engine, indicators, population
from sim.agents import Household, Settler
from sim.clock import Clock, parse_year_month
from sim.declare import Mechanism
from sim.params import Parameters
from sim.scenario import DEFAULT_MONTHS, MAX_SEED
from sim.state import IN_SK, PENDING, State

STREAM_BLOCK_BITS = 64  # numbers each (month, mechanism) may draw: 2**64, far beyond any month's use
STREAM_MONTH_BITS = 32  # months a run may hold before the block of a stream id's next month would overlap
STREAM_ID_SHIFT = STREAM_BLOCK_BITS + STREAM_MONTH_BITS  # PCG64 jumps by (stream id, month, draw) in 32 + 32 + 64 bits


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
    mechanisms : sequence of Mechanism, optional
        The monthly schedule (default ``sim.catalogue.MECHANISMS``); for experiments with the
        schedule itself. Each mechanism draws from its own stream, keyed by its name.
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
                 months: int = DEFAULT_MONTHS, represents: float | None = None, female_share: float | None = None,
                 policy_changes: Iterable[tuple[int, Mapping[str, float]]] = (), agent_views: bool = True,
                 mechanisms: Sequence[Mechanism] | None = None, rng: Any = None, **parameters: float) -> None:
        super().__init__(rng=rng)
        self.p = Parameters(**parameters)
        start_year, start_month = parse_year_month(start)
        self.months = int(months)
        self.mechanisms = tuple(catalogue.MECHANISMS if mechanisms is None else mechanisms)
        self.state: State
        self.state, self.layout = population.build(mode, int(n_settlers), start_year, start_month, self.months,
                                                   represents, female_share, self.p, self.rng)
        # one random stream per (month, mechanism), all derived from the model's seed and keyed by the mechanism's
        # name: when two scenarios diverge in one mechanism, or a mechanism is added, the others still draw the
        # same numbers (common random numbers stay paired)
        self._stream_root = np.random.PCG64(int(self.rng.integers(MAX_SEED))).state
        self._stream = np.random.Generator(np.random.PCG64(0))  # reused: re-positioned for each (month, mechanism)
        self.scale = self.layout.represents / max(1, self.layout.settlers)
        self._changes: dict[int, dict[str, float]] = {}
        for at, values in policy_changes:  # a change dated before the first replayed month applies from month 0
            self._changes.setdefault(max(0, self.layout.record_from + int(at)), {}).update(values)
        for at in self._changes:
            self.p.replace(**self._changes[at])  # validate every change now, not when it is reached
        self.agent_views = agent_views
        self._has_agent = np.zeros(self.state.n, dtype=bool)
        self._agents_by_row: list[Settler] = []
        self.clock = Clock(0, self.layout.origin_year, self.layout.origin_month)
        self.record = np.full((self.months, len(indicators.INDICATOR_NAMES), len(indicators.GROUPS)), np.nan)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _headline(name) for name in indicators.HEADLINE})
        for _ in range(self.layout.record_from):  # warm-up: replay history up to the start
            self._advance()
        self.running = self.months > 0

    @property
    def month(self) -> int:
        """Months since the scenario's start (0 before the first step)."""
        return self.clock.month - self.layout.record_from

    def step(self) -> None:
        """Advance one month (compiled kernels over all settlers) and record the indicators."""
        self._step(per_agent=False)

    def step_agents(self) -> None:
        """Advance one month calling the same per-settler rules in Python, one ``Settler`` at a time.

        The results equal ``step()``'s for the same seed (``tests/test_equivalence.py``); this path is
        for reading and debugging the rules (a breakpoint in a rule stops here), not for speed. It needs
        ``agent_views=True`` (the default) and cannot follow a warm-up run with ``agent_views=False``.
        """
        if not self.agent_views:
            raise ValueError("step_agents() needs the Settler views: build the model with agent_views=True")
        self._step(per_agent=True)

    def _step(self, per_agent: bool) -> None:
        if self.month >= self.months:
            self.running = False
            return
        self._advance(per_agent)
        self.record[self.month - 1] = indicators.compute(self.state, self.clock.month - 1, self.p, self.scale)
        self.datacollector.collect(self)
        self.running = self.month < self.months

    def _advance(self, per_agent: bool = False) -> None:
        t = self.clock.month
        if t in self._changes:
            self.p = self.p.replace(**self._changes[t])
        for mech in self.mechanisms:
            stream = self.stream(t, mech.name)
            if per_agent:
                mech.month(engine.AgentRun(mech, stream, self._current_agents), self.state,
                           engine.param_view(mech, self.p), self.clock)
            else:
                engine.run_month(mech, self.state, self.p, stream, self.clock)
        if self.agent_views:
            self._create_agents()
        self.clock = Clock(t + 1, self.clock.origin_year, self.clock.origin_month)

    def stream(self, month: int, mechanism: str) -> np.random.Generator:
        """The random stream of one mechanism in one month: its own block of 2**64 numbers of the model's
        PCG64 sequence, at a jump set by the mechanism's name and the month (a jump ahead costs ~10 us, where
        a new seeded generator costs ~50 us a month and mechanism). The generator is reused: draw from it
        before asking for the next stream."""
        self._stream.bit_generator.state = self._stream_root
        sid = catalogue.stream_id(mechanism)
        self._stream.bit_generator.advance((sid << STREAM_ID_SHIFT) | (month << STREAM_BLOCK_BITS))
        return self._stream

    def _current_agents(self) -> list[Settler]:
        """The agents in row order, settlers who arrived or were born earlier in the month included."""
        self._create_agents()
        return self._agents_by_row

    def _create_agents(self) -> None:
        if self._has_agent.size < self.state.n:  # the state grew (free rows for births and relatives ran out)
            self._has_agent = np.concatenate([self._has_agent, np.zeros(self.state.n - self._has_agent.size, bool)])
        new = np.flatnonzero((self.state.status != PENDING) & ~self._has_agent)
        if new.size:
            created = Settler.create_agents(self, new.size, row=new)
            self._has_agent[new] = True
            self._agents_by_row = sorted([*self._agents_by_row, *created], key=lambda a: a.row)

    @property
    def households(self) -> list[Household]:
        """The households living in South Korea (views; see ``sim.agents.Household``), by the head's row."""
        s = self.state
        heads = np.flatnonzero((s.household_head == np.arange(s.n)) & (s.status == IN_SK))
        return [Household(self, h) for h in heads]

    def indicator(self, name: str, group: str = "all") -> np.ndarray:
        """Monthly series of one indicator for one group, shape (months,)."""
        return self.record[:, indicators.INDICATOR_NAMES.index(name), indicators.GROUPS.index(group)]


def _headline(name: str):
    k = indicators.INDICATOR_NAMES.index(name)

    def report(model: ResettlementModel) -> float:
        return float(model.record[max(model.month - 1, 0), k, 0])

    return report
