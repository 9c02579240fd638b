"""Money: income, living costs, the livelihood benefit, savings, debt and money stress.

Assumptions and sources:

* Only settlers past Hanawon and at least ``school_leaving_age`` have a budget: younger ones are
  dependants, whose costs are the carers' ``child_cost_10k_krw`` (assumption).
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
from sim.rows import Rows
from sim.state import EMPLOYED, HANAWON, IN_SK, TRAINING, State

PENSION_AGE = 65  # age from which the welfare system does not expect work (Korean basic pension age)
SINGLE_CARER_MAX_AGE = 50  # assumption: carers of dependent children are below this age


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    # dependants (below school_leaving_age) have no budget of their own: their costs are the carers' child costs
    rows = Rows((s.status == IN_SK) & (s.labour != HANAWON) & (s.birth_month <= t - 12 * int(p.school_leaving_age)))
    if rows.count == 0:
        return
    of = rows.of  # values at the rows (never modified in place)
    labour = of(s.labour)
    employed = labour == EMPLOYED
    wage = of(s.wage) * employed  # x flag: "value if flag else 0" without branches

    grant_left = of(s.grant_left)
    instalment = np.minimum(of(s.grant_instalment), grant_left)
    rows.put(s.grant_left, grant_left - instalment)

    incentive = of(s.incentive_per_month) * (employed & (of(s.tenure) >= of(s.incentive_min_tenure))
                                             & (t < of(s.incentive_until)))
    stipend = of(s.stipend) * (labour == TRAINING)

    savings_until = of(s.savings_until)
    in_account = employed & (t < savings_until)
    saved = np.minimum(of(s.savings_match_max), p.savings_rate_of_wage * wage) * in_account
    savings = of(s.savings) + 2 * saved
    released = savings * ((t == savings_until) & (savings > 0))
    rows.put(s.savings, savings - released)

    age_months = t - of(s.birth_month)  # age >= A years  <=>  age_months >= 12 A
    children = of(s.children)
    health_limit = of(s.health_limit)
    standard = p.livelihood_standard_10k_krw * (1 + p.benefit_child_weight * children)
    months_settled = t - of(s.arrival_month)
    not_expected_to_work = (health_limit | (age_months >= 12 * PENSION_AGE)
                            | (of(s.lone_parent) & (age_months < 12 * SINGLE_CARER_MAX_AGE)))
    grace = months_settled < p.benefit_grace_months + hanawon_months(p)
    eligible = (wage < standard) & (not_expected_to_work | grace)
    receiving = eligible & of(s.benefit)
    new = rows.where(eligible & ~receiving)  # take-up drawn only where it matters
    receiving[new[rng.random(new.size) < p.benefit_takeup]] = True
    rows.put(s.benefit, receiving)
    benefit = (standard - wage) * receiving

    income = wage + instalment + incentive + stipend + benefit + released
    medical_gap = health_limit & (t >= of(s.medical_until))
    costs = (p.living_cost_10k_krw + p.child_cost_10k_krw * children + of(s.rent)
             + p.health_cost_10k_krw * medical_gap)
    cash = of(s.cash) + income - costs - saved
    borrowed = np.maximum(0.0, -cash)
    cash = np.maximum(cash, 0.0)
    debt = of(s.debt) + borrowed
    repay = np.minimum(debt, p.debt_repayment_share * cash)
    cash -= repay
    debt -= repay
    rows.put(s.cash, cash)
    rows.put(s.debt, debt)
    rows.put(s.income, income)
    rows.put(s.money_stress, np.clip(1 - (cash - debt) / (p.stress_buffer_months * costs), 0, 1))
