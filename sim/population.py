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
from typing import Any

import numpy as np

from sim import inputs
from sim.codes import MILLION_KRW, MONTHS_PER_YEAR, NEVER, PENDING
from sim.declare import Column, Mechanism, behaviour

AGE_BANDS = {"0-9": (0, 10), "10-19": (10, 20), "20-39": (20, 40), "40-59": (40, 60), "60-79": (60, 80)}
CHILD_BEARING_AGES = (20, 50)  # definition of arrival_profile.csv's row: women aged 20-49 who bring children

DECLARATION = Mechanism(
    name="population",
    owns=(
        Column("status", np.int8, PENDING, "code: STATUS_NAMES"),
        Column("female", np.bool_, False, "bool"),
        Column("birth_month", np.int32, 0, "month index of birth"),
        Column("arrival_month", np.int32, 0, "month index of arrival (start of Hanawon)"),
        Column("children", np.int8, 0, "dependent children (under school-leaving age) in the settler's care"),
        Column("youngest_child_birth_month", np.int32, NEVER,
               "month index of birth of the youngest dependent child in the settler's care (NEVER: none)"),
        Column("lives_alone", np.bool_, False, "bool: one-person household"),
        Column("lone_parent", np.bool_, False, "bool: cares for dependent children without a partner"),
        Column("health_limit", np.bool_, False, "bool: health limits work"),
        Column("trauma", np.float32, 0.0, "trauma exposure, 0-1"),
        Column("dialect", np.float32, 0.0, "Southern Korean proficiency, 0-1"),
        Column("productivity", np.float32, 0.0, "individual log wage effect"),
        Column("satisfaction_propensity", np.float32, 0.0, "individual logit shift of life satisfaction"),
        Column("education", np.int8, 0, "code: EDUCATION_NAMES"),
        Column("north_occupation", np.int8, 0, "code: NORTH_OCCUPATION_NAMES"),
    ),
    reads=(),
    writes=("status", "female", "birth_month", "arrival_month", "children", "youngest_child_birth_month",
            "lives_alone", "lone_parent",
            "health_limit", "trauma", "dialect", "productivity", "satisfaction_propensity", "debt", "trust",
            "education", "north_occupation"),
    params=(
        behaviour("broker_debt_mean_million_krw", 8, "million KRW per person", 0, 40,
                  "assumption: broker fees of several million won are common (brief: debts to brokers)"),
        behaviour("broker_debt_share", 0.6, "share of arrivals", 0, 1, "assumption"),
        behaviour("lives_alone_min_age", 18, "years", 15, 30,
                  "assumption: adults of this age without children may live alone", integer=True),
        behaviour("satisfaction_propensity_scale", 1.0, "logit", 0.1, 5,
                  "assumption: spread (logistic scale) of the individual propensity to be satisfied"),
    ),
    uses=("wage_sd_log", "trust_initial", "school_leaving_age"),
)


@dataclass(frozen=True)
class Layout:
    """Where a run's population sits in time.

    origin_year, origin_month: calendar month of model month 0.
    record_from: model month of the scenario's start (first recorded month).
    represents: real persons the sample stands for (counts are scaled by represents / size).
    """

    origin_year: int
    origin_month: int
    record_from: int
    represents: float


def build(mode: str, size: int, start_year: int, start_month: int, months: int,
          represents: float | None, female_share: float | None,
          p: Any, rng: np.random.Generator) -> tuple[Any, Layout]:
    """Create the State with every settler the run will hold, and its time layout (``p``: Parameters)."""
    from sim.engine import param_view
    from sim.state import State

    state = State(size)
    if mode == "cohort":
        share = female_share if female_share is not None else inputs.arrival_profile()["female_share"]["cohort_default"]
        state.female[:] = rng.random(size) < share
        state.arrival_month[:] = 0
        layout = Layout(start_year, start_month, 0, float(represents if represents is not None else size))
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
        female = np.array([s for _ in rows for s in (False, True)])
        counts = np.array([c for r in rows for c in (r[1], r[2])], dtype=float)
        # an arrival year is in the run if any of its months falls before the end
        in_run = (years - origin_year) * 12 < end_month
        weights = np.where(in_run, counts, 0.0)
        cell = rng.choice(len(weights), size=size, p=weights / weights.sum())
        state.female[:] = female[cell]
        state.arrival_month[:] = (years[cell] - origin_year) * 12 + rng.integers(0, 12, size)
        state.arrival_month[:] = np.minimum(state.arrival_month, end_month - 1)
        layout = Layout(origin_year, 1, record_from,
                        float(represents if represents is not None else weights.sum()))
    else:  # validated by the scenario schema; guard for direct API use
        raise ValueError(f"unknown population mode '{mode}' (expected 'cohort' or 'population')")
    draw_background(state, np.arange(size), param_view(DECLARATION, p), rng)
    return state, layout


def draw_background(state: Any, idx: np.ndarray, p: Any, rng: np.random.Generator) -> None:
    """Draw background traits for rows ``idx`` (arrival months and sex already set; ``p``: this module's view)."""
    prof = inputs.arrival_profile()
    n = idx.size
    bands = list(AGE_BANDS.values())
    shares = np.array(list(prof["age_at_arrival"].values()))
    band = rng.choice(len(bands), size=n, p=shares / shares.sum())
    lo = np.array([b[0] for b in bands])[band]
    hi = np.array([b[1] for b in bands])[band]
    age_months = rng.integers(lo * 12, hi * 12)
    state.birth_month[idx] = state.arrival_month[idx] - age_months
    age = age_months // 12

    state.health_limit[idx] = rng.random(n) < prof["health_limit"]["share"]
    state.trauma[idx] = _beta(rng, prof["trauma"]["mean"], prof["trauma"]["concentration"], n)
    state.dialect[idx] = _beta(rng, prof["dialect"]["mean"], prof["dialect"]["concentration"], n)
    fem = state.female[idx]
    can_have = fem & (age >= CHILD_BEARING_AGES[0]) & (age < CHILD_BEARING_AGES[1])
    has = can_have & (rng.random(n) < prof["children"]["share_with_children_women_20_49"])
    extra = rng.poisson(prof["children"]["mean_if_any"] - 1, n)
    state.children[idx] = np.where(has, 1 + extra, 0)
    # the youngest child's age: uniform over the ages a child may have, below school-leaving age and the mother's
    # age less the youngest age of motherhood (assumption)
    oldest = np.minimum(p.school_leaving_age, age - CHILD_BEARING_AGES[0] + 1)
    youngest_age_months = (rng.random(n) * np.maximum(oldest, 1) * MONTHS_PER_YEAR).astype(np.int64)
    state.youngest_child_birth_month[idx] = np.where(has, state.arrival_month[idx] - youngest_age_months, NEVER)
    state.lone_parent[idx] = has & (rng.random(n) < prof["children"]["lone_parent_share"])
    adult = age >= p.lives_alone_min_age
    state.lives_alone[idx] = adult & (state.children[idx] == 0) & (rng.random(n) < prof["lives_alone"]["share"])
    state.productivity[idx] = rng.normal(0.0, p.wage_sd_log, n)
    state.satisfaction_propensity[idx] = rng.logistic(0.0, p.satisfaction_propensity_scale, n)
    has_debt = rng.random(n) < p.broker_debt_share
    state.debt[idx] = np.where(has_debt, rng.exponential(p.broker_debt_mean_million_krw * MILLION_KRW, n), 0.0)
    state.trust[idx] = p.trust_initial
    # education and occupation in the North (drawn last, so the draws above are unchanged; independent of sex and
    # age: arrival_profile.csv gives them for all arrivals only)
    for column, trait in (("education", "education"), ("north_occupation", "north_occupation")):
        shares = np.array(list(prof[trait].values()))
        getattr(state, column)[idx] = rng.choice(shares.size, size=n, p=shares / shares.sum())


def _beta(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)
