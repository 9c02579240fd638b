"""Survey-comparable indicators, by group, computed each month.

Definitions follow the surveys (``survey_current.csv``): shares are of the **survey
population**, settlers aged 15+ living in South Korea and past Hanawon, except where stated;
unemployment is a share of the labour force; the wage is the mean over employed settlers;
counts are persons in the real population (the sample scaled by ``represents / size``).

Each indicator is **one declaration** (``sim.declare.Indicator``): its name, label, unit,
kind, numerator, the population it is defined on, its denominator, which direction is better
and its tier. Numerators, denominators and populations are per-settler quantities
(``@quantity`` functions of a settler's row). Adding an indicator means one declaration plus
its quantity (a mechanism may declare its own in its ``Mechanism(indicators=...)``).

Every indicator is reported for the groups in ``GROUPS``: all, by sex, by age group and by
years since arrival (1 = first year, ..., 6+). Each month every settler falls in one of
2 x 6 x 6 cells (sex x age band x years since arrival); one compiled pass over settlers adds
every quantity per cell for the populations the settler belongs to, a fixed 0/1 matrix sums
cells into groups, and ratios are taken of the group sums. The pass is generated from the
declarations (``kernel_source``): its source is written next to the compiled-kernel cache
and can be read there.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Sequence
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from sim.codes import (
    ABROAD,
    DAY_LABOUR,
    DIED,
    EMPLOYED,
    HANAWON,
    IN_SK,
    PAST_YEAR_MONTHS,
    REGULAR,
    RETURNED_NORTH,
    SURVEY_MIN_AGE,
    UNEMPLOYED,
    UNKNOWN,
)
from sim.declare import INDICATOR_KINDS, Indicator, Mechanism, Quantity, python_rule, quantity, rule
from sim.engine import ByIndex, function_body
from sim.jit import load_generated
from sim.mechanisms.ties import support_tie_count

AGE_EDGES = (15, 30, 40, 50, 60)  # bins: <15 | 15-29 | 30-39 | 40-49 | 50-59 | 60+
AGE_LABELS = ("15-29", "30-39", "40-49", "50-59", "60+")
YEARS_LABELS = ("1", "2", "3", "4", "5", "6+")
N_SEX, N_AGE, N_YEARS = 2, len(AGE_EDGES) + 1, len(YEARS_LABELS)
N_CELLS = N_SEX * N_AGE * N_YEARS
CELL_READS = ("female", "birth_month", "arrival_month")

GROUPS: tuple[str, ...] = (
    ("all", "sex=male", "sex=female")
    + tuple(f"age={a}" for a in AGE_LABELS)
    + tuple(f"years_since_arrival={y}" for y in YEARS_LABELS)
)


def _group_matrix() -> np.ndarray:
    """(N_CELLS, len(GROUPS)) 0/1 matrix summing cells into groups."""
    sex, age, yrs = np.unravel_index(np.arange(N_CELLS), (N_SEX, N_AGE, N_YEARS))
    cols = [np.ones(N_CELLS, bool), sex == 0, sex == 1]
    cols += [age == k for k in range(1, N_AGE)]  # band 0 (<15) is in no age group
    cols += [yrs == k for k in range(N_YEARS)]
    return np.stack(cols, axis=1).astype(np.float64)


GROUP_MATRIX = _group_matrix()


@rule
def cell_of(t, female, birth_month, arrival_month):
    """Cell (sex x age band x years since arrival) of a settler at month ``t``.

    Age band = number of ``AGE_EDGES`` at or below the age in whole years (0 = under 15); years since
    arrival = whole years since the arrival month, 0 (first year) to 5 (6+), 0 before arrival.
    """
    age_months = t - birth_month
    since = t - arrival_month
    band = 0
    for edge in AGE_EDGES:
        band += age_months >= 12 * edge
    years = 0
    for k in range(1, N_YEARS):
        years += since >= 12 * k
    return (female * N_AGE + band) * N_YEARS + years


# ---------------------------------------------------------------- populations (who an indicator counts)

# Every population is of settlers (``defector``): children born in the South or a third country live in settlers'
# households but are not in the surveys or the official counts.

@quantity(reads=("status", "defector"))
def in_south_korea(i, s, t, p):
    return (s.status[i] == IN_SK) & s.defector[i]


@quantity(reads=("status", "labour", "defector"))
def settled(i, s, t, p):
    """In South Korea and past Hanawon (all ages)."""
    return (s.status[i] == IN_SK) & (s.labour[i] != HANAWON) & s.defector[i]


@quantity(reads=("status", "labour", "birth_month", "defector"))
def survey(i, s, t, p):
    """The survey population: settled and aged 15 or over."""
    return ((s.status[i] == IN_SK) & (s.labour[i] != HANAWON) & (t - s.birth_month[i] >= 12 * SURVEY_MIN_AGE)
            & s.defector[i])


@quantity(reads=("status", "exit_month", "defector"))
def died_past_year(i, s, t, p):
    return (s.status[i] == DIED) & (s.exit_month[i] > t - PAST_YEAR_MONTHS) & s.defector[i]


@quantity(reads=("status", "defector"))
def away(i, s, t, p):
    """Abroad (confirmed or not), returned North or out of contact."""
    return ((s.status[i] == UNKNOWN) | (s.status[i] == ABROAD) | (s.status[i] == RETURNED_NORTH)) & s.defector[i]


# ---------------------------------------------------------------- per-settler quantities

@quantity(reads=())
def counted(i, s, t, p):
    """1 for everyone in the population (its size)."""
    return 1


@quantity(reads=("labour",))
def employed(i, s, t, p):
    return s.labour[i] == EMPLOYED


@quantity(reads=("labour",))
def unemployed(i, s, t, p):
    return s.labour[i] == UNEMPLOYED


@quantity(reads=("labour",))
def in_labour_force(i, s, t, p):
    return (s.labour[i] == EMPLOYED) | (s.labour[i] == UNEMPLOYED)


@quantity(reads=("labour",))
def inactive(i, s, t, p):
    """Neither employed nor unemployed (trainees included)."""
    return (s.labour[i] != EMPLOYED) & (s.labour[i] != UNEMPLOYED)


@quantity(reads=("labour", "job_type"))
def regular_job(i, s, t, p):
    return (s.labour[i] == EMPLOYED) & (s.job_type[i] == REGULAR)


@quantity(reads=("labour", "job_type"))
def day_labour_job(i, s, t, p):
    return (s.labour[i] == EMPLOYED) & (s.job_type[i] == DAY_LABOUR)


@quantity(reads=("labour", "wage"), integer=False)
def wage_if_employed(i, s, t, p):
    """The wage of the employed, 0 for others (quantities use & | and flags as numbers: no branches)."""
    return np.float64(s.wage[i]) * (s.labour[i] == EMPLOYED)


@quantity(reads=("satisfied",))
def satisfied(i, s, t, p):
    return s.satisfied[i]


@quantity(reads=("last_discrimination",))
def discriminated_past_year(i, s, t, p):
    return (t - s.last_discrimination[i]) < PAST_YEAR_MONTHS


@quantity(reads=("benefit",))
def receives_benefit(i, s, t, p):
    """Lives in a recipient household (the official count: every member of a recipient household)."""
    return s.benefit[i]


@quantity(reads=("benefit", "household_head"))
def claims_benefit(i, s, t, p):
    """Claims the benefit for the household: its head, one person per recipient household."""
    return s.benefit[i] & (s.household_head[i] == i)


@quantity(reads=("depression",), uses=("depression_threshold",))
def depressed(i, s, t, p):
    """Current major depression: the score above ``depression_threshold``."""
    return s.depression[i] > p.depression_threshold


@quantity(reads=("depression_ever",))
def depressed_ever(i, s, t, p):
    return s.depression_ever[i]


@quantity(reads=("ptsd",), uses=("ptsd_threshold",))
def probable_ptsd(i, s, t, p):
    return s.ptsd[i] > p.ptsd_threshold


@quantity(reads=("ptsd_ever",))
def ptsd_ever(i, s, t, p):
    return s.ptsd_ever[i]


@quantity(reads=("last_ideation",))
def ideation_past_year(i, s, t, p):
    return (t - s.last_ideation[i]) < PAST_YEAR_MONTHS


@quantity(reads=("settler_ties", "sk_ties", "mentor_left", "lives_alone"))
def no_one_to_ask(i, s, t, p):
    """No settler or South Korean tie, mentor or household member (``support_tie_count`` = 0)."""
    return support_tie_count(s.settler_ties[i], s.sk_ties[i], s.mentor_left[i], s.lives_alone[i]) == 0


@quantity(reads=("depression", "ptsd"), uses=("depression_threshold", "ptsd_threshold"))
def in_need(i, s, t, p):
    """Major depression or probable PTSD."""
    return (s.depression[i] > p.depression_threshold) | (s.ptsd[i] > p.ptsd_threshold)


@quantity(reads=("depression", "ptsd", "counselling_left"), uses=("depression_threshold", "ptsd_threshold"))
def in_need_counselled(i, s, t, p):
    return ((s.depression[i] > p.depression_threshold) | (s.ptsd[i] > p.ptsd_threshold)) & (s.counselling_left[i] > 0)


@quantity(reads=("sk_ties",))
def south_korean_ties(i, s, t, p):
    return s.sk_ties[i]


@quantity(reads=("settler_ties",))
def settler_ties(i, s, t, p):
    return s.settler_ties[i]


@quantity(reads=("loneliness",), integer=False)
def loneliness(i, s, t, p):
    return s.loneliness[i]


@quantity(reads=("trust",), integer=False)
def trust(i, s, t, p):
    return s.trust[i]


@quantity(reads=("money_stress",), integer=False)
def money_stress(i, s, t, p):
    return s.money_stress[i]


@quantity(reads=("status",))
def out_of_contact(i, s, t, p):
    return s.status[i] == UNKNOWN


@quantity(reads=("status",))
def residence_unconfirmed(i, s, t, p):
    """Among those away: abroad and not yet confirmed, or out of contact (not returned North)."""
    return s.status[i] != RETURNED_NORTH


@quantity(reads=("status",))
def returned_north(i, s, t, p):
    return s.status[i] == RETURNED_NORTH


@quantity(reads=("death_unclaimed",))
def death_unclaimed(i, s, t, p):
    return s.death_unclaimed[i]


@quantity(reads=("suicide",))
def died_by_suicide(i, s, t, p):
    return s.suicide[i]


H, S = "headline", "summary"
INDICATORS: tuple[Indicator, ...] = (
    Indicator("labour_force_participation", "Labour force participation", "percent", "share", in_labour_force, survey,
              "employed or unemployed / survey population", better="higher", tier=S),
    Indicator("employment_rate", "Employment rate", "percent", "share", employed, survey,
              "employed / survey population", better="higher", tier=H),
    Indicator("unemployment_rate", "Unemployment rate", "percent of labour force", "share", unemployed, survey,
              "unemployed / labour force", denominator=in_labour_force, better="lower", tier=H),
    Indicator("economically_inactive", "Economically inactive", "percent", "share", inactive, survey,
              "neither employed nor unemployed (incl. training)"),
    Indicator("mean_monthly_wage", "Mean monthly wage of the employed", "10k KRW per month", "mean", wage_if_employed,
              survey, "mean wage of employed settlers", denominator=employed, better="higher", tier=H),
    Indicator("regular_job_share", "Regular jobs", "percent of employed", "share", regular_job, survey,
              "regular jobs / employed", denominator=employed, better="higher"),
    Indicator("day_labour_share", "Day labour", "percent of employed", "share", day_labour_job, survey,
              "day labour / employed", denominator=employed, better="lower"),
    Indicator("life_satisfaction", "Satisfied with life", "percent satisfied", "share", satisfied, survey,
              "satisfied / survey population", better="higher", tier=H),
    Indicator("discrimination_past_year", "Discriminated against in the past year", "percent", "share",
              discriminated_past_year, survey, "discriminated against in the past 12 months", better="lower", tier=S),
    Indicator("livelihood_benefit_household_members", "Livelihood benefit recipients (household members)", "percent",
              "share", receives_benefit, settled,
              "settlers living in a household that receives the livelihood benefit / all settlers in South Korea past "
              "Hanawon (all ages): the official count", better="lower", tier=H),
    Indicator("livelihood_benefit_claimants", "Livelihood benefit recipients (one per household)", "percent", "share",
              claims_benefit, settled,
              "settlers who head a household that receives the livelihood benefit / all settlers past Hanawon",
              better="lower"),
    Indicator("major_depression", "Major depression (current)", "percent", "share", depressed, survey,
              "current major depression", better="lower", tier=H),
    Indicator("major_depression_lifetime", "Major depression (lifetime)", "percent", "share", depressed_ever, survey,
              "ever had major depression", better="lower"),
    Indicator("ptsd", "Probable PTSD (current)", "percent", "share", probable_ptsd, survey, "current probable PTSD",
              better="lower", tier=S),
    Indicator("ptsd_lifetime", "Probable PTSD (lifetime)", "percent", "share", ptsd_ever, survey,
              "ever had probable PTSD", better="lower"),
    Indicator("suicidal_impulse_past_year", "Suicidal impulse in the past year", "percent", "share",
              ideation_past_year, survey, "a suicidal impulse in the past 12 months", better="lower", tier=H),
    Indicator("no_one_to_ask_when_sick", "No one to ask for help when sick", "percent", "share", no_one_to_ask,
              survey, "no tie, mentor or household member to ask for help", better="lower", tier=H),
    Indicator("mean_loneliness", "Loneliness", "score 0-1", "mean", loneliness, survey, "mean loneliness score",
              better="lower", tier=S),
    Indicator("mean_south_korean_ties", "Ties to South Koreans", "ties per person", "mean", south_korean_ties, survey,
              "mean ties to South Koreans", better="higher", tier=H),
    Indicator("mean_settler_ties", "Ties to other settlers", "ties per person", "mean", settler_ties, survey,
              "mean ties to other settlers", better="higher"),
    Indicator("counselling_coverage", "Counselling coverage", "percent of those in need", "share",
              in_need_counselled, survey, "in counselling / with major depression or probable PTSD",
              denominator=in_need, better="higher"),
    Indicator("mean_trust", "Trust in officials", "score 0-1", "mean", trust, survey, "mean trust in officials",
              better="higher"),
    Indicator("money_stress", "Money stress", "score 0-1", "mean", money_stress, survey, "mean money stress",
              better="lower"),
    Indicator("population_in_south_korea", "Settlers living in South Korea", "persons", "count", counted,
              in_south_korea, "settlers living in South Korea (all ages)"),
    Indicator("whereabouts_unknown", "Whereabouts unknown", "persons", "count", out_of_contact, away,
              "stock of settlers out of contact", better="lower", tier=H),
    Indicator("residence_unconfirmed", "Residence unconfirmed", "persons", "count", residence_unconfirmed, away,
              "abroad unconfirmed or whereabouts unknown"),
    Indicator("returned_to_north", "Returned to the North (cumulative)", "persons", "count", returned_north, away,
              "cumulative returns to the North"),
    Indicator("deaths", "Deaths in the past year", "persons per year", "count", counted, died_past_year,
              "deaths in the past 12 months", better="lower"),
    Indicator("unclaimed_deaths", "Unclaimed deaths in the past year", "persons per year", "count", death_unclaimed,
              died_past_year, "unclaimed deaths in the past 12 months", better="lower", tier=S),
    Indicator("suicides", "Suicides in the past year", "persons per year", "count", died_by_suicide, died_past_year,
              "suicides in the past 12 months", better="lower"),
)


# ---------------------------------------------------------------- the compiled pass, generated from the declarations

class Layout:
    """Where each quantity is accumulated: the rows of the pass's (int) counts and (float) sums.

    populations: the distinct ``among`` quantities, in declaration order; each has its size as a count row.
    rows: {(population, quantity): ("int" | "float", row)} for every numerator and denominator.
    """

    def __init__(self, indicators: Sequence[Indicator]) -> None:
        self.indicators = tuple(indicators)
        pops: dict[str, Quantity] = {}
        self.rows: dict[tuple[str, str], tuple[str, int]] = {}
        self.quantities: dict[str, Quantity] = {}
        counts = sums = 0
        for ind in self.indicators:
            pops.setdefault(ind.among.name, ind.among)
            for q in (ind.among, ind.numerator, ind.denominator):
                if q is not None:
                    known = self.quantities.setdefault(q.name, q)
                    if known is not q:
                        raise ValueError(f"two quantities named {q.name!r} ({known.module}, {q.module})")
        self.populations = tuple(pops.values())
        for pop in self.populations:
            self.rows[(pop.name, pop.name)] = ("int", counts)
            counts += 1
        for ind in self.indicators:
            for q in (ind.numerator, ind.denominator):
                if q is None or (ind.among.name, q.name) in self.rows:
                    continue
                if q is counted:  # 1 for everyone: the population's own size
                    self.rows[(ind.among.name, q.name)] = self.rows[(ind.among.name, ind.among.name)]
                    continue
                if q.integer:
                    self.rows[(ind.among.name, q.name)] = ("int", counts)
                    counts += 1
                else:
                    self.rows[(ind.among.name, q.name)] = ("float", sums)
                    sums += 1
        self.n_counts, self.n_sums = counts, sums

    def row(self, population: str, q: str) -> int:
        """Row in the stacked (counts, then sums) array."""
        kind, r = self.rows[(population, q)]
        return r if kind == "int" else self.n_counts + r

    @property
    def reads(self) -> tuple[str, ...]:
        cols = list(CELL_READS)
        for q in self.quantities.values():
            cols += q.reads
        return tuple(dict.fromkeys(cols))

    @property
    def uses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(u for q in self.quantities.values() for u in q.uses))


def quantity_expression(q: Quantity, fields: dict[str, tuple[str, ...]]) -> str:
    """The expression a quantity returns, as source with the views indexed (``sim.engine.ByIndex``)."""
    where = f"{q.module}.{q.name}"
    body = function_body(python_rule(q.fn), ["i", "s", "t", "p"], where)
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        raise ValueError(f"{where}: a quantity is fn(i, s, t, p) with one 'return <expression>'")
    return f"({ast.unparse(ByIndex(where, fields).visit(body[0].value))})"


PACK_BITS = 15  # bits of a packed counter: 0/1 counts are added four to an int64 (fewer stores per settler)
PACK_FIELDS = 4  # 60 bits: the sign bit is never reached, so the adds cannot overflow
PACK_ROWS = 2**PACK_BITS - 1  # settlers between two unpacks: a packed counter cannot overflow
BLOCK_ROWS = 512  # settlers per block: the block's values (a few KB a quantity) stay in the L1/L2 cache
NOWHERE = N_CELLS  # the cell of a settler in no population: a column of its own, dropped at the end


def is_flag(q: Quantity) -> bool:
    """Whether a quantity is 0 or 1 (a comparison, a bool column, or ``& | ^ not`` of such): packed when summed."""
    from sim import catalogue

    body = function_body(python_rule(q.fn), ["i", "s", "t", "p"], f"{q.module}.{q.name}")

    def flag(node: ast.AST) -> bool:
        if isinstance(node, ast.Compare) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            return True
        if isinstance(node, ast.BoolOp):
            return all(flag(v) for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            return flag(node.left) and flag(node.right)
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and isinstance(node.value.value, ast.Name) and node.value.value.id == "s"):
            column = catalogue.COLUMNS.get(node.value.attr)
            return column is not None and column.dtype is np.bool_
        return False

    return len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None and flag(body[0].value)


def kernel_source(layout: Layout, fields: dict[str, tuple[str, ...]]) -> str:
    """Python source of the compiled pass for ``layout``, with each quantity's expression written in (numba
    compiles a call that passes the view slower). ``fields``: the field names of the views ``s`` and ``p``, which
    the pass receives as plain tuples.

    The settlers are taken ``BLOCK_ROWS`` at a time, in two loops:

    * the values: every population and quantity of every settler, without branches (a settler outside a
      population gives 0 for it; one in no population goes to the ``NOWHERE`` cell), so that the loop runs on
      vector instructions. Computing the values was most of the pass's time, scalar;
    * the adds into the settler's cell, in row order (the same sums, to the last bit: an added 0 changes none).

    Counts of 0/1 values (each population's size and its flags) are added ``PACK_FIELDS`` at a time, in
    ``PACK_BITS``-bit fields of one int64 (``packed``), and moved into ``counts`` (``unpack``) at the end and before
    a field could overflow: the same integers, with a quarter of the stores. The move is a function of its own:
    written in the loop, it slowed the loop down.

    Every quantity is computed for every row, in its population or not: its expression must be safe on any row.
    """
    modules = list(dict.fromkeys(q.module for q in layout.quantities.values()))
    cells = N_CELLS + 1  # with NOWHERE
    ind = " " * 12  # function, blocks, rows
    values: list[str] = []  # the first loop's statements
    flags: list[tuple[int, str]] = []  # (row of counts, value) of every 0/1 count, packed in that order
    ints: list[tuple[int, str]] = []  # (row of counts, value) of counts that are not flags
    reals: list[tuple[int, str]] = []  # (row of sums, value)
    # who is in which population, before any store (a store could alias a column and force reloads)
    for pop in layout.populations:
        values.append(f"{ind}in_{pop.name} = {quantity_expression(pop, fields)}")
    cell = ast.unparse(ByIndex("cell", fields).visit(ast.parse(
        "cell_of(t, s.female[i], s.birth_month[i], s.arrival_month[i])", mode="eval")).body)
    anywhere = " | ".join("in_" + pop.name for pop in layout.populations)
    values.append(f"{ind}cell[j] = {cell} if ({anywhere}) else {NOWHERE}")
    computed: set[str] = set()
    for pop in layout.populations:
        rows = [(qname, kind, r) for (pname, qname), (kind, r) in layout.rows.items() if pname == pop.name]
        rows = [(q, kind, r) for q, kind, r in rows if q == pop.name or q != counted.name]  # counted: the size row
        for qname, kind, r in rows:
            if qname == pop.name:
                flags.append((r, f"in_{pop.name}"))
                continue
            if qname not in computed:
                values.append(f"{ind}v_{qname} = {quantity_expression(layout.quantities[qname], fields)}")
                computed.add(qname)
            if kind == "int" and is_flag(layout.quantities[qname]):
                flags.append((r, f"(v_{qname} & in_{pop.name})"))
            elif kind == "int":
                ints.append((r, f"_np.int64(v_{qname}) if in_{pop.name} else 0"))
            else:
                reals.append((r, f"_np.float64(v_{qname}) if in_{pop.name} else 0.0"))
    words = [flags[k:k + PACK_FIELDS] for k in range(0, len(flags), PACK_FIELDS)]  # the fields of each packed word
    for w, word in enumerate(words):
        terms = " | ".join(f"(_np.int64({v}) << {PACK_BITS * f})" for f, (_, v) in enumerate(word))
        values.append(f"{ind}words[{w}, j] = {terms}")
    values += [f"{ind}ints[{k}, j] = {v}" for k, (_, v) in enumerate(ints)]
    values += [f"{ind}reals[{k}, j] = {v}" for k, (_, v) in enumerate(reals)]
    adds = [f"{ind}c = cell[j]"]
    adds += [f"{ind}packed[{w}, c] += words[{w}, j]" for w in range(len(words))]
    adds += [f"{ind}counts[{r}, c] += ints[{k}, j]" for k, (r, _) in enumerate(ints)]
    adds += [f"{ind}sums[{r}, c] += reals[{k}, j]" for k, (r, _) in enumerate(reals)]
    lines = ['"""Generated by sim/indicators.py from the indicator declarations: do not edit."""', "",
             "import importlib", "", "import numpy as _np", "", "from sim.jit import kernel as _kernel", "",
             f"for _module in {modules!r}:",
             "    globals().update({k: v for k, v in vars(importlib.import_module(_module)).items()",
             "                      if not k.startswith('__')})", "", "",
             "@_kernel", "def cell_quantities(t, s, p, n):",
             '    """Per-cell sums at month t over rows 0 .. n - 1: counts (int64) and sums (float64), (quantities, cells)."""',
             f"    counts = _np.zeros(({max(layout.n_counts, 1)}, {cells}), dtype=_np.int64)",
             f"    sums = _np.zeros(({max(layout.n_sums, 1)}, {cells}))",
             f"    packed = _np.zeros(({max(len(words), 1)}, {cells}), dtype=_np.int64)",
             f"    cell = _np.empty({BLOCK_ROWS}, dtype=_np.int64)",
             f"    words = _np.empty(({max(len(words), 1)}, {BLOCK_ROWS}), dtype=_np.int64)",
             f"    ints = _np.empty(({max(len(ints), 1)}, {BLOCK_ROWS}), dtype=_np.int64)",
             f"    reals = _np.empty(({max(len(reals), 1)}, {BLOCK_ROWS}))",
             f"    # s: {', '.join(fields['s'])}",
             f"    # p: {', '.join(fields['p'])}",
             "    since_unpack = 0",
             f"    for start in range(0, n, {BLOCK_ROWS}):",
             f"        rows = min({BLOCK_ROWS}, n - start)",
             f"        if since_unpack + rows > {PACK_ROWS}:  # a packed field holds at most PACK_ROWS settlers",
             "            unpack(counts, packed)",
             "            since_unpack = 0",
             "        since_unpack += rows",
             "        for j in range(rows):",
             "            i = _np.uint64(start) + _np.uint64(j)  # unsigned: no negative-index wrap (it stops vectorizing)",
             *values,
             "        for j in range(rows):",
             *adds,
             "    unpack(counts, packed)",
             f"    return counts[:, :{N_CELLS}], sums[:, :{N_CELLS}]", "", "",
             "@_kernel", "def unpack(counts, packed):", '    """Adds the packed counts into counts and clears them."""',
             f"    for c in range({N_CELLS}):"]
    for w, word in enumerate(words):
        for f, (r, _) in enumerate(word):
            lines.append(f"        counts[{r}, c] += (packed[{w}, c] >> {PACK_BITS * f}) & {PACK_ROWS}")
        lines.append(f"        packed[{w}, c] = 0")
    return "\n".join(lines) + "\n"


def _check_globals(layout: Layout) -> None:
    """Quantities of different modules are written into one generated module: their global names must agree."""
    seen: dict[str, tuple[str, Any]] = {}
    for module in dict.fromkeys(q.module for q in layout.quantities.values()):
        for name, value in vars(importlib.import_module(module)).items():
            if name.startswith("__"):
                continue
            if name in seen and seen[name][1] is not value and not isinstance(value, ModuleType):
                raise ValueError(f"indicator quantities: the name {name!r} means different things in "
                                 f"{seen[name][0]} and {module}")
            seen.setdefault(name, (module, value))


class Compiled:
    """The generated pass for a set of indicators, with the arrays that turn cell sums into indicators."""

    def __init__(self, indicators: Sequence[Indicator]) -> None:
        self.layout = Layout(indicators)
        self.declaration = Mechanism(name="indicators", reads=self.layout.reads, uses=self.layout.uses)
        _check_globals(self.layout)
        self.fields = {"s": self.layout.reads, "p": self.declaration.parameter_names}
        self.kernel = load_generated(kernel_source(self.layout, self.fields), "indicators").cell_quantities
        num, den, mult = [], [], []
        for ind in self.layout.indicators:
            pop = ind.among.name
            num.append(self.layout.row(pop, ind.numerator.name))
            den.append(self.layout.row(pop, pop if ind.denominator is None else ind.denominator.name))
            mult.append(INDICATOR_KINDS[ind.kind] or 0.0)
        self.num_rows, self.den_rows = np.array(num), np.array(den)
        self.is_count = np.array([ind.kind == "count" for ind in self.layout.indicators])
        self.multiplier = np.array(mult)

    def compute(self, state: Any, t: int, p: Any, scale: float) -> np.ndarray:
        """All indicators at month ``t``, shape (indicators, groups); NaN where undefined."""
        from sim.engine import param_view

        counts, sums = self.kernel(t, state.arrays(self.fields["s"]), tuple(param_view(self.declaration, p)),
                                   state.active_rows)
        acc = np.concatenate([counts[: self.layout.n_counts].astype(np.float64), sums[: self.layout.n_sums]])
        grouped = acc @ GROUP_MATRIX
        num, den = grouped[self.num_rows], grouped[self.den_rows]
        out = self.multiplier[:, None] * _ratio(num, den)
        out[self.is_count] = scale * num[self.is_count]
        return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den where den > 0, else NaN (nothing is divided by zero, so no warnings to silence)."""
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1), np.nan)


# ---------------------------------------------------------------- the model's indicators

def all_indicators() -> tuple[Indicator, ...]:
    """The built-in indicators and those declared by mechanisms (``sim.catalogue``)."""
    from sim import catalogue

    return catalogue.INDICATORS


@cache
def compiled() -> Compiled:
    return Compiled(all_indicators())


def compute(s: Any, t: int, p: Any, scale: float) -> np.ndarray:
    """All indicators at month ``t``, shape (len(INDICATOR_NAMES), len(GROUPS)); NaN where undefined."""
    return compiled().compute(s, t, p, scale)


def headline(tier: str = "headline") -> tuple[str, ...]:
    """Names of the indicators of ``tier`` ("headline", or "summary": headline and summary tiers), in order."""
    tiers = ("headline",) if tier == "headline" else ("headline", "summary")
    return tuple(i.name for i in all_indicators() if i.tier in tiers)


@cache
def _tables() -> dict[str, Any]:
    inds = all_indicators()
    return {"INDICATOR_NAMES": tuple(i.name for i in inds), "INDICATOR_BY_NAME": {i.name: i for i in inds},
            "HEADLINE": headline("headline"), "SUMMARY": headline("summary")}


def __getattr__(name: str) -> Any:
    """INDICATOR_NAMES, INDICATOR_BY_NAME, HEADLINE, SUMMARY: built on first use from the catalogue (which
    imports this module, so they cannot be built at import)."""
    tables = _tables()
    if name in tables:
        return tables[name]
    raise AttributeError(f"module 'sim.indicators' has no attribute {name!r}")
