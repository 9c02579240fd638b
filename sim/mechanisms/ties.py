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
from sim.draws import bernoulli_rows, binomial_counts, poisson_counts, poisson_rows
from sim.params import Parameters
from sim.state import EMPLOYED, HANAWON, IN_SK, State


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    present = s.status == IN_SK
    # settler ties: keep those between present settlers that survive decay
    if s.tie_a.size:
        keep = present[s.tie_a] & present[s.tie_b]
        keep[bernoulli_rows(rng, s.tie_a.size, p.settler_tie_decay)] = False
        s.keep_ties(keep)
    settled = np.flatnonzero(present & (s.labour != HANAWON))
    if settled.size > 1:
        # Poisson(settler_tie_formation) new ties started by each settled settler, to a random settled settler
        a = settled[poisson_rows(rng, settled.size, p.settler_tie_formation)]
        b = settled[rng.integers(0, settled.size, a.size)]
        s.add_ties(a, b)
    s.settler_ties[:] = s.count_ties()

    if settled.size:
        def gain_rate(c: np.ndarray) -> np.ndarray:
            rows = settled[c]
            mentored = s.mentor_left[rows] > 0
            employed = s.labour[rows] == EMPLOYED
            return ((p.sk_tie_formation_other + p.sk_tie_formation_work * employed + p.mentor_tie_gain * mentored)
                    * (1 - p.dialect_tie_barrier * (1 - s.dialect[rows])))

        gain_max = p.sk_tie_formation_other + p.sk_tie_formation_work + p.mentor_tie_gain  # dialect factor <= 1
        lost = binomial_counts(rng, s.sk_ties[settled], p.sk_tie_decay)
        gained = poisson_counts(rng, settled.size, gain_max, gain_rate)
        s.sk_ties[settled] += (gained - lost).astype(np.int16)
    s.mentor_left -= s.mentor_left > 0


def support_ties(s: State, rows: np.ndarray | None = None) -> np.ndarray:
    """People a settler can ask for help: settler and South Korean ties, a mentor, a household
    member. Shape (n,), or (len(rows),) for ``rows`` only."""
    if rows is not None:
        return s.settler_ties[rows] + s.sk_ties[rows] + (s.mentor_left[rows] > 0) + (~s.lives_alone[rows])
    return s.settler_ties + s.sk_ties + (s.mentor_left > 0) + (~s.lives_alone)
