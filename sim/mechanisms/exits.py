"""Exits: leaving the country, returning North, losing contact, death and unclaimed deaths.

Assumptions and sources:

* Emigration (mostly to the UK, US and Canada, unregistered: brief) at ``emigration_rate``,
  ``emigration_dissatisfied_multiplier`` times higher for dissatisfied settlers; people
  abroad count as "residence unconfirmed" until confirmed (``abroad_confirmed_rate``).
* Return to the North at ``return_north_rate`` (31 confirmed since 2012), higher when
  dissatisfied (23% have wanted to return, mostly to see family; NKDB 2019). Worry about family in
  the North (``family_worry``, family mechanism) multiplies the return hazard by
  1 + (``return_worry_multiplier`` - 1) x worry and the emigration hazard likewise with
  ``emigration_worry_multiplier``.
* Losing contact ("whereabouts unknown", 59-70 at any time) at ``lose_contact_rate``, up to
  ``lose_contact_distrust_multiplier`` times higher at zero trust; found again at
  ``regain_contact_rate``.
* Death: a Gompertz approximation of Korean mortality scaled by ``mortality_scale``, plus
  suicide for settlers with a suicidal impulse this month (suicide is about 11% of settlers'
  deaths). A death goes unclaimed with ``unclaimed_isolated`` when the settler lived alone
  with no one to ask (or was missing), else ``unclaimed_connected``.
"""

from __future__ import annotations

import collections
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import ABROAD, DIED, HANAWON, IN_SK, INACTIVE, LEFT, MINOR_AGE, NEVER, NO_JOB, RETURNED_NORTH, UNKNOWN
from sim.declare import Column, Mechanism, Slots, behaviour, derived, rule
from sim.kernel_random import uniform_at, uniform_of
from sim.mechanisms.ties import support_tie_count

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State


class Slot(Slots):
    """Draw slots (sim.kernel_random): each kind of draw has its own random numbers per settler."""

    CONFIRMED = 0
    FOUND = 1
    DEATH = 2
    SUICIDE = 3
    UNCLAIMED = 4
    MOVE = 5


@derived
def annual_death_at_birth(p: Any) -> float:
    """annual probability of death at age 0: mortality_scale x gompertz_a"""
    return p.mortality_scale * p.gompertz_a


@derived
def move_bound(p: Any) -> float:
    """largest monthly probability of emigrating, returning North or losing contact (any satisfaction, worry, trust)"""
    dissatisfied = max(1.0, p.emigration_dissatisfied_multiplier)
    return ((p.emigration_rate * max(1.0, p.emigration_worry_multiplier)
             + p.return_north_rate * max(1.0, p.return_worry_multiplier)) * dissatisfied
            + p.lose_contact_rate * max(1.0, p.lose_contact_distrust_multiplier))


DECLARATION = Mechanism(
    name="exits",
    owns=(
        Column("exit_month", np.int32, NEVER, "month index of leaving the population"),
        Column("death_unclaimed", np.bool_, False, "bool"),
        Column("suicide", np.bool_, False, "bool: died by suicide"),
        Column("exit_deferred", np.bool_, False,
               "bool: may die or move this month, decided one by one by deferred_month (scratch)"),
    ),
    reads=("status", "labour", "birth_month", "last_ideation", "satisfied", "trust", "lives_alone", "settler_ties",
           "sk_ties", "mentor_left", "family_worry"),
    writes=("status", "labour", "job_type", "wage", "counselling_left", "exit_month", "death_unclaimed", "suicide",
            "exit_deferred"),
    params=(
        behaviour("emigration_rate", 0.0006, "per month", 0, 0.02,
                  "calibrated: 462-869 residence unconfirmed, most abroad (survey_current.csv)", rate="probability",
                  fit=(0.00005, 0.003, True)),
        behaviour("emigration_dissatisfied_multiplier", 3.0, "x when dissatisfied", 1, 10, "assumption"),
        behaviour("abroad_confirmed_rate", 0.01, "per month", 0, 0.2,
                  "assumption: people abroad are confirmed and leave the register", rate="probability",
                  fit=(0.002, 0.1, True)),
        behaviour("return_north_rate", 0.000008, "per month", 0, 0.001,
                  "survey_current.csv: 31 returns 2012-2025 among about 30,000", rate="probability",
                  fit=(0.000001, 0.0001, True)),
        behaviour("lose_contact_rate", 0.00005, "per month", 0, 0.01,
                  "calibrated: 59-70 whereabouts unknown (survey_current.csv)", rate="probability",
                  fit=(0.00001, 0.0005, True)),
        behaviour("lose_contact_distrust_multiplier", 5.0, "x at zero trust", 1, 50,
                  "brief: people who stop answering are the ones at risk"),
        behaviour("regain_contact_rate", 0.05, "per month", 0, 1, "assumption: most missing settlers are found",
                  rate="probability"),
        behaviour("mortality_scale", 1.0, "x Korean life table", 0.2, 5,
                  "assumption: Gompertz approximation of Korean mortality"),
        behaviour("gompertz_a", 0.00003, "annual death prob at age 0", 0, 0.01, "Korean life table approx."),
        behaviour("gompertz_b", 0.085, "per year of age", 0, 0.2, "Korean life table approx."),
        behaviour("suicide_rate_ideation", 0.0004, "per month with current ideation", 0, 0.01,
                  "brief: suicide is about 11% of settlers' deaths", rate="probability"),
        behaviour("isolated_max_ties", 1, "support ties", 0, 10,
                  "assumption: a settler living alone with at most this many people to ask (a household member "
                  "counts) is isolated", integer=True),
        behaviour("unclaimed_isolated", 0.5, "probability a death goes unclaimed when isolated", 0, 1,
                  "calibrated: 14-21 unclaimed deaths a year (survey_current.csv)", fit=(0.05, 1.0, True)),
        behaviour("unclaimed_connected", 0.02, "probability when connected", 0, 1, "assumption"),
    ),
    uses=("return_worry_multiplier", "emigration_worry_multiplier"),
    derived=(annual_death_at_birth, move_bound),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

# t: model month; death_bound: the monthly death probability of the oldest settler of the run, which bounds everyone's
Month = collections.namedtuple("Month", ["t", "death_bound"])


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """Confirmations and finds, then deaths and moves of the living: two passes, the first (without branches) over
    every settler, the second over the missing and the few whose draws leave a death or a move possible."""
    # mortality rises with age, so the oldest settler's rate bounds everyone's: a uniform above that bound is no
    # death, and the settler's own rate (a power and an exponential) is computed only below it
    oldest = int(s.birth_month[:s.active_rows].min()) if s.active_rows else 0  # the free rows hold nobody
    bound = monthly_death(clock.month, oldest, p.annual_death_at_birth, p.gompertz_b)
    m = Month(clock.month, bound)
    key = run.each(settler_month, s, p, m)
    run.each(deferred_month, s, p, m, key=key, where="exit_deferred")


@rule
def monthly_death(t, birth_month, annual_death_at_birth, gompertz_b):
    """Monthly probability of death (Gompertz annual hazard, capped at 1, spread over 12 months)."""
    annual = min(1.0, annual_death_at_birth * math.exp(gompertz_b * (t - birth_month) / 12))
    return 1 - (1 - annual) ** (1 / 12)


@rule
def settler_month(i, key, s, p, m, ctr):
    """Settler ``i``: confirmed abroad; whether the settler may be found, die or move this month (``deferred_month``).

    Without branches, so that the compiled loop runs on vector instructions: every row draws and computes. Most
    settlers in South Korea neither die nor move in a month, and the draws show it: a death draw at or above the
    bound ``m.death_bound`` (the exact test needs a power and an exponential), no suicidal impulse this month and a
    move draw at or above ``move_bound``. The others, and the missing (few), are left to ``deferred_month``.
    """
    status = s.status[i]
    abroad = status == ABROAD
    u = uniform_of(key, i, Slot.CONFIRMED if abroad else Slot.DEATH)  # only the living draw for death
    s.status[i] = LEFT if abroad & (u < p.abroad_confirmed_rate) else status
    # children under 18 move with their household (sim.mechanisms.households)
    mover = (status == IN_SK) & (s.labour[i] != HANAWON) & (m.t - s.birth_month[i] >= 12 * MINOR_AGE)
    may_exit = (u < m.death_bound) | (s.last_ideation[i] == m.t) | (mover & (uniform_of(key, i, Slot.MOVE) < p.move_bound))
    s.exit_deferred[i] = (status == UNKNOWN) | ((status == IN_SK) & may_exit)


@rule
def deferred_month(i, key, s, p, m, ctr):
    """A settler left by ``settler_month``: found if missing; then death (natural or by suicide, and whether
    unclaimed), else a move.

    Drawn through the counter, whose store keeps this loop off vector instructions (vectorized, it would compute
    the power and the exponential for every row)."""
    if not s.exit_deferred[i]:
        return
    if s.status[i] == UNKNOWN and uniform_at(ctr, key, i, Slot.FOUND) < p.regain_contact_rate:
        s.status[i] = IN_SK  # found before deaths: the found can die this month
    status = s.status[i]
    t = m.t
    u = uniform_at(ctr, key, i, Slot.DEATH)
    natural = u < m.death_bound and u < monthly_death(t, s.birth_month[i], p.annual_death_at_birth, p.gompertz_b)
    by_suicide = s.last_ideation[i] == t and uniform_at(ctr, key, i, Slot.SUICIDE) < p.suicide_rate_ideation
    if natural or by_suicide:
        ties = support_tie_count(s.settler_ties[i], s.sk_ties[i], s.mentor_left[i], s.lives_alone[i])
        isolated = (ties <= p.isolated_max_ties and s.lives_alone[i]) or status == UNKNOWN
        unclaimed = p.unclaimed_isolated if isolated else p.unclaimed_connected
        s.death_unclaimed[i] = uniform_at(ctr, key, i, Slot.UNCLAIMED) < unclaimed
        s.suicide[i] = by_suicide
        leave(i, DIED, t, s.status, s.exit_month, s.labour, s.job_type, s.wage, s.counselling_left)
        return
    if status != IN_SK or s.labour[i] == HANAWON or t - s.birth_month[i] < 12 * MINOR_AGE:
        return  # children under 18 move with their household (sim.mechanisms.households)
    # one uniform decides between emigrating, returning North and losing contact; only u below the largest
    # possible total needs the settler's own rates
    u = uniform_at(ctr, key, i, Slot.MOVE)
    if u < p.move_bound:
        x = 1.0 if s.satisfied[i] else p.emigration_dissatisfied_multiplier
        worry = np.float64(s.family_worry[i])  # worry about family in the North (family mechanism)
        p_emigrate = p.emigration_rate * x * (1 + (p.emigration_worry_multiplier - 1) * worry)
        p_return = p.return_north_rate * x * (1 + (p.return_worry_multiplier - 1) * worry)
        p_lose = p.lose_contact_rate * (1 + (p.lose_contact_distrust_multiplier - 1) * (1 - np.float64(s.trust[i])))
        if u < p_emigrate:
            leave(i, ABROAD, t, s.status, s.exit_month, s.labour, s.job_type, s.wage, s.counselling_left)
        elif u < p_emigrate + p_return:
            leave(i, RETURNED_NORTH, t, s.status, s.exit_month, s.labour, s.job_type, s.wage, s.counselling_left)
        elif u < p_emigrate + p_return + p_lose:
            s.status[i] = UNKNOWN


@rule
def leave(i, new_status, t, status, exit_month, labour, job_type, wage, counselling_left):
    """Settler ``i`` leaves the population at month ``t`` (loses job and counselling)."""
    status[i] = new_status
    exit_month[i] = t
    labour[i] = INACTIVE
    job_type[i] = NO_JOB
    wage[i] = 0.0
    counselling_left[i] = 0


