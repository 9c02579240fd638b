"""The monthly mechanisms, one module each.

Each module starts with its ``DECLARATION`` (``sim.declare.Mechanism``: the columns it owns,
reads and writes, its parameters, derived values and draw slots) and defines
``month(run, s, p, clock)``. The monthly order is ``sim.catalogue.MECHANISMS``;
``MECHANISMS`` here lists the same modules, in that order.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def __getattr__(name: str) -> tuple[ModuleType, ...]:
    if name == "MECHANISMS":  # built from the catalogue on use (the catalogue imports these modules)
        from sim import catalogue

        return tuple(importlib.import_module(m.module) for m in catalogue.MECHANISMS)
    raise AttributeError(f"module 'sim.mechanisms' has no attribute {name!r}")
