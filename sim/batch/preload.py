"""Imported once by a local pool's fork server, before it forks the workers.

It imports the sweep code and runs a tiny model, so the compiled kernels (``sim.jit``) are
loaded once in the fork server and every worker starts with them in memory instead of
loading them from the on-disk cache on its first run.
"""

from __future__ import annotations

import sim.batch.sweep  # noqa: F401  (imported for the workers)
from sim.model import ResettlementModel

WARM_SETTLERS, WARM_MONTHS = 20, 8  # past Hanawon, so every mechanism's kernel runs


def warm_kernels() -> None:
    """Run every mechanism's and the indicators' kernels once on a tiny cohort."""
    model = ResettlementModel(n_settlers=WARM_SETTLERS, months=WARM_MONTHS, rng=0, agent_views=False)
    while model.running:
        model.step()


warm_kernels()
