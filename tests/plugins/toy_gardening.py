"""A toy mechanism added from outside the package (``tests/test_seam.py``): settled settlers take up gardening.

Assumptions and sources:

* A settled settler who does not garden starts with probability ``gardening_rate`` a month and keeps on
  (a test's toy: no source).
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from sim import engine
from sim.codes import HANAWON, IN_SK
from sim.declare import Column, Indicator, Mechanism, Slots, behaviour, quantity, rule
from sim.indicators import survey
from sim.kernel_random import uniform_at


class Slot(Slots):
    START = 0


@quantity(reads=("gardener",))
def keeps_a_garden(i, s, t, p):
    return s.gardener[i]


DECLARATION = Mechanism(
    name="gardening",
    owns=(Column("gardener", np.bool_, False, "bool: keeps a garden"),),
    reads=("status", "labour"),
    writes=("gardener",),
    params=(behaviour("gardening_rate", 0.05, "per month", 0, 1, "assumption: a test's toy", rate="probability"),),
    slots=Slot,
    after="ties",
    indicators=(Indicator("gardeners", "Gardeners", "percent", "share", keeps_a_garden, survey,
                          "keeps a garden / survey population", better="higher"),),
)
step = engine.stepper(DECLARATION)
Month = collections.namedtuple("Month", ["t"])


def month(run: engine.Run, s: Any, p: Any, clock: Any) -> None:
    run.each(settler_month, s, p, Month(clock.month))


@rule
def settler_month(i, key, s, p, m, ctr):
    if s.status[i] == IN_SK and s.labour[i] != HANAWON and not s.gardener[i]:
        s.gardener[i] = uniform_at(ctr, key, i, Slot.START) < p.gardening_rate
