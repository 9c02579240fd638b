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
from sim.jit import kernel
from sim.kernel_random import at, below, counter, uniform, uniform_at

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
    ),
    reads=("status", "labour", "depression", "ptsd", "loneliness", "protection_until", "last_discrimination",
           "hana_registered"),
    writes=("trust", "last_contact", "counselling_left"),
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
# within the protection period; demand: rows asking for counselling this month (the first n_demand[0])
Month = collections.namedtuple("Month", ["t", "p_flagged", "p_unflagged", "demand", "n_demand"])


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """Courses count down; outreach contacts and trust; counselling demand against finite capacity."""
    t = clock.month
    n, n_protected, n_flagged, in_care = count_down_and_tally(run.view(s), p, t)
    if n == 0:
        return
    # outreach: a share ``outreach_targeting`` of the contacts goes to flagged settlers, keeping the total fixed
    flagged_share = n_flagged / max(n_protected, 1)
    boost = p.outreach_targeting / flagged_share if flagged_share > 0 else 0.0
    p_unflagged = min(1.0, p.outreach_contacts_per_month * (1 - p.outreach_targeting))
    p_flagged = min(1.0, p.outreach_contacts_per_month * ((1 - p.outreach_targeting) + boost))
    m = Month(t, p_flagged, p_unflagged, np.empty(n, dtype=np.int64), np.zeros(1, dtype=np.int64))
    key = run.each(settler_month, s, p, m)
    # counselling demand against capacity: when demand exceeds the free slots, a random subset starts
    slots = p.counselling_slots_per_1000 * n / PER_1000 - in_care
    _allocate(key, s.n, slots, m.demand, int(m.n_demand[0]), s.counselling_left, p.counselling_course_months)


@kernel
def count_down_and_tally(s, p, t):
    """Every running course counts down; counts of the settled, the protected, the flagged among them, those in care."""
    n = in_care = 0
    n_protected = n_flagged = 0.0  # weighted by the reach of check-ins (1 within the protection period)
    for i in range(s.status.size):
        if s.counselling_left[i] > 0:
            s.counselling_left[i] -= 1
        if s.status[i] != IN_SK or s.labour[i] == HANAWON:
            continue
        n += 1
        in_care += s.counselling_left[i] > 0
        reach = 1.0 if s.protection_until[i] > t else p.hana_center_after_protection
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
    """Outreach contact and trust of settler ``i``; whether they join this month's counselling demand."""
    if s.status[i] != IN_SK or s.labour[i] == HANAWON:
        return
    need = in_need(s.depression[i], s.ptsd[i], p.depression_threshold, p.ptsd_threshold)
    # check-ins reach settlers within their protection period (police officer and Hana Center)
    contacted = False
    # after it, only where Hana Center case management continues (the mainstream-welfare lever)
    reach = 1.0 if s.protection_until[i] > m.t else p.hana_center_after_protection
    if reach > 0:
        at_risk = flagged(need, s.loneliness[i], s.labour[i], p.outreach_loneliness_flag)
        contacted = uniform_at(ctr, key, i, Slot.CONTACT) < reach * (m.p_flagged if at_risk else m.p_unflagged)
    monitoring = contacted and uniform_at(ctr, key, i, Slot.MONITORING) < p.outreach_surveillance_share
    supportive = contacted and not monitoring
    trust = s.trust[i] + p.trust_gain_support * (1 - np.float64(s.trust[i])) * supportive
    trust *= 1 - p.trust_loss_surveillance * monitoring
    trust *= 1 - p.trust_loss_discrimination * (s.last_discrimination[i] == m.t)
    s.trust[i] = trust
    if contacted:
        s.last_contact[i] = m.t

    if need and s.counselling_left[i] == 0:
        help_seeking = p.help_seeking_base * (s.trust[i] / p.trust_initial) * (1 - np.float64(s.loneliness[i]))
        asks = s.hana_registered[i] and uniform_at(ctr, key, i, Slot.HELP) < help_seeking
        if asks or (supportive and uniform_at(ctr, key, i, Slot.REFERRAL) < p.referral_on_contact):
            m.demand[m.n_demand[0]] = i
            m.n_demand[0] += 1



@kernel
def _allocate(key, n_rows, slots, demand, n_demand, counselling_left, course_months):
    """Free slots rounded stochastically (unbiased for small samples); a uniformly random subset of the demand starts."""
    ctr = counter()
    at(ctr, key, n_rows, Slot.CAPACITY)  # draws of the month's allocation: a row past the last settler
    free = int(np.floor(slots + uniform(ctr))) if slots > 0 else 0
    if n_demand > free:
        for k in range(free):  # partial Fisher-Yates shuffle: the first ``free`` are a uniform random subset
            j = k + below(ctr, n_demand - k)
            demand[k], demand[j] = demand[j], demand[k]
        n_demand = free
    for k in range(n_demand):
        counselling_left[demand[k]] = course_months
