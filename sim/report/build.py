"""Build ``figures/*.png`` and a self-contained ``report.html`` from a results folder on disk.

Nothing is rerun: everything comes from the files ``resettle run``, ``compare`` or ``sweep`` wrote.
Figures are embedded as base64 data URIs, CSS is inline, there are no scripts and no links
outside the page, so the report opens from a mail attachment without a network.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape
from markupsafe import Markup, escape

from sim import indicators
from sim.batch import store
from sim.params import PARAM_BY_NAME
from sim.plots import compare as compare_plots
from sim.plots import ensemble as ensemble_plots
from sim.plots import run as run_plots
from sim.plots import sweep as sweep_plots
from sim.plots import trials as trials_plots
from sim.plots.data import CompareData, ResultsError, RunData, SweepData, kind_of, load_compare, load_run, load_sweep
from sim.plots.style import DPI, HEADLINE, Plot, group_label, readable, save, scenario_styles, title
from sim.report import template, text

FIGURES = "figures"
REPORT = "report.html"
SUMMARY_INDICATORS = indicators.SUMMARY  # headline and summary tiers of the declarations
RUN_SUMMARY_PANELS = 3  # one row of small trajectories in a summary
FACTOR_LABEL_CHARS = 80

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


@dataclass
class _Figures:
    """Saves each plot to figures/ and returns its HTML with the PNG embedded."""

    folder: Path
    written: list[Path] = field(default_factory=list)

    def add(self, plot: Plot) -> Markup:
        width, height = (round(v * DPI) for v in plot.fig.get_size_inches())
        alt = plot.fig.get_suptitle() or plot.caption.split(". ")[0] or plot.name  # a sentence for screen readers
        path = save(plot, self.folder)
        self.written.append(path)
        uri = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        fig = {"name": plot.name, "uri": uri, "alt": alt, "caption": plot.caption, "width": width, "height": height,
               "number": len(self.written)}
        return Markup(_env.from_string(template.FIGURE).render(fig=fig))


def build_report(folder: str | Path) -> Path:
    """Write ``folder/figures/*.png`` and ``folder/report.html``; the report's path.

    Raises ``ResultsError`` (one line) when ``folder`` is not a results folder.
    """
    folder = Path(folder)
    kind = kind_of(folder)
    figures = _Figures(folder / FIGURES)
    builders: dict[str, Callable[[Path, _Figures], tuple[str, str, list[dict[str, Any]]]]] = {
        "run": _run_report, "compare": _compare_report, "sweep": _sweep_report, "trials": _trials_report}
    page_title, subtitle, sections = builders[kind](folder, figures)
    for old in (folder / FIGURES).glob("*.png"):  # figures of an earlier report that this one no longer has
        if old not in figures.written:
            old.unlink(missing_ok=True)
    html = _env.from_string(template.TEMPLATE).render(
        title=page_title, subtitle=subtitle, sections=sections, css=Markup(template.CSS),
        version=_version(), generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), folder=str(folder))
    out = folder / REPORT
    with store.atomic_path(out) as tmp:
        tmp.write_text(html, encoding="utf-8")
        readable(tmp)
    return out


# ---------------------------------------------------------------- run

def _run_report(folder: Path, figs: _Figures) -> tuple[str, str, list[dict[str, Any]]]:
    run = load_run(folder)
    sc = run.manifest.get("scenario", {})
    styles = scenario_styles([run.name])
    months = int(run.timeseries.month.max())
    summary = _levels_html(run, months, SUMMARY_INDICATORS[:text.SUMMARY_MAX_EFFECTS], lead=(
        f"The first {text.SUMMARY_MAX_EFFECTS} headline indicators (in the declared order of importance) for all "
        "settlers at the end of the simulated period, mean across replicates with its 95% interval."))
    summary += figs.add(run_plots.trajectories({run.name: run.timeseries}, SUMMARY_INDICATORS[:RUN_SUMMARY_PANELS],
                                               styles=styles, name="summary_trajectories"))
    mode = sc.get("population", {}).get("mode", "")
    caveat = (text.CAVEAT_FEW_REPLICATES.format(n=run.manifest.get("replicates", "?"))
              if int(run.manifest.get("replicates") or 0) < text.FEW_REPLICATES else
              ("One arrival cohort followed from arrival: levels differ from surveys of all settlers, most of whom "
               "arrived years ago. " if mode == "cohort" else "")
              + (text.CAVEAT_ENSEMBLE.format(spec=run.manifest["ensemble"].get("spec", "?"), n=_members(run))
                 if _members(run) else text.CAVEAT_CHANCE_ONLY))
    summary += Markup(f'<p class="caveat"><strong>Caveat:</strong> {escape(caveat)}</p>')
    sections = [
        _section("summary", "Summary", summary),
        _section("scenario", "Scenario", _scenario_html(run) + _params_html(sc)),
        _section("results", "Headline results", _levels_html(run, months)),
        _section("over-time", "Over time", figs.add(run_plots.trajectories({run.name: run.timeseries}, styles=styles))),
        *([_section("uncertainty", "Over the parameter ensemble", figs.add(ensemble_plots.fan_chart(
            {run.name: run.timeseries}, list(HEADLINE[:6]), styles=styles, name="fan_levels")))]
          if _members(run) else []),
        _section("groups", "By sex, age and years since arrival",
                 figs.add(run_plots.group_breakdown(run.summary, style=styles[run.name], scenario=run.name,
                                                    months=months))),
    ]
    if run.settlers is not None and len(run.settlers):
        thresholds = {k: _param_value(sc, k) for k in ("depression_threshold", "ptsd_threshold")}
        plot = run_plots.settler_distributions(run.settlers, style=styles[run.name], scenario=run.name,
                                               thresholds={"depression": thresholds["depression_threshold"],
                                                           "ptsd": thresholds["ptsd_threshold"]})
        sections.append(_section("settlers", "Across settlers", figs.add(plot)))
    else:
        sections.append(_section("settlers", "Across settlers", Markup(
            "<p>This results folder has no <code>settlers.parquet</code> (written by newer versions of "
            "<code>resettle run</code>), so the distribution across settlers is not shown.</p>")))
    changed = {r["parameter"] for r in text.differing_from_defaults(sc)}
    sections += _common_sections(changed, [_provenance_run(run)])
    return (f"Scenario report: {run.name}",
            f"{_n(sc.get('population', {}).get('size'))} settlers simulated ({sc.get('population', {}).get('mode', '')} "
            f"mode), {months} months from {sc.get('start', '?')}, {run.manifest.get('replicates', '?')} replicates",
            sections)


def _scenario_html(run: RunData) -> Markup:
    sc = run.manifest.get("scenario", {})
    desc = sc.get("description") or "(no description)"
    pop = sc.get("population", {})
    rep = pop.get("represents")
    rows = [("Scenario", run.name), ("Description", desc),
            ("Population", f"{_n(pop.get('size'))} settlers simulated, mode '{pop.get('mode', '')}'"
             + (f", standing for {rep:,.0f} real persons" if rep else "")),
            ("Start and horizon", f"{sc.get('start', '?')}, {sc.get('months', '?')} months"),
            ("Replicates", str(run.manifest.get("replicates", "?")))]
    return _kv_table(rows)


def _params_html(sc: dict[str, Any]) -> Markup:
    rows = text.differing_from_defaults(sc)
    parts = ["<h3>Parameters that differ from the defaults</h3>"]
    if rows:
        parts.append(_table(rows, ["parameter", "kind", "value", "default", "unit", "source"],
                            ["Parameter", "Kind", "Value", "Default", "Unit", "Source of the default"]))
    else:
        parts.append("<p>None: every parameter is at its default (<code>resettle params</code> lists them).</p>")
    changes = text.changes_rows(sc)
    if changes:
        parts.append("<h3>Scheduled changes</h3><ul>" + "".join(f"<li>{escape(c)}</li>" for c in changes) + "</ul>")
    return Markup("".join(str(p) for p in parts))


def _levels_html(run: RunData, months: int, names: tuple[str, ...] = SUMMARY_INDICATORS, lead: str = (
        "All settlers at the end of the simulated period: mean across replicates with its 95% confidence "
        "interval.")) -> Markup:
    s = run.summary[(run.summary.group == "all") & run.summary.indicator.isin(names)]
    order = {n: i for i, n in enumerate(names)}
    s = s.assign(_o=s.indicator.map(order)).sort_values("_o")
    items = "".join(f"<li>{escape(text.level_sentence(r.indicator, months, r.mean, r.ci_low, r.ci_high))}</li>"
                    for r in s.itertuples())
    return Markup(f"<p>{escape(lead)}</p><ul class=\"tight\">{items}</ul>")


def _provenance_run(run: RunData, label: str = "") -> Markup:
    m = run.manifest
    seeds = m.get("replicate_seeds") or []
    shown = ", ".join(str(s) for s in seeds[:5]) + (f", ... ({len(seeds)} in all)" if len(seeds) > 5 else "")
    versions = m.get("versions") or {}
    rows = [("Results folder", str(run.folder)), ("resettle version", versions.get("resettle", "?")),
            ("Git commit", m.get("git_commit") or "unknown (not run from a git checkout)"),
            ("Base seed", str(m.get("seed", "?"))), ("Replicate seeds", shown or "?"),
            ("Run started (UTC)", str(m.get("started", "?"))),
            ("Run time", f"{m.get('seconds', float('nan')):.1f} s on {m.get('workers', '?')} worker(s)"
             if isinstance(m.get("seconds"), (int, float)) else "?"),
            ("Software", ", ".join(f"{k} {v}" for k, v in versions.items() if k != "resettle"))]
    head = f"<h3>{escape(label)}</h3>" if label else ""
    return Markup(head + str(_kv_table(rows)))


# ---------------------------------------------------------------- compare

def _compare_report(folder: Path, figs: _Figures) -> tuple[str, str, list[dict[str, Any]]]:
    data = load_compare(folder)
    names = list(data.runs)
    styles = scenario_styles(names)
    comp = data.comparison
    horizons = sorted(int(h) for h in comp.horizon.unique())
    last = horizons[-1] if horizons else int(next(iter(data.runs.values())).timeseries.month.max())
    base_sc = data.runs[data.base].manifest.get("scenario", {})
    changed: set[str] = set()
    scen_rows = []
    diff_parts = []
    for n, run in data.runs.items():
        sc = run.manifest.get("scenario", {})
        st = styles[n]
        scen_rows.append({"colour": Markup(f'<span class="swatch" style="background:{st.color}"></span>'),
                          "scenario": n + (" (base)" if n == data.base else ""),
                          "description": sc.get("description") or ""})
        changed |= {r["parameter"] for r in text.differing_from_defaults(sc)}
        if n != data.base:
            rows = text.differing_between(base_sc, sc)
            diff_parts.append(f"<h3>{escape(n)}: what differs from {escape(data.base)}</h3>")
            diff_parts.append(str(_table(rows, ["parameter", "base", "value", "unit"],
                                         ["Parameter", data.base, n, "Unit"])) if rows
                              else "<p>No parameter differs from the base.</p>")
    scen_html = _table(scen_rows, ["colour", "scenario", "description"], ["", "Scenario", "Description"])
    effects_html = _effects_html(data, horizons, last)
    traj = run_plots.trajectories({n: r.timeseries for n, r in data.runs.items()}, styles=styles)
    chosen = text.summary_effects(comp, HEADLINE)
    sections = [
        _section("summary", "Summary", _compare_summary(data, chosen, last, figs, styles)),
        *([_section("uncertainty", "Under parameter uncertainty", _compare_uncertainty(data, last, figs, styles))]
          if _members(data.runs[data.base]) else []),
        _section("groups", "Who gains, who loses", _groups_html(data, chosen, last, figs, styles)),
        _section("scenarios", "Scenarios compared",
                 Markup("<p>Every scenario ran with common random numbers: replicate <em>i</em> of each scenario "
                        "used the same seed and the same initial settlers, so differences come from the policies, "
                        "not from chance.</p>") + scen_html
                 + Markup(f"<h3>{escape(data.base)} (the base)</h3>") + _params_html(base_sc)
                 + Markup("".join(diff_parts))),
        _section("effect-plot", "Effects on every indicator",
                 figs.add(compare_plots.effects(comp, last, styles=styles, base=data.base))),
        _section("over-time", "Over time", figs.add(traj)),
        _section("effects", "Headline effects, every horizon",
                 Markup("<details><summary>Every headline indicator at every horizon, in words</summary>")
                 + effects_html + Markup("</details>")),
    ]
    provenance = [Markup(_kv_table([(k, _short(v)) for k, v in data.manifest.items()
                                    if not isinstance(v, (dict, list))] or [("Comparison", str(folder))]))]
    provenance += [_provenance_run(r, label=n) for n, r in data.runs.items()]
    sections += _common_sections(changed, provenance)
    return (f"Policy comparison: {', '.join(names[1:])} against {data.base}",
            f"Differences from {data.base} {', '.join(compare_plots.horizon_words(h) for h in horizons)}, "
            "with 95% confidence intervals from paired replicates", sections)


def _members(run: RunData) -> int:
    """Ensemble members behind a run (0 without an ensemble)."""
    e = run.manifest.get("ensemble")
    return int(e.get("members") or 0) if isinstance(e, dict) else 0


def _compare_uncertainty(data: CompareData, last: int, figs: _Figures, styles: dict[str, Any]) -> Markup:
    """Each headline effect's probability of helping over the ensemble, in words, and fan charts of the effects."""
    comp = data.comparison
    base_run = data.runs[data.base]
    spec = base_run.manifest.get("ensemble", {}).get("spec", "?")
    rows = comp[(comp.group == "all") & (comp.horizon == last) & comp.indicator.isin(HEADLINE) & comp.p_better.notna()]
    order = {n: i for i, n in enumerate(HEADLINE)}
    rows = rows.assign(_o=rows.indicator.map(order)).sort_values(["scenario", "_o"])
    items = "".join(f"<li>{escape(text.probability_sentence(r))}</li>" for r in rows.itertuples(index=False))
    lead = (f"For each headline effect {compare_plots.horizon_words(last)}: the share of the ensemble's parameter "
            "sets in which it goes the way of the average effect, the 90% range of the effect over the sets, the "
            "interval from chance alone (replicates at fixed parameters), and how much of the spread the "
            "parameters make.")
    fan = figs.add(ensemble_plots.fan_chart({n: r.timeseries for n, r in data.runs.items()}, list(HEADLINE[:6]),
                                            base=data.base, styles=styles, name="fan_effects"))
    caveat = text.CAVEAT_ENSEMBLE.format(spec=spec, n=_members(base_run))
    return Markup(f"<p>{escape(lead)}</p><ul class=\"tight\">{items}</ul>") + fan + Markup(
        f'<p class="caveat"><strong>Caveat:</strong> {escape(caveat)}</p>')


def _compare_summary(data: CompareData, chosen: pd.DataFrame, last: int, figs: _Figures,
                     styles: dict[str, Any]) -> Markup:
    """The one-screen summary: the chosen effects in words (rule: ``text.summary_effects``), one figure, a caveat."""
    rule = ("The largest effects on the headline indicators, for all settlers: among those whose 95% interval "
            "excludes zero, ranked by the difference relative to the base level, each at the horizon where it is "
            f"largest, scenarios in turn, at most {text.SUMMARY_MAX_EFFECTS}.")
    items = []
    for r in chosen.itertuples(index=False):
        word = text.direction_word(r.indicator, float(r.diff))
        items.append(f"<li><strong>{escape(r.scenario)}</strong>: {escape(text.effect_sentence(r))}"
                     + (f" <em>({word})</em>" if word else "") + "</li>")
    quiet = [n for n in list(data.runs)[1:] if n not in set(chosen.scenario)]
    items += [f"<li><strong>{escape(n)}</strong>: no headline indicator differs clearly from {escape(data.base)} "
              f"{escape(compare_plots.horizon_words(last))}.</li>" for n in quiet]
    n = int(data.comparison.n.max())  # paired replicates
    caveat = text.CAVEAT_FEW_REPLICATES.format(n=n) if n < text.FEW_REPLICATES else text.CAVEAT_CHANCE_ONLY
    if _members(data.runs[data.base]):
        caveat = text.CAVEAT_ENSEMBLE.format(spec=data.runs[data.base].manifest["ensemble"].get("spec", "?"), n=n)
    figure = ""
    if not chosen.empty:
        horizon = int(chosen.horizon.iloc[0])  # the largest effect's horizon
        rows = data.comparison[data.comparison.indicator.isin(set(chosen.indicator))]
        figure = str(figs.add(compare_plots.effects(rows, horizon, styles=styles, base=data.base,
                                                    name=f"summary_{horizon}m")))
    return Markup(f"<p>{escape(rule)}</p><ul class=\"tight\">{''.join(items)}</ul>{figure}"
                  f"<p class=\"caveat\"><strong>Caveat:</strong> {escape(caveat)}</p>")


def _groups_html(data: CompareData, chosen: pd.DataFrame, last: int, figs: _Figures,
                 styles: dict[str, Any]) -> Markup:
    """Effects by sex, age group and years since arrival, and the groups whose effect differs clearly."""
    inds = list(dict.fromkeys(chosen.indicator)) or list(HEADLINE)
    plot = figs.add(compare_plots.group_effects(data.comparison, last, inds, styles=styles, base=data.base))
    differ = text.differing_groups(data.comparison, inds[:compare_plots.GROUP_PANELS_MAX], last)
    if differ.empty:
        words = "<p>No group's effect differs clearly from the effect on all settlers (rule: the overall effect " \
                "lies outside the group's 95% interval).</p>"
    else:
        lis = "".join(f"<li><strong>{escape(r.scenario)}</strong>, {escape(group_label(r.group))}: "
                      f"{escape(text.effect_sentence(r))}; all settlers {text.fmt_diff(r.indicator, r.overall)}</li>"
                      for r in differ.itertuples(index=False))
        words = ("<p>Groups whose effect differs clearly from the effect on all settlers (the overall effect lies "
                 f"outside the group's 95% interval):</p><ul class=\"tight\">{lis}</ul>")
    return Markup(words) + plot


def _effects_html(data: CompareData, horizons: list[int], last: int) -> Markup:
    table = text.effects_table(data.comparison, HEADLINE)
    parts = ["<p>Each line reads: indicator and time since the start: value under the base scenario -> value "
             "under the scenario (difference, 95% confidence interval of the difference). Shares are compared in "
             "percentage points. An effect is <em>indistinguishable from zero</em> when its interval includes "
             "zero: the model cannot tell it apart from no effect with this many replicates.</p>"]
    for s in dict.fromkeys(table.scenario):
        t = table[table.scenario == s]
        parts.append(f"<h3>{escape(s)} compared with {escape(data.base)}</h3>")
        parts.append(str(_table(t.to_dict("records"), ["sentence", "verdict"], ["Effect", "Verdict"],
                                row_class=["zero" if z else "sig" for z in t.zero])))
    zero = text.indistinguishable(data.comparison, last)
    if zero:
        items = "".join(f"<li><strong>{escape(s)}</strong>: {escape(', '.join(v)) if v else 'none'}</li>"
                        for s, v in zero.items())
        parts.append(f"<div class=\"box\"><strong>Indistinguishable from zero "
                     f"{escape(compare_plots.horizon_words(last))}</strong> (all indicators, all settlers):"
                     f"<ul class=\"tight\">{items}</ul></div>")
    return Markup("".join(parts))


# ---------------------------------------------------------------- sweep

def _sweep_report(folder: Path, figs: _Figures) -> tuple[str, str, list[dict[str, Any]]]:
    data = load_sweep(folder)
    baseline = sweep_baseline(data)
    df = data.sweep
    group, horizon = sweep_plots.default_view(df)
    colour = scenario_styles(["sweep"])["sweep"].color
    curve_html = Markup("").join(figs.add(sweep_plots.response_curves(df, f, data.factors, baseline, color=colour))
                                 for f in data.factors)
    pairs = sweep_plots.heatmap_pairs(df, data.factors)
    heat_html = (Markup("").join(figs.add(sweep_plots.heatmap(df, a, b, baseline)) for a, b in pairs) if pairs else
                 Markup("<p>No heatmap: this design has no pair of factors on a full grid (heatmaps need a "
                        "factorial design of two factors with few values each).</p>"))
    exp = data.manifest.get("experiment") if isinstance(data.manifest.get("experiment"), dict) else {}
    name = str(exp.get("name") or data.manifest.get("name") or folder.name)
    factor_rows = []
    for f in data.factors:
        values = sorted(df[f].dropna().unique())
        shown = ", ".join(f"{v:g}" for v in values) if len(values) <= 10 else \
            f"{len(values)} values from {min(values):g} to {max(values):g}"
        b = baseline.get(f)
        factor_rows.append({"factor": f, "label": sweep_plots.factor_label(f, 200), "values": shown,
                            "baseline": "?" if b is None else f"{b:g}"})
    n_points, n_reps = df.point.nunique(), df.replicate.nunique()
    desc = exp.get("description") or data.manifest.get("description") or ""
    intro = Markup(f"<p>{escape(desc)}</p>" if desc else "") + _kv_table([
        ("Experiment", name), ("Design", _short(exp.get("design") or data.manifest.get("design") or "?")),
        ("Points", f"{n_points:,}"), ("Replicates per point", f"{n_reps:,}"),
        ("Drawn", f"group '{group}', {compare_plots.horizon_words(horizon)}"),
    ]) + _table(factor_rows, ["factor", "label", "values", "baseline"], ["Factor", "Meaning (unit)", "Values",
                                                                          "Baseline"])
    base_sc = _find_scenario(data.manifest)
    if base_sc:
        intro += Markup("<h3>Base scenario</h3>") + Markup(f"<p>{escape(base_sc.get('description') or '')}</p>") \
            + _params_html(base_sc)
    changed = {f.rsplit(".", 1)[-1] for f in data.factors}
    if base_sc:
        changed |= {r["parameter"] for r in text.differing_from_defaults(base_sc)}
    curves = {f: sweep_plots.response_curve_data(df, f, sweep_plots.pick_indicators(df), group, horizon,
                                                 data.factors) for f in data.factors}
    responses = text.sweep_responses(curves)
    items = "".join(f"<li>{escape(sweep_plots.factor_label(r['factor'], FACTOR_LABEL_CHARS))} from {r['x0']:g} to "
                    f"{r['x1']:g}: {escape(title(r['indicator']))} {escape(text.fmt_value(r['indicator'], r['y0']))} "
                    f"-> {escape(text.fmt_value(r['indicator'], r['y1']))}</li>" for r in responses)
    summary = Markup(
        f"<p>The largest responses ({escape(group)}, {escape(compare_plots.horizon_words(horizon))}): for each factor "
        "and indicator, the change from the factor's lowest to its highest value, relative to the level at the "
        "lowest; only changes whose end points' 95% intervals do not overlap; at most "
        f"{text.SUMMARY_MAX_EFFECTS}.</p>"
        + (f'<ul class="tight">{items}</ul>' if items else "<p>No factor moves an indicator clearly.</p>"))
    if responses:
        top = responses[0]["factor"]
        plot = sweep_plots.response_curves(df, top, data.factors, baseline, color=colour, indicators=list(
            dict.fromkeys(r["indicator"] for r in responses if r["factor"] == top))[:RUN_SUMMARY_PANELS])
        plot.name = f"summary_{plot.name}"  # its own file beside the full curves
        summary += figs.add(plot)
    summary += Markup(f'<p class="caveat"><strong>Caveat:</strong> {escape(text.CAVEAT_CHANCE_ONLY)} Each point '
                      "holds the other factors at their sampled values: a curve is an average over them.</p>")
    sections = [_section("summary", "Summary", summary),
                _section("experiment", "Experiment", intro),
                _section("curves", "Response curves", curve_html),
                _section("heatmaps", "Two factors together", heat_html)]
    prov = _kv_table([(k, _short(v)) for k, v in data.manifest.items() if not isinstance(v, (dict, list))]
                     + [("Software", _short(data.manifest.get("versions") or {}))]
                     + [("Replicate seeds", _short(data.manifest.get("replicate_seeds") or "?"))])
    sections += _common_sections(changed, [prov])
    return (f"Parameter sweep: {name}", f"{len(data.factors)} factor(s), {n_points:,} points x {n_reps} replicates",
            sections)


def sweep_baseline(data: SweepData) -> dict[str, float]:
    """Each factor's value in the base scenario (from the manifest), else its parameter default."""
    sc = _find_scenario(data.manifest) or {}
    out: dict[str, float] = {}
    for f in data.factors:
        node: Any = sc
        for key in f.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            out[f] = float(node)
        elif f.rsplit(".", 1)[-1] in PARAM_BY_NAME:
            out[f] = PARAM_BY_NAME[f.rsplit(".", 1)[-1]].default
    return out


def _find_scenario(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The base scenario (as a dumped Scenario) wherever the sweep manifest keeps it."""
    candidates = [manifest.get("base_scenario"), manifest.get("scenario")]
    exp = manifest.get("experiment")
    if isinstance(exp, dict):
        candidates += [exp.get("base_scenario"), exp.get("scenario"), exp.get("base")]
    for c in candidates:
        if isinstance(c, dict) and ("policy" in c or "population" in c):
            return c
    return None


# ---------------------------------------------------------------- shared

def _common_sections(changed: set[str], provenance: list[Markup]) -> list[dict[str, Any]]:
    mechs = text.mechanism_assumptions(changed)
    parts = ["<p>Every mechanism runs each simulated month in this order. Those that read a parameter this "
             "report changes are open; the rest are folded.</p>"]
    for m in mechs:
        uses = f" (reads {', '.join(m['uses'])})" if m["uses"] else ""
        items = "".join(f"<li>{escape(b)}</li>" for b in m["bullets"])
        parts.append(f"<details{' open' if m['involved'] else ''}><summary>{escape(m['name'].capitalize())}: "
                     f"{escape(m['summary'])}{escape(uses)}</summary><ul class=\"tight\">{items}</ul></details>")
    leaves = "".join(f"<li>{escape(x)}</li>" for x in text.LEAVES_OUT)
    return [
        _section("assumptions", "Assumptions behind the mechanisms", Markup("".join(parts))),
        _section("leaves-out", "What this model leaves out",
                 Markup(f"<ul class=\"tight\">{leaves}</ul><p>{escape(text.LEAVES_OUT_NOTE)}</p>")),
        _section("provenance", "Provenance", Markup("").join(provenance)),
    ]


# ---------------------------------------------------------------- trials

def _trials_report(folder: Path, figs: _Figures) -> tuple[str, str, list[dict[str, Any]]]:
    table = pd.read_csv(folder / "trials.csv")
    manifest = _read_manifest(folder)
    counts = table.agree.value_counts()
    summary = (f"<p>{len(table)} published effects from {table.trial.nunique()} studies, each replayed as its trial "
               f"in the model: <strong>{counts.get('yes', 0)} agree</strong>, {counts.get('no', 0)} do not, "
               f"{counts.get('no lever', 0)} have no lever in the model and {counts.get('no outcome', 0)} no "
               "outcome. Agreement: the simulated and published 95% intervals overlap, or the simulated interval "
               "has the published sign.</p>")
    disagree = table[table.agree == "no"]
    if len(disagree):
        items = "".join(f"<li>{escape(r.trial)}: {escape(r.outcome)} ({escape(r.group)}, {int(r.followup_months)} "
                        f"months): published {escape(str(r.published))}, simulated {r.simulated:+.2f} "
                        f"[{r.ci_low:+.2f}, {r.ci_high:+.2f}]</li>" for r in disagree.itertuples())
        summary += f"<p>Where the model and the evidence disagree:</p><ul>{items}</ul>"
    cols = ["trial", "outcome", "group", "measure", "followup_months", "published", "published_low", "published_high",
            "simulated", "ci_low", "ci_high", "agree"]
    rows = [{c: (f"{v:.2f}" if isinstance(v, float) and np.isfinite(v) else ("" if isinstance(v, float) else v))
             for c, v in r.items()} for r in table[cols].to_dict(orient="records")]
    sections = [_section("summary", "Summary", Markup(summary)),
                _section("forest", "Published and simulated effects", figs.add(trials_plots.forest(table))),
                _section("table", "Every row", _table(rows, cols, cols,
                                                      numeric=("published_low", "published_high", "simulated",
                                                               "ci_low", "ci_high")))]
    notes = "".join(f"<li><strong>{escape(t)}</strong>: {escape(str(s))}</li>"
                    for t, s in table.groupby("trial").study.first().items())
    sections.append(_section("studies", "The studies", Markup(f"<ul>{notes}</ul>")))
    reps = manifest.get("replicates", "?")
    return "Trial replicas", f"{table.trial.nunique()} studies, {reps} replicates each", sections


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _section(sid: str, heading: str, html: Markup | str) -> dict[str, Any]:
    """One section; every report's first one has id ``summary`` (on the first screen, tests/test_browser.py)."""
    return {"id": sid, "title": heading, "html": Markup(html)}


def _table(rows: list[dict[str, Any]], keys: list[str], columns: list[str], numeric: tuple[str, ...] = (),
           row_class: list[str] | None = None) -> Markup:
    return Markup(_env.from_string(template.TABLE).render(rows=rows, keys=keys, columns=columns, numeric=numeric,
                                                          row_class=row_class))


def _kv_table(rows: list[tuple[str, str]]) -> Markup:
    return _table([{"k": k, "v": v} for k, v in rows], ["k", "v"], ["Item", "Value"])


def _param_value(sc: dict[str, Any], name: str) -> float:
    values = text.scenario_parameters(sc)
    return values.get(name, PARAM_BY_NAME[name].default)


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_short(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, (list, tuple)):
        return ", ".join(_short(v) for v in value[:8]) + (f", ... ({len(value)} in all)" if len(value) > 8 else "")
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return str(value)


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _version() -> str:
    from sim import __version__

    return __version__


__all__ = ["FIGURES", "REPORT", "ResultsError", "build_report", "sweep_baseline"]
