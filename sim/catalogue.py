"""The model's tables, assembled once from the modules' declarations (``sim.declare``).

* ``MECHANISMS``: the monthly order: the mechanisms of ``BUILTIN``, then any other module of
  ``sim/mechanisms`` and any named in the environment variable ``RESETTLE_MECHANISMS``
  (comma-separated import names of modules with a ``DECLARATION`` and a ``month``), each placed
  right after the mechanism its declaration's ``after`` names (at the end without one). A
  mechanism added either way needs no change to any other file: its columns, parameters and
  indicators join the tables below, ``resettle params`` and the scenario schema.
* ``POPULATION``: the initial population's declaration (``sim.population``).
* ``COLUMNS``, ``PARAMS``, ``INDICATORS``: every column, parameter and indicator, each declared
  once; ``STREAM_IDS``: each mechanism's random-stream number, a hash of its name.

Consistency is checked here, at import: one owner per column and parameter, every column a
module reads or writes is declared, every parameter it uses exists, draw slots fit their bits,
stream numbers are distinct. A broken declaration stops the import with a ``CatalogueError``
naming the module and the name.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
from dataclasses import replace
from functools import cache
from types import ModuleType

from sim.declare import Column, Indicator, Mechanism, Param

BUILTIN = ("households", "arrival", "labour", "money", "credit", "family", "ties", "mental_health", "support", "exits")
PLUGINS_ENV = "RESETTLE_MECHANISMS"
STREAM_ID_BITS = 32  # sim.model packs (stream id, month) into PCG64's 128-bit jump
BITS_PER_BYTE = 8


class CatalogueError(Exception):
    """A declaration that contradicts another (the message names the module and the name)."""


@cache
def stream_id(name: str) -> int:
    """A mechanism's random-stream number: the first 32 bits of the SHA-256 of its name (stable across versions)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[: STREAM_ID_BITS // BITS_PER_BYTE], "big")


def plugin_names() -> tuple[str, ...]:
    return tuple(n.strip() for n in os.environ.get(PLUGINS_ENV, "").split(",") if n.strip())


def _declaration(module: ModuleType) -> Mechanism:
    decl = getattr(module, "DECLARATION", None)
    if not isinstance(decl, Mechanism):
        raise CatalogueError(f"{module.__name__}: no DECLARATION = Mechanism(...)")
    month = getattr(module, "month", None)
    if decl.name != "population" and not callable(month):
        raise CatalogueError(f"{module.__name__}: no month(run, s, p, clock) function")
    owner = decl.name
    return replace(decl, month=month, module=module.__name__,
                   owns=tuple(replace(c, owner=owner) for c in decl.owns),
                   params=tuple(replace(q, owner=owner) for q in decl.params))


def _added_modules() -> list[str]:
    """Mechanism modules of sim/mechanisms beyond BUILTIN, then those named in RESETTLE_MECHANISMS."""
    import sim.mechanisms

    found = sorted(m.name for m in pkgutil.iter_modules(sim.mechanisms.__path__) if m.name not in BUILTIN)
    return [f"sim.mechanisms.{n}" for n in found] + list(plugin_names())


def _load() -> tuple[Mechanism, tuple[Mechanism, ...]]:
    population = _declaration(importlib.import_module("sim.population"))
    mechanisms = [_declaration(importlib.import_module(f"sim.mechanisms.{n}")) for n in BUILTIN]
    for name in _added_modules():
        try:
            module = importlib.import_module(name)
        except ImportError as err:
            raise CatalogueError(f"{PLUGINS_ENV}: cannot import mechanism module {name!r} ({err})") from None
        decl = _declaration(module)
        names = [m.name for m in mechanisms]
        if decl.after is not None and decl.after not in names:
            raise CatalogueError(f"{name}: after={decl.after!r} names no mechanism (known: {', '.join(names)})")
        at = names.index(decl.after) + 1 if decl.after is not None else len(mechanisms)
        mechanisms.insert(at, decl)
    return population, tuple(mechanisms)


def _check(population: Mechanism, mechanisms: tuple[Mechanism, ...],
           indicators: tuple[Indicator, ...]) -> tuple[dict[str, Column], tuple[Param, ...], dict[str, int]]:
    modules = (population, *mechanisms)
    columns: dict[str, Column] = {}
    params: dict[str, Param] = {}
    for m in modules:
        for c in m.owns:
            if c.name in columns:
                raise CatalogueError(f"{m.module}: column {c.name!r} is already declared by {columns[c.name].owner}")
            columns[c.name] = c
        for q in m.params:
            if q.name in params:
                raise CatalogueError(f"{m.module}: parameter {q.name!r} is already declared by {params[q.name].owner}")
            params[q.name] = q
    for m in modules:
        missing = [c for c in m.columns if c not in columns]
        if missing:
            raise CatalogueError(f"{m.module}: reads or writes undeclared columns {missing}")
        unknown = [u for u in m.uses if u not in params]
        if unknown:
            raise CatalogueError(f"{m.module}: uses undeclared parameters {unknown}")
        clash = [d.name for d in m.derived if d.name in params]
        if clash:
            raise CatalogueError(f"{m.module}: derived values named like parameters {clash}")
    names = [i.name for i in indicators]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CatalogueError(f"indicators declared twice: {dupes}")
    for ind in indicators:
        for q in (ind.numerator, ind.among, ind.denominator):
            if q is None:
                continue
            bad = [c for c in q.reads if c not in columns]
            bad_uses = [u for u in q.uses if u not in params]
            if bad or bad_uses:
                raise CatalogueError(f"indicator {ind.name}: quantity {q.name} reads undeclared {bad + bad_uses}")
    ids = {m.name: stream_id(m.name) for m in mechanisms}
    if len(set(ids.values())) != len(ids):
        raise CatalogueError(f"two mechanisms share a random-stream number: {ids}")
    return columns, tuple(params.values()), ids


def _indicators(mechanisms: tuple[Mechanism, ...]) -> tuple[Indicator, ...]:
    from sim.indicators import INDICATORS as BUILT_IN

    return (*BUILT_IN, *(ind for m in mechanisms for ind in m.indicators))


POPULATION, MECHANISMS = _load()
INDICATORS: tuple[Indicator, ...] = _indicators(MECHANISMS)
COLUMNS, PARAMS, STREAM_IDS = _check(POPULATION, MECHANISMS, INDICATORS)
MECHANISM_BY_NAME: dict[str, Mechanism] = {m.name: m for m in MECHANISMS}
