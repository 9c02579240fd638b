"""What the explorer computes when a lever moves: a paired comparison of the base scenario and the base with the
changed levers, with common random numbers (as ``resettle compare``). Pure Python: the Solara page only calls
``update`` and shows its ``Answer``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim import indicators
from sim.batch.compare import compare
from sim.params import PARAM_BY_NAME, POLICY_NAMES
from sim.report.text import effect_sentence, effects_table, summary_effects
from sim.scenario import Scenario, load_scenario

DEFAULT_SETTLERS = 2000
DEFAULT_MONTHS = 60
DEFAULT_REPLICATES = 20
VARIANT_SUFFIX = "_explored"  # the variant's name: the base's plus this (compare needs different names)


class Cancelled(Exception):
    """A newer change cancelled this update; its results must not be shown."""


@dataclass(frozen=True)
class Settings:
    """What the analyst chose.

    base: path of the base scenario YAML file.
    levers: policy lever -> value (in the lever's unit, ``resettle params --kind policy``); levers not given keep
        the base scenario's values.
    months: horizon [months]; settlers: cohort size [settlers]; replicates: paired replicates [runs].
    seed: the base seed of the replicates (None: the base scenario's).
    """

    base: str | Path
    levers: dict[str, float] = field(default_factory=dict)
    months: int = DEFAULT_MONTHS
    settlers: int = DEFAULT_SETTLERS
    replicates: int = DEFAULT_REPLICATES
    seed: int | None = None


@dataclass
class Answer:
    """The result of one update.

    settings: what was asked; base, variant: the two validated scenarios (sizes applied).
    table: the comparison DataFrame of ``sim.batch.compare.COLUMNS`` (the variant's paired differences).
    timeseries: scenario name -> tidy timeseries (replicate, month, indicator, group, value).
    horizons: months compared; seconds: wall time of the update [s].
    """

    settings: Settings
    base: Scenario
    variant: Scenario
    table: pd.DataFrame
    timeseries: dict[str, pd.DataFrame]
    horizons: list[int]
    seconds: float

    def sentences(self, group: str = "all") -> list[str]:
        """Headline effects in plain words: for all settlers those clear of chance (``summary_effects``); for a
        group, every headline indicator at the longest horizon."""
        if group == "all":
            rows = summary_effects(self.table, indicators.HEADLINE)
            return [effect_sentence(r) for r in rows.itertuples(index=False)]
        t = effects_table(self.table[self.table.horizon == max(self.horizons)], indicators.HEADLINE, group)
        return list(t.sentence)

    def effect(self, indicator: str, horizon: int, group: str = "all") -> dict[str, Any]:
        """One comparison row (base_mean, mean, diff, ci_low, ci_high, n) as a dict; KeyError when absent."""
        t = self.table
        rows = t[(t.indicator == indicator) & (t.horizon == horizon) & (t.group == group)]
        if rows.empty:
            raise KeyError(f"no effect on {indicator} at month {horizon} for {group}")
        return rows.iloc[0].to_dict()


def base_value(base: Scenario, lever: str) -> float:
    """The base scenario's value of a lever (its own, else the declared default), in the lever's unit."""
    return float(base.parameters().get(lever, PARAM_BY_NAME[lever].default))


def changed_levers(base: Scenario, levers: dict[str, float]) -> dict[str, float]:
    """The levers whose value differs from the base scenario's."""
    out = {}
    for name, value in levers.items():
        # an unknown name or a non-number is kept, so the schema refuses it with its own message
        if name not in POLICY_NAMES or not isinstance(value, int | float) or not math.isclose(value, base_value(base, name)):
            out[name] = value
    return out


def scenarios(settings: Settings) -> tuple[Scenario, Scenario]:
    """The base and the variant, both validated by the scenario schema (raises ``ScenarioError``)."""
    base = load_scenario(settings.base).with_overrides(
        months=settings.months, replicates=settings.replicates, seed=settings.seed,
        **{"population.size": settings.settlers})
    changed = changed_levers(base, settings.levers)
    variant = base.with_overrides(name=base.name + VARIANT_SUFFIX, description="The base with the explorer's levers.",
                                  **{f"policy.{k}": v for k, v in changed.items()})
    return base, variant


def update(settings: Settings, cancel: threading.Event | None = None,
           progress: Callable[[float], None] | None = None) -> Answer:
    """Run the paired comparison for ``settings``.

    cancel: when set (by a newer change), the run stops after the current replicate and ``Cancelled`` is raised:
        a cancelled update never returns an Answer.
    progress: called with the fraction of replicates done (0 to 1) after each one.
    Raises ``ScenarioError`` for a value the schema refuses (with its one-line message).
    """
    t0 = time.perf_counter()
    base, variant = scenarios(settings)
    total = 2 * base.replicates
    done = [0]

    def check(_: int = 0) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled by a newer change")

    def step(i: int) -> None:
        done[0] += 1
        check()
        if progress:
            progress(done[0] / total)

    check()
    # chance only: the explorer answers in seconds; ensembles are for compare and the reports
    result = compare([base, variant], progress=False, on_replicate=step, ensemble="none")
    check()
    return Answer(settings, base, variant, result.table,
                  {r.scenario.name: r.timeseries for r in result.results}, result.horizons,
                  time.perf_counter() - t0)


def to_yaml(settings: Settings) -> str:
    """A scenario file that ``extends`` the base file and sets the changed levers, sizes and horizon.

    ``extends`` holds the base file's absolute path, so the file works wherever it is saved on this machine.
    """
    base, variant = scenarios(settings)
    changed = changed_levers(base, settings.levers)
    data: dict[str, Any] = {
        "name": variant.name,
        "description": f"{base.name} with levers set in resettle explore: "
                       + (", ".join(f"{k} = {v:g}" for k, v in changed.items()) or "no lever changed"),
        "extends": str(Path(settings.base).resolve()),
        "population": {"size": variant.population.size},
        "months": variant.months,
        "replicates": variant.replicates,
        "seed": variant.seed,
    }
    if changed:
        validated = variant.policy.model_dump()  # the schema's values: whole numbers for integer levers
        data["policy"] = {k: validated[k] for k in changed}
    return "# Written by `resettle explore`; run it with `resettle compare BASE THIS`.\n" + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True)
