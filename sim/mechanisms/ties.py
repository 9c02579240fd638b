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
from sim.kernel_random import at, inline, seed, uniform, uniform_at
from sim.params import Parameters
from sim.state import EMPLOYED, HANAWON, IN_SK, State

# draw slots (sim.kernel_random): each kind of draw has its own random numbers per settler (per tie for decay)
SLOT_TIE_DECAY = 0
SLOT_SK_LOSS = 1
SLOT_SK_GAIN = 2
MAX_CANDIDATES = 50  # Poisson inversion stops here (P(more) < 1e-40 at the largest allowed rate, 3 a month)


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
def _keep_ties(key, present, tie_a, tie_b, decay):
    """Moves the surviving ties to the front of ``tie_a``/``tie_b``; returns how many survive."""
    ctr = np.zeros(1, dtype=np.uint64)
    kept = 0
    for j in range(tie_a.size):
        a, b = tie_a[j], tie_b[j]
        if present[a] and present[b] and uniform_at(ctr, key, j, SLOT_TIE_DECAY) >= decay:
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
def _south_korean_ties(key, status, labour, dialect, mentor_left, sk_ties,
                       decay, formation_other, formation_work, mentor_gain, dialect_barrier):
    """Each tie of a settled settler lasts with 1 - ``decay``; gains are Poisson with a rate by
    work, mentor and dialect. Mentorships count down for everyone."""
    ctr = np.zeros(1, dtype=np.uint64)
    # gains: Poisson(gain_max) candidates per settler by inversion of one uniform (the same distribution
    # for everyone, so its first term is computed once), each kept with the settler's rate / gain_max
    gain_max = formation_other + formation_work + mentor_gain  # the dialect factor is at most 1
    no_candidate = np.exp(-gain_max)
    for i in range(status.size):
        mentored = mentor_left[i] > 0
        if status[i] == IN_SK and labour[i] != HANAWON:
            ties = sk_ties[i]
            lost = 0
            if ties > 0:
                at(ctr, key, i, SLOT_SK_LOSS)
                for _ in range(ties):
                    lost += uniform(ctr) < decay
            gained = 0
            at(ctr, key, i, SLOT_SK_GAIN)
            u = uniform(ctr)
            if u >= no_candidate:
                rate = ((formation_other + formation_work * (labour[i] == EMPLOYED) + mentor_gain * mentored)
                        * (1 - dialect_barrier * (1 - dialect[i])))
                candidates, term, cumulative = 0, no_candidate, no_candidate
                while u >= cumulative and candidates < MAX_CANDIDATES:
                    candidates += 1
                    term *= gain_max / candidates
                    cumulative += term
                for _ in range(candidates):
                    gained += uniform(ctr) * gain_max < rate
            sk_ties[i] = ties + gained - lost
        mentor_left[i] -= mentored


@inline
def support_tie_count(i, settler_ties, sk_ties, mentor_left, lives_alone):
    """``support_ties`` of row ``i`` inside a kernel."""
    return np.int64(settler_ties[i]) + sk_ties[i] + (mentor_left[i] > 0) + (not lives_alone[i])


def support_ties(s: State, rows: np.ndarray | None = None) -> np.ndarray:
    """People a settler can ask for help: settler and South Korean ties, a mentor, a household
    member. Shape (n,), or (len(rows),) for ``rows`` only."""
    if rows is not None:
        return s.settler_ties[rows] + s.sk_ties[rows] + (s.mentor_left[rows] > 0) + (~s.lives_alone[rows])
    return s.settler_ties + s.sk_ties + (s.mentor_left > 0) + (~s.lives_alone)
