"""Money: income, living costs, the livelihood benefit, savings, debt and money stress.

Assumptions and sources:

* Income this month = wage (employed) + grant instalment + employment incentive (employed
  at least ``incentive_min_tenure`` months in the current job, within the incentive years;
  policy_history.csv 2022) + training stipend + livelihood benefit.
* Matched savings (policy_history.csv 2014): employed settlers within the account years save
  up to the match cap from their wage and the state matches 1:1; the account is locked and
  paid out when it ends.
* Livelihood benefit (National Basic Livelihood Security): paid as the gap between the
  standard (``livelihood_standard_10k_krw``, scaled for children) and earnings, to settlers
  who cannot be expected to work (health limit, 65+, single carers of children) and to all
  in their first ``benefit_grace_months`` after Hanawon (2005 rule); take-up is not automatic.
* Costs = living cost + children + rent + health costs once medical cover ends.
* A shortfall is borrowed (debt); a share of cash goes to repay debt (broker debts too).
* Money stress = 1 - (cash - debt) / (``stress_buffer_months`` x monthly costs), in [0, 1]:
  it drives job urgency, depression and satisfaction (FORUM-ASIA 2008: the cut left settlers
  with too little to live on).
"""

from __future__ import annotations

import numpy as np

from sim.clock import Clock
from sim.mechanisms.arrival import hanawon_months
from sim.params import Parameters
from sim.state import EMPLOYED, HANAWON, IN_SK, TRAINING, State

PENSION_AGE = 65  # age from which the welfare system does not expect work (Korean basic pension age)
SINGLE_CARER_MAX_AGE = 50  # assumption: carers of dependent children are below this age


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    idx = np.flatnonzero((s.status == IN_SK) & (s.labour != HANAWON))
    if idx.size == 0:
        return
    labour = s.labour[idx]
    employed = labour == EMPLOYED
    wage = s.wage[idx] * employed  # x flag: "value if flag else 0" without branches

    instalment = np.minimum(s.grant_instalment[idx], s.grant_left[idx])
    s.grant_left[idx] -= instalment

    incentive = s.incentive_per_month[idx] * (employed & (s.tenure[idx] >= s.incentive_min_tenure[idx])
                                              & (t < s.incentive_until[idx]))
    stipend = s.stipend[idx] * (labour == TRAINING)

    savings_until = s.savings_until[idx]
    in_account = employed & (t < savings_until)
    saved = np.minimum(s.savings_match_max[idx], p.savings_rate_of_wage * wage) * in_account
    savings = s.savings[idx] + 2 * saved
    released = savings * ((t == savings_until) & (savings > 0))
    s.savings[idx] = savings - released

    age_months = t - s.birth_month[idx]  # age >= A years  <=>  age_months >= 12 A
    children = s.children[idx]
    health_limit = s.health_limit[idx]
    standard = p.livelihood_standard_10k_krw * (1 + p.benefit_child_weight * children)
    months_settled = t - s.arrival_month[idx]
    not_expected_to_work = (health_limit | (age_months >= 12 * PENSION_AGE)
                            | ((children > 0) & s.lives_alone[idx] & (age_months < 12 * SINGLE_CARER_MAX_AGE)))
    grace = months_settled < p.benefit_grace_months + hanawon_months(p)
    eligible = (wage < standard) & (not_expected_to_work | grace)
    receiving = eligible & s.benefit[idx]
    new = np.flatnonzero(eligible & ~receiving)  # take-up drawn only where it matters
    receiving[new[rng.random(new.size) < p.benefit_takeup]] = True
    s.benefit[idx] = receiving
    benefit = (standard - wage) * receiving

    income = wage + instalment + incentive + stipend + benefit + released
    medical_gap = health_limit & (t >= s.medical_until[idx])
    costs = (p.living_cost_10k_krw + p.child_cost_10k_krw * children + s.rent[idx]
             + p.health_cost_10k_krw * medical_gap)
    cash = s.cash[idx] + income - costs - saved
    borrowed = np.maximum(0.0, -cash)
    cash = np.maximum(cash, 0.0)
    debt = s.debt[idx] + borrowed
    repay = np.minimum(debt, p.debt_repayment_share * cash)
    cash -= repay
    debt -= repay
    s.cash[idx] = cash
    s.debt[idx] = debt
    s.income[idx] = income
    s.money_stress[idx] = np.clip(1 - (cash - debt) / (p.stress_buffer_months * costs), 0, 1)
