"""Survey-comparable indicators, by group, computed vectorized each month.

Definitions follow the surveys (``survey_current.csv``): shares are of the **survey
population**, settlers aged 15+ living in South Korea and past Hanawon, except where stated;
unemployment is a share of the labour force; the wage is the mean over employed settlers;
counts are persons in the real population (the sample scaled by ``represents / size``).

Every indicator is reported for the groups in ``GROUPS``: all, by sex, by age group and by
years since arrival (1 = first year, ..., 6+). Each month every settler falls in one of
2 x 6 x 6 cells (sex x age band x years since arrival); one ``np.bincount`` per numerator and
denominator gives the cells, and a fixed 0/1 matrix sums cells into groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.mechanisms.ties import support_ties
from sim.params import Parameters
from sim.state import (
    ABROAD,
    DAY_LABOUR,
    DIED,
    EMPLOYED,
    HANAWON,
    IN_SK,
    REGULAR,
    RETURNED_NORTH,
    UNEMPLOYED,
    UNKNOWN,
    State,
)

SURVEY_MIN_AGE = 15
PAST_YEAR = 12  # months

AGE_EDGES = (15, 30, 40, 50, 60)  # bins: <15 | 15-29 | 30-39 | 40-49 | 50-59 | 60+
AGE_LABELS = ("15-29", "30-39", "40-49", "50-59", "60+")
YEARS_LABELS = ("1", "2", "3", "4", "5", "6+")
N_SEX, N_AGE, N_YEARS = 2, len(AGE_EDGES) + 1, len(YEARS_LABELS)
N_CELLS = N_SEX * N_AGE * N_YEARS

GROUPS: tuple[str, ...] = (
    ("all", "sex=male", "sex=female")
    + tuple(f"age={a}" for a in AGE_LABELS)
    + tuple(f"years_since_arrival={y}" for y in YEARS_LABELS)
)


def _group_matrix() -> np.ndarray:
    """(N_CELLS, len(GROUPS)) 0/1 matrix summing cells into groups."""
    sex, age, yrs = np.unravel_index(np.arange(N_CELLS), (N_SEX, N_AGE, N_YEARS))
    cols = [np.ones(N_CELLS, bool), sex == 0, sex == 1]
    cols += [age == k for k in range(1, N_AGE)]  # band 0 (<15) is in no age group
    cols += [yrs == k for k in range(N_YEARS)]
    return np.stack(cols, axis=1).astype(np.float64)


GROUP_MATRIX = _group_matrix()


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    kind: str  # "share" (percent), "mean", "count" (persons, scaled)
    definition: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("labour_force_participation", "percent", "share", "employed or unemployed / survey population"),
    Indicator("employment_rate", "percent", "share", "employed / survey population"),
    Indicator("unemployment_rate", "percent of labour force", "share", "unemployed / labour force"),
    Indicator("economically_inactive", "percent", "share", "neither employed nor unemployed (incl. training)"),
    Indicator("mean_monthly_wage", "10k KRW per month", "mean", "mean wage of employed settlers"),
    Indicator("regular_job_share", "percent of employed", "share", "regular jobs / employed"),
    Indicator("day_labour_share", "percent of employed", "share", "day labour / employed"),
    Indicator("life_satisfaction", "percent satisfied", "share", "satisfied / survey population"),
    Indicator("discrimination_past_year", "percent", "share", "discriminated against in the past 12 months"),
    Indicator("livelihood_benefit_recipients", "percent", "share",
              "receiving the livelihood benefit / all settlers in South Korea past Hanawon (all ages)"),
    Indicator("major_depression", "percent", "share", "current major depression"),
    Indicator("major_depression_lifetime", "percent", "share", "ever had major depression"),
    Indicator("ptsd", "percent", "share", "current probable PTSD"),
    Indicator("ptsd_lifetime", "percent", "share", "ever had probable PTSD"),
    Indicator("suicidal_impulse_past_year", "percent", "share", "a suicidal impulse in the past 12 months"),
    Indicator("no_one_to_ask_when_sick", "percent", "share", "no tie, mentor or household member to ask for help"),
    Indicator("mean_loneliness", "score 0-1", "mean", "mean loneliness score"),
    Indicator("mean_south_korean_ties", "ties per person", "mean", "mean ties to South Koreans"),
    Indicator("mean_settler_ties", "ties per person", "mean", "mean ties to other settlers"),
    Indicator("counselling_coverage", "percent of those in need", "share",
              "in counselling / with major depression or probable PTSD"),
    Indicator("mean_trust", "score 0-1", "mean", "mean trust in officials"),
    Indicator("money_stress", "score 0-1", "mean", "mean money stress"),
    Indicator("population_in_south_korea", "persons", "count", "settlers living in South Korea (all ages)"),
    Indicator("whereabouts_unknown", "persons", "count", "stock of settlers out of contact"),
    Indicator("residence_unconfirmed", "persons", "count", "abroad unconfirmed or whereabouts unknown"),
    Indicator("returned_to_north", "persons", "count", "cumulative returns to the North"),
    Indicator("deaths", "persons per year", "count", "deaths in the past 12 months"),
    Indicator("unclaimed_deaths", "persons per year", "count", "unclaimed deaths in the past 12 months"),
    Indicator("suicides", "persons per year", "count", "suicides in the past 12 months"),
)
INDICATOR_NAMES: tuple[str, ...] = tuple(i.name for i in INDICATORS)
INDICATOR_BY_NAME = {i.name: i for i in INDICATORS}


def cells(s: State, t: int) -> np.ndarray:
    """Cell index (sex x age band x years since arrival) of every settler at month t, shape (n,)."""
    age = (t - s.birth_month) // 12
    age_band = np.searchsorted(np.asarray(AGE_EDGES), age, side="right")
    years = np.clip((t - s.arrival_month) // 12, 0, N_YEARS - 1)
    return (s.female.astype(np.int64) * N_AGE + age_band) * N_YEARS + years


def compute(s: State, t: int, p: Parameters, scale: float) -> np.ndarray:
    """All indicators at month ``t``, shape (len(INDICATORS), len(GROUPS)); NaN where undefined."""
    c = cells(s, t)

    def by_group(weights: np.ndarray) -> np.ndarray:
        return np.bincount(c, weights=weights, minlength=N_CELLS) @ GROUP_MATRIX

    f = np.float64
    settled = (s.status == IN_SK) & (s.labour != HANAWON)
    survey = settled & ((t - s.birth_month) >= SURVEY_MIN_AGE * 12)
    employed = survey & (s.labour == EMPLOYED)
    unemployed = survey & (s.labour == UNEMPLOYED)
    lf = employed | unemployed
    in_need = survey & ((s.depression > p.depression_threshold) | (s.ptsd > p.ptsd_threshold))
    died_recently = (s.status == DIED) & (s.exit_month > t - PAST_YEAR)

    n_survey = by_group(survey.astype(f))
    n_employed = by_group(employed.astype(f))
    n_lf = by_group(lf.astype(f))

    def share(mask: np.ndarray, den: np.ndarray) -> np.ndarray:
        return 100 * _ratio(by_group(mask.astype(f)), den)

    def mean(values: np.ndarray, mask: np.ndarray, den: np.ndarray) -> np.ndarray:
        return _ratio(by_group(np.where(mask, values, 0.0).astype(f)), den)

    def count(mask: np.ndarray) -> np.ndarray:
        return scale * by_group(mask.astype(f))

    rows = {
        "labour_force_participation": 100 * _ratio(n_lf, n_survey),
        "employment_rate": 100 * _ratio(n_employed, n_survey),
        "unemployment_rate": share(unemployed, n_lf),
        "economically_inactive": 100 * _ratio(n_survey - n_lf, n_survey),
        "mean_monthly_wage": mean(s.wage, employed, n_employed),
        "regular_job_share": share(employed & (s.job_type == REGULAR), n_employed),
        "day_labour_share": share(employed & (s.job_type == DAY_LABOUR), n_employed),
        "life_satisfaction": share(survey & s.satisfied, n_survey),
        "discrimination_past_year": share(survey & (t - s.last_discrimination < PAST_YEAR), n_survey),
        "livelihood_benefit_recipients": share(settled & s.benefit, by_group(settled.astype(f))),
        "major_depression": share(survey & (s.depression > p.depression_threshold), n_survey),
        "major_depression_lifetime": share(survey & s.depression_ever, n_survey),
        "ptsd": share(survey & (s.ptsd > p.ptsd_threshold), n_survey),
        "ptsd_lifetime": share(survey & s.ptsd_ever, n_survey),
        "suicidal_impulse_past_year": share(survey & (t - s.last_ideation < PAST_YEAR), n_survey),
        "no_one_to_ask_when_sick": share(survey & (support_ties(s) == 0), n_survey),
        "mean_loneliness": mean(s.loneliness, survey, n_survey),
        "mean_south_korean_ties": mean(s.sk_ties, survey, n_survey),
        "mean_settler_ties": mean(s.settler_ties, survey, n_survey),
        "counselling_coverage": share(in_need & (s.counselling_left > 0), by_group(in_need.astype(f))),
        "mean_trust": mean(s.trust, survey, n_survey),
        "money_stress": mean(s.money_stress, survey, n_survey),
        "population_in_south_korea": count(s.status == IN_SK),
        "whereabouts_unknown": count(s.status == UNKNOWN),
        "residence_unconfirmed": count((s.status == ABROAD) | (s.status == UNKNOWN)),
        "returned_to_north": count(s.status == RETURNED_NORTH),
        "deaths": count(died_recently),
        "unclaimed_deaths": count(died_recently & s.death_unclaimed),
        "suicides": count(died_recently & s.suicide),
    }
    return np.stack([rows[name] for name in INDICATOR_NAMES])


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
