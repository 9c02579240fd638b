"""Mental health: PTSD, depression, loneliness, suicidal impulses and life satisfaction.

Assumptions and sources:

* Symptom scores are on 0-1; major depression and probable PTSD are scores above
  ``depression_threshold`` / ``ptsd_threshold``; lifetime flags stay set once crossed.
* PTSD fades at ``ptsd_recovery_rate`` (brief: PTSD tends to fade over the first years).
* Depression moves each month a fraction ``depression_adjust_rate`` towards a level set by
  circumstances: money stress, unemployment, loneliness, discrimination in the past year and
  PTSD (brief: acculturation stress, loneliness and depression can grow), plus noise.
* Counselling lowers both scores while it lasts; a course's total effect equals the
  meta-analytic SMD (Turrini 2019: depression -1.02, PTSD -0.71) times ``symptom_sd``. Since
  depression keeps being pulled back towards its circumstantial level, the gain fades when
  circumstances do not change (Bryant 2022: no difference at 12 months).
* Loneliness moves towards 1 / (1 + ties / ``loneliness_half_ties``).
* A suicidal impulse occurs with a logistic probability in depression, trauma and recent
  discrimination (brief: trauma and discrimination together predict suicidal ideation).
* Satisfied with life when a logistic index of depression, money stress, employment,
  discrimination and an individual propensity is positive.
"""

from __future__ import annotations

import numpy as np

from sim.clock import Clock
from sim.jit import kernel
from sim.kernel_random import at, seed, standard_normal, uniform_at
from sim.mechanisms.ties import support_tie_count
from sim.params import Parameters
from sim.state import EMPLOYED, IN_SK, UNEMPLOYED, State

RECENT_MONTHS = 12
EXP_TERM_2 = 1 / 2  # Taylor coefficients of exp: 1 + x + x^2/2 + x^3/6 <= exp(x) for x >= 0
EXP_TERM_3 = 1 / 6
SLOT_NOISE = 0  # draw slots (sim.kernel_random): each kind of draw has its own random numbers per settler
SLOT_IDEATION = 1


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    course = max(1.0, p.counselling_course_months)
    _month(seed(rng), clock.month, s.status, s.labour, s.counselling_left, s.settler_ties, s.sk_ties, s.mentor_left,
           s.lives_alone, s.last_discrimination, s.money_stress, s.trauma, s.satisfaction_propensity,
           s.ptsd, s.loneliness, s.depression, s.depression_ever, s.ptsd_ever, s.last_ideation, s.satisfied,
           1 - p.ptsd_recovery_rate, p.treatment_ptsd_smd * p.symptom_sd / course,
           p.treatment_depression_smd * p.symptom_sd / course,
           p.loneliness_half_ties, p.loneliness_adjust_rate,
           p.depression_base, p.depression_from_money, p.depression_from_unemployment, p.depression_from_loneliness,
           p.depression_from_discrimination, p.depression_from_ptsd, p.depression_adjust_rate, p.depression_noise_sd,
           p.depression_threshold, p.ptsd_threshold,
           p.ideation_base_logit, p.ideation_depression_logit, p.ideation_trauma_logit, p.ideation_discrimination_logit,
           p.satisfaction_base, p.satisfaction_depression, p.satisfaction_money, p.satisfaction_employment,
           p.satisfaction_discrimination)


@kernel
def _month(key, t, status, labour, counselling_left, settler_ties, sk_ties, mentor_left,
           lives_alone, last_discrimination, money_stress, trauma, propensity,
           ptsd_col, lonely_col, dep_col, depression_ever, ptsd_ever, last_ideation, satisfied,
           ptsd_keep, ptsd_treatment, dep_treatment,
           half_ties, lonely_rate,
           dep_base, dep_money, dep_unemployment, dep_loneliness,
           dep_discrimination, dep_ptsd, dep_rate, noise_sd,
           dep_threshold, ptsd_threshold,
           idea_base, idea_depression, idea_trauma, idea_discrimination,
           sat_base, sat_depression, sat_money, sat_employment, sat_discrimination):
    """One month of mental health for every settler in South Korea."""
    ctr = np.zeros(1, dtype=np.uint64)
    for i in range(status.size):
        if status[i] != IN_SK:
            continue
        treated = counselling_left[i] > 0

        ptsd_col[i] = min(1.0, max(0.0, ptsd_col[i] * ptsd_keep - ptsd_treatment * treated))
        ptsd = ptsd_col[i]  # the stored (float32) value from here on

        ties = support_tie_count(i, settler_ties, sk_ties, mentor_left, lives_alone)
        lonely_target = 1 / (1 + ties / half_ties)
        lonely_col[i] = lonely_col[i] + lonely_rate * (lonely_target - lonely_col[i])
        loneliness = lonely_col[i]

        recent_disc = (t - np.int64(last_discrimination[i])) < RECENT_MONTHS
        stress = money_stress[i]
        target = (dep_base + dep_money * stress + dep_unemployment * (labour[i] == UNEMPLOYED)
                  + dep_loneliness * loneliness + dep_discrimination * recent_disc + dep_ptsd * ptsd)
        dep = dep_col[i] + dep_rate * (target - dep_col[i])
        at(ctr, key, i, SLOT_NOISE)
        dep += standard_normal(ctr) * noise_sd  # N(0, sd)
        dep -= dep_treatment * treated
        dep_col[i] = min(1.0, max(0.0, dep))
        depression = dep_col[i]
        depression_ever[i] |= depression > dep_threshold
        ptsd_ever[i] |= ptsd > ptsd_threshold

        logit = (idea_base + idea_depression * depression + idea_trauma * trauma[i]
                 + idea_discrimination * recent_disc)
        if _below_expit(uniform_at(ctr, key, i, SLOT_IDEATION), logit):
            last_ideation[i] = t

        index = (sat_base - sat_depression * depression - sat_money * stress
                 + sat_employment * (labour[i] == EMPLOYED) - sat_discrimination * recent_disc + propensity[i])
        satisfied[i] = index > 0


@kernel
def _below_expit(u, logit):
    """``u < 1 / (1 + exp(-logit))``, exactly, mostly without computing the exp (which is slow per settler).

    For x = -logit >= 0, exp(x) >= 1 + x + x^2/2 + x^3/6, so u (2 + x + x^2/2 + x^3/6) >= 1 already means
    u >= expit(logit): the common case (impulses are rare) is decided by a polynomial."""
    x = -logit
    if x >= 0 and u * (2 + x * (1 + x * (EXP_TERM_2 + x * EXP_TERM_3))) >= 1:
        return False
    return u < 1 / (1 + np.exp(x))
