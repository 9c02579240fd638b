"""What a trial can select on and measure: a settler's traits, as whole columns at a month.

Each trait is ``fn(state, t, p) -> array`` (shape (n,)) over every row, with ``flag`` True for yes/no
traits (shares, risk ratios) and False for scores and amounts (standardised mean differences).
Definitions follow ``sim.indicators`` (the same thresholds, the same "past year").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.codes import EMPLOYED, HANAWON, IN_SK, PAST_YEAR_MONTHS, REGULAR, UNEMPLOYED


@dataclass(frozen=True)
class Trait:
    fn: Callable[[Any, int, Any], np.ndarray]
    flag: bool
    meaning: str


def _column(name: str, meaning: str) -> Trait:
    return Trait(lambda s, t, p: getattr(s, name).astype(np.float64), False, meaning)


def _support_ties(s: Any) -> np.ndarray:
    return s.settler_ties + s.sk_ties + (s.mentor_left > 0) + ~s.lives_alone


TRAITS: dict[str, Trait] = {
    **{name: _column(name, meaning) for name, meaning in (
        ("depression", "depression score, 0-1"), ("ptsd", "PTSD score, 0-1"), ("loneliness", "loneliness score, 0-1"),
        ("money_stress", "money stress, 0-1"), ("trust", "trust in officials, 0-1"),
        ("sk_ties", "ties to South Koreans"), ("settler_ties", "ties to other settlers"), ("cash", "cash, 10k KRW"),
        ("debt", "debt, 10k KRW"), ("income", "income this month, 10k KRW"), ("wage", "wage, 10k KRW a month"),
        ("dialect", "Southern Korean proficiency, 0-1"), ("trauma", "trauma exposure, 0-1"),
        ("children", "dependent children"))},
    "age": Trait(lambda s, t, p: ((t - s.birth_month) // 12).astype(np.float64), False, "age in whole years"),
    "months_since_arrival": Trait(lambda s, t, p: (t - s.arrival_month).astype(np.float64), False,
                                  "months since arrival (Hanawon included)"),
    "settled": Trait(lambda s, t, p: (s.status == IN_SK) & (s.labour != HANAWON), True,
                     "in South Korea and past Hanawon"),
    "employed": Trait(lambda s, t, p: s.labour == EMPLOYED, True, "employed"),
    "unemployed": Trait(lambda s, t, p: s.labour == UNEMPLOYED, True, "unemployed (looking for work)"),
    "in_labour_force": Trait(lambda s, t, p: (s.labour == EMPLOYED) | (s.labour == UNEMPLOYED), True,
                             "employed or looking for work"),
    "regular_job": Trait(lambda s, t, p: (s.labour == EMPLOYED) & (s.job_type == REGULAR), True, "in a regular job"),
    "major_depression": Trait(lambda s, t, p: s.depression > p.depression_threshold, True, "current major depression"),
    "probable_ptsd": Trait(lambda s, t, p: s.ptsd > p.ptsd_threshold, True, "current probable PTSD"),
    "in_need": Trait(lambda s, t, p: (s.depression > p.depression_threshold) | (s.ptsd > p.ptsd_threshold), True,
                     "major depression or probable PTSD"),
    "no_one_to_ask": Trait(lambda s, t, p: _support_ties(s) == 0, True, "no one to ask for help when sick"),
    "receives_benefit": Trait(lambda s, t, p: s.benefit.copy(), True, "receives the livelihood benefit"),
    "satisfied": Trait(lambda s, t, p: s.satisfied.copy(), True, "satisfied with life"),
    "discriminated_past_year": Trait(lambda s, t, p: (t - s.last_discrimination) < PAST_YEAR_MONTHS, True,
                                     "discriminated against in the past 12 months"),
    "suicidal_impulse_past_year": Trait(lambda s, t, p: (t - s.last_ideation) < PAST_YEAR_MONTHS, True,
                                        "a suicidal impulse in the past 12 months"),
    "female": Trait(lambda s, t, p: s.female.copy(), True, "a woman"),
    "lone_parent": Trait(lambda s, t, p: s.lone_parent.copy(), True, "a lone parent"),
    "health_limit": Trait(lambda s, t, p: s.health_limit.copy(), True, "health limits work"),
    "credentials": Trait(lambda s, t, p: s.credentials.copy(), True, "holds a recognised certificate"),
    "mentored": Trait(lambda s, t, p: s.mentor_left > 0, True, "has a mentor now"),
    "in_counselling": Trait(lambda s, t, p: s.counselling_left > 0, True, "in a counselling course now"),
}


def evaluate(trait: str, state: Any, t: int, p: Any) -> np.ndarray:
    return TRAITS[trait].fn(state, t, p)
