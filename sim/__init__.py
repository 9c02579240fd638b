"""resettle: an agent-based simulator of North Korean settlers' resettlement in South Korea."""

import sim.jit  # noqa: F401  (first: it sets how numba compiles, which numba reads at the first kernel defined)
from sim.agents import Settler
from sim.batch.compare import compare
from sim.batch.runner import run_scenario
from sim.batch.sweep import sweep
from sim.model import ResettlementModel
from sim.params import Parameters

__version__ = "0.1.0"

__all__ = ["Parameters", "ResettlementModel", "Settler", "__version__", "compare", "run_scenario", "sweep"]
