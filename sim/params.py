"""Every model parameter, declared once: name, default, unit, valid range and source.

Two kinds:

* ``policy`` parameters are the **levers** a scenario changes (grant size, coverage of a
  programme, ...). Their key names carry their unit.
* ``behaviour`` parameters describe how settlers and institutions respond. Where no source
  gives them directly they are stated assumptions, bounded by the evidence in
  ``sim/data/interventions.csv`` and fitted to ``sim/data/survey_current.csv`` (calibration).

Money inside the model is in 10k KRW (만원), the unit of the Korea Hana Foundation wage
figures; policy keys are in million KRW, as the policy documents state them.
``MILLION_KRW`` converts the one into the other.

>>> p = Parameters(cash_grant_million_krw=20)
>>> p.cash_grant_million_krw
20.0
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

MILLION_KRW = 100.0  # 10k-KRW units per million KRW (a unit conversion, not a parameter)
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Param:
    """One declared parameter."""

    name: str
    default: float
    unit: str
    low: float
    high: float
    source: str
    kind: str  # "policy" or "behaviour"
    integer: bool = False
    prior: float | None = None  # the declared default when ``default`` comes from calibration.json

    def check(self, value: Any) -> float:
        """Return ``value`` as a number in range, or raise ``ValueError`` saying why."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number ({self.unit}), got {value!r}")
        if self.integer and float(value) != int(value):
            raise ValueError(f"expected a whole number ({self.unit}), got {value!r}")
        if not (self.low <= value <= self.high):
            raise ValueError(f"{value!r} is outside the valid range [{self.low:g}, {self.high:g}] {self.unit}")
        return float(value)


def _p(name, default, unit, low, high, source, kind, integer=False) -> Param:
    return Param(name, float(default), unit, float(low), float(high), source, kind, integer)


_POLICY = "policy"
_BEHAVIOUR = "behaviour"

PARAMS: tuple[Param, ...] = (
    # ---------------------------------------------------------------- policy levers
    _p("hanawon_weeks", 12, "weeks", 4, 26, "policy_history.csv 1999: mandatory 12-week course", _POLICY, True),
    _p("cash_grant_million_krw", 10, "million KRW per person", 0, 60,
       "policy_history.csv 2024: basic settlement grant 10M (news repost 2024-08-27)", _POLICY),
    _p("cash_grant_upfront_share", 0.3, "fraction", 0, 1,
       "policy_history.csv 2007: 3M of 6M paid at once, rest in instalments", _POLICY),
    _p("cash_grant_instalment_months", 12, "months", 1, 60,
       "assumption: instalments spread over the first year after Hanawon", _POLICY, True),
    _p("housing_subsidy_million_krw", 16, "million KRW per person", 0, 40,
       "policy_history.csv 2018: housing subsidy 16M (one person)", _POLICY),
    _p("employment_incentive_million_krw_per_year", 6, "million KRW per year", 0, 20,
       "policy_history.csv 2022: 5-8M a year in years 1-3 after 6 months in one insured job", _POLICY),
    _p("employment_incentive_years", 3, "years", 0, 5, "policy_history.csv 2022: years 1-3", _POLICY, True),
    _p("employment_incentive_min_tenure_months", 6, "months", 1, 24,
       "policy_history.csv 2022: after 6 months in one insured job (2007: one year)", _POLICY, True),
    _p("matched_savings_max_million_krw_per_month", 0.5, "million KRW per month", 0, 2,
       "policy_history.csv 2014: Future Happiness Account, 1:1 match up to 0.5M a month", _POLICY),
    _p("matched_savings_years", 4, "years", 0, 10, "policy_history.csv 2014: for up to 4 years", _POLICY, True),
    _p("vocational_training_coverage", 0.2, "share of new settlers offered", 0, 1,
       "assumption: training offered to a minority; KRIVET G620080007-10 evaluates the programme", _POLICY),
    _p("training_months", 6, "months", 1, 24, "assumption: a typical certificate course", _POLICY, True),
    _p("training_stipend_million_krw_per_month", 0.0, "million KRW per month", 0, 3,
       "assumption: no stipend today beyond conditional incentives (brief: proposals add one)", _POLICY),
    _p("mentorship_coverage", 0.05, "share of new settlers paired", 0, 1,
       "assumption: small volunteer programmes today", _POLICY),
    _p("mentorship_months", 12, "months", 1, 60, "interventions.csv: German mentoring RCT ran about a year", _POLICY, True),
    _p("counselling_slots_per_1000", 8, "concurrent clients per 1000 settlers", 0, 200,
       "policy_history.csv 2020: about 6 Hana Center staff per 1000+ settlers, counselling on request", _POLICY),
    _p("counselling_course_months", 3, "months", 1, 12,
       "interventions.csv: psychosocial programmes of a few months (Turrini 2019; Bryant 2022)", _POLICY, True),
    _p("outreach_contacts_per_year", 2, "contacts per settler per year", 0, 24,
       "policy_history.csv 2023: crisis monitoring by check-ins; frequency an assumption", _POLICY),
    _p("outreach_surveillance_share", 0.5, "share of contacts felt as monitoring", 0, 1,
       "brief (Isolation): some avoid check-ins because they feel watched; share an assumption", _POLICY),
    _p("outreach_targeting", 0.3, "share of contacts aimed at flagged settlers", 0, 1,
       "assumption: crisis monitoring flags some settlers (policy_history.csv 2023)", _POLICY),
    _p("outreach_loneliness_flag", 0.6, "loneliness score", 0, 1,
       "assumption: crisis monitoring flags settlers above this loneliness", _POLICY),
    _p("employer_wage_subsidy_share", 0.0, "share of wage", 0, 0.8,
       "policy_history.csv 2014: employer subsidy replaced by matched savings; 0 today", _POLICY),
    _p("anti_discrimination_effort", 0.0, "fractional cut in discrimination", 0, 0.8,
       "assumption: campaigns and workplace training; brief lists them as proposals", _POLICY),
    _p("dialect_course_coverage", 0.0, "share of new settlers", 0, 1,
       "assumption: extended dialect and workplace-communication courses, a proposal in the brief", _POLICY),
    _p("protection_period_years", 5, "years", 0, 10, "policy_history.csv: 5-year protection period", _POLICY),
    _p("medical_cover_months", 60, "months", 0, 120,
       "assumption: medical aid during the protection period (6 months in the 2008 report)", _POLICY, True),
    # ---------------------------------------------------------------- welfare system and prices
    _p("livelihood_standard_10k_krw", 71.3, "10k KRW per month", 30, 150,
       "Ministry of Health and Welfare 2024 livelihood benefit standard for one person", _BEHAVIOUR),
    _p("living_cost_10k_krw", 110, "10k KRW per month", 50, 250,
       "assumption: about half the 2024 median income of a one-person household (222.8)", _BEHAVIOUR),
    _p("child_cost_10k_krw", 35, "10k KRW per month per child", 0, 100, "assumption", _BEHAVIOUR),
    _p("rent_public_10k_krw", 20, "10k KRW per month", 0, 100,
       "assumption: public rental flat rent and fees", _BEHAVIOUR),
    _p("rent_private_10k_krw", 45, "10k KRW per month", 0, 150, "assumption: small private flat", _BEHAVIOUR),
    _p("health_cost_10k_krw", 15, "10k KRW per month", 0, 100,
       "assumption: out-of-pocket care for a health limitation without medical aid", _BEHAVIOUR),
    _p("broker_debt_mean_million_krw", 8, "million KRW per person", 0, 40,
       "assumption: broker fees of several million won are common (brief: debts to brokers)", _BEHAVIOUR),
    _p("broker_debt_share", 0.6, "share of arrivals", 0, 1, "assumption", _BEHAVIOUR),
    _p("debt_repayment_share", 0.2, "share of surplus per month", 0, 1, "assumption", _BEHAVIOUR),
    _p("wage_growth_per_year", 0.03, "per year", 0, 0.1,
       "sk_general_wage.csv: 2012-2025 mean growth about 3.3% a year", _BEHAVIOUR),
    # ---------------------------------------------------------------- labour market
    _p("school_leaving_age", 20, "years", 15, 30,
       "assumption: free schooling until 35 (brief) keeps many young settlers in education", _BEHAVIOUR, True),
    _p("lf_entry_rate", 0.10, "per month", 0.001, 1, "calibrated: inactive settlers starting to look", _BEHAVIOUR),
    _p("lf_exit_rate", 0.012, "per month", 0.0, 0.5, "calibrated: settlers leaving the labour force", _BEHAVIOUR),
    _p("care_exit_multiplier", 4.0, "x", 1, 20,
       "brief: women inactive 41% vs men 27%, mainly childcare and health (KICCE 2020)", _BEHAVIOUR),
    _p("health_exit_multiplier", 4.0, "x", 1, 20, "brief: health limits participation (KICCE 2020)", _BEHAVIOUR),
    _p("older_exit_multiplier", 4.0, "x for ages 60+", 1, 20, "assumption: retirement", _BEHAVIOUR),
    _p("depression_search_penalty", 0.5, "fraction lost", 0, 1,
       "assumption: depression lowers job search (issue 2 interactions)", _BEHAVIOUR),
    _p("urgency_entry_multiplier", 2.0, "x at full money stress", 1, 10,
       "assumption: little cash pushes people to look for work sooner (FORUM-ASIA 2008)", _BEHAVIOUR),
    _p("job_offer_rate", 0.45, "offers per searcher per month", 0.01, 2,
       "calibrated to settler unemployment 4.5-6.3% (survey_current.csv)", _BEHAVIOUR),
    _p("regular_offer_share", 0.35, "share of offers", 0, 1,
       "assumption: many settlers work as day labourers (brief)", _BEHAVIOUR),
    _p("credential_regular_bonus", 0.25, "added share of regular offers", 0, 1,
       "assumption: recognised certificates open regular jobs", _BEHAVIOUR),
    _p("day_offer_share", 0.3, "share of non-regular offers that are day labour", 0, 1, "assumption", _BEHAVIOUR),
    _p("accept_nonregular_base", 0.45, "probability", 0, 1,
       "assumption: reservation behaviour of settlers with a cash buffer", _BEHAVIOUR),
    _p("accept_nonregular_urgency", 0.5, "added probability at full money stress", 0, 1,
       "assumption: small grants push people into any job sooner (issue 2)", _BEHAVIOUR),
    _p("referral_per_contact", 0.06, "x per employed contact", 0, 0.5,
       "assumption: job referrals through ties (isolation lowers them)", _BEHAVIOUR),
    _p("referral_contacts_cap", 8, "contacts", 1, 50, "assumption: referrals saturate", _BEHAVIOUR),
    _p("mentor_referral_multiplier", 1.1, "x job offers", 1, 3,
       "interventions.csv: mentoring, little employment effect in the first year", _BEHAVIOUR),
    _p("dialect_offer_effect", 0.5, "x offers gained at full proficiency", 0, 3,
       "brief: accent costs jobs; assumption on size", _BEHAVIOUR),
    _p("employer_subsidy_offer_elasticity", 1.0, "x offers per unit subsidy share", 0, 5,
       "assumption: wage subsidies raise hiring", _BEHAVIOUR),
    _p("separation_regular", 0.012, "per month", 0, 0.5, "assumption: short tenure (brief)", _BEHAVIOUR),
    _p("separation_temporary", 0.035, "per month", 0, 0.5, "assumption", _BEHAVIOUR),
    _p("separation_day", 0.09, "per month", 0, 0.8, "assumption: day labour is unstable", _BEHAVIOUR),
    _p("depression_separation_multiplier", 1.8, "x", 1, 5,
       "assumption: depression raises job loss (issue 2 interactions)", _BEHAVIOUR),
    _p("incentive_retention_multiplier", 0.7, "x separation while earning incentive", 0.1, 1,
       "assumption: tenure-conditional incentives keep people in jobs (policy_history.csv 2007)", _BEHAVIOUR),
    _p("wage_ratio_regular", 0.95, "x general mean wage", 0.3, 1.5, "calibrated to mean wage 80% of average (brief)", _BEHAVIOUR),
    _p("wage_ratio_temporary", 0.72, "x general mean wage", 0.3, 1.5, "assumption", _BEHAVIOUR),
    _p("wage_ratio_day", 0.62, "x general mean wage", 0.3, 1.5, "assumption", _BEHAVIOUR),
    _p("wage_sd_log", 0.25, "log points", 0, 1, "assumption: individual productivity spread", _BEHAVIOUR),
    _p("credential_wage_premium", 0.10, "log points", 0, 0.5, "assumption", _BEHAVIOUR),
    _p("dialect_wage_premium", 0.10, "log points at full proficiency", 0, 0.5, "brief: accent costs wages", _BEHAVIOUR),
    _p("tenure_wage_growth", 0.003, "log points per month", 0, 0.02, "assumption", _BEHAVIOUR),
    _p("female_wage_gap", 0.12, "log points", 0, 0.5, "assumption: Korean gender gap applies", _BEHAVIOUR),
    _p("dialect_learning_rate", 0.02, "per month towards full proficiency", 0, 0.2,
       "assumption: accents fade slowly", _BEHAVIOUR),
    _p("dialect_course_gain", 0.2, "proficiency points", 0, 1, "assumption", _BEHAVIOUR),
    _p("training_uptake_base", 0.6, "probability when offered", 0, 1, "assumption", _BEHAVIOUR),
    _p("certificate_completion", 0.544, "probability", 0, 1,
       "interventions.csv: KRIVET, 54.4% of trainees completed", _BEHAVIOUR),
    _p("discrimination_rate", 0.018, "per month", 0, 0.2,
       "calibrated to 16% reporting discrimination in the past year (survey_current.csv 2023)", _BEHAVIOUR),
    _p("workplace_discrimination_multiplier", 1.5, "x when employed", 1, 5,
       "survey 2023: 72.8% of discrimination is about speech and accent, met at work", _BEHAVIOUR),
    _p("discrimination_offer_penalty", 0.2, "fraction of offers lost", 0, 1,
       "brief: employer prejudice", _BEHAVIOUR),
    # ---------------------------------------------------------------- money
    _p("benefit_takeup", 0.7, "probability per month when eligible", 0, 1,
       "calibrated to 22.6% receiving the livelihood benefit (survey_current.csv)", _BEHAVIOUR),
    _p("benefit_grace_months", 6, "months after Hanawon", 0, 36,
       "policy_history.csv 2005: assistance for 6 months regardless of work capacity", _BEHAVIOUR, True),
    _p("savings_rate_of_wage", 0.2, "share of wage saved into the matched account", 0, 1,
       "assumption: most account holders save near the cap", _BEHAVIOUR),
    _p("benefit_child_weight", 0.5, "x standard per child", 0, 1,
       "assumption: equivalence scale for the livelihood standard", _BEHAVIOUR),
    _p("stress_buffer_months", 3.0, "months of costs", 0.5, 24,
       "assumption: money stress falls as cash covers this many months of costs", _BEHAVIOUR),
    # ---------------------------------------------------------------- ties
    _p("hanawon_peer_ties", 2.0, "ties per settler", 0, 10, "assumption: classmates at Hanawon", _BEHAVIOUR),
    _p("settler_tie_formation", 0.02, "new ties per settler per month", 0, 1,
       "assumption: neighbours and churches", _BEHAVIOUR),
    _p("settler_tie_decay", 0.015, "per tie per month", 0, 0.5, "assumption", _BEHAVIOUR),
    _p("sk_tie_formation_work", 0.05, "ties per month when employed", 0, 1, "assumption: colleagues", _BEHAVIOUR),
    _p("sk_tie_formation_other", 0.006, "ties per month", 0, 1, "assumption: neighbours", _BEHAVIOUR),
    _p("sk_tie_decay", 0.02, "per tie per month", 0, 0.5, "assumption", _BEHAVIOUR),
    _p("dialect_tie_barrier", 0.5, "fraction of South Korean ties lost at zero proficiency", 0, 1,
       "assumption: accent is the main barrier (KHF 2023)", _BEHAVIOUR),
    _p("mentor_tie_gain", 0.05, "extra South Korean ties per month while mentored", 0, 1,
       "interventions.csv: mentoring improves connectedness (JEMS 2022)", _BEHAVIOUR),
    # ---------------------------------------------------------------- mental health
    _p("depression_adjust_rate", 0.15, "per month", 0.01, 1,
       "assumption: symptoms follow circumstances within months", _BEHAVIOUR),
    _p("depression_base", 0.15, "score (0-1)", 0, 1, "calibrated: major depression 22% lifetime (Lee 2020)", _BEHAVIOUR),
    _p("depression_noise_sd", 0.08, "score per month", 0, 0.5, "assumption", _BEHAVIOUR),
    _p("depression_from_money", 0.12, "score at full money stress", 0, 1,
       "assumption: money stress raises depression (issue 2; McGuire 2022 for the cash side)", _BEHAVIOUR),
    _p("depression_from_unemployment", 0.08, "score", 0, 1, "assumption", _BEHAVIOUR),
    _p("depression_from_loneliness", 0.15, "score at full loneliness", 0, 1,
       "brief: loneliness and depression grow together", _BEHAVIOUR),
    _p("depression_from_discrimination", 0.08, "score", 0, 1,
       "brief: discrimination predicts suicidal ideation", _BEHAVIOUR),
    _p("depression_from_ptsd", 0.15, "score at full PTSD", 0, 1, "assumption: comorbidity", _BEHAVIOUR),
    _p("depression_threshold", 0.45, "score", 0, 1, "definition: major depression above this score", _BEHAVIOUR),
    _p("ptsd_threshold", 0.5, "score", 0, 1, "definition: probable PTSD above this score", _BEHAVIOUR),
    _p("ptsd_initial_mean", 0.22, "score", 0, 1,
       "calibrated: probable PTSD 6.8% at Hanawon (Chang 2021)", _BEHAVIOUR),
    _p("depression_lifetime_at_arrival", 0.10, "probability", 0, 1,
       "calibrated: lifetime major depression 22.3% within 3 years of arrival (Lee 2020)", _BEHAVIOUR),
    _p("ptsd_lifetime_at_arrival", 0.08, "probability", 0, 1,
       "calibrated: lifetime PTSD 12.2% within 3 years of arrival vs 6.8% current at Hanawon", _BEHAVIOUR),
    _p("ptsd_recovery_rate", 0.02, "per month", 0, 0.5,
       "brief: PTSD tends to fade over the first years", _BEHAVIOUR),
    _p("treatment_depression_smd", 1.02, "SMD per course", 0, 3,
       "interventions.csv: psychosocial interventions, depression SMD -1.02 (Turrini 2019)", _BEHAVIOUR),
    _p("treatment_ptsd_smd", 0.71, "SMD per course", 0, 3,
       "interventions.csv: psychosocial interventions, PTSD SMD -0.71 (Turrini 2019)", _BEHAVIOUR),
    _p("symptom_sd", 0.15, "score", 0.01, 0.5, "assumption: population SD of the symptom scores", _BEHAVIOUR),
    _p("loneliness_adjust_rate", 0.2, "per month", 0.01, 1, "assumption", _BEHAVIOUR),
    _p("loneliness_half_ties", 2.0, "ties", 0.1, 20, "assumption: loneliness halves at this many ties", _BEHAVIOUR),
    _p("ideation_base_logit", -6.2, "logit per month", -12, 0,
       "calibrated: 11.9% suicidal impulse in the past year (KHF 2022)", _BEHAVIOUR),
    _p("ideation_depression_logit", 5.0, "logit per unit score", 0, 15,
       "An 2018: depression predicts suicidal ideation", _BEHAVIOUR),
    _p("ideation_trauma_logit", 1.0, "logit", 0, 5, "brief: trauma and discrimination predict ideation", _BEHAVIOUR),
    _p("ideation_discrimination_logit", 0.8, "logit", 0, 5, "brief: trauma and discrimination predict ideation", _BEHAVIOUR),
    _p("satisfaction_base", 0.95, "logit", -5, 5, "calibrated: 79% satisfied (KHF 2023)", _BEHAVIOUR),
    _p("satisfaction_depression", 3.0, "logit per unit score", 0, 10, "assumption", _BEHAVIOUR),
    _p("satisfaction_money", 1.0, "logit at full money stress", 0, 5, "assumption", _BEHAVIOUR),
    _p("satisfaction_employment", 0.5, "logit", 0, 5, "assumption", _BEHAVIOUR),
    _p("satisfaction_discrimination", 0.8, "logit", 0, 5, "assumption", _BEHAVIOUR),
    # ---------------------------------------------------------------- support
    _p("hana_registration", 0.9, "probability at Hanawon exit", 0, 1, "assumption: referral from Hanawon", _BEHAVIOUR),
    _p("help_seeking_base", 0.15, "probability per month when in need", 0, 1,
       "brief: counselling only on request, little treatment", _BEHAVIOUR),
    _p("referral_on_contact", 0.3, "probability a supportive contact refers a settler in need", 0, 1,
       "assumption: caseworker crisis outreach", _BEHAVIOUR),
    _p("trust_initial", 0.5, "score (0-1)", 0.01, 1, "assumption (help-seeking scales with trust / trust_initial)", _BEHAVIOUR),
    _p("trust_gain_support", 0.08, "per supportive contact", 0, 1, "assumption", _BEHAVIOUR),
    _p("trust_loss_surveillance", 0.10, "per monitoring contact", 0, 1,
       "brief: outreach that feels like surveillance lowers trust", _BEHAVIOUR),
    _p("trust_loss_discrimination", 0.05, "per discrimination event", 0, 1, "assumption", _BEHAVIOUR),
    # ---------------------------------------------------------------- exits
    _p("emigration_rate", 0.0006, "per month", 0, 0.02,
       "calibrated: 462-869 residence unconfirmed, most abroad (survey_current.csv)", _BEHAVIOUR),
    _p("emigration_dissatisfied_multiplier", 3.0, "x when dissatisfied", 1, 10, "assumption", _BEHAVIOUR),
    _p("abroad_confirmed_rate", 0.01, "per month", 0, 0.2,
       "assumption: people abroad are confirmed and leave the register", _BEHAVIOUR),
    _p("return_north_rate", 0.000008, "per month", 0, 0.001,
       "survey_current.csv: 31 returns 2012-2025 among about 30,000", _BEHAVIOUR),
    _p("lose_contact_rate", 0.00005, "per month", 0, 0.01,
       "calibrated: 59-70 whereabouts unknown (survey_current.csv)", _BEHAVIOUR),
    _p("lose_contact_distrust_multiplier", 5.0, "x at zero trust", 1, 50,
       "brief: people who stop answering are the ones at risk", _BEHAVIOUR),
    _p("regain_contact_rate", 0.05, "per month", 0, 1, "assumption: most missing settlers are found", _BEHAVIOUR),
    _p("mortality_scale", 1.0, "x Korean life table", 0.2, 5,
       "assumption: Gompertz approximation of Korean mortality", _BEHAVIOUR),
    _p("gompertz_a", 0.00003, "annual death prob at age 0", 0, 0.01, "Korean life table approx.", _BEHAVIOUR),
    _p("gompertz_b", 0.085, "per year of age", 0, 0.2, "Korean life table approx.", _BEHAVIOUR),
    _p("suicide_rate_ideation", 0.0004, "per month with current ideation", 0, 0.01,
       "brief: suicide is about 11% of settlers' deaths", _BEHAVIOUR),
    _p("unclaimed_isolated", 0.5, "probability a death goes unclaimed when isolated", 0, 1,
       "calibrated: 14-21 unclaimed deaths a year (survey_current.csv)", _BEHAVIOUR),
    _p("unclaimed_connected", 0.02, "probability when connected", 0, 1, "assumption", _BEHAVIOUR),
)

CALIBRATION_FILE = "calibration.json"  # in sim/data: written by ``resettle calibrate``


def _calibrated(params: tuple[Param, ...]) -> tuple[Param, ...]:
    """Declared parameters with the fitted behaviour values of ``sim/data/calibration.json`` as defaults.

    The declared default stays visible as ``prior``; the source names the calibration. A missing
    file leaves the declared defaults; fitted values outside a declared range are ignored.
    """
    path = resources.files("sim") / "data" / CALIBRATION_FILE
    if not path.is_file():
        return params
    cal = json.loads(path.read_text(encoding="utf-8"))
    fitted = cal.get("parameters", {})
    label = f"calibrated {cal.get('date', '?')} ({cal.get('method', '?')})"
    return tuple(
        replace(p, default=float(fitted[p.name]), prior=p.default, source=f"{label}; prior {p.default:g}: {p.source}")
        if p.kind == _BEHAVIOUR and p.name in fitted and p.low <= float(fitted[p.name]) <= p.high else p
        for p in params)


PARAMS = _calibrated(PARAMS)
PARAM_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
POLICY_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS if p.kind == _POLICY)
BEHAVIOUR_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS if p.kind == _BEHAVIOUR)


def suggest(name: str, choices: Iterator[str] | list[str] | tuple[str, ...]) -> str:
    """A ' (did you mean ...?)' suffix for an unknown name, or ''."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Parameters:
    """An immutable, validated set of parameter values with attribute access.

    Parameters
    ----------
    **values : float
        Overrides of declared parameters; anything not given takes its default.

    Raises
    ------
    KeyError
        An unknown name (with a suggestion).
    ValueError
        A value of the wrong type or out of range.
    """

    __slots__ = ("_values",)

    def __init__(self, **values: float) -> None:
        merged = {p.name: p.default for p in PARAMS}
        for name, value in values.items():
            if name not in PARAM_BY_NAME:
                raise KeyError(f"unknown parameter '{name}'{suggest(name, PARAM_BY_NAME)}")
            try:
                merged[name] = PARAM_BY_NAME[name].check(value)
            except ValueError as err:
                raise ValueError(f"{name}: {err}") from None
        object.__setattr__(self, "_values", merged)

    def __getattr__(self, name: str) -> float:
        if name == "_values":  # not set yet (half-built or being unpickled): no recursion
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no parameter '{name}'{suggest(name, PARAM_BY_NAME)}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Parameters are immutable: use .replace(...)")

    def __reduce__(self) -> tuple[Any, ...]:  # pickling / deepcopy (e.g. for process pools) despite immutability
        return (_rebuild_parameters, (dict(self._values),))

    def replace(self, **values: float) -> Parameters:
        """A copy with some values changed (validated)."""
        return Parameters(**{**self._values, **values})

    def as_dict(self) -> dict[str, float]:
        return dict(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parameters) and other._values == self._values

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != PARAM_BY_NAME[k].default}
        return f"Parameters({changed})"


def _rebuild_parameters(values: dict[str, float]) -> Parameters:
    return Parameters(**values)


def params_table(kind: str | None = None) -> list[Mapping[str, Any]]:
    """The declared parameters as rows (for ``resettle params`` and the docs)."""
    return [
        {"name": p.name, "kind": p.kind, "default": p.default, "prior": p.default if p.prior is None else p.prior,
         "unit": p.unit, "low": p.low, "high": p.high, "source": p.source}
        for p in PARAMS if kind in (None, p.kind)
    ]
