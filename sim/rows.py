"""The rows a mechanism updates, read and written cheaply whether they are few or most of the population.

A mechanism that updates, say, the settlers in South Korea reads a dozen columns at those rows
and writes a few back. Gathering ``column[idx]`` costs several times an arithmetic pass, so when
the rows are most of the population (a cohort, most months) it is cheaper to compute on whole
columns and write back only at the rows. ``Rows`` hides the choice:

* ``rows.of(column)``: the values at the rows: the column itself (dense: positions outside the
  rows hold values that are computed on but never written back) or a gather (sparse);
* ``rows.put(column, values)``: writes ``values`` back at the rows only;
* ``rows.where(local_mask)``: positions (in the local arrays) where ``local_mask`` holds **and**
  the position is one of the rows; ``rows.index(positions)`` maps them to state rows.

So every random draw and every write is restricted to the rows in both modes; only the
arithmetic may also run over other rows (on values that are then discarded).
"""

from __future__ import annotations

import numpy as np

DENSE_SHARE = 0.6  # rows / population above which whole columns are used


class Rows:
    """The rows of ``mask`` (bool, shape (n,)); ``size`` local positions, ``count`` real rows."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        self.count = int(np.count_nonzero(mask))
        self.dense = self.count > DENSE_SHARE * mask.size
        self.idx = None if self.dense else np.flatnonzero(mask)
        self.size = mask.size if self.dense else self.count

    def of(self, column: np.ndarray) -> np.ndarray:
        """Values of ``column`` at the rows (dense: the column itself, do not modify in place)."""
        return column if self.dense else column[self.idx]

    def put(self, column: np.ndarray, values: np.ndarray) -> None:
        """Write ``values`` (local, shape (size,)) into ``column`` at the rows only."""
        if self.dense:
            np.copyto(column, values, where=self.mask, casting="unsafe")
        else:
            column[self.idx] = values

    def where(self, local_mask: np.ndarray) -> np.ndarray:
        """Local positions where ``local_mask`` holds, among the rows."""
        return np.flatnonzero(local_mask & self.mask) if self.dense else np.flatnonzero(local_mask)

    def index(self, positions: np.ndarray | slice) -> np.ndarray:
        """State rows of local ``positions`` (an index array, or a slice such as ``sim.draws.ALL``)."""
        if self.dense:
            return np.arange(self.size)[positions] if isinstance(positions, slice) else positions
        return self.idx[positions]

    def keep(self, positions: np.ndarray) -> np.ndarray:
        """The local ``positions`` that are rows (all of them when sparse)."""
        return positions[self.mask[positions]] if self.dense else positions
