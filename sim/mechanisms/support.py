"""Support and outreach: caseworker contact, trust, counselling against finite capacity.

Assumptions and sources:

* Caseworker / protection-officer contacts reach settled settlers within their protection
  period (``protection_period_years`` after Hanawon; policy_history.csv: 5 years) at
  ``outreach_contacts_per_year``; a share ``outreach_targeting`` of the contacts goes to
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

import numpy as np

from sim.clock import Clock
from sim.jit import kernel
from sim.kernel_random import at, below, seed, uniform, uniform_at
from sim.params import MONTHS_PER_YEAR, Parameters
from sim.state import HANAWON, IN_SK, UNEMPLOYED, State

# draw slots (sim.kernel_random): each kind of draw has its own random numbers per settler
SLOT_CONTACT = 0
SLOT_MONITORING = 1
SLOT_HELP = 2
SLOT_REFERRAL = 3
SLOT_CAPACITY = 4


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    _month(seed(rng), clock.month, s.status, s.labour, s.depression, s.ptsd, s.loneliness, s.protection_until,
           s.last_discrimination, s.hana_registered, s.trust, s.last_contact, s.counselling_left,
           p.depression_threshold, p.ptsd_threshold, p.outreach_loneliness_flag,
           p.outreach_contacts_per_year / MONTHS_PER_YEAR, p.outreach_targeting, p.outreach_surveillance_share,
           p.trust_gain_support, p.trust_loss_surveillance, p.trust_loss_discrimination,
           p.help_seeking_base, p.trust_initial, p.referral_on_contact,
           p.counselling_slots_per_1000, int(p.counselling_course_months))


@kernel
def _month(key, t, status, labour, depression, ptsd, loneliness, protection_until,
           last_discrimination, hana_registered, trust_col, last_contact, counselling_left,
           dep_threshold, ptsd_threshold, lonely_flag,
           base, targeting, surveillance_share,
           trust_gain, trust_loss_surveillance, trust_loss_discrimination,
           help_seeking, trust_initial, referral,
           slots_per_1000, course_months):
    """One month of outreach and counselling for the settled settlers (in South Korea, past Hanawon)."""
    # pass 1: courses count down (everyone); counts for the targeting weights and the free slots
    n = n_protected = n_flagged = in_care = 0
    for i in range(status.size):
        if counselling_left[i] > 0:
            counselling_left[i] -= 1
        if status[i] != IN_SK or labour[i] == HANAWON:
            continue
        n += 1
        in_care += counselling_left[i] > 0
        if protection_until[i] > t:
            n_protected += 1
            in_need = (depression[i] > dep_threshold) | (ptsd[i] > ptsd_threshold)
            n_flagged += in_need | (loneliness[i] > lonely_flag) | (labour[i] == UNEMPLOYED)
    if n == 0:
        return

    # outreach: a share ``targeting`` of the contacts goes to flagged settlers, keeping the total fixed
    flagged_share = n_flagged / max(n_protected, 1)
    boost = targeting / flagged_share if flagged_share > 0 else 0.0
    p_unflagged = min(1.0, base * (1 - targeting))
    p_flagged = min(1.0, base * ((1 - targeting) + boost))

    ctr = np.zeros(1, dtype=np.uint64)  # each draw is its own (settler, slot): see sim.kernel_random
    # pass 2: contacts and trust; counselling demand (help-seeking and referral drawn only where they can matter)
    demand = np.empty(n, dtype=np.int64)
    n_demand = 0
    for i in range(status.size):
        if status[i] != IN_SK or labour[i] == HANAWON:
            continue
        in_need = (depression[i] > dep_threshold) | (ptsd[i] > ptsd_threshold)
        # check-ins reach settlers within their protection period (police officer and Hana Center)
        contacted = False
        if protection_until[i] > t:
            flagged = in_need | (loneliness[i] > lonely_flag) | (labour[i] == UNEMPLOYED)
            contacted = uniform_at(ctr, key, i, SLOT_CONTACT) < (p_flagged if flagged else p_unflagged)
        monitoring = contacted and uniform_at(ctr, key, i, SLOT_MONITORING) < surveillance_share  # drawn for the contacted only
        supportive = contacted and not monitoring
        trust = trust_col[i] + trust_gain * (1 - trust_col[i]) * supportive
        trust *= 1 - trust_loss_surveillance * monitoring
        trust *= 1 - trust_loss_discrimination * (last_discrimination[i] == t)
        trust_col[i] = trust
        if contacted:
            last_contact[i] = t

        if in_need and counselling_left[i] == 0:
            asks = hana_registered[i] and (uniform_at(ctr, key, i, SLOT_HELP) < help_seeking * (trust_col[i] / trust_initial)
                                           * (1 - loneliness[i]))
            if asks or (supportive and uniform_at(ctr, key, i, SLOT_REFERRAL) < referral):
                demand[n_demand] = i
                n_demand += 1

    # counselling demand against capacity: when demand exceeds the free slots, a random subset starts
    slots = slots_per_1000 * n / 1000 - in_care
    at(ctr, key, status.size, SLOT_CAPACITY)  # draws of the month's allocation: a row past the last settler
    free = int(np.floor(slots + uniform(ctr))) if slots > 0 else 0  # stochastic rounding keeps small samples unbiased
    if n_demand > free:
        for k in range(free):  # partial Fisher-Yates shuffle: the first ``free`` are a uniform random subset
            j = k + below(ctr, n_demand - k)
            demand[k], demand[j] = demand[j], demand[k]
        n_demand = free
    for k in range(n_demand):
        counselling_left[demand[k]] = course_months
