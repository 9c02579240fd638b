"""ResettlementModel under mesa.batch_run: parameters as keywords, a list of rng seeds."""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from sim import ResettlementModel
from sim.batch.runner import run_replicate


def test_batch_run() -> None:
    rows = mesa.batch_run(
        ResettlementModel,
        parameters={"n_settlers": 100, "months": 12, "agent_views": False, "cash_grant_million_krw": [5, 30]},
        rng=[1, 2],
        max_steps=100,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    assert len(df) == 4  # 2 grants x 2 seeds
    assert set(df.cash_grant_million_krw) == {5, 30} and set(df.rng) == {1, 2}
    assert (df.Step == 12).all()  # the model stops itself at its horizon
    assert {"employment_rate", "major_depression", "life_satisfaction"} <= set(df.columns)
    # the same numbers as the project's own runner for the same parameters and seed
    for r in df.itertuples():
        record = run_replicate({"n_settlers": 100, "months": 12, "cash_grant_million_krw": r.cash_grant_million_krw},
                               r.rng)
        model = ResettlementModel(n_settlers=100, months=12, rng=r.rng, cash_grant_million_krw=r.cash_grant_million_krw)
        assert r.employment_rate == pytest.approx(float(record[-1, 1, 0]), nan_ok=True)
        assert model.indicator("employment_rate").shape == (12,)
