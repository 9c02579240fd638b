"""Random numbers inside compiled kernels: counter-based, one stream per settler and pass.

Each kernel call gets a ``key`` (``seed(rng)``: a 64-bit word of the mechanism's own numpy
stream of the month, ``ResettlementModel._stream``). Every kind of draw a kernel makes for a
settler (a job offer, a separation, the depression noise...) has a slot, a small constant of
the mechanism, and its own block of counter values: ``uniform_at(ctr, key, row, slot)``, or
``at(ctr, key, row, slot)`` and then as many ``uniform(ctr)`` as that draw needs. A draw is
SplitMix64's output for the next counter value: the mixing function of Steele, Lea and Flood
(2014), as in Java's ``SplittableRandom``, applied to ``key + k * GOLDEN_GAMMA`` where k packs
(row, slot, draw number). So a settler's draw depends only on the key, its row and the slot,
**not on what other settlers did, nor on its own other draws**: two scenarios that differ for
some settlers still give every other settler, and every other decision, the same numbers
(common random numbers stay paired settler by settler and event by event).

Why not the ``numpy.random.Generator`` itself: numba can call it from a kernel, but each draw
goes through the bit generator's function pointer (about 8 ns a uniform on the 2 GHz machine
that measured it, against about 2 ns here), passing a Generator into a kernel costs about
30 us a call, and one sequential stream per kernel would tie each settler's draws to the
branches taken by the settlers before it.

Samplers (all exact up to the 53-bit resolution of a uniform):

* ``uniform(ctr)``: U[0, 1) from the top 53 bits; ``below(ctr, n)``: an integer uniform on
  0..n-1 (floor(u n); bias below n / 2**53);
* ``standard_normal(ctr)``: the ziggurat (below).

For loops without branches (vector instructions), the same numbers as pure functions of their place
in a block: ``uniform_of`` (a block's first uniform), ``uniform_nth`` / ``raw_nth`` (its k-th), and
``ziggurat_first`` (the ziggurat's step on the block's first draw, which decides 98.5% of normals; a
pass takes those and leaves the rest to ``standard_normal``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

GOLDEN_GAMMA = 0x9E3779B97F4A7C15  # SplitMix64's increment (odd; 2**64 / golden ratio)
MIX_1, MIX_2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # SplitMix64's multipliers (Stafford's mix 13)
SHIFT_1, SHIFT_2, SHIFT_3 = 30, 27, 31
DRAW_BITS = 24  # up to 2**24 draws per settler and pass
SLOT_BITS = 5  # up to 32 kinds of draw (slots) per settler and kernel call, each with its own block
TOP_53_BITS = 11  # shift keeping the 53 bits of a float64 mantissa
TWO_TO_MINUS_53 = 1.0 / 2**53

inline = njit(inline="always", error_model="numpy")  # inlined into each calling kernel (not cached on its own)


def seed(rng: np.random.Generator) -> np.uint64:
    """A kernel call's key: one raw 64-bit word of the mechanism's stream."""
    return np.uint64(rng.bit_generator.random_raw())


@inline
def counter():
    """A fresh counter, shape (1,) uint64: where a kernel's draws are taken from (``at`` positions it)."""
    return np.zeros(1, dtype=np.uint64)


@inline
def at(ctr, key, row, slot):
    """Point ``ctr`` at the block of draws of kind ``slot`` for ``row`` (a settler, or another non-negative id)."""
    ctr[0] = key + uint64(((np.int64(row) << SLOT_BITS) | slot) << DRAW_BITS) * uint64(GOLDEN_GAMMA)


@inline
def uniform_at(ctr, key, row, slot):
    """The first uniform of the block of (``row``, ``slot``): a draw that no other draw can shift."""
    at(ctr, key, row, slot)
    return uniform(ctr)


@inline
def uniform_of(key, row, slot):
    """``uniform_at``'s value without a counter: a pure function of (key, row, slot), so a loop without branches
    that calls it can run on vector instructions (the same number as ``uniform_at(ctr, key, row, slot)``)."""
    z = key + uint64(((np.int64(row) << SLOT_BITS) | slot) << DRAW_BITS) * uint64(GOLDEN_GAMMA) + uint64(GOLDEN_GAMMA)
    return np.float64(mix(z) >> uint64(TOP_53_BITS)) * TWO_TO_MINUS_53


@inline
def raw_nth(key, row, slot, k):
    """The ``k``-th 64-bit draw (from 0) of the block of (``row``, ``slot``) without a counter: what the ``k + 1``-th
    ``raw(ctr)`` after ``at(ctr, key, row, slot)`` gives, as a pure function (for loops without branches that take
    a fixed number of a block's draws)."""
    return mix(key + uint64(((np.int64(row) << SLOT_BITS) | slot) << DRAW_BITS) * uint64(GOLDEN_GAMMA)
               + uint64(k + 1) * uint64(GOLDEN_GAMMA))


@inline
def uniform_nth(key, row, slot, k):
    """The ``k``-th uniform (from 0) of the block of (``row``, ``slot``): ``raw_nth`` as ``uniform`` makes it."""
    return np.float64(raw_nth(key, row, slot, k) >> uint64(TOP_53_BITS)) * TWO_TO_MINUS_53


@inline
def mix(z):
    """SplitMix64's output function: a bijective hash of a 64-bit word."""
    z = (z ^ (z >> uint64(SHIFT_1))) * uint64(MIX_1)
    z = (z ^ (z >> uint64(SHIFT_2))) * uint64(MIX_2)
    return z ^ (z >> uint64(SHIFT_3))


@inline
def raw(ctr):
    """The next 64-bit output of the counter's SplitMix64 sequence (advances ``ctr``)."""
    ctr[0] += uint64(GOLDEN_GAMMA)
    return mix(ctr[0])


@inline
def uniform(ctr):
    """U[0, 1) with 53 random bits."""
    return np.float64(raw(ctr) >> uint64(TOP_53_BITS)) * TWO_TO_MINUS_53


@inline
def below(ctr, n):
    """An integer uniform on 0 .. n - 1 (n >= 1)."""
    return min(np.int64(uniform(ctr) * n), n - 1)


# ---- standard normal: the ziggurat of Marsaglia and Tsang (2000) with 256 layers, as numpy's
# random_standard_normal: one 64-bit draw decides 98.5% of the values; the rest are drawn by
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
def ziggurat_step(r):
    """The ziggurat's use of one 64-bit draw ``r``: its layer, the magnitude ``rabs`` and the candidate ``x``. The
    draw is accepted as is when ``rabs < ZIGGURAT_K[layer]`` (inside the layer's rectangle: 98.5% of draws).
    Without branches, so that a loop taking one draw per row can run on vector instructions."""
    layer = np.int64(r & uint64(LAYER_MASK))
    r >>= uint64(LAYER_BITS)
    negative = (r & uint64(1)) == uint64(1)
    rabs = (r >> uint64(1)) & uint64(MANTISSA_MASK)
    x = np.float64(rabs) * ZIGGURAT_W[layer]
    return layer, rabs, -x if negative else x


@inline
def ziggurat_first(key, row, slot):
    """``ziggurat_step`` on the first draw of the block of (``row``, ``slot``): ``standard_normal``'s first step
    after ``at(ctr, key, row, slot)``, as a pure function (one call, so that a rule run in Python never holds the
    64-bit draw, which Python would take for a signed integer)."""
    return ziggurat_step(raw_nth(key, row, slot, 0))


@inline
def standard_normal(ctr):
    """N(0, 1)."""
    while True:
        layer, rabs, x = ziggurat_step(raw(ctr))
        if rabs < ZIGGURAT_K[layer]:
            return x  # inside the layer's rectangle: most draws
        if layer == 0:  # the tail beyond ZIGGURAT_R, by Marsaglia's exponential rejection
            while True:
                xx = -np.log(1.0 - uniform(ctr)) / ZIGGURAT_R
                yy = -np.log(1.0 - uniform(ctr))
                if yy + yy > xx * xx:
                    return -(ZIGGURAT_R + xx) if (rabs >> uint64(LAYER_BITS)) & uint64(1) else ZIGGURAT_R + xx
        elif ((ZIGGURAT_F[layer - 1] - ZIGGURAT_F[layer]) * uniform(ctr) + ZIGGURAT_F[layer]) < np.exp(-0.5 * x * x):
            return x  # in the wedge under the curve
