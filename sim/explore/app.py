"""The explorer's Solara page: policy levers by group, sizes, and the paired effect against the base scenario.

Started by ``resettle explore`` (``solara run sim.explore.app``); the base scenario file comes from the
``RESETTLE_EXPLORE_BASE`` environment variable (default ``scenarios/baseline.yaml``). Every change reruns
``sim.explore.update.update`` in a background thread; a newer change cancels the run in progress.
"""

from __future__ import annotations

import math
import os
import threading
import time
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are rendered to images on the server

import matplotlib.pyplot as plt
import solara
from solara.hooks.use_thread import use_thread

from sim import indicators
from sim.declare import LEVER_GROUPS
from sim.explore.full import RESULTS_ROOT, read_result, run_full
from sim.explore.update import (
    DEFAULT_MONTHS,
    DEFAULT_REPLICATES,
    DEFAULT_SETTLERS,
    Answer,
    Cancelled,
    Settings,
    base_value,
    to_yaml,
    update,
)
from sim.params import PARAM_BY_NAME, POLICY_NAMES
from sim.plots.compare import effects, horizon_words
from sim.plots.run import trajectories
from sim.plots.style import group_label
from sim.report.text import effects_table
from sim.scenario import ScenarioError, load_scenario

BASE_ENV = "RESETTLE_EXPLORE_BASE"
DEFAULT_BASE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
BASE_FILE = Path(os.environ.get(BASE_ENV) or DEFAULT_BASE)
BASE = load_scenario(BASE_FILE)
DECIMAL = 10  # slider steps are powers of ten
SLIDER_STEPS = 100  # positions of a float lever's slider between its low and high
DEBOUNCE_S = 0.3  # wait this long [s] before running, so a slider being dragged does not start a run per step
MAX_SETTLERS, MIN_SETTLERS, SETTLER_STEP = 10_000, 100, 100
MAX_MONTHS, MAX_REPLICATES = 120, 50
MIN_REPLICATES = 2  # a paired interval needs two replicates
PERCENT = 100  # the progress bar takes percent
# no sideways scrolling: rows without negative margins, figures and long words fit the column
CSS = """
.explore-page .row { margin-left: 0; margin-right: 0; }
.explore-page { max-width: 100%; overflow-wrap: anywhere; box-sizing: border-box; }
.explore-page img { max-width: 100%; height: auto; }
"""

levers = solara.reactive({name: base_value(BASE, name) for name in POLICY_NAMES})
SIZES_ENV = "RESETTLE_EXPLORE_SIZES"  # "settlers,months,replicates" to start from (the CLI's --settlers etc.)
_sizes = [int(x) for x in os.environ.get(SIZES_ENV, "").split(",") if x.strip()] or [
    DEFAULT_SETTLERS, DEFAULT_MONTHS, DEFAULT_REPLICATES]
settlers = solara.reactive(_sizes[0])
months = solara.reactive(_sizes[1])
replicates = solara.reactive(_sizes[2])
GROUP_BY_LABEL = {group_label(g): g for g in indicators.GROUPS}  # the selector shows words, not codes
group = solara.reactive(group_label("all"))
progress = solara.reactive(0.0)
full_runs = solara.reactive(0)  # presses of "Run the full compare"


def lever_label(name: str) -> str:
    """'mentorship_coverage (share 0-1; base 0)': the lever, its unit and the base scenario's value."""
    p = PARAM_BY_NAME[name]
    return f"{name} ({p.unit}; base {base_value(BASE, name):g})"


def slider_step(low: float, high: float) -> float:
    """A round step (a power of ten) giving at least ``SLIDER_STEPS`` positions, so round values lie on it."""
    return float(DECIMAL ** math.floor(math.log10((high - low) / SLIDER_STEPS)))


def set_lever(name: str, value: float) -> None:
    """Set one lever's value (in its unit), keeping the others."""
    levers.value = {**levers.value, name: value}


@solara.component
def Lever(name: str) -> None:
    """A slider for one lever, with its effect in words and the base value marked in its label."""
    p = PARAM_BY_NAME[name]
    value = levers.value[name]
    solara.Text(lever_label(name), style={"font-weight": "bold", "font-size": "0.9em"})
    if p.integer:
        solara.SliderInt("", value=int(value), min=int(p.low), max=int(p.high),
                         on_value=lambda v: set_lever(name, v), thumb_label="always")
    else:
        solara.SliderFloat("", value=float(value), min=p.low, max=p.high,
                           step=slider_step(p.low, p.high), on_value=lambda v: set_lever(name, v),
                           thumb_label="always")
    if p.effect:
        solara.Text(p.effect, style={"font-size": "0.8em", "color": "#555"})


@solara.component
def Controls() -> None:
    """Levers grouped by their declared group, then horizon, cohort size and replicates."""
    solara.HTML(tag="p", unsafe_innerHTML=f"<b>Base scenario:</b> <code>{escape(BASE.name)}</code> ({escape(str(BASE_FILE))})")
    for g in (*LEVER_GROUPS, ""):
        names = [n for n in POLICY_NAMES if PARAM_BY_NAME[n].group == g]
        if not names:
            continue
        with solara.Card(title=g or "other levers"):
            for n in names:
                Lever(n)
    solara.Button("Reset levers to the base", on_click=lambda: levers.set(
        {name: base_value(BASE, name) for name in POLICY_NAMES}))
    solara.SliderInt("horizon (months)", value=months, min=1, max=MAX_MONTHS)
    solara.SliderInt("cohort size (settlers)", value=settlers, min=MIN_SETTLERS, max=MAX_SETTLERS, step=SETTLER_STEP)
    solara.SliderInt("replicates (paired runs)", value=replicates, min=MIN_REPLICATES, max=MAX_REPLICATES)


def current_settings() -> Settings:
    """The settings the controls show."""
    return Settings(BASE_FILE, dict(levers.value), months=months.value, settlers=settlers.value,
                    replicates=replicates.value)


@solara.component
def Bullets(heading: str, items: list[str]) -> None:
    """A heading and a list of sentences (plain HTML: solara.Markdown would load KaTeX from a CDN)."""
    solara.HTML(tag="h3", unsafe_innerHTML=escape(heading))
    solara.HTML(tag="ul", unsafe_innerHTML="".join(f"<li>{escape(i)}</li>" for i in items))


@solara.component
def Results(answer: Answer) -> None:
    """Headline sentences, the effect plot and the trajectories for the chosen group."""
    g = GROUP_BY_LABEL[group.value]
    horizon = max(answer.horizons)
    clear = answer.sentences("all")
    Bullets("Clear effects (all settlers)", clear or
            ["No headline effect stands out from chance (every 95% interval includes zero)."])
    rows = effects_table(answer.table[answer.table.horizon == horizon], indicators.HEADLINE, g)
    Bullets(f"Headline effects {horizon_words(horizon)}: {group_label(g)}",
            [f"{r.sentence} — {r.verdict}" for r in rows.itertuples()])
    plot = effects(answer.table, horizon, g, base=answer.base.name)
    solara.FigureMatplotlib(plot.fig, format="png")
    plt.close(plot.fig)
    plot = trajectories(answer.timeseries, group=g)
    solara.FigureMatplotlib(plot.fig, format="png")
    plt.close(plot.fig)
    solara.Text(f"{answer.base.replicates} paired replicates of {answer.base.population.size} settlers over "
                f"{answer.base.months} months; updated in {answer.seconds:.1f} s.")


@solara.component
def FullCompare(settings: Settings) -> None:
    """A button running the full compare in the background; then the report, handed over by a download button."""
    presses = full_runs.value

    def work() -> Path | None:
        return run_full(settings) if presses else None

    result = use_thread(work, dependencies=[presses])
    solara.Button("Run the full compare", on_click=lambda: full_runs.set(full_runs.value + 1))
    if not presses:
        return
    if result.state == solara.ResultState.FINISHED and result.value is not None:
        relative = result.value.relative_to(RESULTS_ROOT)
        solara.Text(f"report: {result.value}", classes=["explore-report"])
        # only files inside the results folder reach the browser (read_result refuses others)
        solara.FileDownload(lambda: read_result(RESULTS_ROOT, relative), filename=result.value.name,
                            label="Open the report (report.html)")
    elif result.state == solara.ResultState.ERROR:
        solara.Error(str(result.error))
    else:
        solara.Text("running the full compare…")


@solara.component
def Page() -> None:
    """The explorer page."""
    settings = current_settings()
    key = (tuple(sorted(settings.levers.items())), settings.months, settings.settlers, settings.replicates)
    last = solara.use_ref(None)

    def work(cancel: threading.Event) -> Answer | None:
        progress.set(0.0)
        time.sleep(DEBOUNCE_S)
        try:
            return update(settings, cancel, progress=progress.set)
        except Cancelled:
            return None  # a newer change is running: nothing of this run is shown

    result = use_thread(work, dependencies=[key], intrusive_cancel=False)
    if result.state == solara.ResultState.FINISHED and result.value is not None:
        last.current = result.value
    solara.Title("resettle explore")
    solara.Style(CSS)
    with solara.Columns([1, 2], classes=["explore-page"]):
        with solara.Column(style={"max-height": "100vh", "overflow-y": "auto"}):
            Controls()
        with solara.Column():
            solara.HTML(tag="h1", unsafe_innerHTML="Explore a policy change")
            solara.Text("Move a lever on the left: the model reruns the base scenario and the changed one with the "
                        "same random numbers and shows the difference.")
            running = result.state in (solara.ResultState.STARTING, solara.ResultState.WAITING,
                                       solara.ResultState.RUNNING, solara.ResultState.INITIAL)
            if running:
                solara.ProgressLinear(value=progress.value * PERCENT or True)
                solara.Text("updating…", classes=["explore-updating"])
            else:
                solara.Text("up to date", classes=["explore-ready"])
            if result.state == solara.ResultState.ERROR and not isinstance(result.error, type(None)):
                message = str(result.error) if isinstance(result.error, ScenarioError) else repr(result.error)
                solara.Error(message)
            solara.Select("group", value=group, values=list(GROUP_BY_LABEL))
            try:
                text = to_yaml(settings)
            except ScenarioError as err:
                solara.Error(str(err))
            else:
                solara.FileDownload(text, filename=f"{BASE.name}_explored.yaml", label="Download scenario YAML")
                FullCompare(settings)
            if last.current is not None:
                if running:
                    solara.Text("(showing the previous settings' results until the update finishes)")
                Results(last.current)
