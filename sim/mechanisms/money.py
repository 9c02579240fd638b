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
  who cannot be expected to work (health limit, ``pension_age`` and over, single carers of
  children) and to all in their first ``benefit_grace_months`` after Hanawon (2005 rule);
  take-up is not automatic. When the grace period ends, a recipient who is expected to work does
  not lose the benefit at once: they stay on as a conditional recipient (self-sufficiency work, as
  the National Basic Livelihood Security rules have it) until their earnings pass the standard or
  they leave at ``conditional_exit_rate`` a month (assumption), so receipt falls gradually.
* Costs = living cost + children + rent + health costs once medical cover ends.
* A shortfall is borrowed (debt); a share of cash goes to repay debt (broker debts too).
* Cash above the buffer (``stress_buffer_months`` of costs) is spent at ``excess_cash_spent_per_month``:
  a windfall (a large grant, a savings payout, a transfer) is used up over months rather than kept
  for ever, so its effect on money stress fades after the payments stop (Altindag and O'Connell 2023:
  nothing of a transfer's effect left six months after it ends; assumption on the rate).
* Money stress, in [0, 1], mixes this month's shortfall of income against costs (weight
  ``money_stress_flow_weight``) with the lack of a buffer, 1 - (cash + savings - debt) /
  (``stress_buffer_months`` x monthly costs), the matched savings account counted as the settler's own
  (it can be closed early: 16-18% are, mostly after a job loss; fnnews 2025), so its payout changes
  nothing by itself: it drives job urgency, depression and satisfaction (FORUM-ASIA 2008: the cut left
  settlers with too little to live on). The flow part makes a transfer felt while it is paid and not
  after (Wollburg et al. 2023: d -0.10 during cash programmes, -0.05 and not significant 2-9 years after).
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import EMPLOYED, HANAWON, IN_SK, TRAINING
from sim.declare import Column, Mechanism, Slots, behaviour, derived, rule
from sim.kernel_random import uniform_at
from sim.mechanisms.arrival import hanawon_months

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State


class Slot(Slots):
    """Draw slots (sim.kernel_random)."""

    TAKEUP = 0
    CONDITIONAL_EXIT = 1


@derived
def benefit_grace_from_arrival(p: Any) -> float:
    """months from arrival during which anyone may receive the benefit: the grace months plus Hanawon"""
    return p.benefit_grace_months + hanawon_months(p)


DECLARATION = Mechanism(
    name="money",
    owns=(
        Column("cash", np.float64, 0.0, "10k KRW"),
        Column("debt", np.float64, 0.0, "10k KRW"),
        Column("savings", np.float64, 0.0, "10k KRW, matched savings account"),
        Column("income", np.float32, 0.0, "10k KRW this month, all sources"),
        Column("spending", np.float32, 0.0, "10k KRW this month: costs and spending out of cash above the buffer"),
        Column("benefit", np.bool_, False, "bool: receives the livelihood benefit"),
        Column("money_stress", np.float32, 0.0, "0-1"),
    ),
    reads=("status", "labour", "birth_month", "arrival_month", "children", "health_limit", "lone_parent", "tenure",
           "wage", "stipend", "rent", "grant_instalment", "incentive_per_month", "incentive_min_tenure",
           "incentive_until", "savings_until", "savings_match_max", "medical_until"),
    writes=("grant_left", "savings", "benefit", "cash", "debt", "income", "spending", "money_stress"),
    params=(
        behaviour("livelihood_standard_10k_krw", 71.3, "10k KRW per month", 30, 150,
                  "Ministry of Health and Welfare 2024 livelihood benefit standard for one person"),
        behaviour("living_cost_10k_krw", 110, "10k KRW per month", 50, 250,
                  "assumption: about half the 2024 median income of a one-person household (222.8)"),
        behaviour("child_cost_10k_krw", 35, "10k KRW per month per child", 0, 100, "assumption"),
        behaviour("health_cost_10k_krw", 15, "10k KRW per month", 0, 100,
                  "assumption: out-of-pocket care for a health limitation without medical aid"),
        behaviour("debt_repayment_share", 0.2, "share of surplus per month", 0, 1, "assumption"),
        behaviour("benefit_takeup", 0.7, "probability per month when eligible", 0, 1,
                  "calibrated to 22.6% receiving the livelihood benefit (survey_current.csv)", rate="probability",
                  fit=(0.05, 1.0, False)),
        behaviour("benefit_grace_months", 6, "months after Hanawon", 0, 36,
                  "policy_history.csv 2005: assistance for 6 months regardless of work capacity", integer=True),
        behaviour("pension_age", 65, "years", 55, 75,
                  "Korean basic pension age: from 65 the welfare system does not expect work", integer=True),
        behaviour("savings_rate_of_wage", 0.2, "share of wage saved into the matched account", 0, 1,
                  "assumption: most account holders save near the cap"),
        behaviour("benefit_child_weight", 0.5, "x standard per child", 0, 1,
                  "assumption: equivalence scale for the livelihood standard"),
        behaviour("stress_buffer_months", 3.0, "months of costs", 0.5, 24,
                  "assumption: money stress falls as cash covers this many months of costs"),
        behaviour("money_stress_flow_weight", 0.5, "share of money stress from the month's income shortfall", 0, 1,
                  "assumption: strain follows current income as well as savings and debt (cash-transfer effects "
                  "last while payments do: Wollburg et al. 2023)"),
        behaviour("excess_cash_spent_per_month", 0.15, "share of cash above the buffer spent a month", 0, 1,
                  "assumption: windfalls are used up within months (Altindag and O'Connell 2023: no effect left six "
                  "months after cash transfers end)", rate="probability"),
        behaviour("conditional_exit_rate", 0.1, "per month", 0, 1,
                  "assumption: conditional recipients (past the grace period, expected to work) leave the benefit "
                  "gradually; calibrated with the receipt level", rate="probability", fit=(0.01, 0.5, True)),
    ),
    uses=("school_leaving_age", "carer_max_age"),
    derived=(benefit_grace_from_arrival,),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

Month = collections.namedtuple("Month", ["t", "born_by"])  # model month; latest birth month of those with a budget


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """One month of money for every settler past Hanawon old enough to have a budget (dependants have none)."""
    t = clock.month
    run.each(settler_month, s, p, Month(t, t - 12 * p.school_leaving_age))


@rule
def settler_month(i, key, s, p, m, ctr):
    """One month of money for settler ``i``: income, benefit, savings, costs, debt, money stress."""
    if s.status[i] != IN_SK or s.labour[i] == HANAWON or s.birth_month[i] > m.born_by:
        return
    t = m.t
    employed = s.labour[i] == EMPLOYED
    wage = np.float64(s.wage[i]) * employed

    instalment = min(s.grant_instalment[i], s.grant_left[i])
    s.grant_left[i] -= instalment
    incentive = s.incentive_per_month[i] * (employed & (s.tenure[i] >= s.incentive_min_tenure[i])
                                            & (t < s.incentive_until[i]))
    stipend = s.stipend[i] * (s.labour[i] == TRAINING)

    saved = (min(np.float64(s.savings_match_max[i]), p.savings_rate_of_wage * wage)
             * (employed & (t < s.savings_until[i])))
    account = s.savings[i] + 2 * saved  # the state matches 1:1
    released = account * ((t == s.savings_until[i]) & (account > 0))
    s.savings[i] = account - released

    age_months = t - s.birth_month[i]  # age >= A years  <=>  age_months >= 12 A
    standard = p.livelihood_standard_10k_krw * (1 + p.benefit_child_weight * s.children[i])
    not_expected_to_work = (s.health_limit[i] | (age_months >= 12 * p.pension_age)
                            | (s.lone_parent[i] & (age_months < 12 * p.carer_max_age)))
    grace = t - s.arrival_month[i] < p.benefit_grace_from_arrival
    entitled = not_expected_to_work | grace  # may claim the benefit
    # past the grace period, a recipient expected to work stays on as a conditional recipient until they leave
    conditional = s.benefit[i] and not entitled
    if conditional:
        conditional = uniform_at(ctr, key, i, Slot.CONDITIONAL_EXIT) >= p.conditional_exit_rate
    below_standard = wage < standard
    receiving = below_standard & ((s.benefit[i] & entitled) | conditional)
    if below_standard and entitled and not receiving:  # take-up drawn only for the newly eligible
        receiving = uniform_at(ctr, key, i, Slot.TAKEUP) < p.benefit_takeup
    s.benefit[i] = receiving
    income = wage + instalment + incentive + stipend + (standard - wage) * receiving + released

    medical_gap = s.health_limit[i] & (t >= s.medical_until[i])
    costs = (p.living_cost_10k_krw + p.child_cost_10k_krw * s.children[i] + s.rent[i]
             + p.health_cost_10k_krw * medical_gap)
    cash = s.cash[i] + income - costs - saved
    debt = s.debt[i] + max(0.0, -cash)  # a shortfall is borrowed
    cash = max(cash, 0.0)
    repay = min(debt, p.debt_repayment_share * cash)
    cash -= repay
    extra = p.excess_cash_spent_per_month * max(0.0, cash - p.stress_buffer_months * costs)  # windfalls are spent
    s.cash[i] = cash - extra
    s.spending[i] = costs + extra
    s.debt[i] = debt - repay
    s.income[i] = income
    wealth = s.cash[i] + s.savings[i] - s.debt[i]  # the matched account is the settler's own money
    buffer_stress = min(1.0, max(0.0, 1 - wealth / (p.stress_buffer_months * costs)))
    shortfall = min(1.0, max(0.0, 1 - income / costs))
    s.money_stress[i] = p.money_stress_flow_weight * shortfall + (1 - p.money_stress_flow_weight) * buffer_stress

