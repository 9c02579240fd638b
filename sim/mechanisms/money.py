"""Money: income, living costs, the livelihood benefit, savings, debt and money stress, per household.

Assumptions and sources:

* A household budgets together (``sim.mechanisms.households``): its members' incomes and costs are
  pooled, and its cash and debt are kept on the head's row. Members in Hanawon are housed and fed there
  and are not in the budget. Only members at least ``school_leaving_age`` have incomes of their own.
* A member's income this month = wage (employed) + grant instalment + employment incentive (employed
  at least ``incentive_min_tenure`` months in the current job, within the incentive years;
  policy_history.csv 2022) + training stipend + the matched-savings payout; a partner who is not a settler
  adds ``outside_partner_earnings_10k_krw``.
* Matched savings (policy_history.csv 2014): employed settlers within the account years save
  up to the match cap from their wage and the state matches 1:1; the account is locked and
  paid out when it ends.
* Costs = living cost x size ** ``household_scale_elasticity`` + the head's rent + health costs of members
  whose medical cover has ended. The same scale sets the livelihood standard: the Ministry of Health and
  Welfare's 2024 standard median income by household size (1: 222.8, 2: 368.3, 3: 471.5, 4: 573.0 10k KRW)
  rises as size ** 0.7.
* Livelihood benefit (National Basic Livelihood Security), **assessed per household**: a household whose
  recognised income is below ``nbls_threshold_ratio`` x its standard receives the system's benefits (the
  housing benefit's threshold, 48% of the standard median income, against the livelihood benefit's 32%) and
  counts as a recipient, as the official figure counts recipients of any of them; the livelihood part, paid
  in cash, is the gap between the household's standard (``livelihood_standard_10k_krw`` x the scale) and its
  recognised income
  (earnings less a disregard: ``settler_earnings_disregard`` while a member is within the protection
  period, ``mainstream_earnings_disregard`` after, the general system's rule) to households with a
  member who cannot be expected to work (health limit, ``pension_age`` and over, a lone parent of children
  under 18) and to all in their first ``benefit_grace_months`` after Hanawon (2005 rule); take-up is not
  automatic. When the grace period ends, a household expected to work does not lose the benefit at once:
  it stays on as a conditional recipient (self-sufficiency work, as the National Basic Livelihood
  Security rules have it) until its recognised income passes the threshold or it leaves at
  ``conditional_exit_rate`` a month (assumption), so receipt falls gradually. Every member of a recipient
  household is a recipient, as the official figure counts them.
* A shortfall is borrowed (debt); a share of cash goes to repay debt (broker debts too).
* Cash above the buffer (``stress_buffer_months`` of costs) is spent at ``excess_cash_spent_per_month``:
  a windfall (a large grant, a savings payout, a transfer) is used up over months rather than kept
  for ever, so its effect on money stress fades after the payments stop (Altindag and O'Connell 2023:
  nothing of a transfer's effect left six months after it ends; assumption on the rate).
* Money stress, in [0, 1], the household's and shared by its members, mixes this month's shortfall of
  income against costs (weight ``money_stress_flow_weight``) with the lack of a buffer, 1 - (cash +
  savings - debt) / (``stress_buffer_months`` x monthly costs), the matched savings accounts counted as the
  household's own (they can be closed early: 16-18% are, mostly after a job loss; fnnews 2025), so a payout
  changes nothing by itself: it drives job urgency, depression and satisfaction (FORUM-ASIA 2008: the cut
  left settlers with too little to live on). The flow part makes a transfer felt while it is paid and not
  after (Wollburg et al. 2023: d -0.10 during cash programmes, -0.05 and not significant 2-9 years after).
  A default on the household's debts (``sim.mechanisms.credit``) adds ``default_stress_rise`` for
  ``default_stress_months``.
"""

from __future__ import annotations

import collections
import enum
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import EMPLOYED, HANAWON, IN_SK, TRAINING
from sim.declare import Column, Mechanism, Slots, behaviour, derived, policy, rule
from sim.jit import kernel
from sim.kernel_random import uniform_of
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


MAX_TABLED_SIZE = 20  # persons: the scale is tabled up to this household size (larger ones use its value)


@derived
def household_scale_by_size(p: Any) -> np.ndarray:
    """the household scale size ** household_scale_elasticity for sizes 0..MAX_TABLED_SIZE (a table: kernels look
    it up rather than take a power per household)"""
    return np.arange(MAX_TABLED_SIZE + 1, dtype=np.float64) ** p.household_scale_elasticity


DECLARATION = Mechanism(
    name="money",
    owns=(
        Column("cash", np.float64, 0.0, "10k KRW, the household's, on its head's row"),
        Column("debt", np.float64, 0.0, "10k KRW, the household's, on its head's row"),
        Column("savings", np.float64, 0.0, "10k KRW, the settler's matched savings account"),
        Column("income", np.float32, 0.0, "10k KRW this month, the settler's own, all sources but the benefit"),
        Column("household_income", np.float32, 0.0, "10k KRW this month, the household's incl. the benefit, on the head"),
        Column("spending", np.float32, 0.0,
               "10k KRW this month, the household's costs and spending out of cash above the buffer, on the head"),
        Column("benefit", np.bool_, False, "bool: lives in a household receiving the livelihood benefit"),
        Column("money_stress", np.float32, 0.0, "0-1, the household's"),
        Column("budget_members", np.int8, 0, "members in this month's household budget, on the head (scratch)"),
        Column("budget_scale", np.float64, 0.0,
               "the household scale for this month's size, on the head (scratch)"),
        Column("budget_income", np.float64, 0.0, "10k KRW, members' incomes this month, on the head (scratch)"),
        Column("budget_earnings", np.float32, 0.0, "10k KRW, members' wages this month, on the head (scratch)"),
        Column("budget_costs", np.float32, 0.0, "10k KRW, members' own costs this month, on the head (scratch)"),
        Column("budget_savings", np.float64, 0.0, "10k KRW, members' matched accounts, on the head (scratch)"),
        Column("budget_entitled", np.bool_, False,
               "bool: a member may claim the benefit this month (cannot be expected to work, or in the grace period)"),
        Column("budget_protected", np.bool_, False, "bool: a member is within the protection period (scratch)"),
        Column("member_flags", np.int8, 0, "bits (MemberFlag): what the settler adds to the budget this month (scratch)"),
        Column("member_net_income", np.float64, 0.0,
               "10k KRW, the settler's income this month less what they saved, added to the budget (scratch)"),
    ),
    reads=("status", "labour", "birth_month", "arrival_month", "health_limit", "lone_parent", "tenure",
           "wage", "stipend", "rent", "grant_instalment", "incentive_per_month", "incentive_min_tenure",
           "incentive_until", "savings_until", "savings_match_max", "medical_until", "protection_until",
           "household_head", "household_size", "outside_partner", "last_default"),
    writes=("grant_left", "savings", "benefit", "cash", "debt", "income", "household_income", "spending",
            "money_stress", "budget_members", "budget_scale", "budget_income", "budget_earnings", "budget_costs",
            "budget_savings", "budget_entitled", "budget_protected", "member_flags", "member_net_income"),
    params=(
        behaviour("livelihood_standard_10k_krw", 71.3, "10k KRW per month", 30, 150,
                  "Ministry of Health and Welfare 2024 livelihood benefit standard for one person"),
        behaviour("nbls_threshold_ratio", 1.5, "x the livelihood standard", 1, 2,
                  "Ministry of Health and Welfare 2024: livelihood benefit below 32% of the standard median income, "
                  "medical 40%, housing 48%; a recipient of any of them counts as a basic livelihood recipient"),
        behaviour("living_cost_10k_krw", 110, "10k KRW per month", 50, 250,
                  "assumption: about half the 2024 median income of a one-person household (222.8)"),
        behaviour("household_scale_elasticity", 0.7, "exponent of household size", 0, 1,
                  "Ministry of Health and Welfare 2024 standard median income by size: 222.8, 368.3, 471.5, 573.0 "
                  "10k KRW for 1-4 persons, about size ** 0.7"),
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
        policy("settler_earnings_disregard", 0.3, "share of earnings not counted", 0, 1,
               "assumption: the livelihood benefit's earned-income deduction (30% for groups the system supports, "
               "National Basic Livelihood Security Act enforcement rules) applied to settlers in protection",
               effect="share of earnings the benefit test ignores while a member is within the protection period",
               group="services"),
        policy("mainstream_earnings_disregard", 0.0, "share of earnings not counted", 0, 1,
               "assumption: after the protection period a household is assessed by the general system's rule, "
               "which counts all earnings of working-age adults",
               effect="share of earnings ignored after the protection period (the move into mainstream welfare)",
               group="services"),
    ),
    uses=("school_leaving_age", "carer_max_age", "outside_partner_earnings_10k_krw", "default_stress_rise",
          "default_stress_months"),
    derived=(benefit_grace_from_arrival, household_scale_by_size),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

Month = collections.namedtuple("Month", ["t", "born_by"])  # model month; latest birth month of those with incomes


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """One month of money: members' incomes into their household's budget, the budget, then shared results."""
    t = clock.month
    m = Month(t, t - 12 * p.school_leaving_age)
    run.each(member_own, s, p, m, key=engine.NO_DRAWS)
    listed = add_members(run.view(s), p.health_cost_10k_krw, s.active_rows)
    run.each(household_scale, s, p, m, key=engine.NO_DRAWS)
    run.each(household_budget, s, p, m)
    share_budget(run.view(s), listed)


class MemberFlag(enum.IntEnum):
    """Bits of ``member_flags``: what a settler adds to the household's budget this month."""

    COUNTED = 1  # in the budget: in South Korea, past Hanawon
    MEDICAL_GAP = 2  # health costs of their own (medical cover ended)
    PROTECTED = 4  # within the protection period
    ADULT = 8  # an income of their own (school-leaving age or over)
    ENTITLED = 16  # an adult who may claim the benefit (cannot be expected to work, or in the grace period)
    EMPLOYED = 32  # an adult in work: their wage is earnings
    ALONE = 64  # counted and lives alone: their budget is already on their row


@rule
def member_own(i, key, s, p, m, ctr):
    """Settler ``i``'s own income, savings and costs this month, and what they add to the household's budget
    (``member_flags``, ``member_net_income``), for ``add_members`` to add into the head's row; the row's own
    budget starts at 0 (a pass of its own for each column cost more), or at its own values if they live alone.

    Without branches, so that the compiled loop runs on vector instructions: everything is computed for every
    row; a row not counted gets no flags and keeps its other values (``new if applies else old``). The adds into
    the head's row cannot: split from them, they read a few values per settler instead of every column.
    """
    t = m.t
    counted = (s.status[i] == IN_SK) & (s.labour[i] != HANAWON)
    adult = counted & (s.birth_month[i] <= m.born_by)  # a child: no income of their own
    medical_gap = s.health_limit[i] & (t >= s.medical_until[i])
    age_months = t - s.birth_month[i]
    not_expected_to_work = (s.health_limit[i] | (age_months >= 12 * p.pension_age)
                            | (s.lone_parent[i] & (age_months < 12 * p.carer_max_age)))
    grace = t - s.arrival_month[i] < p.benefit_grace_from_arrival
    employed = s.labour[i] == EMPLOYED
    wage = np.float64(s.wage[i]) * employed
    instalment = min(s.grant_instalment[i], s.grant_left[i])
    incentive = s.incentive_per_month[i] * (employed & (s.tenure[i] >= s.incentive_min_tenure[i])
                                            & (t < s.incentive_until[i]))
    stipend = s.stipend[i] * (s.labour[i] == TRAINING)
    saved = (min(np.float64(s.savings_match_max[i]), p.savings_rate_of_wage * wage)
             * (employed & (t < s.savings_until[i])))
    account = s.savings[i] + 2 * saved  # the state matches 1:1
    released = account * ((t == s.savings_until[i]) & (account > 0))
    income = wage + instalment + incentive + stipend + released
    s.grant_left[i] = s.grant_left[i] - instalment if adult else s.grant_left[i]
    s.savings[i] = account - released if adult else s.savings[i]
    s.income[i] = income if adult else s.income[i]
    s.member_net_income[i] = income - saved if adult else s.member_net_income[i]
    # the household budget starts at 0 on every row, before add_members adds into the heads' rows; a settler who
    # lives alone is the whole budget (a single add into 0 is the value itself, to the last bit)
    alone = lives_alone_here(i, s.household_head[i], s.household_size[i])
    own, earning = alone & counted, alone & adult
    flags = (MemberFlag.COUNTED * counted + MemberFlag.MEDICAL_GAP * (counted & medical_gap)
             + MemberFlag.PROTECTED * (counted & (t < s.protection_until[i])) + MemberFlag.ADULT * adult
             + MemberFlag.ENTITLED * (adult & (not_expected_to_work | grace)) + MemberFlag.EMPLOYED * (adult & employed)
             + MemberFlag.ALONE * own)
    s.member_flags[i] = flags
    s.budget_members[i] = own
    s.budget_costs[i] = p.health_cost_10k_krw * medical_gap if own else 0.0
    s.budget_protected[i] = own & (t < s.protection_until[i])
    s.budget_entitled[i] = earning & (not_expected_to_work | grace)
    s.budget_savings[i] = s.savings[i] if earning else 0.0
    s.budget_income[i] = income - saved if earning else 0.0
    s.budget_earnings[i] = wage if earning else 0.0


@rule
def lives_alone_here(i, household_head, household_size):
    """Whether row ``i`` (its ``household_head`` and ``household_size``) heads a household with nobody else in South
    Korea, by the size summed up at the start of this month (``sim.mechanisms.households``); no member joins the
    budget between the two: arrivals and relatives are in Hanawon, the found come back after money."""
    return (household_head == i) & (household_size == 1)


@kernel
def add_members(s, health_cost, rows):
    """What each settler of a larger household adds to its budget (the head's row), in row order, from
    ``member_own``'s flags and net income. Those who live alone have theirs already: the rows to add are listed
    first, without a branch (a third of the rows), so the adds run without a mispredicted test on every row.
    Population-level work, one compiled call on both the engine and the per-agent path. Returns the rows listed
    (members of larger households in the budget), for ``share_budget``."""
    listed = np.empty(rows, dtype=np.int64)
    k = 0
    for i in range(rows):
        listed[k] = i
        flags = s.member_flags[i]
        k += (flags != 0) & ((flags & MemberFlag.ALONE) == 0)
    for j in range(k):
        i = listed[j]
        flags = s.member_flags[i]
        h = s.household_head[i]
        s.budget_members[h] += 1
        s.budget_costs[h] += health_cost * ((flags & MemberFlag.MEDICAL_GAP) != 0)
        s.budget_protected[h] |= (flags & MemberFlag.PROTECTED) != 0
        if not flags & MemberFlag.ADULT:
            continue
        s.budget_entitled[h] |= (flags & MemberFlag.ENTITLED) != 0
        s.budget_savings[h] += s.savings[i]
        s.budget_income[h] += s.member_net_income[i]
        s.budget_earnings[h] += np.float64(s.wage[i]) * ((flags & MemberFlag.EMPLOYED) != 0)
    return listed[:k]


@rule
def household_scale(i, key, s, p, m, ctr):
    """Row ``i``'s household scale for its budget's size (used on heads): a table look-up, kept out of
    ``household_budget``, whose loop it would keep off vector instructions."""
    s.budget_scale[i] = p.household_scale_by_size[min(s.budget_members[i] + s.outside_partner[i], MAX_TABLED_SIZE)]


@rule
def household_budget(i, key, s, p, m, ctr):
    """Household ``i`` (a head): benefit, costs, cash, debt and money stress from its members' budget.

    Without branches, so that the compiled loop runs on vector instructions (about a third faster): everything
    is computed for every row, and a row that is not a head with members this month keeps its values (``new if
    here else old``). Both draws are taken for every row: a draw depends only on (key, row, slot), so an unused
    one changes nothing.
    """
    here = (s.household_head[i] == i) & (s.budget_members[i] != 0)
    outside = s.outside_partner[i]
    scale = s.budget_scale[i]
    standard = p.livelihood_standard_10k_krw * scale
    earnings = s.budget_earnings[i] + p.outside_partner_earnings_10k_krw * outside
    disregard = p.settler_earnings_disregard if s.budget_protected[i] else p.mainstream_earnings_disregard
    recognised = earnings * (1 - disregard)
    entitled = s.budget_entitled[i]
    benefit = s.benefit[i]
    # past the grace period, a household expected to work stays on as a conditional recipient until it leaves
    conditional = benefit & (not entitled) & (uniform_of(key, i, Slot.CONDITIONAL_EXIT) >= p.conditional_exit_rate)
    # the system's benefits (livelihood, medical, housing) have thresholds up to nbls_threshold_ratio x the
    # livelihood standard: a household below it is a recipient; only the livelihood part is paid in cash
    below_threshold = recognised < standard * p.nbls_threshold_ratio
    receiving = below_threshold & ((benefit & entitled) | conditional)
    taken_up = uniform_of(key, i, Slot.TAKEUP) < p.benefit_takeup  # used only for the newly eligible
    receiving = taken_up if below_threshold & entitled & (not receiving) else receiving
    s.benefit[i] = receiving if here else benefit
    income = (s.budget_income[i] + p.outside_partner_earnings_10k_krw * outside
              + max(0.0, standard - recognised) * receiving)
    costs = p.living_cost_10k_krw * scale + s.rent[i] + s.budget_costs[i]
    costs = costs if here else 1.0  # a row not counted: any cost but 0 (no 0 / 0 below on the per-agent path)
    cash = s.cash[i] + income - costs
    debt = s.debt[i] + max(0.0, -cash)  # a shortfall is borrowed
    cash = max(cash, 0.0)
    repay = min(debt, p.debt_repayment_share * cash)
    cash -= repay
    extra = p.excess_cash_spent_per_month * max(0.0, cash - p.stress_buffer_months * costs)  # windfalls are spent
    cash = cash - extra
    debt = debt - repay
    s.cash[i] = cash if here else s.cash[i]
    s.spending[i] = np.float32(costs + extra) if here else s.spending[i]
    s.debt[i] = debt if here else s.debt[i]
    s.household_income[i] = np.float32(income) if here else s.household_income[i]
    wealth = cash + s.budget_savings[i] - debt  # the matched accounts are the household's own money
    buffer_stress = min(1.0, max(0.0, 1 - wealth / (p.stress_buffer_months * costs)))
    shortfall = min(1.0, max(0.0, 1 - income / costs))
    stress = p.money_stress_flow_weight * shortfall + (1 - p.money_stress_flow_weight) * buffer_stress
    # a default (sim.mechanisms.credit) weighs on the household for months: collection, a closed credit line
    stress = min(1.0, stress + p.default_stress_rise * (m.t - np.int64(s.last_default[i]) < p.default_stress_months))
    s.money_stress[i] = np.float32(stress) if here else s.money_stress[i]


@kernel
def share_budget(s, listed):
    """The members of larger households in the budget (``listed`` by ``add_members``) share their household's
    benefit and money stress; a settler who lives alone has their own already."""
    for j in range(listed.size):
        i = listed[j]
        h = s.household_head[i]
        s.benefit[i] = s.benefit[h]
        s.money_stress[i] = s.money_stress[h]
