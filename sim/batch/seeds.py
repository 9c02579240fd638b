"""Seeds for replicates: replicate i of any scenario run with seed S gets the same stream.

That is what makes scenario comparisons paired (common random numbers) and results
independent of the number of workers or replicates.
"""

from __future__ import annotations

import numpy as np


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """One 63-bit seed per replicate, from ``numpy.random.SeedSequence(seed).spawn``."""
    children = np.random.SeedSequence(seed).spawn(replicates)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
