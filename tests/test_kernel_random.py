"""Random numbers of the kernels (``sim.kernel_random``) and ``sim.draws``: exact streams, right distributions.

The generator is checked bit for bit against a plain-Python SplitMix64 and its published first
output; samplers are repeated many times with a fixed seed and their frequencies, means and variances compared with
exact values, with tolerances of 6 standard errors or more (a false alarm is then a
one-in-a-hundred-million event per check).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.draws import by_cdf, cumulative_shares, poisson_rows
from sim.kernel_random import (
    GOLDEN_GAMMA,
    ZIGGURAT_K,
    ZIGGURAT_R,
    at,
    below,
    counter,
    raw,
    seed,
    standard_normal,
    uniform,
    uniform_at,
    uniform_nth,
    uniform_of,
    ziggurat_first,
)

REPS = 4000


def _started(rng: np.random.Generator) -> np.ndarray:
    """A counter at a random start (a kernel's key), for sampler tests that draw a long sequence."""
    ctr = counter()
    ctr[0] = seed(rng)
    return ctr


MASK = 2**64 - 1


def splitmix64(state: int, n: int) -> list[int]:
    """The reference algorithm (Steele, Lea and Flood 2014; Vigna's splitmix64.c), in plain Python."""
    out = []
    for _ in range(n):
        state = (state + GOLDEN_GAMMA) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


@njit
def _raw_stream(ctr: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n, dtype=np.uint64)
    for k in range(n):
        out[k] = raw(ctr)
    return out


@njit
def _block(key: np.uint64, row: int, slot: int, n: int) -> np.ndarray:
    ctr = np.zeros(1, dtype=np.uint64)
    at(ctr, key, row, slot)
    out = np.empty(n)
    for k in range(n):
        out[k] = uniform(ctr)
    return out


@njit
def _first_of_blocks(key: np.uint64, rows: int, slot: int) -> np.ndarray:
    ctr = np.zeros(1, dtype=np.uint64)
    return np.array([uniform_at(ctr, key, r, slot) for r in range(rows)])


def test_generator_is_splitmix64_bit_for_bit() -> None:
    assert splitmix64(0, 1) == [0xE220A8397B1DCDAF]  # the published first output for seed 0
    for start in (0, 12345, 2**63 + 7):
        ctr = counter()
        ctr[0] = start
        assert _raw_stream(ctr, 100).tolist() == splitmix64(start, 100)


def test_seed_is_a_word_of_the_stream_reproducible_from_a_seed(rng: np.random.Generator) -> None:
    a, b = seed(rng), seed(rng)
    assert isinstance(a, np.uint64) and a != b
    assert seed(np.random.Generator(np.random.PCG64(7))) == seed(np.random.Generator(np.random.PCG64(7)))


def test_blocks_are_independent_of_other_draws(rng: np.random.Generator) -> None:
    """A (row, slot) block gives the same numbers whatever else was drawn: the pairing of scenarios."""
    key = seed(rng)
    first = _block(key, 5, 3, 10)
    np.testing.assert_array_equal(first, _block(key, 5, 3, 10))
    assert _first_of_blocks(key, 10, 3)[5] == first[0]
    others = [_block(key, 5, 4, 10), _block(key, 6, 3, 10), _block(seed(rng), 5, 3, 10)]
    assert all(not np.intersect1d(first, o).size for o in others)
    # neighbouring blocks are uncorrelated: first draws of 200,000 consecutive rows
    u = _first_of_blocks(key, 200_000, 0)
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 6 / np.sqrt(u.size)
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    assert np.all(np.abs(counts - u.size / 20) < 6 * np.sqrt(u.size / 20))


@njit
def _nth_of_block(key: np.uint64, row: int, slot: int, n: int) -> np.ndarray:
    return np.array([uniform_nth(key, row, slot, k) for k in range(n)])


@njit
def _normals_and_first_steps(key: np.uint64, rows: int, slot: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ctr = np.zeros(1, dtype=np.uint64)
    normal, first, inside = np.empty(rows), np.empty(rows), np.empty(rows, dtype=np.bool_)
    for r in range(rows):
        at(ctr, key, r, slot)
        normal[r] = standard_normal(ctr)
        layer, rabs, first[r] = ziggurat_first(key, r, slot)
        inside[r] = rabs < ZIGGURAT_K[layer]
    return normal, first, inside


def test_draws_by_their_place_in_a_block_are_the_counter_draws(rng: np.random.Generator) -> None:
    """``uniform_nth`` / ``uniform_of`` (pure functions, for loops without branches) give the counter's numbers, in
    compiled code and in Python (the per-agent path); ``ziggurat_first`` gives ``standard_normal``'s value whenever
    the first draw falls in its layer's rectangle (98.5% of draws); outside it, the draw may be rejected."""
    key = seed(rng)
    for row, slot in ((0, 0), (7, 3), (2**30, 31)):
        block = _block(key, row, slot, 12)
        np.testing.assert_array_equal(_nth_of_block(key, row, slot, 12), block)
        assert [uniform_nth.py_func(key, row, slot, k) for k in range(3)] == block[:3].tolist()
        assert uniform_of(key, row, slot) == block[0]
    normal, first, inside = _normals_and_first_steps(key, 100_000, 2)
    accepted = (ZIGGURAT_K / 2.0**52).mean()  # each layer equally likely, the magnitude uniform: 98.5%
    assert abs(inside.mean() - accepted) < 6 * np.sqrt(accepted * (1 - accepted) / inside.size)
    np.testing.assert_array_equal(first[inside], normal[inside])
    assert (normal[~inside] != first[~inside]).mean() > 0.1  # outside, the wedge test may reject the first draw


def test_uniforms_in_a_block_are_uniform_and_independent(rng: np.random.Generator) -> None:
    u = _block(seed(rng), 3, 1, 200_000)
    assert u.min() >= 0 and u.max() < 1
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = u.size / 20
    assert np.all(np.abs(counts - expected) < 6 * np.sqrt(expected))
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 6 / np.sqrt(u.size)


@njit
def _below(ctr: np.ndarray, m: int, n: int) -> np.ndarray:
    out = np.empty(n, dtype=np.int64)
    for k in range(n):
        out[k] = below(ctr, m)
    return out


def test_below_covers_its_range_evenly() -> None:
    x = _below(counter(), 7, 70_000)
    assert x.min() == 0 and x.max() == 6
    counts = np.bincount(x, minlength=7)
    assert np.all(np.abs(counts - 10_000) < 6 * np.sqrt(10_000))
    assert np.all(_below(counter(), 1, 100) == 0)


def test_poisson_rows_have_poisson_counts_per_row(rng: np.random.Generator) -> None:
    flat = np.stack([np.bincount(poisson_rows(rng, 5, 0.2), minlength=5) for _ in range(REPS)])
    assert np.all(np.abs(flat.mean(0) - 0.2) < 6 * np.sqrt(0.2 / REPS))
    assert np.all(np.abs(flat.var(0) - 0.2) < 0.15 * 0.2)
    assert poisson_rows(rng, 0, 0.5).size == 0 and poisson_rows(rng, 10, 0.0).size == 0


def test_by_cdf_draws_the_numbers_of_numpy_choice() -> None:
    """``by_cdf`` on the ``cumulative_shares`` gives numpy's ``choice`` draws, number for number (the arriving
    relatives' education and occupation were drawn with ``choice`` before)."""
    shares = np.array([0.17, 0.44, 0.08, 0.3, 0.01])
    ours = by_cdf(np.random.default_rng(5), cumulative_shares(shares), 10_000)
    numpy_choice = np.random.default_rng(5).choice(shares.size, size=10_000, p=shares / shares.sum())
    np.testing.assert_array_equal(ours, numpy_choice)


@njit
def _normals(ctr: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n)
    for k in range(n):
        out[k] = standard_normal(ctr)
    return out


def test_standard_normal_has_the_normal_distribution_tails_included(rng: np.random.Generator) -> None:
    from scipy import stats

    z = _normals(_started(rng), 1_000_000)
    assert stats.kstest(z, "norm").pvalue > 1e-4
    assert abs(z.mean()) < 6 / np.sqrt(z.size) and abs(z.var() - 1) < 6 * np.sqrt(2 / z.size)
    assert abs(stats.skew(z)) < 0.02 and abs(stats.kurtosis(z)) < 0.04
    for edge in (1.0, 2.5, ZIGGURAT_R, 4.5):  # the rectangles, the wedges and the tail beyond ZIGGURAT_R
        p = 2 * stats.norm.sf(edge)
        share = np.mean(np.abs(z) > edge)
        assert abs(share - p) < 6 * np.sqrt(p * (1 - p) / z.size) + 1e-12, edge
    assert abs(np.mean(z > 0) - 0.5) < 6 * np.sqrt(0.25 / z.size)
