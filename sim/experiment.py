"""Experiment files: a base scenario, factors to vary, a design, and what to keep.

An experiment file looks like::

    name: grant_x_mentorship
    description: Cash grant size against mentorship coverage.
    scenario: ../scenarios/baseline.yaml      # base scenario: a path (relative to this file) or a mapping
    set: {population.size: 2000}              # fixed overrides of the base (dotted keys)
    factors:                                  # dotted paths into the scenario
      policy.cash_grant_million_krw: {range: [5, 40], steps: 8}     # 5, 10, ..., 40
      policy.mentorship_coverage: [0, 0.25, 0.5, 0.75, 1]          # a list of values
      policy.counselling_slots_per_1000: {distribution: loguniform, low: 2, high: 120}
      policy.anti_discrimination_effort: {distribution: normal, mean: 0.2, sd: 0.1, low: 0, high: 0.8}
    design: factorial                         # or {type: latin_hypercube, points: 40, seed: 1}
                                              # or {type: sobol, points: 16, seed: 1}
    replicates: 5                             # per point (default: the scenario's)
    seed: 20240101                            # default: the scenario's
    indicators: [employment_rate, major_depression]   # default: all
    groups: [all]                             # default: [all]; "*" keeps every group
    horizons: [12, 36, 60]                    # months after start (default 12, 36, 60 within the horizon)
    scheduler: tcp://10.0.0.5:8786            # optional dask.distributed scheduler
    ensemble: prior                           # posterior | prior | none | a file (relative to this file);
                                              # default: posterior once it exists, else none (sim.ensemble)

Designs
-------
* ``factorial``: every combination of the factors' values (lists, or ``range`` with ``steps``).
* ``latin_hypercube``: ``points`` points from ``scipy.stats.qmc.LatinHypercube``.
* ``sobol``: Saltelli's extension of the Sobol' sequence (``SALib.sample.sobol``, first-order and
  total indices): ``points`` is the base sample N (a power of 2) and the design has N x (D + 2)
  points for D factors, ready for ``SALib.analyze.sobol`` (see ``sim.batch.sweep.sobol_indices``).

In the sampled designs each factor maps a uniform number u in [0, 1) to a value: a ``range`` or
``uniform`` is continuous between its bounds, ``loguniform`` is uniform in the logarithm, ``normal``
is truncated to ``[low, high]`` (default: 4 sd either side), and a list of values is picked from
evenly (u * number of values). Integer parameters are rounded.

Every problem is raised as ``ExperimentError`` (a ``ScenarioError``) with one line naming the
file and key, so the command line exits with code 2.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scipy import stats

from sim import indicators
from sim.params import PARAM_BY_NAME, suggest
from sim.scenario import MAX_REPLICATES, MAX_SEED, Scenario, ScenarioError, _describe, _read_yaml, load_scenario, validate_dict

DEFAULT_HORIZONS = (12, 36, 60)
NOT_FACTORS = ("name", "description", "seed", "replicates", "changes")
INTEGER_KEYS = ("population.size", "months")
DESIGN_ALIASES = {"lhs": "latin_hypercube", "latin-hypercube": "latin_hypercube", "full_factorial": "factorial",
                  "saltelli": "sobol"}
NORMAL_DEFAULT_SDS = 4.0  # a normal factor without bounds is truncated at mean +- 4 sd
MAX_STEPS, MAX_POINTS = 10_000, 1_000_000  # values of a factor's range; points of a sampled design
MAX_SAMPLER_SEED = 2**32 - 1  # scipy's samplers take 32-bit seeds


class ExperimentError(ScenarioError):
    """An experiment file that cannot be used; the message is one line naming file and key."""


class Factor(BaseModel):
    """One factor: exactly one of ``values``, ``range`` (with ``steps`` for factorial) or ``distribution``."""

    model_config = ConfigDict(extra="forbid")
    values: list[Any] | None = Field(default=None, min_length=1)
    range: tuple[float, float] | None = None
    steps: int | None = Field(default=None, ge=2, le=MAX_STEPS)
    distribution: Literal["uniform", "loguniform", "normal"] | None = None
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, v: Any) -> Any:
        if isinstance(v, list):
            return {"values": v}
        if isinstance(v, (int, float, str)):
            return {"values": [v]}
        return v

    @model_validator(mode="after")
    def _check(self) -> Factor:
        given = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'values' (a list), 'range' (with 'steps') or 'distribution'")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range: expected [low, high] with low < high, got {list(self.range)}")
        if self.distribution in ("uniform", "loguniform"):
            if self.low is None or self.high is None or not self.low < self.high:
                raise ValueError(f"{self.distribution}: expected 'low' and 'high' with low < high")
            if self.distribution == "loguniform" and self.low <= 0:
                raise ValueError(f"loguniform: expected low > 0, got {self.low}")
        if self.distribution == "normal":
            if self.mean is None or self.sd is None:
                raise ValueError("normal: expected 'mean' and 'sd' (and optional bounds 'low', 'high')")
            lo, hi = self.bounds()
            if not lo < hi:
                raise ValueError(f"normal: expected low < high, got {lo} and {hi}")
        return self

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest values the factor can take (for validation)."""
        if self.range is not None:
            return self.range
        if self.distribution == "normal":
            assert self.mean is not None and self.sd is not None
            lo = self.mean - NORMAL_DEFAULT_SDS * self.sd if self.low is None else self.low
            hi = self.mean + NORMAL_DEFAULT_SDS * self.sd if self.high is None else self.high
            return lo, hi
        assert self.low is not None and self.high is not None
        return self.low, self.high

    def levels(self) -> list[Any] | None:
        """The values of a factorial design, or None for a distribution."""
        if self.values is not None:
            return list(self.values)
        if self.range is not None and self.steps is not None:
            return [float(x) for x in np.linspace(self.range[0], self.range[1], self.steps)]
        return None

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map uniform numbers in [0, 1) to values of this factor."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, np.nextafter(1.0, 0.0))
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in idx]
        if self.distribution == "loguniform":
            assert self.low is not None and self.high is not None
            x = np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        elif self.distribution == "normal":
            assert self.mean is not None and self.sd is not None
            lo, hi = self.bounds()
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            x = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        else:  # range or uniform
            lo, hi = self.bounds()
            x = lo + u * (hi - lo)
        return [float(v) for v in x]


class Design(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["factorial", "latin_hypercube", "sobol"] = "factorial"
    points: int | None = Field(default=None, ge=1, le=MAX_POINTS, description="sampled points (lhs) or base N (sobol)")
    seed: int = Field(default=0, ge=0, le=MAX_SAMPLER_SEED, description="seed of the sampler (not of the model)")

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = {"type": v}
        if isinstance(v, dict) and isinstance(v.get("type"), str):
            v = {**v, "type": DESIGN_ALIASES.get(v["type"].lower(), v["type"].lower())}
        return v

    @model_validator(mode="after")
    def _check(self) -> Design:
        if self.type != "factorial" and self.points is None:
            raise ValueError(f"{self.type}: expected 'points' (a number of design points)")
        if self.type == "sobol" and self.points is not None and self.points & (self.points - 1):
            raise ValueError(f"sobol: expected 'points' to be a power of 2, got {self.points}")
        return self



def _known(names: list[str], choices: tuple[str, ...], kind: str) -> list[str]:
    """``names`` without repeats, or ValueError naming the first unknown one (with a suggestion)."""
    for name in names:
        if name not in choices:
            raise ValueError(f"unknown {kind} {name!r}{suggest(name, choices)}")
    return list(dict.fromkeys(names))

class ExperimentSpec(BaseModel):
    """The validated contents of an experiment file (the base scenario not yet loaded)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", description="used as the output folder name")
    description: str = ""
    scenario: str | dict[str, Any] = Field(description="base scenario: a file (relative to the experiment) or a mapping")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides of the base, dotted keys")
    factors: dict[str, Factor] = Field(min_length=1)
    design: Design = Field(default_factory=Design)
    replicates: int | None = Field(default=None, ge=1, le=MAX_REPLICATES)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    indicators: list[str] | None = None
    groups: list[str] = Field(default_factory=lambda: ["all"])
    horizons: list[int] | None = Field(default=None, min_length=1)
    scheduler: str | None = None
    ensemble: str | None = Field(default=None, description="posterior | prior | none | a parameter-set file")

    @field_validator("indicators")
    @classmethod
    def _check_indicators(cls, v: list[str] | None) -> list[str] | None:
        if v is None or v == ["*"]:
            return None
        return _known(v, indicators.INDICATOR_NAMES, "indicator")

    @field_validator("groups")
    @classmethod
    def _check_groups(cls, v: list[str]) -> list[str]:
        if v == ["*"]:
            return list(indicators.GROUPS)
        return _known(v, indicators.GROUPS, "group")

    @field_validator("horizons")
    @classmethod
    def _check_horizons(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and any(h < 1 for h in v):
            raise ValueError(f"expected months after start (>= 1), got {v}")
        return None if v is None else sorted(set(v))

    @field_validator("scheduler")
    @classmethod
    def _check_scheduler(cls, v: str | None) -> str | None:
        if v is not None and "://" not in v:
            raise ValueError(f"expected an address like tcp://HOST:PORT, got {v!r}")
        return v


@dataclass(frozen=True)
class Experiment:
    """An experiment ready to run: the spec, the resolved base scenario and where it came from.

    ``base`` already carries ``set:`` and the overrides given to ``with_overrides``.
    """

    spec: ExperimentSpec
    base: Scenario
    source: str

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def factor_names(self) -> list[str]:
        return list(self.spec.factors)

    @property
    def replicates(self) -> int:
        return self.spec.replicates or self.base.replicates

    @property
    def seed(self) -> int:
        return self.base.seed if self.spec.seed is None else self.spec.seed

    @property
    def indicators(self) -> list[str]:
        return list(self.spec.indicators or indicators.INDICATOR_NAMES)

    @property
    def groups(self) -> list[str]:
        return list(self.spec.groups)

    def horizons(self, months: int | None = None) -> list[int]:
        """Months kept, within ``months`` (default: the base scenario's horizon)."""
        months = self.base.months if months is None else months
        hs = [h for h in (self.spec.horizons or DEFAULT_HORIZONS) if h <= months]
        return hs or [months]

    def with_overrides(self, *, replicates: int | None = None, seed: int | None = None,
                       population: int | None = None, months: int | None = None,
                       scheduler: str | None = None, ensemble: str | None = None) -> Experiment:
        """A copy with command-line overrides (replicates and seed of the experiment; size and months of the base)."""
        spec = self.spec.model_copy(update={k: v for k, v in
                                            {"replicates": replicates, "seed": seed, "scheduler": scheduler,
                                             "ensemble": ensemble}.items()
                                            if v is not None})
        try:
            base = self.base.with_overrides(months=months, **{"population.size": population})
        except ScenarioError as err:
            raise ExperimentError(f"{self.source}: {_strip(err)}") from None
        exp = Experiment(spec, base, self.source)
        exp.design()  # re-check the factors against the new base
        return exp

    def design(self) -> pd.DataFrame:
        """The design points: one row per point (index = point number), one column per factor."""
        spec = self.spec
        names = self.factor_names
        if spec.design.type == "factorial":
            levels = []
            for name, f in spec.factors.items():
                lv = f.levels()
                if lv is None:
                    what = "a distribution" if f.distribution else "a range without 'steps'"
                    raise ExperimentError(f"{self.source}: factors.{name}: {what} needs a sampled design "
                                          "(design: {type: latin_hypercube, points: N}), or give values or steps")
                levels.append(lv)
            rows = list(itertools.product(*levels))
        else:
            unit = self._unit_sample()
            cols = [f.from_unit(unit[:, j]) for j, f in enumerate(spec.factors.values())]
            rows = list(zip(*cols))
        df = pd.DataFrame(rows, columns=names)
        for name in names:
            if _is_integer(name):
                df[name] = df[name].round().astype(int)
        df.index.name = "point"
        for name in names:  # every value must make a valid scenario
            for value in (df[name].min(), df[name].max()) if _numeric(df[name]) else df[name].unique():
                self.scenario_at({name: _plain(value)}, check_only=name)
        return df

    def _unit_sample(self) -> np.ndarray:
        d, n, seed = len(self.spec.factors), self.spec.design.points, self.spec.design.seed
        assert n is not None
        if self.spec.design.type == "latin_hypercube":
            from scipy.stats import qmc

            return qmc.LatinHypercube(d=d, seed=seed).random(n)
        from SALib.sample import sobol

        problem = {"num_vars": d, "names": self.factor_names, "bounds": [[0.0, 1.0]] * d}
        return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)

    def scenario_at(self, point: dict[str, Any], check_only: str | None = None) -> Scenario:
        """The base scenario with a design point's factor values applied."""
        try:
            return self.base.with_overrides(**{k: _plain(v) for k, v in point.items()})
        except ScenarioError as err:
            text = _strip(err)
            if check_only and not text.startswith(f"{check_only}:"):
                text = f"{check_only}: {text}"
            raise ExperimentError(f"{self.source}: factors.{text}") from None


def _strip(err: Exception) -> str:
    text = str(err)
    return text.removeprefix("<overrides>: ")


def _is_integer(dotted: str) -> bool:
    leaf = dotted.rsplit(".", 1)[-1]
    return dotted in INTEGER_KEYS or (leaf in PARAM_BY_NAME and PARAM_BY_NAME[leaf].integer)


def _numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _plain(value: Any) -> Any:
    """numpy scalars -> Python numbers (for YAML/JSON and pydantic)."""
    return value.item() if isinstance(value, np.generic) else value


# ---------------------------------------------------------------- loading

def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file and its base scenario. Raises ``ExperimentError``."""
    path = Path(path)
    try:
        data = _read_yaml(path, expect="experiment")
    except ScenarioError as err:
        raise ExperimentError(str(err)) from None
    return experiment_from_dict(data, source=str(path), root=path.parent)


def experiment_from_dict(data: dict[str, Any], source: str = "<experiment>", root: str | Path = ".") -> Experiment:
    """Validate a mapping (as read from an experiment file); ``root`` resolves a relative ``scenario`` path."""
    try:
        spec = ExperimentSpec(**data)
    except ValidationError as err:
        raise ExperimentError(f"{source}: {_describe_experiment(err)}") from None
    except TypeError as err:
        raise ExperimentError(f"{source}: {err}") from None
    for name in spec.factors:
        if name.split(".")[0] in NOT_FACTORS:
            raise ExperimentError(f"{source}: factors.{name}: cannot be a factor "
                                  f"({', '.join(NOT_FACTORS)} are set by the experiment or the base scenario)")
    try:
        if isinstance(spec.scenario, str):
            scenario_path = Path(root) / spec.scenario
            if not scenario_path.exists():
                raise ExperimentError(f"{source}: scenario: file not found: {scenario_path}")
            base = load_scenario(scenario_path)
        else:
            base = validate_dict(spec.scenario, source=f"{source}: scenario")
    except ExperimentError:
        raise
    except ScenarioError as err:
        raise ExperimentError(f"{source}: scenario: {err}") from None
    try:
        base = base.with_overrides(**spec.set)
    except ScenarioError as err:
        raise ExperimentError(f"{source}: set: {_strip(err)}") from None
    if spec.ensemble is not None and spec.ensemble not in ("posterior", "prior", "none"):
        from sim.ensemble import read_parameter_sets

        where = Path(root) / spec.ensemble
        read_parameter_sets(where)  # a bad ensemble file fails at load time, naming the file and column
        spec = spec.model_copy(update={"ensemble": str(where)})
    exp = Experiment(spec, base, source)
    exp.design()  # check factors now: bad paths and values fail at load time
    return exp


def _describe_experiment(err: ValidationError) -> str:
    first = err.errors()[0]
    if first["type"] == "extra_forbidden":
        loc = ".".join(str(x) for x in first["loc"])
        key = str(first["loc"][-1])
        model: type[BaseModel] = ExperimentSpec
        if len(first["loc"]) > 1 and first["loc"][0] == "design":
            model = Design
        elif len(first["loc"]) > 1 and first["loc"][0] == "factors":
            model = Factor
        return f"{loc}: unknown key{suggest(key, list(model.model_fields))}"
    if first["type"] == "value_error":
        loc = ".".join(str(x) for x in first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        return f"{loc}: {msg}" if loc else msg
    return _describe(err)
