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
from sim.draws import poisson_rows
from sim.jit import kernel
from sim.kernel_random import next_event, next_success, seed, uniform
from sim.params import Parameters
from sim.state import EMPLOYED, HANAWON, IN_SK, State


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    present = s.status == IN_SK
    # settler ties: keep those between present settlers that survive decay (compacted in place)
    kept = _keep_ties(seed(rng), present, s.tie_a, s.tie_b, p.settler_tie_decay)
    s.tie_a, s.tie_b = s.tie_a[:kept], s.tie_b[:kept]
    settled = np.flatnonzero(present & (s.labour != HANAWON))
    if settled.size > 1:
        # Poisson(settler_tie_formation) new ties started by each settled settler, to a random settled settler
        a = settled[poisson_rows(rng, settled.size, p.settler_tie_formation)]
        b = settled[rng.integers(0, settled.size, a.size)]
        s.add_ties(a, b)
    _count_ties(s.tie_a, s.tie_b, s.settler_ties)
    _south_korean_ties(seed(rng), s.status, s.labour, s.dialect, s.mentor_left, s.sk_ties,
                       p.sk_tie_decay, p.sk_tie_formation_other, p.sk_tie_formation_work, p.mentor_tie_gain,
                       p.dialect_tie_barrier)


@kernel
def _keep_ties(bits, present, tie_a, tie_b, decay):
    """Moves the surviving ties to the front of ``tie_a``/``tie_b``; returns how many survive."""
    kept = 0
    lost_at = next_success(bits, decay) - 1  # position of the next tie lost to decay
    for j in range(tie_a.size):
        if j == lost_at:
            lost_at += next_success(bits, decay)
            continue
        a, b = tie_a[j], tie_b[j]
        if present[a] and present[b]:
            tie_a[kept] = a
            tie_b[kept] = b
            kept += 1
    return kept


@kernel
def _count_ties(tie_a, tie_b, out):
    out[:] = 0
    for j in range(tie_a.size):
        out[tie_a[j]] += 1
        out[tie_b[j]] += 1


@kernel
def _south_korean_ties(bits, status, labour, dialect, mentor_left, sk_ties,
                       decay, formation_other, formation_work, mentor_gain, dialect_barrier):
    """Each tie of a settled settler lasts with 1 - ``decay``; gains are Poisson with a rate by
    work, mentor and dialect. Mentorships count down for everyone."""
    gain_max = formation_other + formation_work + mentor_gain  # the dialect factor is at most 1
    next_loss = next_success(bits, decay) - 1  # over all settled settlers' ties, in row order
    next_gain = next_event(bits, gain_max)  # candidate gains at gain_max per settler, kept by thinning
    for i in range(status.size):
        mentored = mentor_left[i] > 0
        if status[i] == IN_SK and labour[i] != HANAWON:
            ties = sk_ties[i]
            lost = 0
            while next_loss < ties:
                lost += 1
                next_loss += next_success(bits, decay)
            next_loss -= ties
            rate = ((formation_other + formation_work * (labour[i] == EMPLOYED) + mentor_gain * mentored)
                    * (1 - dialect_barrier * (1 - dialect[i])))
            gained = 0
            while next_gain < 1.0:
                gained += uniform(bits) * gain_max < rate
                next_gain += next_event(bits, gain_max)
            next_gain -= 1.0
            sk_ties[i] = ties + gained - lost
        mentor_left[i] -= mentored


def support_ties(s: State, rows: np.ndarray | None = None) -> np.ndarray:
    """People a settler can ask for help: settler and South Korean ties, a mentor, a household
    member. Shape (n,), or (len(rows),) for ``rows`` only."""
    if rows is not None:
        return s.settler_ties[rows] + s.sk_ties[rows] + (s.mentor_left[rows] > 0) + (~s.lives_alone[rows])
    return s.settler_ties + s.sk_ties + (s.mentor_left > 0) + (~s.lives_alone)
