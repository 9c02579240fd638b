"""Regenerate the tables in README.md and docs/ODD.md from the code (``make docs``).

The docs hold blocks like::

    <!-- BEGIN GENERATED levers (docs/gen_tables.py) -->
    ...
    <!-- END GENERATED levers -->

and this script rewrites what lies between the markers from the modules' declarations
(``sim.catalogue``: parameters with their lever effects, columns, derived values, indicators) and
the mechanism modules' source (a parameter "is used by" a module when the module reads
``p.<name>``). Text outside the markers is never touched.

    .venv/bin/python docs/gen_tables.py          # rewrite the blocks
    .venv/bin/python docs/gen_tables.py --check  # exit 1 if a block is out of date
    .venv/bin/python docs/gen_tables.py --hindcast  # run the hindcast, rewrite docs/validation.md's table

``--hindcast`` is separate because it runs the model (the history replay at 20,000 settlers x 10
replicates, about 15 seconds on one core): it rewrites the ``hindcast`` block of
``docs/validation.md`` with ``resettle validate --hindcast``'s table and keeps its files in
``results/hindcast/``. ``--check`` does not look at that block (the model changes; the lead reruns it).

``tests/test_docs.py`` runs the check, so a parameter added, removed or changed in
``sim/params.py`` shows up as a failing test until the docs are regenerated.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from sim import catalogue, codes, indicators, population
from sim.declare import OWN_ROW
from sim.mechanisms import MECHANISMS
from sim.params import PARAMS, Param
from sim.state import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
FILES = (ROOT / "README.md", ROOT / "docs" / "ODD.md")
HINDCAST_DOC, HINDCAST_OUT = ROOT / "docs" / "validation.md", ROOT / "results" / "hindcast"
BLOCK = re.compile(r"(<!-- BEGIN GENERATED (?P<name>\S+)[^>]*-->\n)(?P<body>.*?)(<!-- END GENERATED (?P=name) -->)",
                   re.DOTALL)

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
    lines = [_row(["lever", "group", "default", "unit", "range", "what it does", "used in"]),
             _row(["---"] * 7)]
    for p in PARAMS:
        if p.kind != "policy":
            continue
        where = ", ".join(f"`{m}`" for m in used[p.name]) or "-"
        lines.append(_row([f"`{p.name}`", p.group, fmt(p.default), p.unit, f"{fmt(p.low)}-{fmt(p.high)}", p.effect,
                           where]))
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


def derived_table(module: str) -> str:
    """The derived values a mechanism's kernels read like parameters, with the formula as written in the code."""
    mech = catalogue.MECHANISM_BY_NAME.get(module)
    if mech is None or not mech.derived:
        return "None.\n"
    lines = [_row(["derived value", "meaning", "formula (`p.` = parameter)"]), _row(["---"] * 3)]
    for d in mech.derived:
        lines.append(_row([f"`{d.name}`", d.doc, f"`{d.formula()}`"]))
    return "\n".join(lines) + "\n"


def columns_table() -> str:
    lines = [_row(["column", "type", "initial", "unit or meaning"]), _row(["---"] * 4)]
    for name, (dtype, initial, doc) in COLUMNS.items():
        lines.append(_row([f"`{name}`", np.dtype(dtype).name, _initial(dtype, initial, doc), doc]))
    return "\n".join(lines) + "\n"


def _initial(dtype: type, initial: float, doc: str) -> str:
    """A column's initial value as a reader knows it: a code's name, NEVER, True/False or a number."""
    if initial == OWN_ROW:  # each row's own index (households: a settler is their own household's head)
        return "own row"
    code = re.match(r"code: ([A-Z][A-Z_]*)\b", doc)  # a code list in sim.codes (else the number)
    if code:
        return f"`{getattr(codes, code.group(1))[int(initial)]}`"
    if initial == codes.NEVER:
        return "NEVER"
    if np.dtype(dtype) == np.bool_:
        return str(bool(initial))
    return fmt(float(initial))


def indicators_table() -> str:
    lines = [_row(["indicator", "unit", "kind", "among", "better", "tier", "definition"]), _row(["---"] * 7)]
    for i in catalogue.INDICATORS:
        lines.append(_row([f"`{i.name}`", i.unit, i.kind, i.among.name, i.better or "-", i.tier, i.definition]))
    return "\n".join(lines) + "\n"


def blocks() -> dict[str, str]:
    """{block name: generated body}."""
    used = users(module_sources())
    out = {"levers": lever_table(used), "columns": columns_table(), "indicators": indicators_table()}
    for module in module_sources():
        out[f"params:{module}"] = param_table([p for p in PARAMS if module in used[p.name]])
        out[f"derived:{module}"] = derived_table(module)
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


def hindcast_block() -> str:
    """Run the hindcast at the docs' size (``sim.calibration.validate``'s defaults) and return its block body."""
    from sim.calibration.validate import VALIDATION_SEED, hindcast, markdown_table

    v = hindcast(progress=True)
    v.write(HINDCAST_OUT)
    return (f"Model: the history replay, {v.replicates} replicates of {v.population:,} settlers, base seed "
            f"{VALIDATION_SEED} ({v.seconds:.0f} s). Regenerate: `.venv/bin/python docs/gen_tables.py --hindcast`.\n\n"
            + markdown_table(v.table))


def write_hindcast() -> int:
    text = HINDCAST_DOC.read_text(encoding="utf-8")
    if not any(m.group("name") == "hindcast" for m in BLOCK.finditer(text)):
        raise SystemExit(f"{HINDCAST_DOC.relative_to(ROOT)}: no 'hindcast' generated block to rewrite")
    new = render(text, {"hindcast": hindcast_block()})
    HINDCAST_DOC.write_text(new, encoding="utf-8")
    print(f"updated {HINDCAST_DOC.relative_to(ROOT)}")
    return 0


def main(argv: list[str]) -> int:
    if "--hindcast" in argv:
        return write_hindcast()
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
