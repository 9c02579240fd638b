"""Settler: a Mesa agent that is a view of one row of the model's columns.

Reading ``settler.cash`` reads ``model.state.cash[settler.row]``; assigning writes it back, so
a user can inspect and script single settlers the Mesa way while the mechanisms update all
rows at once. Every column of ``sim.state.COLUMNS`` is a property.

>>> s = model.agents.select(lambda a: a.female)[0]   # doctest: +SKIP
>>> s.cash += 100                                     # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import mesa

from sim.state import COLUMNS, LABOUR_NAMES, STATUS_NAMES


class Settler(mesa.Agent):
    """One settler. ``row`` is the settler's index in the model's columns."""

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    @property
    def age(self) -> int:
        """Age in whole years at the current month."""
        return int((self.model.clock.month - self.model.state.birth_month[self.row]) // 12)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[int(self.model.state.status[self.row])]

    @property
    def labour_name(self) -> str:
        return LABOUR_NAMES[int(self.model.state.labour[self.row])]

    def apply(self, rule: Any, *args: Any) -> None:
        """Apply a per-settler rule to this settler: ``rule(row, key, s, p, m, ctr)`` in Python.

        The per-agent path (``ResettlementModel.step_agents``) calls each mechanism's rules this way,
        the same functions the compiled kernels call for every row.
        """
        rule(self.row, *args)

    def __repr__(self) -> str:
        return f"Settler(id={self.unique_id}, row={self.row}, {self.status_name}, {self.labour_name})"


def _column_property(name: str, doc: str) -> property:
    def get(self: Settler) -> Any:
        return getattr(self.model.state, name)[self.row].item()

    def set_(self: Settler, value: Any) -> None:
        getattr(self.model.state, name)[self.row] = value

    return property(get, set_, doc=doc)


for _name, (_dtype, _initial, _doc) in COLUMNS.items():
    setattr(Settler, _name, _column_property(_name, _doc))
