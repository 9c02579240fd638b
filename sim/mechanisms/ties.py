"""Social ties: settler-settler ties (an edge list) and ties to South Koreans (counts).

Assumptions and sources:

* Settler ties start among Hanawon classmates (arrival mechanism), form with other settlers
  at ``settler_tie_formation`` (neighbours, churches, Hana Center events) and decay at
  ``settler_tie_decay``; a tie ends when either settler leaves South Korea or dies.
* Ties to South Koreans are counts (South Koreans are not agents): colleagues while employed,
  neighbours, and a mentor's network while mentored (interventions.csv: mentoring improves
  connectedness, JEMS 2022); gains scale with dialect proficiency (accent is the main
  barrier, KHF 2023); each tie decays at ``sk_tie_decay``.
* The mentor is counted as a tie while the mentorship lasts (``support_tie_count``); when it ends,
  the mentor stays on as an ordinary tie to a South Korean with ``mentor_tie_kept`` (assumption:
  many volunteer tandems go on as friendships, "Start with a Friend", JEMS 2022), which then decays
  like any other, so ties do not end in the month the programme does.
"""

from __future__ import annotations

import collections
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import EMPLOYED, HANAWON, IN_SK
from sim.declare import Column, Mechanism, Slots, behaviour, derived, rule
from sim.draws import poisson_rows
from sim.jit import kernel
from sim.kernel_random import at, seed, uniform, uniform_at, uniform_nth, uniform_of

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State


class Slot(Slots):
    """Draw slots (sim.kernel_random): per settler, and per tie for the decay of settler ties."""

    TIE_DECAY = 0
    SK_LOSS = 1
    SK_GAIN = 2
    MENTOR_KEPT = 3


MAX_CANDIDATES = 50  # Poisson inversion stops here (P(more) < 1e-40 at the largest allowed rate, 3 a month)


@derived
def sk_gain_max(p: Any) -> float:
    """largest monthly rate of new ties to South Koreans (employed, mentored, full proficiency)"""
    return p.sk_tie_formation_other + p.sk_tie_formation_work + p.mentor_tie_gain


@derived
def sk_no_gain_at_max(p: Any) -> float:
    """probability of no new tie at that largest rate, exp(-sk_gain_max)"""
    return math.exp(-p.sk_gain_max)


DECLARATION = Mechanism(
    name="ties",
    owns=(
        Column("settler_ties", np.int16, 0, "ties to other settlers (from the edge list)"),
        Column("sk_ties", np.int16, 0, "ties to South Koreans"),
        Column("mentor_left", np.int16, 0, "months of mentorship left"),
        Column("sk_ties_pending", np.bool_, False,
               "this month's ties to South Koreans left to settler_month_rest (scratch)"),
    ),
    reads=("status", "labour", "dialect"),
    writes=("settler_ties", "sk_ties", "mentor_left", "sk_ties_pending"),
    ties=True,
    params=(
        behaviour("settler_tie_formation", 0.02, "new ties per settler per month", 0, 1,
                  "assumption: neighbours and churches", rate="poisson"),
        behaviour("settler_tie_decay", 0.015, "per tie per month", 0, 0.5, "assumption", rate="probability",
                  fit=(0.005, 0.3, True)),
        behaviour("sk_tie_formation_work", 0.05, "ties per month when employed", 0, 1, "assumption: colleagues",
                  rate="poisson"),
        behaviour("sk_tie_formation_other", 0.006, "ties per month", 0, 1, "assumption: neighbours", rate="poisson"),
        behaviour("sk_tie_decay", 0.02, "per tie per month", 0, 0.5, "assumption", rate="probability",
                  fit=(0.005, 0.3, True)),
        behaviour("dialect_tie_barrier", 0.5, "fraction of South Korean ties lost at zero proficiency", 0, 1,
                  "assumption: accent is the main barrier (KHF 2023)"),
        behaviour("mentor_tie_gain", 0.05, "extra South Korean ties per month while mentored", 0, 1,
                  "interventions.csv: mentoring improves connectedness (JEMS 2022)", rate="poisson"),
        behaviour("mentor_tie_kept", 0.5, "probability the mentor stays on as a tie when the mentorship ends", 0, 1,
                  "assumption: many tandems continue as friendships (Start with a Friend; JEMS 2022 gives no share)"),
    ),
    derived=(sk_gain_max, sk_no_gain_at_max),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

Month = collections.namedtuple("Month", ["t"])


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """Settler ties decay and form (tie list); ties to South Koreans per settler; mentorships count down."""
    # settler ties: keep those between present settlers that survive decay (compacted in place)
    kept = _keep_ties(seed(run.rng), s.status, s.tie_a, s.tie_b, p.settler_tie_decay)
    s.tie_a, s.tie_b = s.tie_a[:kept], s.tie_b[:kept]
    settled = _settled(s.status[:s.active_rows], s.labour[:s.active_rows])
    if settled.size > 1:
        # Poisson(settler_tie_formation) new ties started by each settled settler, to a random settled settler
        a = settled[poisson_rows(run.rng, settled.size, p.settler_tie_formation)]
        b = settled[run.rng.integers(0, settled.size, a.size)]
        s.add_ties(a, b)
    _count_ties(s.tie_a, s.tie_b, s.settler_ties)
    key = run.each(settler_month, s, p, Month(clock.month))
    run.each(settler_month_rest, s, p, Month(clock.month), key=key, where="sk_ties_pending")


@kernel
def _settled(status, labour):
    """Rows in South Korea past Hanawon, in order (one pass; the numpy expression makes four). Every row is
    written and the count moves only past the rows kept: no branch to mispredict. The rows kept are a view of the
    full-length list, not a copy: a copy costs another pass, and the list is freed with the view."""
    rows = np.empty(status.size, dtype=np.int64)
    k = 0
    for i in range(status.size):
        rows[k] = i
        k += (status[i] == IN_SK) & (labour[i] != HANAWON)
    return rows[:k]


@kernel
def _keep_ties(key, status, tie_a, tie_b, decay):
    """Moves the surviving ties (both ends in South Korea) to the front of ``tie_a``/``tie_b``; returns how many.

    Without branches: every tie draws (a draw depends only on key, tie and slot, so one not needed changes
    nothing) and is written at the front, and the count moves only past the ties kept."""
    kept = 0
    for j in range(tie_a.size):
        a, b = tie_a[j], tie_b[j]
        tie_a[kept] = a
        tie_b[kept] = b
        kept += (status[a] == IN_SK) & (status[b] == IN_SK) & (uniform_of(key, j, Slot.TIE_DECAY) >= decay)
    return kept


@kernel
def _count_ties(tie_a, tie_b, out):
    out[:] = 0
    for j in range(tie_a.size):
        out[tie_a[j]] += 1
        out[tie_b[j]] += 1


@rule
def settler_month(i, key, s, p, m, ctr):
    """Ties to South Koreans of settler ``i``: each lasts with 1 - ``sk_tie_decay``; gains are Poisson with a
    rate by work, mentor and dialect. The mentorship counts down (for everyone).

    Without branches, so that the compiled loop runs on vector instructions, for the common case: at most
    ``FAST_TIES`` ties and ``FAST_CANDIDATES`` candidate gains (over 99% of rows), whose draws are taken as pure
    functions of their place in the block (``uniform_nth``: the numbers ``settler_month_rest``'s counter gives).
    The other rows are marked in ``sk_ties_pending`` and left unchanged, for ``settler_month_rest``.
    """
    mentored = s.mentor_left[i] > 0
    here = (s.status[i] == IN_SK) & (s.labour[i] != HANAWON)
    ties = np.int64(s.sk_ties[i])
    # counts as int64 sums: numpy adds two bools as a logical or (the per-agent path runs this rule on numpy scalars)
    lost = (np.int64((ties > 0) & (uniform_nth(key, i, Slot.SK_LOSS, 0) < p.sk_tie_decay))
            + np.int64((ties > 1) & (uniform_nth(key, i, Slot.SK_LOSS, 1) < p.sk_tie_decay)))
    # the Poisson inversion of settler_month_rest, its first FAST_CANDIDATES steps written out (same operations)
    gain_max, no_candidate = p.sk_gain_max, p.sk_no_gain_at_max
    u = uniform_nth(key, i, Slot.SK_GAIN, 0)
    term_1 = no_candidate * (gain_max / 1)
    cumulative_1 = no_candidate + term_1
    cumulative_2 = cumulative_1 + term_1 * (gain_max / 2)
    first, second = u >= no_candidate, u >= cumulative_1
    rate = ((p.sk_tie_formation_other + p.sk_tie_formation_work * (s.labour[i] == EMPLOYED)
             + p.mentor_tie_gain * mentored)
            * (1 - p.dialect_tie_barrier * (1 - np.float64(s.dialect[i]))))
    gained = (np.int64(first & (uniform_nth(key, i, Slot.SK_GAIN, 1) * gain_max < rate))
              + np.int64(first & second & (uniform_nth(key, i, Slot.SK_GAIN, 2) * gain_max < rate)))
    pending = here & ((ties > FAST_TIES) | (first & second & (u >= cumulative_2)))
    left = s.mentor_left[i] - mentored
    kept = (mentored & (left == 0) & (s.status[i] == IN_SK)
            & (uniform_of(key, i, Slot.MENTOR_KEPT) < p.mentor_tie_kept))
    new_ties = (ties + gained - lost if here else ties) + kept
    s.sk_ties_pending[i] = pending
    s.sk_ties[i] = s.sk_ties[i] if pending else new_ties
    s.mentor_left[i] = s.mentor_left[i] if pending else left


# settler_month's fast case, whose draws the rule writes out one by one (so a change here is a change of the rule;
# tests/test_mechanisms.py holds the two passes equal with rows past both bounds): at most FAST_TIES ties (99.6% of
# rows) and FAST_CANDIDATES candidate gains (P(more) = 2e-4 at the default rates)
FAST_TIES = 2
FAST_CANDIDATES = 2


@rule
def settler_month_rest(i, key, s, p, m, ctr):
    """``settler_month`` for the rows it left (``sk_ties_pending``): any number of ties and candidates, each tie
    and candidate drawn in turn from its block."""
    if not s.sk_ties_pending[i]:
        return
    mentored = s.mentor_left[i] > 0
    ties = s.sk_ties[i]
    lost = 0
    at(ctr, key, i, Slot.SK_LOSS)
    for _ in range(ties):
        lost += uniform(ctr) < p.sk_tie_decay
    # gains: Poisson(sk_gain_max) candidates by inversion of one uniform (the same distribution for everyone),
    # each kept with the settler's rate / sk_gain_max (the dialect factor is at most 1)
    gain_max, no_candidate = p.sk_gain_max, p.sk_no_gain_at_max
    gained = 0
    at(ctr, key, i, Slot.SK_GAIN)
    u = uniform(ctr)
    if u >= no_candidate:
        rate = ((p.sk_tie_formation_other + p.sk_tie_formation_work * (s.labour[i] == EMPLOYED)
                 + p.mentor_tie_gain * mentored)
                * (1 - p.dialect_tie_barrier * (1 - np.float64(s.dialect[i]))))
        candidates, term, cumulative = 0, no_candidate, no_candidate
        while u >= cumulative and candidates < MAX_CANDIDATES:
            candidates += 1
            term *= gain_max / candidates
            cumulative += term
        for _ in range(candidates):
            gained += uniform(ctr) * gain_max < rate
    s.sk_ties[i] = ties + gained - lost
    s.mentor_left[i] -= mentored
    if mentored and s.mentor_left[i] == 0 and uniform_at(ctr, key, i, Slot.MENTOR_KEPT) < p.mentor_tie_kept:
        s.sk_ties[i] += 1  # the mentor stays on as an ordinary tie (pending rows are in South Korea)


@rule
def support_tie_count(settler_ties, sk_ties, mentor_left, lives_alone):
    """People a settler can ask for help: settler and South Korean ties, a mentor, a household member.

    Called with one settler's values (``support_tie_count(s.settler_ties[i], ...)``): helpers take values,
    not views (numba compiles a call that passes a whole view slower than the rule itself).
    """
    return np.int64(settler_ties) + sk_ties + (mentor_left > 0) + (not lives_alone)
