"""Family in the North: close relatives left behind, worry, remittances through brokers, bringing a relative.

Assumptions and sources:

* In their first month in South Korea a share ``family_north_share`` of settlers have close family
  in the North (BRIEF: unwanted separation from family is the most common trauma, 69%; NKDB: 58-66%
  have sent money there at least once), 1 + Poisson(``family_north_mean`` - 1) relatives
  (assumption; recipients of remittances are siblings 39.6% and parents 29.7%, NKDB 2020).
* Worry (``family_worry``, 0-1) moves at ``family_worry_adjust_rate`` towards ``family_worry_level``
  while any close relative is in the North, towards 0 otherwise; a month with a transfer lowers the
  target by ``remittance_worry_relief`` (the broker's confirmation brings news). Worry adds
  ``depression_from_family_worry`` x worry to the depression target (mental health) and multiplies the
  hazards of returning North by up to ``return_worry_multiplier`` and of emigrating by up to
  ``emigration_worry_multiplier`` at full worry (exits). NKDB 2017: 22.9% have thought of returning,
  34.3% of them because they miss their family; being separated from family is the most common reason
  for dissatisfaction (Hana Foundation 2023: 28.3%).
* Remittances: in a month, a settler with a budget and family in the North sends with
  ``remittance_rate``, delivering ``remittance_months_of_income`` x this month's income; the broker's fee
  is ``broker_remittance_fee`` of the amount (NKDB: 29.3% in 2018, 33.5% charged in 2019, 48.1% in
  2023; the amount paid is amount / (1 - fee)). A settler sends only when cash covers it (assumption;
  NKDB 2018: 63.9% send out of earnings, 21.6% out of the settlement money). NKDB 2015: about 2.1
  million KRW a transfer, 1.6 transfers a year; 20-28% of settlers sent money in 2019-2023.
* A legal remittance channel (lever ``legal_remittance_share``) carries that share of the transfers at
  ``legal_remittance_fee`` (the global average is about 7%, NKDB 2019): the fee paid is the mix.
* Bringing a relative: a settler with a budget, family in the North, no reunion under way and cash for
  the upfront share ``reunion_upfront_share`` of the broker's price ``reunion_cost_10k_krw`` (about 15
  million KRW from the North to the South in 2016, nocutnews; from 10 million, VOA 2014) pays a broker
  with ``reunion_attempt_rate`` a month; the rest of the price becomes debt. A share
  ``reunification_support`` of the price is paid by a reunification-support programme (lever). The
  relative arrives ``reunion_delay_months`` later (``reunion_month``), unless the journey fails
  (``reunion_failure_share``: caught and sent back; the money is lost). At arrival one fewer relative is
  in the North and ``reunions`` counts up. The households mechanism adds the relative to the household.
* Only settlers with a budget (as in money) remit or pay brokers; everyone with family worries.
"""

from __future__ import annotations

import collections
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import HANAWON, IN_SK, NEVER
from sim.declare import Column, Mechanism, Slots, behaviour, derived, policy, rule
from sim.kernel_random import at, uniform, uniform_at, uniform_of

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State


class Slot(Slots):
    """Draw slots (sim.kernel_random)."""

    FAMILY = 0
    REMIT = 1
    REUNION = 2
    FAILURE = 3


UNDRAWN = -1  # family_north before the settler's first month in South Korea
MAX_RELATIVES = 20  # Poisson inversion stops here (P(more) < 1e-9 at the largest allowed mean, 10)
PROGRAMMES, SERVICES = "programmes", "services"


@derived
def remittance_fee(p: Any) -> float:
    """fee paid on a transfer: the legal channel's share at its fee, the rest at the brokers' fee"""
    return (p.legal_remittance_share * p.legal_remittance_fee
            + (1 - p.legal_remittance_share) * p.broker_remittance_fee)


@derived
def remittance_paid_per_income(p: Any) -> float:
    """cash paid per unit of income when sending: remittance_months_of_income / (1 - remittance_fee)"""
    return p.remittance_months_of_income / (1 - p.remittance_fee)


@derived
def reunion_price_paid(p: Any) -> float:
    """the broker's price a settler pays for a relative, after reunification support"""
    return p.reunion_cost_10k_krw * (1 - p.reunification_support)


@derived
def no_extra_relatives(p: Any) -> float:
    """probability of no relative beyond the first: exp(-(family_north_mean - 1))"""
    return math.exp(-(p.family_north_mean - 1))


DECLARATION = Mechanism(
    name="family",
    owns=(
        Column("family_north", np.int8, UNDRAWN, "close relatives in the North (-1: not drawn yet)"),
        Column("family_worry", np.float32, 0.0, "worry about family in the North, 0-1"),
        Column("reunion_month", np.int32, NEVER, "month index a relative brought from the North joins (NEVER: none)"),
        Column("reunions", np.int8, 0, "relatives brought from the North"),
        Column("last_remittance", np.int32, NEVER, "month index of the last transfer to the North"),
        Column("remitted", np.float32, 0.0, "10k KRW paid this month for transfers to the North, fees included"),
        Column("family_payment", np.bool_, False,
               "bool: drew a transfer or a broker's payment this month, to be paid if cash allows (scratch)"),
        Column("family_undrawn", np.bool_, False,
               "bool: in South Korea, born in the North, relatives not drawn yet: draw_family's rows (scratch)"),
    ),
    reads=("status", "defector", "labour", "birth_month", "income", "cash", "debt", "family_north", "family_worry",
           "household_head",
           "reunion_month", "reunions", "last_remittance", "remitted"),
    writes=("cash", "debt", "family_north", "family_worry", "reunion_month", "reunions", "last_remittance",
            "remitted", "family_payment", "family_undrawn"),
    params=(
        behaviour("family_north_share", 0.69, "share of arrivals", 0, 1,
                  "BRIEF: unwanted separation from family is the most common trauma (69%); NKDB: 58-66% have "
                  "remitted"),
        behaviour("family_north_mean", 2.0, "close relatives, among those with any", 1, 10,
                  "assumption: parents and siblings (NKDB 2020: recipients siblings 39.6%, parents 29.7%)"),
        behaviour("family_worry_level", 0.6, "worry (0-1)", 0, 1, "assumption"),
        behaviour("family_worry_adjust_rate", 0.1, "per month", 0, 1, "assumption", rate="probability"),
        behaviour("remittance_worry_relief", 0.3, "share of the worry target, in a month with a transfer", 0, 1,
                  "assumption: a transfer brings news of the family"),
        behaviour("depression_from_family_worry", 0.03, "depression score at full worry", 0, 1,
                  "assumption: separation from family is the most common trauma (BRIEF) and reason for "
                  "dissatisfaction (Hana 2023: 28.3%)"),
        behaviour("return_worry_multiplier", 3.0, "x at full worry", 1, 20,
                  "assumption: NKDB 2017: 22.9% have thought of returning, 34.3% of them to see family"),
        behaviour("emigration_worry_multiplier", 1.5, "x at full worry", 1, 10,
                  "assumption: separation from family is the most common reason for dissatisfaction (Hana 2023)"),
        behaviour("remittance_rate", 0.1, "probability per month with family in the North", 0, 1,
                  "assumption set so that about 22% of settlers send money in a year when cash allows (NKDB: "
                  "20-28% in 2019-2023, 26% in 2016)",
                  rate="probability", fit=(0.005, 0.2, True)),
        behaviour("remittance_months_of_income", 1.0, "months of income delivered per transfer", 0, 12,
                  "NKDB 2015: about 2.1 million KRW a transfer (mean wages 1.5-2 million a month)"),
        behaviour("broker_remittance_fee", 0.35, "share of the amount", 0, 0.9,
                  "NKDB: 29.3% (2018), 33.5% charged (2019), 41.5% (2022), 48.1% (2023)"),
        policy("legal_remittance_share", 0.0, "share of transfers", 0, 1,
               "assumption: no legal channel to the North exists today",
               effect="share of remittances sent through a legal channel at legal_remittance_fee instead of brokers",
               group=SERVICES),
        behaviour("legal_remittance_fee", 0.07, "share of the amount", 0, 0.5,
                  "NKDB 2019 via Asia Economy: the global average remittance fee is about 7%"),
        behaviour("reunion_attempt_rate", 0.004, "probability per month", 0, 1,
                  "assumption: the share who bring family later is not published; 57% of those who left after "
                  "2010 had family already in the South (SNU IPUS 2011)", rate="probability",
                  fit=(0.0005, 0.05, True)),
        behaviour("reunion_cost_10k_krw", 1500, "10k KRW per relative", 100, 10000,
                  "nocutnews 2016: about 15 million KRW from the North to the South; VOA 2014: over 10 million"),
        behaviour("reunion_upfront_share", 0.3, "share of the price paid from cash", 0, 1,
                  "assumption: the rest is owed to the broker after arrival"),
        behaviour("reunion_delay_months", 6, "months", 1, 36,
                  "assumption: the journey through China and South-East Asia takes months", integer=True),
        behaviour("reunion_failure_share", 0.1, "share of attempts", 0, 1,
                  "assumption: some relatives are caught and sent back; the money is lost"),
        policy("reunification_support", 0.0, "share of the broker's price paid", 0, 1,
               "assumption: no such programme today",
               effect="share of the cost of bringing a relative from the North paid by a support programme",
               group=PROGRAMMES),
    ),
    uses=("school_leaving_age",),
    derived=(remittance_fee, remittance_paid_per_income, reunion_price_paid, no_extra_relatives),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

Month = collections.namedtuple("Month", ["t", "born_by"])  # model month; latest birth month of those with a budget


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """One month of family in the North for every settler in South Korea, in five passes with one key.

    The row-local steps (``mark_undrawn``, ``settler_month``, ``update_worry``) are written without branches, so
    that their loops run on vector instructions; the first month's relatives (a Poisson by inversion) and the
    payments out of the household's cash (shared by its members, paid in row order) are scalar passes over the few
    rows concerned.
    """
    t = clock.month
    m = Month(t, t - 12 * p.school_leaving_age)
    key = run.each(mark_undrawn, s, p, m)
    run.each(draw_family, s, p, m, key=key, where="family_undrawn")
    run.each(settler_month, s, p, m, key=key)
    run.each(pay_brokers, s, p, m, key=key, where="family_payment")
    run.each(update_worry, s, p, m, key=key)


@rule
def mark_undrawn(i, key, s, p, m, ctr):
    """Whether settler ``i``'s relatives in the North are to be drawn this month (the first in South Korea); children
    born outside the North have no family there of their own. Without branches (vector instructions): the scalar
    ``draw_family`` then visits only the month's few new arrivals."""
    s.family_undrawn[i] = (s.status[i] == IN_SK) & s.defector[i] & (s.family_north[i] == UNDRAWN)


@rule
def draw_family(i, key, s, p, m, ctr):
    """Settler ``i``'s close relatives in the North, drawn in the first month in South Korea (``mark_undrawn``)."""
    if not s.family_undrawn[i]:
        return
    relatives = 0
    at(ctr, key, i, Slot.FAMILY)
    if uniform(ctr) < p.family_north_share:
        # 1 + Poisson(family_north_mean - 1) by inversion
        u, term, cumulative = uniform(ctr), p.no_extra_relatives, p.no_extra_relatives
        relatives = 1
        while u >= cumulative and relatives < MAX_RELATIVES:
            term *= (p.family_north_mean - 1) / relatives
            cumulative += term
            relatives += 1
        s.family_worry[i] = p.family_worry_level
    s.family_north[i] = relatives


@rule
def settler_month(i, key, s, p, m, ctr):
    """Settler ``i``: a relative arriving; whether a transfer or a broker's payment is drawn this month.

    Without branches (a settler not concerned keeps its values); the draws are taken for every row, as a
    settler's draws depend only on its row and the draw's slot.
    """
    t = m.t
    here = (s.status[i] == IN_SK) & s.defector[i]
    arrives = here & (s.reunion_month[i] == t)  # the households mechanism adds the relative to the household
    reunion_month = NEVER if arrives else s.reunion_month[i]
    s.reunion_month[i] = reunion_month
    family_north = s.family_north[i] - arrives
    s.family_north[i] = family_north
    s.reunions[i] = s.reunions[i] + arrives
    s.remitted[i] = 0.0 if here else s.remitted[i]
    with_budget = here & (family_north > 0) & (s.labour[i] != HANAWON) & (s.birth_month[i] <= m.born_by)
    sends = uniform_of(key, i, Slot.REMIT) < p.remittance_rate
    tries = (reunion_month < t) & (uniform_of(key, i, Slot.REUNION) < p.reunion_attempt_rate)
    s.family_payment[i] = with_budget & (sends | tries)


@rule
def pay_brokers(i, key, s, p, m, ctr):
    """Settler ``i``'s transfer and broker's payment for a relative, out of the household's cash if it allows."""
    if not s.family_payment[i]:
        return
    t = m.t
    h = s.household_head[i]  # the household's money row: remittances and broker fees come out of its budget
    if uniform_at(ctr, key, i, Slot.REMIT) < p.remittance_rate:
        paid = p.remittance_paid_per_income * s.income[i]  # out of the settler's own income
        if 0 < paid <= s.cash[h]:
            s.cash[h] -= paid
            s.remitted[i] = paid
            s.last_remittance[i] = t
    upfront = p.reunion_upfront_share * p.reunion_price_paid
    if (s.reunion_month[i] < t and s.cash[h] >= upfront
            and uniform_at(ctr, key, i, Slot.REUNION) < p.reunion_attempt_rate):
        s.cash[h] -= upfront
        s.debt[h] += p.reunion_price_paid - upfront  # owed to the broker
        if uniform_at(ctr, key, i, Slot.FAILURE) >= p.reunion_failure_share:
            s.reunion_month[i] = t + p.reunion_delay_months


@rule
def update_worry(i, key, s, p, m, ctr):
    """Settler ``i``'s worry moves towards its level while relatives are in the North (less in a month with news)."""
    here = (s.status[i] == IN_SK) & s.defector[i]
    sent = s.last_remittance[i] == m.t
    worried = s.family_north[i] > 0
    target = p.family_worry_level * worried * (1 - p.remittance_worry_relief * sent)
    worry = s.family_worry[i] + p.family_worry_adjust_rate * (target - s.family_worry[i])
    s.family_worry[i] = worry if here else s.family_worry[i]
