"""Labour market: participation, training, job search, offers, wages, job loss, discrimination.

Assumptions and sources:

* Only settlers past Hanawon and at least ``school_leaving_age`` take part (younger ones are
  in school: free schooling, policy_history.csv).
* Participation: inactive settlers start looking at ``lf_entry_rate``, faster under money
  stress (``urgency_entry_multiplier``: a small grant pushes people into the market sooner),
  slower when depressed; active ones leave at ``lf_exit_rate``, more often for childcare,
  health, age and depression (brief: women inactive 41% vs men 27%, KICCE 2020).
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

import collections
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine, inputs
from sim.codes import (
    DAY_LABOUR,
    EMPLOYED,
    HANAWON,
    IN_SK,
    INACTIVE,
    NEVER,
    NO_JOB,
    PAST_YEAR_MONTHS,
    PRE_ARRIVAL,
    REGULAR,
    TEMPORARY,
    TRAINING,
    UNEMPLOYED,
)
from sim.declare import Column, Mechanism, Slots, behaviour, derived, policy, rule
from sim.jit import kernel
from sim.kernel_random import uniform_at

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State


class Slot(Slots):
    """Draw slots (sim.kernel_random): each kind of draw has its own random numbers per settler."""

    CERTIFICATE = 0
    UPTAKE = 1
    ENTRY = 2
    EXIT = 3
    SEPARATION = 4
    OFFER = 5
    OFFER_TYPE = 6
    DAY_OR_TEMPORARY = 7
    ACCEPT = 8
    DISCRIMINATION = 9


@derived
def job_offer_rate_subsidised(p: Any) -> float:
    """job offers per searcher per month, raised by the employer wage subsidy"""
    return p.job_offer_rate * (1 + p.employer_subsidy_offer_elasticity * p.employer_wage_subsidy_share)


@derived
def discrimination_rate_after_effort(p: Any) -> float:
    """monthly discrimination rate at zero dialect proficiency, cut by anti-discrimination work"""
    return p.discrimination_rate * (1 - p.anti_discrimination_effort)


@derived
def tenure_wage_factor(p: Any) -> np.float32:
    """wage multiplier for a month of tenure (float32, as the wage column)"""
    return np.float32(np.exp(p.tenure_wage_growth))


@derived
def dialect_gain_per_month(p: Any) -> np.float32:
    """share of the remaining gap to full proficiency closed in a month (float32, as the dialect column)"""
    return np.float32(p.dialect_learning_rate)


DECLARATION = Mechanism(
    name="labour",
    owns=(
        Column("labour", np.int8, PRE_ARRIVAL, "code: LABOUR_NAMES"),
        Column("job_type", np.int8, NO_JOB, "code: JOB_NAMES"),
        Column("wage", np.float32, 0.0, "10k KRW per month"),
        Column("tenure", np.int16, 0, "months in the current job"),
        Column("training_left", np.int16, 0, "months of training left"),
        Column("credentials", np.bool_, False, "bool: holds a certificate recognised in the South"),
        Column("last_discrimination", np.int32, NEVER, "month index of the last discrimination event"),
    ),
    reads=("status", "birth_month", "female", "youngest_child_birth_month", "health_limit", "depression", "money_stress", "stipend",
           "productivity", "sk_ties", "mentor_left", "incentive_per_month", "incentive_min_tenure", "incentive_until"),
    writes=("labour", "job_type", "wage", "tenure", "training_offered", "training_left", "credentials",
            "last_discrimination", "dialect"),
    ties=True,
    params=(
        policy("training_months", 6, "months", 1, 24, "assumption: a typical certificate course", integer=True,
               effect="length of the course; trainees are out of the labour market meanwhile", group="programmes"),
        policy("employer_wage_subsidy_share", 0.0, "share of wage", 0, 0.8,
               "policy_history.csv 2014: employer subsidy replaced by matched savings; 0 today",
               effect="wage subsidy to employers: more job offers", group="programmes"),
        policy("anti_discrimination_effort", 0.0, "fractional cut in discrimination", 0, 0.8,
               "assumption: campaigns and workplace training; brief lists them as proposals",
               effect="campaigns and workplace training: fewer discrimination events", group="attitudes"),
        behaviour("school_leaving_age", 20, "years", 15, 30,
                  "assumption: free schooling until 35 (brief) keeps many young settlers in education", integer=True),
        behaviour("wage_growth_per_year", 0.03, "per year", 0, 0.1,
                  "sk_general_wage.csv: 2012-2025 mean growth about 3.3% a year"),
        behaviour("lf_entry_rate", 0.10, "per month", 0.001, 1, "calibrated: inactive settlers starting to look",
                  rate="probability", fit=(0.01, 0.3, True)),
        behaviour("lf_exit_rate", 0.012, "per month", 0.0, 0.5, "calibrated: settlers leaving the labour force",
                  rate="probability", fit=(0.003, 0.06, True)),
        behaviour("care_exit_multiplier", 4.0, "x", 1, 20,
                  "brief: women inactive 41% vs men 27%, mainly childcare and health (KICCE 2020)",
                  fit=(1.0, 12.0, True)),
        behaviour("carer_max_age", 50, "years", 30, 70,
                  "assumption: mothers below this age care for their dependent children", integer=True),
        behaviour("health_exit_multiplier", 4.0, "x", 1, 20, "brief: health limits participation (KICCE 2020)",
                  fit=(1.0, 12.0, True)),
        behaviour("older_exit_multiplier", 4.0, "x from older_age", 1, 20, "assumption: retirement"),
        behaviour("older_age", 60, "years", 50, 80, "assumption: age from which settlers leave work more often",
                  integer=True),
        behaviour("depression_search_penalty", 0.5, "fraction lost", 0, 1,
                  "assumption: depression lowers job search (issue 2 interactions)"),
        behaviour("depression_lf_exit_multiplier", 1.8, "x labour-force exit when depressed", 1, 5,
                  "assumption: depression raises exits from the labour force (issue 2 interactions)"),
        behaviour("urgency_entry_multiplier", 2.0, "x at full money stress", 1, 10,
                  "assumption: little cash pushes people to look for work sooner (FORUM-ASIA 2008)"),
        behaviour("job_offer_rate", 0.45, "offers per searcher per month", 0.01, 2,
                  "calibrated to settler unemployment 4.5-6.3% (survey_current.csv)", rate="hazard",
                  fit=(0.1, 2.0, True)),
        behaviour("regular_offer_share", 0.35, "share of offers", 0, 1,
                  "assumption: many settlers work as day labourers (brief)"),
        behaviour("credential_regular_bonus", 0.25, "added share of regular offers", 0, 1,
                  "assumption: recognised certificates open regular jobs"),
        behaviour("day_offer_share", 0.3, "share of non-regular offers that are day labour", 0, 1, "assumption"),
        behaviour("accept_nonregular_base", 0.45, "probability", 0, 1,
                  "assumption: reservation behaviour of settlers with a cash buffer", fit=(0.1, 1.0, False)),
        behaviour("accept_nonregular_urgency", 0.5, "added probability at full money stress", 0, 1,
                  "assumption: small grants push people into any job sooner (issue 2)"),
        behaviour("referral_per_contact", 0.06, "x per employed contact", 0, 0.5,
                  "assumption: job referrals through ties (isolation lowers them)"),
        behaviour("referral_contacts_cap", 8, "contacts", 1, 50, "assumption: referrals saturate", integer=True),
        behaviour("mentor_referral_multiplier", 1.1, "x job offers", 1, 3,
                  "interventions.csv: mentoring, little employment effect in the first year"),
        behaviour("dialect_offer_effect", 0.5, "x offers gained at full proficiency", 0, 3,
                  "brief: accent costs jobs; assumption on size"),
        behaviour("employer_subsidy_offer_elasticity", 1.0, "x offers per unit subsidy share", 0, 5,
                  "assumption: wage subsidies raise hiring"),
        behaviour("separation_regular", 0.012, "per month", 0, 0.5, "assumption: short tenure (brief)",
                  rate="probability"),
        behaviour("separation_temporary", 0.035, "per month", 0, 0.5, "assumption", rate="probability",
                  fit=(0.01, 0.1, True)),
        behaviour("separation_day", 0.09, "per month", 0, 0.8, "assumption: day labour is unstable",
                  rate="probability", fit=(0.02, 0.3, True)),
        behaviour("depression_separation_multiplier", 1.8, "x job loss when depressed", 1, 5,
                  "assumption: depression raises job loss (issue 2 interactions)"),
        behaviour("incentive_retention_multiplier", 0.7, "x separation while earning incentive", 0.1, 1,
                  "assumption: tenure-conditional incentives keep people in jobs (policy_history.csv 2007)"),
        behaviour("wage_ratio_regular", 0.95, "x general mean wage", 0.3, 1.5,
                  "calibrated to mean wage 80% of average (brief)", fit=(0.6, 1.3, False)),
        behaviour("wage_ratio_temporary", 0.72, "x general mean wage", 0.3, 1.5, "assumption"),
        behaviour("wage_ratio_day", 0.62, "x general mean wage", 0.3, 1.5, "assumption"),
        behaviour("wage_sd_log", 0.25, "log points", 0, 1, "assumption: individual productivity spread"),
        behaviour("credential_wage_premium", 0.10, "log points", 0, 0.5, "assumption"),
        behaviour("dialect_wage_premium", 0.10, "log points at full proficiency", 0, 0.5, "brief: accent costs wages"),
        behaviour("tenure_wage_growth", 0.003, "log points per month", 0, 0.02, "assumption"),
        behaviour("female_wage_gap", 0.12, "log points", 0, 0.5, "assumption: Korean gender gap applies"),
        behaviour("dialect_learning_rate", 0.02, "per month towards full proficiency", 0, 0.2,
                  "assumption: accents fade slowly", fit=(0.001, 0.03, True)),
        behaviour("training_uptake_base", 0.6, "probability when offered", 0, 1, "assumption"),
        behaviour("certificate_completion", 0.544, "probability", 0, 1,
                  "interventions.csv: KRIVET, 54.4% of trainees completed"),
        behaviour("discrimination_rate", 0.018, "per month", 0, 0.2,
                  "calibrated to 16% reporting discrimination in the past year (survey_current.csv 2023)",
                  rate="probability", fit=(0.005, 0.12, True)),
        behaviour("workplace_discrimination_multiplier", 1.5, "x when employed", 1, 5,
                  "survey 2023: 72.8% of discrimination is about speech and accent, met at work"),
        behaviour("discrimination_offer_penalty", 0.2, "fraction of offers lost", 0, 1, "brief: employer prejudice"),
    ),
    uses=("depression_threshold", "living_cost_10k_krw"),
    derived=(job_offer_rate_subsidised, discrimination_rate_after_effort, tenure_wage_factor, dialect_gain_per_month),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

# what the labour month knows besides parameters: t (model month), born_by (latest birth month of
# those old enough to work), general_wage (10k KRW), contacts_employed (employed settler contacts per row)
Month = collections.namedtuple("Month", ["t", "born_by", "general_wage", "contacts_employed"])


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """One month of the labour market for every settler past Hanawon who is old enough to work."""
    t = clock.month
    contacts = np.zeros(s.n, dtype=np.int32)
    employed_contacts(s.tie_a, s.tie_b, s.labour, contacts)  # counted on the labour states at the month's start
    m = Month(t, t - 12 * p.school_leaving_age, inputs.general_wage(clock.year, p.wage_growth_per_year), contacts)
    run.each(settler_month, s, p, m)


@kernel
def employed_contacts(tie_a, tie_b, labour, contacts):
    """Adds to ``contacts`` (shape (n,), zeros) each settler's employed settler contacts on the tie list."""
    for e in range(tie_a.size):
        a, b = tie_a[e], tie_b[e]
        contacts[a] += labour[b] == EMPLOYED
        contacts[b] += labour[a] == EMPLOYED


@rule
def settler_month(i, key, s, p, m, ctr):
    """One month of the labour market for settler ``i`` (the ODD's steps 1-6, in order)."""
    if s.status[i] != IN_SK or s.labour[i] == HANAWON or s.birth_month[i] > m.born_by:
        return
    t = m.t
    depressed = s.depression[i] > p.depression_threshold
    stress = np.float64(s.money_stress[i])
    labour = s.labour[i]  # updated here, written back after the job search
    age_months = t - s.birth_month[i]

    # 1. training in progress: a month done; finishers may gain a certificate, then look for work
    if labour == TRAINING:
        s.training_left[i] -= 1
        if s.training_left[i] <= 0:
            if uniform_at(ctr, key, i, Slot.CERTIFICATE) < p.certificate_completion:
                s.credentials[i] = True
            labour = UNEMPLOYED

    # training uptake: money stress keeps people from training unless the stipend covers costs
    if s.training_offered[i] and labour in (INACTIVE, UNEMPLOYED):
        stipend_cover = min(1.0, s.stipend[i] / p.living_cost_10k_krw)
        s.training_offered[i] = False  # the offer is taken or lost
        if uniform_at(ctr, key, i, Slot.UPTAKE) < p.training_uptake_base * (1 - stress * (1 - stipend_cover)):
            labour = TRAINING
            s.training_left[i] = p.training_months

    # 2. participation (multipliers as 1 + (m - 1) x flag: the same as "m if flag else 1", without branches)
    quit_job = False
    if labour == INACTIVE:
        entry = (p.lf_entry_rate * (1 + (p.urgency_entry_multiplier - 1) * stress)
                 * (1 - p.depression_search_penalty * depressed))
        if uniform_at(ctr, key, i, Slot.ENTRY) < entry:
            labour = UNEMPLOYED
    elif labour in (UNEMPLOYED, EMPLOYED):
        care = (s.female[i] & (t - s.youngest_child_birth_month[i] < 12 * p.school_leaving_age)
                & (age_months < 12 * p.carer_max_age))
        exit_rate = (p.lf_exit_rate * (1 + (p.care_exit_multiplier - 1) * care)
                     * (1 + (p.health_exit_multiplier - 1) * s.health_limit[i])
                     * (1 + (p.older_exit_multiplier - 1) * (age_months >= 12 * p.older_age))
                     * (1 + (p.depression_lf_exit_multiplier - 1) * depressed))
        if uniform_at(ctr, key, i, Slot.EXIT) < min(exit_rate, 1.0):
            quit_job = labour == EMPLOYED
            labour = INACTIVE

    # 3. job loss for the employed (tenure and wage grow first; the separated are reset below)
    separated = False
    if labour == EMPLOYED:
        job = s.job_type[i]
        separation = (p.separation_regular * (job == REGULAR) + p.separation_temporary * (job == TEMPORARY)
                      + p.separation_day * (job == DAY_LABOUR))
        earning_incentive = ((s.tenure[i] >= s.incentive_min_tenure[i]) & (t < s.incentive_until[i])
                             & (s.incentive_per_month[i] > 0))
        separation *= ((1 + (p.depression_separation_multiplier - 1) * depressed)
                       * (1 + (p.incentive_retention_multiplier - 1) * earning_incentive))
        separated = uniform_at(ctr, key, i, Slot.SEPARATION) < separation
        s.tenure[i] += 1
        s.wage[i] *= p.tenure_wage_factor
        if separated:
            labour = UNEMPLOYED
    if separated or quit_job:
        s.job_type[i] = NO_JOB
        s.wage[i] = 0.0
        s.tenure[i] = 0

    # 4. job search (a job lost this month is searched for from next month)
    if labour == UNEMPLOYED and not separated:
        recent_discrimination = (t - s.last_discrimination[i]) < PAST_YEAR_MONTHS
        contacts = min(m.contacts_employed[i] + s.sk_ties[i], p.referral_contacts_cap)
        offer_rate = (p.job_offer_rate_subsidised
                      * (1 + p.dialect_offer_effect * s.dialect[i])
                      * (1 + p.referral_per_contact * contacts)
                      * (1 + (p.mentor_referral_multiplier - 1) * (s.mentor_left[i] > 0))
                      * (1 - p.discrimination_offer_penalty * recent_discrimination)
                      * (1 - p.depression_search_penalty * depressed))
        if uniform_at(ctr, key, i, Slot.OFFER) < 1 - math.exp(-offer_rate):
            regular_share = min(1.0, p.regular_offer_share + p.credential_regular_bonus * s.credentials[i])
            if uniform_at(ctr, key, i, Slot.OFFER_TYPE) < regular_share:
                offer, ratio, hired = REGULAR, p.wage_ratio_regular, True  # regular offers are always taken
            else:
                if uniform_at(ctr, key, i, Slot.DAY_OR_TEMPORARY) < p.day_offer_share:
                    offer, ratio = DAY_LABOUR, p.wage_ratio_day
                else:
                    offer, ratio = TEMPORARY, p.wage_ratio_temporary
                accept = min(1.0, p.accept_nonregular_base + p.accept_nonregular_urgency * stress)
                hired = uniform_at(ctr, key, i, Slot.ACCEPT) < accept
            if hired:
                labour = EMPLOYED
                s.job_type[i] = offer
                s.tenure[i] = 0
                s.wage[i] = starting_wage(m.general_wage * ratio, s.productivity[i], s.credentials[i], s.dialect[i],
                                          s.female[i], p.credential_wage_premium, p.dialect_wage_premium, p.female_wage_gap)

    s.labour[i] = labour

    # 5. discrimination (after hiring: more at work), then 6. dialect learning
    discrimination = (p.discrimination_rate_after_effort * (1 - np.float64(s.dialect[i]))
                      * (1 + (p.workplace_discrimination_multiplier - 1) * (labour == EMPLOYED)))
    if uniform_at(ctr, key, i, Slot.DISCRIMINATION) < discrimination:
        s.last_discrimination[i] = t
    s.dialect[i] += p.dialect_gain_per_month * (np.float32(1) - s.dialect[i])


@rule
def starting_wage(base, productivity, credentials, dialect, female, credential_wage_premium, dialect_wage_premium,
                  female_wage_gap):
    """Starting wage: ``base`` (general wage x job-type ratio) times the individual premiums."""
    log_premium = (np.float64(productivity) + credential_wage_premium * credentials
                   + dialect_wage_premium * dialect - female_wage_gap * female)
    return base * math.exp(log_premium)

