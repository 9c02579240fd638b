"""Households: who lives together, pooled budgets, the benefit per household, household events and levers."""

from __future__ import annotations

import numpy as np
import pytest

from sim import indicators
from sim.agents import Household
from sim.codes import (
    ABROAD,
    CHILD,
    DIED,
    EMPLOYED,
    HANAWON,
    HEAD,
    IN_SK,
    MINOR_AGE,
    NO_ROW,
    PARTNER,
    REGULAR,
    RESERVED,
    UNKNOWN,
)
from sim.mechanisms import households, money
from sim.model import ResettlementModel
from sim.state import PENDING


@pytest.fixture(scope="module")
def history() -> ResettlementModel:
    """A population replay, 2015-2020: arrivals every month, births, partnerships and exits."""
    m = ResettlementModel(n_settlers=4000, mode="population", start="2015-01", months=72, rng=11, agent_views=False)
    while m.running:
        m.step()
    return m


def test_every_settler_and_child_belongs_to_a_household_in_south_korea(history, rng):
    s = history.state
    # the households mechanism puts households right at the start of a month (heads who left or died replaced,
    # sizes counted): run it once on the final state
    households.step(s, history.p, rng, history.clock)
    here = np.flatnonzero(s.status == IN_SK)
    heads = s.household_head[here]
    assert (s.household_head[heads] == heads).all()  # a head heads their own household
    assert np.isin(s.status[heads], (IN_SK, UNKNOWN)).all()  # and lives here (or is out of contact)
    t = history.clock.month - 1
    minors = here[t - s.birth_month[here] < 12 * MINOR_AGE]
    born_outside = here[~s.defector[here]]
    assert born_outside.size > 100 and minors.size > 100
    # children born in the South or a third country are someone's child (unless orphaned: a parent who died alone
    # leaves the oldest child as head)
    young = born_outside[t - s.birth_month[born_outside] < 12 * MINOR_AGE]
    assert (s.relation[young] == CHILD).mean() > 0.98
    # most minors live with a parent (the rest arrived without one: child_with_mother_share = 0.9)
    assert (s.relation[minors] == CHILD).mean() > 0.85
    # household sizes add up to the people living here
    on_heads = np.bincount(s.household_head[here], minlength=s.n)
    np.testing.assert_array_equal(s.household_size[on_heads > 0], on_heads[on_heads > 0])


def test_households_have_the_published_shape(history):
    """Mean household size about 2.3 and one-person households about 28% (KHF 2019): the model is in the range."""
    sizes = np.array([h.size for h in history.households])
    assert 1.6 < sizes.mean() < 3.0
    assert 0.15 < (sizes == 1).mean() < 0.6


def test_household_budgets_add_up(history, rng):
    """One month of money: each head's cash - debt moves by household income - spending; other rows keep none."""
    s = history.state
    net = s.cash - s.debt
    money.step(s, history.p, rng, history.clock)
    heads = np.flatnonzero((s.household_head == np.arange(s.n)) & (s.budget_members > 0))
    np.testing.assert_allclose(((s.cash - s.debt) - net)[heads],
                               (s.household_income.astype(float) - s.spending)[heads], atol=1e-2, rtol=1e-6)
    members = np.flatnonzero((s.status == IN_SK) & (s.household_head != np.arange(s.n)))
    assert (s.cash[members] == 0).all() and (s.debt[members] == 0).all()  # money is on the head's row
    members = members[s.labour[members] != HANAWON]  # those in Hanawon are housed there, outside the budget
    # members share the household's money stress and benefit
    np.testing.assert_array_equal(s.money_stress[members], s.money_stress[s.household_head[members]])


def two_person_households(make_state, n: int, member_wage: float):
    """``n`` households of a head and an adult member, both inactive within the grace period, except that the
    member earns ``member_wage`` in a regular job."""
    s = make_state(2 * n, months_since_arrival=4)  # Hanawon (3 months) + 1: within the grace period
    heads, members = np.arange(n), n + np.arange(n)
    s.household_head[members] = heads
    s.relation[members] = PARTNER
    s.labour[members], s.job_type[members], s.wage[members] = EMPLOYED, REGULAR, member_wage
    return s, heads, members


@pytest.mark.parametrize("member_wage", [50.0, 150.0, 300.0])
def test_the_benefit_follows_household_income(make_state, clock, rng, params, member_wage):
    p = params.replace(benefit_takeup=1.0)
    s, heads, members = two_person_households(make_state, 200, member_wage)
    money.step(s, p, rng, clock(0))
    standard = p.livelihood_standard_10k_krw * 2 ** p.household_scale_elasticity
    recognised = member_wage * (1 - p.mainstream_earnings_disregard)  # past protection (protection_until NEVER)
    if recognised < standard:  # the gap to the two-person standard is paid, to the whole household
        assert s.benefit[heads].all() and s.benefit[members].all()
        np.testing.assert_allclose(s.household_income[heads], member_wage + standard - recognised, rtol=1e-5)
    elif recognised < p.nbls_threshold_ratio * standard:  # a recipient (housing, medical) with no cash part
        assert s.benefit[heads].all()
        np.testing.assert_allclose(s.household_income[heads], member_wage, rtol=1e-6)
    else:  # the member's wage lifts the household above the standard: nobody receives it
        assert not s.benefit[heads].any() and not s.benefit[members].any()
        np.testing.assert_allclose(s.household_income[heads], member_wage, rtol=1e-6)


def test_the_settler_disregard_applies_within_the_protection_period(make_state, clock, rng, params):
    """A wage just above the recipients' threshold disqualifies under the general rule, not with the settler
    disregard."""
    p = params.replace(benefit_takeup=1.0, settler_earnings_disregard=0.5, mainstream_earnings_disregard=0.0)
    wage = 1.2 * p.nbls_threshold_ratio * p.livelihood_standard_10k_krw * 2 ** p.household_scale_elasticity
    s, _, _ = two_person_households(make_state, 100, wage)
    s.protection_until[:50] = 10  # the first 50 households are within their protection period
    s.protection_until[100:150] = 10
    money.step(s, p, rng, clock(0))
    assert s.benefit[:50].all() and not s.benefit[50:100].any()


def test_both_benefit_counts(history):
    """Household members (the official count) >= one per recipient household; both are shares of settlers."""
    members = history.indicator("livelihood_benefit_household_members")
    claimants = history.indicator("livelihood_benefit_claimants")
    assert (members >= claimants - 1e-9).all()
    assert members[-1] > 1.2 * claimants[-1]  # recipient households have more than one settler on average


def test_benefit_count_is_of_household_members(history):
    """The official count: a settler in a recipient household counts, whoever claims."""
    s, t = history.state, history.clock.month - 1
    settled = (s.status == IN_SK) & (s.labour != HANAWON) & s.defector
    out = indicators.compute(s, t, history.p, 1.0)
    k = indicators.INDICATOR_NAMES.index("livelihood_benefit_household_members")
    assert out[k, 0] == pytest.approx(100 * s.benefit[settled].mean(), rel=1e-9)


def test_a_head_who_emigrates_takes_the_children_and_the_partner_takes_over(make_state, clock, rng, params):
    s = make_state(4, cash=0.0)
    s.household_head[:] = 0
    s.relation[:] = (HEAD, PARTNER, CHILD, CHILD)
    s.partner[0], s.partner[1] = 1, 0
    s.birth_month[2:] = -5 * 12  # two children aged 5
    s.cash[0], s.debt[0] = 500.0, 200.0
    s.status[0], s.exit_month[0] = ABROAD, -1  # left last month
    s.household_size[0] = 4
    households.step(s, params, rng, clock(0))
    assert (s.status[2:] == ABROAD).all() and s.status[1] == IN_SK
    assert s.household_head[1] == 1 and s.relation[1] == HEAD
    assert s.cash[1] == 500.0 and s.debt[1] == 200.0 and s.cash[0] == 0.0


@pytest.mark.parametrize("left_as", [ABROAD, DIED])
def test_a_partner_who_leaves_or_dies_leaves_the_head_single(make_state, clock, rng, params, left_as):
    """A woman heads the household; her partner, a member, emigrated or died last month: from this month she has no
    partner (so no births, no division of work, and she is a lone parent of their child); the dead keep theirs on
    record, as a departed head does. A couple of another household, where nobody left, is untouched."""
    s = make_state(5, cash=0.0)
    s.household_head[:] = (0, 0, 0, 3, 3)
    s.relation[:] = (HEAD, PARTNER, CHILD, HEAD, PARTNER)
    s.female[:] = (True, False, False, True, False)
    s.partner[:] = (1, 0, NO_ROW, 4, 3)
    s.birth_month[2] = -5 * 12
    s.status[1], s.exit_month[1] = left_as, -1
    households.step(s, params, rng, clock(0))
    assert s.partner[0] == NO_ROW and s.lone_parent[0] and s.children[0] == 1
    assert s.partner[1] == (0 if left_as == DIED else NO_ROW)
    assert s.partner[3] == 4 and s.partner[4] == 3 and not s.lone_parent[3]


def test_births_add_children_born_in_the_south(make_state, clock, rng, params):
    n = 4000
    s = make_state(2 * n + 500, age=30, female=True)
    s.status[2 * n:], s.arrival_month[2 * n:] = PENDING, RESERVED  # free rows
    s.outside_partner[:n] = True  # n partnered women, n single
    p = params.replace(birth_rate=0.05, partnership_rate=0.0, separation_rate=0.0)
    households.step(s, p, rng, clock(0))
    born = np.flatnonzero((s.status == IN_SK) & ~s.defector)
    # births ~ Binomial(4000, 0.05): mean 200, sd 13.8; only partnered women give birth
    assert abs(born.size - 200) < 5 * 13.8
    assert (s.household_head[born] < n).all() and (s.relation[born] == CHILD).all() and (s.birth_month[born] == 0).all()
    mothers = s.household_head[born]
    assert (s.children[mothers] >= 1).all() and (s.youngest_child_birth_month[mothers] == 0).all()


def test_partnerships_merge_households_and_separations_split_them(make_state, clock, rng, params):
    n = 2000
    s = make_state(2 * n, age=30)
    s.female[:n] = True
    p = params.replace(partnership_rate=0.05, settler_partner_share=1.0, birth_rate=0.0, separation_rate=0.0)
    households.step(s, p, rng, clock(0))
    paired = np.flatnonzero(s.partner != -1)
    # pairs ~ 0.05 x 2000 women and men each (about 100 each): more than 60 pairs is > 5 sd below
    assert paired.size > 2 * 60
    assert (s.partner[s.partner[paired]] == paired).all()  # partners point at each other
    assert (s.household_head[paired] == s.household_head[s.partner[paired]]).all()  # and live together
    for woman in paired[s.female[paired]]:  # every partnership ends (households.separate: one month's event)
        households.separate(s, int(woman))
    assert (s.partner == -1).all()
    men = paired[~s.female[paired]]
    assert (s.household_head[men] == men).all()  # the man leaves and heads his own household


def test_reunification_adds_a_member_to_the_sponsors_household():
    """A relative whose reunion month comes arrives that month as a new settler in the sponsor's household."""
    # no other way for a household to grow, or for a sponsor to leave it in the month the relative arrives
    m = ResettlementModel(n_settlers=1500, months=48, rng=4, agent_views=False, reunion_attempt_rate=0.05,
                          birth_rate=0.0, partnership_rate=0.0, separation_rate=0.0, leave_home_rate=0.0)
    reunions, rows_at_start = 0, m.state.n
    while m.running:
        s, t = m.state, m.clock.month
        due = np.flatnonzero((s.reunion_month == t) & (s.status == IN_SK))
        sizes = {int(h): Household(m, int(h)).size for h in s.household_head[due]}
        m.step()
        new = np.flatnonzero(s.defector & (s.arrival_month == t) & (t > 0))
        assert new.size == due.size
        assert sorted(s.household_head[new]) == sorted(s.household_head[due])
        for h, size in sizes.items():  # each household grew by its relatives (less anyone who left this month)
            grown = Household(m, h).size - size
            assert grown <= (s.household_head[new] == h).sum()
            assert (s.household_head[new] == h).sum() >= 1
        reunions += due.size
    assert reunions > 20
    # at this rate the rows kept free run out: the state grew instead of dropping relatives
    assert m.state.n > rows_at_start and getattr(m.state, "dropped_events", 0) == 0


def paired_effect(indicator: str, at_month: int, replicates: int = 6, **lever: float) -> np.ndarray:
    """Paired differences (lever - baseline) of an indicator at a month, over replicates (common random numbers)."""
    diffs = []
    for seed in range(replicates):
        kw = dict(n_settlers=2000, months=at_month, agent_views=False)
        base, changed = ResettlementModel(rng=seed, **kw), ResettlementModel(rng=seed, **kw, **lever)
        for model in (base, changed):
            while model.running:
                model.step()
        diffs.append(changed.indicator(indicator)[-1] - base.indicator(indicator)[-1])
    return np.array(diffs)


def assert_direction(diffs: np.ndarray, sign: int) -> None:
    """The mean paired difference has the stated sign, at least 3 standard errors from zero."""
    se = diffs.std(ddof=1) / np.sqrt(diffs.size)
    assert sign * diffs.mean() > 3 * se, f"mean {diffs.mean():.3f}, se {se:.3f}"


def test_a_larger_settler_disregard_raises_benefit_receipt():
    assert_direction(paired_effect("livelihood_benefit_household_members", 24, settler_earnings_disregard=0.8), +1)


def test_a_mainstream_disregard_raises_receipt_after_the_protection_period():
    diffs = paired_effect("livelihood_benefit_household_members", 36, protection_period_years=1,
                          mainstream_earnings_disregard=0.8)
    assert_direction(diffs, +1)


def test_hana_center_support_after_protection_keeps_check_ins_going():
    """Check-ins raise trust (supportive contacts) and lower it (monitoring); the count of contacts is the
    direct outcome: more settlers contacted in the past months after the protection period ends."""
    counts = []
    for lever in (0.0, 1.0):
        m = ResettlementModel(n_settlers=2000, months=30, rng=3, agent_views=False, protection_period_years=1,
                              hana_center_after_protection=lever)
        while m.running:
            m.step()
        t = m.clock.month - 1
        counts.append(int(((t - m.state.last_contact) < 6).sum()))
    assert counts[1] > 2 * counts[0] + 20


def test_some_children_reaching_school_leaving_age_go_to_university(make_state, clock, rng, params):
    """A share university_entry_share study on (out of the labour market) and graduate with a tertiary degree."""
    from sim.codes import EDUCATION_NAMES, INACTIVE
    from sim.mechanisms import labour

    n = 4000
    p = params.replace(university_entry_share=0.3, university_years=4)
    s = make_state(n)
    s.birth_month[:] = -12 * p.school_leaving_age  # they reach school-leaving age this month
    labour.step(s, p, rng, clock(0))
    studying = s.studying_until == 48
    # Binomial(4000, 0.3): sd 29; 5 sd
    assert abs(studying.sum() - 0.3 * n) < 5 * 29
    assert (s.labour[studying] == INACTIVE).all()
    labour.step(s, p, rng, clock(48))
    assert (s.education[studying] == EDUCATION_NAMES.index("tertiary")).all() and s.credentials[studying].all()


def test_a_grown_state_keeps_its_agents_and_both_paths_equal():
    """When free rows run out the state grows; the Mesa agent views follow it, and the per-agent path still gives the
    engine's results on the grown state (high birth and reunion rates make 200 settlers outgrow their reserve)."""
    from sim.state import PENDING

    kw = dict(n_settlers=200, months=36, agent_views=True, reunion_attempt_rate=0.05, birth_rate=0.05,
              reunion_cost_10k_krw=100)
    engine_model, agent_model = ResettlementModel(rng=9, **kw), ResettlementModel(rng=9, **kw)
    start = engine_model.state.n
    while engine_model.running:
        engine_model.step()
        agent_model.step_agents()
    assert engine_model.state.n > start
    for name in ("status", "household_head", "labour", "depression", "cash"):
        np.testing.assert_array_equal(getattr(engine_model.state, name), getattr(agent_model.state, name))
    np.testing.assert_array_equal(engine_model.record, agent_model.record)
    arrived = int((agent_model.state.status != PENDING).sum())
    assert len(agent_model.agents) == arrived
