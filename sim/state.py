"""Columnar state of all settlers: one numpy array per trait, one row per settler.

Mechanisms update whole columns at once; ``sim.agents.Settler`` reads and writes a single row.
Rows are allocated for every settler the run will ever hold (arrivals are known when the model
is built), so arrays never grow; a settler who has not arrived yet has ``status == PENDING``.

Codes are module constants (``IN_SK``, ``EMPLOYED``, ...) so mechanisms read like the ODD.
Money is in 10k KRW; times are month indices on the model clock (month 0 = first simulated
month); "never" is ``NEVER``.
"""

from __future__ import annotations

import numpy as np

# status: where the settler is
PENDING, IN_SK, ABROAD, LEFT, RETURNED_NORTH, UNKNOWN, DIED = range(7)
STATUS_NAMES = ("pending", "in_south_korea", "abroad_unconfirmed", "left_confirmed",
                "returned_north", "whereabouts_unknown", "died")

# labour: activity in the month
PRE_ARRIVAL, HANAWON, INACTIVE, UNEMPLOYED, EMPLOYED, TRAINING = range(6)
LABOUR_NAMES = ("pre_arrival", "hanawon", "inactive", "unemployed", "employed", "training")

# job type (when employed)
NO_JOB, REGULAR, TEMPORARY, DAY_LABOUR = range(4)
JOB_NAMES = ("none", "regular", "temporary", "day_labour")

# housing
NO_HOUSING, PUBLIC_RENTAL, PRIVATE_RENTAL = range(3)
HOUSING_NAMES = ("none", "public_rental", "private_rental")

# education in the North
PRIMARY, SECONDARY, TERTIARY = range(3)
EDUCATION_NAMES = ("primary_or_less", "secondary", "tertiary")

NEVER = -(10**6)  # a month index long before any run

# name -> (dtype, initial value, unit / meaning)
COLUMNS: dict[str, tuple[type, float, str]] = {
    # demographics and background
    "status": (np.int8, PENDING, "code: STATUS_NAMES"),
    "female": (np.bool_, False, "bool"),
    "birth_month": (np.int32, 0, "month index of birth"),
    "arrival_month": (np.int32, 0, "month index of arrival (start of Hanawon)"),
    "children": (np.int8, 0, "dependent children"),
    "lives_alone": (np.bool_, False, "bool: one-person household"),
    "lone_parent": (np.bool_, False, "bool: cares for dependent children without a partner"),
    "education": (np.int8, SECONDARY, "code: EDUCATION_NAMES"),
    "north_worker": (np.bool_, False, "bool: had an occupation in the North"),
    "credentials": (np.bool_, False, "bool: holds a certificate recognised in the South"),
    "dialect": (np.float32, 0.0, "Southern Korean proficiency, 0-1"),
    "health_limit": (np.bool_, False, "bool: health limits work"),
    "trauma": (np.float32, 0.0, "trauma exposure, 0-1"),
    "productivity": (np.float32, 0.0, "individual log wage effect"),
    "satisfaction_propensity": (np.float32, 0.0, "individual logit shift of life satisfaction"),
    # labour
    "labour": (np.int8, PRE_ARRIVAL, "code: LABOUR_NAMES"),
    "job_type": (np.int8, NO_JOB, "code: JOB_NAMES"),
    "wage": (np.float32, 0.0, "10k KRW per month"),
    "tenure": (np.int16, 0, "months in the current job"),
    "training_offered": (np.bool_, False, "bool"),
    "training_left": (np.int16, 0, "months of training left"),
    # money
    "cash": (np.float64, 0.0, "10k KRW"),
    "debt": (np.float64, 0.0, "10k KRW"),
    "savings": (np.float64, 0.0, "10k KRW, matched savings account"),
    "grant_left": (np.float64, 0.0, "10k KRW of grant still to be paid"),
    "grant_instalment": (np.float64, 0.0, "10k KRW per month"),
    "housing": (np.int8, NO_HOUSING, "code: HOUSING_NAMES"),
    "rent": (np.float32, 0.0, "10k KRW per month"),
    "income": (np.float32, 0.0, "10k KRW this month, all sources"),
    "benefit": (np.bool_, False, "bool: receives the livelihood benefit"),
    "money_stress": (np.float32, 0.0, "0-1"),
    # entitlements fixed at arrival by the policy then in force
    "incentive_per_month": (np.float32, 0.0, "10k KRW per month"),
    "incentive_until": (np.int32, NEVER, "month index"),
    "incentive_min_tenure": (np.int16, 0, "months"),
    "savings_match_max": (np.float32, 0.0, "10k KRW per month"),
    "savings_until": (np.int32, NEVER, "month index"),
    "protection_until": (np.int32, NEVER, "month index"),
    "medical_until": (np.int32, NEVER, "month index"),
    "stipend": (np.float32, 0.0, "10k KRW per month while training"),
    # mental health
    "depression": (np.float32, 0.0, "symptom score, 0-1"),
    "ptsd": (np.float32, 0.0, "symptom score, 0-1"),
    "depression_ever": (np.bool_, False, "bool: lifetime major depression"),
    "ptsd_ever": (np.bool_, False, "bool: lifetime PTSD"),
    "last_ideation": (np.int32, NEVER, "month index of last suicidal impulse"),
    "loneliness": (np.float32, 0.5, "0-1"),
    "satisfied": (np.bool_, False, "bool: satisfied with life"),
    # ties
    "settler_ties": (np.int16, 0, "ties to other settlers (from the edge list)"),
    "sk_ties": (np.int16, 0, "ties to South Koreans"),
    "mentor_left": (np.int16, 0, "months of mentorship left"),
    "last_discrimination": (np.int32, NEVER, "month index"),
    # support
    "hana_registered": (np.bool_, False, "bool"),
    "last_contact": (np.int32, NEVER, "month index of last caseworker contact"),
    "counselling_left": (np.int16, 0, "months of counselling left"),
    "trust": (np.float32, 0.5, "trust in officials, 0-1"),
    # exits
    "exit_month": (np.int32, NEVER, "month index of leaving the population"),
    "death_unclaimed": (np.bool_, False, "bool"),
    "suicide": (np.bool_, False, "bool: died by suicide"),
}


class State:
    """All settlers' traits as columns of length ``n``, plus the settler-settler tie list.

    Attributes are the names in ``COLUMNS``; ``tie_a``/``tie_b`` hold the endpoints of
    undirected ties (row indices), shape (n_ties,).
    """

    def __init__(self, n: int) -> None:
        self.n = int(n)
        for name, (dtype, initial, _) in COLUMNS.items():
            setattr(self, name, np.full(self.n, initial, dtype=dtype))
        # row indices as np.intp: numpy indexes with intp directly (int32 index arrays cost a conversion each use)
        self.tie_a = np.zeros(0, dtype=np.intp)
        self.tie_b = np.zeros(0, dtype=np.intp)

    # ---- derived views (cheap, computed where needed)
    def age_years(self, month: int) -> np.ndarray:
        """Age in whole years at ``month``, shape (n,)."""
        return (month - self.birth_month) // 12

    def present(self) -> np.ndarray:
        """Living in South Korea (arrived, not exited), shape (n,) bool."""
        return self.status == IN_SK

    def settled(self) -> np.ndarray:
        """In South Korea and past Hanawon."""
        return (self.status == IN_SK) & (self.labour != HANAWON)

    def add_ties(self, a: np.ndarray, b: np.ndarray) -> None:
        """Append undirected ties (self-ties dropped)."""
        keep = a != b
        self.tie_a = np.concatenate([self.tie_a, a[keep].astype(np.intp)])
        self.tie_b = np.concatenate([self.tie_b, b[keep].astype(np.intp)])

    def keep_ties(self, mask: np.ndarray) -> None:
        """Keep the ties where ``mask`` (shape (n_ties,)) holds."""
        if not mask.all():
            self.tie_a = self.tie_a[mask]
            self.tie_b = self.tie_b[mask]

    def count_ties(self) -> np.ndarray:
        """Ties per settler from the tie list, shape (n,)."""
        return (np.bincount(self.tie_a, minlength=self.n) + np.bincount(self.tie_b, minlength=self.n))

    def nbytes(self) -> int:
        return sum(getattr(self, c).nbytes for c in COLUMNS) + self.tie_a.nbytes + self.tie_b.nbytes
