"""Social ties: settler-settler ties (an edge list) and ties to South Koreans (counts).

Assumptions and sources:

* Settler ties start among Hanawon classmates (arrival mechanism), form with other settlers
  at ``settler_tie_formation`` (neighbours, churches, Hana Center events) and decay at
  ``settler_tie_decay``; a tie ends when either settler leaves South Korea or dies.
* Ties to South Koreans are counts (South Koreans are not agents): colleagues while employed,
  neighbours, and a mentor's network while mentored (interventions.csv: mentoring improves
  connectedness, JEMS 2022); gains scale with dialect proficiency (accent is the main
  barrier, KHF 2023); each tie decays at ``sk_tie_decay``.
* The mentor is counted as a tie while the mentorship lasts (``support_ties``).
"""

from __future__ import annotations

import numpy as np

from sim.clock import Clock
from sim.params import Parameters
from sim.state import EMPLOYED, HANAWON, IN_SK, State


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    present = s.status == IN_SK
    # settler ties: keep those between present settlers that survive decay
    if s.tie_a.size:
        keep = present[s.tie_a] & present[s.tie_b] & (rng.random(s.tie_a.size) >= p.settler_tie_decay)
        s.keep_ties(keep)
    settled = np.flatnonzero(present & (s.labour != HANAWON))
    if settled.size > 1:
        k = rng.poisson(p.settler_tie_formation, settled.size)
        a = np.repeat(settled, k)
        b = settled[rng.integers(0, settled.size, a.size)]
        s.add_ties(a, b)
    s.settler_ties[:] = s.count_ties()

    if settled.size:
        mentored = s.mentor_left[settled] > 0
        employed = s.labour[settled] == EMPLOYED
        gain_rate = (p.sk_tie_formation_other + p.sk_tie_formation_work * employed
                     + p.mentor_tie_gain * mentored) * (1 - p.dialect_tie_barrier * (1 - s.dialect[settled]))
        lost = rng.binomial(s.sk_ties[settled], p.sk_tie_decay)
        s.sk_ties[settled] += (rng.poisson(gain_rate) - lost).astype(np.int16)
    s.mentor_left[s.mentor_left > 0] -= 1


def support_ties(s: State) -> np.ndarray:
    """People a settler can ask for help: settler and South Korean ties, a mentor, a household
    member. Shape (n,)."""
    return s.settler_ties + s.sk_ties + (s.mentor_left > 0) + (~s.lives_alone)
