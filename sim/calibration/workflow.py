"""``resettle calibrate``: history matching in waves, then a posterior sample, then simulator checks.

1. **Waves** (``history_matching``). Wave 1's design is a Latin hypercube over the fitting box (unit cube);
   every later wave's design is drawn uniformly from the space the earlier waves leave. Each design point is one
   run with its own seed: one replicate of the historical replay (``scenarios/history.yaml``, the survey and
   administrative figures from 2020 on) and one replicate of every trial replica (``trial_targets``). Emulators
   (``emulator``) are fitted per target on the runs inside the wave's space.
2. **Posterior** (``posterior.sample``): ensemble MCMC on the last wave's emulators, inside the space left.
3. **Simulator checks**: the simulator is run at ``checks`` posterior draws (seed i for draw i): the posterior
   predictive check, the emulators' accuracy where the posterior is, and the synthetic truths of the
   recovery test (each check run's outputs are fake data made at known parameters, recalibrated on the same
   emulators).

Long work: a progress bar per wave; every ``FLUSH`` finished runs are written to the checkpoint folder, and a
rerun with the same settings continues where it stopped (finished runs are read back, never rerun). Runs go to
local processes or a dask scheduler (``sim.batch.backends``); a run depends only on its parameters and seed, and
everything after the runs is seeded, so the result for a seed does not depend on the backend or worker count.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc
from tqdm import tqdm

from sim.batch import store
from sim.batch.backends import Backend, make_backend
from sim.batch.runner import run_replicate
from sim.calibration import posterior as post
from sim.calibration import targets as tg
from sim.calibration import trial_targets as tt
from sim.calibration.calibrate import CALIBRATION_POPULATION, FITTED, Problem, default_problem
from sim.calibration.emulator import Emulators
from sim.calibration.history_matching import CUTOFF, RANK, Observations, Wave, explore, not_ruled_out
from sim.jit import model_hash

METHOD = ("history matching in waves with Gaussian-process emulators (scikit-learn), then ensemble MCMC (emcee) on "
          "the emulated posterior inside the space not ruled out, checked by simulator runs")
FLUSH = 8  # finished runs written to the checkpoint at a time
HOLDOUT = 0.2  # share of the last wave's runs held out to validate its emulators
FINGERPRINT_CHARS = 16  # of the settings' SHA-256, naming a checkpoint's settings
MIN_DESIGN_SHARE = 0.25  # a wave needs at least this share of its design points found in the space left
# random streams of the workflow's stages (waves use their own index 1, 2, ...)
STREAM_SCREEN, STREAM_CHECKS, STREAM_PREDICTIVE, STREAM_RECOVERY, STREAM_HOLDOUT, STREAM_RECALIBRATION = (
    50, 200, 300, 300, 400, 500)
Z95 = 1.96  # normal quantile of a 95% interval
INTERVAL_95, INTERVAL_90 = (0.025, 0.975), (0.05, 0.95)
DIGITS = 3  # decimals of shares in the diagnostics
IDENTIFIED, PARTLY = 0.5, 0.8  # posterior 90% width over prior 90% width: below 0.5 identified, below 0.8 partly
REAL_POPULATION = 34_500  # arrivals 1990-2025 (scenarios/history.yaml): the scale of the intrinsic variance
RECOVERY_REPLICATES = 8  # runs averaged into each synthetic truth's fake data (its noise about the intrinsic's)
BASE_POINTS = 2000  # uniform points of the box the first wave's space is explored from
SCREEN = 20_000  # points screened after wave 1 for figures no point reaches
PAIRS = 6  # parameter pairs shown in the pairwise plots (the most correlated in the posterior)


@dataclass
class Settings:
    """Sizes of the workflow. ``waves``: design points per wave; ``checks``: simulator runs at posterior draws;
    ``recovery``: synthetic truths recalibrated (from the check runs); the MCMC's walkers, steps and burn-in."""

    WAVES = (340, 200, 200)  # about 10 runs per parameter first, then 6 in each smaller space
    ROWS, CHECKS, RECOVERY = 400, 150, 6
    WALKERS, STEPS, BURN, RECOVERY_STEPS = 96, 1500, 750, 800  # about 10 autocorrelation times after burn-in
    SEED = 20261201

    population: int = CALIBRATION_POPULATION
    waves: tuple[int, ...] = WAVES
    posterior_rows: int = ROWS
    checks: int = CHECKS
    recovery: int = RECOVERY
    walkers: int = WALKERS
    steps: int = STEPS
    burn: int = BURN
    recovery_steps: int = RECOVERY_STEPS
    seed: int = SEED
    trials: bool = True

    def fingerprint(self, problem: CalibrationProblem) -> str:
        # the model's version too: runs of another version of the mechanisms must not be resumed as this one's
        data = {**asdict(self), "model": model_hash(), "names": list(problem.names), "labels": problem.obs.labels,
                "cutoff": [CUTOFF, RANK],
                "errors": [problem.obs.observation_sd, problem.obs.discrepancy.tolist()],
                "bounds": {n: list(problem.bounds[n]) for n in problem.names}}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:FINGERPRINT_CHARS]


@dataclass
class CalibrationProblem:
    """The replay and the trials at one parameter point, and what their outputs are held against."""

    history: Problem
    trials: list[tt.TrialTarget] = field(default_factory=list)
    signs: list[tt.SignCheck] = field(default_factory=list)

    def __post_init__(self) -> None:
        t = self.history.targets
        self.names = self.history.names
        self.bounds = self.history.bounds
        labels = list(t["target"]) + [x.label for x in self.trials]
        groups = list(t["indicator"]) + [f"{x.trial}:{x.outcome}:{x.group}" for x in self.trials]
        self.obs = Observations(labels, groups)

    @property
    def n_survey(self) -> int:
        return len(self.history.targets)

    def task_args(self, u: np.ndarray, seed: int) -> tuple[Any, ...]:
        values = self.history.to_values(u)
        kw = self.history.kwargs(values)
        return (kw, self.history.scenario.start, self.history.targets, [*self.trials, *self.signs],
                {**self.history.fixed, **values}, int(seed))

    def standardise(self, raw: np.ndarray) -> np.ndarray:
        """Raw outputs (n, survey + trials + signs) -> standardised outputs (n, survey + trials)."""
        s, k = self.n_survey, len(self.trials)
        z = tg.standardised(raw[:, :s], self.history.targets)
        return np.column_stack([z, tt.standardised(raw[:, s:s + k], self.trials)]) if k else z


def simulate(kwargs: dict[str, Any], start: str, targets: pd.DataFrame, cells: list[Any], overrides: dict[str, Any],
             seed: int) -> np.ndarray:
    """One run at one parameter point: the replay's target values and every trial cell's effect, shape (k,)."""
    survey = tg.extract(run_replicate(kwargs, seed), start, targets)[0]
    effects = tt.simulate_effects(cells, overrides, seed) if cells else np.zeros(0)
    return np.concatenate([survey, effects])


def default_calibration_problem(population: int = CALIBRATION_POPULATION, names: Sequence[str] | None = None,
                                targets: str | Path | pd.DataFrame | None = None, trials: bool = True,
                                fixed: dict[str, float] | None = None, seed: int | None = None) -> CalibrationProblem:
    """The project's problem: every parameter of ``FITTED`` against ``targets.csv`` and the trial effects."""
    hist = default_problem(targets, population=population, replicates=1, names=names or list(FITTED), seed=seed)
    hist.fixed = dict(fixed or {})
    cells, signs = tt.trial_targets() if trials else ([], [])
    return CalibrationProblem(hist, cells, signs)


@dataclass
class _Task:
    index: int
    args: tuple[Any, ...]


class Checkpoint:
    """The folder a calibration writes as it goes: settings, each wave's design and finished runs, emulators."""

    def __init__(self, folder: str | Path, fingerprint: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        meta = self.folder / "settings.json"
        if meta.is_file():
            old = json.loads(meta.read_text()).get("fingerprint")
            if old != fingerprint:
                raise ValueError(f"{self.folder}: a checkpoint of a calibration with other settings "
                                 f"(fingerprint {old}, now {fingerprint}): remove it or choose another --checkpoint")
        else:
            store.write_json(meta, {"fingerprint": fingerprint})

    def runs(self, wave: int) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        for f in sorted(self.folder.glob(f"wave{wave}_runs_*.npz")):
            with np.load(f) as z:
                out.update(zip(z["index"].tolist(), z["raw"]))
        return out

    def save_runs(self, wave: int, items: list[tuple[int, np.ndarray]]) -> None:
        if not items:
            return
        idx = np.array([i for i, _ in items])
        raw = np.array([r for _, r in items])
        name = f"wave{wave}_runs_{idx.min():05d}_{len(idx)}_{idx.max():05d}.npz"
        with store.atomic_path(self.folder / name) as p, open(p, "wb") as fh:
            np.savez(fh, index=idx, raw=raw)

    def load(self, name: str) -> Any:
        path = self.folder / name
        return pickle.loads(path.read_bytes()) if path.is_file() else None

    def save(self, name: str, obj: Any) -> None:
        with store.atomic_path(self.folder / name) as p:
            p.write_bytes(pickle.dumps(obj))


def _run_points(problem: CalibrationProblem, ckpt: Checkpoint, tag: int, design: np.ndarray, seeds: np.ndarray,
                backend: Backend, desc: str, progress: bool) -> np.ndarray:
    """Raw outputs of the design's runs (resuming from the checkpoint), shape (n, k)."""
    done = ckpt.runs(tag)
    todo = [i for i in range(len(design)) if i not in done]
    bar = tqdm(total=len(design), initial=len(design) - len(todo), desc=desc, unit="run", disable=not progress,
               file=sys.stderr)
    buffer: list[tuple[int, np.ndarray]] = []
    try:
        tasks = (_Task(i, problem.task_args(design[i], seeds[i])) for i in todo)
        for out in backend.run(simulate, tasks):
            if out.error is not None:
                raise RuntimeError(f"run {out.task.index} of {desc} failed: {out.error!r}") from out.error
            buffer.append((out.task.index, out.result))
            done[out.task.index] = out.result
            bar.update()
            if len(buffer) >= FLUSH:
                ckpt.save_runs(tag, buffer)
                buffer = []
    finally:
        ckpt.save_runs(tag, buffer)  # what finished is kept, also when interrupted
        bar.close()
    return np.array([done[i] for i in range(len(design))])


def _seeds(seed: int, tag: int, n: int) -> np.ndarray:
    return np.random.SeedSequence([seed, tag]).generate_state(n, dtype=np.uint32).astype(np.int64)


@dataclass
class WorkflowResult:
    """Everything the calibration found: the waves, the posterior draws (unit cube and values), the check runs
    and the diagnostics. ``write`` puts the posterior file, calibration.json and the report in place."""

    problem: CalibrationProblem
    obs: Observations  # the observation model used (with the structural misses' raised discrepancies)
    settings: Settings
    waves: list[Wave]
    draws: np.ndarray  # (rows, d) unit cube
    checks: np.ndarray  # (checks, k) raw outputs of the simulator at the first draws
    diagnostics: dict[str, Any]
    seconds: float
    runs: int
    date: str = field(default_factory=lambda: datetime.now(UTC).date().isoformat())

    @property
    def values(self) -> list[dict[str, float]]:
        return [self.problem.history.to_values(u) for u in self.draws]

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.values)
        df[post.WEIGHT] = 1.0 / len(df)
        return df

    def summary(self) -> pd.DataFrame:
        return post.summarise(self.frame(), self.problem.names)


def run_workflow(problem: CalibrationProblem, settings: Settings, checkpoint: str | Path, *,
                 backend: Backend | None = None, workers: int | None = None, scheduler: str | None = None,
                 progress: bool = True) -> WorkflowResult:
    """Run (or resume) the whole calibration; see the module docstring."""
    t0 = time.perf_counter()
    ckpt = Checkpoint(checkpoint, settings.fingerprint(problem))
    own = backend is None
    backend = backend or make_backend(workers, scheduler)
    d = len(problem.names)
    obs = problem.obs
    waves: list[Wave] = []
    runs = 0
    try:
        base, share = np.random.default_rng([settings.seed, 0]).random((BASE_POINTS, d)), 1.0
        for k, n in enumerate(settings.waves, start=1):
            rng = np.random.default_rng([settings.seed, k])
            design = qmc.LatinHypercube(d=d, seed=rng).random(n) if k == 1 else base[:n]
            if len(design) < n * MIN_DESIGN_SHARE:
                raise RuntimeError(f"wave {k}: only {len(design)} of {n} design points found not ruled out")
            seeds = _seeds(settings.seed, k, len(design))
            raw = _run_points(problem, ckpt, k, design, seeds, backend, f"wave {k}/{len(settings.waves)}", progress)
            runs += len(design)
            wave = Wave(k, design, seeds, problem.standardise(raw), plausible_share=share)
            emulators = ckpt.load(f"wave{k}_emulators.pkl")
            if emulators is None:
                X, Y = _training_set(waves, wave, obs)
                if progress:
                    print(f"wave {k}: fitting {Y.shape[1]} emulators on {len(X)} runs", file=sys.stderr)
                emulators = Emulators(seed=settings.seed + k).fit(X, Y)
                ckpt.save(f"wave{k}_emulators.pkl", emulators)
            wave.emulators = emulators
            waves.append(wave)
            if k == 1:  # figures no point of the box reaches: structural misses (history_matching)
                screen = qmc.LatinHypercube(d=d, seed=np.random.default_rng([settings.seed, STREAM_SCREEN])).random(SCREEN)
                obs = obs.with_intrinsic(np.r_[emulators.noise[:problem.n_survey] * settings.population / REAL_POPULATION,
                                               np.zeros(len(problem.trials))])
                obs = obs.allow_structural(*emulators.predict(screen))
            space = ckpt.load(f"wave{k}_space.pkl")
            if space is None:
                if progress:
                    print(f"wave {k}: drawing the space not ruled out", file=sys.stderr)
                space = explore(waves, obs, base, share, max(settings.waves[k:] or (0,)), rng)
                ckpt.save(f"wave{k}_space.pkl", space)
            base, share = space
            if progress:
                print(f"wave {k}: {share:.3g} of the prior box not ruled out", file=sys.stderr)
        final_share = share
        validation = ckpt.load("emulator_validation.pkl") or _holdout(problem, obs, waves, settings)
        ckpt.save("emulator_validation.pkl", validation)
        waves[-1].emulators.extra = np.array(validation["extra_variance"])  # type: ignore[union-attr]
        rng = np.random.default_rng([settings.seed, 100])
        chain = ckpt.load("posterior.pkl")
        if chain is None:
            draws, diag = post.sample(waves, obs, base, rng, settings.walkers, settings.steps, settings.burn, progress)
            pick = rng.choice(len(draws), size=min(settings.posterior_rows, len(draws)), replace=False)
            chain = (draws[pick], diag)
            ckpt.save("posterior.pkl", chain)
        draws, mcmc = chain
        n_checks = min(settings.checks, len(draws))
        seeds = _seeds(settings.seed, STREAM_CHECKS, n_checks)
        checks = _run_points(problem, ckpt, STREAM_CHECKS, draws[:n_checks], seeds, backend, "posterior checks", progress)
        runs += n_checks + min(settings.recovery, n_checks) * RECOVERY_REPLICATES
        diagnostics = {"mcmc": mcmc, "plausible_share_final": final_share, "structural_misses": obs.structural}
        diagnostics["emulator_validation"] = validation
        diagnostics["emulator_at_posterior"] = _emulator_at(waves[-1], draws[:n_checks], problem.standardise(checks))
        diagnostics["predictive"] = predictive_check(problem, obs, checks,
                                                     np.random.default_rng([settings.seed, STREAM_PREDICTIVE]))
        rec = ckpt.load("recovery.pkl")
        if rec is None:
            r = min(settings.recovery, n_checks)
            truths = np.repeat(draws[:r], RECOVERY_REPLICATES, axis=0)
            fake = _run_points(problem, ckpt, STREAM_RECOVERY, truths,
                               _seeds(settings.seed, STREAM_RECOVERY, len(truths)), backend, "recovery runs", progress)
            fake = np.nanmean(problem.standardise(fake).reshape(r, RECOVERY_REPLICATES, -1), axis=1)
            rec = recovery(problem, obs, waves, base, draws[:r], fake, settings, progress)
            ckpt.save("recovery.pkl", rec)
        diagnostics["recovery"] = rec
    finally:
        if own:
            backend.close()
    return WorkflowResult(problem, obs, settings, waves, draws, checks, diagnostics, time.perf_counter() - t0, runs)


def _training_set(waves: list[Wave], wave: Wave, obs: Observations) -> tuple[np.ndarray, np.ndarray]:
    """Runs of this wave and of earlier waves that lie inside this wave's space (not ruled out by the earlier)."""
    X = np.concatenate([w.design for w in waves] + [wave.design])
    Y = np.concatenate([w.outputs for w in waves] + [wave.outputs])  # type: ignore[misc]
    keep = not_ruled_out(waves, X, obs) if waves else np.ones(len(X), dtype=bool)
    return X[keep], Y[keep]


def _holdout(problem: CalibrationProblem, obs: Observations, waves: list[Wave], settings: Settings) -> dict[str, Any]:
    """The last wave's emulators refitted without a held-out fifth of its runs, then scored on them: the share of
    held-out runs inside the emulator's 95% interval (emulator variance plus run-to-run noise), R^2, and the
    extra variance per target (the mean squared error beyond the expected noise and emulator variance, >= 0)
    that the last wave's emulators then carry into the posterior."""
    X, Y = _training_set(waves[:-1], waves[-1], obs)
    rng = np.random.default_rng([settings.seed, STREAM_HOLDOUT])
    test = rng.random(len(X)) < HOLDOUT
    em = Emulators(seed=settings.seed + STREAM_HOLDOUT).fit(X[~test], Y[~test])
    mean, var = em.predict(X[test])
    sd = np.sqrt(var + em.noise)
    inside = np.abs(Y[test] - mean) <= Z95 * sd
    ok = np.isfinite(Y[test])
    rows, extra = [], []
    for j, label in enumerate(problem.obs.labels):
        y, m = Y[test][ok[:, j], j], mean[ok[:, j], j]
        excess = np.mean((y - m) ** 2) - em.noise[j] - np.mean(var[ok[:, j], j]) if y.size else 0.0
        extra.append(float(max(excess, 0.0)))
        r2 = 1 - np.sum((y - m) ** 2) / np.sum((y - y.mean()) ** 2) if y.size > 1 and y.var() > 0 else np.nan
        rows.append({"target": label, "held_out": int(ok[:, j].sum()),
                     "inside_95": round(float(inside[ok[:, j], j].mean()), DIGITS) if ok[:, j].any() else np.nan,
                     "r2": round(float(r2), DIGITS), "noise_sd": round(float(np.sqrt(em.noise[j])), DIGITS),
                     "extra_sd": round(float(np.sqrt(extra[-1])), DIGITS)})
    return {"runs_held_out": int(test.sum()), "runs_fitted": int((~test).sum()),
            "inside_95": round(float(inside[ok].mean()), DIGITS), "per_target": rows, "extra_variance": extra}


def _emulator_at(wave: Wave, U: np.ndarray, Z: np.ndarray) -> dict[str, Any]:
    """How well the last emulators predict the simulator at the posterior draws (share inside 95%)."""
    assert wave.emulators is not None
    mean, var = wave.emulators.predict(U)
    ok = np.isfinite(Z)
    inside = np.abs(Z - mean) <= Z95 * np.sqrt(var + wave.emulators.noise)
    return {"runs": len(U), "inside_95": round(float(inside[ok].mean()), DIGITS)}


def predictive_check(problem: CalibrationProblem, obs: Observations, checks: np.ndarray,
                     rng: np.random.Generator) -> dict[str, Any]:
    """Posterior predictive check per target: the 95% interval of the simulated value at the posterior draws
    (one run each), with the observation error and the stated discrepancy added (what a new survey would show
    if the model were right), and whether the published value lies inside; also the interval of the runs alone."""
    Z = problem.standardise(checks)
    n, m = Z.shape
    shared = (rng.normal(0, 1, (n, len(obs.group_names))) * obs.group_discrepancy)[:, obs.group_index]
    noisy = Z + shared + rng.normal(0, obs.observation_sd, (n, m))
    rows = []
    s = problem.n_survey
    raw_cols = checks[:, :s + len(problem.trials)]
    for j, label in enumerate(obs.labels):
        ok = np.isfinite(Z[:, j])
        lo, hi = np.quantile(noisy[ok, j], INTERVAL_95) if ok.any() else (np.nan, np.nan)
        lo_r, hi_r = np.quantile(Z[ok, j], INTERVAL_95) if ok.any() else (np.nan, np.nan)
        sim = raw_cols[ok, j]
        rows.append({"target": label, "median_standardised": round(float(np.median(Z[ok, j])), DIGITS),
                     "simulated_median": round(float(np.median(sim)), DIGITS),
                     "simulated_low": round(float(np.quantile(sim, INTERVAL_95[0])), DIGITS),
                     "simulated_high": round(float(np.quantile(sim, INTERVAL_95[1])), DIGITS),
                     "inside_predictive_95": bool(lo <= 0 <= hi), "inside_runs_95": bool(lo_r <= 0 <= hi_r)})
    signs = []
    if problem.signs:
        eff = checks[:, s + len(problem.trials):]
        holds = tt.sign_holds(eff, problem.signs)
        for j, c in enumerate(problem.signs):
            ok = np.isfinite(eff[:, j])
            signs.append({"target": c.label, "sign": c.sign, "share_with_sign": round(float(holds[ok, j].mean()), DIGITS)})
    covered = np.mean([r["inside_predictive_95"] for r in rows])
    return {"coverage": round(float(covered), DIGITS),
            "coverage_runs_only": round(float(np.mean([r["inside_runs_95"] for r in rows])), DIGITS),
            "per_target": rows, "sign_checks": signs}


def recovery(problem: CalibrationProblem, obs: Observations, waves: list[Wave], space: np.ndarray,
             truths: np.ndarray, outputs: np.ndarray, settings: Settings, progress: bool = False) -> dict[str, Any]:
    """Synthetic-data recovery: fake data made at known points (posterior draws; ``outputs``: the mean of
    ``RECOVERY_REPLICATES`` runs at each, whose noise is about the intrinsic variance the likelihood allows); the
    posterior is re-sampled on the same emulators against those outputs, and each known value is checked against
    its 90% credible interval."""
    inside, rows = [], []
    for r in range(len(truths)):
        fake = obs.shifted(np.nan_to_num(outputs[r]))
        rng = np.random.default_rng([settings.seed, STREAM_RECALIBRATION, r])
        draws, _ = post.sample(waves, fake, space, rng, settings.walkers, settings.recovery_steps,
                               settings.recovery_steps // 2)
        lo, hi = np.quantile(draws, INTERVAL_90, axis=0)
        ok = (truths[r] >= lo) & (truths[r] <= hi)
        inside.append(ok)
        rows.append({"truth": r, "inside_90": int(ok.sum()), "parameters": int(ok.size)})
        if progress:
            print(f"recovery {r + 1}/{settings.recovery}: {int(ok.sum())}/{ok.size} inside their 90% intervals",
                  file=sys.stderr)
    arr = np.array(inside)
    per_param = {n: round(float(arr[:, i].mean()), DIGITS) for i, n in enumerate(problem.names)}
    return {"truths": len(rows), "share_inside_90": round(float(arr.mean()), DIGITS), "per_truth": rows,
            "per_parameter": per_param}


def identifiability(result: WorkflowResult) -> pd.DataFrame:
    """Posterior 90% width against prior 90% width per parameter (on the fitting scale: log for log-scaled)."""
    q = np.quantile(result.draws, [INTERVAL_90[0], 0.5, INTERVAL_90[1]], axis=0)
    summ = result.summary()
    rows = []
    for i, n in enumerate(result.problem.names):
        ratio = float((q[2, i] - q[0, i]) / (INTERVAL_90[1] - INTERVAL_90[0]))
        verdict = "identified" if ratio < IDENTIFIED else "partly" if ratio < PARTLY else "not identified"
        rows.append({"parameter": n, "low": summ.loc[n, "low"], "median": summ.loc[n, "median"],
                     "high": summ.loc[n, "high"], "bound_low": result.problem.bounds[n][0],
                     "bound_high": result.problem.bounds[n][1], "width_ratio": round(ratio, DIGITS), "verdict": verdict})
    return pd.DataFrame(rows)


def tradeoffs(result: WorkflowResult, pairs: int = PAIRS) -> list[tuple[str, str, float]]:
    """The most correlated parameter pairs in the posterior: (a, b, correlation)."""
    c = np.corrcoef(result.draws.T)
    names = result.problem.names
    out = [(names[i], names[j], float(c[i, j])) for i in range(len(names)) for j in range(i + 1, len(names))
           if np.isfinite(c[i, j])]
    return sorted(out, key=lambda t: -abs(t[2]))[:pairs]


