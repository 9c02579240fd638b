"""What a module of the model declares about itself: columns, parameters, derived values, draws, indicators.

Every mechanism module starts with one ``Mechanism(...)`` declaration (``sim/mechanisms/*.py``),
the initial population with its own (``sim/population.py``) and the indicators with theirs
(``sim/indicators.py``). ``sim.catalogue`` assembles them into the model's single tables:
the state's columns, the parameters (``resettle params``, the scenario schema, the ODD tables,
the calibration's search bounds), the indicators and the monthly order. Nothing is declared in
two places.

A mechanism's compiled kernels read the state and the parameters **by their declared names**:

* ``s`` is a view of the columns the mechanism declares (``reads`` and ``writes``), a named
  tuple of the state's arrays, so ``s.wage[i]`` is row ``i`` of the wage column;
* ``p`` is a view of its parameters (its own, the ones it ``uses`` from other modules and its
  derived values), a named tuple of numbers, so ``p.job_offer_rate`` is the parameter of that
  name. A kernel that reads a name nothing declares does not compile.

Per-settler rules are written once, as plain functions decorated with ``@rule`` (compiled and
inlined into the kernels); the per-agent Mesa path (``ResettlementModel.step_agents``) calls
the same functions in Python, one ``Settler`` at a time.
"""

from __future__ import annotations

import enum
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

POLICY, BEHAVIOUR = "policy", "behaviour"
KINDS = (POLICY, BEHAVIOUR)
# what a parameter that is a rate measures (Starsim makes the same distinction): a probability of an
# event in a month, a hazard (an instantaneous rate, turned into a probability 1 - exp(-rate)), or a
# Poisson mean (events per month)
RATE_KINDS = ("probability", "hazard", "poisson")
LEVER_GROUPS = ("settlement package", "programmes", "services", "attitudes")
SLOT_BITS = 5  # draw slots per kernel and settler: sim.kernel_random packs the slot in this many bits


# ---------------------------------------------------------------- columns

OWN_ROW = "own row"  # a Column's initial value meaning each row's own index (a settler is their own household)


@dataclass(frozen=True)
class Column:
    """One trait of every settler: a numpy array of ``dtype`` filled with ``initial`` (``OWN_ROW``: each row's index)."""

    name: str
    dtype: type
    initial: float | str
    unit: str
    owner: str = ""  # the declaring module (set by the catalogue)


# ---------------------------------------------------------------- parameters

@dataclass(frozen=True)
class Param:
    """One declared parameter.

    name, default, unit, low, high: its value, unit and valid range (checked in one place, ``check``).
    source: a one-line source or stated assumption.
    kind: ``policy`` (a lever scenarios set) or ``behaviour`` (how settlers and institutions respond).
    integer: a whole number (months, years, counts).
    rate: for rates, what they measure (``RATE_KINDS``).
    effect, group: for levers, what it does in one line and its group (``LEVER_GROUPS``).
    fit: for behaviour parameters without a direct source, the calibration's search bounds
        (low, high, log scale); None means the value is taken from its source and never fitted.
    prior: the declared default when ``default`` comes from the calibration (set by ``sim.params``).
    credible: the posterior 90% credible interval when the calibration is a posterior (``default`` is its median).
    owner: the declaring module (set by the catalogue).
    """

    name: str
    default: float
    unit: str
    low: float
    high: float
    source: str
    kind: str
    integer: bool = False
    rate: str | None = None
    effect: str = ""
    group: str = ""
    fit: tuple[float, float, bool] | None = None
    prior: float | None = None
    credible: tuple[float, float] | None = None  # 90% credible interval of a posterior calibration (sim.params)
    owner: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.rate is not None and self.rate not in RATE_KINDS:
            raise ValueError(f"{self.name}: rate must be one of {RATE_KINDS}, got {self.rate!r}")
        if self.group and self.group not in LEVER_GROUPS:
            raise ValueError(f"{self.name}: group must be one of {LEVER_GROUPS}, got {self.group!r}")
        if not (self.low <= self.default <= self.high):
            raise ValueError(f"{self.name}: default {self.default} outside [{self.low}, {self.high}]")
        if self.fit is not None and not (self.low <= self.fit[0] < self.fit[1] <= self.high):
            raise ValueError(f"{self.name}: fitting bounds {self.fit[:2]} not inside [{self.low}, {self.high}]")

    def check(self, value: Any) -> float:
        """Return ``value`` as a number in range, or raise ``ValueError`` saying why."""
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"expected a number ({self.unit}), got {value!r}")
        if self.integer and float(value) != int(value):
            raise ValueError(f"expected a whole number ({self.unit}), got {value!r}")
        if not (self.low <= value <= self.high):
            raise ValueError(f"{value!r} is outside the valid range [{self.low:g}, {self.high:g}] {self.unit}")
        return float(value)

    def as_kernel_value(self, value: float) -> int | float:
        """The value as kernels see it: an int for integer parameters, else a float."""
        return round(value) if self.integer else float(value)


def policy(name: str, default: float, unit: str, low: float, high: float, source: str, *, effect: str,
           group: str, integer: bool = False, rate: str | None = None) -> Param:
    """A lever: a policy parameter with what it does (``effect``) and its group."""
    return Param(name, float(default), unit, float(low), float(high), source, POLICY, integer, rate, effect, group)


def behaviour(name: str, default: float, unit: str, low: float, high: float, source: str, *,
              integer: bool = False, rate: str | None = None, fit: tuple[float, float, bool] | None = None) -> Param:
    """A behaviour parameter; ``fit`` gives the calibration's search bounds when it has no direct source."""
    return Param(name, float(default), unit, float(low), float(high), source, BEHAVIOUR, integer, rate, fit=fit)


@dataclass(frozen=True)
class Derived:
    """A value computed from parameters (and shown in the ODD): ``fn(p) -> number``."""

    name: str
    fn: Callable[[Any], Any]
    doc: str

    def __call__(self, p: Any) -> Any:
        return self.fn(p)

    def formula(self) -> str:
        """The function's return expression as written in the source (for the ODD)."""
        src = textwrap.dedent(inspect.getsource(self.fn))
        body = src.split("return", 1)[1] if "return" in src else src
        return " ".join(body.split()).strip()


def derived(fn: Callable[[Any], Any]) -> Derived:
    """Declare ``fn(p)`` as a derived value named after the function (its docstring is its meaning)."""
    doc = (fn.__doc__ or "").strip().splitlines()
    return Derived(fn.__name__, fn, doc[0] if doc else "")


# ---------------------------------------------------------------- random-draw slots

class Slots(enum.IntEnum):
    """Base of a mechanism's draw slots: ``class Slot(Slots): OFFER = 0; ...`` (kernels use ``Slot.OFFER``)."""


def check_slots(name: str, slots: type[enum.IntEnum] | None) -> None:
    if slots is None:
        return
    values = [int(v) for v in slots]
    if len(set(values)) != len(values):
        raise ValueError(f"{name}: draw slots must have distinct numbers, got {values}")
    if values and (min(values) < 0 or max(values) >= 2**SLOT_BITS):
        raise ValueError(f"{name}: draw slots must lie in 0..{2**SLOT_BITS - 1} ({SLOT_BITS} bits in "
                         f"sim.kernel_random), got {values}")


# ---------------------------------------------------------------- rules

def rule(fn: Callable[..., Any]) -> Any:
    """A per-settler rule: compiled and inlined into a kernel; ``.py_func`` is the same function in Python."""
    return njit(inline="always", error_model="numpy")(fn)


def python_rule(compiled: Any) -> Callable[..., Any]:
    """The Python function of a rule (itself when numba's JIT is disabled)."""
    return getattr(compiled, "py_func", compiled)


# ---------------------------------------------------------------- mechanisms

@dataclass(frozen=True)
class Mechanism:
    """A mechanism's declaration: what it owns, reads and writes, and its monthly procedure.

    name: its name (keys its random stream, so moving it in the monthly order changes no draws).
    owns: the columns it defines. reads / writes: every column it reads / changes (its own included).
    params: the parameters it defines. uses: parameters defined by other modules that it reads.
    derived: values computed from parameters that its kernels read like parameters.
    slots: its random-draw slots (an IntEnum).
    ties: whether it reads or changes the settler-settler tie list.
    indicators: indicators it defines (see ``sim.indicators``).
    after: for mechanisms added from outside the package, the mechanism it runs after.

    The declaring module also defines ``month(run, s, p, clock)``: one month of the mechanism, written
    against a ``Run`` (``sim.engine``) that executes its per-settler rules either as compiled kernels
    or one ``Settler`` at a time.
    """

    name: str
    owns: tuple[Column, ...] = ()
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    uses: tuple[str, ...] = ()
    derived: tuple[Derived, ...] = ()
    slots: type[enum.IntEnum] | None = None
    ties: bool = False
    indicators: tuple[Any, ...] = ()
    after: str | None = None
    month: Callable[..., None] | None = None  # the module's ``month`` (set by the catalogue)
    module: str = ""  # the declaring module's import name (set by the catalogue)
    columns: tuple[str, ...] = field(default=(), init=False)  # reads | writes, in declaration order

    def __post_init__(self) -> None:
        check_slots(self.name, self.slots)
        cols = tuple(dict.fromkeys((*self.reads, *self.writes)))
        object.__setattr__(self, "columns", cols)
        owned = {c.name for c in self.owns}
        undeclared = owned - set(cols)
        if undeclared:
            raise ValueError(f"{self.name}: owns columns it neither reads nor writes: {sorted(undeclared)}")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Every name its kernels find in ``p``: own parameters, used ones, derived values."""
        return tuple(dict.fromkeys((*(q.name for q in self.params), *self.uses, *(d.name for d in self.derived))))


# ---------------------------------------------------------------- indicators

INDICATOR_KINDS = {"share": 100.0, "mean": 1.0, "count": None, "rate": 1000.0}  # kind -> multiplier (count: scaled)
TIERS = ("headline", "summary", "detail")


@dataclass(frozen=True)
class Quantity:
    """A per-settler value summed into indicators: ``fn(i, s, t, p)`` (a ``@rule``), reading the columns ``reads``.

    integer: the value is a count or a flag (summed exactly in int64). uses: parameters it reads.
    """

    name: str
    fn: Any
    reads: tuple[str, ...]
    integer: bool = True
    uses: tuple[str, ...] = ()
    module: str = ""

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


def quantity(*, reads: tuple[str, ...], integer: bool = True, uses: tuple[str, ...] = ()) -> Callable[..., Quantity]:
    """Declare ``fn(i, s, t, p)`` as a per-settler quantity (or a population: a flag that defines who is counted)."""

    def wrap(fn: Callable[..., Any]) -> Quantity:
        return Quantity(fn.__name__, rule(fn), tuple(reads), integer, tuple(uses), fn.__module__)

    return wrap


@dataclass(frozen=True)
class Indicator:
    """One survey-comparable indicator, computed for every group each month.

    value = multiplier x (sum of ``numerator`` over the settlers ``among``) / (sum of ``denominator`` over them),
    where the denominator defaults to the number of settlers ``among`` (``denominator=None``); a ``count`` is the
    numerator's sum scaled to the real population. ``kind``: share (percent), mean, count (persons), rate (per
    1,000). ``better``: "higher", "lower" or None (no direction). ``tier``: "headline" (shown first everywhere),
    "summary" (in summaries) or "detail".
    """

    name: str
    label: str
    unit: str
    kind: str
    numerator: Quantity
    among: Quantity
    definition: str
    denominator: Quantity | None = None
    better: str | None = None
    tier: str = "detail"

    def __post_init__(self) -> None:
        if self.kind not in INDICATOR_KINDS:
            raise ValueError(f"{self.name}: kind must be one of {tuple(INDICATOR_KINDS)}, got {self.kind!r}")
        if self.better not in ("higher", "lower", None):
            raise ValueError(f"{self.name}: better must be 'higher', 'lower' or None, got {self.better!r}")
        if self.tier not in TIERS:
            raise ValueError(f"{self.name}: tier must be one of {TIERS}, got {self.tier!r}")
        if self.kind == "count" and self.denominator is not None:
            raise ValueError(f"{self.name}: a count has no denominator")
