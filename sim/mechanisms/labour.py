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
from sim.jit import kernel
from sim.kernel_random import inline, seed, uniform_at
from sim.params import Parameters
from sim.state import (
    DAY_LABOUR,
    EMPLOYED,
    HANAWON,
    IN_SK,
    INACTIVE,
    JOB_NAMES,
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
# draw slots (sim.kernel_random): each kind of draw has its own random numbers per settler
SLOT_CERTIFICATE = 0
SLOT_UPTAKE = 1
SLOT_ENTRY = 2
SLOT_EXIT = 3
SLOT_SEPARATION = 4
SLOT_OFFER = 5
SLOT_OFFER_TYPE = 6
SLOT_DAY_OR_TEMPORARY = 7
SLOT_ACCEPT = 8
SLOT_DISCRIMINATION = 9


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    _month(seed(rng), t, t - 12 * int(p.school_leaving_age), s.status, s.labour, s.birth_month, s.female, s.children,
           s.health_limit, s.depression, s.money_stress, s.training_offered, s.training_left, s.credentials,
           s.stipend, s.job_type, s.wage, s.tenure, s.incentive_per_month, s.incentive_min_tenure, s.incentive_until,
           s.dialect, s.productivity, s.sk_ties, s.mentor_left, s.last_discrimination, s.tie_a, s.tie_b,
           p.depression_threshold, p.certificate_completion, p.living_cost_10k_krw, p.training_uptake_base,
           int(p.training_months), p.lf_entry_rate, p.urgency_entry_multiplier, p.depression_search_penalty,
           p.lf_exit_rate, p.care_exit_multiplier, p.health_exit_multiplier, p.older_exit_multiplier,
           p.depression_separation_multiplier, p.separation_regular, p.separation_temporary, p.separation_day,
           p.incentive_retention_multiplier, np.float32(np.exp(p.tenure_wage_growth)),
           p.job_offer_rate * (1 + p.employer_subsidy_offer_elasticity * p.employer_wage_subsidy_share),
           p.dialect_offer_effect, p.referral_per_contact, int(p.referral_contacts_cap), p.mentor_referral_multiplier,
           p.discrimination_offer_penalty, p.regular_offer_share, p.credential_regular_bonus, p.day_offer_share,
           p.accept_nonregular_base, p.accept_nonregular_urgency,
           inputs.general_wage(clock.year, p.wage_growth_per_year), p.wage_ratio_regular, p.wage_ratio_temporary,
           p.wage_ratio_day, p.credential_wage_premium, p.dialect_wage_premium, p.female_wage_gap,
           p.discrimination_rate * (1 - p.anti_discrimination_effort), p.workplace_discrimination_multiplier,
           np.float32(p.dialect_learning_rate))


@kernel
def _month(key, t, born_by, status, labour_col, birth_month, female, children,
           health_limit, depression, money_stress, training_offered, training_left, credentials,
           stipend, job_type, wage, tenure, incentive_per_month, incentive_min_tenure, incentive_until,
           dialect, productivity, sk_ties, mentor_left, last_discrimination, tie_a, tie_b,
           depression_threshold, certificate_completion, living_cost, uptake_base,
           training_months, entry_base, urgency_multiplier, depression_search_penalty,
           exit_base, care_multiplier, health_multiplier, older_multiplier,
           depression_separation_multiplier, separation_regular, separation_temporary, separation_day,
           incentive_retention_multiplier, tenure_growth,
           offer_base, dialect_offer_effect, referral_per_contact, contacts_cap, mentor_multiplier,
           discrimination_offer_penalty, regular_offer_share, credential_regular_bonus, day_offer_share,
           accept_base, accept_urgency,
           general_wage, ratio_regular, ratio_temporary,
           ratio_day, credential_premium, dialect_premium, female_gap,
           discrimination_base, workplace_multiplier, learning_rate):
    """One month of the labour market for every settler past Hanawon born by ``born_by``."""
    contacts_employed = _employed_contacts(tie_a, tie_b, labour_col)  # on the labour states at the month's start

    ctr = np.zeros(1, dtype=np.uint64)  # each draw is its own (settler, slot): see sim.kernel_random
    for i in range(status.size):
        if status[i] != IN_SK or labour_col[i] == HANAWON or birth_month[i] > born_by:
            continue
        depressed = depression[i] > depression_threshold
        stress = np.float64(money_stress[i])
        labour = labour_col[i]  # updated here, written back after the job search
        age_months = t - birth_month[i]

        # training in progress: a month done; finishers may gain a certificate, then look for work
        if labour == TRAINING:
            training_left[i] -= 1
            if training_left[i] <= 0:
                if uniform_at(ctr, key, i, SLOT_CERTIFICATE) < certificate_completion:
                    credentials[i] = True
                labour = UNEMPLOYED

        # training uptake: money stress keeps people from training unless the stipend covers costs
        if training_offered[i] and labour in (INACTIVE, UNEMPLOYED):
            stipend_cover = min(1.0, stipend[i] / living_cost)
            training_offered[i] = False  # the offer is taken or lost
            if uniform_at(ctr, key, i, SLOT_UPTAKE) < uptake_base * (1 - stress * (1 - stipend_cover)):
                labour = TRAINING
                training_left[i] = training_months

        # participation (multipliers as 1 + (m - 1) x flag: the same as "m if flag else 1", without branches)
        quit_job = False
        if labour == INACTIVE:
            entry = entry_base * (1 + (urgency_multiplier - 1) * stress) * (1 - depression_search_penalty * depressed)
            if uniform_at(ctr, key, i, SLOT_ENTRY) < entry:
                labour = UNEMPLOYED
        elif labour in (UNEMPLOYED, EMPLOYED):
            care = female[i] & (children[i] > 0) & (age_months < 12 * CARE_MAX_AGE)
            exit_rate = (exit_base * (1 + (care_multiplier - 1) * care)
                         * (1 + (health_multiplier - 1) * health_limit[i])
                         * (1 + (older_multiplier - 1) * (age_months >= 12 * OLDER_AGE))
                         * (1 + (depression_separation_multiplier - 1) * depressed))
            if uniform_at(ctr, key, i, SLOT_EXIT) < min(exit_rate, 1.0):
                quit_job = labour == EMPLOYED
                labour = INACTIVE

        # employed: tenure, wage growth, separation (tenure and wage grow first; the separated are reset below)
        separated = False
        if labour == EMPLOYED:
            job = job_type[i]
            sep = (separation_regular * (job == REGULAR) + separation_temporary * (job == TEMPORARY)
                   + separation_day * (job == DAY_LABOUR))
            earning_incentive = ((tenure[i] >= incentive_min_tenure[i]) & (t < incentive_until[i])
                                 & (incentive_per_month[i] > 0))
            sep *= ((1 + (depression_separation_multiplier - 1) * depressed)
                    * (1 + (incentive_retention_multiplier - 1) * earning_incentive))
            separated = uniform_at(ctr, key, i, SLOT_SEPARATION) < sep
            tenure[i] += 1
            wage[i] *= tenure_growth
            if separated:
                labour = UNEMPLOYED
        if separated or quit_job:
            job_type[i] = NO_JOB
            wage[i] = 0.0
            tenure[i] = 0

        # job search (a job lost this month is searched for from next month)
        searching = labour == UNEMPLOYED
        if searching and not separated:
            recent_disc = (t - last_discrimination[i]) < RECENT_MONTHS
            contacts = min(contacts_employed[i] + sk_ties[i], contacts_cap)
            rate = (offer_base
                    * (1 + dialect_offer_effect * dialect[i])
                    * (1 + referral_per_contact * contacts)
                    * (1 + (mentor_multiplier - 1) * (mentor_left[i] > 0))
                    * (1 - discrimination_offer_penalty * recent_disc)
                    * (1 - depression_search_penalty * depressed))
            if uniform_at(ctr, key, i, SLOT_OFFER) < 1 - np.exp(-rate):
                regular_share = min(1.0, regular_offer_share + credential_regular_bonus * credentials[i])
                if uniform_at(ctr, key, i, SLOT_OFFER_TYPE) < regular_share:
                    offer, ratio, hired = REGULAR, ratio_regular, True  # regular offers are always taken
                else:
                    if uniform_at(ctr, key, i, SLOT_DAY_OR_TEMPORARY) < day_offer_share:
                        offer, ratio = DAY_LABOUR, ratio_day
                    else:
                        offer, ratio = TEMPORARY, ratio_temporary
                    hired = uniform_at(ctr, key, i, SLOT_ACCEPT) < min(1.0, accept_base + accept_urgency * stress)
                if hired:
                    labour = EMPLOYED
                    job_type[i] = offer
                    tenure[i] = 0
                    wage[i] = _wage(general_wage * ratio, productivity[i], credentials[i], dialect[i], female[i],
                                    credential_premium, dialect_premium, female_gap)

        labour_col[i] = labour

        # discrimination (after hiring: more at work), then dialect learning
        disc = discrimination_base * (1 - dialect[i]) * (1 + (workplace_multiplier - 1) * (labour == EMPLOYED))
        if uniform_at(ctr, key, i, SLOT_DISCRIMINATION) < disc:
            last_discrimination[i] = t
        dialect[i] += learning_rate * (np.float32(1) - dialect[i])


@inline
def _wage(base, productivity, credentials, dialect, female, credential_premium, dialect_premium, female_gap):
    """Starting wage: ``base`` (general wage x job-type ratio) times the individual premiums."""
    log_premium = (np.float64(productivity) + credential_premium * credentials
                   + dialect_premium * dialect - female_gap * female)
    return base * np.exp(log_premium)


@kernel
def _starting_wages(base, rows, productivity, credentials, dialect, female, credential_premium, dialect_premium,
                    female_gap):
    out = np.empty(rows.size, dtype=np.float32)
    for k in range(rows.size):
        i = rows[k]
        out[k] = _wage(base[k], productivity[i], credentials[i], dialect[i], female[i],
                       credential_premium, dialect_premium, female_gap)
    return out


def starting_wage(s: State, p: Parameters, rows: np.ndarray, job_type: np.ndarray, clock: Clock) -> np.ndarray:
    """Monthly wage (10k KRW) offered to ``rows`` for jobs of ``job_type``, shape (len(rows),): the kernel's rule."""
    general = inputs.general_wage(clock.year, p.wage_growth_per_year)
    ratio_by_job = np.full(len(JOB_NAMES), p.wage_ratio_day)  # day labour (and anything else)
    ratio_by_job[[REGULAR, TEMPORARY]] = p.wage_ratio_regular, p.wage_ratio_temporary
    return _starting_wages(general * ratio_by_job[job_type], np.asarray(rows, dtype=np.intp), s.productivity,
                           s.credentials, s.dialect, s.female, p.credential_wage_premium, p.dialect_wage_premium,
                           p.female_wage_gap)


@kernel
def _employed_contacts(tie_a, tie_b, labour):
    """Employed settler contacts of each settler, shape (n,) int32."""
    contacts = np.zeros(labour.size, dtype=np.int32)
    for e in range(tie_a.size):
        a, b = tie_a[e], tie_b[e]
        contacts[a] += labour[b] == EMPLOYED
        contacts[b] += labour[a] == EMPLOYED
    return contacts


def employed_contacts(s: State) -> np.ndarray:
    """Number of employed settler contacts of each settler, shape (n,) (what the job search counts)."""
    return _employed_contacts(s.tie_a, s.tie_b, s.labour)
