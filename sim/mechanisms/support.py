"""Support and outreach: caseworker contact, trust, counselling against finite capacity.

Assumptions and sources:

* Caseworker / protection-officer contacts reach settled settlers at
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
from sim.params import MONTHS_PER_YEAR, Parameters
from sim.state import HANAWON, IN_SK, UNEMPLOYED, State


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    present = s.status == IN_SK
    s.counselling_left[s.counselling_left > 0] -= 1
    idx = np.flatnonzero(present & (s.labour != HANAWON))
    if idx.size == 0:
        return
    n = idx.size
    in_need = (s.depression[idx] > p.depression_threshold) | (s.ptsd[idx] > p.ptsd_threshold)

    # outreach
    flagged = in_need | (s.loneliness[idx] > p.outreach_loneliness_flag) | (s.labour[idx] == UNEMPLOYED)
    base = p.outreach_contacts_per_year / MONTHS_PER_YEAR
    flagged_share = flagged.mean()
    weight = (1 - p.outreach_targeting) + (p.outreach_targeting * flagged / flagged_share if flagged_share > 0 else 0)
    contacted = rng.random(n) < np.minimum(1.0, base * weight)
    monitoring = contacted & (rng.random(n) < p.outreach_surveillance_share)
    supportive = contacted & ~monitoring
    trust = s.trust[idx]
    trust = np.where(supportive, trust + p.trust_gain_support * (1 - trust), trust)
    trust = np.where(monitoring, trust * (1 - p.trust_loss_surveillance), trust)
    discriminated = s.last_discrimination[idx] == t
    trust = np.where(discriminated, trust * (1 - p.trust_loss_discrimination), trust)
    s.trust[idx] = trust
    s.last_contact[idx[contacted]] = t

    # counselling demand against capacity
    free_of_care = s.counselling_left[idx] == 0
    asks = rng.random(n) < p.help_seeking_base * (trust / p.trust_initial) * (1 - s.loneliness[idx])
    referred = supportive & (rng.random(n) < p.referral_on_contact)
    demand = idx[in_need & free_of_care & ((asks & s.hana_registered[idx]) | referred)]
    slots = p.counselling_slots_per_1000 * n / 1000 - np.count_nonzero(s.counselling_left[idx] > 0)
    slots = int(np.floor(slots + rng.random())) if slots > 0 else 0  # stochastic rounding keeps small samples unbiased
    if demand.size > slots:
        demand = rng.choice(demand, size=slots, replace=False)
    s.counselling_left[demand] = int(p.counselling_course_months)
