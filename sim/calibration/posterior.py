"""The posterior sample inside the space history matching leaves, and the posterior file.

Sampling: ensemble MCMC (``emcee``, differential-evolution moves) on the emulated posterior: a uniform prior on the
fitting box (log-uniform for log-scaled parameters, i.e. uniform on the unit cube), zero outside the space not
ruled out by the waves, and the Gaussian likelihood of ``Observations.log_likelihood`` with the last wave's
emulator mean and variance. Why not importance sampling from the NROY space: that space is bounded at three
standard deviations on every identified direction, the posterior at about one, so with ten identified directions
importance weights from a uniform draw over it collapse onto a handful of points (the effective sample size is
reported as ``importance_ess`` for comparison). Why not ABC-SMC (pyabc) on the simulator: it needs thousands of
simulator runs per generation in 34 dimensions, more than 90 minutes on two cores; the emulators make each
likelihood evaluation cost microseconds, and the posterior draws are then checked by running the simulator.

The posterior file (``sim/data/posterior.parquet``): one row per parameter set, one column per fitted parameter
(declared names, values inside their fitting bounds) and ``weight`` (equal: the rows are draws from the chain).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch import store
from sim.calibration.history_matching import Observations, Wave, not_ruled_out

POSTERIOR_FILE = "posterior.parquet"  # in sim/data
WEIGHT = "weight"
DE_SHARE = 0.8  # of the moves: differential evolution; the rest DE snooker (mixes across modes)
CREDIBLE = (0.05, 0.5, 0.95)  # the 90% credible interval and the median
SEED_RANGE = 2 ** 31  # emcee seeds a legacy RandomState (31-bit seeds)
DIGITS = 3  # decimals of the chain diagnostics
BOUND_SLACK = 1e-9  # rounding allowed at a fitting bound


class PosteriorError(ValueError):
    """A posterior file that cannot be used: the message is one line naming the file and what is wrong."""


def log_posterior(waves: Sequence[Wave], obs: Observations):
    """log p(u | data) up to a constant for points u on the unit cube, vectorised over rows."""
    last = waves[-1].emulators
    assert last is not None

    def fn(U: np.ndarray) -> np.ndarray:
        out = np.full(len(U), -np.inf)
        inside = np.all((U >= 0) & (U <= 1), axis=1)
        idx = np.flatnonzero(inside)
        if idx.size:
            ok = not_ruled_out(waves, U[idx], obs)
            idx = idx[ok]
        if idx.size:
            mean, var = last.predict(U[idx])
            out[idx] = obs.log_likelihood(mean, var)
        return out

    return fn


def sample(waves: Sequence[Wave], obs: Observations, space: np.ndarray, rng: np.random.Generator, walkers: int,
           steps: int, burn: int, progress: bool = False) -> tuple[np.ndarray, dict[str, Any]]:
    """Posterior draws on the unit cube (after ``burn`` steps, every walker, thinned to about half an
    autocorrelation time) and the chain's diagnostics. ``space``: points uniform in the space not ruled out
    (the walkers start from the likeliest of them; the rest measure what importance sampling would give)."""
    import emcee

    d = space.shape[1]
    if len(space) < walkers:
        raise RuntimeError(f"only {len(space)} points found not ruled out (need {walkers} walkers)")
    lp = log_posterior(waves, obs)
    logw = lp(space)
    start = space[np.argsort(-logw)[:walkers]]
    moves = [(emcee.moves.DEMove(), DE_SHARE), (emcee.moves.DESnookerMove(), 1 - DE_SHARE)]
    sampler = emcee.EnsembleSampler(walkers, d, lp, vectorize=True, moves=moves)
    sampler.random_state = np.random.RandomState(int(rng.integers(SEED_RANGE))).get_state()  # the chain's own seed
    sampler.run_mcmc(start, steps, progress=progress, progress_kwargs={"desc": "posterior", "leave": False})
    tau = sampler.get_autocorr_time(discard=burn, quiet=True)
    thin = max(1, int(np.nanmax(tau) / 2)) if np.all(np.isfinite(tau)) else 1
    draws = sampler.get_chain(discard=burn, thin=thin, flat=True)
    # importance sampling from the NROY space, for comparison: effective sample size of the weights
    w = np.exp(logw - logw.max())
    ess = float(w.sum() ** 2 / (w ** 2).sum())
    diag = {"walkers": walkers, "steps": steps, "burn_in": burn, "thin": thin,
            "acceptance": round(float(np.mean(sampler.acceptance_fraction)), DIGITS),
            "autocorrelation_steps_max": round(float(np.nanmax(tau)), 1),
            "autocorrelation_steps_median": round(float(np.nanmedian(tau)), 1),
            "chain_length_over_autocorrelation": round(float((steps - burn) / np.nanmax(tau)), 1),
            "draws": len(draws), "importance_ess": round(ess, 1), "importance_pool": len(space)}
    return draws, diag


def summarise(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Weighted 5%, 50%, 95% quantiles per parameter: columns low, median, high; index: names."""
    w = frame[WEIGHT].to_numpy(float)
    rows = {}
    for n in names:
        x = frame[n].to_numpy(float)
        order = np.argsort(x)
        cum = np.cumsum(w[order]) / w.sum()
        rows[n] = [float(np.interp(q, cum - w[order] / w.sum() / 2, x[order])) for q in CREDIBLE]
    return pd.DataFrame.from_dict(rows, orient="index", columns=["low", "median", "high"])


def posterior_path() -> Path:
    """The project's posterior file (``sim/data/posterior.parquet``)."""
    return Path(__file__).resolve().parents[1] / "data" / POSTERIOR_FILE


def write(path: str | Path, values: Sequence[Mapping[str, float]]) -> Path:
    """Write equally weighted parameter sets."""
    df = pd.DataFrame(list(values))
    df[WEIGHT] = 1.0 / len(df)
    store.write_parquet(path, df)
    return Path(path)


def read(path: str | Path | None = None, fitted: Mapping[str, tuple[float, float, bool]] | None = None) -> pd.DataFrame:
    """Read and check a posterior file: an ensemble file (``sim.ensemble.read_parameter_sets``: known behaviour
    parameters inside their declared ranges, a usable ``weight`` column) whose columns are fitted parameters
    (``fitted``, default ``calibrate.FITTED``) with values inside their fitting bounds (the prior box).
    Raises ``PosteriorError`` (one line) for a missing, unreadable or stale file."""
    from sim.calibration.calibrate import FITTED
    from sim.ensemble import EnsembleError, read_parameter_sets

    path = Path(path) if path is not None else posterior_path()
    fitted = FITTED if fitted is None else fitted
    if not path.is_file():
        raise PosteriorError(f"{path}: posterior file not found (run `resettle calibrate` to make it)")
    try:
        df = read_parameter_sets(path)
    except EnsembleError as err:
        raise PosteriorError(str(err)) from None
    for col in df.columns.drop(WEIGHT):
        if col not in fitted:
            raise PosteriorError(f"{path}: column '{col}': not a fitted parameter (stale file? fitted: "
                                 f"{', '.join(sorted(fitted))})")
        lo, hi, _ = fitted[col]
        x = df[col].to_numpy(float)
        if x.min() < lo - BOUND_SLACK or x.max() > hi + BOUND_SLACK:
            raise PosteriorError(f"{path}: column '{col}': values must lie in its fitting bounds [{lo:g}, {hi:g}], "
                                 f"got [{x.min():g}, {x.max():g}]")
    return df
