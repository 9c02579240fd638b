"""Scenario files: the YAML schema (pydantic), ``extends:``, policy changes and errors.

A scenario file looks like::

    name: grant_cut
    description: The December 2004 reform.
    extends: baseline.yaml          # another scenario, merged key by key (this file wins)
    population: {mode: cohort, size: 5000, represents: 224}
    start: 2024-01                  # calendar month of the first simulated month
    months: 60                      # horizon
    replicates: 20
    seed: 20240101
    policy: {cash_grant_million_krw: 10}      # levers (``resettle params`` lists them)
    behaviour: {job_offer_rate: 0.4}          # overrides of behaviour parameters
    changes:                                  # parameter changes by month
      - at: 24                                # months after start, or "YYYY-MM"
        policy: {cash_grant_million_krw: 20}

Every problem is raised as ``ScenarioError`` with one line naming the file and the key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, create_model, field_validator

from sim.clock import months_between, parse_year_month
from sim.inputs import EARLIEST_ARRIVAL_YEAR
from sim.params import BEHAVIOUR_NAMES, PARAM_BY_NAME, POLICY_NAMES, suggest

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"  # a safe folder name: no separators, no '..' prefix
DEFAULT_SIZE, MIN_SIZE, MAX_SIZE = 2000, 10, 5_000_000  # settlers: a sample below 10 has no groups to speak of
DEFAULT_MONTHS, MAX_MONTHS = 60, 1200  # horizon: 5 years by default, at most a century
DEFAULT_REPLICATES, MAX_REPLICATES = 10, 10_000
DEFAULT_SEED, MAX_SEED = 20240101, 2**63 - 1  # seeds are 63-bit (sim.batch.seeds)


class ScenarioError(Exception):
    """A scenario that cannot be used; the message is one line naming file and key."""


def _param_fields(names: tuple[str, ...]) -> dict[str, Any]:
    fields = {}
    for name in names:
        p = PARAM_BY_NAME[name]
        kind = int if p.integer else float
        fields[name] = (kind | None, Field(default=None, ge=p.low, le=p.high, description=f"{p.unit}; {p.source}"))
    return fields


_strict = ConfigDict(extra="forbid", strict=False)
Policy = create_model("Policy", __config__=ConfigDict(extra="forbid"), **_param_fields(POLICY_NAMES))
Behaviour = create_model("Behaviour", __config__=ConfigDict(extra="forbid"), **_param_fields(BEHAVIOUR_NAMES))


class PopulationSpec(BaseModel):
    model_config = _strict
    mode: Literal["cohort", "population"] = "cohort"
    size: int = Field(default=DEFAULT_SIZE, ge=MIN_SIZE, le=MAX_SIZE, description="settlers simulated")
    represents: float | None = Field(default=None, gt=0, description="real persons the sample stands for")
    female_share: float | None = Field(default=None, ge=0, le=1, description="share of women (cohort mode)")


class Change(BaseModel):
    model_config = _strict
    at: int | str = Field(description="months after start, or a calendar month YYYY-MM")
    policy: Policy = Field(default_factory=Policy)  # type: ignore[valid-type]
    behaviour: Behaviour = Field(default_factory=Behaviour)  # type: ignore[valid-type]

    @field_validator("at")
    @classmethod
    def _check_at(cls, v: int | str) -> int | str:
        if isinstance(v, str):
            parse_year_month(v)
        return v


class Scenario(BaseModel):
    """A validated scenario. Build it with ``load_scenario(path)`` or ``Scenario(**dict)``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME_PATTERN, description="used as the output folder name")
    description: str = ""
    population: PopulationSpec = Field(default_factory=PopulationSpec)
    start: str = "2024-01"
    months: int = Field(default=DEFAULT_MONTHS, ge=1, le=MAX_MONTHS)
    replicates: int = Field(default=DEFAULT_REPLICATES, ge=1, le=MAX_REPLICATES)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=MAX_SEED)
    policy: Policy = Field(default_factory=Policy)  # type: ignore[valid-type]
    behaviour: Behaviour = Field(default_factory=Behaviour)  # type: ignore[valid-type]
    changes: list[Change] = Field(default_factory=list)

    @field_validator("start", mode="before")
    @classmethod
    def _check_start(cls, v: Any, info: ValidationInfo) -> str:
        text = v if isinstance(v, str) else str(v)
        year, month = parse_year_month(text)
        pop = info.data.get("population")  # validated before start (field order)
        # population mode replays arrivals from the table's first year; earlier there is no one to sample
        if pop is not None and pop.mode == "population" and year < EARLIEST_ARRIVAL_YEAR:
            raise ValueError(f"population mode needs a start from {EARLIEST_ARRIVAL_YEAR}-01 (the arrivals "
                             f"table begins in {EARLIEST_ARRIVAL_YEAR}), got {text!r}")
        return f"{year:04d}-{month:02d}"

    def parameters(self) -> dict[str, float]:
        """Policy and behaviour values set by the scenario (unset ones keep their defaults)."""
        return {**self.policy.model_dump(exclude_none=True), **self.behaviour.model_dump(exclude_none=True)}

    def change_schedule(self) -> list[tuple[int, dict[str, float]]]:
        """Changes as (months after start, {parameter: value})."""
        start = parse_year_month(self.start)
        out = []
        for ch in self.changes:
            at = ch.at if isinstance(ch.at, int) else months_between(start, parse_year_month(ch.at))
            out.append((at, {**ch.policy.model_dump(exclude_none=True), **ch.behaviour.model_dump(exclude_none=True)}))
        return out

    def with_overrides(self, **values: Any) -> Scenario:
        """A copy with top-level or dotted keys replaced (``population.size``, ``policy.x``), re-validated."""
        data = self.model_dump(mode="json")
        for dotted, value in values.items():
            if value is None:
                continue
            set_dotted(data, dotted, value)
        return validate_dict(data, source="<overrides>")

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``ResettlementModel`` for this scenario (without ``rng``)."""
        pop = self.population
        return dict(n_settlers=pop.size, mode=pop.mode, start=self.start, months=self.months,
                    represents=pop.represents, female_share=pop.female_share,
                    policy_changes=self.change_schedule(), **self.parameters())


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data['a']['b'] = value`` for ``dotted='a.b'``, creating levels as needed."""
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ScenarioError(f"{dotted}: '{key}' is not a section")
    node[keys[-1]] = value


# ---------------------------------------------------------------- loading

def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file. Raises ``ScenarioError``."""
    path = Path(path)
    data = _load_merged(path, chain=())
    return validate_dict(data, source=str(path))


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"keys must be text, got {key!r}", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# keys only one kind of file has, to tell a file given to the wrong command (trials also have 'scenario')
TRIAL_KEYS = ("arms", "outcomes", "treatment", "study")
EXPERIMENT_KEYS = ("factors", "scenario")
# per kind of file: the command that runs it, the commands that expect it, the folder of examples
KIND_USE = {"scenario": ("run", "run and compare expect", "scenarios/"),
            "experiment": ("sweep", "sweep expects", "experiments/"),
            "trial": ("trials", "trials expects", "trials/")}


def file_kind(data: dict[str, Any]) -> str:
    """'trial', 'experiment' or 'scenario': what a file's top-level keys say it is."""
    if any(k in data for k in TRIAL_KEYS):
        return "trial"
    if any(k in data for k in EXPERIMENT_KEYS):
        return "experiment"
    return "scenario"


def _check_kind(path: Path, data: dict[str, Any], expect: str) -> None:
    kind = file_kind(data)
    if kind != expect:
        runs_it, expected_by, folder = KIND_USE[kind][0], *KIND_USE[expect][1:]
        raise ScenarioError(f"{path}: this is {_a(kind)} file; {expected_by} {_a(expect)} file (see {folder}); "
                            f"run this one with 'resettle {runs_it} {path}'")


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _read_yaml(path: Path, expect: str | None = None) -> dict[str, Any]:
    """The mapping in a YAML file; ``expect`` ('scenario', 'experiment', 'trial') refuses another kind of file."""
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, expected a scenario file (.yaml)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read ({err})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader that rejects duplicate keys
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(f"{path}: malformed YAML at {where}{err.problem or err}") from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"{path}: malformed YAML: {err}") from None
    if data is None:
        raise ScenarioError(f"{path}: the file is empty, expected a mapping with at least 'name'")
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of keys (name, policy, ...), got {type(data).__name__}")
    if expect is not None:
        _check_kind(path, data, expect)
    return data


def _load_merged(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(f"{path}: extends: circular reference ({cycle})")
    data = _read_yaml(path, expect="scenario")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: expected a file name, got {parent!r}")
    parent_path = (path.parent / parent)
    if not parent_path.exists():
        raise ScenarioError(f"{path}: extends: file not found: {parent_path}")
    base = _load_merged(parent_path, (*chain, resolved))
    return deep_merge(base, data)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merged key by key (``over`` wins); lists and values replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def validate_dict(data: dict[str, Any], source: str) -> Scenario:
    """Validate a merged mapping; errors become one-line ``ScenarioError``s."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(f"{source}: {_describe(err)}") from None
    except TypeError as err:  # e.g. keys that are not strings
        raise ScenarioError(f"{source}: {err}") from None


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(x) for x in first["loc"])
    kind = first["type"]
    if kind == "extra_forbidden":
        known = _known_keys(first["loc"][:-1])
        key = str(first["loc"][-1])
        return f"{loc}: unknown key{suggest(key, known)}"
    msg = str(first["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return f"{loc}: required key is missing"
    value = first.get("input")
    unit = ""
    leaf = str(first["loc"][-1])
    if leaf in PARAM_BY_NAME:
        p = PARAM_BY_NAME[leaf]
        unit = f" (valid range {p.low:g} to {p.high:g}, {p.unit})"
    more = f" (and {len(err.errors()) - 1} more problem(s))" if len(err.errors()) > 1 else ""
    got = "" if repr(value) in msg else f", got {value!r}"
    return f"{loc}: {msg}{got}{unit}{more}"


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None:
            return []
    return list(model.model_fields)


def is_safe_name(name: str) -> bool:
    return re.fullmatch(NAME_PATTERN, name) is not None and ".." not in name
