"""Households: who lives and budgets together, and how households form, grow and split.

Assumptions and sources:

* A household is a head and the members whose ``household_head`` is the head's row: a partner,
  children and parents. Settlers who arrive together form one at arrival (``form_at_arrival``,
  called by ``sim.population``): children under 18 go with a mother of the same arrival year
  (``child_with_mother_share``), some men arrive with a partner (``arrive_with_partner_share``), older
  settlers with an adult child (``elder_with_family_share``); women may bring children born in a
  third country, who are household members but not settlers (``defector`` False). Sources: family-unit
  arrivals 38-54% of entrants (Korea Hana Foundation via Yonhap 2017), spouses 46% North Korean, 31%
  Chinese, 21% South Korean (KHF 2012 survey), 15.9% of settlers' children born in a third country
  (KHF 2024).
* A partner who is not a settler (South Korean or Chinese) has no row of their own: ``outside_partner``
  on the head, counted in the household's size and earning ``outside_partner_earnings_10k_krw``
  (assumption) in the budget (``sim.mechanisms.money``).
* Monthly events, at low stated rates (assumptions; no published rates were found): single adults
  form a partnership (``partnership_rate``; with another settler at ``settler_partner_share``, the
  spouse-origin share, else an outside partner); partnerships split (``separation_rate``: the man
  leaves, the woman keeps the children); partnered women aged 20-44 give birth (``birth_rate``; 78.2%
  of settlers' children under 18 were born in the South, KHF 2024), the child a new member born in
  the South; adult children leave home (``leave_home_rate`` from ``leave_home_age``).
* When a head leaves South Korea alive, the children under 18 go too (as anyone leaves: no job or counselling
  course is kept); when the head dies or leaves,
  the partner (else the oldest member) becomes head and keeps the household's money.
* Rows for births and for relatives who join later are kept free when the population is built
  (``RESERVE_ROWS_PER_SETTLER_YEAR``); when they run out the state grows by a block of rows (``GROWTH_SHARE``),
  so no event is dropped.
* Each month the household's size, its children under 18, the youngest child's birth month, whether
  a settler lives alone and whether the head is a lone parent are derived from the members.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import engine
from sim.codes import (
    ABROAD,
    CHILD,
    DIED,
    EDUCATION_NAMES,
    HANAWON,
    HEAD,
    IN_SK,
    INACTIVE,
    LEFT,
    MINOR_AGE,
    MONTHS_PER_YEAR,
    NEVER,
    NO_ROW,
    PARENT,
    PARTNER,
    RESERVED,
    RETURNED_NORTH,
)
from sim.declare import OWN_ROW, Column, Mechanism, Slots, behaviour, rule
from sim.jit import kernel
from sim.kernel_random import uniform_of
from sim.mechanisms.exits import leave
from sim.population import background_draws, female_share_of_arrivals, write_background

if TYPE_CHECKING:
    from sim.clock import Clock
    from sim.engine import Run
    from sim.state import State

# kinds of household event a settler draws in a month
NO_EVENT, FORM_PARTNERSHIP, SEPARATE, GIVE_BIRTH, LEAVE_HOME = range(5)
EVENT_KINDS = LEAVE_HOME + 1  # codes of household_event, NO_EVENT included
FERTILE_AGES = (20, 45)  # years: ages at which partnered women may give birth (assumption: Korean births by age)
PARTNER_MIN_AGE = 20  # years: single settlers from this age may form a partnership (assumption)
MOTHER_MIN_AGE_GAP = 18  # years: a mother is at least this much older than her child (assumption)
MOTHER_MAX_AGE_GAP = 45  # years: and at most this much (assumption)
PARTNER_MAX_AGE_GAP = 15  # years: partners who arrive together differ by at most this much (assumption)
MOTHER_MAX_AGE = 50  # years: mothers of arriving children are women aged 20-49 (assumption)
PARTNER_ARRIVAL_MAX_AGE = 65  # years: men who may arrive with a partner are aged 20-64 (assumption)
PAIRING_JITTER = 5  # years: partners who arrive together are paired by age give or take this (assumption)
ELDER_AGE = 60  # years: settlers from this age may arrive with an adult child's household (the arrival table's band)
# spare rows per settler-year simulated for births and relatives who join later: about 20% above what a ten-year
# cohort uses at the posterior median (births 0.6 and relatives 1.4 per 100 settler-years); parameters that bring
# more (a higher reunion rate) make the state grow (free_rows)
RESERVE_ROWS_PER_SETTLER_YEAR = 0.025
GROWTH_SHARE = 0.1  # rows added when the free rows run out, as a share of the state's rows (each growth copies all)


class Slot(Slots):
    """Draw slots (sim.kernel_random)."""

    PARTNERSHIP = 0
    SEPARATION = 1
    BIRTH = 2
    LEAVE_HOME = 3


DECLARATION = Mechanism(
    name="households",
    owns=(
        Column("household_head", np.int32, OWN_ROW, "row of the household's head (a head's own row)"),
        Column("relation", np.int8, HEAD, "code: RELATION_NAMES, relation to the household's head"),
        Column("partner", np.int32, NO_ROW, "row of the settler's partner (NO_ROW: none, or a partner with no row)"),
        Column("outside_partner", np.bool_, False,
               "bool (on a head): has a partner who is not a settler (South Korean or Chinese), without a row"),
        Column("household_size", np.int8, 0, "persons in the household in South Korea, on the head's row"),
        Column("household_event", np.int8, NO_EVENT, "code: the household event the settler drew this month"),
        Column("children", np.int8, 0, "children under 18 in the settler's household, on its head and partner"),
        Column("youngest_child_birth_month", np.int32, NEVER,
               "month index of birth of the youngest child under 18 in the household, on its head and partner "
               "(NEVER: none)"),
        Column("lives_alone", np.bool_, False, "bool: one-person household"),
        Column("lone_parent", np.bool_, False, "bool: head of a household with children under 18 and no partner"),
    ),
    reads=("status", "labour", "female", "birth_month", "defector", "reunion_month", "job_type", "wage",
           "counselling_left"),
    writes=("household_head", "relation", "partner", "outside_partner", "household_size", "household_event",
            "children", "youngest_child_birth_month", "lives_alone", "lone_parent", "status", "exit_month", "cash",
            "debt", "arrival_month", "birth_month", "female", "defector", "labour", "job_type", "wage",
            "counselling_left", "dialect", "education", "north_occupation",
            "trauma", "health_limit", "productivity", "satisfaction_propensity", "trust"),
    params=(
        behaviour("child_with_mother_share", 0.9, "share of arriving children under 18", 0, 1,
                  "assumption: 3% of settler youth live alone and 53% with one parent (KHF via VOA 2013)"),
        behaviour("arrive_with_partner_share", 0.3, "share of arriving men aged 20-64", 0, 1,
                  "assumption: family-unit arrivals 38-54% (KHF via Yonhap 2017), spouses 46% North Korean (KHF 2012)"),
        behaviour("elder_with_family_share", 0.5, "share of arriving settlers aged 60+", 0, 1,
                  "assumption: older settlers mostly follow their children (KHF 2016: 'following family' 20.2%)"),
        behaviour("third_country_child_share", 0.12, "share of arriving women aged 20-49", 0, 1,
                  "assumption: 15.9% of settlers' children under 18 were born in a third country (KHF 2024)"),
        behaviour("third_country_children_mean", 1.3, "children per mother who brings any", 1, 4,
                  "assumption: KHF 2024 mean 1.6 children under 18 among parents (all birthplaces)"),
        behaviour("outside_partner_earnings_10k_krw", 180, "10k KRW per month", 0, 600,
                  "assumption: partners from China and South Korea in low-paid work (below the 2024 median wage)"),
        behaviour("partnership_rate", 0.004, "per month, single adults 20-59", 0, 0.05,
                  "assumption: about 5% of single adults a year; over half of settlers have no spouse (KHF 2020-21)",
                  rate="probability"),
        behaviour("partnership_max_age", 60, "years", 30, 80, "assumption: partnerships form below this age",
                  integer=True),
        behaviour("settler_partner_share", 0.46, "share of partnerships", 0, 1,
                  "KHF 2012 survey: spouses 46% North Korean, 31% Chinese, 21% South Korean"),
        behaviour("separation_rate", 0.002, "per month, per partnership", 0, 0.05,
                  "assumption: divorced 11.6% of settlers aged 19+ (KHF 2012 survey)", rate="probability"),
        behaviour("birth_rate", 0.005, "per month, partnered women 20-44", 0, 0.05,
                  "assumption: 78.2% of settlers' children under 18 born in the South (KHF 2024); Korean fertility "
                  "is low (total fertility 0.72 in 2023)", rate="probability"),
        behaviour("leave_home_age", 25, "years", 18, 40, "assumption: adult children leave home from this age",
                  integer=True),
        behaviour("leave_home_rate", 0.01, "per month", 0, 0.2, "assumption: about 11% a year", rate="probability"),
    ),
    uses=("wage_sd_log", "trust_initial", "satisfaction_propensity_scale", "broker_debt_share",
          "broker_debt_mean_million_krw"),
    slots=Slot,
)
step = engine.stepper(DECLARATION)  # one month on a state: for tests and scripts

Month = collections.namedtuple("Month", ["t"])


def month(run: Run, s: State, p: Any, clock: Clock) -> None:
    """Heads who left are replaced, relatives join, events are drawn and applied, then each household is summed up."""
    t = clock.month
    replace_departed_heads(s, t)
    join_relatives(s, p, run.rng, t)
    m = Month(t)
    run.each(draw_event, s, p, m)
    events = engine.rows_nonzero(s.household_event, s.active_rows)  # free rows hold no event
    if events.size:
        apply_events(s, p, run.rng, t, events)
    sum_up(run.view(s), t, s.active_rows)


# ---------------------------------------------------------------- monthly passes

@rule
def has_partner(partner, outside_partner):
    """A settler with a partner: a settler partner's row (``partner``), or, on a head, a partner without a row."""
    return (partner != NO_ROW) | outside_partner


@rule
def draw_event(i, key, s, p, m, ctr):
    """Settler ``i`` draws at most one household event this month.

    Without branches, so that the compiled loop runs on vector instructions (about three times as fast as the
    same rule with branches): every row computes its tests and two draws, and a settler not settled in South
    Korea gets no event. A partnered settler tests a birth, else a separation; a single one a partnership, else
    leaving home: the first uniform is of slot BIRTH or PARTNERSHIP, the second of SEPARATION or LEAVE_HOME.
    """
    here = (s.status[i] == IN_SK) & (s.labour[i] != HANAWON)
    age_months = m.t - s.birth_month[i]
    partnered = has_partner(s.partner[i], s.outside_partner[i])
    u_first = uniform_of(key, i, Slot.BIRTH if partnered else Slot.PARTNERSHIP)
    u_second = uniform_of(key, i, Slot.SEPARATION if partnered else Slot.LEAVE_HOME)
    fertile = s.female[i] & (age_months >= 12 * FERTILE_AGES[0]) & (age_months < 12 * FERTILE_AGES[1])
    birth = fertile & (u_first < p.birth_rate)
    # one draw per partnership: by the woman, or by the settler whose partner has no row
    separation = (s.female[i] | (s.partner[i] == NO_ROW)) & (u_second < p.separation_rate)
    partnership = ((age_months >= 12 * PARTNER_MIN_AGE) & (age_months < 12 * p.partnership_max_age) & s.defector[i]
                   & ((s.relation[i] == HEAD) | (s.relation[i] == CHILD)) & (u_first < p.partnership_rate))
    leave_home = (s.relation[i] == CHILD) & (age_months >= 12 * p.leave_home_age) & (u_second < p.leave_home_rate)
    partnered_event = GIVE_BIRTH if birth else (SEPARATE if separation else NO_EVENT)
    single_event = FORM_PARTNERSHIP if partnership else (LEAVE_HOME if leave_home else NO_EVENT)
    event = partnered_event if partnered else single_event
    s.household_event[i] = event if here else NO_EVENT


@kernel
def sum_up(s, t, rows):
    """Each household's size, children under 18 and youngest child's birth month (on the head, shared with a
    partner), and who lives alone or is a lone parent, from the members in South Korea (rows ``0 .. rows - 1``:
    ``State.active_rows``). Population-level work (sums over households), so one compiled call on both the
    engine and the per-agent path.

    The heads' own counts come first, without branches (vector instructions); then the other members (a
    third of the rows, listed first: a branch on each row costs more than the list) add into their head's row.
    The sums are of integers and a maximum, so the order of the adds changes nothing. A lone parent is a head,
    so that test reads the settler's own row and its loop runs on vector instructions; the partners, listed
    while summing, then copy their head's children (in row order).
    """
    n = rows
    members = np.empty(n, dtype=np.int64)  # the first k: rows that are not their household's head, in row order
    k = 0
    for i in range(n):
        head = s.household_head[i] == i
        present = s.status[i] == IN_SK
        minor = head & present & (s.relation[i] == CHILD) & (t - s.birth_month[i] < 12 * MINOR_AGE)
        s.household_size[i] = head & present
        s.children[i] = minor
        s.youngest_child_birth_month[i] = s.birth_month[i] if minor else NEVER
    for i in range(n):
        members[k] = i
        k += s.household_head[i] != i
    partners = np.empty(k, dtype=np.int64)  # the first q: partners in South Korea, in row order
    q = 0
    for j in range(k):
        i = members[j]
        h = s.household_head[i]
        present = s.status[i] == IN_SK
        s.household_size[h] += present
        minor = present & (s.relation[i] == CHILD) & (t - s.birth_month[i] < 12 * MINOR_AGE)
        s.children[h] += minor
        born = s.birth_month[i] if minor else NEVER
        youngest = s.youngest_child_birth_month[h]
        s.youngest_child_birth_month[h] = born if born > youngest else youngest
        partners[q] = i
        q += present & (s.relation[i] == PARTNER)
    for i in range(n):
        lone_parent = ((s.household_head[i] == i) & (s.children[i] > 0) & (s.partner[i] == NO_ROW)
                       & (not s.outside_partner[i]))
        s.lone_parent[i] = lone_parent if s.status[i] == IN_SK else s.lone_parent[i]
    for i in range(n):
        if s.status[i] != IN_SK:
            continue
        h = s.household_head[i]
        s.lives_alone[i] = (s.household_size[h] == 1) & (not s.outside_partner[h])
    for j in range(q):
        i = partners[j]
        h = s.household_head[i]
        s.children[i] = s.children[h]
        s.youngest_child_birth_month[i] = s.youngest_child_birth_month[h]


# ---------------------------------------------------------------- events (few rows a month: numpy)

def replace_departed_heads(s: State, t: int) -> None:
    """Households whose head died or left last month (``exit_month``; a head out of contact stays head): children
    under 18 follow a head who left alive; a new head takes over. Then a partner who died or left last month no
    longer partners the one who stays (a partner out of contact still does)."""
    _replace_departed_heads(engine.state_view(DECLARATION, s), t, s.active_rows)


@kernel
def _replace_departed_heads(s, t, rows):
    """``replace_departed_heads``: the heads who left last month and the partnered who left (one pass over the rows,
    without branches), the heads' members (a pass over the rows testing a mark on the head: the rare members are the
    only branch taken), then per household; last, the partnerships of those who left."""
    n = rows
    # heads of larger households who left last month, marked in one pass without branches (vector instructions);
    # int32: a mark read at another row's index costs less than a bool
    marked = np.empty(n, dtype=np.int32)
    partnered = np.empty(n, dtype=np.int64)  # the first q: settlers with a partner row who left last month
    d = 0
    q = 0
    for i in range(n):
        left = s.exit_month[i] == t - 1
        departed = left & (s.household_head[i] == i) & (s.household_size[i] > 1)
        marked[i] = departed
        d += departed
        partnered[q] = i
        q += left & (s.partner[i] != NO_ROW)
    if d > 0:
        _new_heads(s, t, n, marked)
    for j in range(q):  # after the new heads: a departed head's partner is found by the partner field
        i = partnered[j]
        k = s.partner[i]
        if k == NO_ROW:  # cleared with a new head
            continue
        if s.partner[k] == i and s.status[k] != DIED:
            s.partner[k] = NO_ROW
        if s.status[i] != DIED:  # the dead keep their partner on record, as a departed head does
            s.partner[i] = NO_ROW


@kernel
def _new_heads(s, t, n, marked):
    """The members in South Korea of the heads ``marked`` (who left last month): children under 18 follow a head who
    left alive; the partner among the others, else the oldest, heads the household."""
    orphaned = np.empty(n, dtype=np.int64)  # members in South Korea of a head who left last month, in row order
    k = 0
    for i in range(n):
        h = s.household_head[i]
        if marked[h] != 0 and h != i and s.status[i] == IN_SK:
            orphaned[k] = i
            k += 1
    if k == 0:
        return
    stay = np.empty(k, dtype=np.int64)
    m = 0
    for j in range(k):  # children under 18 leave with a head who left alive
        i = orphaned[j]
        old = s.household_head[i]
        left_alive = s.status[old] == ABROAD or s.status[old] == LEFT or s.status[old] == RETURNED_NORTH
        minor = t - s.birth_month[i] < 12 * MINOR_AGE and s.relation[i] == CHILD
        if left_alive and minor:  # they leave as anyone leaves: no job, no counselling course kept
            leave(i, s.status[old], t, s.status, s.exit_month, s.labour, s.job_type, s.wage, s.counselling_left)
        else:
            stay[m] = i
            m += 1
    kept = stay[:m]
    for old in np.unique(s.household_head[kept]):  # the partner among the members, else the oldest, heads the household
        partner = s.partner[old]
        new = NO_ROW
        for i in kept:
            if s.household_head[i] == old and i == partner:
                new = i
        if new == NO_ROW:
            for i in kept:
                if s.household_head[i] == old and (new == NO_ROW or s.birth_month[i] < s.birth_month[new]):
                    new = i
        for i in kept:
            if s.household_head[i] == old:
                s.household_head[i] = new
        s.relation[new] = HEAD
        s.partner[new] = NO_ROW
        s.outside_partner[new] = False
        s.cash[new] += s.cash[old]
        s.debt[new] += s.debt[old]
        s.cash[old] = 0.0
        s.debt[old] = 0.0
        if s.status[old] != DIED:
            s.partner[old] = NO_ROW


def free_rows(s: State, k: int) -> np.ndarray:
    """``k`` rows kept free for births and relatives who join, used in order; when the reserve runs out the state
    grows by a block of ``GROWTH_SHARE`` of its rows (so no event is ever dropped)."""
    start = getattr(s, "next_free_row", None)  # set by sim.population: free rows are used in order
    if start is None:  # a state built by hand: its rows marked RESERVED, no growth
        rows = np.flatnonzero(s.arrival_month == RESERVED)[:k]
        dropped = k - rows.size
        if dropped:
            s.dropped_events = getattr(s, "dropped_events", 0) + dropped
        return rows
    if start + k > s.n:
        n = s.n
        s.grow(max(start + k - n, int(np.ceil(GROWTH_SHARE * n))))
        s.arrival_month[n:] = RESERVED
    s.next_free_row = start + k
    return np.arange(start, start + k)


def join_relatives(s: State, p: Any, rng: np.random.Generator, t: int) -> None:
    """Relatives brought from the North arrive in the household of the settler who sent for them (``reunion_month``)."""
    sponsors = engine.rows_equal(s.reunion_month, t, s.active_rows)  # free rows send for nobody
    sponsors = sponsors[s.status[sponsors] == IN_SK]
    if not sponsors.size:
        return
    rows = free_rows(s, sponsors.size)  # before the view: it may grow the state
    female = rng.random(rows.size) < female_share_of_arrivals()
    ages, draws = background_draws(rows.size, p, rng)
    _relatives_arrive(engine.state_view(DECLARATION, s), rows, sponsors[:rows.size], t, female, ages, draws,
                      p.trust_initial)


@kernel
def _relatives_arrive(s, rows, sponsors, t, female, ages, draws, trust_initial):
    """Relatives arrive in rows ``rows``, one for each of ``sponsors``, with their sex, and the ages and background
    of ``sim.population.background_draws``, in the sponsor's household (one call for the month's writes)."""
    for k in range(rows.size):
        i = rows[k]
        s.arrival_month[i] = t  # the arrival mechanism admits them to Hanawon this month
        s.female[i] = female[k]
        s.defector[i] = True
    write_background((s.birth_month, s.arrival_month, s.health_limit, s.trauma, s.dialect, s.productivity,
                      s.satisfaction_propensity, s.debt, s.trust, s.education, s.north_occupation),
                     rows, ages, draws, trust_initial)
    for k in range(rows.size):
        i = rows[k]
        s.debt[i] = 0.0  # what bringing them cost is the sponsor's debt (sim.mechanisms.family)
        s.household_head[i] = s.household_head[sponsors[k]]
        s.relation[i] = PARENT if t - s.birth_month[i] >= 12 * ELDER_AGE else CHILD


def apply_events(s: State, p: Any, rng: np.random.Generator, t: int, events: np.ndarray) -> None:
    """Apply this month's events in a fixed order: births, separations, leaving home, then partnerships.

    The newborns' rows are handed out first (``free_rows`` may grow the state) and the month's draws are numpy's,
    in that order: the newborns' sex, productivity and satisfaction propensity, then for the partnership seekers
    whether they pair with a settler, and the order in which the men are paired. The writes are one compiled call
    (``_apply_events``) instead of a numpy call per column and kind of event.
    """
    kind = s.household_event[events]
    born = free_rows(s, int(np.count_nonzero(kind == GIVE_BIRTH)))
    n = born.size
    births = (rng.random(n) < FEMALE_SHARE_AT_BIRTH, rng.normal(0.0, p.wage_sd_log, n),
              rng.logistic(0.0, p.satisfaction_propensity_scale, n)) if n else NO_DRAWS
    seekers = events[kind == FORM_PARTNERSHIP]
    with_settler = rng.random(seekers.size) < p.settler_partner_share if seekers.size else NO_FLAGS
    order = rng.permutation(np.count_nonzero(with_settler & ~s.female[seekers])) if seekers.size else NO_ROWS
    _apply_events(engine.state_view(DECLARATION, s), p, t, events, born, births, (with_settler, order),
                  s.active_rows)


NO_ROWS, NO_FLAGS = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.bool_)
NO_DRAWS = (NO_FLAGS, np.empty(0), np.empty(0))  # no births: no draws


@kernel
def _apply_events(s, p, t, events, born, births, partnering, rows):
    """``apply_events`` on the state view ``s`` (rows ``0 .. rows - 1`` active; ``born``: the newborns' rows)."""
    n = events.size
    by_kind = np.empty((EVENT_KINDS, n), dtype=np.int64)  # each kind's events, in event order
    counts = np.zeros(EVENT_KINDS, dtype=np.int64)
    for i in events:
        kind = s.household_event[i]
        by_kind[kind, counts[kind]] = i
        counts[kind] += 1
    _give_birth(s, p, t, by_kind[GIVE_BIRTH, :born.size], born, births)
    for i in by_kind[SEPARATE, :counts[SEPARATE]]:
        _separate(s, i, rows)
    for i in by_kind[LEAVE_HOME, :counts[LEAVE_HOME]]:
        _move_out(s, i)
    _form_partnerships(s, by_kind[FORM_PARTNERSHIP, :counts[FORM_PARTNERSHIP]], partnering, rows)


@kernel
def _give_birth(s, p, t, mothers, born, births):
    """A child born in the South joins each mother's household (rows ``born``, one per mother; ``births``: their
    sex, productivity and satisfaction propensity)."""
    female, productivity, propensity = births
    for k in range(born.size):
        i = born[k]
        s.status[i] = IN_SK
        s.labour[i] = INACTIVE
        s.arrival_month[i] = t
        s.birth_month[i] = t
        s.female[i] = female[k]
        s.defector[i] = False
        s.dialect[i] = 1.0  # grows up speaking Southern Korean
        s.education[i] = SCHOOLED_IN_THE_SOUTH
        s.trauma[i] = 0.0
        s.health_limit[i] = False
        s.productivity[i] = productivity[k]
        s.satisfaction_propensity[i] = propensity[k]
        s.trust[i] = p.trust_initial
        s.household_head[i] = s.household_head[mothers[k]]
        s.relation[i] = CHILD


SCHOOLED_IN_THE_SOUTH = EDUCATION_NAMES.index("secondary")  # assumption: a child born here finishes secondary school
FEMALE_SHARE_AT_BIRTH = 100 / 205  # Statistics Korea: about 105 boys per 100 girls at birth


def separate(s: State, i: int) -> None:
    """Settler ``i``'s partnership ends: an outside partner leaves; a settler partner (the man) leaves alone."""
    _separate(engine.state_view(DECLARATION, s), i, s.active_rows)


@kernel
def _separate(s, i, rows):
    """``separate`` on the state view ``s`` (rows ``0 .. rows - 1`` active)."""
    j = np.int64(s.partner[i])
    if j == NO_ROW:
        s.outside_partner[s.household_head[i]] = False
        return
    woman, man = (np.int64(i), j) if s.female[i] else (j, np.int64(i))
    if s.household_head[woman] == man:  # the woman keeps the household
        _move_members(s.household_head[:rows], np.full(1, man), np.full(1, woman))
        s.relation[woman] = HEAD
        s.cash[woman], s.cash[man] = s.cash[man], 0.0
        s.debt[woman], s.debt[man] = s.debt[man], 0.0
    s.household_head[man] = man
    s.relation[man] = HEAD
    s.partner[woman] = NO_ROW
    s.partner[man] = NO_ROW


@kernel
def _move_out(s, i):
    """Adult child ``i`` sets up a household of their own (with nothing of the household's money)."""
    s.household_head[i] = i
    s.relation[i] = HEAD


@kernel
def _form_partnerships(s, seekers, partnering, rows):
    """Seekers pair with a seeking settler of the other sex (``partnering``: whether each does, at
    ``settler_partner_share``, and the random order of the men), else with an outside partner."""
    if seekers.size == 0:
        return
    with_settler, order = partnering
    women = seekers[with_settler & s.female[seekers]]
    men = seekers[with_settler & ~s.female[seekers]][order]
    pairs = min(women.size, men.size)
    _couple(s, women[:pairs], men[:pairs], rows)
    outside = np.concatenate((seekers[~with_settler], women[pairs:], men[pairs:]))
    for i in outside:
        if s.relation[i] != HEAD:
            _move_out(s, i)
        s.outside_partner[i] = True


def couple(s: State, women: np.ndarray, men: np.ndarray) -> None:
    """Pairs of settlers form partnerships; each woman's household takes in the man's (a woman who is not a head
    moves out first, so the couple sets up a household of its own). One pass over the rows for all pairs."""
    _couple(engine.state_view(DECLARATION, s), women, men, s.active_rows)


@kernel
def _couple(s, women, men, rows):
    """``couple`` on the state view ``s`` (rows ``0 .. rows - 1`` active)."""
    if women.size == 0:
        return
    for w in women:
        if s.relation[w] != HEAD:
            _move_out(s, w)
    heads = np.empty(men.size, dtype=np.bool_)
    for k in range(men.size):
        heads[k] = s.relation[men[k]] == HEAD
    if heads.any():  # the men's households join the women's
        _move_members(s.household_head[:rows], men[heads], women[heads])
        for k in range(men.size):
            if heads[k]:
                s.cash[women[k]] += s.cash[men[k]]
                s.debt[women[k]] += s.debt[men[k]]
                s.cash[men[k]] = 0.0
                s.debt[men[k]] = 0.0
    for k in range(men.size):
        s.household_head[men[k]] = women[k]
        s.relation[men[k]] = PARTNER
        s.partner[women[k]] = men[k]
        s.partner[men[k]] = women[k]


@kernel
def _move_members(household_head, old_heads, new_heads):
    """Members of the households of ``old_heads`` (the heads included) join those of ``new_heads``: one pass."""
    n = household_head.size
    moving = np.zeros(n, dtype=np.bool_)
    new_head = np.empty(n, dtype=np.int64)  # read only where moving
    for j in range(old_heads.size):
        moving[old_heads[j]] = True
        new_head[old_heads[j]] = new_heads[j]
    for i in range(n):
        h = household_head[i]
        if moving[h]:
            household_head[i] = new_head[h]


# ---------------------------------------------------------------- arrival

def join(s: State, rows: np.ndarray, heads: np.ndarray, relation: int) -> None:
    """``rows`` join the households of ``heads`` at arrival, arriving with them."""
    s.household_head[rows] = heads
    s.relation[rows] = relation
    s.arrival_month[rows] = s.arrival_month[heads]


def form_at_arrival(s: State, idx: np.ndarray, p: Any, rng: np.random.Generator, group: np.ndarray) -> None:
    """Settlers ``idx`` who arrive in the same ``group`` (arrival year) form households (``p``: this module's view).

    Each starts as the head of their own; then children join mothers, men partners and elders adult children,
    within their group. Arrival months of joiners are set to the household's.
    """
    s.household_head[idx] = idx
    s.relation[idx] = HEAD
    age = (s.arrival_month[idx] - s.birth_month[idx]) // MONTHS_PER_YEAR
    for g in np.unique(group):
        in_g = group == g
        rows, ages = idx[in_g], age[in_g]
        fem = s.female[rows]
        # children: a mother of the group whose age is 18-45 years above the child's, at random
        is_mother = fem & (ages >= FERTILE_AGES[0]) & (ages < MOTHER_MAX_AGE)
        order = np.argsort(ages[is_mother], kind="stable")
        mothers, mother_age = rows[is_mother][order], ages[is_mother][order]
        going = (ages < MINOR_AGE) & (rng.random(rows.size) < p.child_with_mother_share)
        children, child_age = rows[going], ages[going]
        lo = np.searchsorted(mother_age, child_age + MOTHER_MIN_AGE_GAP, side="left")
        hi = np.searchsorted(mother_age, child_age + MOTHER_MAX_AGE_GAP, side="right")
        has = hi > lo
        pick = lo[has] + (rng.random(int(has.sum())) * (hi[has] - lo[has])).astype(np.int64)
        join(s, children[has], mothers[pick], CHILD)
        # men who arrive with a partner: paired with single women of the group by age rank (ages jittered so that
        # the pairing is random among women of similar age), no pair more than PARTNER_MAX_AGE_GAP years apart
        single = rows[fem & (ages >= PARTNER_MIN_AGE) & (s.household_head[rows] == rows)]
        with_partner = rng.random(rows.size) < p.arrive_with_partner_share
        men = rows[~fem & (ages >= PARTNER_MIN_AGE) & (ages < PARTNER_ARRIVAL_MAX_AGE) & with_partner]
        if men.size and single.size:
            def jittered(r: np.ndarray) -> np.ndarray:
                return age[np.searchsorted(idx, r)] + rng.uniform(-PAIRING_JITTER, PAIRING_JITTER, r.size)
            men, single = men[np.argsort(jittered(men))], single[np.argsort(jittered(single))]
            men = men[:single.size]
            women = single[(np.arange(men.size) * single.size) // max(men.size, 1)]  # by rank, without replacement
            age_of = (s.arrival_month - s.birth_month) // MONTHS_PER_YEAR
            near = np.abs(age_of[women] - age_of[men]) <= PARTNER_MAX_AGE_GAP
            women, men = women[near], men[near]
            s.arrival_month[men] = s.arrival_month[women]
            couple(s, women, men)
        # elders who came alone: with the household of an adult of the group, at random
        adults = rows[(ages >= PARTNER_MIN_AGE) & (ages < ELDER_AGE) & (s.relation[rows] == HEAD)]
        alone = (s.relation[rows] == HEAD) & (s.partner[rows] == NO_ROW)
        elders = rows[(ages >= ELDER_AGE) & alone & (rng.random(rows.size) < p.elder_with_family_share)]
        if adults.size and elders.size:
            join(s, elders, adults[rng.integers(0, adults.size, elders.size)], PARENT)
    heads = s.household_head[idx]  # a household's debts and money are kept on its head's row
    debt = s.debt[idx].copy()
    s.debt[idx] = 0.0
    np.add.at(s.debt, heads, debt)
