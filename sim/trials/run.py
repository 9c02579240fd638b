"""Run trial replicas and hold their effects against the published ones (``resettle trials``).

A randomised trial runs as the study did: in **one** simulated population, at ``assign_at`` months after
the start, the settlers who meet the eligibility conditions are split at random into a treated share and
controls (a mechanism of its own, ``trial_assignment``, right after arrival, drawing from its own stream,
so no other draw of the model moves). The treated arm gets the treatment's lever values delivered: the
parts of the settlement package those levers set (``sim.mechanisms.arrival.entitle``, from the
assignment month or, for settlers still in Hanawon, from its end), or a counselling course starting now
(a trial provides its own places). Both arms then live on in the same labour market and calendar, and
each outcome is measured on the eligible settlers still in South Korea at each follow-up.

A reform design compares settlers who arrived before a reform date with those who arrived after it, in a
population-mode scenario whose policy changes at that date, surveyed at one calendar month.

Each replicate gives one estimate per (outcome, follow-up, group); the simulated effect is their mean
with a t-based 95% interval (risk ratios on the log scale). ``agree``: the simulated and the published
intervals overlap, or the simulated interval has the published sign.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

from sim import catalogue, engine
from sim.batch import store
from sim.batch.backends import pool_context
from sim.batch.runner import CONFIDENCE
from sim.batch.seeds import replicate_seeds
from sim.clock import months_between, parse_year_month
from sim.declare import Mechanism
from sim.mechanisms import arrival
from sim.mechanisms.arrival import PACKAGE_PARTS
from sim.model import ResettlementModel
from sim.state import HANAWON, IN_SK
from sim.trials.schema import COURSE_LEVERS, Condition, Outcome, Published, ReformArms, Trial, load_trial
from sim.trials.traits import evaluate

DEFAULT_REPLICATES = 10
TRIALS_DIR = Path("trials")
TRIAL_WIDTH, OUTCOME_WIDTH = 28, 30  # columns of the printed table
COLUMNS = ["study", "outcome", "measure", "followup_months", "published", "published_low", "published_high",
           "simulated", "ci_low", "ci_high", "agree", "trial", "group", "design", "treated", "controls", "note"]
GROUPS = {"male": False, "female": True}


# ---------------------------------------------------------------- one replicate

def _holds(cond: Condition, state: Any, t: int, p: Any) -> np.ndarray:
    x = evaluate(cond.trait, state, t, p)
    if cond.above is not None:
        return x > cond.above
    if cond.below is not None:
        return x < cond.below
    if cond.at_least is not None:
        return x >= cond.at_least
    if cond.at_most is not None:
        return x <= cond.at_most
    return x == cond.equals


def eligible_rows(conditions: list[Condition], state: Any, t: int, p: Any) -> np.ndarray:
    """Settlers in South Korea meeting every condition at month t (model clock); children born outside the North
    are household members, not participants."""
    ok = (state.status == IN_SK) & state.defector
    for cond in conditions:
        ok &= _holds(cond, state, t, p)
    return np.flatnonzero(ok)


def deliver(state: Any, p_treated: Any, rng: np.random.Generator, t: int, rows: np.ndarray,
            treatment: dict[str, float]) -> None:
    """Give ``rows`` the treatment: the package parts its levers set, a counselling course if it names one."""
    parts = tuple(part for part, levers in PACKAGE_PARTS.items() if any(lever in treatment for lever in levers))
    if parts:
        view = engine.param_view(catalogue.MECHANISM_BY_NAME["arrival"], p_treated)
        in_hanawon = state.labour[rows] == HANAWON
        for group, start in ((rows[in_hanawon], None), (rows[~in_hanawon], t)):
            if group.size == 0:
                continue
            if start is None:  # still in Hanawon: the package runs from its end, as an arrival's does
                for m in np.unique(state.arrival_month[group]):
                    sub = group[state.arrival_month[group] == m]
                    arrival.entitle(state, view, rng, int(m) + view.hanawon_months, sub, parts)
            else:
                arrival.entitle(state, view, rng, start, group, parts)
                if "grant" in parts:  # settled already: the upfront part is paid now
                    upfront = state.grant_left[group] * p_treated.cash_grant_upfront_share
                    np.add.at(state.cash, state.household_head[group], upfront)  # kept on the head's row
                    state.grant_left[group] -= upfront
    for lever in COURSE_LEVERS:
        if lever in treatment:
            state.counselling_left[rows] = int(treatment[lever])


class _Assignment:
    """The trial's own mechanism: forms the arms and delivers the treatment in the assignment month."""

    def __init__(self, trial: Trial, model_start: int) -> None:
        self.trial, self.at = trial, model_start + trial.spec.arms.assign_at
        self.model: ResettlementModel | None = None
        self.treated = self.controls = np.zeros(0, dtype=np.int64)

    def month(self, run: engine.Run, s: Any, p: Any, clock: Any) -> None:
        if clock.month != self.at or self.model is None:
            return
        spec = self.trial.spec
        rows = eligible_rows(spec.arms.eligible, s, clock.month, self.model.p)
        order = run.rng.permutation(rows)
        k = round(spec.arms.treated_share * rows.size)
        self.treated, self.controls = np.sort(order[:k]), np.sort(order[k:])
        self.baseline = [_values(o, s, clock.month, self.model.p) for o in spec.outcomes]  # for within-arm change
        deliver(s, self.model.p.replace(**spec.treatment), run.rng, clock.month, self.treated, spec.treatment)


def _values(o: Outcome, state: Any, t: int, p: Any) -> np.ndarray:
    if isinstance(o.outcome, Condition):
        return _holds(o.outcome, state, t, p).astype(np.float64)
    return evaluate(o.outcome, state, t, p).astype(np.float64)


def _effect(measure: str, treated: np.ndarray, control: np.ndarray, before: np.ndarray | None) -> float:
    if treated.size < 2 or (control.size < 2 and measure != "within_smd"):
        return np.nan
    if measure == "pp_difference":
        return 100 * (treated.mean() - control.mean())
    if measure == "mean_difference":
        return float(treated.mean() - control.mean())
    if measure == "risk_ratio":
        return float(treated.mean() / control.mean()) if control.mean() > 0 else np.nan
    if measure == "within_smd":  # improvement from assignment to follow-up, in baseline SDs (as Hedges' g pre-post)
        assert before is not None
        sd = before.std(ddof=1)
        return float((before.mean() - treated.mean()) / sd) if sd > 0 else np.nan
    pooled = np.sqrt(((treated.size - 1) * treated.var(ddof=1) + (control.size - 1) * control.var(ddof=1))
                     / (treated.size + control.size - 2))
    return float((treated.mean() - control.mean()) / pooled) if pooled > 0 else np.nan


def _discontinuity(measure: str, values: np.ndarray, since_reform: np.ndarray, after: np.ndarray,
                   before: np.ndarray) -> float:
    """The jump at the reform date: y = a + jump x after + slope x months + slope' x months x after, by least
    squares (``since_reform``: arrival month minus the reform's, per row); in points for shares."""
    if measure not in ("pp_difference", "mean_difference"):
        raise ValueError(f"a discontinuity estimates a difference, not {measure!r}")
    if after.size < 2 or before.size < 2:
        return np.nan
    rows = np.concatenate([before, after])
    x = since_reform[rows].astype(np.float64)
    side = np.concatenate([np.zeros(before.size), np.ones(after.size)])
    design = np.column_stack([np.ones(rows.size), side, x, x * side])
    coef = np.linalg.lstsq(design, values[rows].astype(np.float64), rcond=None)[0]
    return float(coef[1]) * (100 if measure == "pp_difference" else 1)


def _measured(state: Any, rows: np.ndarray) -> np.ndarray:
    """Of ``rows``, those measured at a follow-up: still in South Korea and past Hanawon."""
    return rows[(state.status[rows] == IN_SK) & (state.labour[rows] != HANAWON)]


def run_replicate(trial: Trial, seed: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """One replicate: {(outcome index, follow-up, group): effect}, and the arms' sizes.

    ``overrides``: parameter values laid over the trial scenario's (a calibration's parameter point)."""
    spec = trial.spec
    kwargs = {**trial.scenario.model_kwargs(), **(overrides or {})}
    if isinstance(spec.arms, ReformArms):
        return _reform_replicate(trial, kwargs, seed)
    assignment = _Assignment(trial, 0)
    mech = Mechanism(name="trial_assignment", month=assignment.month, module=__name__)
    schedule = [m for m in catalogue.MECHANISMS]
    schedule.insert([m.name for m in schedule].index("arrival") + 1, mech)
    model = ResettlementModel(rng=seed, agent_views=False, mechanisms=schedule, **kwargs)
    assignment.model = model
    assignment.at = model.layout.record_from + spec.arms.assign_at
    wanted = {spec.arms.assign_at + f for o in spec.outcomes for f in o.followup_months}
    effects: dict[tuple[int, int, str], float] = {}
    while model.running:
        model.step()
        if model.month not in wanted:
            continue
        t = model.clock.month - 1
        for k, o in enumerate(spec.outcomes):
            if model.month - spec.arms.assign_at not in o.followup_months:
                continue
            values = _values(o, model.state, t, model.p)
            for group, rows_t, rows_c in _groups(o, model.state, assignment):
                before = assignment.baseline[k][rows_t] if o.measure == "within_smd" else None
                f = model.month - spec.arms.assign_at
                effects[(k, f, group)] = _effect(o.measure, values[rows_t], values[rows_c], before)
    return {"effects": effects, "treated": int(assignment.treated.size), "controls": int(assignment.controls.size)}


def _groups(o: Outcome, state: Any, a: _Assignment):
    """(group, treated rows measured, control rows measured) for each group of the outcome."""
    groups = [("all", None)] if o.by is None else list(GROUPS.items())
    for name, female in groups:
        t_rows, c_rows = a.treated, a.controls
        if female is not None:
            t_rows, c_rows = t_rows[state.female[t_rows] == female], c_rows[state.female[c_rows] == female]
        yield name, _measured(state, t_rows), _measured(state, c_rows)


def _reform_replicate(trial: Trial, kwargs: dict[str, Any], seed: int) -> dict[str, Any]:
    arms = trial.spec.arms
    assert isinstance(arms, ReformArms)
    model = ResettlementModel(rng=seed, agent_views=False, **kwargs)
    while model.running:
        model.step()
    s, t = model.state, model.clock.month - 1
    origin = (model.layout.origin_year, model.layout.origin_month)
    at = {k: months_between(origin, parse_year_month(getattr(arms, k))) for k in ("reform", "before_from", "after_to")}
    ok = np.ones(s.n, dtype=bool)
    for cond in arms.eligible:
        ok &= _holds(cond, s, t, model.p)
    before = np.flatnonzero(ok & (s.arrival_month >= at["before_from"]) & (s.arrival_month < at["reform"]))
    after = np.flatnonzero(ok & (s.arrival_month >= at["reform"]) & (s.arrival_month <= at["after_to"]))
    effects = {}
    for k, o in enumerate(trial.spec.outcomes):
        values = _values(o, s, t, model.p)
        groups = [("all", None)] if o.by is None else list(GROUPS.items())
        for name, female in groups:
            a, b = after, before
            if female is not None:
                a, b = a[s.female[a] == female], b[s.female[b] == female]
            a, b = _measured(s, a), _measured(s, b)
            if arms.estimator == "discontinuity":
                effects[(k, 0, name)] = _discontinuity(o.measure, values, s.arrival_month - at["reform"], a, b)
            else:
                effects[(k, 0, name)] = _effect(o.measure, values[a], values[b], None)
    return {"effects": effects, "treated": int(after.size), "controls": int(before.size)}


# ---------------------------------------------------------------- many replicates, many trials

def _summary(values: list[float], measure: str) -> tuple[float, float, float]:
    x = np.array([v for v in values if np.isfinite(v)])
    if measure == "risk_ratio":
        x = np.log(x[x > 0])
    if x.size == 0:
        return np.nan, np.nan, np.nan
    mean = x.mean()
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, max(x.size - 1, 1)) * x.std(ddof=1) / np.sqrt(x.size) if x.size > 1 \
        else np.nan
    if measure == "risk_ratio":
        return float(np.exp(mean)), float(np.exp(mean - half)), float(np.exp(mean + half))
    return float(mean), float(mean - half), float(mean + half)


def agreement(pub: Published, measure: str, low: float, high: float) -> str:
    """'yes' / 'no', or the published status ('no lever', 'no outcome')."""
    if pub.status is not None:
        return pub.status
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no"
    if pub.sign is None:
        assert pub.low is not None and pub.high is not None
        return "yes" if low <= pub.high and pub.low <= high else "no"
    null = 1.0 if measure == "risk_ratio" else 0.0
    ok = {"negative": high < null, "positive": low > null, "none": low <= null <= high,
          "non_positive": low <= null, "non_negative": high >= null}[pub.sign]
    return "yes" if ok else "no"


@dataclass
class TrialsResult:
    """table: one row per (trial, outcome, follow-up, group), COLUMNS; seconds; replicates."""

    table: pd.DataFrame
    seconds: float
    replicates: int
    started: str

    def write(self, out: str | Path) -> Path:
        out = Path(out)
        store.write_csv(out / "trials.csv", self.table)
        store.write_json(out / "manifest.json", {
            "kind": "trials", "replicates": self.replicates, "seconds": round(self.seconds, 1),
            "started": self.started, "versions": store.versions(), "git_commit": store.git_commit(),
            "agree": {k: int(v) for k, v in self.table.agree.value_counts().items()}})
        return out


def _published_cells(pub: Published) -> tuple[Any, float, float]:
    if pub.status is not None:
        return pub.status, np.nan, np.nan
    if pub.sign is not None:
        return pub.sign, np.nan, np.nan
    return (pub.estimate if pub.estimate is not None else "range"), pub.low, pub.high


def _rows(trial: Trial, reps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    spec = trial.spec
    reform = isinstance(spec.arms, ReformArms)
    rows = []
    for k, o in enumerate(spec.outcomes):
        follow = [0] if reform else (o.followup_months or [0])
        groups = ["all"] if o.by is None else list(GROUPS)
        for f in follow:
            for g in groups:
                pub = o.published if isinstance(o.published, Published) else o.published.get(g)
                if pub is None:
                    continue
                published, p_low, p_high = _published_cells(pub)
                if pub.status is not None:
                    sim = lo = hi = np.nan
                else:
                    sim, lo, hi = _summary([r["effects"].get((k, f, g), np.nan) for r in reps], o.measure)
                months = (months_between(parse_year_month(spec.arms.reform), parse_year_month(spec.arms.survey))
                          if reform else f)
                rows.append({"study": spec.study, "outcome": o.name(), "measure": o.measure,
                             "followup_months": months, "published": published, "published_low": p_low,
                             "published_high": p_high, "simulated": sim, "ci_low": lo, "ci_high": hi,
                             "agree": agreement(pub, o.measure, lo, hi), "trial": spec.name, "group": g,
                             "design": spec.design,
                             "treated": int(np.mean([r["treated"] for r in reps])) if reps else 0,
                             "controls": int(np.mean([r["controls"] for r in reps])) if reps else 0,
                             "note": pub.note})
    return rows


def _needs_run(trial: Trial) -> bool:
    return any(not (isinstance(o.published, Published) and o.published.status is not None) for o in trial.spec.outcomes)


def default_files() -> list[Path]:
    """Every trial file of ``trials/`` (next to the package's checkout, or in the current folder)."""
    here = Path(__file__).resolve().parents[2] / "trials"
    folder = here if here.is_dir() else TRIALS_DIR
    return sorted(folder.glob("*.yaml"))


def run_trials(trials: list[Trial | str | Path] | None = None, *, replicates: int | None = None, workers: int = 1,
               progress: bool = True) -> TrialsResult:
    """Run trial replicas (default: every file of ``trials/``); replicate i of a trial uses its scenario's i-th seed."""
    loaded = [t if isinstance(t, Trial) else load_trial(t) for t in (trials if trials is not None else default_files())]
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    jobs = []
    for trial in loaded:
        n = replicates or trial.spec.replicates or DEFAULT_REPLICATES
        seeds = replicate_seeds(trial.scenario.seed, n) if _needs_run(trial) else []
        jobs += [(trial, s) for s in seeds]
    bar = tqdm(total=len(jobs), desc="trials", unit="run", disable=not progress, file=sys.stderr, leave=False)
    results: list[dict[str, Any]] = [{}] * len(jobs)
    try:
        if workers <= 1:
            for i, (trial, s) in enumerate(jobs):
                results[i] = run_replicate(trial, s)
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
                futures = {pool.submit(run_replicate, trial, s): i for i, (trial, s) in enumerate(jobs)}
                for fut in futures:
                    results[futures[fut]] = fut.result()
                    bar.update()
    finally:
        bar.close()
    rows, i = [], 0
    for trial in loaded:
        n = len([1 for tr, _ in jobs if tr is trial])
        rows += _rows(trial, results[i:i + n])
        i += n
    table = pd.DataFrame(rows, columns=COLUMNS)
    return TrialsResult(table, time.perf_counter() - t0, replicates or DEFAULT_REPLICATES, started)


def format_table(table: pd.DataFrame) -> list[str]:
    """Printable lines: published against simulated, and whether they agree."""
    lines = [f"  {'trial':28s} {'outcome':30s} {'group':6s} {'month':>5s} {'published':>24s} {'simulated':>26s}  agree"]
    for r in table.itertuples():
        if isinstance(r.published, str) and not np.isfinite(r.published_low):
            pub = r.published
        else:
            est = r.published if isinstance(r.published, str) else f"{float(r.published):+.2f}"
            pub = f"{est} [{r.published_low:+.2f}, {r.published_high:+.2f}]"
        sim = "" if not np.isfinite(r.simulated) else f"{r.simulated:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}]"
        lines.append(f"  {r.trial[:TRIAL_WIDTH]:28s} {r.outcome[:OUTCOME_WIDTH]:30s} {r.group:6s} "
                     f"{r.followup_months:5d} {pub:>24s} {sim:>26s}  {r.agree}")
    return lines

