"""How a mechanism's month runs: its per-settler rules as compiled kernels, or one agent at a time.

Each mechanism module defines ``month(run, s, p, clock)``: population-level work written in
numpy (or small kernels over the tie list), and per-settler passes written as

    run.each(settler_month, _each_settler, s, p, m)

where ``settler_month`` is a ``@rule`` (``sim.declare``) and ``_each_settler`` the compiled loop
that calls it for every row. The ``Run`` decides how the pass executes:

* ``KernelRun`` (the engine): calls the kernel once, on the state view, with a fresh key from
  the mechanism's random stream of the month;
* ``AgentRun`` (the per-agent Mesa path, ``ResettlementModel.step_agents``): calls the same rule
  in Python for each ``Settler`` in row order, with the same key.

Both draw their keys from the same stream in the same order and run the same rules, so the two
paths give the same results; ``tests/test_equivalence.py`` checks that they do.

Views: ``state_view(mech, state)`` is a named tuple of the columns the mechanism declares (and the
tie list if it declares ``ties``); ``param_view(mech, p)`` a named tuple of its parameters and
derived values. Their types live in ``sim.views`` so that numba's on-disk cache can find them.
"""

from __future__ import annotations

import collections
import sys
import types
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.declare import Mechanism, python_rule
from sim.kernel_random import counter, seed

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.params import Parameters
    from sim.state import State

TIE_FIELDS = ("tie_a", "tie_b")
VIEWS = types.ModuleType("sim.views", "Named-tuple types of the mechanisms' state and parameter views.")
sys.modules["sim.views"] = VIEWS  # numba's cache pickles the view types by module and name


def _view_type(type_name: str, fields: Sequence[str]) -> type:
    existing = getattr(VIEWS, type_name, None)
    if existing is not None and existing._fields == tuple(fields):
        return existing
    cls = collections.namedtuple(type_name, fields, module="sim.views")
    setattr(VIEWS, type_name, cls)
    return cls


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def state_fields(mech: Mechanism) -> tuple[str, ...]:
    return mech.columns + (TIE_FIELDS if mech.ties else ())


def state_view(mech: Mechanism, state: State) -> Any:
    """The mechanism's columns of ``state`` as a named tuple (the arrays themselves, not copies)."""
    cls = _view_type(f"{_camel(mech.name)}State", state_fields(mech))
    return cls(*[getattr(state, f) for f in cls._fields])


def param_view(mech: Mechanism, p: Parameters) -> Any:
    """The mechanism's parameters and derived values as a named tuple of numbers (cached on ``p``)."""
    cached = p.view_cache.get(mech.name)
    if cached is not None:
        return cached
    from sim.params import PARAM_BY_NAME

    cls = _view_type(f"{_camel(mech.name)}Params", mech.parameter_names)
    values: dict[str, Any] = {}
    for name in mech.parameter_names:
        if name in PARAM_BY_NAME:
            values[name] = PARAM_BY_NAME[name].as_kernel_value(getattr(p, name))
    for d in mech.derived:  # derived values may use the parameters and earlier derived values
        values[d.name] = d.fn(types.SimpleNamespace(**{**p.as_dict(), **values}))
    view = cls(**values)
    p.view_cache[mech.name] = view
    return view


def numpy_scalars(view: Any) -> Any:
    """A view with its Python numbers as numpy scalars (np.int64, np.float64), arrays and numpy scalars as they are.

    Compiled kernels type a Python float as float64 and an int as int64; numpy treats Python numbers
    as "weak" (a float32 column times a Python float stays float32). Rules run in Python on numpy
    scalars therefore follow the same type rules as in the kernels.
    """
    def convert(x: Any) -> Any:
        if isinstance(x, bool):
            return np.bool_(x)
        if isinstance(x, int):
            return np.int64(x)
        if isinstance(x, float):
            return np.float64(x)
        return x

    return type(view)(*[convert(x) for x in view])


class Run:
    """What ``month()`` calls for per-settler passes; subclasses decide how they execute."""

    def __init__(self, mech: Mechanism, rng: np.random.Generator) -> None:
        self.mech = mech
        self.rng = rng  # the mechanism's random stream of this month

    def view(self, state: State) -> Any:
        return state_view(self.mech, state)

    def each(self, rule: Any, kernel: Callable[..., Any], state: State, p: Any, m: Any,
             key: np.uint64 | None = None) -> np.uint64:
        """Apply ``rule`` to every settler (``kernel`` is its compiled loop); returns the key it drew with.

        ``key``: reuse a key of an earlier pass of the same month (passes whose draw slots differ), else a
        fresh one is drawn from the mechanism's stream.
        """
        raise NotImplementedError


class KernelRun(Run):
    """The engine: one compiled call per pass."""

    def each(self, rule: Any, kernel: Callable[..., Any], state: State, p: Any, m: Any,
             key: np.uint64 | None = None) -> np.uint64:
        key = seed(self.rng) if key is None else key
        kernel(key, self.view(state), p, m)
        return key


class AgentRun(Run):
    """The per-agent path: the same rule called in Python for each agent, in row order."""

    def __init__(self, mech: Mechanism, rng: np.random.Generator, agents: Sequence[Any]) -> None:
        super().__init__(mech, rng)
        self.agents = agents

    def each(self, rule: Any, kernel: Callable[..., Any], state: State, p: Any, m: Any,
             key: np.uint64 | None = None) -> np.uint64:
        key = seed(self.rng) if key is None else key
        view, ctr, fn = self.view(state), counter(), python_rule(rule)
        p, m = numpy_scalars(p), numpy_scalars(m)
        for agent in self.agents:
            agent.apply(fn, key, view, p, m, ctr)
        return key


def step(mech: Mechanism, state: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    """One month of ``mech`` on every settler (the engine's path)."""
    assert mech.month is not None, f"{mech.name}: no month() function"
    mech.month(KernelRun(mech, rng), state, param_view(mech, p), clock)
