"""How a mechanism's month runs: its per-settler rules as compiled kernels, or one agent at a time.

Each mechanism module defines ``month(run, s, p, clock)``: population-level work written in
numpy (or small kernels over the tie list), and per-settler passes written as

    run.each(settler_month, s, p, m)

where ``settler_month(i, key, s, p, m, ctr)`` is a ``@rule`` (``sim.declare``). The ``Run``
decides how the pass executes:

* ``KernelRun`` (the engine): calls the rule's compiled loop (``loop_kernel``) once, on the state
  view, with a fresh key from the mechanism's random stream of the month;
* ``AgentRun`` (the per-agent Mesa path, ``ResettlementModel.step_agents``): calls the same rule
  in Python for each ``Settler`` in row order, with the same key.

Both draw their keys from the same stream in the same order and run the same rules, so the two
paths give the same results; ``tests/test_equivalence.py`` checks that they do.

Views: ``state_view(mech, state)`` is a named tuple of the columns the mechanism declares (and the
tie list if it declares ``ties``); ``param_view(mech, p)`` a named tuple of its parameters and
derived values. Their types live in ``sim.views`` so that numba's on-disk cache can find them.
"""

from __future__ import annotations

import ast
import collections
import inspect
import sys
import textwrap
import types
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.declare import Mechanism, python_rule
from sim.jit import kernel, load_generated
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
    # the type found by the mechanism's identity and the view kept by the state: built at every call, they cost
    # 7-27 us in a run (a few hundred Python objects read after the passes have emptied the caches), paid ~8 a month
    found = _STATE_VIEW_TYPES.get(id(mech))
    if found is None:  # the mechanism is kept in the entry, so its id is not reused while the entry lives
        found = _STATE_VIEW_TYPES[id(mech)] = (_view_type(f"{_camel(mech.name)}State", state_fields(mech)), mech)
    return state.view(found[0])


_STATE_VIEW_TYPES: dict[int, tuple[type, Mechanism]] = {}


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


RULE_ARGS = ["i", "key", "s", "p", "m", "ctr"]
NO_DRAWS = np.uint64(0)  # the key of a pass that draws no random numbers (its stream is left as it is)
LOOP_INDENT = 8  # spaces before a rule's statements in its generated loop (function, then for)


class ByIndex(ast.NodeTransformer):
    """Rewrites ``s.wage`` as ``s[k]`` (and likewise for ``p`` and ``m``) for the views' field orders.

    Compiled loops receive the views as plain tuples: numba dispatches a call with plain tuples faster than
    with named tuples, and compiles a loop that receives a named tuple of one type about 40% slower. A name
    that the view does not declare stops the generation with its place in the source.
    """

    def __init__(self, where: str, fields: dict[str, tuple[str, ...]]) -> None:
        self.where, self.fields = where, fields

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id in self.fields:
            names = self.fields[node.value.id]
            if node.attr not in names:
                raise ValueError(f"{self.where}, line {node.lineno}: {node.value.id}.{node.attr} is not declared "
                                 f"(declared: {', '.join(names)})")
            index = ast.Subscript(value=ast.Name(id=node.value.id, ctx=ast.Load()),
                                  slice=ast.Constant(names.index(node.attr)), ctx=node.ctx)
            return ast.copy_location(index, node)
        self.generic_visit(node)
        return node


class _ReturnToContinue(ast.NodeTransformer):
    """A rule's ``return`` ends its settler's turn: ``continue`` in the loop (refused inside the rule's own loops)."""

    def __init__(self, where: str) -> None:
        self.where, self.depth = where, 0

    def _loop(self, node: ast.AST) -> ast.AST:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        return self._loop(node)

    def visit_While(self, node: ast.While) -> ast.AST:
        return self._loop(node)

    def visit_Return(self, node: ast.Return) -> ast.AST:
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            raise ValueError(f"{self.where}: a per-settler rule returns nothing (line {node.lineno})")
        if self.depth:
            raise ValueError(f"{self.where}: 'return' inside a loop of a rule (line {node.lineno}); use a flag")
        return ast.copy_location(ast.Continue(), node)

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        raise ValueError(f"{self.where}: no functions inside a rule")


def function_body(fn: Any, args: list[str], where: str) -> list[ast.stmt]:
    """The statements of ``fn`` (its docstring dropped), checking its arguments."""
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    assert isinstance(node, ast.FunctionDef)
    if [a.arg for a in node.args.args] != args:
        raise ValueError(f"{where}: expected the arguments ({', '.join(args)})")
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def loop_source(rule: Any, fields: dict[str, tuple[str, ...]], listed: bool = False) -> str:
    """Source of ``rule``'s compiled loop: its body written into ``for i in range(rows)`` (the state's active
    rows, ``State.active_rows``), or with ``listed`` into a loop over the row indices ``rows`` (an array).

    numba compiles a called rule (inlined or not) about 30% slower than the same code written in the loop,
    so the loop is generated from the rule's own source (one rule, written once, still). ``fields``:
    the field names of the views ``s``, ``p`` and ``m``, which the loop receives as plain tuples.
    """
    fn = python_rule(rule)
    where = f"{fn.__module__}.{fn.__name__}"
    body = [_ReturnToContinue(where).visit(stmt) for stmt in function_body(fn, RULE_ARGS, where)]
    by_index = ByIndex(where, fields)
    body = [by_index.visit(stmt) for stmt in body]
    loop = textwrap.indent("\n".join(ast.unparse(stmt) for stmt in body), " " * LOOP_INDENT)
    return (f'"""Generated by sim/engine.py from {where}: its loop over settlers. Do not edit."""\n\n'
            f"import importlib\n\n"
            f"from sim.jit import view_kernel as _view_kernel\n\n"
            f"globals().update({{k: v for k, v in vars(importlib.import_module({fn.__module__!r})).items()\n"
            f"                  if not k.startswith('__')}})\n\n\n"
            f"@_view_kernel\n"
            f"def each_settler(key, s, p, m, ctr, rows):\n"
            f"    # s: {', '.join(fields['s'])}\n"
            f"    # p: {', '.join(fields['p'])}\n"
            f"    # m: {', '.join(fields['m'])}\n"
            + ("    for j in range(rows.size):\n        i = rows[j]\n" if listed else "    for i in range(rows):\n")
            + f"{loop}\n")


def rule_fields(rule: Any, fields: tuple[str, ...]) -> tuple[str, ...]:
    """The ``fields`` that ``rule``'s body names (``s.<field>``), in the order of ``fields``: its loop is passed
    only these (numba checks and unpacks every array of a call, about 0.1 us each, some 20 times a month)."""
    fn = python_rule(rule)
    named = {node.attr for stmt in function_body(fn, RULE_ARGS, f"{fn.__module__}.{fn.__name__}")
             for node in ast.walk(stmt)
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "s"}
    return tuple(f for f in fields if f in named)


@cache
def loop_kernel(rule: Any, state: tuple[str, ...], params: tuple[str, ...], month: tuple[str, ...],
                listed: bool = False) -> Callable[..., Any]:
    """The compiled loop of a per-settler rule: ``kernel(key, s, p, m, ctr, rows)`` with the views as plain tuples,
    over rows ``0 .. rows - 1`` (or, ``listed``, over the row indices in the array ``rows``)."""
    fn = python_rule(rule)
    source = loop_source(rule, {"s": state, "p": params, "m": month}, listed)
    name = f"{fn.__module__.rsplit('.', 1)[-1]}_{fn.__name__}" + ("_listed" if listed else "")
    return load_generated(source, name).each_settler


def _byte_tables() -> tuple[np.ndarray, np.ndarray]:
    """For each 8-bit mask: the positions of its set bits (padded with 0), shape (256, 8), and how many, (256,)."""
    positions = np.zeros((BYTE_MASKS, WORD_BYTES), dtype=np.int64)
    counts = np.zeros(BYTE_MASKS, dtype=np.int64)
    for mask in range(BYTE_MASKS):
        bits = [j for j in range(WORD_BYTES) if mask >> j & 1]
        positions[mask, :len(bits)] = bits
        counts[mask] = len(bits)
    return positions, counts


WORD_BYTES = 8  # bools read at a time by rows_where, as one 64-bit word
BYTE_MASKS = 2**WORD_BYTES
# multiplying a word of 0/1 bytes by this gathers byte j's bit into bit 56 + j (the top byte: a mask of the set bytes)
GATHER_BYTE_BITS = np.uint64(0x0102040810204080)
MASK_SHIFT = np.uint64(56)
BYTE_POSITIONS, BYTE_COUNTS = _byte_tables()


@kernel
def rows_where(flags, rows):
    """The rows ``0 .. rows - 1`` where ``flags`` (a bool column) is set, in row order.

    The columns listed are sparse (0.4-4% of rows a month), so the rows are read 8 at a time as a 64-bit word and a
    word of 0s is skipped; a word with a row set writes all 8 positions of its mask's table row without a branch,
    and the count moves past those set (3-4 times as fast as testing every row)."""
    listed = np.empty(rows + WORD_BYTES, dtype=np.int64)  # room for a word's 8 writes past the last row kept
    k = 0
    words = rows // WORD_BYTES
    packed = flags[:words * WORD_BYTES].view(np.uint64)
    for w in range(words):
        word = packed[w]
        if word != 0:
            mask = np.int64((word * GATHER_BYTE_BITS) >> MASK_SHIFT)
            for j in range(WORD_BYTES):
                listed[k + j] = WORD_BYTES * w + BYTE_POSITIONS[mask, j]
            k += BYTE_COUNTS[mask]
    for i in range(WORD_BYTES * words, rows):
        listed[k] = i
        k += flags[i]
    return listed[:k]


@kernel
def rows_equal(column, value, rows):
    """The rows ``0 .. rows - 1`` where ``column`` equals ``value``, in row order: ``np.flatnonzero(column[:rows] ==
    value)`` in one pass without branches and ``rows_where`` (numpy's compare and list cost 40 us in a run)."""
    marked = np.empty(rows, dtype=np.bool_)
    for i in range(rows):
        marked[i] = column[i] == value
    return rows_where(marked, rows)


@kernel
def rows_nonzero(column, rows):
    """The rows ``0 .. rows - 1`` where ``column`` is not 0, in row order (``np.flatnonzero(column[:rows])``)."""
    marked = np.empty(rows, dtype=np.bool_)
    for i in range(rows):
        marked[i] = column[i] != 0
    return rows_where(marked, rows)


class Run:
    """What ``month()`` calls for per-settler passes; subclasses decide how they execute."""

    def __init__(self, mech: Mechanism, rng: np.random.Generator) -> None:
        self.mech = mech
        self.rng = rng  # the mechanism's random stream of this month

    def view(self, state: State) -> Any:
        return state_view(self.mech, state)

    def each(self, rule: Any, state: State, p: Any, m: Any, key: np.uint64 | None = None,
             where: str | None = None) -> np.uint64:
        """Apply ``rule`` to every settler; returns the key it drew with.

        ``key``: reuse a key of an earlier pass of the same month (passes whose draw slots differ), else a
        fresh one is drawn from the mechanism's stream. ``where``: a bool column that the rule tests first (it
        returns where the column is False): only the rows where it is set are visited, for a pass that
        concerns a few settlers a month (listed first, so the pass does not test every row).
        """
        raise NotImplementedError


class KernelRun(Run):
    """The engine: one compiled call per pass."""

    def each(self, rule: Any, state: State, p: Any, m: Any, key: np.uint64 | None = None,
             where: str | None = None) -> np.uint64:
        key = seed(self.rng) if key is None else key
        # found by the views' types (hashed by identity) rather than by their field names (a tuple of up to 80
        # strings hashed at every call: about 2 us, paid some 20 times a month)
        found = _LOOPS.get((rule, id(self.mech), type(p), type(m), where))
        if found is None:  # the mechanism is kept in the entry, so its id is not reused while the entry lives
            fields = rule_fields(rule, state_fields(self.mech))
            found = _LOOPS[(rule, id(self.mech), type(p), type(m), where)] = (
                fields, loop_kernel(rule, fields, p._fields, m._fields, where is not None), self.mech)
        fields, loop, _ = found
        rows = state.active_rows if where is None else rows_where(getattr(state, where), state.active_rows)
        # a fresh counter as kernel_random.counter() makes it, without a compiled call from Python (about 2 us in a run)
        loop(key, state.arrays(fields), tuple(p), tuple(m), np.zeros(1, dtype=np.uint64), rows)
        return key


_LOOPS: dict[tuple[Any, int, type, type, str | None], tuple[tuple[str, ...], Callable[..., Any], Mechanism]] = {}


def clear_loops() -> None:
    """Forget the compiled loops found so far (after a change to how they are generated, e.g. in a test)."""
    loop_kernel.cache_clear()
    _LOOPS.clear()


class AgentRun(Run):
    """The per-agent path: the same rule called in Python for each agent, in row order."""

    def __init__(self, mech: Mechanism, rng: np.random.Generator, agents: Callable[[], Sequence[Any]]) -> None:
        super().__init__(mech, rng)
        self.agents = agents  # the current agents in row order (a settler born earlier in the month is one)

    def each(self, rule: Any, state: State, p: Any, m: Any, key: np.uint64 | None = None,
             where: str | None = None) -> np.uint64:
        key = seed(self.rng) if key is None else key
        view, ctr, fn = self.view(state), counter(), python_rule(rule)
        p, m = numpy_scalars(p), numpy_scalars(m)
        flags = None if where is None else getattr(state, where)
        for agent in self.agents():
            if flags is None or flags[agent.row]:
                agent.apply(fn, key, view, p, m, ctr)
        return key


def run_month(mech: Mechanism, state: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    """One month of ``mech`` on every settler (the engine's path)."""
    assert mech.month is not None, f"{mech.name}: no month() function"
    mech.month(KernelRun(mech, rng), state, param_view(mech, p), clock)


def stepper(declaration: Mechanism) -> Callable[..., None]:
    """A mechanism module's ``step(state, p, rng, clock)``: one month of it on every settler, through the engine.

    For tests and scripts that run one mechanism on a controlled state; the model runs them in order itself.
    """
    def step(state: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
        from sim import catalogue

        run_month(catalogue.MECHANISM_BY_NAME[declaration.name], state, p, rng, clock)

    step.__doc__ = f"One month of {declaration.name} on every settler (state, Parameters, rng, clock)."
    return step
