"""Credit: interest on debt, formal versus informal credit, arrears, default and its after-effects.

Assumptions and sources:

* ``debt`` (owned by money) has a formal part, ``formal_debt`` (bank or microfinance credit), and an
  informal part (brokers and informal or non-bank lenders). Money repays the total; a repayment is
  taken from the informal part first (its rate is higher), so ``formal_debt`` never exceeds ``debt``.
* Interest accrues monthly after money's repayments: the informal part at ``informal_interest_rate``
  a year (the legal maximum is 20% a year since July 2021, FSC 2021; settlers with good credit grades
  still take non-bank loans above 20% three times as often as matched South Koreans, Bank of Korea
  2018; broker fees are often fixed sums, so the default sits below the legal maximum: assumption),
  the formal part at ``formal_interest_rate`` (Miso microfinance: 4.5% a year).
* Credit access (``microloan_access``, a lever): in their first month after Hanawon a share of settlers
  is offered a microloan line that refinances informal debt at the formal rate up to
  ``microloan_max_10k_krw``, as long as they are not barred by a default. Settlers already settled
  when the lever changes keep their offer (like the settlement package).
* Arrears: a settler with debt under money stress at or above ``arrears_stress_threshold`` misses the
  month's payment with ``missed_payment_rate`` (lower with financial literacy, below); otherwise they
  are current (arrears back to 0). After ``default_arrears_months`` months behind in a row
  (the Bank of Korea's definition of default: 90 days overdue) the settler defaults: a share
  ``default_writeoff_share`` of the debt is written off (debt adjustment; assumption), money stress
  rises by ``default_stress_rise`` for ``default_stress_months`` (collection; assumption; added by the money
  mechanism to the household's money stress, so every member feels it) and formal
  credit is barred for ``default_bar_years`` (assumption: credit records keep defaulters from banks
  for years). Settlers default about twice as often as matched South Koreans (Bank of Korea 2018:
  0.39 against 0.18 defaults per person, 2017).
* Financial literacy (stated assumptions; Kaiser, Lusardi, Menkhoff and Urban 2022, meta-analysis of
  76 RCTs: financial education improves downstream financial behaviour, less than knowledge;
  Fernandes et al. 2014: effects decay, "just in time" education works best): Hanawon's
  financial-education module lowers missed payments by ``hanawon_literacy_effect`` in the first
  ``literacy_months`` after arrival; a mentor (``mentor_left > 0``) lowers them by
  ``mentor_literacy_effect`` while the mentorship lasts (Bank of Korea 2018: arrears fall with credit
  experience three times faster among settlers; the study recommends credit education early).
* Debts are the household's (``sim.mechanisms.households``): interest, arrears and default are the head's,
  past Hanawon.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import HANAWON, IN_SK, MONTHS_PER_YEAR, NEVER
from sim.declare import Column, Mechanism, Slots, behaviour, derived, policy, rule
from sim.kernel_random import uniform_of
from sim.mechanisms.arrival import hanawon_months

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State


class Slot(Slots):
    """Draw slots (sim.kernel_random)."""

    OFFER = 0
    MISSED = 1


UNDECIDED = -1  # microloan: the offer is drawn in the settler's first month after Hanawon


@derived
def informal_monthly_rate(p: Any) -> float:
    """monthly interest on the informal part of debt: (1 + informal_interest_rate)^(1/12) - 1"""
    return (1 + p.informal_interest_rate) ** (1 / MONTHS_PER_YEAR) - 1


@derived
def formal_monthly_rate(p: Any) -> float:
    """monthly interest on formal credit: (1 + formal_interest_rate)^(1/12) - 1"""
    return (1 + p.formal_interest_rate) ** (1 / MONTHS_PER_YEAR) - 1


@derived
def default_bar_months(p: Any) -> int:
    """months without formal credit after a default: 12 x default_bar_years"""
    return MONTHS_PER_YEAR * p.default_bar_years


@derived
def literacy_from_arrival(p: Any) -> int:
    """months from arrival during which Hanawon's financial education lowers missed payments"""
    return hanawon_months(p) + p.literacy_months


DECLARATION = Mechanism(
    name="credit",
    owns=(
        Column("formal_debt", np.float64, 0.0, "10k KRW: the part of debt that is formal credit (<= debt)"),
        Column("arrears", np.int16, 0, "months behind on repayments in a row"),
        Column("last_default", np.int32, NEVER, "month index of the last default"),
        Column("microloan", np.int8, UNDECIDED, "microloan line offered: 1 yes, 0 no, -1 not yet decided"),
    ),
    reads=("status", "labour", "birth_month", "arrival_month", "mentor_left", "debt", "money_stress", "household_head",
           "formal_debt", "arrears", "last_default", "microloan"),
    writes=("debt", "formal_debt", "arrears", "last_default", "microloan"),
    params=(
        behaviour("informal_interest_rate", 0.15, "per year", 0, 0.6,
                  "assumption below the legal maximum of 20% a year (FSC 2021); Bank of Korea 2018: settlers take "
                  "non-bank loans above 20% three times as often as matched South Koreans; broker fees are often "
                  "fixed sums"),
        behaviour("formal_interest_rate", 0.045, "per year", 0, 0.3, "Miso microfinance: 4.5% a year"),
        policy("microloan_access", 0.0, "share of settlers offered", 0, 1,
               "assumption: no dedicated programme today (BRIEF: analysts ask about microloans and credit access)",
               effect="share of settlers offered a microloan line that refinances informal debt at the formal rate",
               group="programmes"),
        behaviour("microloan_max_10k_krw", 1000, "10k KRW", 0, 7000,
                  "assumption: Miso lends up to 70 million KRW for businesses, far less for living costs"),
        behaviour("arrears_stress_threshold", 0.8, "money stress (0-1)", 0, 1,
                  "assumption: payments are missed only when money is very short"),
        behaviour("missed_payment_rate", 0.3, "probability per month under stress", 0, 1,
                  "assumption: about 5-10% of indebted settlers default in 5 years (Bank of Korea 2018: 0.39 "
                  "defaults per settler, twice matched South Koreans)", rate="probability", fit=(0.05, 1.0, False)),
        behaviour("default_arrears_months", 3, "months", 1, 24,
                  "Bank of Korea 2018: default is 90 days or more overdue", integer=True),
        behaviour("default_writeoff_share", 0.3, "share of debt", 0, 1,
                  "assumption: debt adjustment after a default writes off part of the debt"),
        behaviour("default_stress_rise", 0.2, "money stress (0-1)", 0, 1,
                  "assumption: collection and legal action after a default"),
        behaviour("default_stress_months", 12, "months", 0, 60,
                  "assumption: how long a default keeps money stress up", integer=True),
        behaviour("default_bar_years", 5, "years", 0, 10,
                  "assumption: credit records keep defaulters from formal credit for years", integer=True),
        behaviour("hanawon_literacy_effect", 0.2, "share fewer missed payments", 0, 1,
                  "assumption bounded by Kaiser et al. 2022 (financial education improves financial behaviour, "
                  "less than knowledge) and Bank of Korea 2018 (credit education early in settlement)"),
        behaviour("literacy_months", 24, "months after arrival", 0, 120,
                  "assumption: effects of financial education decay (Fernandes et al. 2014)", integer=True),
        behaviour("mentor_literacy_effect", 0.2, "share fewer missed payments while mentored", 0, 1,
                  "assumption: mentors help with bureaucracy and money matters (BRIEF; interventions.csv)"),
    ),
    derived=(informal_monthly_rate, formal_monthly_rate, default_bar_months, literacy_from_arrival),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

Month = collections.namedtuple("Month", ["t"])  # model month


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """One month of credit for every household (its head)."""
    run.each(settler_month, s, p, Month(clock.month))


@rule
def settler_month(i, key, s, p, m, ctr):
    """Settler ``i``: microloan offer, refinancing, interest, arrears and default.

    Without branches, so that the compiled loop runs on vector instructions (about twice as fast): everything is
    computed for every row, and a row that is not a household's head in South Korea past Hanawon keeps its values
    (``new if here else old``). Both draws are taken for every row: a draw depends only on (key, row, slot), so
    an unused one changes nothing.
    """
    # a household's debts are its head's (sim.mechanisms.households)
    here = (s.status[i] == IN_SK) & (s.labour[i] != HANAWON) & (s.household_head[i] == i)
    t = m.t
    offered = np.int8(uniform_of(key, i, Slot.OFFER) < p.microloan_access)
    microloan = offered if here & (s.microloan[i] == UNDECIDED) else s.microloan[i]
    s.microloan[i] = microloan
    debt = s.debt[i]
    owing = here & (debt > 0)  # with no debt, a head's formal debt and arrears are 0
    barred = t - np.int64(s.last_default[i]) < p.default_bar_months
    formal = min(s.formal_debt[i], debt)  # repayments come off the informal part first
    refinanced = min(debt, max(formal, p.microloan_max_10k_krw))  # informal debt refinanced up to the cap
    formal = refinanced if (microloan == 1) & (not barred) else formal
    grown = formal * p.formal_monthly_rate
    debt = debt + ((debt - formal) * p.informal_monthly_rate + grown)
    formal = formal + grown
    stressed = s.money_stress[i] >= p.arrears_stress_threshold
    literate = ((1 - p.hanawon_literacy_effect * (t - s.arrival_month[i] < p.literacy_from_arrival))
                * (1 - p.mentor_literacy_effect * (s.mentor_left[i] > 0)))
    missed = stressed & (uniform_of(key, i, Slot.MISSED) < p.missed_payment_rate * literate)
    arrears = np.int16(s.arrears[i] + 1) if missed else np.int16(0)
    default = arrears >= p.default_arrears_months
    kept = 1 - p.default_writeoff_share
    debt = debt * kept if default else debt
    formal = formal * kept if default else formal
    s.last_default[i] = t if owing & default else s.last_default[i]
    arrears = np.int16(0) if default else arrears
    s.arrears[i] = arrears if owing else (np.int16(0) if here else s.arrears[i])
    s.debt[i] = debt if owing else s.debt[i]
    s.formal_debt[i] = formal if owing else (0.0 if here else s.formal_debt[i])
