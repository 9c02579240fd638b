"""Parameter ensembles: the uncertain behaviour parameters drawn as a set per replicate.

An **ensemble** is a table with one row per parameter set and one column per uncertain behaviour
parameter (names from ``sim.params``, usually those the calibration fits, ``FITTED``). Replicate *i*
of a run, of every scenario of a comparison and of every point of a sweep uses parameter set *i*
and seed *i*: paired on both, so a policy's effect in member *i* is measured on the same people,
the same random stream and the same assumptions about behaviour.

Specs (``--ensemble`` on the command line, ``ensemble:`` in experiment files):

* ``none``: no ensemble; every replicate uses the defaults (the calibrated values). Only chance varies.
* ``prior``: a seeded Latin hypercube over the prior box, the calibration's fitting bounds
  (``sim.calibration.calibrate.FITTED``; uniform, or log-uniform where a bound says so).
* ``posterior``: ``sim/data/posterior.parquet`` (written by the posterior calibration).
* a path: a Parquet or CSV file of parameter sets with a ``weight`` column (``read_parameter_sets``).

The default is ``posterior`` when ``sim/data/posterior.parquet`` exists, ``none`` before that (or the spec in the
environment variable ``RESETTLE_ENSEMBLE``).

From a file, ``n`` members are taken as follows. With equal weights, member *i* is row
``i mod rows``: rows in file order, and when ``n`` exceeds the rows they are reused in the same
order (each reuse gets a different seed). With unequal weights, ``n`` rows are drawn by systematic
resampling (one uniform offset from ``numpy.random.default_rng(seed)``; a row of weight *w* is drawn
``n w / sum(w)`` times, rounded up or down), then shuffled with the same generator so that any first
*k* members are a fair sample too. So ``n`` may exceed the rows in both cases.

A value set explicitly by a scenario (``behaviour:`` in its file, or a sweep factor) wins over the
ensemble's: what an analyst fixes stays fixed, the ensemble varies the rest.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.params import BEHAVIOUR_NAMES, PARAM_BY_NAME, suggest
from sim.scenario import ScenarioError

WEIGHT = "weight"
SPECS = ("posterior", "prior", "none")
POSTERIOR_FILE = "posterior.parquet"  # in sim/data, written by the posterior calibration
ENV_DEFAULT = "RESETTLE_ENSEMBLE"  # environment variable overriding the default spec
MAX_SEED = 2**32 - 1  # scipy's samplers take 32-bit seeds: larger seeds are folded into that range


class EnsembleError(ScenarioError, ValueError):
    """An ensemble that cannot be used; the message is one line naming the file, the column and what was expected."""


def posterior_path() -> Path:
    return Path(str(resources.files("sim") / "data" / POSTERIOR_FILE))


def default_spec() -> str:
    """``posterior`` once ``sim/data/posterior.parquet`` exists, ``none`` before that; the environment variable
    ``RESETTLE_ENSEMBLE`` (a spec) overrides it (the test suite sets ``none``: fixed parameters unless a test asks)."""
    override = os.environ.get(ENV_DEFAULT)
    if override:
        return override
    return "posterior" if posterior_path().is_file() else "none"


def fitted_bounds() -> dict[str, tuple[float, float, bool]]:
    """The prior box: name -> (low, high, log) of the behaviour parameters the calibration fits."""
    from sim.calibration.calibrate import FITTED

    return dict(FITTED)


def read_parameter_sets(path: str | Path) -> pd.DataFrame:
    """Read and validate an ensemble file (``.parquet`` or ``.csv``): parameter columns and ``weight``.

    Raises ``EnsembleError`` (a ``ValueError``) naming the file, the column and what was expected for:
    a missing or unreadable file, no rows, an unknown or non-behaviour column, a value that is not a
    number or is outside the parameter's declared range, and a missing, negative, non-finite or all-zero
    ``weight`` column. Returns the rows as read (parameter columns as floats, then ``weight``).
    """
    path = Path(path)
    if not path.is_file():
        raise EnsembleError(f"{path}: ensemble file not found (expected a .parquet or .csv file of parameter sets)")
    try:
        if path.suffix.lower() == ".parquet":
            df = pd.read_parquet(path)
        elif path.suffix.lower() == ".csv":
            df = pd.read_csv(path)
        else:
            raise EnsembleError(f"{path}: expected a .parquet or .csv ensemble file, got '{path.suffix}'")
    except EnsembleError:
        raise
    except Exception as err:  # pyarrow / pandas parse errors: one line, no traceback
        raise EnsembleError(f"{path}: cannot read the ensemble file ({type(err).__name__}: "
                            f"{str(err).splitlines()[0] if str(err) else ''})") from None
    if df.empty:
        raise EnsembleError(f"{path}: no parameter sets (expected one row per set)")
    if WEIGHT not in df.columns:
        raise EnsembleError(f"{path}: column '{WEIGHT}': missing (expected non-negative weights, one per row)")
    names = [str(c) for c in df.columns if c != WEIGHT]
    if not names:
        raise EnsembleError(f"{path}: no parameter columns (expected behaviour parameters such as job_offer_rate)")
    out = {}
    for name in names:
        if name not in PARAM_BY_NAME:
            raise EnsembleError(f"{path}: column '{name}': unknown parameter{suggest(name, BEHAVIOUR_NAMES)}")
        p = PARAM_BY_NAME[name]
        if p.kind != "behaviour":
            raise EnsembleError(f"{path}: column '{name}': a policy lever, not an uncertain behaviour parameter "
                                "(set levers in the scenario)")
        col = pd.to_numeric(df[name], errors="coerce")
        bad = col.isna() | ~np.isfinite(col.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise EnsembleError(f"{path}: column '{name}': row {row}: expected a number, got {df[name].iloc[row]!r}")
        out_of = (col < p.low) | (col > p.high)
        if out_of.any():
            row = int(np.flatnonzero(out_of.to_numpy())[0])
            raise EnsembleError(f"{path}: column '{name}': row {row}: {col.iloc[row]:g} is outside the declared range "
                                f"[{p.low:g}, {p.high:g}]")
        out[name] = col.astype(float).to_numpy()
    w = pd.to_numeric(df[WEIGHT], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(w).all():
        row = int(np.flatnonzero(~np.isfinite(w))[0])
        raise EnsembleError(f"{path}: column '{WEIGHT}': row {row}: expected a non-negative number, "
                            f"got {df[WEIGHT].iloc[row]!r}")
    if (w < 0).any():
        row = int(np.flatnonzero(w < 0)[0])
        raise EnsembleError(f"{path}: column '{WEIGHT}': row {row}: expected a non-negative weight, got {w[row]:g}")
    if not (w > 0).any():
        raise EnsembleError(f"{path}: column '{WEIGHT}': all weights are zero (expected at least one positive)")
    return pd.DataFrame({**out, WEIGHT: w})


def _sampler_seed(seed: int) -> int:
    return int(seed) % (MAX_SEED + 1)


def prior_sets(n: int, seed: int) -> pd.DataFrame:
    """``n`` parameter sets from the prior box (``FITTED`` bounds) by a seeded Latin hypercube.

    Each parameter is uniform on its fitting bounds, or log-uniform where the bound says log;
    ``scipy.stats.qmc.LatinHypercube`` cuts each range into ``n`` equal-probability slices, each used once.
    Deterministic for a seed. Columns: the fitted parameters, in declaration order.
    """
    if n < 1:
        raise ValueError(f"prior_sets: expected n >= 1, got {n}")
    bounds = fitted_bounds()
    u = qmc.LatinHypercube(d=len(bounds), seed=_sampler_seed(seed)).random(n)
    cols = {}
    for j, (name, (lo, hi, log)) in enumerate(bounds.items()):
        x = np.exp(np.log(lo) + u[:, j] * (np.log(hi) - np.log(lo))) if log else lo + u[:, j] * (hi - lo)
        p = PARAM_BY_NAME[name]
        cols[name] = np.clip(np.round(x) if p.integer else x, p.low, p.high)
    return pd.DataFrame(cols)


def systematic_resample(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` draws by systematic resampling: row k drawn floor or ceil of ``n w_k / sum(w)`` times."""
    cum = np.cumsum(weights / weights.sum())
    cum[-1] = 1.0  # no draw may fall past the last row through rounding
    positions = (rng.random() + np.arange(n)) / n
    return np.searchsorted(cum, positions, side="right")


def ensemble_sets(spec: str | Path | pd.DataFrame | None, n: int, seed: int) -> pd.DataFrame | None:
    """``n`` parameter sets for ``spec`` (``posterior``, ``prior``, ``none``, a file, or a DataFrame), or None.

    Row *i* is member *i* (index ``member``); columns are parameters only (weights are used up by the
    resampling). See the module docstring for how rows are taken from a file.
    """
    if spec is None:
        spec = default_spec()
    if isinstance(spec, pd.DataFrame):
        sets, source = spec, "<DataFrame>"
    else:
        text = str(spec)
        if text == "none":
            return None
        if text == "prior":
            return prior_sets(n, seed).rename_axis("member")
        if text == "posterior":
            if not posterior_path().is_file():
                raise EnsembleError(f"{posterior_path()}: no posterior yet (run the posterior calibration, or use "
                                    "--ensemble prior)")
            sets, source = read_parameter_sets(posterior_path()), str(posterior_path())
        else:
            sets, source = read_parameter_sets(text), text
    if WEIGHT not in sets.columns:
        sets = sets.assign(**{WEIGHT: 1.0})
    w = sets[WEIGHT].to_numpy(dtype=float)
    params = sets.drop(columns=[WEIGHT]).reset_index(drop=True)
    if not len(params):
        raise EnsembleError(f"{source}: no parameter sets")
    if np.allclose(w, w[0]):
        idx = np.arange(n) % len(params)
    else:
        rng = np.random.default_rng(seed)
        idx = rng.permutation(systematic_resample(w, n, rng))
    out = params.iloc[idx].reset_index(drop=True).astype(float)
    out.index.name = "member"
    return out


def spec_label(spec: str | Path | pd.DataFrame | None) -> str:
    """What a manifest records for a spec."""
    if spec is None:
        return default_spec()
    return "<DataFrame>" if isinstance(spec, pd.DataFrame) else str(spec)


def member_kwargs(model_kwargs: dict[str, Any], member: pd.Series | dict[str, float] | None,
                  fixed: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """A model's keyword arguments with a member's parameter values, except those in ``fixed`` (set by the scenario)."""
    if member is None:
        return model_kwargs
    values = {str(k): float(v) for k, v in dict(member).items() if str(k) not in fixed}
    return {**model_kwargs, **values}
