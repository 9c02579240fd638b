"""Numpy statements of quantities the engine computes inside kernels, for tests to hold the kernels against.

Written independently of the kernels (whole columns at once), so a test comparing the two can fail.
"""

from __future__ import annotations

import numpy as np

from sim import indicators
from sim.state import State


def support_ties(s: State) -> np.ndarray:
    """People each settler can ask for help: settler and South Korean ties, a mentor, a household member."""
    return s.settler_ties + s.sk_ties + (s.mentor_left > 0) + (~s.lives_alone)


def count_ties(s: State) -> np.ndarray:
    """Ties per settler from the tie list, shape (n,)."""
    return np.bincount(s.tie_a, minlength=s.n) + np.bincount(s.tie_b, minlength=s.n)


def cells(s: State, t: int) -> np.ndarray:
    """Cell (sex x age band x years since arrival) of every settler at month t, shape (n,)."""
    age_band = np.searchsorted(np.array(indicators.AGE_EDGES) * 12, t - s.birth_month, side="right")
    years = np.clip((t - s.arrival_month) // 12, 0, indicators.N_YEARS - 1)
    return (s.female.astype(int) * indicators.N_AGE + age_band) * indicators.N_YEARS + years
