"""Arrival, Hanawon and settlement.

Assumptions and sources:

* Settlers arrive in their arrival month and spend ``hanawon_weeks`` (12, policy_history.csv)
  in Hanawon, housed and fed: no income, costs or job search there.
* The settlement package is fixed **at arrival** by the policy then in force (so a schedule
  "cash grant 10M for arrivals from month 24" changes it for later arrivals only): cash grant
  (``cash_grant_upfront_share`` at Hanawon exit, the rest in equal monthly instalments),
  housing subsidy, employment incentives, matched savings, protection period, medical cover,
  training offer, mentor, dialect course.
* Housing: the subsidy pays the deposit of a rental flat; rent falls from private to public
  levels in proportion to the subsidy, up to ``housing_subsidy_full_million_krw`` (the 2018
  one-person level, 16M, policy_history.csv).
* Hanawon classmates become ties (``hanawon_peer_ties`` per settler on average).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine, inputs
from sim.codes import HANAWON, IN_SK, INACTIVE, MILLION_KRW, MONTHS_PER_YEAR, NEVER, PENDING
from sim.declare import Column, Mechanism, behaviour, derived, policy
from sim.engine import rows_where
from sim.jit import kernel

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State

WEEKS_PER_MONTH = 52 / 12  # a unit conversion


@derived
def hanawon_months(p: Any) -> int:
    """Hanawon's length in whole months (at least one)"""
    return max(1, round(p.hanawon_weeks / WEEKS_PER_MONTH))


PACKAGE = "settlement package"
DECLARATION = Mechanism(
    name="arrival",
    owns=(
        Column("grant_left", np.float64, 0.0, "10k KRW of grant still to be paid"),
        Column("grant_instalment", np.float64, 0.0, "10k KRW per month"),
        Column("rent", np.float32, 0.0, "10k KRW per month"),
        Column("incentive_per_month", np.float32, 0.0, "10k KRW per month"),
        Column("incentive_until", np.int32, NEVER, "month index"),
        Column("incentive_min_tenure", np.int16, 0, "months"),
        Column("savings_match_max", np.float32, 0.0, "10k KRW per month"),
        Column("savings_until", np.int32, NEVER, "month index"),
        Column("protection_until", np.int32, NEVER, "month index"),
        Column("medical_until", np.int32, NEVER, "month index"),
        Column("stipend", np.float32, 0.0, "10k KRW per month while training"),
        Column("training_offered", np.bool_, False, "bool: offered a certificate course"),
        Column("training_search_help", np.bool_, False,
               "bool: the course offered includes work practice and job-search help"),
        Column("hana_registered", np.bool_, False, "bool: registered with a Hana Center"),
    ),
    reads=("status", "arrival_month", "labour", "trauma", "dialect", "defector", "household_head"),
    writes=("status", "labour", "grant_left", "grant_instalment", "incentive_per_month", "incentive_until",
            "incentive_min_tenure", "savings_match_max", "savings_until", "protection_until", "medical_until",
            "stipend", "training_offered", "training_search_help", "mentor_left", "dialect", "rent", "depression", "ptsd",
            "depression_ever", "ptsd_ever", "cash", "hana_registered"),
    ties=True,
    params=(
        policy("hanawon_weeks", 12, "weeks", 4, 26, "policy_history.csv 1999: mandatory 12-week course",
               integer=True, effect="length of the Hanawon course; no income, costs or job search while in it",
               group=PACKAGE),
        policy("cash_grant_million_krw", 10, "million KRW per person", 0, 60,
               "policy_history.csv 2024: basic settlement grant 10M (news repost 2024-08-27)",
               effect="basic settlement grant, fixed at arrival; cash buffer against money stress", group=PACKAGE),
        policy("cash_grant_upfront_share", 0.3, "fraction", 0, 1,
               "policy_history.csv 2007: 3M of 6M paid at once, rest in instalments",
               effect="share of the grant paid at Hanawon exit (the rest in monthly instalments)", group=PACKAGE),
        policy("cash_grant_instalment_months", 12, "months", 1, 60,
               "assumption: instalments spread over the first year after Hanawon", integer=True,
               effect="months over which the rest of the grant is paid", group=PACKAGE),
        policy("housing_subsidy_million_krw", 16, "million KRW per person", 0, 40,
               "policy_history.csv 2018: housing subsidy 16M (one person)",
               effect="lower rent: from the private to the public-rental level, in proportion up to the full subsidy",
               group=PACKAGE),
        policy("employment_incentive_million_krw_per_year", 6, "million KRW per year", 0, 20,
               "policy_history.csv 2022: 5-8M a year in years 1-3 after 6 months in one insured job",
               effect="paid while employed past the minimum tenure; also cuts job separation", group=PACKAGE),
        policy("employment_incentive_years", 3, "years", 0, 5, "policy_history.csv 2022: years 1-3", integer=True,
               effect="years after Hanawon during which the incentive is paid", group=PACKAGE),
        policy("employment_incentive_min_tenure_months", 6, "months", 1, 24,
               "policy_history.csv 2022: after 6 months in one insured job (2007: one year)", integer=True,
               effect="months in one job before the incentive starts", group=PACKAGE),
        policy("matched_savings_max_million_krw_per_month", 0.5, "million KRW per month", 0, 2,
               "policy_history.csv 2014: Future Happiness Account, 1:1 match up to 0.5M a month",
               effect="1:1 match of wages saved, paid out when the account ends", group=PACKAGE),
        policy("matched_savings_years", 4, "years", 0, 10, "policy_history.csv 2014: for up to 4 years", integer=True,
               effect="years the matched savings account runs after Hanawon", group=PACKAGE),
        policy("vocational_training_coverage", 0.2, "share of new settlers offered", 0, 1,
               "assumption: training offered to a minority; KRIVET G620080007-10 evaluates the programme",
               effect="share of arrivals offered a certificate course (credentials: regular jobs, wage premium)",
               group="programmes"),
        policy("training_stipend_million_krw_per_month", 0.0, "million KRW per month", 0, 3,
               "assumption: no stipend today beyond conditional incentives (brief: proposals add one)",
               effect="paid while training; lets people under money stress take the course", group="programmes"),
        policy("training_job_search_help", 0.0, "share of the courses offered", 0, 1,
               "assumption: settlers' certificate courses teach a trade, without work practice or job-search help "
               "(KRIVET 2008: no gain in employment)",
               effect="courses with work practice and job-search help: trainees leave them as job seekers, not back "
                      "in the state they left (Dahlberg 2024: +15 points of employment)", group="programmes"),
        policy("mentorship_coverage", 0.05, "share of new settlers paired", 0, 1,
               "assumption: small volunteer programmes today",
               effect="share of arrivals paired with a mentor (ties to South Koreans, job offers, support tie)",
               group="programmes"),
        policy("mentorship_months", 12, "months", 1, 60, "interventions.csv: German mentoring RCT ran about a year",
               integer=True, effect="months of mentorship after Hanawon", group="programmes"),
        policy("dialect_course_coverage", 0.0, "share of new settlers", 0, 1,
               "assumption: extended dialect and workplace-communication courses, a proposal in the brief",
               effect="share of arrivals given a dialect / workplace-communication course", group="programmes"),
        policy("protection_period_years", 5, "years", 0, 10, "policy_history.csv: 5-year protection period",
               effect="years after Hanawon during which check-ins reach a settler (protection_until)",
               group="services"),
        policy("medical_cover_months", 60, "months", 0, 120,
               "assumption: medical aid during the protection period (6 months in the 2008 report)", integer=True,
               effect="months after Hanawon without out-of-pocket health costs", group=PACKAGE),
        behaviour("housing_subsidy_full_million_krw", 16, "million KRW per person", 1, 40,
                  "assumption: the 2018 one-person subsidy (policy_history.csv) covers a public flat's deposit"),
        behaviour("rent_public_10k_krw", 20, "10k KRW per month", 0, 100, "assumption: public rental flat rent and fees"),
        behaviour("rent_private_10k_krw", 45, "10k KRW per month", 0, 150, "assumption: small private flat"),
        behaviour("dialect_course_gain", 0.2, "proficiency points", 0, 1, "assumption"),
        behaviour("hanawon_peer_ties", 2.0, "ties per settler", 0, 10, "assumption: classmates at Hanawon"),
        behaviour("hana_registration", 0.9, "probability at Hanawon exit", 0, 1, "assumption: referral from Hanawon"),
    ),
    uses=("depression_base", "symptom_sd", "ptsd_initial_mean", "depression_threshold", "ptsd_threshold",
          "depression_lifetime_at_arrival", "ptsd_lifetime_at_arrival"),
    derived=(hanawon_months,),
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """Arrivals of the month enter Hanawon; those at the end of the course settle (few rows: numpy)."""
    t = clock.month
    rows = s.active_rows
    arriving = _arriving(s.status[:rows], s.arrival_month[:rows], t)
    if arriving.size:
        admit(s, p, run.rng, t, arriving)
    leaving = _leaving(s.status[:rows], s.labour[:rows], s.arrival_month[:rows], t, p.hanawon_months)
    if leaving.size:
        settle(s, p, run.rng, leaving)


# the month's few rows: each row's test without branches (vector instructions), then the rows listed 8 at a time
# (``rows_where``); a numpy expression makes several passes over every row
@kernel
def _arriving(status, arrival_month, t):
    """Rows pending whose arrival month has come."""
    due = np.empty(status.size, dtype=np.bool_)
    for i in range(status.size):
        due[i] = (status[i] == PENDING) & (arrival_month[i] <= t)
    return rows_where(due, status.size)


@kernel
def _leaving(status, labour, arrival_month, t, hanawon_months):
    """Rows in Hanawon whose course ends this month."""
    due = np.empty(status.size, dtype=np.bool_)
    for i in range(status.size):
        due[i] = (status[i] == IN_SK) & (labour[i] == HANAWON) & (t - arrival_month[i] >= hanawon_months)
    return rows_where(due, status.size)


# The settlement package, part by part, with the levers that set each part. A trial (sim.trials) delivers the
# parts of the levers it changes to its treated arm; an arrival gets them all.
PACKAGE_PARTS: dict[str, tuple[str, ...]] = {
    "grant": ("cash_grant_million_krw", "cash_grant_upfront_share", "cash_grant_instalment_months"),
    "incentive": ("employment_incentive_million_krw_per_year", "employment_incentive_years",
                  "employment_incentive_min_tenure_months"),
    "savings": ("matched_savings_max_million_krw_per_month", "matched_savings_years"),
    "protection": ("protection_period_years",),
    "medical": ("medical_cover_months",),
    "training": ("vocational_training_coverage", "training_stipend_million_krw_per_month", "training_job_search_help"),
    "mentor": ("mentorship_coverage", "mentorship_months"),
    "dialect": ("dialect_course_coverage",),
    "rent": ("housing_subsidy_million_krw",),
}


def admit(s: State, p: Any, rng: np.random.Generator, t: int, idx: np.ndarray) -> None:
    """Rows ``idx`` arrive at month ``t``: entitlements fixed, Hanawon starts, classmates meet.

    The draws are numpy's, in this order: the package's coverage shares (``package_draws``), symptoms at arrival,
    then each classmate's Poisson(``hanawon_peer_ties`` / 2) ties to classmates at random, so each ends with about
    ``hanawon_peer_ties``. The writes are one compiled call (``_admit``), not some forty numpy calls on a few rows.
    """
    n = idx.size
    # children born outside the North come with their mothers but are not entitled to the settlement package
    entitled = idx[s.defector[idx]]
    package = package_draws(rng, entitled.size, WHOLE_PACKAGE)
    health = (rng.normal(p.depression_base, p.symptom_sd, n),
              rng.standard_normal(n),  # as rng.normal(mean by trauma, symptom_sd): the same draws
              rng.random(n), rng.random(n))
    _admit(engine.state_view(DECLARATION, s), p, idx, entitled, (package, package_terms(p, t + p.hanawon_months)),
           health, inputs.arrival_profile()["trauma"]["mean"])
    if n >= 2:
        a = np.repeat(idx, rng.poisson(p.hanawon_peer_ties / 2, n))
        s.add_ties(a, idx[rng.integers(0, n, a.size)])


@kernel
def _admit(s, p, idx, entitled, package, health, trauma_mean):
    """``admit``'s writes: Hanawon starts, the whole package for ``entitled`` (``package``: its draws and terms),
    symptoms at arrival from the ``health`` draws."""
    for i in idx:
        s.status[i] = IN_SK
        s.labour[i] = HANAWON
    draws, terms = package
    _entitle(s, entitled, WHOLE_PACKAGE, terms, draws)
    _health_at_arrival(s, p, idx, health, trauma_mean)


@kernel
def _health_at_arrival(s, p, idx, draws, trauma_mean):
    """Symptoms at arrival of rows ``idx`` from the month's ``draws`` (depression, PTSD noise, and the uniforms of
    the two lifetime episodes). PTSD's mean scales with trauma, in float32 as the trauma column is; states in
    [0, 1]; a lifetime episode if the current state is above its threshold or by the lifetime share."""
    depression, ptsd_noise, u_depression, u_ptsd = draws
    for k in range(idx.size):
        i = idx[k]
        s.depression[i] = min(max(depression[k], 0.0), 1.0)
        mean = np.float32(np.float32(p.ptsd_initial_mean) * s.trauma[i]) / np.float32(trauma_mean)
        s.ptsd[i] = min(max(np.float64(mean) + p.symptom_sd * ptsd_noise[k], 0.0), 1.0)
        s.depression_ever[i] = ((s.depression[i] > p.depression_threshold)
                                | (u_depression[k] < p.depression_lifetime_at_arrival))
        s.ptsd_ever[i] = (s.ptsd[i] > p.ptsd_threshold) | (u_ptsd[k] < p.ptsd_lifetime_at_arrival)


def entitle(s: State, p: Any, rng: np.random.Generator, start: int, idx: np.ndarray, parts: tuple[str, ...]) -> None:
    """Set the ``parts`` of the settlement package (``PACKAGE_PARTS``) for rows ``idx`` from the levers in ``p``.

    ``start``: the month the package runs from (Hanawon exit for arrivals). Parts are set in a fixed order, so
    the random draws of coverage shares come in the same order whatever else is set.
    """
    unknown = set(parts) - set(PACKAGE_PARTS)
    if unknown:
        raise ValueError(f"unknown package parts {sorted(unknown)} (expected some of {list(PACKAGE_PARTS)})")
    chosen = tuple(part in parts for part in PACKAGE_PARTS)
    _entitle(engine.state_view(DECLARATION, s), idx, chosen, package_terms(p, start),
             package_draws(rng, idx.size, chosen))


def package_draws(rng: np.random.Generator, n: int, chosen: tuple[bool, ...]) -> tuple[np.ndarray, ...]:
    """The uniforms of the coverage shares of ``n`` settlers, in ``PACKAGE_PARTS``'s order, for the ``chosen`` parts
    (a bool for each) that have one: training (one draw: courses with job-search help are a share of those
    offered), mentor, dialect course; empty for a part not chosen."""
    return tuple(rng.random(n) if chosen[PART_INDEX[part]] else NO_UNIFORMS for part in DRAWN_PARTS)


WHOLE_PACKAGE = (True,) * len(PACKAGE_PARTS)  # an arrival's parts: all of them
PART_INDEX = {part: k for k, part in enumerate(PACKAGE_PARTS)}
DRAWN_PARTS = ("training", "mentor", "dialect")  # the parts with a coverage share, in PACKAGE_PARTS's order
NO_UNIFORMS = np.empty(0)  # the draws of a part not set


def package_terms(p: Any, start: int) -> tuple[float | int, ...]:
    """What ``_entitle`` sets, from the levers in ``p`` and the month ``start`` the package runs from: amounts (10k
    KRW), end months, coverage shares, as Python numbers (so the arithmetic and the casts into the columns are
    those numpy made when it set the columns itself)."""
    grant = p.cash_grant_million_krw * MILLION_KRW
    subsidy_share = min(1.0, p.housing_subsidy_million_krw / p.housing_subsidy_full_million_krw)
    return (grant, grant * (1 - p.cash_grant_upfront_share) / p.cash_grant_instalment_months,
            p.employment_incentive_million_krw_per_year * MILLION_KRW / MONTHS_PER_YEAR,
            start + p.employment_incentive_years * MONTHS_PER_YEAR, p.employment_incentive_min_tenure_months,
            p.matched_savings_max_million_krw_per_month * MILLION_KRW, start + p.matched_savings_years * MONTHS_PER_YEAR,
            start + round(p.protection_period_years * MONTHS_PER_YEAR), start + p.medical_cover_months,
            p.training_stipend_million_krw_per_month * MILLION_KRW, p.vocational_training_coverage,
            p.vocational_training_coverage * p.training_job_search_help,
            p.mentorship_coverage, p.mentorship_months, start, p.dialect_course_coverage, p.dialect_course_gain,
            p.rent_private_10k_krw - (p.rent_private_10k_krw - p.rent_public_10k_krw) * subsidy_share)


@kernel
def _entitle(s, idx, parts, terms, draws):
    """``entitle``'s writes, part by part in ``PACKAGE_PARTS``'s order (``parts``: a bool for each; ``draws``:
    ``package_draws``)."""
    (grant, instalment, incentive, incentive_until, incentive_min_tenure, match_max, savings_until, protection_until,
     medical_until, stipend, training_coverage, search_help_coverage, mentorship_coverage, mentorship_months, start,
     dialect_coverage, dialect_gain, rent) = terms
    grant_part, incentive_part, savings_part, protection_part, medical_part, training_part, mentor_part, \
        dialect_part, rent_part = parts
    offer, mentor, course = draws
    n = idx.size
    for k in range(n):
        i = idx[k]
        if grant_part:
            s.grant_left[i] = grant
            s.grant_instalment[i] = instalment
        if incentive_part:
            s.incentive_per_month[i] = incentive
            s.incentive_until[i] = incentive_until
            s.incentive_min_tenure[i] = incentive_min_tenure
        if savings_part:
            s.savings_match_max[i] = match_max
            s.savings_until[i] = savings_until
        if protection_part:
            s.protection_until[i] = protection_until
        if medical_part:
            s.medical_until[i] = medical_until
        if training_part:
            s.stipend[i] = stipend
            s.training_offered[i] = offer[k] < training_coverage
            s.training_search_help[i] = offer[k] < search_help_coverage
        if mentor_part:  # the mentor is counted from arrival, so from Hanawon's end for those in it
            months = mentorship_months + (start - s.arrival_month[i] if s.labour[i] == HANAWON else 0)
            s.mentor_left[i] = months if mentor[k] < mentorship_coverage else 0
        if dialect_part and course[k] < dialect_coverage:  # in float32, as the column (numpy's weak Python float)
            s.dialect[i] = min(np.float32(1.0), s.dialect[i] + np.float32(dialect_gain))
        if rent_part:
            s.rent[i] = rent


def settle(s: State, p: Any, rng: np.random.Generator, idx: np.ndarray) -> None:
    """Rows ``idx`` leave Hanawon: upfront grant paid, Hana Center registration."""
    s.labour[idx] = INACTIVE
    upfront = s.grant_left[idx] * p.cash_grant_upfront_share
    np.add.at(s.cash, s.household_head[idx], upfront)  # a household's money is kept on its head's row
    s.grant_left[idx] -= upfront
    s.hana_registered[idx] = rng.random(idx.size) < p.hana_registration
