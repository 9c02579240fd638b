"""Random draws for many independent trials, exact in distribution and cheaper than one uniform per trial.

Most monthly events are rare (a death, a discrimination event, a tie lost). Drawing one
uniform number per settler to decide each costs most of a month's time, so the mechanisms use
these samplers instead. Each gives **the same joint distribution** as the one-uniform-per-trial
code it replaces (independent trials, each with its own probability); only the random stream
differs, so a seed gives different (equally valid) results than the naive code would.

* Bernoulli(p) for n trials: the number of successes is Binomial(n, p) and, given that number,
  the successes are a uniformly random subset (``bernoulli_rows``).
* Heterogeneous probabilities p_i <= p_max: thinning. Candidates succeed with p_max, then each
  candidate is kept with p_i / p_max, so trial i succeeds with p_i (``rare_events``). The
  probabilities are computed only at the candidates.
* Poisson(lam) counts per row: the total is Poisson(n lam) and, given the total, the events fall
  on rows uniformly at random (``poisson_rows``); rates lam_i <= lam_max by thinning
  (``poisson_counts``).
* Binomial(k_i, p) per row: Bernoulli(p) over all sum(k_i) trials, mapped back to rows
  (``binomial_counts``).
* Inside compiled kernels (``sim.jit``), which walk their rows one by one: the gap to the next
  success of Bernoulli(p) trials is Geometric(p) (``next_success``) and to the next event of a
  Poisson process Exponential (``next_event``), so a walk draws once per success, not per trial.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.jit import kernel

ALL = slice(None)  # passed to a probability function meaning "every trial"
SPARSE_BELOW = 0.4  # above this success probability a uniform per trial is as cheap as sampling the subset
NO_SUCCESS = 2**62  # trials to the next success when p = 0 (never reached)


def bernoulli_rows(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Positions (int64, unordered, distinct) of the successes among ``n`` independent Bernoulli(p) trials."""
    if n <= 0 or p <= 0:
        return np.empty(0, dtype=np.int64)
    if p >= 1:
        return np.arange(n, dtype=np.int64)
    if p > SPARSE_BELOW:
        return np.flatnonzero(rng.random(n) < p)
    k = int(rng.binomial(n, p))
    return rng.choice(n, size=k, replace=False, shuffle=False).astype(np.int64, copy=False)


def rare_events(rng: np.random.Generator, n: int, p_max: float,
                prob: Callable[[np.ndarray | slice], np.ndarray]) -> np.ndarray:
    """Positions of the successes among ``n`` independent trials with probabilities ``prob(positions)``.

    ``p_max`` must bound every probability; ``prob`` is called on the candidate positions only
    (or on ``ALL`` when ``p_max`` is too large for thinning to pay).
    """
    if n <= 0 or p_max <= 0:
        return np.empty(0, dtype=np.int64)
    if p_max > SPARSE_BELOW:
        return np.flatnonzero(rng.random(n) < prob(ALL))
    cand = bernoulli_rows(rng, n, p_max)
    if cand.size == 0:
        return cand
    p = prob(cand)
    if np.any(p > p_max * (1 + 1e-9)):
        raise ValueError(f"rare_events: a probability {np.max(p):g} exceeds the bound {p_max:g}")
    return cand[rng.random(cand.size) * p_max < p]


def poisson_rows(rng: np.random.Generator, n: int, lam: float) -> np.ndarray:
    """Rows (with repeats) of Poisson(lam) events on each of ``n`` rows: row i appears Poisson(lam) times."""
    if n <= 0 or lam <= 0:
        return np.empty(0, dtype=np.int64)
    return rng.integers(0, n, int(rng.poisson(n * lam)))


def poisson_counts(rng: np.random.Generator, n: int, lam_max: float,
                   lam: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Independent Poisson(lam_i) counts for ``n`` rows, shape (n,), with rates ``lam(rows) <= lam_max``."""
    cand = poisson_rows(rng, n, lam_max)
    if cand.size:
        rates = lam(cand)
        if np.any(rates > lam_max * (1 + 1e-9)):
            raise ValueError(f"poisson_counts: a rate {np.max(rates):g} exceeds the bound {lam_max:g}")
        cand = cand[rng.random(cand.size) * lam_max < rates]
    return np.bincount(cand, minlength=n)


def binomial_counts(rng: np.random.Generator, trials: np.ndarray, p: float) -> np.ndarray:
    """Independent Binomial(trials_i, p) counts, shape like ``trials`` (non-negative integers)."""
    ends = np.cumsum(trials, dtype=np.int64)
    total = int(ends[-1]) if ends.size else 0
    hits = bernoulli_rows(rng, total, p)
    return np.bincount(np.searchsorted(ends, hits, side="right"), minlength=trials.size)


# ---- inside compiled kernels: rare events by skipping, one draw per success instead of one per trial.
# Successes of independent Bernoulli(p) trials in a row are separated by Geometric(p) gaps, and the
# events of a rate-lam Poisson process by Exponential(1 / lam) gaps; a kernel walks its rows and
# jumps from success to success, so trials that fail cost no draw.


@kernel
def next_success(rng: np.random.Generator, p: float) -> int:
    """Trials up to and including the next success of Bernoulli(``p``) trials (a huge number if ``p`` <= 0)."""
    if p <= 0.0:
        return NO_SUCCESS
    if p >= 1.0:
        return 1
    return rng.geometric(p)


@kernel
def next_event(rng: np.random.Generator, lam: float) -> float:
    """Time to the next event of a Poisson process of rate ``lam`` per unit (infinite if ``lam`` <= 0)."""
    if lam <= 0.0:
        return np.inf
    return rng.standard_exponential() / lam
