"""Every model parameter, declared once (by its module, ``sim.declare``): name, default, unit, range and source.

``PARAMS`` is assembled from the declarations (``sim.catalogue``), with the calibrated defaults
of ``sim/data/calibration.json`` laid over the declared ones. Two kinds:

* ``policy`` parameters are the **levers** a scenario changes (grant size, coverage of a
  programme, ...). Their key names carry their unit.
* ``behaviour`` parameters describe how settlers and institutions respond. Where no source
  gives them directly they are stated assumptions, bounded by the evidence in
  ``sim/data/interventions.csv`` and fitted to ``sim/data/survey_current.csv`` (calibration).

Money inside the model is in 10k KRW (만원), the unit of the Korea Hana Foundation wage
figures; policy keys are in million KRW, as the policy documents state them.
``MILLION_KRW`` converts the one into the other.

>>> p = Parameters(cash_grant_million_krw=20)
>>> p.cash_grant_million_krw
20.0
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from importlib import resources
from typing import Any

from sim import catalogue
from sim.codes import MILLION_KRW, MONTHS_PER_YEAR
from sim.declare import BEHAVIOUR, POLICY, Param

__all__ = ["BEHAVIOUR_NAMES", "MILLION_KRW", "MONTHS_PER_YEAR", "PARAMS", "PARAM_BY_NAME", "POLICY_NAMES", "Param",
           "Parameters", "params_table", "suggest"]
_POLICY, _BEHAVIOUR = POLICY, BEHAVIOUR


CALIBRATION_FILE = "calibration.json"  # in sim/data: written by ``resettle calibrate``
SUGGEST_CUTOFF = 0.6  # difflib similarity from which an unknown name gets a "did you mean"


def _calibrated(params: tuple[Param, ...]) -> tuple[Param, ...]:
    """Declared parameters with the fitted behaviour values of ``sim/data/calibration.json`` as defaults.

    The declared default stays visible as ``prior``; the source names the calibration. A missing
    file leaves the declared defaults; fitted values outside a declared range are ignored.
    """
    path = resources.files("sim") / "data" / CALIBRATION_FILE
    if not path.is_file():
        return params
    cal = json.loads(path.read_text(encoding="utf-8"))
    fitted = cal.get("parameters", {})
    credible = cal.get("credible_90", {})
    label = f"calibrated {cal.get('date', '?')} ({cal.get('method', '?')})"
    return tuple(
        replace(p, default=float(fitted[p.name]), prior=p.default, source=f"{label}; prior {p.default:g}: {p.source}",
                credible=tuple(credible[p.name]) if p.name in credible else None)
        if p.kind == _BEHAVIOUR and p.name in fitted and p.low <= float(fitted[p.name]) <= p.high else p
        for p in params)


PARAMS: tuple[Param, ...] = _calibrated(catalogue.PARAMS)
PARAM_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
POLICY_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS if p.kind == _POLICY)
BEHAVIOUR_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS if p.kind == _BEHAVIOUR)


def suggest(name: str, choices: Iterator[str] | list[str] | tuple[str, ...]) -> str:
    """A ' (did you mean ...?)' suffix for an unknown name, or ''."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=SUGGEST_CUTOFF)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Parameters:
    """An immutable, validated set of parameter values with attribute access.

    Parameters
    ----------
    **values : float
        Overrides of declared parameters; anything not given takes its default.

    Raises
    ------
    KeyError
        An unknown name (with a suggestion).
    ValueError
        A value of the wrong type or out of range.
    """

    __slots__ = ("_values", "_views")

    def __init__(self, **values: float) -> None:
        merged = {p.name: p.default for p in PARAMS}
        for name, value in values.items():
            if name not in PARAM_BY_NAME:
                raise KeyError(f"unknown parameter '{name}'{suggest(name, PARAM_BY_NAME)}")
            try:
                merged[name] = PARAM_BY_NAME[name].check(value)
            except ValueError as err:
                raise ValueError(f"{name}: {err}") from None
        object.__setattr__(self, "_values", merged)
        object.__setattr__(self, "_views", {})

    @property
    def view_cache(self) -> dict[str, Any]:
        """Per-mechanism parameter views built from these values (``sim.engine.param_view``)."""
        return self._views

    def __getattr__(self, name: str) -> float:
        if name in ("_values", "_views"):  # not set yet (half-built or being unpickled): no recursion
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no parameter '{name}'{suggest(name, PARAM_BY_NAME)}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Parameters are immutable: use .replace(...)")

    def __reduce__(self) -> tuple[Any, ...]:  # pickling / deepcopy (e.g. for process pools) despite immutability
        return (_rebuild_parameters, (dict(self._values),))

    def replace(self, **values: float) -> Parameters:
        """A copy with some values changed (validated)."""
        return Parameters(**{**self._values, **values})

    def as_dict(self) -> dict[str, float]:
        return dict(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parameters) and other._values == self._values

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != PARAM_BY_NAME[k].default}
        return f"Parameters({changed})"


def _rebuild_parameters(values: dict[str, float]) -> Parameters:
    return Parameters(**values)


def params_table(kind: str | None = None) -> list[Mapping[str, Any]]:
    """The declared parameters as rows (for ``resettle params`` and the docs). A fitted parameter shows its prior
    (the declared default, and the fitting box the calibration's prior is uniform on) and, after a posterior
    calibration, its posterior median (the default) and 90% credible interval."""
    nan = float("nan")
    return [
        {"name": p.name, "kind": p.kind, "default": p.default, "prior": p.default if p.prior is None else p.prior,
         "prior_box": f"[{p.fit[0]:g}, {p.fit[1]:g}]{' log' if p.fit[2] else ''}" if p.fit else "",
         "median": p.default if p.credible else nan,
         "ci90_low": p.credible[0] if p.credible else nan, "ci90_high": p.credible[1] if p.credible else nan,
         "unit": p.unit, "low": p.low, "high": p.high, "source": p.source, "module": p.owner, "rate": p.rate or "",
         "integer": p.integer}
        for p in PARAMS if kind in (None, p.kind)
    ]
