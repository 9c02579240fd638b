"""Columnar state of all settlers: one numpy array per trait, one row per settler.

The columns are those the modules declare (``sim.catalogue.COLUMNS``: name, dtype, initial
value, unit). Mechanisms update whole columns at once; ``sim.agents.Settler`` reads and writes
a single row. Rows are allocated for every settler the run will ever hold (arrivals are known
when the model is built), so arrays never grow; a settler who has not arrived yet has
``status == PENDING``.

Codes are module constants of ``sim.codes`` (``IN_SK``, ``EMPLOYED``, ...), re-exported here.
Money is in 10k KRW; times are month indices on the model clock (month 0 = first simulated
month); "never" is ``NEVER``.
"""

from __future__ import annotations

import numpy as np

from sim import catalogue
from sim.codes import (
    ABROAD,
    DAY_LABOUR,
    DIED,
    EMPLOYED,
    HANAWON,
    IN_SK,
    INACTIVE,
    JOB_NAMES,
    LABOUR_NAMES,
    LEFT,
    NEVER,
    NO_JOB,
    PENDING,
    PRE_ARRIVAL,
    REGULAR,
    RETURNED_NORTH,
    STATUS_NAMES,
    TEMPORARY,
    TRAINING,
    UNEMPLOYED,
    UNKNOWN,
)
from sim.declare import OWN_ROW

__all__ = ["ABROAD", "COLUMNS", "DAY_LABOUR", "DIED", "EMPLOYED", "HANAWON", "INACTIVE", "IN_SK", "JOB_NAMES",
           "LABOUR_NAMES", "LEFT", "NEVER", "NO_JOB", "PENDING", "PRE_ARRIVAL", "REGULAR", "RETURNED_NORTH",
           "STATUS_NAMES", "TEMPORARY", "TRAINING", "UNEMPLOYED", "UNKNOWN", "State"]

# name -> (dtype, initial value, unit / meaning), from the declarations
COLUMNS: dict[str, tuple[type, float | str, str]] = {c.name: (c.dtype, c.initial, c.unit) for c in catalogue.COLUMNS.values()}


class State:
    """All settlers' traits as columns of length ``n``, plus the settler-settler tie list.

    Attributes are the names in ``COLUMNS``; ``tie_a``/``tie_b`` hold the endpoints of
    undirected ties (row indices), shape (n_ties,).
    """

    def __init__(self, n: int) -> None:
        object.__setattr__(self, "_tuples", {})  # field tuples (``arrays``) and view types (``view``) -> kept tuples
        object.__setattr__(self, "_tuples_with", {})  # field name -> the cached keys holding it (a dict as a set)
        self.n = int(n)
        for name, (dtype, initial, _) in COLUMNS.items():
            if initial == OWN_ROW:
                setattr(self, name, np.arange(self.n, dtype=dtype))
            else:
                setattr(self, name, np.full(self.n, initial, dtype=dtype))
        # row indices as np.intp: numpy indexes with intp directly (int32 index arrays cost a conversion each use)
        self.tie_a = np.zeros(0, dtype=np.intp)
        self.tie_b = np.zeros(0, dtype=np.intp)

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        for fields in self._tuples_with.pop(name, ()):  # views holding the replaced array are stale
            self._tuples.pop(fields, None)

    @property
    def active_rows(self) -> int:
        """Rows ``0 .. active_rows - 1`` may hold settlers; the rest are free rows kept for births and relatives
        who join (``sim.mechanisms.households.free_rows`` hands them out in order), untouched until then, so the
        monthly passes skip them (about an eighth of the rows of a ten-year run). A state built by hand: all."""
        return getattr(self, "next_free_row", self.n)

    def arrays(self, fields: tuple[str, ...]) -> tuple[np.ndarray, ...]:
        """The arrays of ``fields`` (columns, ``tie_a``, ``tie_b``) as a tuple, kept until an array is replaced."""
        cached = self._tuples.get(fields)
        return cached if cached is not None else self._keep(fields, fields, tuple(getattr(self, f) for f in fields))

    def view(self, cls: type) -> tuple[np.ndarray, ...]:
        """An instance of the named-tuple type ``cls`` holding the arrays of its fields, kept until one is replaced."""
        cached = self._tuples.get(cls)
        return cached if cached is not None else self._keep(cls, cls._fields, cls(*self.arrays(cls._fields)))

    def _keep(self, key: object, fields: tuple[str, ...], value: tuple) -> tuple:
        """Keep ``value``, a tuple of the arrays of ``fields``, under ``key`` until one of them is replaced."""
        self._tuples[key] = value
        for f in fields:
            self._tuples_with.setdefault(f, {})[key] = None
        return value

    def grow(self, k: int) -> None:
        """Append ``k`` rows to every column, each at the column's initial value (its own index for ``OWN_ROW``).

        For free rows (births, relatives who join) when those kept at the start run out: every column is copied,
        so it is done in blocks (``sim.mechanisms.households.free_rows``).
        """
        n = self.n
        for name, (dtype, initial, _) in COLUMNS.items():
            extra = np.arange(n, n + k, dtype=dtype) if initial == OWN_ROW else np.full(k, initial, dtype=dtype)
            setattr(self, name, np.concatenate([getattr(self, name), extra]))
        self.n = n + k

    def add_ties(self, a: np.ndarray, b: np.ndarray) -> None:
        """Append undirected ties (self-ties dropped)."""
        keep = a != b
        if not keep.all():
            a, b = a[keep], b[keep]
        self.tie_a = np.concatenate([self.tie_a, a.astype(np.intp, copy=False)])
        self.tie_b = np.concatenate([self.tie_b, b.astype(np.intp, copy=False)])
