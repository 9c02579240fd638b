"""Labour market: participation, training, job search, offers, wages, job loss, discrimination.

Assumptions and sources:

* University (free until 35): a share ``university_entry_share`` of those reaching ``school_leaving_age``
  in the South study ``university_years`` more, out of the labour market, and graduate with a tertiary
  degree recognised in the South (assumption).
* Only settlers past Hanawon and at least ``school_leaving_age`` take part (younger ones are
  in school: free schooling, policy_history.csv).
* Participation: inactive settlers start looking at ``lf_entry_rate``, faster under money
  stress (``urgency_entry_multiplier``: a small grant pushes people into the market sooner),
  slower when depressed; active ones leave at ``lf_exit_rate``, more often for health, age
  and depression (brief: women inactive 41% vs men 27%, KICCE 2020).
* Childcare: a mother whose youngest child is under ``childcare_age`` has childcare that
  covers full-time work in a month with probability ``childcare_support_coverage`` (a lever);
  without it she enters the labour force less often (``childcare_entry_factor``), leaves it
  more often (``childcare_exit_multiplier``) and takes only part-time offers (VOA 2015: childcare
  the main job-search difficulty of settler women, 37%; the main reason women under 40 quit).
* Division of work in couples: a woman with a partner (a settler or a partner without a row) leaves
  the labour force more often (``partnered_women_exit_multiplier``), whatever her children's ages
  (Statistics Korea 2023: 17% of married women aged 15-54 had left work, 26% of them on marriage,
  besides 42% for childcare and 23% for pregnancy and birth; Korean men's employment barely changes
  with marriage). Without it the model's participation differed by sex only through young children
  and gave settler men's employment 8 points below the published figure and women's 3 above.
* Training: settlers offered a course take it up with ``training_uptake_base``, less often
  under money stress unless the stipend covers living costs; completers earn a recognised
  certificate (KRIVET: 54.4% completed). At the end of the course a trainee goes back to the
  state they left for it, inactive or unemployed (assumption: a course changes qualifications,
  not the wish or the chance to work; KRIVET 2008: training did not raise the probability of
  employment, and 15.1% of trainees were employed). A course with work practice and job-search
  help (lever ``training_job_search_help``) sends its trainees into the labour force as job
  seekers (Dahlberg et al. 2024: an early intensive programme with both raised employment by 15
  points for about three years).
* Job offers arrive at ``job_offer_rate``, raised by dialect proficiency, referrals from
  employed contacts (settler ties and South Korean ties), a mentor, employer wage subsidies;
  lowered by depression and by discrimination. Regular offers are more likely with
  credentials; temporary and day-labour offers are accepted with a probability that rises
  with money stress (reservation behaviour). So a smaller grant means jobs sooner but worse.
* Offers by sex (occupational segregation): regular, day-labour, service-sector and part-time
  shares of offers differ for men and women (women mostly in service, men in craft and
  construction: MOU 2014 release; Hana infographic 2014); employers' sex discrimination costs
  women a declared share of offers and a declared wage penalty.
* Wages = hourly rate x weekly hours: general mean wage (sk_general_wage.csv) x job-type ratio
  x service-sector ratio x hours / ``full_time_hours`` x individual productivity, credential,
  dialect, experience (months employed in the South) and Northern-education premiums, less
  the sex discrimination penalty, growing with tenure. No other sex term: the wage gap by sex
  comes from job type, sector, hours, experience and discrimination.
* Education and occupation in the North (arrival_profile.csv): tertiary education or a
  professional or administrative job raise the chance of a regular offer and the wage by
  declared amounts scaled by ``credential_recognition`` (a lever); primary education or less
  lowers the wage.
* Separation by job type; depression raises it, a tenure-conditional incentive lowers it.
* Discrimination events at ``discrimination_rate`` x (1 - dialect), more at work, cut by
  ``anti_discrimination_effort`` (KHF 2023: 72.8% about speech and accent). Employer
  prejudice against settlers (the event rate and the offer penalty) falls over calendar time
  at ``prejudice_decline_per_year``, equal to its fitted level at ``prejudice_anchor_year``
  (reported discrimination 25.3% in 2014, 20.2% 2018, 19.5% 2022, 14.0% 2025: Hana surveys).
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
    MONTHS_PER_YEAR,
    NEVER,
    NK_ADMINISTRATIVE,
    NK_PROFESSIONAL,
    NO_JOB,
    PAST_YEAR_MONTHS,
    PRE_ARRIVAL,
    PRIMARY_OR_LESS,
    REGULAR,
    TEMPORARY,
    TERTIARY,
    TRAINING,
    UNEMPLOYED,
)
from sim.declare import Column, Mechanism, Slots, behaviour, derived, policy, rule
from sim.jit import kernel
from sim.kernel_random import uniform_at, uniform_of
from sim.mechanisms.households import has_partner

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
    CHILDCARE = 10
    SECTOR = 11
    PART_TIME = 12
    UNIVERSITY = 13


@derived
def job_offer_rate_subsidised(p: Any) -> float:
    """job offers per searcher per month, raised by the employer wage subsidy"""
    return p.job_offer_rate * (1 + p.employer_subsidy_offer_elasticity * p.employer_wage_subsidy_share)


@derived
def discrimination_rate_after_effort(p: Any) -> float:
    """monthly discrimination rate at zero dialect proficiency, cut by anti-discrimination work"""
    return p.discrimination_rate * (1 - p.anti_discrimination_effort)


@derived
def experience_wage_growth_per_month(p: Any) -> float:
    """log wage gained per month of experience in the South, up to experience_cap_years"""
    return p.experience_wage_growth / MONTHS_PER_YEAR


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
        Column("hours", np.float32, 0.0, "weekly hours of the current job (0: none)"),
        Column("service_job", np.bool_, False, "bool: the current job is in services or sales (else industry)"),
        Column("experience", np.int16, 0, "months employed in the South, all jobs"),
        Column("training_left", np.int16, 0, "months of training left"),
        Column("credentials", np.bool_, False, "bool: holds a certificate recognised in the South"),
        Column("last_discrimination", np.int32, NEVER, "month index of the last discrimination event"),
        Column("studying_until", np.int32, NEVER, "month index a university course ends (NEVER: none)"),
        Column("job_seeking", np.bool_, False, "bool: searches for a job this month (scratch)"),
        Column("trained_from", np.int8, INACTIVE,
               "code: LABOUR_NAMES, the state a trainee left for the course and returns to at its end"),
    ),
    reads=("status", "birth_month", "female", "youngest_child_birth_month", "partner", "outside_partner",
           "health_limit", "depression",
           "training_search_help",
           "money_stress", "stipend", "productivity", "sk_ties", "mentor_left", "incentive_per_month",
           "incentive_min_tenure", "incentive_until", "education", "north_occupation"),
    writes=("labour", "job_type", "wage", "tenure", "hours", "service_job", "experience", "training_offered",
            "training_left", "credentials", "last_discrimination", "dialect", "studying_until", "education",
            "job_seeking", "trained_from"),
    ties=True,
    params=(
        policy("training_months", 6, "months", 1, 24, "assumption: a typical certificate course", integer=True,
               effect="length of the course; trainees are out of the labour market meanwhile", group="programmes"),
        policy("employer_wage_subsidy_share", 0.0, "share of wage", 0, 0.8,
               "policy_history.csv 2014: employer subsidy replaced by matched savings; 0 today",
               effect="wage subsidy to employers: more job offers", group="programmes"),
        policy("childcare_support_coverage", 0.4, "share of mothers of young children", 0, 1,
               "assumption: free daycare for ages 0-5 since 2013, but short hours and no grandparents nearby; "
               "childcare the main job-search difficulty of settler women (37%, VOA 2015)",
               effect="childcare that covers full-time work: mothers of young children enter the labour force, stay "
                      "in it and take full-time jobs", group="services"),
        policy("credential_recognition", 0.2, "share of the Northern premium recognised", 0, 1,
               "assumption: Northern degrees and professional records are mostly not recognised by employers (brief)",
               effect="recognition of Northern degrees and professions: more regular offers and higher wages for the "
                      "tertiary-educated and professionals", group="programmes"),
        policy("anti_discrimination_effort", 0.0, "fractional cut in discrimination", 0, 0.8,
               "assumption: campaigns and workplace training; brief lists them as proposals",
               effect="campaigns and workplace training: fewer discrimination events", group="attitudes"),
        behaviour("school_leaving_age", 20, "years", 15, 30,
                  "assumption: free schooling until 35 (brief) keeps many young settlers in education", integer=True),
        behaviour("university_entry_share", 0.3, "share of those reaching school-leaving age in the South", 0, 1,
                  "assumption: university is free until 35 (brief); 64.2% of settler parents hope for a 4-year "
                  "degree for their children (KHF 2018 via Yonhap), fewer enrol"),
        behaviour("university_years", 4, "years", 2, 6, "assumption: a 4-year degree", integer=True),
        behaviour("wage_growth_per_year", 0.03, "per year", 0, 0.1,
                  "sk_general_wage.csv: 2012-2025 mean growth about 3.3% a year"),
        behaviour("lf_entry_rate", 0.10, "per month", 0.001, 1, "calibrated: inactive settlers starting to look",
                  rate="probability", fit=(0.01, 0.3, True)),
        behaviour("lf_exit_rate", 0.012, "per month", 0.0, 0.5, "calibrated: settlers leaving the labour force",
                  rate="probability", fit=(0.003, 0.06, True)),
        behaviour("childcare_age", 12, "years", 3, 18,
                  "assumption: children to the end of primary school need care beyond school hours (after-school "
                  "care covers part)", integer=True),
        behaviour("childcare_entry_factor", 0.3, "x labour-force entry of a mother without childcare", 0, 1,
                  "assumption: childcare is the main job-search difficulty of settler women (37%, VOA 2015)",
                  fit=(0.05, 1.0, False)),
        behaviour("childcare_exit_multiplier", 4.0, "x labour-force exit of a mother without childcare", 1, 20,
                  "assumption: childcare is the main reason settler women under 40 quit (37%, VOA 2015)",
                  fit=(1.0, 12.0, True)),
        behaviour("partnered_women_exit_multiplier", 2.0, "x labour-force exit of a woman with a partner", 1, 10,
                  "Statistics Korea 2023 (career-interrupted women): 17% of married women aged 15-54 had left work, "
                  "26% of them on marriage; size calibrated to the employment rates by sex", fit=(1.0, 8.0, True)),
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
        behaviour("regular_offer_share_male", 0.4, "share of offers to men", 0, 1,
                  "assumption: regular jobs 52-55% of settler workers 2012-2019 (Hana surveys, KICCE 2020), fewer "
                  "among offers since regular jobs last longer"),
        behaviour("regular_offer_share_female", 0.3, "share of offers to women", 0, 1,
                  "assumption: settler women more often temporary and daily (38.5% of women in service and simple "
                  "labour, Hana infographic 2014)"),
        behaviour("credential_regular_bonus", 0.25, "added share of regular offers", 0, 1,
                  "assumption: recognised certificates open regular jobs"),
        behaviour("day_offer_share_male", 0.45, "share of non-regular offers to men that are day labour", 0, 1,
                  "assumption: men in construction and craft day labour (MOU 2014 release: men mostly craft jobs)"),
        behaviour("day_offer_share_female", 0.2, "share of non-regular offers to women that are day labour", 0, 1,
                  "assumption: women's non-regular jobs mostly temporary service jobs (Hana infographic 2014)"),
        behaviour("service_offer_share_male", 0.3, "share of offers to men in services and sales", 0, 1,
                  "assumption: men mostly in craft, machine and construction jobs (MOU 2014 release)"),
        behaviour("service_offer_share_female", 0.65, "share of offers to women in services and sales", 0, 1,
                  "Hana infographic 2014: 55.4% of settler women in simple labour and service jobs (SK 23%); "
                  "accommodation and food the second industry (14.8%, 2017)"),
        behaviour("part_time_offer_share_male", 0.08, "share of offers to men that are part-time", 0, 1,
                  "assumption: about the share of part-time work among Korean men wage earners (KOSTAT supplementary "
                  "survey, roughly 1 in 10)"),
        behaviour("part_time_offer_share_female", 0.2, "share of offers to women that are part-time", 0, 1,
                  "assumption: below the share among Korean women wage earners (KOSTAT, roughly 1 in 4): settlers "
                  "work long hours (47 h a week, Hana 2014)"),
        behaviour("full_time_hours", 47, "hours per week", 30, 60,
                  "Hana Foundation 2014 survey: settler workers 47.0 hours a week (2013: 47.9; general 44.1)"),
        behaviour("part_time_hours", 22, "hours per week", 5, 35,
                  "assumption: KOSTAT counts under 36 hours as part-time; typical part-time jobs 15-30 hours"),
        behaviour("female_offer_discrimination", 0.2, "fraction of offers lost by women", 0, 1,
                  "assumption: employers' sex discrimination in hiring; women's unemployment 5.1-7.7% vs men 3.0-3.1% "
                  "(Hana 2023-2024)", fit=(0.0, 0.6, False)),
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
        behaviour("service_wage_ratio", 0.8, "x wage of an industrial job of the same type", 0.3, 1.5,
                  "assumption: monthly pay in accommodation, food and personal services well below manufacturing "
                  "(KOSTAT establishment survey)"),
        behaviour("experience_wage_growth", 0.03, "log points per year of experience in the South", 0, 0.2,
                  "assumption: Mincer returns to experience of a few percent a year"),
        behaviour("experience_cap_years", 10, "years", 1, 40,
                  "assumption: returns to experience level off", integer=True),
        behaviour("female_wage_discrimination", 0.1, "log points", 0, 0.5,
                  "assumption: the unexplained part of Korean gender wage-gap decompositions (a third or more of "
                  "a gap of about 0.35 log points); not measured for settlers"),
        behaviour("north_skill_wage_premium", 0.2, "log points at full recognition", 0, 1,
                  "assumption: Northern tertiary education or professional or administrative work"),
        behaviour("north_skill_regular_bonus", 0.25, "added share of regular offers at full recognition", 0, 1,
                  "assumption: as a recognised Southern certificate (credential_regular_bonus)"),
        behaviour("low_education_wage_penalty", 0.05, "log points", 0, 0.5,
                  "assumption: primary education or less in the North"),
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
        behaviour("prejudice_decline_per_year", 0.05, "log points per calendar year", 0, 0.3,
                  "assumption anchored on reported discrimination 19.5% (2022) to 14.0% (2025) (Hana surveys; "
                  "targets.csv): dialect learning alone gives about half the fall; 25.3% in 2014", fit=(0.0, 0.2, False)),
        behaviour("prejudice_anchor_year", 2023.5, "calendar year", 1990, 2100,
                  "definition: prejudice is discrimination_rate and discrimination_offer_penalty at mid-2023, the "
                  "middle of the 2022-2025 targets they were fitted to"),
    ),
    uses=("depression_threshold", "living_cost_10k_krw"),
    derived=(job_offer_rate_subsidised, discrimination_rate_after_effort, experience_wage_growth_per_month,
             tenure_wage_factor, dialect_gain_per_month),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

# what the labour month knows besides parameters: t (model month), born_by (latest birth month of
# those old enough to work), general_wage (10k KRW), prejudice (employer prejudice against settlers relative to
# prejudice_anchor_year), contacts_employed (employed settler contacts per row)
Month = collections.namedtuple("Month", ["t", "born_by", "general_wage", "prejudice", "contacts_employed"])


def prejudice_factor(year: float, p: Any) -> float:
    """Employer prejudice at calendar ``year`` relative to ``prejudice_anchor_year`` (1 there, falling over time)."""
    return math.exp(-p.prejudice_decline_per_year * (year - p.prejudice_anchor_year))


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """One month of the labour market for every settler past Hanawon who is old enough to work."""
    t = clock.month
    contacts = np.zeros(s.n, dtype=np.int32)
    employed_contacts(s.tie_a, s.tie_b, s.labour, contacts)  # counted on the labour states at the month's start
    m = Month(t, t - 12 * p.school_leaving_age, inputs.general_wage(clock.year, p.wage_growth_per_year),
              prejudice_factor(clock.year, p), contacts)
    key = run.each(settler_month, s, p, m)
    run.each(search_job, s, p, m, key=key, where="job_seeking")
    run.each(discrimination_and_dialect, s, p, m, key=key)


@kernel
def employed_contacts(tie_a, tie_b, labour, contacts):
    """Adds to ``contacts`` (shape (n,), zeros) each settler's employed settler contacts on the tie list."""
    for e in range(tie_a.size):
        a, b = tie_a[e], tie_b[e]
        contacts[a] += labour[b] == EMPLOYED
        contacts[b] += labour[a] == EMPLOYED


@rule
def in_market(status, labour, birth_month, born_by):
    """A settler takes part in this month's labour market: in South Korea, past Hanawon, old enough to work."""
    return (status == IN_SK) & (labour != HANAWON) & (birth_month <= born_by)


@rule
def without_childcare(female, youngest_child_age_months, childcare_age, u, childcare_support_coverage):
    """A mother of a child under ``childcare_age`` without childcare that covers full-time work this month
    (``u``: the settler's CHILDCARE draw of the month)."""
    return female & (youngest_child_age_months < 12 * childcare_age) & (u >= childcare_support_coverage)


@rule
def settler_month(i, key, s, p, m, ctr):
    """Steps 1-3 of the labour month for settler ``i`` (university, training, participation, job loss).

    Written without branches, so that the compiled loop runs on vector instructions (about twice as fast):
    every draw is taken for every row (a settler's draws depend only on its row and the draw's slot, so the
    draws not needed change nothing), and each column keeps its old value where a step does not apply
    (``new if applies else old``). Who searches for a job is left for ``search_job``.
    """
    t = m.t
    active = in_market(s.status[i], s.labour[i], s.birth_month[i], m.born_by)
    # university (free until 35): some reach school-leaving age and study on; they are out of the labour market
    starts = (active & (s.studying_until[i] == NEVER) & (t - s.birth_month[i] == 12 * p.school_leaving_age)
              & (uniform_of(key, i, Slot.UNIVERSITY) < p.university_entry_share))
    studying_until = t + MONTHS_PER_YEAR * p.university_years if starts else s.studying_until[i]
    s.studying_until[i] = studying_until
    studying = active & (studying_until > t)
    graduates = active & (studying_until == t)  # graduates hold a degree recognised in the South
    s.education[i] = TERTIARY if graduates else s.education[i]
    credentials = s.credentials[i] | graduates
    here = active & (not studying)  # the steps below apply
    depressed = s.depression[i] > p.depression_threshold
    stress = np.float64(s.money_stress[i])
    labour = s.labour[i]
    age_months = t - s.birth_month[i]
    female = s.female[i]

    # childcare: a mother of a young child without childcare this month is constrained
    constrained = without_childcare(female, t - s.youngest_child_birth_month[i], p.childcare_age,
                                    uniform_of(key, i, Slot.CHILDCARE), p.childcare_support_coverage)
    # the division of work in couples: a woman with a partner leaves the labour force more often
    partnered_woman = female & has_partner(s.partner[i], s.outside_partner[i])

    # 1. training in progress: a month done; finishers may gain a certificate and go back to the state they left,
    # or look for work after a course with job-search help
    in_training = here & (labour == TRAINING)
    training_left = s.training_left[i] - in_training
    finished = in_training & (training_left <= 0)
    credentials |= finished & (uniform_of(key, i, Slot.CERTIFICATE) < p.certificate_completion)
    after = UNEMPLOYED if s.training_search_help[i] else s.trained_from[i]
    labour = after if finished else labour

    # training uptake: money stress keeps people from training unless the stipend covers costs
    offered = here & s.training_offered[i] & ((labour == INACTIVE) | (labour == UNEMPLOYED))
    stipend_cover = min(1.0, s.stipend[i] / p.living_cost_10k_krw)
    s.training_offered[i] = s.training_offered[i] & (not offered)  # the offer is taken or lost
    takes = offered & (uniform_of(key, i, Slot.UPTAKE) < p.training_uptake_base * (1 - stress * (1 - stipend_cover)))
    s.trained_from[i] = labour if takes else s.trained_from[i]
    labour = TRAINING if takes else labour
    s.training_left[i] = p.training_months if takes else training_left
    s.credentials[i] = credentials

    # 2. participation (multipliers as 1 + (m - 1) x flag: the same as "m if flag else 1")
    entry = (p.lf_entry_rate * (1 + (p.urgency_entry_multiplier - 1) * stress)
             * (1 - p.depression_search_penalty * depressed)
             * (1 + (p.childcare_entry_factor - 1) * constrained))
    enters = here & (labour == INACTIVE) & (uniform_of(key, i, Slot.ENTRY) < entry)
    exit_rate = (p.lf_exit_rate * (1 + (p.childcare_exit_multiplier - 1) * constrained)
                 * (1 + (p.partnered_women_exit_multiplier - 1) * partnered_woman)
                 * (1 + (p.health_exit_multiplier - 1) * s.health_limit[i])
                 * (1 + (p.older_exit_multiplier - 1) * (age_months >= 12 * p.older_age))
                 * (1 + (p.depression_lf_exit_multiplier - 1) * depressed))
    leaves = (here & ((labour == UNEMPLOYED) | (labour == EMPLOYED))
              & (uniform_of(key, i, Slot.EXIT) < min(exit_rate, 1.0)))
    quit_job = leaves & (labour == EMPLOYED)
    labour = UNEMPLOYED if enters else (INACTIVE if leaves else labour)

    # 3. job loss for the employed (tenure, experience and wage grow first; the separated are reset below)
    employed = here & (labour == EMPLOYED)
    job = s.job_type[i]
    separation = (p.separation_regular * (job == REGULAR) + p.separation_temporary * (job == TEMPORARY)
                  + p.separation_day * (job == DAY_LABOUR))
    earning_incentive = ((s.tenure[i] >= s.incentive_min_tenure[i]) & (t < s.incentive_until[i])
                         & (s.incentive_per_month[i] > 0))
    separation *= ((1 + (p.depression_separation_multiplier - 1) * depressed)
                   * (1 + (p.incentive_retention_multiplier - 1) * earning_incentive))
    separated = employed & (uniform_of(key, i, Slot.SEPARATION) < separation)
    labour = UNEMPLOYED if separated else labour
    reset = separated | quit_job
    s.tenure[i] = 0 if reset else s.tenure[i] + employed
    s.experience[i] = s.experience[i] + employed
    s.wage[i] = 0.0 if reset else (s.wage[i] * p.tenure_wage_factor if employed else s.wage[i])
    s.job_type[i] = NO_JOB if reset else job
    s.hours[i] = 0.0 if reset else s.hours[i]
    s.service_job[i] = s.service_job[i] & (not reset)

    s.labour[i] = INACTIVE if studying else labour
    # 4. job search (a job lost this month is searched for from next month): search_job
    s.job_seeking[i] = here & (labour == UNEMPLOYED) & (not separated)


@rule
def search_job(i, key, s, p, m, ctr):
    """Step 4 for a settler searching this month: offers, their type, acceptance, hours and the starting wage."""
    if not s.job_seeking[i]:
        return
    t = m.t
    female = s.female[i]
    depressed = s.depression[i] > p.depression_threshold
    stress = np.float64(s.money_stress[i])
    # drawn through the counter (the same numbers as uniform_of): its stores keep this loop scalar, which the
    # exp of the few searchers needs (vectorized, the loop would compute it for every row)
    constrained = without_childcare(female, t - s.youngest_child_birth_month[i], p.childcare_age,
                                    uniform_at(ctr, key, i, Slot.CHILDCARE), p.childcare_support_coverage)
    recent_discrimination = (t - s.last_discrimination[i]) < PAST_YEAR_MONTHS
    contacts = min(m.contacts_employed[i] + s.sk_ties[i], p.referral_contacts_cap)
    offer_rate = (p.job_offer_rate_subsidised
                  * (1 + p.dialect_offer_effect * s.dialect[i])
                  * (1 + p.referral_per_contact * contacts)
                  * (1 + (p.mentor_referral_multiplier - 1) * (s.mentor_left[i] > 0))
                  * (1 - min(1.0, p.discrimination_offer_penalty * m.prejudice) * recent_discrimination)
                  * (1 - p.female_offer_discrimination * female)
                  * (1 - p.depression_search_penalty * depressed))
    if uniform_at(ctr, key, i, Slot.OFFER) < 1 - math.exp(-offer_rate):
        north_skilled = ((s.education[i] == TERTIARY) | (s.north_occupation[i] == NK_PROFESSIONAL)
                         | (s.north_occupation[i] == NK_ADMINISTRATIVE))
        regular_share = min(1.0, p.regular_offer_share_male
                            + (p.regular_offer_share_female - p.regular_offer_share_male) * female
                            + p.credential_regular_bonus * s.credentials[i]
                            + p.north_skill_regular_bonus * p.credential_recognition * north_skilled)
        if uniform_at(ctr, key, i, Slot.OFFER_TYPE) < regular_share:
            offer, ratio, hired = REGULAR, p.wage_ratio_regular, True  # regular offers are always taken
        else:
            day_share = p.day_offer_share_male + (p.day_offer_share_female - p.day_offer_share_male) * female
            if uniform_at(ctr, key, i, Slot.DAY_OR_TEMPORARY) < day_share:
                offer, ratio = DAY_LABOUR, p.wage_ratio_day
            else:
                offer, ratio = TEMPORARY, p.wage_ratio_temporary
            accept = min(1.0, p.accept_nonregular_base + p.accept_nonregular_urgency * stress)
            hired = uniform_at(ctr, key, i, Slot.ACCEPT) < accept
        service_share = (p.service_offer_share_male
                         + (p.service_offer_share_female - p.service_offer_share_male) * female)
        service = uniform_at(ctr, key, i, Slot.SECTOR) < service_share
        part_share = (p.part_time_offer_share_male
                      + (p.part_time_offer_share_female - p.part_time_offer_share_male) * female)
        part_time = uniform_at(ctr, key, i, Slot.PART_TIME) < part_share
        hired = hired and (part_time or not constrained)  # a mother without childcare takes part-time work only
        if hired:
            s.labour[i] = EMPLOYED
            hours = p.part_time_hours if part_time else p.full_time_hours
            s.job_type[i] = offer
            s.tenure[i] = 0
            s.hours[i] = hours
            s.service_job[i] = service
            base = (m.general_wage * ratio * (1 + (p.service_wage_ratio - 1) * service)
                    * hours / p.full_time_hours)
            log_premium = (p.experience_wage_growth_per_month
                           * min(np.float64(s.experience[i]), 12.0 * p.experience_cap_years)
                           + p.north_skill_wage_premium * p.credential_recognition * north_skilled
                           - p.low_education_wage_penalty * (s.education[i] == PRIMARY_OR_LESS)
                           - p.female_wage_discrimination * female)
            s.wage[i] = starting_wage(base, s.productivity[i], s.credentials[i], s.dialect[i], log_premium,
                                      p.credential_wage_premium, p.dialect_wage_premium)


@rule
def discrimination_and_dialect(i, key, s, p, m, ctr):
    """Steps 5 (discrimination, after hiring: more at work) and 6 (dialect learning), without branches."""
    here = in_market(s.status[i], s.labour[i], s.birth_month[i], m.born_by) & (s.studying_until[i] <= m.t)
    discrimination = (p.discrimination_rate_after_effort * m.prejudice * (1 - np.float64(s.dialect[i]))
                      * (1 + (p.workplace_discrimination_multiplier - 1) * (s.labour[i] == EMPLOYED)))
    discriminated = here & (uniform_of(key, i, Slot.DISCRIMINATION) < discrimination)
    s.last_discrimination[i] = m.t if discriminated else s.last_discrimination[i]
    dialect = s.dialect[i] + p.dialect_gain_per_month * (np.float32(1) - s.dialect[i])
    s.dialect[i] = dialect if here else s.dialect[i]


@rule
def starting_wage(base, productivity, credentials, dialect, log_premium, credential_wage_premium,
                  dialect_wage_premium):
    """Starting wage: ``base`` (general wage x job-type and sector ratios x hours share) times the premiums.

    ``log_premium``: the other log premiums (experience, Northern education, less sex discrimination).
    """
    return base * math.exp(np.float64(productivity) + credential_wage_premium * credentials
                           + dialect_wage_premium * dialect + log_premium)
