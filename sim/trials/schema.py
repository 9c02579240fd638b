"""Trial files: one published evaluation as an in-silico replica (``trials/*.yaml``), validated by one schema.

A trial file looks like::

    name: turrini2019_psychosocial
    study: Turrini et al. 2019, psychosocial interventions for refugees (meta-analysis of 26 RCTs)
    source: Epidemiol Psychiatr Sci 28:376-388, doi 10.1017/S2045796019000027
    design: rct                     # rct | meta_analysis | quasi_experiment | observational
    scenario: ../scenarios/baseline.yaml   # the simulated world (a file, relative to this one, or a mapping)
    set: {population.size: 8000}    # overrides of the scenario (dotted keys)
    arms:                           # randomised arms within one simulated population...
      assign_at: 12                 # months after the start: eligibility assessed, arms formed, treatment given
      eligible:                     # every condition must hold at assign_at
        - {trait: depression, above: 0.45}
      treated_share: 0.5
    treatment: {counselling_course_months: 3}   # lever values of the treated arm
    outcomes:
      - outcome: depression         # a trait (sim.trials.traits) or {trait: income, above: 50}
        measure: smd                # smd | pp_difference | risk_ratio | within_smd
        followup_months: [3]
        published: {estimate: -1.02, low: -1.52, high: -0.51}

or, for a quasi-experiment around a reform date, ``arms: {reform: 2005-01, before_from: 2002-01,
after_to: 2009-12, survey: 2010-06}`` on a population-mode scenario: settlers who arrived before vs
after the reform, surveyed at one calendar month; ``estimator: discontinuity`` estimates the jump at the
reform date with a linear trend in arrival date on each side, as a regression discontinuity does.
``published`` is an estimate with its interval,
a ``sign`` (negative, positive, none, non_positive, non_negative) where that is all the study gives,
or ``status: no lever`` / ``status: no outcome`` for a study the model cannot replicate (the row is
kept, with the reason). Every problem is one ``TrialError`` line naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.clock import parse_year_month
from sim.mechanisms.arrival import PACKAGE_PARTS
from sim.params import PARAM_BY_NAME, POLICY_NAMES, suggest
from sim.scenario import (
    NAME_PATTERN,
    Scenario,
    ScenarioError,
    _describe,
    _read_yaml,
    deep_merge,
    load_scenario,
    set_dotted,
    validate_dict,
)
from sim.trials.traits import TRAITS

MEASURES = ("smd", "pp_difference", "risk_ratio", "within_smd", "mean_difference")
SIGNS = ("negative", "positive", "none", "non_positive", "non_negative")
STATUSES = ("no lever", "no outcome")
COURSE_LEVERS = ("counselling_course_months",)  # delivered as a counselling course started at assignment
PACKAGE_LEVERS = tuple(lever for levers in PACKAGE_PARTS.values() for lever in levers)
DELIVERABLE = (*PACKAGE_LEVERS, *COURSE_LEVERS)


class TrialError(ScenarioError):
    """A trial file that cannot be used; the message is one line naming file and key."""


class Condition(BaseModel):
    """A condition on a settler's trait: exactly one of above, below, at_least, at_most, equals."""

    model_config = ConfigDict(extra="forbid")
    trait: str
    above: float | None = None
    below: float | None = None
    at_least: float | None = None
    at_most: float | None = None
    equals: float | bool | None = None

    @field_validator("trait")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in TRAITS:
            raise ValueError(f"unknown trait {v!r}{suggest(v, TRAITS)}")
        return v

    @model_validator(mode="after")
    def _one(self) -> Condition:
        given = [k for k in ("above", "below", "at_least", "at_most", "equals") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of above, below, at_least, at_most, equals")
        return self

    def label(self) -> str:
        op = next(k for k in ("above", "below", "at_least", "at_most", "equals") if getattr(self, k) is not None)
        return f"{self.trait} {op.replace('_', ' ')} {getattr(self, op):g}"


class RandomisedArms(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assign_at: int = Field(default=0, ge=0, description="months after the start")
    eligible: list[Condition] = Field(default_factory=list)
    treated_share: float = Field(default=0.5, gt=0, lt=1)


class ReformArms(BaseModel):
    """Settlers arriving in [before_from, reform) against [reform, after_to], surveyed at ``survey``."""

    model_config = ConfigDict(extra="forbid")
    reform: str
    before_from: str
    after_to: str
    survey: str
    eligible: list[Condition] = Field(default_factory=list)
    # "difference": after minus before; "discontinuity": the jump at the reform date of a line in arrival date
    # fitted on each side (a regression discontinuity: the trend in time since arrival is not the reform's effect)
    estimator: Literal["difference", "discontinuity"] = "difference"

    @field_validator("reform", "before_from", "after_to", "survey", mode="before")
    @classmethod
    def _date(cls, v: Any) -> str:
        year, month = parse_year_month(str(v))
        return f"{year:04d}-{month:02d}"

    @model_validator(mode="after")
    def _order(self) -> ReformArms:
        if not (self.before_from < self.reform <= self.after_to < self.survey):
            raise ValueError("expected before_from < reform <= after_to < survey")
        return self


class Published(BaseModel):
    model_config = ConfigDict(extra="forbid")
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    sign: Literal["negative", "positive", "none", "non_positive", "non_negative"] | None = None
    status: Literal["no lever", "no outcome"] | None = None
    note: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Published:
        interval = self.low is not None or self.high is not None
        if self.status is None and self.sign is None and not interval:
            raise ValueError("give an interval (low, high), a sign, or a status (no lever, no outcome)")
        if interval and (self.low is None or self.high is None or not self.low <= self.high):
            raise ValueError("expected low <= high")
        if interval and self.estimate is not None and not self.low <= self.estimate <= self.high:
            raise ValueError(f"estimate {self.estimate} outside [{self.low}, {self.high}]")
        return self


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = ""
    outcome: str | Condition
    measure: Literal["smd", "pp_difference", "risk_ratio", "within_smd", "mean_difference"]
    followup_months: list[int] = Field(default_factory=list)
    by: Literal["sex"] | None = None
    published: Published | dict[str, Published]  # one for all, or one per group ("male", "female")

    @field_validator("outcome")
    @classmethod
    def _known(cls, v: str | Condition) -> str | Condition:
        if isinstance(v, str) and v not in TRAITS:
            raise ValueError(f"unknown trait {v!r}{suggest(v, TRAITS)}")
        return v

    @field_validator("followup_months")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(m < 1 for m in v):
            raise ValueError(f"expected months after assignment (>= 1), got {v}")
        return v

    @model_validator(mode="after")
    def _groups(self) -> Outcome:
        if isinstance(self.published, dict) and (self.by is None or set(self.published) - {"male", "female"}):
            raise ValueError("published by group needs by: sex and the groups 'male' and/or 'female'")
        if self.measure in ("pp_difference", "risk_ratio") and isinstance(self.outcome, str) \
                and not TRAITS[self.outcome].flag:
            raise ValueError(f"{self.measure} needs a yes/no outcome; {self.outcome!r} is a score "
                             f"(use a condition, e.g. {{trait: {self.outcome}, above: ...}})")
        return self

    def name(self) -> str:
        return self.label or (self.outcome if isinstance(self.outcome, str) else self.outcome.label())


class TrialSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME_PATTERN)
    study: str
    source: str
    design: Literal["rct", "meta_analysis", "quasi_experiment", "observational"]
    population_studied: str = ""
    notes: str = ""
    scenario: str | dict[str, Any] = "../scenarios/baseline.yaml"
    set: dict[str, Any] = Field(default_factory=dict)
    arms: RandomisedArms | ReformArms = Field(default_factory=RandomisedArms)
    treatment: dict[str, float] = Field(default_factory=dict)
    replicates: int | None = Field(default=None, ge=2, le=1000)
    outcomes: list[Outcome] = Field(min_length=1)

    @field_validator("treatment")
    @classmethod
    def _levers(cls, v: dict[str, float]) -> dict[str, float]:
        for name, value in v.items():
            if name not in PARAM_BY_NAME:
                raise ValueError(f"{name}: unknown lever{suggest(name, POLICY_NAMES)}")
            if name not in DELIVERABLE:
                raise ValueError(f"{name}: acts on everyone at once, not on one settler (deliverable to an arm: "
                                 f"the settlement package and counselling courses); compare it with a reform design")
            try:
                PARAM_BY_NAME[name].check(value)
            except ValueError as err:
                raise ValueError(f"{name}: {err}") from None
        return v

    @model_validator(mode="after")
    def _consistent(self) -> TrialSpec:
        blocked = all(isinstance(o.published, Published) and o.published.status is not None for o in self.outcomes)
        if isinstance(self.arms, RandomisedArms) and not self.treatment and not blocked:
            raise ValueError("treatment: a randomised trial needs the treated arm's lever values")
        for o in self.outcomes:
            if isinstance(self.arms, RandomisedArms) and not o.followup_months and not blocked:
                raise ValueError(f"outcomes.{o.name()}: followup_months is needed in a randomised trial")
        return self


class Trial:
    """A validated trial with its resolved scenario (``set`` applied); ``source`` is its file."""

    def __init__(self, spec: TrialSpec, scenario: Scenario, source: str) -> None:
        self.spec, self.scenario, self.source = spec, scenario, source

    @property
    def name(self) -> str:
        return self.spec.name

    def horizon(self) -> int:
        """Months the scenario must run to reach every follow-up."""
        arms = self.spec.arms
        if isinstance(arms, ReformArms):
            from sim.clock import months_between

            return months_between(parse_year_month(self.scenario.start), parse_year_month(arms.survey)) + 1
        return arms.assign_at + max((m for o in self.spec.outcomes for m in o.followup_months), default=1)


def _field_error(source: str, err: ValidationError) -> TrialError:
    first = err.errors()[0]
    if first["type"] != "value_error":
        return TrialError(f"{source}: {_describe(err)}")
    loc = ".".join(str(x) for x in first["loc"])
    text = first["msg"].removeprefix("Value error, ")
    if loc == "treatment" and ":" in text:  # the validator names the lever: treatment.<lever>: ...
        lever, rest = text.split(":", 1)
        return TrialError(f"{source}: treatment.{lever}:{rest}")
    return TrialError(f"{source}: {loc}: {text}" if loc else f"{source}: {text}")


def trial_from_dict(data: dict[str, Any], source: str = "<trial>", folder: Path | None = None) -> Trial:
    """Validate a trial mapping (its scenario resolved relative to ``folder``). Raises ``TrialError``."""
    try:
        spec = TrialSpec.model_validate(data)
    except ValidationError as err:
        raise _field_error(source, err) from None
    try:
        if isinstance(spec.scenario, str):
            path = (folder or Path.cwd()) / spec.scenario
            base = load_scenario(path).model_dump(mode="json")
        else:
            base = validate_dict(deep_merge({"name": spec.name}, spec.scenario), source=f"{source}: scenario") \
                .model_dump(mode="json")
        for dotted, value in spec.set.items():
            set_dotted(base, dotted, value)
        base["name"] = spec.name
        scenario = validate_dict(base, source=f"{source}: set")
    except ScenarioError as err:
        raise TrialError(f"{source}: scenario: {err}") from None
    trial = Trial(spec, scenario, source)
    arms = spec.arms
    if isinstance(arms, ReformArms) and scenario.population.mode != "population":
        raise TrialError(f"{source}: arms.reform: a reform design needs a population-mode scenario (arrivals by date)")
    horizon = trial.horizon()
    if horizon < 1:
        raise TrialError(f"{source}: arms.survey: the survey month falls before the scenario's start")
    if "months" not in spec.set:  # run just as long as the follow-ups need
        trial.scenario = scenario.with_overrides(months=horizon)
    elif horizon > scenario.months:
        raise TrialError(f"{source}: outcomes.followup_months: a follow-up at month {horizon} is past the "
                         f"scenario's horizon ({scenario.months} months)")
    return trial


def load_trial(path: str | Path) -> Trial:
    """Read and validate a trial file. Raises ``TrialError`` (one line)."""
    path = Path(path)
    try:
        data = _read_yaml(path, expect="trial")
    except ScenarioError as err:
        raise TrialError(str(err)) from None
    return trial_from_dict(data, source=str(path), folder=path.parent)
