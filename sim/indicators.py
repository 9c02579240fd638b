"""Survey-comparable indicators, by group, computed vectorized each month.

Definitions follow the surveys (``survey_current.csv``): shares are of the **survey
population**, settlers aged 15+ living in South Korea and past Hanawon, except where stated;
unemployment is a share of the labour force; the wage is the mean over employed settlers;
counts are persons in the real population (the sample scaled by ``represents / size``).

Every indicator is reported for the groups in ``GROUPS``: all, by sex, by age group and by
years since arrival (1 = first year, ..., 6+). Each month every settler falls in one of
2 x 6 x 6 cells (sex x age band x years since arrival); ``np.bincount`` gives the cells (boolean
numerators packed 8 to a byte, one bincount per byte), and a fixed 0/1 matrix sums cells into groups.
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
    STATUS_NAMES,
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
    """Cell index (sex x age band x years since arrival) of every settler at month t, shape (n,) intp.

    Age band = number of ``AGE_EDGES`` at or below the age in whole years (0 = under 15); years
    since arrival = whole years since the arrival month, 0 (first year) to 5 (6+), 0 before arrival.
    Both are counted with month comparisons (age >= E years <=> months since birth >= 12 E).
    """
    age_months = t - s.birth_month
    since = t - s.arrival_month
    cell = s.female.view(np.int8) * np.int8(N_AGE)  # int8 arithmetic on bool views: no casting loops
    for edge in AGE_EDGES:
        cell += (age_months >= 12 * edge).view(np.int8)
    cell *= np.int8(N_YEARS)
    for k in range(1, N_YEARS):
        cell += (since >= 12 * k).view(np.int8)
    return cell.astype(np.intp)


# Boolean numerators are counted 8 at a time: each settler's 8 flags are packed into one byte and
# a single bincount over (cell, byte) gives, for every cell, how many settlers have each pattern;
# BYTE_BITS (256, 8) turns patterns into per-flag counts. Rows outside the denominator population
# go to an extra cell (OUT) that is dropped.
OUT = N_CELLS
BYTE_BITS = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.float64)


def _flag_counts(cell: np.ndarray, flags: list[np.ndarray]) -> np.ndarray:
    """Per-cell counts of up to 8 boolean flags, shape (N_CELLS, len(flags)); ``cell`` may hold OUT."""
    byte = np.zeros(cell.size, dtype=np.uint8)
    for k, flag in enumerate(flags):
        byte |= flag.view(np.uint8) << np.uint8(k)
    counts = np.bincount(cell * 256 + byte, minlength=(N_CELLS + 1) * 256).reshape(N_CELLS + 1, 256)
    return counts[:N_CELLS] @ BYTE_BITS[:, :len(flags)]


def compute(s: State, t: int, p: Parameters, scale: float) -> np.ndarray:
    """All indicators at month ``t``, shape (len(INDICATORS), len(GROUPS)); NaN where undefined."""
    c = cells(s, t)
    status = s.status
    settled = (status == IN_SK) & (s.labour != HANAWON)
    survey = settled & (s.birth_month <= t - SURVEY_MIN_AGE * 12)
    in_survey = np.where(survey, c, OUT)  # survey population's cells; everyone else in OUT

    employed = s.labour == EMPLOYED
    depressed = s.depression > p.depression_threshold
    ptsd = s.ptsd > p.ptsd_threshold
    in_need = depressed | ptsd
    first = _flag_counts(in_survey, [
        employed, s.labour == UNEMPLOYED, employed & (s.job_type == REGULAR), employed & (s.job_type == DAY_LABOUR),
        s.satisfied, (t - s.last_discrimination) < PAST_YEAR, depressed, s.depression_ever])
    second = _flag_counts(in_survey, [
        ptsd, s.ptsd_ever, (t - s.last_ideation) < PAST_YEAR, support_ties(s) == 0, in_need,
        in_need & (s.counselling_left > 0)])
    (employed_c, unemployed_c, regular_c, day_c, satisfied_c, discriminated_c, depressed_c,
     depression_ever_c) = first.T
    ptsd_c, ptsd_ever_c, ideation_c, no_one_c, in_need_c, counselled_c = second.T

    def cell_sum(values: np.ndarray) -> np.ndarray:
        return np.bincount(in_survey, weights=values, minlength=N_CELLS + 1)[:N_CELLS]

    survey_c = np.bincount(in_survey, minlength=N_CELLS + 1)[:N_CELLS].astype(np.float64)
    lf_c = employed_c + unemployed_c
    in_settled = np.where(settled, c, OUT)
    settled_c = np.bincount(in_settled, minlength=N_CELLS + 1)[:N_CELLS].astype(np.float64)
    benefit_c = np.bincount(in_settled, weights=s.benefit, minlength=N_CELLS + 1)[:N_CELLS]
    by_status = np.bincount(c * len(STATUS_NAMES) + status, minlength=N_CELLS * len(STATUS_NAMES))
    by_status = by_status.reshape(N_CELLS, len(STATUS_NAMES)).astype(np.float64)
    died = np.flatnonzero((status == DIED) & (s.exit_month > t - PAST_YEAR))  # few rows
    died_c = c[died]

    # name: (numerator by cell, denominator by cell or None for a count, multiplier); groups are sums of cells
    spec = {
        "labour_force_participation": (lf_c, survey_c, 100),
        "employment_rate": (employed_c, survey_c, 100),
        "unemployment_rate": (unemployed_c, lf_c, 100),
        "economically_inactive": (survey_c - lf_c, survey_c, 100),
        "mean_monthly_wage": (cell_sum(s.wage * employed), employed_c, 1),
        "regular_job_share": (regular_c, employed_c, 100),
        "day_labour_share": (day_c, employed_c, 100),
        "life_satisfaction": (satisfied_c, survey_c, 100),
        "discrimination_past_year": (discriminated_c, survey_c, 100),
        "livelihood_benefit_recipients": (benefit_c, settled_c, 100),
        "major_depression": (depressed_c, survey_c, 100),
        "major_depression_lifetime": (depression_ever_c, survey_c, 100),
        "ptsd": (ptsd_c, survey_c, 100),
        "ptsd_lifetime": (ptsd_ever_c, survey_c, 100),
        "suicidal_impulse_past_year": (ideation_c, survey_c, 100),
        "no_one_to_ask_when_sick": (no_one_c, survey_c, 100),
        "mean_loneliness": (cell_sum(s.loneliness), survey_c, 1),
        "mean_south_korean_ties": (cell_sum(s.sk_ties), survey_c, 1),
        "mean_settler_ties": (cell_sum(s.settler_ties), survey_c, 1),
        "counselling_coverage": (counselled_c, in_need_c, 100),
        "mean_trust": (cell_sum(s.trust), survey_c, 1),
        "money_stress": (cell_sum(s.money_stress), survey_c, 1),
        "population_in_south_korea": (by_status[:, IN_SK], None, scale),
        "whereabouts_unknown": (by_status[:, UNKNOWN], None, scale),
        "residence_unconfirmed": (by_status[:, ABROAD] + by_status[:, UNKNOWN], None, scale),
        "returned_to_north": (by_status[:, RETURNED_NORTH], None, scale),
        "deaths": (np.bincount(died_c, minlength=N_CELLS), None, scale),
        "unclaimed_deaths": (np.bincount(died_c, weights=s.death_unclaimed[died], minlength=N_CELLS), None, scale),
        "suicides": (np.bincount(died_c, weights=s.suicide[died], minlength=N_CELLS), None, scale),
    }
    rows = [spec[name] for name in INDICATOR_NAMES]
    num = np.stack([r[0] for r in rows]) @ GROUP_MATRIX
    is_count = np.array([r[1] is None for r in rows])
    den = np.stack([survey_c if r[1] is None else r[1] for r in rows]) @ GROUP_MATRIX
    mult = np.array([r[2] for r in rows], dtype=np.float64)[:, None]
    out = mult * _ratio(num, den)
    out[is_count] = mult[is_count] * num[is_count]
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
