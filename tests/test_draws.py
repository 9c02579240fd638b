"""The cheap samplers of ``sim.draws`` have the distribution of one draw per trial; ``sim.rows`` is exact.

Each check repeats a sampler many times with a fixed seed and compares per-trial frequencies,
means and variances with their exact values, with tolerances of 5 standard errors or more
(a false alarm is then a one-in-a-million event per check).
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from sim.draws import ALL, bernoulli_rows, binomial_counts, next_event, next_success, poisson_counts, poisson_rows, rare_events
from sim.rows import Rows

REPS = 4000


@pytest.mark.parametrize("p", [0.003, 0.05, 0.3, 0.7])
def test_bernoulli_rows_success_frequency_per_trial(rng: np.random.Generator, p: float) -> None:
    n = 50
    hits = np.zeros(n)
    sizes = []
    for _ in range(REPS):
        rows = bernoulli_rows(rng, n, p)
        assert np.unique(rows).size == rows.size  # distinct
        hits[rows] += 1
        sizes.append(rows.size)
    se = np.sqrt(p * (1 - p) / REPS)
    assert np.all(np.abs(hits / REPS - p) < 6 * se + 1e-12)  # every trial succeeds with p
    assert abs(np.var(sizes) - n * p * (1 - p)) < 0.15 * n * p * (1 - p)  # binomial spread: trials independent


def test_bernoulli_rows_edges(rng: np.random.Generator) -> None:
    assert bernoulli_rows(rng, 0, 0.5).size == 0
    assert bernoulli_rows(rng, 10, 0.0).size == 0
    assert np.array_equal(np.sort(bernoulli_rows(rng, 10, 1.0)), np.arange(10))


def test_rare_events_give_each_trial_its_own_probability(rng: np.random.Generator) -> None:
    probs = np.array([0.0, 0.001, 0.01, 0.02, 0.04, 0.05])
    hits = np.zeros(probs.size)
    for _ in range(20 * REPS):
        hits[rare_events(rng, probs.size, 0.05, lambda c: probs[c])] += 1
    freq = hits / (20 * REPS)
    se = np.sqrt(probs * (1 - probs) / (20 * REPS))
    assert hits[0] == 0
    assert np.all(np.abs(freq - probs) < 6 * se + 1e-12)


def test_rare_events_dense_path_and_bound_check(rng: np.random.Generator) -> None:
    probs = np.full(1000, 0.5)
    assert 400 < rare_events(rng, probs.size, 0.9, lambda c: probs[c]).size < 600  # p_max too large to thin
    with pytest.raises(ValueError, match="exceeds the bound"):
        for _ in range(100):
            rare_events(rng, 1000, 0.01, lambda c: np.full(np.arange(1000)[c].size, 0.02))
    assert slice(None) == ALL


def test_poisson_rows_and_counts_have_poisson_means_and_variances(rng: np.random.Generator) -> None:
    lam = np.array([0.0, 0.01, 0.05, 0.1])
    counts = np.stack([poisson_counts(rng, lam.size, 0.1, lambda c: lam[c]) for _ in range(20 * REPS)])
    se = np.sqrt(lam / (20 * REPS))
    assert np.all(np.abs(counts.mean(0) - lam) < 6 * se + 1e-12)
    assert np.all(np.abs(counts.var(0) - lam) < 0.1 * lam + 1e-12)  # Poisson: variance = mean
    flat = np.stack([np.bincount(poisson_rows(rng, 5, 0.2), minlength=5) for _ in range(REPS)])
    assert np.all(np.abs(flat.mean(0) - 0.2) < 6 * np.sqrt(0.2 / REPS))


def test_binomial_counts_match_binomial(rng: np.random.Generator) -> None:
    trials = np.array([0, 1, 5, 20], dtype=np.int16)
    p = 0.1
    counts = np.stack([binomial_counts(rng, trials, p) for _ in range(REPS)])
    assert np.all(counts <= trials)
    mean, var = trials * p, trials * p * (1 - p)
    assert np.all(np.abs(counts.mean(0) - mean) < 6 * np.sqrt(var / REPS) + 1e-12)
    assert np.all(np.abs(counts.var(0) - var) < 0.15 * var + 1e-12)
    assert binomial_counts(rng, np.zeros(0, dtype=np.int16), p).size == 0


@pytest.mark.parametrize("share", [0.2, 0.95])  # sparse (gather) and dense (whole columns) modes
def test_rows_read_and_write_only_their_rows(rng: np.random.Generator, share: float) -> None:
    n = 1000
    mask = rng.random(n) < share
    rows = Rows(mask)
    assert rows.dense == (share > 0.5) and rows.count == mask.sum()
    column = rng.random(n).astype(np.float32)
    before = column.copy()
    values = rows.of(column) * 2
    rows.put(column, values)
    assert np.allclose(column[mask], 2 * before[mask]) and np.array_equal(column[~mask], before[~mask])
    picked = rows.where(np.ones(rows.size, dtype=bool))
    assert np.array_equal(np.sort(rows.index(picked)), np.flatnonzero(mask))
    assert np.array_equal(np.sort(rows.index(rows.keep(np.arange(rows.size)))), np.flatnonzero(mask))


@njit
def _walk_successes(rng: np.random.Generator, n: int, p: float, reps: int) -> np.ndarray:
    """Per-repeat success flags of ``n`` trials found by skipping (as the kernels walk their rows), shape (reps, n)."""
    hits = np.zeros((reps, n), dtype=np.bool_)
    at = next_success(rng, p) - 1
    for r in range(reps):
        while at < n:
            hits[r, at] = True
            at += next_success(rng, p)
        at -= n
    return hits


@pytest.mark.parametrize("p", [0.0, 0.003, 0.05, 0.3, 1.0])
def test_skipping_to_next_success_is_bernoulli_per_trial(rng: np.random.Generator, p: float) -> None:
    n = 50
    hits = _walk_successes(rng, n, p, REPS)  # one walk across repeats: the gap carries over, as across rows
    se = np.sqrt(p * (1 - p) / REPS)
    assert np.all(np.abs(hits.mean(0) - p) < 6 * se + 1e-12)
    sizes = hits.sum(1)
    assert abs(np.var(sizes) - n * p * (1 - p)) < 0.15 * n * p * (1 - p) + 1e-12  # independent trials


@njit
def _walk_events(rng: np.random.Generator, units: int, lam: float) -> np.ndarray:
    counts = np.zeros(units, dtype=np.int64)
    at = next_event(rng, lam)
    for u in range(units):
        while at < 1.0:
            counts[u] += 1
            at += next_event(rng, lam)
        at -= 1.0
    return counts


@pytest.mark.parametrize("lam", [0.0, 0.02, 0.5, 3.0])
def test_skipping_to_next_event_gives_poisson_counts_per_unit(rng: np.random.Generator, lam: float) -> None:
    counts = _walk_events(rng, 20 * REPS, lam)
    assert abs(counts.mean() - lam) < 6 * np.sqrt(lam / counts.size) + 1e-12
    assert abs(counts.var() - lam) < 0.1 * lam + 1e-12  # Poisson: variance = mean
    assert abs(np.corrcoef(counts[:-1], counts[1:])[0, 1] if lam else 0.0) < 0.03  # units independent
