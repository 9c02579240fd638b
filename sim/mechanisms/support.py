"""Support and outreach: caseworker contact, trust, counselling against finite capacity.

Assumptions and sources:

* Caseworker / protection-officer contacts reach settled settlers within their protection
  period (``protection_period_years`` after Hanawon; policy_history.csv: 5 years) at
  ``outreach_contacts_per_year``, and after it at ``hana_center_after_protection`` of that rate (0 today:
  the move into mainstream welfare ends them); a share ``outreach_targeting`` of the contacts goes to
  settlers flagged at risk (depressed, lonely or unemployed), keeping the total fixed.
* A contact felt as monitoring (``outreach_surveillance_share``) lowers trust; a supportive
  one raises it and refers a settler in need to counselling with ``referral_on_contact``
  (brief: outreach that feels like surveillance lowers trust; people who stop answering are
  the ones at risk). Discrimination also lowers trust.
* Need = major depression or probable PTSD. Settlers in need ask for counselling with
  ``help_seeking_base`` x trust / ``trust_initial`` x (1 - loneliness) (isolation lowers
  help-seeking); only Hana Center registrants ask (counselling only on request, brief).
* Capacity is finite: ``counselling_slots_per_1000`` concurrent clients per 1,000 settlers
  in South Korea; when demand exceeds free slots, a random subset starts (coverage matters).
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import HANAWON, IN_SK, MONTHS_PER_YEAR, NEVER, UNEMPLOYED
from sim.declare import Column, Mechanism, Slots, behaviour, derived, policy, rule
from sim.engine import rows_where
from sim.jit import kernel
from sim.kernel_random import at, below, counter, uniform, uniform_of

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State


class Slot(Slots):
    """Draw slots (sim.kernel_random)."""

    CONTACT = 0
    MONITORING = 1
    HELP = 2
    REFERRAL = 3
    CAPACITY = 4


PER_1000 = 1000  # counselling capacity is stated per 1,000 settlers (a unit)
SERVICES = "services"


@derived
def outreach_contacts_per_month(p: Any) -> float:
    """expected caseworker contacts per settler in a month"""
    return p.outreach_contacts_per_year / MONTHS_PER_YEAR


DECLARATION = Mechanism(
    name="support",
    owns=(
        Column("last_contact", np.int32, NEVER, "month index of last caseworker contact"),
        Column("counselling_left", np.int16, 0, "months of counselling left"),
        Column("trust", np.float32, 0.5, "trust in officials, 0-1"),
        Column("counselling_demand", np.bool_, False, "bool: asks for counselling (or is referred) this month (scratch)"),
    ),
    reads=("status", "labour", "depression", "ptsd", "loneliness", "protection_until", "last_discrimination",
           "hana_registered"),
    writes=("trust", "last_contact", "counselling_left", "counselling_demand"),
    params=(
        policy("counselling_slots_per_1000", 8, "concurrent clients per 1000 settlers", 0, 200,
               "policy_history.csv 2020: about 6 Hana Center staff per 1000+ settlers, counselling on request",
               effect="counselling capacity: concurrent clients per 1,000 settlers in the country", group=SERVICES),
        policy("counselling_course_months", 3, "months", 1, 12,
               "interventions.csv: psychosocial programmes of a few months (Turrini 2019; Bryant 2022)", integer=True,
               effect="length of a counselling course; its total effect is fixed (SMD), spread over it",
               group=SERVICES),
        policy("hana_center_after_protection", 0.0, "share of check-ins continued", 0, 1,
               "assumption: today Hana Center case management and police check-ins end with the protection period "
               "(policy_history.csv: 5 years)",
               effect="check-ins continue after the protection period at this share of the rate within it "
                      "(Hana Center support kept in the move to mainstream welfare)", group="services"),
        policy("outreach_contacts_per_year", 2, "contacts per settler per year", 0, 24,
               "policy_history.csv 2023: crisis monitoring by check-ins; frequency an assumption",
               effect="caseworker / protection-officer contacts per settler", group=SERVICES),
        policy("outreach_surveillance_share", 0.5, "share of contacts felt as monitoring", 0, 1,
               "brief (Isolation): some avoid check-ins because they feel watched; share an assumption",
               effect="share of contacts felt as monitoring: trust falls instead of rising, no referral",
               group=SERVICES),
        policy("outreach_targeting", 0.3, "share of contacts aimed at flagged settlers", 0, 1,
               "assumption: crisis monitoring flags some settlers (policy_history.csv 2023)",
               effect="share of contacts aimed at flagged settlers (in need, lonely or unemployed)", group=SERVICES),
        policy("outreach_loneliness_flag", 0.6, "loneliness score", 0, 1,
               "assumption: crisis monitoring flags settlers above this loneliness",
               effect="loneliness above which a settler is flagged for outreach", group=SERVICES),
        behaviour("help_seeking_base", 0.15, "probability per month when in need", 0, 1,
                  "brief: counselling only on request, little treatment", rate="probability"),
        behaviour("referral_on_contact", 0.3, "probability a supportive contact refers a settler in need", 0, 1,
                  "assumption: caseworker crisis outreach"),
        behaviour("trust_initial", 0.5, "score (0-1)", 0.01, 1,
                  "assumption (help-seeking scales with trust / trust_initial)"),
        behaviour("trust_gain_support", 0.08, "per supportive contact", 0, 1, "assumption"),
        behaviour("trust_loss_surveillance", 0.10, "per monitoring contact", 0, 1,
                  "brief: outreach that feels like surveillance lowers trust"),
        behaviour("trust_loss_discrimination", 0.05, "per discrimination event", 0, 1, "assumption"),
    ),
    uses=("depression_threshold", "ptsd_threshold"),
    derived=(outreach_contacts_per_month,),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

# t: model month; p_flagged / p_unflagged: probability of a contact this month for a flagged / unflagged settler
# within the protection period
Month = collections.namedtuple("Month", ["t", "p_flagged", "p_unflagged"])


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """Courses count down; outreach contacts and trust; counselling demand against finite capacity."""
    t = clock.month
    n, n_protected, n_flagged, in_care = count_down_and_tally(run.view(s), p, t, s.active_rows)
    if n == 0:
        return
    # outreach: a share ``outreach_targeting`` of the contacts goes to flagged settlers, keeping the total fixed
    flagged_share = n_flagged / max(n_protected, 1)
    boost = p.outreach_targeting / flagged_share if flagged_share > 0 else 0.0
    p_unflagged = min(1.0, p.outreach_contacts_per_month * (1 - p.outreach_targeting))
    p_flagged = min(1.0, p.outreach_contacts_per_month * ((1 - p.outreach_targeting) + boost))
    key = run.each(settler_month, s, p, Month(t, p_flagged, p_unflagged))
    # counselling demand against capacity: when demand exceeds the free slots, a random subset starts
    slots = p.counselling_slots_per_1000 * n / PER_1000 - in_care
    _allocate(key, slots, s.counselling_demand[:s.active_rows], s.counselling_left, p.counselling_course_months)


@kernel
def count_down_and_tally(s, p, t, rows):
    """Every running course counts down; counts of the settled, the protected, the flagged among them, those in care
    (rows ``0 .. rows - 1``: ``State.active_rows``).

    The loop over rows is written without branches and sums counts only, so that it runs on vector instructions.
    The protected and the flagged are weighted by the reach of check-ins (1 within the protection period,
    ``hana_center_after_protection`` after it): with a weight of 0 or 1 the weighted sums follow exactly from the
    counts; with another weight they are summed again in row order (floating-point sums in another order could
    round differently).
    """
    n = in_care = n_within = n_after = flagged_within = flagged_after = 0
    for i in range(rows):
        left = s.counselling_left[i]
        left = left - (left > 0)
        s.counselling_left[i] = left
        here = (s.status[i] == IN_SK) & (s.labour[i] != HANAWON)
        n += here
        in_care += here & (left > 0)
        need = in_need(s.depression[i], s.ptsd[i], p.depression_threshold, p.ptsd_threshold)
        at_risk = flagged(need, s.loneliness[i], s.labour[i], p.outreach_loneliness_flag)
        within = here & (s.protection_until[i] > t)
        after = here & (s.protection_until[i] <= t)
        n_within += within
        n_after += after
        flagged_within += within & at_risk
        flagged_after += after & at_risk
    after_reach = p.hana_center_after_protection
    if after_reach == 0.0 or after_reach == 1.0:
        return n, n_within + n_after * after_reach, flagged_within + flagged_after * after_reach, in_care
    n_protected = n_flagged = 0.0
    for i in range(rows):
        if s.status[i] != IN_SK or s.labour[i] == HANAWON:
            continue
        reach = 1.0 if s.protection_until[i] > t else after_reach
        if reach > 0:
            n_protected += reach
            need = in_need(s.depression[i], s.ptsd[i], p.depression_threshold, p.ptsd_threshold)
            n_flagged += reach * flagged(need, s.loneliness[i], s.labour[i], p.outreach_loneliness_flag)
    return n, n_protected, n_flagged, in_care


@rule
def in_need(depression, ptsd, depression_threshold, ptsd_threshold):
    """Major depression or probable PTSD."""
    return (depression > depression_threshold) | (ptsd > ptsd_threshold)


@rule
def flagged(need, loneliness, labour, outreach_loneliness_flag):
    """Flagged at risk by crisis monitoring: in need, lonely or unemployed."""
    return need | (loneliness > outreach_loneliness_flag) | (labour == UNEMPLOYED)


@rule
def settler_month(i, key, s, p, m, ctr):
    """Outreach contact and trust of settler ``i``; whether they ask for counselling this month.

    Without branches, so that the compiled loop runs on vector instructions: every row draws and computes, and a
    settler not settled in South Korea keeps its values (``new if here else old``). The demand is marked in
    ``counselling_demand`` and listed by ``_allocate`` (an append cannot run on vector instructions).
    """
    here = (s.status[i] == IN_SK) & (s.labour[i] != HANAWON)
    need = in_need(s.depression[i], s.ptsd[i], p.depression_threshold, p.ptsd_threshold)
    # check-ins reach settlers within their protection period (police officer and Hana Center)
    # after it, only where Hana Center case management continues (the mainstream-welfare lever)
    reach = 1.0 if s.protection_until[i] > m.t else p.hana_center_after_protection
    at_risk = flagged(need, s.loneliness[i], s.labour[i], p.outreach_loneliness_flag)
    contacted = here & (reach > 0) & (uniform_of(key, i, Slot.CONTACT)
                                      < reach * (m.p_flagged if at_risk else m.p_unflagged))
    monitoring = contacted & (uniform_of(key, i, Slot.MONITORING) < p.outreach_surveillance_share)
    supportive = contacted & (not monitoring)
    trust = s.trust[i] + p.trust_gain_support * (1 - np.float64(s.trust[i])) * supportive
    trust *= 1 - p.trust_loss_surveillance * monitoring
    trust *= 1 - p.trust_loss_discrimination * (s.last_discrimination[i] == m.t)
    trust = np.float32(trust) if here else s.trust[i]  # the stored (float32) value from here on
    s.trust[i] = trust
    s.last_contact[i] = m.t if contacted else s.last_contact[i]

    help_seeking = p.help_seeking_base * (trust / p.trust_initial) * (1 - np.float64(s.loneliness[i]))
    asks = s.hana_registered[i] & (uniform_of(key, i, Slot.HELP) < help_seeking)
    referred = supportive & (uniform_of(key, i, Slot.REFERRAL) < p.referral_on_contact)
    s.counselling_demand[i] = here & need & (s.counselling_left[i] == 0) & (asks | referred)


# the row id of the allocation's draws: past any state's rows, and the same however many rows a run has (a state
# that grows keeps its draws, so scenarios stay paired)
ALLOCATION_ROW = 2**31 - 1


@kernel
def _allocate(key, slots, asking, counselling_left, course_months):
    """Free slots rounded stochastically (unbiased for small samples); a uniformly random subset of the demand
    (the rows ``asking``, in row order) starts."""
    demand = rows_where(asking, asking.size)  # a new array: its rows are swapped below
    n_demand = demand.size
    ctr = counter()
    at(ctr, key, ALLOCATION_ROW, Slot.CAPACITY)  # the month's allocation draws: a row id no settler has
    free = int(np.floor(slots + uniform(ctr))) if slots > 0 else 0
    if n_demand > free:
        for k in range(free):  # partial Fisher-Yates shuffle: the first ``free`` are a uniform random subset
            j = k + below(ctr, n_demand - k)
            demand[k], demand[j] = demand[j], demand[k]
        n_demand = free
    for k in range(n_demand):
        counselling_left[demand[k]] = course_months
