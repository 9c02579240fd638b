"""Robustness across candidate policies: regret per ensemble member, and the minimax-regret choice.

``resettle robust EXPERIMENT.yaml`` takes an experiment's design points as the candidate policies and
runs each over the same ensemble sample (member i: parameter set i and seed i for every policy). The
criterion is one indicator, oriented by its declared better direction, or a weighted score
``sum_k w_k * indicator_k`` (higher is better: give a negative weight to an indicator where lower is
better). In each member a policy's **regret** is its shortfall from the best policy in that member
(0 for the best). Per policy: mean and 90th-percentile regret over the members, the largest regret,
and the share of members where it is the best. The **minimax-regret** choice is the policy whose
largest regret is smallest (ties broken by mean regret); the policy with the smallest 90th-percentile regret is reported too
(less sensitive to a single extreme member).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import ensemble as ens
from sim import indicators
from sim.batch import store
from sim.batch.members import run_members
from sim.experiment import Experiment, _plain
from sim.scenario import ScenarioError

DEFAULT_SAMPLES = 50
REGRET_QUANTILE = 0.9


@dataclass
class RobustResult:
    """table: point, factors, mean_value, mean_regret, p90_regret, max_regret, share_best (one row per policy).
    members: point, member, seed, value, regret."""

    experiment: Experiment
    criterion: str
    horizon: int
    table: pd.DataFrame
    members: pd.DataFrame
    ensemble: str

    @property
    def minimax(self) -> int:
        """The point with the smallest largest regret (ties: the smaller mean regret)."""
        return int(self.table.sort_values(["max_regret", "mean_regret"], kind="stable").iloc[0]["point"])

    @property
    def best_p90(self) -> int:
        return int(self.table.loc[self.table.p90_regret.idxmin(), "point"])

    def describe(self, point: int) -> str:
        row = self.table.set_index("point").loc[point]
        factors = ", ".join(f"{f} = {_plain(row[f])}" for f in self.experiment.factor_names)
        return f"point {point} ({factors})"

    def sentences(self) -> list[str]:
        mm = self.table.set_index("point").loc[self.minimax]
        out = [f"Minimax-regret choice for {self.criterion} at month {self.horizon}: {self.describe(self.minimax)}; "
               f"its largest regret over {self.members.member.nunique()} members is {mm.max_regret:.3g} "
               f"(mean {mm.mean_regret:.3g}, 90th percentile {mm.p90_regret:.3g}); it is the best policy in "
               f"{mm.share_best:.0%} of the members."]
        if self.best_p90 != self.minimax:
            out.append(f"The smallest 90th-percentile regret is {self.describe(self.best_p90)}'s.")
        return out

    def write(self, out_dir: str | Path) -> Path:
        """regret.csv, members.csv, robust.md, manifest.json."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        store.write_csv(out / "regret.csv", self.table)
        store.write_csv(out / "members.csv", self.members)
        lines = [f"# Robustness: {self.experiment.name}", "", f"Criterion: {self.criterion}, month {self.horizon}; "
                 f"{len(self.table)} policies x {self.members.member.nunique()} members ({self.ensemble}).", "",
                 *[f"* {s}" for s in self.sentences()], "",
                 self.table.sort_values("max_regret").to_markdown(index=False) if _has_tabulate() else
                 self.table.sort_values("max_regret").to_string(index=False), ""]
        store.write_text(out / "robust.md", "\n".join(lines))
        store.write_json(out / "manifest.json", {
            "experiment": self.experiment.spec.model_dump(mode="json"), "criterion": self.criterion,
            "horizon": self.horizon, "ensemble": self.ensemble, "minimax_point": self.minimax,
            "versions": store.versions(), "git_commit": store.git_commit()})
        return out


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def parse_score(text: str) -> dict[str, float]:
    """'employment_rate=1,major_depression=-0.5' -> weights (ScenarioError naming the bad part)."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, w = part.partition("=")
        if not sep:
            raise ScenarioError(f"--score: expected indicator=weight, got {part!r}")
        if name.strip() not in indicators.INDICATOR_NAMES:
            from sim.params import suggest

            raise ScenarioError(f"--score: unknown indicator {name.strip()!r}"
                                f"{suggest(name.strip(), indicators.INDICATOR_NAMES)}")
        try:
            weights[name.strip()] = float(w)
        except ValueError:
            raise ScenarioError(f"--score: {name.strip()}: expected a number, got {w!r}") from None
    if not weights:
        raise ScenarioError("--score: expected indicator=weight pairs")
    return weights


def regret(values: np.ndarray) -> np.ndarray:
    """values[policy, member], higher better -> regret[policy, member] = best in the member - value."""
    return np.nanmax(values, axis=0, keepdims=True) - values


def robust(experiment: Experiment, *, indicator: str | None = None, score: Mapping[str, float] | None = None,
           horizon: int | None = None, samples: int = DEFAULT_SAMPLES,
           ensemble: str | Path | pd.DataFrame | None = None, seed: int | None = None,
           workers: int | None = None, progress: bool = True) -> RobustResult:
    """Each design point's regret over the ensemble members, for one indicator or a weighted score."""
    if (indicator is None) == (score is None):
        raise ScenarioError("robust: give either an indicator or a score")
    if indicator is not None:
        ind = indicators.INDICATOR_BY_NAME.get(indicator)
        if ind is None:
            from sim.params import suggest

            raise ScenarioError(f"robust: unknown indicator {indicator!r}{suggest(indicator, indicators.INDICATOR_NAMES)}")
        if ind.better is None:
            raise ScenarioError(f"robust: {indicator} has no declared better direction (use --score with weights)")
        weights = {indicator: 1.0 if ind.better == "higher" else -1.0}
        criterion = f"{indicator} ({ind.better} is better)"
    else:
        weights = dict(score or {})
        criterion = "score " + " + ".join(f"{w:g} x {k}" for k, w in weights.items())
    h = max(experiment.horizons()) if horizon is None else horizon
    if not 1 <= h <= experiment.base.months:
        raise ScenarioError(f"robust: horizon {h} is outside 1-{experiment.base.months} months")
    seed = experiment.seed if seed is None else seed
    spec = experiment.spec.ensemble if ensemble is None else ensemble
    spec = ens.default_spec() if spec is None else spec
    if isinstance(spec, str) and spec == "none":
        spec = "prior"  # regret per member needs members: the prior box
    sets = ens.ensemble_sets(spec, samples, seed)
    assert sets is not None
    design = experiment.design()
    scenarios = [experiment.scenario_at({n: _plain(design.at[p, n]) for n in design.columns}) for p in design.index]
    names = list(weights)
    values, seeds = run_members(scenarios, sets, seed, [h], names, workers=workers, progress=progress, desc="robust")
    w = np.array([weights[n] for n in names])
    crit = (values[:, :, 0, :] * w).sum(axis=2)  # (points, members), higher is better
    reg = regret(crit)
    best = reg == 0
    table = design.reset_index()
    table["mean_value"] = np.nanmean(crit, axis=1) * (1 if len(names) > 1 or w[0] > 0 else -1)
    table["mean_regret"] = np.nanmean(reg, axis=1)
    table["p90_regret"] = np.nanquantile(reg, REGRET_QUANTILE, axis=1)
    table["max_regret"] = np.nanmax(reg, axis=1)
    table["share_best"] = best.mean(axis=1)
    p, m = np.indices(crit.shape)
    members = pd.DataFrame({"point": design.index.to_numpy()[p.ravel()], "member": m.ravel(),
                            "seed": np.asarray(seeds)[m.ravel()], "value": crit.ravel(), "regret": reg.ravel()})
    return RobustResult(experiment, criterion, h, table, members, ens.spec_label(spec))
