"""Run scenarios over a sample of parameter sets, keeping a few cells: the engine of sensitivity, discover, robust.

Sample row i runs with seed ``replicate_seeds(seed, n)[i]`` in every scenario (paired on parameters
and seed, as in ``compare``), on the local backend of ``sim.batch.backends`` (bounded in flight, so the
driver's memory is one small array per run); results do not depend on the number of workers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim import ensemble as ens
from sim import indicators
from sim.batch.backends import make_backend
from sim.batch.seeds import replicate_seeds
from sim.batch.sweep import execute_run
from sim.scenario import Scenario


@dataclass(frozen=True)
class _Task:
    scenario: int
    member: int
    args: tuple[Any, ...] = field(repr=False)


def run_members(scenarios: Sequence[Scenario], sets: pd.DataFrame, seed: int, horizons: Sequence[int],
                indicator_names: Sequence[str], group: str = "all", workers: int | None = None,
                progress: bool = True, desc: str = "members") -> tuple[np.ndarray, list[int]]:
    """values[scenario, member, horizon, indicator] and the members' seeds.

    Values a scenario sets itself (``behaviour:``) stay as set; every other column of ``sets`` is applied.
    A run that raises stops everything (these analyses need every member).
    """
    seeds = replicate_seeds(seed, len(sets))
    ind_idx = [indicators.INDICATOR_NAMES.index(n) for n in indicator_names]
    grp_idx = [indicators.GROUPS.index(group)]
    rows = [sets.iloc[i] for i in range(len(sets))]

    def tasks():  # generated lazily: the backend keeps only a few in flight
        for j, sc in enumerate(scenarios):
            kw = sc.model_kwargs()
            fixed = set(sc.behaviour.model_dump(exclude_none=True))
            for i, s in enumerate(seeds):
                yield _Task(j, i, (ens.member_kwargs(kw, rows[i], fixed), s, list(horizons), ind_idx, grp_idx))

    out = np.full((len(scenarios), len(sets), len(horizons), len(ind_idx)), np.nan)
    backend = make_backend(workers=workers)
    bar = tqdm(total=len(scenarios) * len(sets), desc=desc, unit="run", disable=not progress, file=sys.stderr,
               leave=False)
    try:
        for oc in backend.run(execute_run, tasks()):
            if oc.error is not None:
                raise oc.error
            out[oc.task.scenario, oc.task.member] = oc.result[:, :, 0]
            bar.update()
    finally:
        bar.close()
        backend.close()
    return out, seeds
