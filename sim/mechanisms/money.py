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
from sim.jit import kernel
from sim.kernel_random import at, seed, uniform
from sim.mechanisms.arrival import hanawon_months
from sim.params import Parameters
from sim.state import EMPLOYED, HANAWON, IN_SK, TRAINING, State

PENSION_AGE = 65  # age from which the welfare system does not expect work (Korean basic pension age)
SINGLE_CARER_MAX_AGE = 50  # assumption: carers of dependent children are below this age


def step(s: State, p: Parameters, rng: np.random.Generator, clock: Clock) -> None:
    t = clock.month
    _month(seed(rng), t, t - 12 * int(p.school_leaving_age), s.status, s.labour, s.birth_month, s.arrival_month,
           s.children, s.health_limit, s.lone_parent, s.tenure, s.wage, s.stipend, s.rent,
           s.grant_left, s.grant_instalment, s.incentive_per_month, s.incentive_min_tenure, s.incentive_until,
           s.savings, s.savings_until, s.savings_match_max, s.medical_until,
           s.benefit, s.cash, s.debt, s.income, s.money_stress,
           p.savings_rate_of_wage, p.livelihood_standard_10k_krw, p.benefit_child_weight, p.benefit_takeup,
           p.benefit_grace_months + hanawon_months(p), p.living_cost_10k_krw, p.child_cost_10k_krw,
           p.health_cost_10k_krw, p.debt_repayment_share, p.stress_buffer_months)


@kernel
def _month(key, t, born_by, status, labour, birth_month, arrival_month,
           children, health_limit, lone_parent, tenure, wage_col, stipend_col, rent,
           grant_left, grant_instalment, incentive_per_month, incentive_min_tenure, incentive_until,
           savings, savings_until, savings_match_max, medical_until,
           benefit, cash_col, debt_col, income_col, stress_col,
           savings_rate, standard_base, child_weight, takeup,
           grace_months, living_cost, child_cost,
           health_cost, repayment_share, buffer_months):
    """One month of money for every settler past Hanawon born by ``born_by`` (dependants have no budget)."""
    ctr = np.zeros(1, dtype=np.uint64)
    for i in range(status.size):
        if status[i] != IN_SK or labour[i] == HANAWON or birth_month[i] > born_by:
            continue
        employed = labour[i] == EMPLOYED
        wage = np.float64(wage_col[i]) * employed

        instalment = min(grant_instalment[i], grant_left[i])
        grant_left[i] -= instalment
        incentive = incentive_per_month[i] * (employed & (tenure[i] >= incentive_min_tenure[i])
                                              & (t < incentive_until[i]))
        stipend = stipend_col[i] * (labour[i] == TRAINING)

        saved = min(np.float64(savings_match_max[i]), savings_rate * wage) * (employed & (t < savings_until[i]))
        account = savings[i] + 2 * saved
        released = account * ((t == savings_until[i]) & (account > 0))
        savings[i] = account - released

        age_months = t - birth_month[i]  # age >= A years  <=>  age_months >= 12 A
        standard = standard_base * (1 + child_weight * children[i])
        not_expected_to_work = (health_limit[i] | (age_months >= 12 * PENSION_AGE)
                                | (lone_parent[i] & (age_months < 12 * SINGLE_CARER_MAX_AGE)))
        grace = t - arrival_month[i] < grace_months
        eligible = (wage < standard) & (not_expected_to_work | grace)
        receiving = eligible & benefit[i]
        if eligible and not receiving:  # take-up drawn only for the newly eligible
            at(ctr, key, i, 0)
            receiving = uniform(ctr) < takeup
        benefit[i] = receiving
        income = wage + instalment + incentive + stipend + (standard - wage) * receiving + released

        medical_gap = health_limit[i] & (t >= medical_until[i])
        costs = living_cost + child_cost * children[i] + rent[i] + health_cost * medical_gap
        cash = cash_col[i] + income - costs - saved
        debt = debt_col[i] + max(0.0, -cash)  # a shortfall is borrowed
        cash = max(cash, 0.0)
        repay = min(debt, repayment_share * cash)
        cash_col[i] = cash - repay
        debt_col[i] = debt - repay
        income_col[i] = income
        stress_col[i] = min(1.0, max(0.0, 1 - (cash_col[i] - debt_col[i]) / (buffer_months * costs)))
