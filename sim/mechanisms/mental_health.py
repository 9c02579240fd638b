"""Mental health: PTSD, depression, loneliness, suicidal impulses and life satisfaction.

Assumptions and sources:

* Symptom scores are on 0-1; major depression and probable PTSD are scores above
  ``depression_threshold`` / ``ptsd_threshold``; lifetime flags stay set once crossed.
* PTSD fades at ``ptsd_recovery_rate`` (brief: PTSD tends to fade over the first years).
* Depression moves each month a fraction ``depression_adjust_rate`` towards a level set by
  circumstances: money stress, unemployment, loneliness, discrimination in the past year and
  PTSD (brief: acculturation stress, loneliness and depression can grow) and worry about family in
  the North (``family_worry``, declared by the family mechanism), plus noise.
* Counselling lowers both scores while it lasts; a course's total effect equals the
  meta-analytic SMD (Turrini 2019: depression -1.02, PTSD -0.71) times the SD of the score among
  settlers in need (``treatment_depression_sd``; ``symptom_sd`` for PTSD), the SD in which the trials
  measure it, so that the replica ``trials/turrini2019_psychosocial.yaml`` shows the published SMD. Since
  depression keeps being pulled back towards its circumstantial level, the gain fades when
  circumstances do not change (Bryant 2022: no difference at 12 months).
* Loneliness moves towards 1 / (1 + ties / ``loneliness_half_ties``).
* A suicidal impulse occurs with a logistic probability in depression, trauma and recent
  discrimination (brief: trauma and discrimination together predict suicidal ideation).
* Satisfied with life when a logistic index of depression, money stress, employment,
  discrimination and an individual propensity is positive.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import EMPLOYED, IN_SK, NEVER, PAST_YEAR_MONTHS, UNEMPLOYED
from sim.declare import Column, Mechanism, Slots, behaviour, derived, rule
from sim.kernel_random import ZIGGURAT_K, at, standard_normal, uniform_at, uniform_of, ziggurat_first
from sim.mechanisms.ties import support_tie_count

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State


class Slot(Slots):
    """Draw slots (sim.kernel_random)."""

    NOISE = 0
    IDEATION = 1


EXP_TERM_2 = 1 / 2  # Taylor coefficients of exp: 1 + x + x^2/2 + x^3/6 <= exp(x) for x >= 0
EXP_TERM_3 = 1 / 6


@derived
def ptsd_kept_per_month(p: Any) -> float:
    """share of the PTSD score that remains after a month: 1 - ptsd_recovery_rate"""
    return 1 - p.ptsd_recovery_rate


@derived
def ptsd_treatment_per_month(p: Any) -> float:
    """fall of the PTSD score in each month of counselling: the course's SMD x symptom_sd, spread over the course"""
    return p.treatment_ptsd_smd * p.symptom_sd / max(1.0, p.counselling_course_months)


@derived
def depression_treatment_per_month(p: Any) -> float:
    """fall of the depression score in each month of counselling: the SMD x the SD among those in need, spread"""
    return p.treatment_depression_smd * p.treatment_depression_sd / max(1.0, p.counselling_course_months)


DECLARATION = Mechanism(
    name="mental_health",
    owns=(
        Column("depression", np.float32, 0.0, "symptom score, 0-1"),
        Column("ptsd", np.float32, 0.0, "symptom score, 0-1"),
        Column("depression_ever", np.bool_, False, "bool: lifetime major depression"),
        Column("ptsd_ever", np.bool_, False, "bool: lifetime PTSD"),
        Column("last_ideation", np.int32, NEVER, "month index of last suicidal impulse"),
        Column("loneliness", np.float32, 0.5, "0-1"),
        Column("satisfied", np.bool_, False, "bool: satisfied with life"),
        Column("depression_shock", np.float64, 0.0, "this month's N(0, 1) draw of the depression noise (scratch)"),
        Column("depression_shock_pending", np.bool_, False,
               "bool: this month's normal draw is left to draw_shock_rest (scratch)"),
        Column("ideation_candidate", np.bool_, False,
               "bool: this month's impulse draw is not ruled out by the polynomial bound (scratch)"),
    ),
    reads=("status", "labour", "counselling_left", "settler_ties", "sk_ties", "mentor_left", "lives_alone",
           "last_discrimination", "money_stress", "trauma", "satisfaction_propensity", "family_worry"),
    writes=("ptsd", "loneliness", "depression", "depression_ever", "ptsd_ever", "last_ideation", "satisfied",
            "depression_shock", "depression_shock_pending", "ideation_candidate"),
    params=(
        behaviour("depression_adjust_rate", 0.15, "per month", 0.01, 1,
                  "assumption: symptoms follow circumstances within months"),
        behaviour("depression_base", 0.15, "score (0-1)", 0, 1, "calibrated: major depression 22% lifetime (Lee 2020)",
                  fit=(0.02, 0.3, False)),
        behaviour("depression_noise_sd", 0.08, "score per month", 0, 0.5, "assumption", fit=(0.01, 0.1, True)),
        behaviour("depression_from_money", 0.12, "score at full money stress", 0, 1,
                  "assumption: money stress raises depression (issue 2; McGuire 2022 for the cash side)"),
        behaviour("depression_from_unemployment", 0.08, "score", 0, 1, "assumption"),
        behaviour("depression_from_loneliness", 0.15, "score at full loneliness", 0, 1,
                  "brief: loneliness and depression grow together"),
        behaviour("depression_from_discrimination", 0.08, "score", 0, 1,
                  "brief: discrimination predicts suicidal ideation"),
        behaviour("depression_from_ptsd", 0.15, "score at full PTSD", 0, 1, "assumption: comorbidity"),
        behaviour("depression_threshold", 0.45, "score", 0, 1, "definition: major depression above this score"),
        behaviour("ptsd_threshold", 0.5, "score", 0, 1, "definition: probable PTSD above this score"),
        behaviour("ptsd_initial_mean", 0.22, "score", 0, 1, "calibrated: probable PTSD 6.8% at Hanawon (Chang 2021)",
                  fit=(0.1, 0.4, False)),
        behaviour("depression_lifetime_at_arrival", 0.10, "probability", 0, 1,
                  "calibrated: lifetime major depression 22.3% within 3 years of arrival (Lee 2020)",
                  fit=(0.0, 0.3, False)),
        behaviour("ptsd_lifetime_at_arrival", 0.08, "probability", 0, 1,
                  "calibrated: lifetime PTSD 12.2% within 3 years of arrival vs 6.8% current at Hanawon",
                  fit=(0.0, 0.2, False)),
        behaviour("ptsd_recovery_rate", 0.02, "per month", 0, 0.5, "brief: PTSD tends to fade over the first years",
                  fit=(0.002, 0.06, True)),
        behaviour("treatment_depression_smd", 1.02, "SMD per course", 0, 3,
                  "interventions.csv: psychosocial interventions, depression SMD -1.02 (Turrini 2019)"),
        behaviour("treatment_ptsd_smd", 0.71, "SMD per course", 0, 3,
                  "interventions.csv: psychosocial interventions, PTSD SMD -0.71 (Turrini 2019)"),
        behaviour("symptom_sd", 0.15, "score", 0.01, 0.5, "assumption: population SD of the symptom scores"),
        behaviour("treatment_depression_sd", 0.10, "score", 0.01, 0.5,
                  "set so that the Turrini 2019 replica (trials/) shows SMD -1.02: the SD of the depression score "
                  "among settlers in need is about 0.09 in the model"),
        behaviour("loneliness_adjust_rate", 0.2, "per month", 0.01, 1, "assumption"),
        behaviour("loneliness_half_ties", 2.0, "ties", 0.1, 20, "assumption: loneliness halves at this many ties"),
        behaviour("ideation_base_logit", -6.2, "logit per month", -12, 0,
                  "calibrated: 11.9% suicidal impulse in the past year (KHF 2022)", fit=(-9.0, -4.0, False)),
        behaviour("ideation_depression_logit", 5.0, "logit per unit score", 0, 15,
                  "An 2018: depression predicts suicidal ideation"),
        behaviour("ideation_trauma_logit", 1.0, "logit", 0, 5, "brief: trauma and discrimination predict ideation"),
        behaviour("ideation_discrimination_logit", 0.8, "logit", 0, 5,
                  "brief: trauma and discrimination predict ideation"),
        behaviour("satisfaction_base", 0.95, "logit", -5, 5, "calibrated: 79% satisfied (KHF 2023)",
                  fit=(-1.0, 4.0, False)),
        behaviour("satisfaction_depression", 3.0, "logit per unit score", 0, 10, "assumption"),
        behaviour("satisfaction_money", 1.0, "logit at full money stress", 0, 5, "assumption"),
        behaviour("satisfaction_employment", 0.5, "logit", 0, 5, "assumption"),
        behaviour("satisfaction_discrimination", 0.8, "logit", 0, 5, "assumption"),
    ),
    uses=("counselling_course_months", "depression_from_family_worry"),
    derived=(ptsd_kept_per_month, ptsd_treatment_per_month, depression_treatment_per_month),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

Month = collections.namedtuple("Month", ["t"])


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """One month of mental health for every settler in South Korea (Hanawon included), in four passes.

    The update itself (``settler_month``) is written without branches, so that its compiled loop runs on
    vector instructions (about twice as fast as the same rule with branches). What cannot be written so is
    done around it with the same key: the normal draws before (``draw_shock`` without branches for the 98.5%
    the ziggurat takes at its first draw, ``draw_shock_rest`` for the others: its loops), and the exact test of
    the few impulses the polynomial bound leaves open (``confirm_ideation``: an exp) after.
    """
    m = Month(clock.month)
    key = run.each(draw_shock, s, p, m)
    run.each(draw_shock_rest, s, p, m, key=key, where="depression_shock_pending")
    run.each(settler_month, s, p, m, key=key)
    run.each(confirm_ideation, s, p, m, key=key, where="ideation_candidate")


@rule
def draw_shock(i, key, s, p, m, ctr):
    """Settler ``i``'s N(0, 1) draw of this month's depression noise, when the ziggurat takes its first draw as is
    (98.5% of rows); else marked in ``depression_shock_pending`` for ``draw_shock_rest``.

    Without branches, so that the compiled loop runs on vector instructions: the first draw of the block is a pure
    function of its place, and ``ziggurat_first`` is ``standard_normal``'s first step on it.
    """
    here = s.status[i] == IN_SK
    layer, rabs, x = ziggurat_first(key, i, Slot.NOISE)
    inside = rabs < ZIGGURAT_K[layer]
    s.depression_shock_pending[i] = here & (not inside)
    s.depression_shock[i] = x if here & inside else s.depression_shock[i]


@rule
def draw_shock_rest(i, key, s, p, m, ctr):
    """The normal draw of the rows ``draw_shock`` left (``depression_shock_pending``): the whole ziggurat, from the
    block's first draw."""
    if not s.depression_shock_pending[i]:
        return
    at(ctr, key, i, Slot.NOISE)
    s.depression_shock[i] = standard_normal(ctr)


@rule
def settler_month(i, key, s, p, m, ctr):
    """PTSD, loneliness, depression (with counselling), suicidal impulse and satisfaction of settler ``i``.

    Without branches: everything is computed for every row, and a settler not in South Korea keeps its values
    (``new if here else old``). A suicidal impulse is decided here when the polynomial bound of ``below_expit``
    rules it out (most settlers); the others are candidates for ``confirm_ideation``.
    """
    here = s.status[i] == IN_SK
    treated = s.counselling_left[i] > 0

    ptsd = np.float32(min(1.0, max(0.0, s.ptsd[i] * p.ptsd_kept_per_month - p.ptsd_treatment_per_month * treated)))
    ptsd = ptsd if here else s.ptsd[i]
    s.ptsd[i] = ptsd

    ties = support_tie_count(s.settler_ties[i], s.sk_ties[i], s.mentor_left[i], s.lives_alone[i])
    lonely_target = 1 / (1 + ties / p.loneliness_half_ties)
    loneliness = np.float32(s.loneliness[i] + p.loneliness_adjust_rate * (lonely_target - s.loneliness[i]))
    loneliness = loneliness if here else s.loneliness[i]
    s.loneliness[i] = loneliness

    recent_discrimination = (m.t - np.int64(s.last_discrimination[i])) < PAST_YEAR_MONTHS
    stress = s.money_stress[i]
    target = (p.depression_base + p.depression_from_money * stress
              + p.depression_from_unemployment * (s.labour[i] == UNEMPLOYED)
              + p.depression_from_loneliness * loneliness + p.depression_from_discrimination * recent_discrimination
              + p.depression_from_ptsd * ptsd
              + p.depression_from_family_worry * s.family_worry[i])  # worry about family in the North (family)
    depression = s.depression[i] + p.depression_adjust_rate * (target - s.depression[i])
    depression += s.depression_shock[i] * p.depression_noise_sd  # N(0, sd)
    depression -= p.depression_treatment_per_month * treated
    depression = np.float32(min(1.0, max(0.0, depression)))
    depression = depression if here else s.depression[i]
    s.depression[i] = depression
    s.depression_ever[i] |= here & (depression > p.depression_threshold)
    s.ptsd_ever[i] |= here & (ptsd > p.ptsd_threshold)

    logit = ideation_logit(depression, s.trauma[i], recent_discrimination, p.ideation_base_logit,
                           p.ideation_depression_logit, p.ideation_trauma_logit, p.ideation_discrimination_logit)
    s.ideation_candidate[i] = here & (not ruled_out(uniform_of(key, i, Slot.IDEATION), logit))

    index = (p.satisfaction_base - p.satisfaction_depression * depression - p.satisfaction_money * stress
             + p.satisfaction_employment * (s.labour[i] == EMPLOYED)
             - p.satisfaction_discrimination * recent_discrimination + s.satisfaction_propensity[i])
    s.satisfied[i] = (index > 0) if here else s.satisfied[i]


@rule
def confirm_ideation(i, key, s, p, m, ctr):
    """A candidate's impulse, by the exact test (the logit recomputed from the month's updated state)."""
    if not s.ideation_candidate[i]:
        return
    recent_discrimination = (m.t - np.int64(s.last_discrimination[i])) < PAST_YEAR_MONTHS
    logit = ideation_logit(s.depression[i], s.trauma[i], recent_discrimination, p.ideation_base_logit,
                           p.ideation_depression_logit, p.ideation_trauma_logit, p.ideation_discrimination_logit)
    # the same number as settler_month's uniform_of; drawn through the counter, whose store keeps this loop off
    # vector instructions (vectorized, the loop computed the exp for every row: 12 times slower)
    if below_expit(uniform_at(ctr, key, i, Slot.IDEATION), logit):
        s.last_ideation[i] = m.t


@rule
def ideation_logit(depression, trauma, recent_discrimination, base, per_depression, per_trauma, per_discrimination):
    """Logit of a suicidal impulse this month."""
    return base + per_depression * depression + per_trauma * trauma + per_discrimination * recent_discrimination


@rule
def ruled_out(u, logit):
    """``u >= 1 / (1 + exp(-logit))`` shown by a polynomial (no exp): the common case, as impulses are rare.

    For x = -logit >= 0, exp(x) >= 1 + x + x^2/2 + x^3/6, so u (2 + x + x^2/2 + x^3/6) >= 1 means u >= expit(logit).
    """
    x = -logit
    return (x >= 0) & (u * (2 + x * (1 + x * (EXP_TERM_2 + x * EXP_TERM_3))) >= 1)


@rule
def below_expit(u, logit):
    """``u < 1 / (1 + exp(-logit))``, exactly, mostly without computing the exp (which is slow per settler).

    For x = -logit >= 0, exp(x) >= 1 + x + x^2/2 + x^3/6, so u (2 + x + x^2/2 + x^3/6) >= 1 already means
    u >= expit(logit): the common case (impulses are rare) is decided by a polynomial."""
    if ruled_out(u, logit):
        return False
    return u < 1 / (1 + np.exp(-logit))
