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
from sim.draws import rare_events
from sim.params import Parameters
from sim.rows import Rows
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


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    # age >= school_leaving_age  <=>  months since birth >= 12 x school_leaving_age (ages are whole years)
    active = (s.status == IN_SK) & (s.labour != HANAWON) & (s.birth_month <= t - 12 * int(p.school_leaving_age))
    sub = Rows(active)
    if sub.count == 0:
        return
    of, idx, n = sub.of, sub.index, sub.size  # local values, state rows of local positions, local size
    depressed = of(s.depression) > p.depression_threshold
    stress = of(s.money_stress).astype(float)
    labour = of(s.labour).copy()  # updated locally, written back at the end
    age_months = t - of(s.birth_month)

    # training in progress: a month done; finishers may gain a certificate, then look for work
    training = sub.where(labour == TRAINING)
    if training.size:
        s.training_left[idx(training)] -= 1
        done = training[s.training_left[idx(training)] <= 0]
        passed = done[rng.random(done.size) < p.certificate_completion]
        s.credentials[idx(passed)] = True
        labour[done] = UNEMPLOYED

    # training uptake: money stress keeps people from training unless the stipend covers costs
    offered = sub.where(of(s.training_offered))
    can_train = offered[(labour[offered] == INACTIVE) | (labour[offered] == UNEMPLOYED)]
    if can_train.size:
        rows = idx(can_train)
        stipend_cover = np.minimum(1.0, s.stipend[rows] / p.living_cost_10k_krw)
        uptake = p.training_uptake_base * (1 - stress[can_train] * (1 - stipend_cover))
        start = can_train[rng.random(can_train.size) < uptake]
        s.training_offered[rows] = False  # the offer is taken or lost
        labour[start] = TRAINING
        s.training_left[idx(start)] = int(p.training_months)

    # participation (multipliers as 1 + (m - 1) x flag: the same as "m if flag else 1", without branches)
    entry = p.lf_entry_rate * (1 + (p.urgency_entry_multiplier - 1) * stress)
    entry *= 1 - p.depression_search_penalty * depressed
    care = of(s.female) & (of(s.children) > 0) & (age_months < 12 * CARE_MAX_AGE)
    exit_rate = p.lf_exit_rate * (1 + (p.care_exit_multiplier - 1) * care)
    exit_rate *= 1 + (p.health_exit_multiplier - 1) * of(s.health_limit)
    exit_rate *= 1 + (p.older_exit_multiplier - 1) * (age_months >= 12 * OLDER_AGE)
    exit_rate *= 1 + (p.depression_separation_multiplier - 1) * depressed
    u = rng.random(n)
    enters = (labour == INACTIVE) & (u < entry)
    leaves = ((labour == UNEMPLOYED) | (labour == EMPLOYED)) & (u < np.minimum(exit_rate, 1.0))
    quit_job = sub.where(leaves & (labour == EMPLOYED))
    labour[enters] = UNEMPLOYED
    labour[leaves] = INACTIVE

    # employed: tenure, wage growth, separation (drawn for the employed only, by thinning)
    employed = sub.where(labour == EMPLOYED)
    sep_by_job = np.zeros(len(JOB_NAMES))
    sep_by_job[[REGULAR, TEMPORARY, DAY_LABOUR]] = p.separation_regular, p.separation_temporary, p.separation_day

    def separation(c: np.ndarray | slice) -> np.ndarray:
        pos = employed[c]
        rows = idx(pos)
        sep = sep_by_job[s.job_type[rows]] * (1 + (p.depression_separation_multiplier - 1) * depressed[pos])
        earning_incentive = (s.tenure[rows] >= s.incentive_min_tenure[rows]) & (t < s.incentive_until[rows]) \
            & (s.incentive_per_month[rows] > 0)
        return sep * (1 + (p.incentive_retention_multiplier - 1) * earning_incentive)

    sep_max = sep_by_job.max() * max(1.0, p.depression_separation_multiplier) * max(1.0, p.incentive_retention_multiplier)
    separated = employed[rare_events(rng, employed.size, sep_max, separation)]
    rows = idx(employed)  # all employed gain tenure and wage; those separated are reset just below
    s.tenure[rows] += 1
    s.wage[rows] *= np.float32(np.exp(p.tenure_wage_growth))
    labour[separated] = UNEMPLOYED
    lost = idx(np.concatenate([separated, quit_job]))
    s.job_type[lost] = NO_JOB
    s.wage[lost] = 0.0
    s.tenure[lost] = 0

    # job search (a job lost this month is searched for from next month)
    searching = labour == UNEMPLOYED
    searching[separated] = False
    searching = sub.where(searching)
    if searching.size:
        rows = idx(searching)
        recent_disc = (t - s.last_discrimination[rows]) < RECENT_MONTHS
        contacts = np.minimum(employed_contacts(s, rows) + s.sk_ties[rows], p.referral_contacts_cap)
        rate = (p.job_offer_rate
                * (1 + p.dialect_offer_effect * s.dialect[rows])
                * (1 + p.referral_per_contact * contacts)
                * (1 + (p.mentor_referral_multiplier - 1) * (s.mentor_left[rows] > 0))
                * (1 + p.employer_subsidy_offer_elasticity * p.employer_wage_subsidy_share)
                * (1 - p.discrimination_offer_penalty * recent_disc)
                * (1 - p.depression_search_penalty * depressed[searching]))
        offered = searching[rng.random(searching.size) < 1 - np.exp(-rate)]
        if offered.size:
            rows = idx(offered)
            regular_share = np.minimum(1.0, p.regular_offer_share + p.credential_regular_bonus * s.credentials[rows])
            v = rng.random(offered.size)
            offer_type = np.where(v < regular_share, REGULAR,
                                  np.where(rng.random(offered.size) < p.day_offer_share, DAY_LABOUR, TEMPORARY))
            accept_prob = np.where(offer_type == REGULAR, 1.0,
                                   np.minimum(1.0, p.accept_nonregular_base + p.accept_nonregular_urgency * stress[offered]))
            hired = rng.random(offered.size) < accept_prob
            h = rows[hired]
            labour[offered[hired]] = EMPLOYED
            s.job_type[h] = offer_type[hired]
            s.tenure[h] = 0
            s.wage[h] = starting_wage(s, p, h, offer_type[hired], clock)

    sub.put(s.labour, labour)

    # discrimination (drawn by thinning: the rate is at most its value at zero proficiency at work)
    def discrimination(c: np.ndarray | slice) -> np.ndarray:
        return (p.discrimination_rate * (1 - s.dialect[idx(c)]) * (1 - p.anti_discrimination_effort)
                * (1 + (p.workplace_discrimination_multiplier - 1) * (labour[c] == EMPLOYED)))

    disc_max = p.discrimination_rate * (1 - p.anti_discrimination_effort) * max(1.0, p.workplace_discrimination_multiplier)
    s.last_discrimination[idx(sub.keep(rare_events(rng, n, disc_max, discrimination)))] = t
    # dialect learning for the active (x 1 or x 0 on the whole column: cheaper than gathering the rows)
    s.dialect += np.float32(p.dialect_learning_rate) * (1 - s.dialect) * active


def starting_wage(s: State, p: Parameters, rows: np.ndarray, job_type: np.ndarray, clock: Clock) -> np.ndarray:
    """Monthly wage (10k KRW) offered to ``rows`` for jobs of ``job_type``, shape (len(rows),)."""
    general = inputs.general_wage(clock.year, p.wage_growth_per_year)
    ratio_by_job = np.full(len(JOB_NAMES), p.wage_ratio_day)  # day labour (and anything else)
    ratio_by_job[[REGULAR, TEMPORARY]] = p.wage_ratio_regular, p.wage_ratio_temporary
    ratio = ratio_by_job[job_type]
    log_premium = (s.productivity[rows] + p.credential_wage_premium * s.credentials[rows]
                   + p.dialect_wage_premium * s.dialect[rows] - p.female_wage_gap * s.female[rows])
    return (general * ratio * np.exp(log_premium)).astype(np.float32)


def employed_contacts(s: State, rows: np.ndarray | None = None) -> np.ndarray:
    """Number of employed settler contacts of each settler, shape (n,); of ``rows`` only (sorted), shape (len(rows),)."""
    employed = s.labour == EMPLOYED
    if rows is None:
        return (np.bincount(s.tie_a, weights=employed[s.tie_b], minlength=s.n)
                + np.bincount(s.tie_b, weights=employed[s.tie_a], minlength=s.n))
    wanted = np.zeros(s.n, dtype=bool)
    wanted[rows] = True
    a, b = s.tie_a, s.tie_b
    from_a = np.flatnonzero(wanted[a])  # ties of the wanted rows (few): check the other end only there
    from_b = np.flatnonzero(wanted[b])
    ends = np.concatenate([a[from_a[employed[b[from_a]]]], b[from_b[employed[a[from_b]]]]])
    return np.bincount(np.searchsorted(rows, ends), minlength=rows.size)
