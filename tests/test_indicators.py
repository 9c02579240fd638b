"""Indicators against a plain pandas groupby over the settlers (``sim.indicators.compute``).

``compute`` accumulates per-cell numerators and denominators in one compiled pass and sums cells
into groups; here the same indicators are recomputed from the columns directly: group membership
from ages and arrival months in whole years, shares and means with ``pandas.groupby``, "no one
to ask when sick" from ``tests/mirrors.support_ties``. Models are small and short.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mirrors import cells, support_ties

from sim import indicators
from sim.codes import PAST_YEAR_MONTHS, SURVEY_MIN_AGE
from sim.model import ResettlementModel
from sim.state import DIED, EMPLOYED, HANAWON, IN_SK, INACTIVE, State

GROUPS = ("all", "sex=male", "sex=female", "age=15-29", "age=30-39", "age=60+",
          "years_since_arrival=1", "years_since_arrival=2", "years_since_arrival=6+")


def frame(s: State, t: int) -> pd.DataFrame:
    """One row per settler: the columns the checked indicators need, and group labels."""
    age = (t - s.birth_month) // 12
    years = np.clip((t - s.arrival_month) // 12, 0, 5) + 1
    return pd.DataFrame({
        "sex": np.where(s.female, "female", "male"),
        "age": pd.cut(age, [-np.inf, 15, 30, 40, 50, 60, np.inf], right=False,
                      labels=["<15", *indicators.AGE_LABELS]).astype(str),
        "years_since_arrival": np.where(years == 6, "6+", years.astype(str)),
        "in_sk": (s.status == IN_SK) & s.defector,  # settlers: children born outside the North are not counted
        "survey": (s.status == IN_SK) & (s.labour != HANAWON) & (age >= SURVEY_MIN_AGE) & s.defector,
        "employed": s.labour == EMPLOYED,
        "wage": s.wage.astype(np.float64),
        "no_one": support_ties(s) == 0,
        "died_past_year": (s.status == DIED) & (s.exit_month > t - PAST_YEAR_MONTHS) & s.defector,
    })


def expected(df: pd.DataFrame, group: str, scale: float) -> dict[str, float]:
    """The checked indicators for one group, by groupby over the group's dimension."""
    def per(rows: pd.DataFrame) -> pd.DataFrame | pd.Series:
        if group == "all":
            return rows.assign(g="all").groupby("g")
        dim = group.split("=")[0]
        return rows.groupby(dim)

    key = group.split("=")[-1]

    def at(series: pd.Series) -> float:
        return float(series.get(key, np.nan))

    survey = df[df.survey]
    employed = survey[survey.employed]
    return {
        "employment_rate": 100 * at(per(survey).employed.mean()),
        "mean_monthly_wage": at(per(employed).wage.mean()),
        "no_one_to_ask_when_sick": 100 * at(per(survey).no_one.mean()),
        "deaths": scale * at(per(df).died_past_year.sum()),
        "population_in_south_korea": scale * at(per(df).in_sk.sum()),
    }


@pytest.mark.parametrize("kw", [dict(n_settlers=1500, months=30, rng=4),
                                dict(n_settlers=1500, months=40, rng=5, mode="population")])
def test_indicators_match_a_groupby_of_the_columns(kw):
    model = ResettlementModel(agent_views=False, **kw)
    checked = 0
    while model.running:
        model.step()
        if model.month % 10:
            continue
        t = model.clock.month - 1
        s = model.state
        out = indicators.compute(s, t, model.p, model.scale)
        np.testing.assert_array_equal(out, model.record[model.month - 1])
        df = frame(s, t)
        for group in GROUPS:
            for name, want in expected(df, group, model.scale).items():
                got = out[indicators.INDICATOR_NAMES.index(name), indicators.GROUPS.index(group)]
                if np.isnan(want) and name in ("deaths", "population_in_south_korea"):
                    want = 0.0  # a count over nobody is zero
                np.testing.assert_allclose(got, want, rtol=1e-9, equal_nan=True, err_msg=f"{name} {group} month {t}")
                checked += not np.isnan(want)
    assert checked > 50
    assert (model.state.status == DIED).any()  # deaths were exercised


def test_kernel_cells_match_cells():
    """The kernel's cell of each settler is the numpy ``cells`` (tests/mirrors.py): its per-cell stock of
    settlers in South Korea is a bincount of ``cells`` over them."""
    model = ResettlementModel(n_settlers=800, months=30, rng=6, mode="population", agent_views=False)
    for _ in range(30):
        model.step()
    s, t = model.state, model.clock.month - 1
    out = indicators.compute(s, t, model.p, 1.0)
    by_cell = np.bincount(cells(s, t)[(s.status == IN_SK) & s.defector], minlength=indicators.N_CELLS)
    k = indicators.INDICATOR_NAMES.index("population_in_south_korea")
    np.testing.assert_array_equal(out[k], by_cell @ indicators.GROUP_MATRIX)


def test_counts_in_one_cell_past_the_packed_field_size():
    """More settlers in one cell than a packed field holds (``PACK_ROWS``), in a number of rows that is not a
    multiple of ``BLOCK_ROWS``: every count is exact, as the field is moved out before it could overflow."""
    n = 2 * indicators.PACK_ROWS + indicators.BLOCK_ROWS // 3
    assert n % indicators.BLOCK_ROWS
    model = ResettlementModel(n_settlers=50, months=1, rng=1, agent_views=False)
    s, t = State(n), 100
    s.status[:] = IN_SK
    s.defector[:] = True
    s.labour[:] = np.where(np.arange(n) % 3 == 0, EMPLOYED, INACTIVE)
    s.birth_month[:] = t - 12 * 35  # one age band, one sex, one year since arrival: one cell
    s.arrival_month[:] = t - 30
    out = indicators.compute(s, t, model.p, 1.0)
    at = indicators.GROUPS.index("all")
    assert out[indicators.INDICATOR_NAMES.index("population_in_south_korea"), at] == n
    employed = np.count_nonzero(np.arange(n) % 3 == 0)
    np.testing.assert_allclose(out[indicators.INDICATOR_NAMES.index("employment_rate"), at], 100 * employed / n,
                               rtol=1e-12)
