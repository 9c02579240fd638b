"""Random numbers inside compiled kernels: xoshiro256** seeded from the mechanism's numpy stream.

Why not the ``numpy.random.Generator`` itself: numba can call it from a kernel, but each draw
goes through the bit generator's function pointer (about 8 ns a uniform on the 2 GHz machine
that measured it, against under 3 ns for the inlined generator here) and passing a Generator
into a kernel costs about 30 us a call. A month of 34,000 settlers makes several uniform draws
per settler, so this is about a tenth of a run.

Each kernel call gets ``bits = seed(rng)``: four 64-bit words taken from the mechanism's own
numpy stream of the month (``ResettlementModel._stream``), so the streams stay one per
(month, mechanism) and paired runs keep their common random numbers. The generator is
xoshiro256** (Blackman and Vigna 2018; also numpy-compatible in ``randomgen.Xoshiro256``,
against which ``tests/test_kernel_random.py`` checks the raw output bit for bit): 256 bits of
state, period 2**256 - 1, passes BigCrush; a month's draws are a negligible part of its period.

Samplers (all exact up to the 53-bit resolution of a uniform):

* ``uniform(bits)``: U[0, 1) from the top 53 bits;
* ``below(bits, n)``: an integer uniform on 0..n-1 (floor(u n); bias below n / 2**53);
* ``next_success(bits, p)``: trials up to and including the next success of Bernoulli(p)
  trials, Geometric(p) by inversion; a kernel that walks its rows jumps from success to
  success, so failed trials cost no draw (rare events);
* ``next_event(bits, lam)``: the gap to the next event of a rate-``lam`` Poisson process,
  Exponential by inversion; events falling in a unit interval are Poisson(lam).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

NO_SUCCESS = 2**62  # trials to the next success when p = 0 (never reached)
WORDS = 4  # 64-bit words of xoshiro256** state
TOP_53_BITS = 11  # shift keeping the 53 bits of a float64 mantissa
TWO_TO_MINUS_53 = 1.0 / 2**53

inline = njit(inline="always", error_model="numpy")  # inlined into each calling kernel (not cached on its own)


def seed(rng: np.random.Generator) -> np.ndarray:
    """A kernel's generator state: four raw 64-bit words of ``rng``, shape (4,) uint64 (never all zero)."""
    bits = rng.bit_generator.random_raw(WORDS).astype(np.uint64)
    if not bits.any():  # the one state xoshiro cannot leave (probability 2**-256)
        bits[0] = 1
    return bits


@inline
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@inline
def raw(bits):
    """The next 64-bit output of xoshiro256** (updates ``bits`` in place)."""
    s0, s1, s2, s3 = bits[0], bits[1], bits[2], bits[3]
    result = _rotl(s1 * uint64(5), 7) * uint64(9)
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    bits[0], bits[1], bits[2], bits[3] = s0, s1, s2, s3
    return result


@inline
def uniform(bits):
    """U[0, 1) with 53 random bits."""
    return np.float64(raw(bits) >> uint64(TOP_53_BITS)) * TWO_TO_MINUS_53


@inline
def below(bits, n):
    """An integer uniform on 0 .. n - 1 (n >= 1)."""
    return min(np.int64(uniform(bits) * n), n - 1)


@inline
def next_success(bits, p):
    """Trials up to and including the next success of Bernoulli(``p``) trials (``NO_SUCCESS`` if ``p`` <= 0)."""
    if p <= 0.0:
        return NO_SUCCESS
    if p >= 1.0:
        return 1
    # inversion: P(G > k) = (1 - p)^k; 1 - u is in (0, 1], so the log is finite
    return 1 + np.int64(min(np.log(1.0 - uniform(bits)) / np.log1p(-p), NO_SUCCESS))


@inline
def next_event(bits, lam):
    """Time to the next event of a Poisson process of rate ``lam`` per unit (infinite if ``lam`` <= 0)."""
    if lam <= 0.0:
        return np.inf
    return -np.log(1.0 - uniform(bits)) / lam


# ---- standard normal: the ziggurat of Marsaglia and Tsang (2000) with 256 layers, as numpy's
# random_standard_normal: one 64-bit draw decides about 99% of the values; the rest are drawn by
# rejection (wedges) or from the tail beyond ZIGGURAT_R. The tables follow from the two constants.
ZIGGURAT_LAYERS = 256
ZIGGURAT_R = 3.6541528853610088  # start of the tail
ZIGGURAT_AREA = 0.00492867323399  # area of each layer (and of the base strip with the tail)
MANTISSA = 2.0**52
LAYER_MASK = 0xFF
MANTISSA_MASK = 0x000FFFFFFFFFFFFF
LAYER_BITS = 8


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ki = np.zeros(ZIGGURAT_LAYERS, dtype=np.uint64)
    wi = np.zeros(ZIGGURAT_LAYERS)
    fi = np.zeros(ZIGGURAT_LAYERS)
    dn = tn = ZIGGURAT_R
    q = ZIGGURAT_AREA / np.exp(-0.5 * dn * dn)
    ki[0] = np.uint64(dn / q * MANTISSA)
    wi[0], wi[-1] = q / MANTISSA, dn / MANTISSA
    fi[0], fi[-1] = 1.0, np.exp(-0.5 * dn * dn)
    for i in range(ZIGGURAT_LAYERS - 2, 0, -1):
        dn = np.sqrt(-2 * np.log(ZIGGURAT_AREA / dn + np.exp(-0.5 * dn * dn)))
        ki[i + 1] = np.uint64(dn / tn * MANTISSA)
        tn = dn
        fi[i] = np.exp(-0.5 * dn * dn)
        wi[i] = dn / MANTISSA
    return ki, wi, fi


ZIGGURAT_K, ZIGGURAT_W, ZIGGURAT_F = _ziggurat_tables()


@inline
def standard_normal(bits):
    """N(0, 1)."""
    while True:
        r = raw(bits)
        layer = np.int64(r & uint64(LAYER_MASK))
        r >>= uint64(LAYER_BITS)
        negative = (r & uint64(1)) == uint64(1)
        rabs = (r >> uint64(1)) & uint64(MANTISSA_MASK)
        x = np.float64(rabs) * ZIGGURAT_W[layer]
        if negative:
            x = -x
        if rabs < ZIGGURAT_K[layer]:
            return x  # inside the layer's rectangle: most draws
        if layer == 0:  # the tail beyond ZIGGURAT_R, by Marsaglia's exponential rejection
            while True:
                xx = -np.log(1.0 - uniform(bits)) / ZIGGURAT_R
                yy = -np.log(1.0 - uniform(bits))
                if yy + yy > xx * xx:
                    return -(ZIGGURAT_R + xx) if (rabs >> uint64(LAYER_BITS)) & uint64(1) else ZIGGURAT_R + xx
        elif ((ZIGGURAT_F[layer - 1] - ZIGGURAT_F[layer]) * uniform(bits) + ZIGGURAT_F[layer]) < np.exp(-0.5 * x * x):
            return x  # in the wedge under the curve
