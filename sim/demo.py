"""`resettle demo` (what `make demo` runs): the mission's two headline questions, one index page.

1. The 2005 cut, on the same cohort: ``package_2004`` (about 37M won, 28M of it cash) against
   ``grant_cut`` (about 20M won, 10M cash).
2. Programmes against today's policy: ``baseline`` against ``mentorship``, ``counselling`` and
   ``vocational_training``.

Each question is one paired ``compare`` (its own folder and report); ``index.html`` in the demo
folder links both and says what each compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from sim.batch.compare import compare
from sim.indicators import HEADLINE
from sim.report import text
from sim.scenario import load_scenario

SCENARIOS = Path("scenarios")
INDEX = "index.html"


@dataclass(frozen=True)
class Question:
    """One demo comparison: a folder name, the question in words, and its scenario files (base first)."""

    folder: str
    question: str
    scenarios: tuple[str, ...]


QUESTIONS = (
    Question("grant-cut-2005", "What did the 2005 cut of the settlement package (about 37M to 20M won per person) do "
             "to the same cohort?", ("package_2004", "grant_cut")),
    Question("programmes", "What do mentorship, counselling and vocational training add to today's policy?",
             ("baseline", "mentorship", "counselling", "vocational_training")),
)


def run_demo(out: Path, *, workers: int = 1, progress: bool = True, replicates: int | None = None,
             report: bool = True, population: int | None = None, months: int | None = None) -> Path:
    """Run every question's comparison into ``out/<folder>``, print the headline lines, write ``out/index.html``.

    ``replicates``, ``population`` (settlers) and ``months`` override the scenarios' own values (for quick checks).
    """
    from sim.report import build_report

    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for q in QUESTIONS:
        scenarios = [load_scenario(SCENARIOS / f"{name}.yaml") for name in q.scenarios]
        result = compare(scenarios, workers=workers, progress=progress, replicates=replicates, population=population,
                         months=months)
        folder = out / q.folder
        result.write(folder)
        print(q.question)
        print("\n".join(summary_lines(result.table, [s.name for s in scenarios])))
        page = build_report(folder) if report else None
        entries.append((q, scenarios, page))
    index = out / INDEX
    index.write_text(_index_html(entries, out), encoding="utf-8")
    return index


def summary_lines(comparison: pd.DataFrame, names: list[str]) -> list[str]:
    """The report summary's effects as printable lines (the rule of ``sim.report.text.summary_effects``)."""
    chosen = text.summary_effects(comparison, HEADLINE)
    lines = [f"  {r.scenario}: {text.effect_sentence(r)}" for r in chosen.itertuples(index=False)]
    quiet = [n for n in names[1:] if n not in set(chosen.scenario)]
    return lines + [f"  {n}: no headline indicator differs clearly from {names[0]}" for n in quiet]


def _index_html(entries: list, out: Path) -> str:
    items = []
    for q, scenarios, page in entries:
        base, *others = scenarios
        link = (f'<a href="{escape(str(page.relative_to(out)))}">report</a>' if page is not None
                else "report not built (--no-report)")
        compared = "".join(f"<li><b>{escape(s.name)}</b> against <b>{escape(base.name)}</b>: "
                           f"{escape(' '.join(s.description.split()))}</li>" for s in others)
        items.append(f"<section><h2>{escape(q.question)}</h2><ul>{compared}</ul><p>{link}</p></section>")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>resettle demo</title>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
            "line-height:1.45}h2{font-size:1.15rem}</style></head><body><h1>resettle demo</h1>"
            "<p>Two paired comparisons (common random numbers: every scenario runs on the same settlers and "
            "seeds). Each report opens with its summary.</p>" + "".join(items) + "</body></html>")
