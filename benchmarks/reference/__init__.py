"""A plain per-agent Mesa implementation of the engine's monthly rules (the readable specification).

``ReferenceModel`` runs the same mechanisms as ``sim.model.ResettlementModel`` with one Python
object per settler, scalar random draws and ``model.agents.shuffle_do(...)``; it is the
baseline of ``make bench`` and the other side of ``tests/test_equivalence.py``.
"""

from benchmarks.reference.model import HEADLINE, ReferenceModel, ReferenceSettler

__all__ = ["HEADLINE", "ReferenceModel", "ReferenceSettler"]
