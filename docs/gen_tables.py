"""Regenerate the tables in README.md and docs/ODD.md from the code (``make docs``).

The docs hold blocks like::

    <!-- BEGIN GENERATED levers (docs/gen_tables.py) -->
    ...
    <!-- END GENERATED levers -->

and this script rewrites what lies between the markers from ``sim.params.PARAMS``,
``sim.state.COLUMNS``, ``sim.indicators.INDICATORS`` and the mechanism modules' source (a
parameter "is used by" a module when the module reads ``p.<name>``). Text outside the
markers is never touched.

    .venv/bin/python docs/gen_tables.py          # rewrite the blocks
    .venv/bin/python docs/gen_tables.py --check  # exit 1 if a block is out of date

``tests/test_docs.py`` runs the check, so a parameter added, removed or changed in
``sim/params.py`` shows up as a failing test until the docs are regenerated.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from sim import indicators, population, state
from sim.mechanisms import MECHANISMS
from sim.params import PARAMS, Param
from sim.state import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
FILES = (ROOT / "README.md", ROOT / "docs" / "ODD.md")
BLOCK = re.compile(r"(<!-- BEGIN GENERATED (?P<name>\S+)[^>]*-->\n)(?P<body>.*?)(<!-- END GENERATED (?P=name) -->)",
                   re.DOTALL)

# What each policy lever does, in one line (the README's lever table). A lever without an
# entry falls back to its source line; add one here when you add a lever.
LEVER_EFFECTS: dict[str, str] = {
    "hanawon_weeks": "length of the Hanawon course; no income, costs or job search while in it",
    "cash_grant_million_krw": "basic settlement grant, fixed at arrival; cash buffer against money stress",
    "cash_grant_upfront_share": "share of the grant paid at Hanawon exit (the rest in monthly instalments)",
    "cash_grant_instalment_months": "months over which the rest of the grant is paid",
    "housing_subsidy_million_krw": "public rental flat (at >= 8M) and lower rent, in proportion up to 16M",
    "employment_incentive_million_krw_per_year": "paid while employed past the minimum tenure; also cuts job separation",
    "employment_incentive_years": "years after Hanawon during which the incentive is paid",
    "employment_incentive_min_tenure_months": "months in one job before the incentive starts",
    "matched_savings_max_million_krw_per_month": "1:1 match of wages saved, paid out when the account ends",
    "matched_savings_years": "years the matched savings account runs after Hanawon",
    "vocational_training_coverage": "share of arrivals offered a certificate course (credentials: regular jobs, wage premium)",
    "training_months": "length of the course; trainees are out of the labour market meanwhile",
    "training_stipend_million_krw_per_month": "paid while training; lets people under money stress take the course",
    "mentorship_coverage": "share of arrivals paired with a mentor (ties to South Koreans, job offers, support tie)",
    "mentorship_months": "months of mentorship after Hanawon",
    "counselling_slots_per_1000": "counselling capacity: concurrent clients per 1,000 settlers in the country",
    "counselling_course_months": "length of a counselling course; its total effect is fixed (SMD), spread over it",
    "outreach_contacts_per_year": "caseworker / protection-officer contacts per settler",
    "outreach_surveillance_share": "share of contacts felt as monitoring: trust falls instead of rising, no referral",
    "outreach_targeting": "share of contacts aimed at flagged settlers (in need, lonely or unemployed)",
    "outreach_loneliness_flag": "loneliness above which a settler is flagged for outreach",
    "employer_wage_subsidy_share": "wage subsidy to employers: more job offers",
    "anti_discrimination_effort": "campaigns and workplace training: fewer discrimination events",
    "dialect_course_coverage": "share of arrivals given a dialect / workplace-communication course",
    "protection_period_years": "years after Hanawon during which check-ins reach a settler (protection_until)",
    "medical_cover_months": "months after Hanawon without out-of-pocket health costs",
}


def fmt(x: float) -> str:
    """A number as the docs show it."""
    return f"{x:g}"


def module_sources() -> dict[str, str]:
    """{short name: source} of the modules whose parameter use the docs report."""
    mods: list[ModuleType] = [*MECHANISMS, population, indicators]
    return {m.__name__.rsplit(".", 1)[-1]: Path(m.__file__).read_text(encoding="utf-8") for m in mods}


def users(sources: dict[str, str]) -> dict[str, list[str]]:
    """{parameter: [modules reading p.<parameter>]}."""
    return {p.name: [m for m, src in sources.items() if re.search(rf"\bp\.{p.name}\b", src)] for p in PARAMS}


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def lever_table(used: dict[str, list[str]]) -> str:
    lines = [_row(["lever", "default", "unit", "range", "what it does", "used in"]),
             _row(["---"] * 6)]
    for p in PARAMS:
        if p.kind != "policy":
            continue
        effect = LEVER_EFFECTS.get(p.name, p.source)
        where = ", ".join(f"`{m}`" for m in used[p.name]) or "-"
        lines.append(_row([f"`{p.name}`", fmt(p.default), p.unit, f"{fmt(p.low)}-{fmt(p.high)}", effect, where]))
    return "\n".join(lines) + "\n"


def param_table(params: list[Param]) -> str:
    if not params:
        return "None.\n"
    lines = [_row(["parameter", "kind", "default", "unit", "range", "source or assumption"]), _row(["---"] * 6)]
    for p in params:
        prior = getattr(p, "prior", None)  # the declared value when the default comes from calibration
        default = fmt(p.default) if prior is None else f"{fmt(p.default)} (declared {fmt(prior)})"
        lines.append(_row([f"`{p.name}`", p.kind, default, p.unit, f"{fmt(p.low)}-{fmt(p.high)}", p.source]))
    return "\n".join(lines) + "\n"


def columns_table() -> str:
    lines = [_row(["column", "type", "initial", "unit or meaning"]), _row(["---"] * 4)]
    for name, (dtype, initial, doc) in COLUMNS.items():
        lines.append(_row([f"`{name}`", np.dtype(dtype).name, _initial(dtype, initial, doc), doc]))
    return "\n".join(lines) + "\n"


def _initial(dtype: type, initial: float, doc: str) -> str:
    """A column's initial value as a reader knows it: a code's name, NEVER, True/False or a number."""
    code = re.match(r"code: (\w+)", doc)
    if code:
        return f"`{getattr(state, code.group(1))[int(initial)]}`"
    if initial == state.NEVER:
        return "NEVER"
    if np.dtype(dtype) == np.bool_:
        return str(bool(initial))
    return fmt(float(initial))


def indicators_table() -> str:
    lines = [_row(["indicator", "unit", "kind", "definition"]), _row(["---"] * 4)]
    for i in indicators.INDICATORS:
        lines.append(_row([f"`{i.name}`", i.unit, i.kind, i.definition]))
    return "\n".join(lines) + "\n"


def blocks() -> dict[str, str]:
    """{block name: generated body}."""
    used = users(module_sources())
    out = {"levers": lever_table(used), "columns": columns_table(), "indicators": indicators_table()}
    for module in module_sources():
        out[f"params:{module}"] = param_table([p for p in PARAMS if module in used[p.name]])
    out["params:unused"] = param_table([p for p in PARAMS if not used[p.name]])
    return out


def render(text: str, generated: dict[str, str]) -> str:
    """``text`` with every known block's body replaced; unknown block names raise KeyError."""

    def sub(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in generated:
            raise KeyError(f"unknown generated block '{name}' (known: {', '.join(generated)})")
        return m.group(1) + generated[name] + m.group(4)

    return BLOCK.sub(sub, text)


def stale(files: tuple[Path, ...] = FILES) -> list[str]:
    """Files whose generated blocks differ from what the code says."""
    generated = blocks()
    return [str(f.relative_to(ROOT)) for f in files
            if f.exists() and render(f.read_text(encoding="utf-8"), generated) != f.read_text(encoding="utf-8")]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        out = stale()
        for f in out:
            print(f"{f}: generated tables are out of date; run .venv/bin/python docs/gen_tables.py", file=sys.stderr)
        return 1 if out else 0
    generated = blocks()
    for f in FILES:
        if f.exists():
            text = f.read_text(encoding="utf-8")
            new = render(text, generated)
            if new != text:
                f.write_text(new, encoding="utf-8")
                print(f"updated {f.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
