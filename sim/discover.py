"""Scenario discovery: where in parameter space a policy's effect is not beneficial (PRIM, ema_workbench).

``resettle discover BASE OTHER`` runs both scenarios over an ensemble sample (member i: parameter set i
and seed i in both), takes each member's paired effect on one indicator at one horizon, marks the
members where the effect does not go in the indicator's better direction (or is smaller than
``--threshold`` in that direction), and runs PRIM (``ema_workbench.analysis.prim.Prim``) on the
parameters with those marks. Each box is reported with:

* **coverage**: the share of all failing members that lie in the box;
* **density**: the share of the members in the box that fail;
* **mass**: the share of all members in the box;
* its **limits**, the parameters it restricts, in plain words.

On PRIM's peeling trajectory, among the boxes that keep a coverage of at least ``min_coverage``
(default 0.8), the box chosen is the least peeled one with a density of at least ``min_density``
(default 0.8; the densest when none reaches it). Restrictions whose quasi-p value (Bryant and
Lempert 2010, as ema_workbench computes it) exceeds 0.05 are then dropped one by one: with few
failing members in many dimensions PRIM otherwise keeps limits that chance alone explains. Limits
are listed most restrictive first (the share of the parameter's sampled range the box cuts away).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import ensemble as ens
from sim import indicators
from sim.batch import store
from sim.batch.members import run_members
from sim.plots.compare import horizon_words
from sim.scenario import Scenario, ScenarioError

DEFAULT_SAMPLES, DEFAULT_POPULATION, DEFAULT_HORIZON = 128, 1000, 36
MIN_COVERAGE = 0.8
MAX_BOXES = 2
MIN_DENSITY = 0.8  # the density a box should reach (the least peeled such box is taken)
QP_MAX = 0.05  # a restriction with a larger quasi-p value is dropped as chance
MASS_MIN = 0.05  # PRIM's smallest box: 5% of the members (ema_workbench's default)
LIMIT_DIGITS = 3  # significant digits of a box's limits in words


@dataclass
class DiscoveryResult:
    """samples: member, seed, parameters, effect, fails. boxes: box, coverage, density, mass, parameter, low,
    high, restricted (True where the box limits that parameter), cut (share of its range cut away). sentences: one
    per box."""

    base: Scenario
    other: Scenario
    indicator: str
    horizon: int
    samples: pd.DataFrame
    boxes: pd.DataFrame
    sentences: list[str]
    ensemble: str

    @property
    def failure_share(self) -> float:
        return float(self.samples.fails.mean())

    def write(self, out_dir: str | Path) -> Path:
        """samples.csv, boxes.csv, discover.md, manifest.json."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        store.write_csv(out / "samples.csv", self.samples)
        store.write_csv(out / "boxes.csv", self.boxes)
        lines = [f"# Where {self.other.name} fails: {self.indicator}, month {self.horizon}", "",
                 f"{len(self.samples)} paired members ({self.ensemble}); the effect is not beneficial in "
                 f"{self.failure_share:.0%} of them.", "", *[f"* {s}" for s in self.sentences], ""]
        store.write_text(out / "discover.md", "\n".join(lines))
        store.write_json(out / "manifest.json", {
            "base": self.base.model_dump(mode="json"), "other": self.other.model_dump(mode="json"),
            "indicator": self.indicator, "horizon": self.horizon, "members": len(self.samples),
            "ensemble": self.ensemble, "versions": store.versions(), "git_commit": store.git_commit()})
        return out


def _fmt(x: float) -> str:
    return f"{x:.{LIMIT_DIGITS}g}"


def box_words(other: str, indicator: str, horizon: int, limits: pd.DataFrame, coverage: float, density: float,
              mass: float) -> str:
    """"mentorship does not raise employment rate after 3 years when `job_offer_rate` > 1.1 and ... (coverage ...)"."""
    ind = indicators.INDICATOR_BY_NAME[indicator]
    verb = {"higher": "raise", "lower": "lower"}.get(ind.better or "", "change")
    parts = []
    for r in limits[limits.restricted].itertuples():
        if r.low_restricted and r.high_restricted:
            parts.append(f"`{r.parameter}` is between {_fmt(r.low)} and {_fmt(r.high)}")
        elif r.low_restricted:
            parts.append(f"`{r.parameter}` > {_fmt(r.low)}")
        else:
            parts.append(f"`{r.parameter}` < {_fmt(r.high)}")
    if not parts:
        return (f"PRIM finds no parameter region where {other} fails to {verb} {ind.label.lower()} "
                f"{horizon_words(horizon)}: the members where it fails ({density:.0%} of them) are spread over the "
                "sample (chance, or many small causes), with no restriction that chance alone would not explain.")
    where = " and ".join(parts)
    return (f"{other} does not {verb} {ind.label.lower()} {horizon_words(horizon)} when {where} "
            f"(coverage {coverage:.0%} of the failing members; density: it fails in {density:.0%} of the members "
            f"in this box, which holds {mass:.0%} of all members).")


def discover(base: Scenario, other: Scenario, indicator: str, *, horizon: int | None = None,
             samples: int = DEFAULT_SAMPLES, ensemble: str | Path | pd.DataFrame | None = None,
             seed: int | None = None, threshold: float = 0.0, min_coverage: float = MIN_COVERAGE,
             min_density: float = MIN_DENSITY,
             boxes: int = MAX_BOXES, workers: int | None = None, progress: bool = True) -> DiscoveryResult:
    """PRIM boxes of the parameter region where ``other``'s effect on ``indicator`` is not beneficial.

    threshold: a member fails when its effect in the better direction is at most this (default 0: no gain).
    ensemble: the sample (default: the posterior once it exists, else the prior; ``none`` means the prior).
    """
    with warnings.catch_warnings():  # ema_workbench warns about optional evaluators it cannot import
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    if indicator not in indicators.INDICATOR_NAMES:
        from sim.params import suggest

        raise ScenarioError(f"discover: unknown indicator {indicator!r}{suggest(indicator, indicators.INDICATOR_NAMES)}")
    better = indicators.INDICATOR_BY_NAME[indicator].better
    if better is None:
        raise ScenarioError(f"discover: {indicator} has no declared better direction")
    seed = base.seed if seed is None else seed
    months = min(base.months, other.months)
    h = min(DEFAULT_HORIZON, months) if horizon is None else horizon
    if not 1 <= h <= months:
        raise ScenarioError(f"discover: horizon {h} is outside 1-{months} months")
    spec = ens.default_spec() if ensemble is None else ensemble
    if isinstance(spec, str) and spec == "none":
        spec = "prior"
    sets = ens.ensemble_sets(spec, samples, seed)
    assert sets is not None
    runs = [base.with_overrides(seed=seed), other.with_overrides(seed=seed)]
    values, seeds = run_members(runs, sets, seed, [h], [indicator], workers=workers, progress=progress,
                                desc="discover")
    effect = values[1, :, 0, 0] - values[0, :, 0, 0]
    gain = effect if better == "higher" else -effect
    fails = ~(gain > threshold)  # NaN effects (undefined) count as not beneficial
    table = sets.reset_index(drop=True).rename_axis("member").reset_index()
    table.insert(1, "seed", seeds)
    table["effect"], table["fails"] = effect, fails
    x = sets.reset_index(drop=True)[[c for c in sets.columns if sets[c].nunique() > 1]]

    rows, sentences = [], []
    if fails.any() and not fails.all():
        logging.getLogger("EMA").setLevel(logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = prim.Prim(x, fails.astype(int), mass_min=MASS_MIN)
            for b in range(boxes):
                box = p.find_box()
                if box is None:
                    break
                traj = box.peeling_trajectory
                wide = traj[traj.coverage >= min_coverage]
                dense = wide[wide.density >= min_density]
                if len(dense):
                    i = int(dense.index[0])  # the least peeled box that is dense enough: fewest restrictions
                else:
                    i = int(wide.density.idxmax()) if len(wide) else int(traj.coverage.idxmax())
                box.select(i)
                # drop restrictions PRIM made by chance (quasi-p value > QP_MAX on both sides, Bryant & Lempert 2010)
                for _ in range(len(x.columns)):
                    _, qp = box.inspect(box._cur_box, style="data")[0]
                    if qp.empty:
                        break
                    worst = qp.iloc[:, 2:].max(axis=1, skipna=True)
                    if worst.max() <= QP_MAX:
                        break
                    box.drop_restriction(str(worst.idxmax()))
                i = len(box.peeling_trajectory) - 1 if box._cur_box < 0 else box._cur_box
                traj = box.peeling_trajectory
                lim = box.box_lim
                init = p.box_init
                limits = pd.DataFrame({"parameter": list(x.columns),
                                       "low": [float(lim.at[0, c]) for c in x.columns],
                                       "high": [float(lim.at[1, c]) for c in x.columns]})
                limits["low_restricted"] = [lim.at[0, c] > init.at[0, c] for c in x.columns]
                limits["high_restricted"] = [lim.at[1, c] < init.at[1, c] for c in x.columns]
                limits["restricted"] = limits.low_restricted | limits.high_restricted
                span = np.array([float(init.at[1, c] - init.at[0, c]) for c in x.columns])
                limits["cut"] = 1 - (limits.high - limits.low).to_numpy() / np.where(span > 0, span, 1)
                limits = limits.sort_values("cut", ascending=False, kind="stable")
                cov, den, mass = float(traj.coverage[i]), float(traj.density[i]), float(traj.mass[i])
                for j, (col, value) in enumerate({"box": b + 1, "coverage": cov, "density": den, "mass": mass}.items()):
                    limits.insert(j, col, value)
                rows.append(limits)
                sentences.append(f"Box {b + 1}: " + box_words(other.name, indicator, h, limits, cov, den, mass))
                if cov < min_coverage or cov >= 1 or den < min_density:
                    break  # every failure found, or later boxes would be weaker still
    elif not fails.any():
        sentences.append(f"{other.name}'s effect on {indicator} is beneficial in every member: no box to find.")
    else:
        sentences.append(f"{other.name}'s effect on {indicator} is not beneficial in any member: it fails everywhere.")
    cols = ["box", "coverage", "density", "mass", "parameter", "low", "high", "low_restricted", "high_restricted",
            "restricted", "cut"]
    box_table = pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)
    return DiscoveryResult(runs[0], runs[1], indicator, h, table, box_table, sentences, ens.spec_label(spec))


def restricted_limits(result: DiscoveryResult, box: int = 1) -> pd.DataFrame:
    """The restricted parameters of one box: parameter, low, high."""
    b = result.boxes
    return b[(b.box == box) & b.restricted][["parameter", "low", "high"]].reset_index(drop=True)
