"""Labour market: participation, training, job search, offers, wages, job loss, discrimination.

Assumptions and sources:

* Only settlers past Hanawon and at least ``school_leaving_age`` take part (younger ones are
  in school: free schooling, policy_history.csv).
* Participation: inactive settlers start looking at ``lf_entry_rate``, faster under money
  stress (``urgency_entry_multiplier``: a small grant pushes people into the market sooner),
  slower when depressed; active ones leave at ``lf_exit_rate``, more often for childcare,
  health and age (brief: women inactive 41% vs men 27%, KICCE 2020).
* Training: settlers offered a course take it up with ``training_uptake_base``, less often
  under money stress unless the stipend covers living costs; completers earn a recognised
  certificate (KRIVET: 54.4% completed).
* Job offers arrive at ``job_offer_rate``, raised by dialect proficiency, referrals from
  employed contacts (settler ties and South Korean ties), a mentor, employer wage subsidies;
  lowered by depression and by discrimination. Regular offers are more likely with
  credentials; temporary and day-labour offers are accepted with a probability that rises
  with money stress (reservation behaviour). So a smaller grant means jobs sooner but worse.
* Wages = general mean wage (sk_general_wage.csv) x job-type ratio x individual
  productivity, credential and dialect premiums, a gender gap, growing with tenure.
* Separation by job type; depression raises it, a tenure-conditional incentive lowers it.
* Discrimination events at ``discrimination_rate`` x (1 - dialect), more at work, cut by
  ``anti_discrimination_effort`` (KHF 2023: 72.8% about speech and accent).
"""

from __future__ import annotations

import numpy as np

from sim import inputs
from sim.clock import Clock
from sim.params import Parameters
from sim.state import (
    DAY_LABOUR,
    EMPLOYED,
    HANAWON,
    IN_SK,
    INACTIVE,
    NO_JOB,
    REGULAR,
    TEMPORARY,
    TRAINING,
    UNEMPLOYED,
    State,
)

OLDER_AGE = 60  # ages at which settlers leave work more often (older_exit_multiplier)
CARE_MAX_AGE = 50  # assumption: children need care while the mother is below this age
RECENT_MONTHS = 12  # "recent" discrimination: within the past year, as the survey asks


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    age = (t - s.birth_month) // 12
    active = (s.status == IN_SK) & (s.labour != HANAWON) & (age >= p.school_leaving_age)
    idx = np.flatnonzero(active)
    if idx.size == 0:
        return
    depressed = s.depression[idx] > p.depression_threshold
    stress = s.money_stress[idx].astype(float)
    labour = s.labour[idx].copy()
    a = age[idx]

    # training in progress: a month done; finishers may gain a certificate, then look for work
    training = labour == TRAINING
    s.training_left[idx[training]] -= 1
    done = training & (s.training_left[idx] <= 0)
    passed = done & (rng.random(idx.size) < p.certificate_completion)
    s.credentials[idx[passed]] = True
    labour[done] = UNEMPLOYED

    # training uptake: money stress keeps people from training unless the stipend covers costs
    stipend_cover = np.minimum(1.0, s.stipend[idx] / p.living_cost_10k_krw)
    can_train = s.training_offered[idx] & ((labour == INACTIVE) | (labour == UNEMPLOYED))
    uptake = p.training_uptake_base * (1 - stress * (1 - stipend_cover))
    start = can_train & (rng.random(idx.size) < uptake)
    s.training_offered[idx[can_train]] = False  # the offer is taken or lost
    labour[start] = TRAINING
    s.training_left[idx[start]] = int(p.training_months)

    # participation
    entry = p.lf_entry_rate * (1 + (p.urgency_entry_multiplier - 1) * stress)
    entry *= np.where(depressed, 1 - p.depression_search_penalty, 1.0)
    care = s.female[idx] & (s.children[idx] > 0) & (a < CARE_MAX_AGE)
    exit_rate = p.lf_exit_rate * np.where(care, p.care_exit_multiplier, 1.0)
    exit_rate = exit_rate * np.where(s.health_limit[idx], p.health_exit_multiplier, 1.0)
    exit_rate = exit_rate * np.where(a >= OLDER_AGE, p.older_exit_multiplier, 1.0)
    exit_rate = exit_rate * np.where(depressed, p.depression_separation_multiplier, 1.0)
    u = rng.random(idx.size)
    enters = (labour == INACTIVE) & (u < entry)
    leaves = ((labour == UNEMPLOYED) | (labour == EMPLOYED)) & (u < np.minimum(exit_rate, 1.0))
    quit_job = leaves & (labour == EMPLOYED)
    labour[enters] = UNEMPLOYED
    labour[leaves] = INACTIVE

    # employed: tenure, wage growth, separation
    employed = (labour == EMPLOYED) & ~quit_job
    job = s.job_type[idx]
    sep = np.select([job == REGULAR, job == TEMPORARY, job == DAY_LABOUR],
                    [p.separation_regular, p.separation_temporary, p.separation_day], 0.0)
    sep = sep * np.where(depressed, p.depression_separation_multiplier, 1.0)
    earning_incentive = (s.tenure[idx] >= s.incentive_min_tenure[idx]) & (t < s.incentive_until[idx]) \
        & (s.incentive_per_month[idx] > 0)
    sep = sep * np.where(earning_incentive, p.incentive_retention_multiplier, 1.0)
    separated = employed & (rng.random(idx.size) < sep)
    keeps = employed & ~separated
    s.tenure[idx[keeps]] += 1
    s.wage[idx[keeps]] *= np.float32(np.exp(p.tenure_wage_growth))
    labour[separated] = UNEMPLOYED
    lost = separated | quit_job
    s.job_type[idx[lost]] = NO_JOB
    s.wage[idx[lost]] = 0.0
    s.tenure[idx[lost]] = 0

    # job search
    searching = labour == UNEMPLOYED
    searching &= ~separated  # a job lost this month is searched for from next month
    recent_disc = (t - s.last_discrimination[idx]) < RECENT_MONTHS
    contacts = np.minimum(employed_contacts(s)[idx] + s.sk_ties[idx], p.referral_contacts_cap)
    rate = (p.job_offer_rate
            * (1 + p.dialect_offer_effect * s.dialect[idx])
            * (1 + p.referral_per_contact * contacts)
            * np.where(s.mentor_left[idx] > 0, p.mentor_referral_multiplier, 1.0)
            * (1 + p.employer_subsidy_offer_elasticity * p.employer_wage_subsidy_share)
            * np.where(recent_disc, 1 - p.discrimination_offer_penalty, 1.0)
            * np.where(depressed, 1 - p.depression_search_penalty, 1.0))
    offered = searching & (rng.random(idx.size) < 1 - np.exp(-rate))
    regular_share = np.minimum(1.0, p.regular_offer_share + p.credential_regular_bonus * s.credentials[idx])
    v = rng.random(idx.size)
    offer_type = np.where(v < regular_share, REGULAR,
                          np.where(rng.random(idx.size) < p.day_offer_share, DAY_LABOUR, TEMPORARY))
    accept_prob = np.where(offer_type == REGULAR, 1.0,
                           np.minimum(1.0, p.accept_nonregular_base + p.accept_nonregular_urgency * stress))
    hired = offered & (rng.random(idx.size) < accept_prob)
    h = idx[hired]
    labour[hired] = EMPLOYED
    s.job_type[h] = offer_type[hired]
    s.tenure[h] = 0
    s.wage[h] = starting_wage(s, p, h, offer_type[hired], clock)

    s.labour[idx] = labour

    # discrimination and dialect learning
    disc_rate = (p.discrimination_rate * (1 - s.dialect[idx]) * (1 - p.anti_discrimination_effort)
                 * np.where(labour == EMPLOYED, p.workplace_discrimination_multiplier, 1.0))
    s.last_discrimination[idx[rng.random(idx.size) < disc_rate]] = t
    s.dialect[idx] += np.float32(p.dialect_learning_rate) * (1 - s.dialect[idx])


def starting_wage(s: State, p: Parameters, rows: np.ndarray, job_type: np.ndarray, clock: Clock) -> np.ndarray:
    """Monthly wage (10k KRW) offered to ``rows`` for jobs of ``job_type``, shape (len(rows),)."""
    general = inputs.general_wage(clock.year, p.wage_growth_per_year)
    ratio = np.select([job_type == REGULAR, job_type == TEMPORARY], [p.wage_ratio_regular, p.wage_ratio_temporary],
                      p.wage_ratio_day)
    log_premium = (s.productivity[rows] + p.credential_wage_premium * s.credentials[rows]
                   + p.dialect_wage_premium * s.dialect[rows] - p.female_wage_gap * s.female[rows])
    return (general * ratio * np.exp(log_premium)).astype(np.float32)


def employed_contacts(s: State) -> np.ndarray:
    """Number of employed settler contacts of each settler, shape (n,)."""
    employed = (s.labour == EMPLOYED).astype(np.float64)
    return (np.bincount(s.tie_a, weights=employed[s.tie_b], minlength=s.n)
            + np.bincount(s.tie_b, weights=employed[s.tie_a], minlength=s.n))
