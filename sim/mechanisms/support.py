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
from sim.params import MONTHS_PER_YEAR, Parameters
from sim.rows import Rows
from sim.state import HANAWON, IN_SK, UNEMPLOYED, State


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    present = s.status == IN_SK
    s.counselling_left -= s.counselling_left > 0
    rows = Rows(present & (s.labour != HANAWON))
    if rows.count == 0:
        return
    of, n = rows.of, rows.count  # values at the rows (never modified in place); settlers served
    in_need = (of(s.depression) > p.depression_threshold) | (of(s.ptsd) > p.ptsd_threshold)

    # outreach
    # check-ins reach settlers within their protection period (police officer and Hana Center)
    protected = of(s.protection_until) > t
    flagged = (in_need | (of(s.loneliness) > p.outreach_loneliness_flag) | (of(s.labour) == UNEMPLOYED)) & protected
    base = p.outreach_contacts_per_year / MONTHS_PER_YEAR
    n_protected = np.count_nonzero(protected & rows.mask if rows.dense else protected)
    flagged_share = np.count_nonzero(flagged & rows.mask if rows.dense else flagged) / max(n_protected, 1)
    weight = ((1 - p.outreach_targeting) + (p.outreach_targeting * flagged / flagged_share if flagged_share > 0 else 0)) \
        * protected
    contacted = rows.where(rng.random(rows.size) < np.minimum(1.0, base * weight))
    monitored = contacted[rng.random(contacted.size) < p.outreach_surveillance_share]  # drawn for the contacted only
    monitoring = np.zeros(rows.size, dtype=bool)
    monitoring[monitored] = True
    supportive = np.zeros(rows.size, dtype=bool)
    supportive[contacted] = True
    supportive &= ~monitoring
    # "x (1 + change x flag)": the same as "changed if flag else unchanged", without branches
    trust = of(s.trust) + p.trust_gain_support * (1 - of(s.trust)) * supportive
    trust *= 1 - p.trust_loss_surveillance * monitoring
    trust *= 1 - p.trust_loss_discrimination * (of(s.last_discrimination) == t)
    rows.put(s.trust, trust)
    s.last_contact[rows.index(contacted)] = t

    # counselling demand against capacity (help-seeking and referral drawn only where they can matter)
    counselling_left = of(s.counselling_left)
    could_start = rows.where(in_need & (counselling_left == 0))
    registered = could_start[of(s.hana_registered)[could_start]]
    asks = registered[rng.random(registered.size)
                      < p.help_seeking_base * (trust[registered] / p.trust_initial) * (1 - of(s.loneliness)[registered])]
    offered = could_start[supportive[could_start]]
    referred = offered[rng.random(offered.size) < p.referral_on_contact]
    demand = rows.index(np.union1d(asks, referred))
    in_care = counselling_left > 0
    slots = p.counselling_slots_per_1000 * n / 1000 - np.count_nonzero(in_care & rows.mask if rows.dense else in_care)
    slots = int(np.floor(slots + rng.random())) if slots > 0 else 0  # stochastic rounding keeps small samples unbiased
    if demand.size > slots:
        demand = rng.choice(demand, size=slots, replace=False)
    s.counselling_left[demand] = int(p.counselling_course_months)
