"""Survey-comparable indicators, by group, computed each month.

Definitions follow the surveys (``survey_current.csv``): shares are of the **survey
population**, settlers aged 15+ living in South Korea and past Hanawon, except where stated;
unemployment is a share of the labour force; the wage is the mean over employed settlers;
counts are persons in the real population (the sample scaled by ``represents / size``).

Every indicator is reported for the groups in ``GROUPS``: all, by sex, by age group and by
years since arrival (1 = first year, ..., 6+). Each month every settler falls in one of
2 x 6 x 6 cells (sex x age band x years since arrival); one compiled pass over settlers
(``cell_quantities``) accumulates every numerator and denominator per cell, a fixed 0/1 matrix
sums cells into groups, and ratios are taken of the group sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.jit import kernel
from sim.mechanisms.ties import support_tie_count
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


# What ``cell_quantities`` accumulates per cell: the rows (Q_*) of its (N_QUANTITIES, N_CELLS) output.
# Survey population (15+, in South Korea, past Hanawon): its size, flag counts and sums; settled (in
# South Korea past Hanawon, all ages): size and benefit recipients; stocks by status; deaths in the
# past year. The first N_COUNTS rows are integers, counted in int64 (adding a bool to a float compiles
# to a branch, mispredicted at random); the last rows are float sums, added in row order as bincount did.
(Q_SURVEY, Q_EMPLOYED, Q_UNEMPLOYED, Q_LABOUR_FORCE, Q_INACTIVE, Q_REGULAR, Q_DAY_LABOUR, Q_SATISFIED, Q_DISCRIMINATED,
 Q_DEPRESSED, Q_DEPRESSION_EVER, Q_PTSD, Q_PTSD_EVER, Q_IDEATION, Q_NO_ONE, Q_IN_NEED, Q_COUNSELLED, Q_SK_TIES, Q_SETTLER_TIES,
 Q_SETTLED, Q_BENEFIT, Q_IN_SK, Q_UNKNOWN, Q_UNCONFIRMED, Q_RETURNED, Q_DEATHS, Q_UNCLAIMED, Q_SUICIDES,
 Q_WAGE, Q_LONELINESS, Q_TRUST, Q_MONEY_STRESS) = range(32)
N_COUNTS, N_QUANTITIES = 28, 32
_ZERO_ONE = np.array([0.0, 1.0])  # x * _ZERO_ONE[flag]: a float times a flag without a branch

# indicator: (numerator, denominator or None for a count, multiplier or None for a count's scale);
# groups are sums of cells (GROUP_MATRIX), and ratios are taken of the group sums
SPEC: dict[str, tuple[int, int | None, float | None]] = {
    "labour_force_participation": (Q_LABOUR_FORCE, Q_SURVEY, 100),
    "employment_rate": (Q_EMPLOYED, Q_SURVEY, 100),
    "unemployment_rate": (Q_UNEMPLOYED, Q_LABOUR_FORCE, 100),
    "economically_inactive": (Q_INACTIVE, Q_SURVEY, 100),
    "mean_monthly_wage": (Q_WAGE, Q_EMPLOYED, 1),
    "regular_job_share": (Q_REGULAR, Q_EMPLOYED, 100),
    "day_labour_share": (Q_DAY_LABOUR, Q_EMPLOYED, 100),
    "life_satisfaction": (Q_SATISFIED, Q_SURVEY, 100),
    "discrimination_past_year": (Q_DISCRIMINATED, Q_SURVEY, 100),
    "livelihood_benefit_recipients": (Q_BENEFIT, Q_SETTLED, 100),
    "major_depression": (Q_DEPRESSED, Q_SURVEY, 100),
    "major_depression_lifetime": (Q_DEPRESSION_EVER, Q_SURVEY, 100),
    "ptsd": (Q_PTSD, Q_SURVEY, 100),
    "ptsd_lifetime": (Q_PTSD_EVER, Q_SURVEY, 100),
    "suicidal_impulse_past_year": (Q_IDEATION, Q_SURVEY, 100),
    "no_one_to_ask_when_sick": (Q_NO_ONE, Q_SURVEY, 100),
    "mean_loneliness": (Q_LONELINESS, Q_SURVEY, 1),
    "mean_south_korean_ties": (Q_SK_TIES, Q_SURVEY, 1),
    "mean_settler_ties": (Q_SETTLER_TIES, Q_SURVEY, 1),
    "counselling_coverage": (Q_COUNSELLED, Q_IN_NEED, 100),
    "mean_trust": (Q_TRUST, Q_SURVEY, 1),
    "money_stress": (Q_MONEY_STRESS, Q_SURVEY, 1),
    "population_in_south_korea": (Q_IN_SK, None, None),
    "whereabouts_unknown": (Q_UNKNOWN, None, None),
    "residence_unconfirmed": (Q_UNCONFIRMED, None, None),
    "returned_to_north": (Q_RETURNED, None, None),
    "deaths": (Q_DEATHS, None, None),
    "unclaimed_deaths": (Q_UNCLAIMED, None, None),
    "suicides": (Q_SUICIDES, None, None),
}
_ROWS = [SPEC[name] for name in INDICATOR_NAMES]
NUM_ROWS = np.array([r[0] for r in _ROWS])
DEN_ROWS = np.array([Q_SURVEY if r[1] is None else r[1] for r in _ROWS])  # a count's denominator is unused
IS_COUNT = np.array([r[1] is None for r in _ROWS])
RATE_MULT = np.array([0.0 if r[2] is None else r[2] for r in _ROWS])  # counts are scaled instead


def compute(s: State, t: int, p: Parameters, scale: float) -> np.ndarray:
    """All indicators at month ``t``, shape (len(INDICATORS), len(GROUPS)); NaN where undefined."""
    # thresholds as float32: numpy compares a float32 column with a Python float in float32
    acc = cell_quantities(t, np.float32(p.depression_threshold), np.float32(p.ptsd_threshold),
                          s.status, s.labour, s.job_type, s.female, s.birth_month, s.arrival_month,
                          s.satisfied, s.last_discrimination, s.depression, s.depression_ever, s.ptsd, s.ptsd_ever,
                          s.last_ideation, s.settler_ties, s.sk_ties, s.mentor_left, s.lives_alone, s.counselling_left,
                          s.wage, s.loneliness, s.trust, s.money_stress, s.benefit,
                          s.exit_month, s.death_unclaimed, s.suicide)
    num = acc[NUM_ROWS] @ GROUP_MATRIX
    den = acc[DEN_ROWS] @ GROUP_MATRIX
    out = RATE_MULT[:, None] * _ratio(num, den)
    out[IS_COUNT] = scale * num[IS_COUNT]
    return out


@kernel
def _cell(t, female, birth_month, arrival_month):
    """Cell index as in ``cells``."""
    age_months = t - birth_month
    since = t - arrival_month
    band = 0
    for edge in AGE_EDGES:
        band += age_months >= 12 * edge
    years = 0
    for k in range(1, N_YEARS):
        years += since >= 12 * k
    return (female * N_AGE + band) * N_YEARS + years


@kernel
def cell_quantities(t, depression_threshold, ptsd_threshold, status, labour, job_type, female, birth_month,
                    arrival_month, satisfied, last_discrimination, depression, depression_ever, ptsd, ptsd_ever,
                    last_ideation, settler_ties, sk_ties, mentor_left, lives_alone, counselling_left,
                    wage, loneliness, trust, money_stress, benefit, exit_month, death_unclaimed, suicide):
    """Per-cell quantities at month t, shape (N_QUANTITIES, N_CELLS) float64: one pass over settlers."""
    n = np.zeros((N_COUNTS, N_CELLS), dtype=np.int64)
    acc = np.zeros((N_QUANTITIES, N_CELLS))
    survey_born_by = t - SURVEY_MIN_AGE * 12
    for i in range(status.size):
        st = status[i]
        if st == IN_SK:
            c = _cell(t, female[i], birth_month[i], arrival_month[i])
            n[Q_IN_SK, c] += 1
            if labour[i] == HANAWON:
                continue
            n[Q_SETTLED, c] += 1
            n[Q_BENEFIT, c] += benefit[i]
            if birth_month[i] > survey_born_by:
                continue
            employed = labour[i] == EMPLOYED
            unemployed = labour[i] == UNEMPLOYED
            depressed = depression[i] > depression_threshold
            has_ptsd = ptsd[i] > ptsd_threshold
            in_need = depressed | has_ptsd
            no_one = support_tie_count(i, settler_ties, sk_ties, mentor_left, lives_alone) == 0
            n[Q_SURVEY, c] += 1
            n[Q_EMPLOYED, c] += employed
            n[Q_UNEMPLOYED, c] += unemployed
            n[Q_REGULAR, c] += employed & (job_type[i] == REGULAR)
            n[Q_DAY_LABOUR, c] += employed & (job_type[i] == DAY_LABOUR)
            n[Q_SATISFIED, c] += satisfied[i]
            n[Q_DISCRIMINATED, c] += (t - last_discrimination[i]) < PAST_YEAR
            n[Q_DEPRESSED, c] += depressed
            n[Q_DEPRESSION_EVER, c] += depression_ever[i]
            n[Q_PTSD, c] += has_ptsd
            n[Q_PTSD_EVER, c] += ptsd_ever[i]
            n[Q_IDEATION, c] += (t - last_ideation[i]) < PAST_YEAR
            n[Q_NO_ONE, c] += no_one
            n[Q_IN_NEED, c] += in_need
            n[Q_COUNSELLED, c] += in_need & (counselling_left[i] > 0)
            n[Q_SK_TIES, c] += sk_ties[i]
            n[Q_SETTLER_TIES, c] += settler_ties[i]
            acc[Q_WAGE, c] += np.float64(wage[i]) * _ZERO_ONE[np.intp(employed)]  # non-employed add 0 (as before)
            acc[Q_LONELINESS, c] += loneliness[i]
            acc[Q_TRUST, c] += trust[i]
            acc[Q_MONEY_STRESS, c] += money_stress[i]
        elif st == DIED:
            if exit_month[i] > t - PAST_YEAR:
                c = _cell(t, female[i], birth_month[i], arrival_month[i])
                n[Q_DEATHS, c] += 1
                n[Q_UNCLAIMED, c] += death_unclaimed[i]
                n[Q_SUICIDES, c] += suicide[i]
        elif st in (UNKNOWN, ABROAD, RETURNED_NORTH):
            c = _cell(t, female[i], birth_month[i], arrival_month[i])
            n[Q_UNKNOWN, c] += st == UNKNOWN
            n[Q_UNCONFIRMED, c] += st != RETURNED_NORTH
            n[Q_RETURNED, c] += st == RETURNED_NORTH
    for c in range(N_CELLS):
        n[Q_LABOUR_FORCE, c] = n[Q_EMPLOYED, c] + n[Q_UNEMPLOYED, c]
        n[Q_INACTIVE, c] = n[Q_SURVEY, c] - n[Q_LABOUR_FORCE, c]
        for q in range(N_COUNTS):
            acc[q, c] = n[q, c]
    return acc


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den where den > 0, else NaN (nothing is divided by zero, so no warnings to silence)."""
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1), np.nan)
