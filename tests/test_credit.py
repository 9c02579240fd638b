"""Credit: interest accrues, repayments clear informal debt first, arrears build only under money stress, default
writes off debt and bars formal credit, financial literacy lowers missed payments, and microloan access lowers debt.

Single-mechanism tests run ``credit.step`` on controlled states (``make_state``: settled adults, 35, arrived 36
months ago); statistical ones use N = 20,000 settlers per group (binomial sd of a share <= 0.0035) and thresholds at
least 5 sd from both zero and the expected value. The lever test runs the whole model with common seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.codes import NEVER
from sim.engine import param_view
from sim.mechanisms import credit, money
from sim.model import ResettlementModel
from sim.state import IN_SK

N = 20_000


def view(p):
    return param_view(credit.DECLARATION, p)


def test_interest_accrues_at_the_informal_and_the_formal_rate(make_state, clock, rng, params):
    s = make_state(3, debt=1000.0, formal_debt=[0.0, 1000.0, 400.0])
    credit.step(s, params, rng, clock(0))
    v = view(params)
    r_inf, r_f = v.informal_monthly_rate, v.formal_monthly_rate
    assert r_inf == pytest.approx(1.15 ** (1 / 12) - 1) and r_f == pytest.approx(1.045 ** (1 / 12) - 1)
    np.testing.assert_allclose(s.debt, [1000 * (1 + r_inf), 1000 * (1 + r_f), 600 * (1 + r_inf) + 400 * (1 + r_f)])
    np.testing.assert_allclose(s.formal_debt, [0.0, 1000 * (1 + r_f), 400 * (1 + r_f)])
    assert (s.arrears == 0).all() and (s.last_default == NEVER).all()  # no money stress: payments are made


def test_repayments_come_off_the_informal_part_first(make_state, clock, rng, params):
    s = make_state(2, debt=[500.0, 0.0], formal_debt=[800.0, 300.0])  # money repaid more than the informal part
    credit.step(s, params.replace(formal_interest_rate=0.0), rng, clock(0))
    np.testing.assert_allclose(s.formal_debt, [500.0, 0.0])
    np.testing.assert_allclose(s.debt, [500.0, 0.0])


def default_probability(miss: float, months: int, needed: int) -> float:
    """P(at least ``needed`` missed payments in a row within ``months``): a Markov chain on the run length."""
    state = np.zeros(needed + 1)
    state[0] = 1.0
    for _ in range(months):
        new = np.zeros_like(state)
        new[0] = state[:needed].sum() * (1 - miss)
        new[1:needed + 1] = state[:needed] * miss
        new[needed] += state[needed]
        state = new
    return state[needed]


def test_default_happens_only_under_money_stress(make_state, clock, rng, params):
    stressed, calm, no_debt = slice(0, N), slice(N, 2 * N), slice(2 * N, 3 * N)
    s = make_state(3 * N, debt=1000.0, money_stress=0.5)
    s.money_stress[stressed] = 1.0
    s.money_stress[no_debt], s.debt[no_debt] = 1.0, 0.0
    months = 12
    for t in range(months):
        credit.step(s, params, rng, clock(t))
    defaulted = s.last_default != NEVER
    assert not defaulted[calm].any() and not defaulted[no_debt].any()
    assert (s.arrears[calm] == 0).all()
    expected = default_probability(params.missed_payment_rate, months, int(params.default_arrears_months))
    # expected about 0.22 at the declared defaults; sd 0.003 at N = 20,000: tolerance 0.02 is over 6 sd
    assert abs(defaulted[stressed].mean() - expected) < 0.02
    assert defaulted[stressed].mean() > 0.1


def test_a_default_writes_off_debt_and_bars_formal_credit(make_state, clock, rng, params):
    p = params.replace(missed_payment_rate=1.0, default_arrears_months=1, informal_interest_rate=0.0,
                       formal_interest_rate=0.0)
    s = make_state(2, debt=1000.0, money_stress=[1.0, 0.5], microloan=1)
    s.money_stress[1] = 0.5
    s.debt[1] = 0.0  # no debt, no default
    credit.step(s, p, rng, clock(0))
    assert s.last_default[0] == 0 and s.last_default[1] == NEVER
    assert s.debt[0] == pytest.approx(1000 * (1 - p.default_writeoff_share))
    # the next months (stress below the arrears threshold: no new default): the microloan line is barred
    s.money_stress[0] = 0.3
    s.formal_debt[0] = 0.0
    credit.step(s, p, rng, clock(1))
    assert s.formal_debt[0] == 0.0  # barred: no refinancing
    credit.step(s, p, rng, clock(p.default_bar_years * 12))  # the bar has ended
    assert s.formal_debt[0] == pytest.approx(s.debt[0])


def test_a_default_raises_the_households_money_stress_for_months(make_state, clock, rng, params):
    """Money adds default_stress_rise for default_stress_months after a default, for every member."""
    s = make_state(4, cash=100000.0)  # rich: no stress of their own
    s.household_head[1], s.relation[1] = 0, 1  # row 1 is a member of row 0's household
    s.last_default[0] = 0  # household 0 defaulted in month 0; household 2 (rows 2, 3 alone) never
    money.step(s, params, rng, clock(1))
    base = s.money_stress[2]
    assert s.money_stress[0] == pytest.approx(min(1.0, base + params.default_stress_rise), abs=1e-6)
    assert s.money_stress[1] == s.money_stress[0]  # shared with the member
    money.step(s, params, rng, clock(params.default_stress_months + 1))  # the months are over
    assert s.money_stress[0] == pytest.approx(s.money_stress[2], abs=1e-6)


def test_hanawon_and_mentors_lower_missed_payments(make_state, clock, rng, params):
    base, mentored, recent = slice(0, N), slice(N, 2 * N), slice(2 * N, 3 * N)
    s = make_state(3 * N, debt=1000.0, money_stress=1.0)
    s.mentor_left[mentored] = 6
    s.arrival_month[recent] = -6  # within Hanawon + literacy_months
    credit.step(s, params, rng, clock(0))
    behind = s.arrears > 0
    miss = params.missed_payment_rate
    # expected 0.30 / 0.24 / 0.24: sd 0.0032 each; tolerance 0.015 is over 4 sd, the gaps 0.06 over 13 sd
    assert abs(behind[base].mean() - miss) < 0.015
    assert abs(behind[mentored].mean() - miss * (1 - params.mentor_literacy_effect)) < 0.015
    assert abs(behind[recent].mean() - miss * (1 - params.hanawon_literacy_effect)) < 0.015


def test_a_microloan_refinances_informal_debt_up_to_its_cap(make_state, clock, rng, params):
    cap = params.microloan_max_10k_krw
    s = make_state(3, debt=[500.0, 3 * cap, 500.0], microloan=[1, 1, 0])
    credit.step(s, params, rng, clock(0))
    r_inf, r_f = view(params).informal_monthly_rate, view(params).formal_monthly_rate
    np.testing.assert_allclose(s.formal_debt, [500 * (1 + r_f), cap * (1 + r_f), 0.0])
    np.testing.assert_allclose(s.debt, [500 * (1 + r_f), cap * (1 + r_f) + 2 * cap * (1 + r_inf), 500 * (1 + r_inf)])


def test_the_microloan_offer_follows_access(make_state, clock, rng, params):
    s = make_state(N, debt=100.0)
    credit.step(s, params.replace(microloan_access=0.4), rng, clock(0))
    assert abs((s.microloan == 1).mean() - 0.4) < 0.02  # sd 0.0035
    assert set(np.unique(s.microloan)) == {0, 1}


def run(seed: int, **kw):
    m = ResettlementModel(n_settlers=2000, months=48, rng=seed, agent_views=False, **kw)
    while m.running:
        m.step()
    return m.state


def test_microloan_access_lowers_debt_and_defaults():
    """Lever: refinancing at 4.5% instead of 15% lowers debt; with common seeds, in every replicate."""
    debt, defaults = {}, {}
    for arm, access in (("none", 0.0), ("all", 1.0)):
        states = [run(seed, microloan_access=access) for seed in (1, 2, 3)]
        debt[arm] = [s.debt[s.status == IN_SK].mean() for s in states]
        defaults[arm] = sum(int((s.last_default != NEVER).sum()) for s in states)
        if arm == "all":
            assert all((s.formal_debt > 0).any() for s in states)
    assert all(a < b for a, b in zip(debt["all"], debt["none"])), debt
    assert defaults["all"] <= defaults["none"], defaults
