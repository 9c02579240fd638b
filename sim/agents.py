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
import numpy as np

from sim.codes import IN_SK, RELATION_NAMES
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
    def household(self) -> Household:
        """The settler's household (a view: members, head, size, money)."""
        return Household(self.model, int(self.model.state.household_head[self.row]))

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


class Household:
    """A view of one household: the head's row and the rows whose ``household_head`` is it.

    Money (``cash``, ``debt``) is the household's, kept on the head's row; ``members`` are the Settler
    agents living in South Korea, head first.
    """

    def __init__(self, model: mesa.Model, head: int) -> None:
        self.model, self.head_row = model, int(head)

    @property
    def rows(self) -> np.ndarray:
        """Rows of the members in South Korea (head first), shape (size,)."""
        s = self.model.state
        rows = np.flatnonzero((s.household_head == self.head_row) & (s.status == IN_SK))
        return np.concatenate([rows[rows == self.head_row], rows[rows != self.head_row]])

    @property
    def members(self) -> list[Settler]:
        by_row = {a.row: a for a in self.model.agents}
        return [by_row[r] for r in self.rows if r in by_row]

    @property
    def head(self) -> Settler | None:
        return next((a for a in self.model.agents if a.row == self.head_row), None)

    @property
    def size(self) -> int:
        """Persons in South Korea, a partner without a row (South Korean or Chinese) included."""
        return int(self.rows.size + self.model.state.outside_partner[self.head_row])

    @property
    def cash(self) -> float:
        return float(self.model.state.cash[self.head_row])

    @property
    def debt(self) -> float:
        return float(self.model.state.debt[self.head_row])

    @property
    def income(self) -> float:
        """This month's income, the livelihood benefit included (10k KRW)."""
        return float(self.model.state.household_income[self.head_row])

    @property
    def receives_benefit(self) -> bool:
        return bool(self.model.state.benefit[self.head_row])

    def relations(self) -> list[str]:
        """Each member's relation to the head, in the order of ``rows``."""
        return [RELATION_NAMES[int(self.model.state.relation[r])] for r in self.rows]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Household) and other.model is self.model and other.head_row == self.head_row

    def __hash__(self) -> int:
        return hash((id(self.model), self.head_row))

    def __repr__(self) -> str:
        return f"Household(head_row={self.head_row}, size={self.size}, {', '.join(self.relations())})"


def _column_property(name: str, doc: str) -> property:
    def get(self: Settler) -> Any:
        return getattr(self.model.state, name)[self.row].item()

    def set_(self: Settler, value: Any) -> None:
        getattr(self.model.state, name)[self.row] = value

    return property(get, set_, doc=doc)


for _name, (_dtype, _initial, _doc) in COLUMNS.items():
    setattr(Settler, _name, _column_property(_name, _doc))
