"""resettle: an agent-based simulator of North Korean settlers' resettlement in South Korea."""

from sim.agents import Settler
from sim.model import ResettlementModel
from sim.params import Parameters

__version__ = "0.1.0"

__all__ = ["Parameters", "ResettlementModel", "Settler", "__version__"]
