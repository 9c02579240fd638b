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
from scipy.special import expit

from sim.clock import Clock
from sim.mechanisms.ties import support_ties
from sim.params import Parameters
from sim.rows import Rows
from sim.state import EMPLOYED, IN_SK, UNEMPLOYED, State

RECENT_MONTHS = 12


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    rows = Rows(s.status == IN_SK)
    if rows.count == 0:
        return
    of = rows.of  # values at the rows (never modified in place)
    treated = of(s.counselling_left) > 0
    course = max(1.0, p.counselling_course_months)

    ptsd = of(s.ptsd) * (1 - p.ptsd_recovery_rate)
    ptsd -= p.treatment_ptsd_smd * p.symptom_sd / course * treated
    ptsd = np.clip(ptsd, 0, 1)
    rows.put(s.ptsd, ptsd)

    ties = support_ties(s, None if rows.dense else rows.idx)
    lonely_target = 1 / (1 + ties / p.loneliness_half_ties)
    loneliness = of(s.loneliness)
    loneliness = (loneliness + p.loneliness_adjust_rate * (lonely_target - loneliness)).astype(s.loneliness.dtype)
    rows.put(s.loneliness, loneliness)

    recent_disc = (t - of(s.last_discrimination)) < RECENT_MONTHS
    money_stress = of(s.money_stress)
    labour = of(s.labour)
    target = (p.depression_base
              + p.depression_from_money * money_stress
              + p.depression_from_unemployment * (labour == UNEMPLOYED)
              + p.depression_from_loneliness * loneliness
              + p.depression_from_discrimination * recent_disc
              + p.depression_from_ptsd * ptsd)
    depression = of(s.depression)
    dep = depression + p.depression_adjust_rate * (target - depression)
    dep += rng.standard_normal(rows.size, dtype=np.float32) * np.float32(p.depression_noise_sd)  # N(0, sd)
    dep -= p.treatment_depression_smd * p.symptom_sd / course * treated
    depression = np.clip(dep, 0, 1).astype(s.depression.dtype)
    rows.put(s.depression, depression)
    rows.put(s.depression_ever, of(s.depression_ever) | (depression > p.depression_threshold))
    rows.put(s.ptsd_ever, of(s.ptsd_ever) | (ptsd > p.ptsd_threshold))

    logit = (p.ideation_base_logit + p.ideation_depression_logit * depression  # float32 throughout
             + p.ideation_trauma_logit * of(s.trauma) + np.float32(p.ideation_discrimination_logit) * recent_disc)
    s.last_ideation[rows.index(rows.where(rng.random(rows.size, dtype=np.float32) < expit(logit)))] = t

    index = (p.satisfaction_base - p.satisfaction_depression * depression
             - p.satisfaction_money * money_stress
             + p.satisfaction_employment * (labour == EMPLOYED)
             - p.satisfaction_discrimination * recent_disc + of(s.satisfaction_propensity))
    rows.put(s.satisfied, index > 0)
