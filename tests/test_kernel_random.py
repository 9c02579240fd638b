"""Random numbers of the kernels (``sim.kernel_random``) and ``sim.draws``: exact streams, right distributions.

The generator is checked bit for bit against ``randomgen.Xoshiro256`` (xoshiro256**); samplers are
repeated many times with a fixed seed and their frequencies, means and variances compared with
exact values, with tolerances of 6 standard errors or more (a false alarm is then a
one-in-a-hundred-million event per check).
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from sim.draws import poisson_rows
from sim.kernel_random import NO_SUCCESS, ZIGGURAT_R, below, next_event, next_success, raw, seed, standard_normal, uniform

REPS = 4000


@njit
def _raw_stream(bits: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n, dtype=np.uint64)
    for k in range(n):
        out[k] = raw(bits)
    return out


@njit
def _uniforms(bits: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n)
    for k in range(n):
        out[k] = uniform(bits)
    return out


@njit
def _below(bits: np.ndarray, m: int, n: int) -> np.ndarray:
    out = np.empty(n, dtype=np.int64)
    for k in range(n):
        out[k] = below(bits, m)
    return out


def test_generator_is_xoshiro256starstar_bit_for_bit(rng: np.random.Generator) -> None:
    randomgen = pytest.importorskip("randomgen")
    bits = seed(rng)
    reference = randomgen.Xoshiro256()
    state = reference.state
    state["s"] = bits.copy()
    reference.state = state
    np.testing.assert_array_equal(_raw_stream(bits, 1000), reference.random_raw(1000))


def test_seed_takes_fresh_words_from_the_stream_and_is_never_all_zero(rng: np.random.Generator) -> None:
    a, b = seed(rng), seed(rng)
    assert a.dtype == np.uint64 and a.shape == (4,) and a.any()
    assert not np.array_equal(a, b)
    same = np.random.Generator(np.random.PCG64(7))
    assert np.array_equal(seed(same), seed(np.random.Generator(np.random.PCG64(7))))  # reproducible from a seed


def test_uniforms_are_uniform_and_independent(rng: np.random.Generator) -> None:
    u = _uniforms(seed(rng), 200_000)
    assert u.min() >= 0 and u.max() < 1
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = u.size / 20
    assert np.all(np.abs(counts - expected) < 6 * np.sqrt(expected))
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 6 / np.sqrt(u.size)


def test_below_covers_its_range_evenly(rng: np.random.Generator) -> None:
    x = _below(seed(rng), 7, 70_000)
    assert x.min() == 0 and x.max() == 6
    counts = np.bincount(x, minlength=7)
    assert np.all(np.abs(counts - 10_000) < 6 * np.sqrt(10_000))
    assert np.all(_below(seed(rng), 1, 100) == 0)


@njit
def _walk_successes(bits: np.ndarray, n: int, p: float, reps: int) -> np.ndarray:
    """Success flags of ``n`` trials per repeat, found by skipping as kernels walk their rows, shape (reps, n)."""
    hits = np.zeros((reps, n), dtype=np.bool_)
    at = next_success(bits, p) - 1
    for r in range(reps):
        while at < n:
            hits[r, at] = True
            at += next_success(bits, p)
        at -= n
    return hits


@pytest.mark.parametrize("p", [0.0, 0.003, 0.05, 0.3, 0.9, 1.0])
def test_skipping_to_next_success_is_bernoulli_per_trial(rng: np.random.Generator, p: float) -> None:
    n = 50
    hits = _walk_successes(seed(rng), n, p, REPS)  # one walk across repeats: the gap carries over, as across rows
    se = np.sqrt(p * (1 - p) / REPS)
    assert np.all(np.abs(hits.mean(0) - p) < 6 * se + 1e-12)
    sizes = hits.sum(1)
    assert abs(np.var(sizes) - n * p * (1 - p)) < 0.15 * n * p * (1 - p) + 1e-12  # independent trials


def test_next_success_never_overflows_for_tiny_probabilities(rng: np.random.Generator) -> None:
    bits = seed(rng)
    assert next_success(bits, 0.0) == NO_SUCCESS
    assert 1 <= next_success(bits, 1e-300) <= NO_SUCCESS + 1


@njit
def _walk_events(bits: np.ndarray, units: int, lam: float) -> np.ndarray:
    counts = np.zeros(units, dtype=np.int64)
    at = next_event(bits, lam)
    for u in range(units):
        while at < 1.0:
            counts[u] += 1
            at += next_event(bits, lam)
        at -= 1.0
    return counts


@pytest.mark.parametrize("lam", [0.0, 0.02, 0.5, 3.0])
def test_skipping_to_next_event_gives_poisson_counts_per_unit(rng: np.random.Generator, lam: float) -> None:
    counts = _walk_events(seed(rng), 20 * REPS, lam)
    assert abs(counts.mean() - lam) < 6 * np.sqrt(lam / counts.size) + 1e-12
    assert abs(counts.var() - lam) < 0.1 * lam + 1e-12  # Poisson: variance = mean
    if lam:
        assert abs(np.corrcoef(counts[:-1], counts[1:])[0, 1]) < 0.03  # units independent


def test_poisson_rows_have_poisson_counts_per_row(rng: np.random.Generator) -> None:
    flat = np.stack([np.bincount(poisson_rows(rng, 5, 0.2), minlength=5) for _ in range(REPS)])
    assert np.all(np.abs(flat.mean(0) - 0.2) < 6 * np.sqrt(0.2 / REPS))
    assert np.all(np.abs(flat.var(0) - 0.2) < 0.15 * 0.2)
    assert poisson_rows(rng, 0, 0.5).size == 0 and poisson_rows(rng, 10, 0.0).size == 0


@njit
def _normals(bits: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n)
    for k in range(n):
        out[k] = standard_normal(bits)
    return out


def test_standard_normal_has_the_normal_distribution_tails_included(rng: np.random.Generator) -> None:
    from scipy import stats

    z = _normals(seed(rng), 1_000_000)
    assert stats.kstest(z, "norm").pvalue > 1e-4
    assert abs(z.mean()) < 6 / np.sqrt(z.size) and abs(z.var() - 1) < 6 * np.sqrt(2 / z.size)
    assert abs(stats.skew(z)) < 0.02 and abs(stats.kurtosis(z)) < 0.04
    for edge in (1.0, 2.5, ZIGGURAT_R, 4.5):  # the rectangles, the wedges and the tail beyond ZIGGURAT_R
        p = 2 * stats.norm.sf(edge)
        share = np.mean(np.abs(z) > edge)
        assert abs(share - p) < 6 * np.sqrt(p * (1 - p) / z.size) + 1e-12, edge
    assert abs(np.mean(z > 0) - 0.5) < 6 * np.sqrt(0.25 / z.size)
