"""What a posterior calibration writes: the posterior file, ``calibration.json`` and the report page.

* ``sim/data/posterior.parquet``: the posterior draws (``posterior.write``).
* ``sim/data/calibration.json``: method, waves (design points, the share of the box still plausible), run count and
  time, the observation model, the posterior median of every fitted parameter (``parameters``: the model's
  defaults from now on), its 90% credible interval, and the diagnostics. The previous file's parameters are kept
  as ``previous_point_estimate``.
* the report folder: ``calibration.md`` and ``index.html`` (tables), ``identifiability.csv``,
  ``predictive.csv``, ``emulator_validation.csv``, and the figures ``pairs.png``, ``identifiability.png``,
  ``predictive.png``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch import store
from sim.calibration import posterior as post
from sim.calibration.history_matching import CUTOFF, OBSERVATION_SD, RANK
from sim.calibration.workflow import METHOD, WorkflowResult, identifiability, tradeoffs
from sim.codes import SECONDS_PER_MINUTE
from sim.params import PARAM_BY_NAME
from sim.plots import calibration as plots

VALUE_DIGITS = 8  # decimals of parameter values in calibration.json
SHARE_DIGITS = 4  # decimals of shares and SDs
NEWLINE = "\n"


def calibration_json(result: WorkflowResult, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The calibration record (see the module docstring)."""
    pb, st, d = result.problem, result.settings, result.diagnostics
    summ = result.summary()
    ident = identifiability(result)
    median = {}
    for n in pb.names:
        v = float(summ.loc[n, "median"])
        median[n] = round(v) if PARAM_BY_NAME[n].integer else round(v, VALUE_DIGITS)
    pred = d["predictive"]
    return {
        "date": result.date,
        "method": METHOD,
        "scenario": pb.history.scenario.name,
        "population": st.population,
        "seed": st.seed,
        "runs": result.runs,
        "seconds": round(result.seconds, 1),
        "fitted": list(pb.names),
        "parameters": median,
        "credible_90": {n: [round(float(summ.loc[n, k]), VALUE_DIGITS) for k in ("low", "high")] for n in pb.names},
        "priors": {n: {"low": pb.bounds[n][0], "high": pb.bounds[n][1], "scale": "log" if pb.bounds[n][2] else "linear",
                       "declared_default": PARAM_BY_NAME[n].prior if PARAM_BY_NAME[n].prior is not None
                       else PARAM_BY_NAME[n].default} for n in pb.names},
        "bounds": {n: list(pb.bounds[n][:2]) for n in pb.names},
        "fixed": "every other parameter keeps its declared default (sources in `resettle params`)",
        "observation_model": {
            "units": "published 95% half-widths (tolerances, trial intervals) from the published value",
            "observation_sd": round(OBSERVATION_SD, SHARE_DIGITS),
            "discrepancy_sd": round(float(np.median(result.obs.discrepancy)), SHARE_DIGITS),
            "discrepancy_shared_by": "every year of one figure (one trial outcome), fully correlated",
            "structural_misses": d["structural_misses"],
            "cutoff": CUTOFF, "rank": RANK,
        },
        "targets": {"survey": pb.n_survey, "trials": len(pb.trials), "sign_checks": len(pb.signs)},
        "waves": [{"wave": w.index, "design_points": len(w.design), "plausible_share_of_box": float(f"{w.plausible_share:.3g}")}
                  for w in result.waves],
        "plausible_share_final": float(f"{d["plausible_share_final"]:.3g}"),
        "posterior_rows": len(result.draws),
        "diagnostics": {
            "mcmc": d["mcmc"],
            "emulator_validation_inside_95": d["emulator_validation"]["inside_95"],
            "emulator_at_posterior_inside_95": d["emulator_at_posterior"]["inside_95"],
            "predictive_coverage": pred["coverage"],
            "predictive_coverage_survey": round(float(np.mean([r["inside_predictive_95"]
                                                               for r in pred["per_target"][:pb.n_survey]])), SHARE_DIGITS),
            "predictive_coverage_trials": round(float(np.mean([r["inside_predictive_95"]
                                                               for r in pred["per_target"][pb.n_survey:]])), SHARE_DIGITS)
            if pb.trials else None,
            "predictive_coverage_runs_only": pred["coverage_runs_only"],
            "predictive_outside": [r["target"] for r in pred["per_target"] if not r["inside_predictive_95"]],
            "sign_checks": pred["sign_checks"],
            "recovery_share_inside_90": d["recovery"]["share_inside_90"],
            "recovery_truths": d["recovery"]["truths"],
            "identified": [r.parameter for r in ident.itertuples() if r.verdict == "identified"],
            "partly_identified": [r.parameter for r in ident.itertuples() if r.verdict == "partly"],
            "not_identified": [r.parameter for r in ident.itertuples() if r.verdict == "not identified"],
        },
        "previous_point_estimate": (previous or {}).get("parameters", {}),
    }


def write_all(result: WorkflowResult, calibration_file: str | Path, posterior_file: str | Path,
              report_dir: str | Path) -> dict[str, Path]:
    """Write the posterior file, calibration.json and the report folder; returns their paths."""
    from sim.calibration.calibrate import calibration_path

    calibration_file, report_dir = Path(calibration_file), Path(report_dir)
    source = calibration_file if calibration_file.is_file() else calibration_path()
    previous = json.loads(source.read_text()) if source.is_file() else None
    if previous and "previous_point_estimate" in previous and previous.get("method") == METHOD:
        previous = {"parameters": previous["previous_point_estimate"]}  # a refit keeps the least-squares point
    record = calibration_json(result, previous)
    post.write(posterior_file, result.values)
    store.write_json(calibration_file, record)
    report_dir.mkdir(parents=True, exist_ok=True)
    ident = identifiability(result)
    ident["previous"] = [record["previous_point_estimate"].get(n, np.nan) for n in ident["parameter"]]
    store.write_csv(report_dir / "identifiability.csv", ident)
    pred = pd.DataFrame(result.diagnostics["predictive"]["per_target"])
    store.write_csv(report_dir / "predictive.csv", pred)
    store.write_csv(report_dir / "emulator_validation.csv",
                    pd.DataFrame(result.diagnostics["emulator_validation"]["per_target"]))
    pairs = tradeoffs(result)
    plots.pairs(result.frame(), pairs, report_dir / "pairs.png")
    plots.identifiability(ident, report_dir / "identifiability.png")
    plots.predictive(pred, report_dir / "predictive.png")
    text = markdown(record, ident, pred, pairs)
    (report_dir / "calibration.md").write_text(text, encoding="utf-8")
    (report_dir / "index.html").write_text(_html(text), encoding="utf-8")
    return {"calibration": calibration_file, "posterior": Path(posterior_file), "report": report_dir}


def _fmt(x: float) -> str:
    return f"{x:.3g}" if np.isfinite(x) else ""


def identifiability_markdown(ident: pd.DataFrame) -> str:
    lines = ["| parameter | prior box | previous point | posterior median | 90% credible interval | width ratio | verdict |",
             "| --- | --- | ---: | ---: | --- | ---: | --- |"]
    for r in ident.itertuples():
        prev = getattr(r, "previous", np.nan)
        lines.append(f"| `{r.parameter}` | [{_fmt(r.bound_low)}, {_fmt(r.bound_high)}] | {_fmt(prev)} | {_fmt(r.median)} "
                     f"| [{_fmt(r.low)}, {_fmt(r.high)}] | {r.width_ratio:.2f} | {r.verdict} |")
    return "\n".join(lines)


def markdown(record: dict[str, Any], ident: pd.DataFrame, pred: pd.DataFrame, pairs: list[tuple[str, str, float]]) -> str:
    """The report page's text."""
    d = record["diagnostics"]
    waves = "\n".join(f"| {w['wave']} | {w['design_points']} | {w['plausible_share_of_box']:.4g} |" for w in record["waves"])
    outside = ", ".join(d["predictive_outside"]) or "none"
    structural = ", ".join(f"{k} (discrepancy {v:g})" for k, v in record["observation_model"]["structural_misses"].items())
    pred_lines = ["| target | simulated median | simulated 95% | inside predictive 95% |", "| --- | ---: | --- | --- |"]
    for r in pred.itertuples():
        pred_lines.append(f"| {r.target} | {r.simulated_median:.4g} | [{r.simulated_low:.4g}, {r.simulated_high:.4g}] | "
                          f"{'yes' if r.inside_predictive_95 else 'NO'} |")
    pair_lines = "\n".join(f"- `{a}` and `{b}`: correlation {c:+.2f}" for a, b, c in pairs)
    return f"""# Posterior calibration ({record['date']})

Method: {record['method']}.
{record['runs']} simulator runs, {record['seconds'] / SECONDS_PER_MINUTE:.1f} minutes; {record['targets']['survey']} survey and
administrative figures, {record['targets']['trials']} trial effects, {record['targets']['sign_checks']} sign checks.

## Waves

| wave | design points | share of the prior box not ruled out before it |
| ---: | ---: | ---: |
{waves}

After the last wave: {record['plausible_share_final']:.4g} of the box is not ruled out.
Structural misses (no point of the box reaches them): {structural or 'none'}.

## Diagnostics

- Emulators on held-out runs: {d['emulator_validation_inside_95']:.0%} inside their 95% intervals; at the posterior
  draws, {d['emulator_at_posterior_inside_95']:.0%}.
- Posterior predictive coverage: {d['predictive_coverage']:.0%} of targets inside the 95% predictive interval
  (runs only, without observation error and discrepancy: {d['predictive_coverage_runs_only']:.0%}). Outside: {outside}.
- Recovery on synthetic data ({d['recovery_truths']} known points): {d['recovery_share_inside_90']:.0%} of the known
  values inside their 90% credible intervals.
- MCMC: {d['mcmc']['walkers']} walkers x {d['mcmc']['steps']} steps, acceptance {d['mcmc']['acceptance']:.2f},
  autocorrelation time up to {d['mcmc']['autocorrelation_steps_max']:g} steps; importance sampling from the space
  left would have had an effective sample size of {d['mcmc']['importance_ess']:g} of {d['mcmc']['importance_pool']}.

## Identifiability

Width ratio: the posterior 90% interval's width over the prior's, on the fitting scale (log for rates).

{identifiability_markdown(ident)}

## Trade-offs

{pair_lines}

![pairs](pairs.png)
![identifiability](identifiability.png)

## Posterior predictive check

{NEWLINE.join(pred_lines)}

![predictive](predictive.png)
"""


def _html(markdown_text: str) -> str:
    """A plain page of the markdown (tables and images), without a markdown library."""
    out, table = [], False
    for line in markdown_text.splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip()).replace("`", "") for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue
            if not table:
                out.append("<table>")
                table = True
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            continue
        if table:
            out.append("</table>")
            table = False
        if line.startswith("!["):
            src = line[line.index("(") + 1:-1]
            out.append(f'<img src="{html.escape(src)}" style="max-width:100%">')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif line.strip():
            out.append(f"<p>{html.escape(line).replace('`', '')}</p>")
    if table:
        out.append("</table>")
    return ("<!doctype html><meta charset='utf-8'><title>Posterior calibration</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td{padding:2px 6px;border-bottom:1px solid #ddd}"
            "</style>" + "\n".join(out))
