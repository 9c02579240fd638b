"""Arrival, Hanawon and settlement.

Assumptions and sources:

* Settlers arrive in their arrival month and spend ``hanawon_weeks`` (12, policy_history.csv)
  in Hanawon, housed and fed: no income, costs or job search there.
* The settlement package is fixed **at arrival** by the policy then in force (so a schedule
  "cash grant 10M for arrivals from month 24" changes it for later arrivals only): cash grant
  (``cash_grant_upfront_share`` at Hanawon exit, the rest in equal monthly instalments),
  housing subsidy, employment incentives, matched savings, protection period, medical cover,
  training offer, mentor, dialect course.
* Housing: the subsidy pays the deposit of a public rental flat; rent falls from private to
  public levels in proportion to the subsidy up to the 2018 level (16M, policy_history.csv).
* Hanawon classmates become ties (``hanawon_peer_ties`` per settler on average).
"""

from __future__ import annotations

import numpy as np

from sim import inputs
from sim.clock import Clock
from sim.params import MILLION_KRW, MONTHS_PER_YEAR, Parameters
from sim.state import HANAWON, IN_SK, INACTIVE, PENDING, PRIVATE_RENTAL, PUBLIC_RENTAL, State

WEEKS_PER_MONTH = 52 / 12
FULL_HOUSING_SUBSIDY_MILLION_KRW = 16.0  # the 2018 one-person subsidy, which covers a public flat's deposit
PUBLIC_RENTAL_MIN_SUBSIDY_SHARE = 0.5  # assumption: a subsidy of at least half the 2018 level secures a public flat


def hanawon_months(p: Parameters) -> int:
    return max(1, round(p.hanawon_weeks / WEEKS_PER_MONTH))


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    arriving = np.flatnonzero((s.status == PENDING) & (s.arrival_month <= t))
    if arriving.size:
        admit(s, p, rng, t, arriving)
    leaving = np.flatnonzero((s.status == IN_SK) & (s.labour == HANAWON)
                             & (t - s.arrival_month >= hanawon_months(p)))
    if leaving.size:
        settle(s, p, rng, t, leaving)


def admit(s: State, p: Parameters, rng: np.random.Generator, t: int, idx: np.ndarray) -> None:
    """Rows ``idx`` arrive at month ``t``: entitlements fixed, Hanawon starts, classmates meet."""
    n = idx.size
    s.status[idx] = IN_SK
    s.labour[idx] = HANAWON
    hw = hanawon_months(p)
    exit_month = t + hw
    grant = p.cash_grant_million_krw * MILLION_KRW
    s.grant_left[idx] = grant
    s.grant_instalment[idx] = grant * (1 - p.cash_grant_upfront_share) / p.cash_grant_instalment_months
    s.incentive_per_month[idx] = p.employment_incentive_million_krw_per_year * MILLION_KRW / MONTHS_PER_YEAR
    s.incentive_until[idx] = exit_month + int(p.employment_incentive_years) * MONTHS_PER_YEAR
    s.incentive_min_tenure[idx] = int(p.employment_incentive_min_tenure_months)
    s.savings_match_max[idx] = p.matched_savings_max_million_krw_per_month * MILLION_KRW
    s.savings_until[idx] = exit_month + int(p.matched_savings_years) * MONTHS_PER_YEAR
    s.protection_until[idx] = exit_month + round(p.protection_period_years * MONTHS_PER_YEAR)
    s.medical_until[idx] = exit_month + int(p.medical_cover_months)
    s.stipend[idx] = p.training_stipend_million_krw_per_month * MILLION_KRW
    s.training_offered[idx] = rng.random(n) < p.vocational_training_coverage
    s.mentor_left[idx] = np.where(rng.random(n) < p.mentorship_coverage, int(p.mentorship_months) + hw, 0)
    course = rng.random(n) < p.dialect_course_coverage
    s.dialect[idx] = np.where(course, np.minimum(1.0, s.dialect[idx] + p.dialect_course_gain), s.dialect[idx])
    subsidy_share = min(1.0, p.housing_subsidy_million_krw / FULL_HOUSING_SUBSIDY_MILLION_KRW)
    s.housing[idx] = PUBLIC_RENTAL if subsidy_share >= PUBLIC_RENTAL_MIN_SUBSIDY_SHARE else PRIVATE_RENTAL
    s.rent[idx] = p.rent_private_10k_krw - (p.rent_private_10k_krw - p.rent_public_10k_krw) * subsidy_share
    s.depression[idx] = np.clip(rng.normal(p.depression_base, p.symptom_sd, n), 0, 1)
    trauma_mean = inputs.arrival_profile()["trauma"]["mean"]
    s.ptsd[idx] = np.clip(rng.normal(p.ptsd_initial_mean * s.trauma[idx] / trauma_mean, p.symptom_sd), 0, 1)
    s.depression_ever[idx] = (s.depression[idx] > p.depression_threshold) | (rng.random(n) < p.depression_lifetime_at_arrival)
    s.ptsd_ever[idx] = (s.ptsd[idx] > p.ptsd_threshold) | (rng.random(n) < p.ptsd_lifetime_at_arrival)
    _classmate_ties(s, p, rng, idx)


def _classmate_ties(s: State, p: Parameters, rng: np.random.Generator, idx: np.ndarray) -> None:
    if idx.size < 2:
        return
    # each classmate starts ties with mean hanawon_peer_ties / 2, so each ends with about hanawon_peer_ties
    k = rng.poisson(p.hanawon_peer_ties / 2, idx.size)
    a = np.repeat(idx, k)
    b = idx[rng.integers(0, idx.size, a.size)]
    s.add_ties(a, b)


def settle(s: State, p: Parameters, rng: np.random.Generator, t: int, idx: np.ndarray) -> None:
    """Rows ``idx`` leave Hanawon: upfront grant paid, Hana Center registration."""
    s.labour[idx] = INACTIVE
    upfront = s.grant_left[idx] * p.cash_grant_upfront_share
    s.cash[idx] += upfront
    s.grant_left[idx] -= upfront
    s.hana_registered[idx] = rng.random(idx.size) < p.hana_registration
