"""The monthly mechanisms, one module each, run in this order.

Each module has ``step(state, params, rng, clock)``, updates all settlers at once and
states its assumptions and sources in its docstring.
"""

from sim.mechanisms import arrival, exits, labour, mental_health, money, support, ties

MECHANISMS = (arrival, labour, money, ties, mental_health, support, exits)

__all__ = ["MECHANISMS", "arrival", "exits", "labour", "mental_health", "money", "support", "ties"]
