"""Initial population: who arrives, when, and with what background.

Two modes:

* ``cohort``: ``size`` settlers who all arrive in the scenario's first month, the clean
  design for comparing policies on the same people.
* ``population``: ``size`` settlers sampled from the historical arrivals table
  (``arrivals_by_year.csv``, 1990-2025), arriving in their month of arrival on a clock that
  starts in January 1990; the model replays the years before the scenario's start (warm-up)
  and records from the start. Years after 2025 repeat 2025's arrivals (assumption).

Background traits are drawn from ``arrival_profile.csv`` (ages, health, trauma, dialect,
children, household) with the sources given there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from sim import inputs
from sim.codes import CHILD, MILLION_KRW, MINOR_AGE, MONTHS_PER_YEAR, PENDING, RESERVED
from sim.declare import Column, Mechanism, behaviour
from sim.draws import by_cdf, cumulative_shares
from sim.jit import kernel

AGE_BANDS = {"0-9": (0, 10), "10-19": (10, 20), "20-39": (20, 40), "40-59": (40, 60), "60-79": (60, 80)}

DECLARATION = Mechanism(
    name="population",
    owns=(
        Column("status", np.int8, PENDING, "code: STATUS_NAMES"),
        Column("defector", np.bool_, True,
               "bool: a North Korean settler (in the surveys); False for children born in the South or a third country"),
        Column("female", np.bool_, False, "bool"),
        Column("birth_month", np.int32, 0, "month index of birth"),
        Column("arrival_month", np.int32, 0, "month index of arrival (start of Hanawon); RESERVED for a free row"),
        Column("health_limit", np.bool_, False, "bool: health limits work"),
        Column("trauma", np.float32, 0.0, "trauma exposure, 0-1"),
        Column("dialect", np.float32, 0.0, "Southern Korean proficiency, 0-1"),
        Column("productivity", np.float32, 0.0, "individual log wage effect"),
        Column("satisfaction_propensity", np.float32, 0.0, "individual logit shift of life satisfaction"),
        Column("education", np.int8, 0, "code: EDUCATION_NAMES"),
        Column("north_occupation", np.int8, 0, "code: NORTH_OCCUPATION_NAMES"),
    ),
    reads=(),
    writes=("status", "defector", "female", "birth_month", "arrival_month", "health_limit", "trauma", "dialect",
            "productivity", "satisfaction_propensity", "debt", "trust", "household_head", "relation", "partner",
            "education", "north_occupation"),
    params=(
        behaviour("broker_debt_mean_million_krw", 8, "million KRW per person", 0, 40,
                  "assumption: broker fees of several million won are common (brief: debts to brokers)"),
        behaviour("broker_debt_share", 0.6, "share of arrivals", 0, 1, "assumption"),
        behaviour("satisfaction_propensity_scale", 1.0, "logit", 0.1, 5,
                  "assumption: spread (logistic scale) of the individual propensity to be satisfied"),
    ),
    uses=("wage_sd_log", "trust_initial", "child_with_mother_share", "arrive_with_partner_share",
          "elder_with_family_share", "third_country_child_share", "third_country_children_mean"),
)


@dataclass(frozen=True)
class Layout:
    """Where a run's population sits in time.

    origin_year, origin_month: calendar month of model month 0.
    record_from: model month of the scenario's start (first recorded month).
    represents: real persons the sample stands for (counts are scaled by represents / settlers).
    settlers: settlers in the sample (rows beyond them are children born outside the North and free rows).
    """

    origin_year: int
    origin_month: int
    record_from: int
    represents: float
    settlers: int


def female_share_of_arrivals() -> float:
    """Share of women among arrivals when no table says otherwise (arrival_profile.csv's cohort default)."""
    return inputs.arrival_profile()["female_share"]["cohort_default"]


def build(mode: str, size: int, start_year: int, start_month: int, months: int,
          represents: float | None, female_share: float | None,
          p: Any, rng: np.random.Generator) -> tuple[Any, Layout]:
    """Create the State with every row the run will hold, and its time layout (``p``: Parameters).

    Rows: the ``size`` settlers, then children born in a third country who arrive with their mothers, then
    free rows for births and relatives who join later (``households.RESERVE_ROWS_PER_SETTLER_YEAR``).
    """
    from sim.engine import param_view
    from sim.mechanisms import households
    from sim.state import State

    if mode == "cohort":
        share = female_share if female_share is not None else female_share_of_arrivals()
        female = rng.random(size) < share
        arrival = np.zeros(size, dtype=np.int64)
        end_month = months
        layout = Layout(start_year, start_month, 0, float(represents if represents is not None else size), size)
    elif mode == "population":
        origin_year = inputs.EARLIEST_ARRIVAL_YEAR
        if start_year < origin_year:  # refused by the scenario schema; guard for direct API use
            raise ValueError(f"population mode needs a start from {origin_year}-01 (the arrivals table begins "
                             f"in {origin_year}), got {start_year}-{start_month:02d}")
        record_from = (start_year - origin_year) * 12 + (start_month - 1)
        end_month = record_from + months
        table = inputs.arrivals_by_year()
        last = table.year.max()
        extra_years = range(int(last) + 1, origin_year + end_month // 12 + 1)
        rows = [(int(y), m, f) for y, m, f in zip(table.year, table.male, table.female)]
        rows += [(y, rows[-1][1], rows[-1][2]) for y in extra_years]
        years = np.array([r[0] for r in rows for _ in (0, 1)])
        sexes = np.array([s for _ in rows for s in (False, True)])
        counts = np.array([c for r in rows for c in (r[1], r[2])], dtype=float)
        # an arrival year is in the run if any of its months falls before the end
        in_run = (years - origin_year) * 12 < end_month
        weights = np.where(in_run, counts, 0.0)
        cell = rng.choice(len(weights), size=size, p=weights / weights.sum())
        female = sexes[cell]
        arrival = (years[cell] - origin_year) * 12 + rng.integers(0, 12, size)
        arrival = np.minimum(arrival, end_month - 1)
        layout = Layout(origin_year, 1, record_from,
                        float(represents if represents is not None else weights.sum()), size)
    else:  # validated by the scenario schema; guard for direct API use
        raise ValueError(f"unknown population mode '{mode}' (expected 'cohort' or 'population')")
    view = param_view(DECLARATION, p)
    ages = draw_ages(size, rng)
    # children born in a third country come with some mothers aged 20-49 (not settlers themselves)
    mothers = np.flatnonzero(female & (ages >= households.FERTILE_AGES[0] * 12) & (ages < households.MOTHER_MAX_AGE * 12)
                             & (rng.random(size) < p.third_country_child_share))
    per_mother = 1 + rng.poisson(p.third_country_children_mean - 1, mothers.size)
    kid_mother = np.repeat(mothers, per_mother)
    settler_years = np.maximum(0, end_month - arrival).sum() / MONTHS_PER_YEAR
    reserve = int(np.ceil(households.RESERVE_ROWS_PER_SETTLER_YEAR * settler_years)) + RESERVE_MIN_ROWS
    state = State(size + kid_mother.size + reserve)
    settlers = np.arange(size)
    state.female[settlers] = female
    state.arrival_month[settlers] = arrival
    draw_background(state, settlers, view, rng, ages)
    kids = size + np.arange(kid_mother.size)
    state.defector[kids] = False
    state.female[kids] = rng.random(kids.size) < households.FEMALE_SHARE_AT_BIRTH
    state.arrival_month[kids] = state.arrival_month[kid_mother]
    mother_age_years = ages[kid_mother] // MONTHS_PER_YEAR
    oldest = np.clip(mother_age_years - households.MOTHER_MIN_AGE_GAP, 1, MINOR_AGE)
    draw_background(state, kids, view, rng, (rng.random(kids.size) * oldest * MONTHS_PER_YEAR).astype(np.int64))
    state.debt[kids] = 0.0
    state.arrival_month[size + kid_mother.size:] = RESERVED
    state.next_free_row = size + kid_mother.size  # free rows are handed out in order (households.free_rows)
    group = (arrival // MONTHS_PER_YEAR) if mode == "population" else np.zeros(size, dtype=np.int64)
    households.form_at_arrival(state, settlers, view, rng, group)
    state.household_head[kids] = state.household_head[kid_mother]
    state.relation[kids] = CHILD
    return state, layout


RESERVE_MIN_ROWS = 16  # free rows even in the smallest run (a few births and reunions)


@cache
def _profile_tables() -> dict[str, np.ndarray]:
    """The arrival profile's cumulative shares of age bands, education and occupation, and the age bands' bounds
    in months: built once (the few relatives who arrive each month draw from them)."""
    prof = inputs.arrival_profile()
    bands = list(AGE_BANDS.values())
    tables = {trait: cumulative_shares(np.array(list(prof[trait].values())))
              for trait in ("age_at_arrival", "education", "north_occupation")}
    tables["age_low_months"] = np.array([b[0] for b in bands]) * MONTHS_PER_YEAR
    tables["age_high_months"] = np.array([b[1] for b in bands]) * MONTHS_PER_YEAR
    return tables


def draw_ages(n: int, rng: np.random.Generator) -> np.ndarray:
    """Ages at arrival in months, from the arrival profile's age bands (uniform within a band)."""
    tables = _profile_tables()
    band = by_cdf(rng, tables["age_at_arrival"], n)
    return rng.integers(tables["age_low_months"][band], tables["age_high_months"][band])


def draw_background(state: Any, idx: np.ndarray, p: Any, rng: np.random.Generator,
                    age_months: np.ndarray | None = None) -> None:
    """Draw background traits for rows ``idx`` (arrival months and sex already set; ``state``: a State; ``p``: a
    view with this module's parameters and those it uses); ages at arrival from the profile unless given (months).

    The draws are numpy's (``background_draws``); the writes are one compiled call (``write_background``), not a
    dozen numpy assignments, for the few relatives who arrive each month.
    """
    write_background(state.arrays(BACKGROUND_COLUMNS), idx, *background_draws(idx.size, p, rng, age_months),
                     p.trust_initial)


def background_draws(n: int, p: Any, rng: np.random.Generator,
                     age_months: np.ndarray | None = None) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Ages at arrival (months; drawn from the profile unless given) and the background traits of ``n`` arrivals,
    in this order: health limit, trauma and dialect (beta), productivity (normal), satisfaction propensity
    (logistic), broker debt (a share owe an exponential amount), then education and occupation in the North (drawn
    last, so the draws above are unchanged; independent of sex and age: arrival_profile.csv gives them for all
    arrivals only)."""
    prof = inputs.arrival_profile()
    if age_months is None:
        age_months = draw_ages(n, rng)
    limited = rng.random(n) < prof["health_limit"]["share"]
    trauma = _beta(rng, prof["trauma"]["mean"], prof["trauma"]["concentration"], n)
    dialect = _beta(rng, prof["dialect"]["mean"], prof["dialect"]["concentration"], n)
    productivity = rng.normal(0.0, p.wage_sd_log, n)
    propensity = rng.logistic(0.0, p.satisfaction_propensity_scale, n)
    has_debt = rng.random(n) < p.broker_debt_share
    debt = np.where(has_debt, rng.exponential(p.broker_debt_mean_million_krw * MILLION_KRW, n), 0.0)
    tables = _profile_tables()
    education, occupation = (by_cdf(rng, tables[trait], n) for trait in ("education", "north_occupation"))
    return age_months, (limited, trauma, dialect, productivity, propensity, debt, education, occupation)


BACKGROUND_COLUMNS = ("birth_month", "arrival_month", "health_limit", "trauma", "dialect", "productivity",
                      "satisfaction_propensity", "debt", "trust", "education", "north_occupation")


@kernel
def write_background(columns, idx, age_months, draws, trust_initial):
    """Rows ``idx`` take ``background_draws``'s ages and ``draws`` (``columns``: ``BACKGROUND_COLUMNS``)."""
    (birth_month, arrival_month, health_limit, trauma, dialect, productivity, satisfaction_propensity, debt, trust,
     education, north_occupation) = columns
    limited, traumas, dialects, productivities, propensities, debts, educations, occupations = draws
    for k in range(idx.size):
        i = idx[k]
        birth_month[i] = arrival_month[i] - age_months[k]
        health_limit[i] = limited[k]
        trauma[i] = traumas[k]
        dialect[i] = dialects[k]
        productivity[i] = productivities[k]
        satisfaction_propensity[i] = propensities[k]
        debt[i] = debts[k]
        trust[i] = trust_initial
        education[i] = educations[k]
        north_occupation[i] = occupations[k]


def _beta(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)
