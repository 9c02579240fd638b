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
from sim.jit import kernel
from sim.kernel_random import seed, uniform_at
from sim.mechanisms.ties import support_tie_count
from sim.params import Parameters
from sim.state import ABROAD, DIED, HANAWON, IN_SK, INACTIVE, LEFT, NO_JOB, RETURNED_NORTH, UNKNOWN, State

ISOLATED_TIES = 1  # support ties at or below which a settler counts as isolated (a household member counts)
# draw slots (sim.kernel_random): each kind of draw has its own random numbers per settler
SLOT_CONFIRMED = 0
SLOT_FOUND = 1
SLOT_DEATH = 2
SLOT_SUICIDE = 3
SLOT_UNCLAIMED = 4
SLOT_MOVE = 5


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    _month(seed(rng), clock.month, s.status, s.labour, s.job_type, s.wage, s.counselling_left, s.exit_month,
           s.birth_month, s.last_ideation, s.satisfied, s.trust, s.lives_alone,
           s.settler_ties, s.sk_ties, s.mentor_left, s.death_unclaimed, s.suicide,
           p.abroad_confirmed_rate, p.regain_contact_rate, p.mortality_scale * p.gompertz_a, p.gompertz_b,
           p.suicide_rate_ideation, p.unclaimed_isolated, p.unclaimed_connected,
           p.emigration_rate, p.return_north_rate, p.emigration_dissatisfied_multiplier,
           p.lose_contact_rate, p.lose_contact_distrust_multiplier)


@kernel
def _monthly_death(t, birth_month, annual_at_birth, gompertz_b):
    """Monthly probability of death (Gompertz annual hazard, capped at 1, spread over 12 months)."""
    annual = min(1.0, annual_at_birth * np.exp(gompertz_b * (t - birth_month) / 12))
    return 1 - (1 - annual) ** (1 / 12)


@kernel
def _month(key, t, status, labour, job_type, wage, counselling_left, exit_month,
           birth_month, last_ideation, satisfied, trust, lives_alone,
           settler_ties, sk_ties, mentor_left, death_unclaimed, suicide,
           confirmed_rate, regain_rate, annual_at_birth, gompertz_b,
           suicide_rate, unclaimed_isolated, unclaimed_connected,
           emigration_rate, return_rate, dissatisfied_multiplier,
           lose_rate, distrust_multiplier):
    # people abroad confirmed; missing people found (before deaths: the found can die this month)
    ctr = np.zeros(1, dtype=np.uint64)  # each draw is its own (settler, slot): see sim.kernel_random
    oldest = np.iinfo(np.int32).max
    for i in range(status.size):
        if status[i] == ABROAD and uniform_at(ctr, key, i, SLOT_CONFIRMED) < confirmed_rate:
            status[i] = LEFT
        elif status[i] == UNKNOWN and uniform_at(ctr, key, i, SLOT_FOUND) < regain_rate:
            status[i] = IN_SK
        if status[i] == IN_SK or status[i] == UNKNOWN:
            oldest = min(oldest, birth_month[i])

    # mortality rises with age, so the oldest settler's rate bounds everyone's: a uniform above that bound
    # is no death, and the settler's own rate (a power and an exponential) is computed only below it.
    # Moves of the living past Hanawon: one uniform u decides between emigrating, returning North and
    # losing contact, and only u below the largest possible total needs the settler's own rates.
    death_max = _monthly_death(t, oldest, annual_at_birth, gompertz_b)
    dissatisfied_x = max(1.0, dissatisfied_multiplier)
    move_max = (emigration_rate + return_rate) * dissatisfied_x + lose_rate * max(1.0, distrust_multiplier)
    for i in range(status.size):
        st = status[i]
        if st != IN_SK and st != UNKNOWN:
            continue
        u = uniform_at(ctr, key, i, SLOT_DEATH)
        natural = u < death_max and u < _monthly_death(t, birth_month[i], annual_at_birth, gompertz_b)
        by_suicide = last_ideation[i] == t and uniform_at(ctr, key, i, SLOT_SUICIDE) < suicide_rate
        if natural or by_suicide:
            ties = support_tie_count(i, settler_ties, sk_ties, mentor_left, lives_alone)
            isolated = (ties <= ISOLATED_TIES and lives_alone[i]) or st == UNKNOWN
            unclaimed = unclaimed_isolated if isolated else unclaimed_connected
            death_unclaimed[i] = uniform_at(ctr, key, i, SLOT_UNCLAIMED) < unclaimed
            suicide[i] = by_suicide
            _leave(i, DIED, t, status, exit_month, labour, job_type, wage, counselling_left)
            continue
        if st != IN_SK or labour[i] == HANAWON:
            continue
        u = uniform_at(ctr, key, i, SLOT_MOVE)
        if u < move_max:
            x = 1.0 if satisfied[i] else dissatisfied_multiplier
            p_emigrate = emigration_rate * x
            p_return = return_rate * x
            p_lose = lose_rate * (1 + (distrust_multiplier - 1) * (1 - trust[i]))
            if u < p_emigrate:
                _leave(i, ABROAD, t, status, exit_month, labour, job_type, wage, counselling_left)
            elif u < p_emigrate + p_return:
                _leave(i, RETURNED_NORTH, t, status, exit_month, labour, job_type, wage, counselling_left)
            elif u < p_emigrate + p_return + p_lose:
                status[i] = UNKNOWN


@kernel
def _leave(i, new_status, t, status, exit_month, labour, job_type, wage, counselling_left):
    status[i] = new_status
    exit_month[i] = t
    labour[i] = INACTIVE
    job_type[i] = NO_JOB
    wage[i] = 0.0
    counselling_left[i] = 0
