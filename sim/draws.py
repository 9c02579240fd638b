"""Random draws for many independent trials, outside the compiled kernels.

``poisson_rows``: Poisson(lam) events on each of ``n`` rows, drawn as a Poisson(n lam) total
placed on rows uniformly at random (given the total, that is the joint distribution of
independent Poisson counts), so a month costs a draw per event, not per row. ``by_cdf``:
categories drawn by shares (their ``cumulative_shares``). Inside kernels,
``sim.kernel_random`` has the samplers (uniforms, skipping to the next success or event).
"""

from __future__ import annotations

import numpy as np


def poisson_rows(rng: np.random.Generator, n: int, lam: float) -> np.ndarray:
    """Rows (with repeats) of Poisson(lam) events on each of ``n`` rows: row i appears Poisson(lam) times."""
    if n <= 0 or lam <= 0:
        return np.empty(0, dtype=np.int64)
    return rng.integers(0, n, int(rng.poisson(n * lam)))


def cumulative_shares(shares: np.ndarray) -> np.ndarray:
    """The normalised cumulative shares that ``by_cdf`` searches (kept by callers that draw from fixed shares)."""
    cdf = (shares / shares.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf


def by_cdf(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws of 0 .. len(cdf) - 1 with the probabilities whose ``cumulative_shares`` are ``cdf``.

    The same numbers as ``rng.choice(len(cdf), size=n, p=shares / shares.sum())`` (numpy's own method: the
    normalised cumulative shares searched for uniforms), without its checks of ``p``, which cost about 8 us a call
    and are paid every month for the few relatives who arrive; the shares are summed once by the caller.
    """
    return cdf.searchsorted(rng.random(n), side="right")
