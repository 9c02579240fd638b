"""Exits: leaving the country, returning North, losing contact, death and unclaimed deaths.

Assumptions and sources:

* Emigration (mostly to the UK, US and Canada, unregistered: brief) at ``emigration_rate``,
  ``emigration_dissatisfied_multiplier`` times higher for dissatisfied settlers; people
  abroad count as "residence unconfirmed" until confirmed (``abroad_confirmed_rate``).
* Return to the North at ``return_north_rate`` (31 confirmed since 2012), higher when
  dissatisfied (23% have wanted to return, mostly to see family; NKDB 2019).
* Losing contact ("whereabouts unknown", 59-70 at any time) at ``lose_contact_rate``, up to
  ``lose_contact_distrust_multiplier`` times higher at zero trust; found again at
  ``regain_contact_rate``.
* Death: a Gompertz approximation of Korean mortality scaled by ``mortality_scale``, plus
  suicide for settlers with a suicidal impulse this month (suicide is about 11% of settlers'
  deaths). A death goes unclaimed with ``unclaimed_isolated`` when the settler lived alone
  with no one to ask (or was missing), else ``unclaimed_connected``.
"""

from __future__ import annotations

import numpy as np

from sim.clock import Clock
from sim.draws import bernoulli_rows, rare_events
from sim.mechanisms.ties import support_ties
from sim.params import Parameters
from sim.state import ABROAD, DIED, HANAWON, IN_SK, INACTIVE, LEFT, NO_JOB, RETURNED_NORTH, UNKNOWN, State

ISOLATED_TIES = 1  # support ties at or below which a settler counts as isolated (a household member counts)


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    # people abroad confirmed; missing people found
    abroad = np.flatnonzero(s.status == ABROAD)
    s.status[abroad[rng.random(abroad.size) < p.abroad_confirmed_rate]] = LEFT
    missing = np.flatnonzero(s.status == UNKNOWN)
    found = missing[rng.random(missing.size) < p.regain_contact_rate]
    s.status[found] = IN_SK

    # deaths among those in South Korea or missing
    idx = np.flatnonzero((s.status == IN_SK) | (s.status == UNKNOWN))
    if idx.size == 0:
        return

    def monthly_death(c: np.ndarray | slice) -> np.ndarray:
        age = (t - s.birth_month[idx[c]]) / 12
        annual = np.minimum(1.0, p.mortality_scale * p.gompertz_a * np.exp(p.gompertz_b * age))
        return 1 - (1 - annual) ** (1 / 12)

    # mortality rises with age, so the oldest settler's rate bounds everyone's (thinning: computed for candidates only)
    oldest = np.argmin(s.birth_month[idx], keepdims=True)
    impulse = np.flatnonzero(s.last_ideation[idx] == t)
    suicide = impulse[rng.random(impulse.size) < p.suicide_rate_ideation]
    dies = np.union1d(suicide, rare_events(rng, idx.size, float(monthly_death(oldest)[0]), monthly_death))
    rows = idx[dies]
    isolated = ((support_ties(s, rows) <= ISOLATED_TIES) & s.lives_alone[rows]) | (s.status[rows] == UNKNOWN)
    unclaimed = rows[rng.random(rows.size) < np.where(isolated, p.unclaimed_isolated, p.unclaimed_connected)]
    _leave(s, rows, DIED, t)
    s.death_unclaimed[unclaimed] = True
    s.suicide[idx[suicide]] = True

    # moves of the living in South Korea (past Hanawon): one uniform u decides between emigrating,
    # returning North and losing contact; only u below the largest possible total matters, so those
    # cases are drawn by thinning (u given u < bound is uniform on [0, bound)).
    alive = np.flatnonzero((s.status == IN_SK) & (s.labour != HANAWON))
    dissatisfied_x = max(1.0, p.emigration_dissatisfied_multiplier)
    bound = (p.emigration_rate * dissatisfied_x + p.return_north_rate * dissatisfied_x
             + p.lose_contact_rate * max(1.0, p.lose_contact_distrust_multiplier))
    cand = alive[bernoulli_rows(rng, alive.size, min(1.0, bound))]
    dissatisfied = ~s.satisfied[cand]
    u = rng.random(cand.size) * min(1.0, bound)
    p_emigrate = p.emigration_rate * np.where(dissatisfied, p.emigration_dissatisfied_multiplier, 1.0)
    p_return = p.return_north_rate * np.where(dissatisfied, p.emigration_dissatisfied_multiplier, 1.0)
    p_lose = p.lose_contact_rate * (1 + (p.lose_contact_distrust_multiplier - 1) * (1 - s.trust[cand]))
    emigrates = u < p_emigrate
    returns = (u >= p_emigrate) & (u < p_emigrate + p_return)
    loses = (u >= p_emigrate + p_return) & (u < p_emigrate + p_return + p_lose)
    _leave(s, cand[emigrates], ABROAD, t)
    _leave(s, cand[returns], RETURNED_NORTH, t)
    s.status[cand[loses]] = UNKNOWN


def _leave(s: State, rows: np.ndarray, status: int, t: int) -> None:
    s.status[rows] = status
    s.exit_month[rows] = t
    s.labour[rows] = INACTIVE
    s.job_type[rows] = NO_JOB
    s.wage[rows] = 0.0
    s.counselling_left[rows] = 0
