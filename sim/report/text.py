"""The words of a report: effects in plain language, parameter tables, assumptions, provenance."""

from __future__ import annotations

import inspect
import math
import re
from typing import Any

import pandas as pd

from sim.indicators import INDICATOR_BY_NAME
from sim.mechanisms import MECHANISMS
from sim.params import PARAM_BY_NAME
from sim.plots.compare import horizon_words
from sim.plots.style import is_share, title, unit

LEAVES_OUT = (
    "Family members who stayed in the North, remittances sent to them and broker fees for bringing relatives "
    "out: debts to brokers enter only as a starting debt.",
    "South Koreans, employers and officials as agents: ties to South Koreans are counts, employers act through "
    "job-offer and discrimination rates, and the Hana Centers through a fixed number of counselling slots.",
    "Where settlers live: regional labour and housing markets, and differences between Seoul and the provinces.",
    "Higher education in the South (free university until 35), children's schooling and children's own outcomes.",
    "Physical illness beyond a flag that limits work; the use and cost of health care in detail.",
    "Crime, fraud and scams aimed at settlers; legal trouble; religious communities beyond their role in "
    "forming ties.",
    "Recessions, pandemics and other shocks: the general wage follows its input series and arrivals are given "
    "(history or the scenario), they do not respond to policy.",
    "Public opinion: prejudice changes only through the anti-discrimination lever.",
)
LEAVES_OUT_NOTE = ("Effects of policies that work through these channels are missing from the results, and the "
                   "model's numbers are scenarios under stated assumptions, not forecasts.")


def fmt_value(indicator: str, value: float) -> str:
    """58.1% for shares, '2,143.2 10k KRW per month' style otherwise."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if is_share(indicator):
        return f"{value:.1f}%"
    digits = 2 if abs(value) < 10 else 1
    return f"{value:,.{digits}f} {unit(indicator)}"


def fmt_diff(indicator: str, value: float, scale: float | None = None) -> str:
    """+3.3 (no unit word: the sentence says it); 2 decimals for small non-share values (below 1 in ``scale``)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    size = abs(value) if scale is None or not math.isfinite(scale) else scale
    digits = 2 if size < 1 and not is_share(indicator) else 1
    return f"{value:+,.{digits}f}"


def includes_zero(ci_low: float, ci_high: float) -> bool | None:
    """True when the 95% CI includes zero, None when there is no CI (one replicate)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return None
    return ci_low <= 0 <= ci_high


def effects_table(comparison: pd.DataFrame, indicators: list[str] | tuple[str, ...], group: str = "all"
                  ) -> pd.DataFrame:
    """Headline effects in words: scenario, indicator, horizon, sentence, verdict (one row per comparison row)."""
    d = comparison[(comparison.group == group) & comparison.indicator.isin(indicators)].copy()
    order = {n: i for i, n in enumerate(indicators)}
    d["_o"] = d.indicator.map(order)
    d = d.sort_values(["scenario", "horizon", "_o"], kind="stable")
    rows = []
    for r in d.itertuples(index=False):
        zero = includes_zero(r.ci_low, r.ci_high)
        verdict = ("no CI (one replicate)" if zero is None else "indistinguishable from zero" if zero
                   else ("higher (CI excludes zero)" if r.diff > 0 else "lower (CI excludes zero)"))
        rows.append({"scenario": r.scenario, "indicator": r.indicator, "horizon": int(r.horizon),
                     "sentence": effect_sentence(r), "verdict": verdict, "zero": bool(zero) if zero is not None else True})
    return pd.DataFrame(rows, columns=["scenario", "indicator", "horizon", "sentence", "verdict", "zero"])


SUMMARY_MAX_EFFECTS = 6  # a summary fits one screen
CAVEAT_CHANCE_ONLY = ("The intervals cover chance between paired replicates at fixed parameter values, not what is "
                      "unknown about the parameters themselves: read them as the model's precision, not the "
                      "evidence's.")
CAVEAT_FEW_REPLICATES = "With {n} replicates the intervals are rough: rerun with --replicates 20 or more."
FEW_REPLICATES = 10


def signal(row: Any) -> float:
    """How clearly an effect stands out from chance: |difference| / half-width of its 95% CI (> 1: CI excludes 0)."""
    half = (float(row.ci_high) - float(row.ci_low)) / 2
    diff = abs(float(row.diff))
    if not (math.isfinite(half) and math.isfinite(diff)):
        return 0.0
    return diff / half if half > 0 else (math.inf if diff > 0 else 0.0)


def relative_size(row: Any) -> float:
    """|difference| / |base value|: how large an effect is against the level it changes (inf from a zero base)."""
    base, diff = abs(float(row.base_mean)), abs(float(row.diff))
    if not (math.isfinite(base) and math.isfinite(diff)):
        return 0.0
    return diff / base if base > 0 else (math.inf if diff > 0 else 0.0)


def summary_effects(comparison: pd.DataFrame, indicators: list[str] | tuple[str, ...],
                    limit: int = SUMMARY_MAX_EFFECTS) -> pd.DataFrame:
    """The effects a comparison opens with, chosen by a stated rule.

    1. Headline indicators (``indicators``) for all settlers, at every compared horizon.
    2. Only effects that stand out from chance: ``signal`` > 1 (the 95% CI excludes zero).
    3. Ranked by ``relative_size`` (|difference| / base level); each scenario and indicator once, at the horizon
       where it is largest.
    4. Scenarios take turns, largest effect first, until ``limit`` effects are chosen, so every scenario with a
       clear effect is represented.
    Returns comparison rows plus ``signal`` and ``size``; a scenario with no clear effect has no row.
    """
    d = comparison[(comparison.group == "all") & comparison.indicator.isin(indicators)].copy()
    d["signal"] = [signal(r) for r in d.itertuples(index=False)]
    d["size"] = [relative_size(r) for r in d.itertuples(index=False)]
    d = d[d.signal > 1].sort_values("size", ascending=False, kind="stable")
    d = d.drop_duplicates(["scenario", "indicator"])
    queues = {sc: list(g.index) for sc, g in d.groupby("scenario", sort=False)}
    chosen: list[int] = []
    while len(chosen) < limit and any(queues.values()):
        for sc in dict.fromkeys(comparison.scenario):
            if queues.get(sc) and len(chosen) < limit:
                chosen.append(queues[sc].pop(0))
    return d.loc[chosen]


def sweep_responses(curves: dict[str, pd.DataFrame], limit: int = SUMMARY_MAX_EFFECTS) -> list[dict[str, Any]]:
    """A sweep's largest responses: per (factor, indicator) curve, the change of the mean from the lowest to the
    highest factor value relative to the mean at the lowest; only changes larger than the two ends' 95% intervals
    allow (the intervals do not overlap); largest first, at most ``limit``.

    curves: factor -> ``sim.plots.sweep.response_curve_data`` (indicator, x, mean, ci_low, ci_high).
    """
    out = []
    for factor, data in curves.items():
        for ind, d in data.groupby("indicator", sort=False):
            d = d.sort_values("x")
            lo, hi = d.iloc[0], d.iloc[-1]
            if len(d) < 2 or not (hi.ci_low > lo.ci_high or hi.ci_high < lo.ci_low):
                continue
            size = abs(hi["mean"] - lo["mean"]) / abs(lo["mean"]) if lo["mean"] else math.inf
            out.append({"factor": factor, "indicator": ind, "x0": lo.x, "x1": hi.x, "y0": lo["mean"],
                        "y1": hi["mean"], "size": size})
    return sorted(out, key=lambda r: -r["size"])[:limit]


def direction_word(indicator: str, diff: float) -> str:
    """'better' or 'worse' by the indicator's declared direction ('' when it declares none)."""
    from sim.indicators import INDICATOR_BY_NAME

    better = INDICATOR_BY_NAME[indicator].better if indicator in INDICATOR_BY_NAME else None
    if not better or diff == 0:
        return ""
    return "better" if (diff > 0) == (better == "higher") else "worse"


def differing_groups(comparison: pd.DataFrame, indicators: list[str] | tuple[str, ...], horizon: int
                     ) -> pd.DataFrame:
    """Group effects that differ clearly from the overall one: the group's CI excludes the overall effect.

    Rows of ``comparison`` (groups other than 'all', at ``horizon``) with ``overall`` (the all-settlers
    difference). A conservative rule: the overall effect lies outside the group's own 95% interval.
    """
    d = comparison[comparison.horizon == horizon]
    d = d[d.indicator.isin(indicators)]
    overall = d[d.group == "all"].set_index(["scenario", "indicator"])["diff"]
    g = d[d.group != "all"].copy()
    g["overall"] = [overall.get((s, i), math.nan) for s, i in zip(g.scenario, g.indicator)]
    clear = (g.overall < g.ci_low) | (g.overall > g.ci_high)
    return g[clear & g.n.gt(1)]


def effect_sentence(row: Any) -> str:
    """'employment rate after 3 years: 58.1% -> 61.4% (+3.3 points, 95% CI +2.1 to +4.5)'.

    row: a comparison.csv row (namedtuple, pandas Series or mapping) with indicator, horizon, base_mean, mean,
    diff, ci_low, ci_high.
    """
    r = row._asdict() if hasattr(row, "_asdict") else dict(row)
    ind = r["indicator"]
    base, mean, diff, lo, hi = (float(r[k]) for k in ("base_mean", "mean", "diff", "ci_low", "ci_high"))
    what = f"{title(ind)[0].lower()}{title(ind)[1:]} {horizon_words(r['horizon'])}"
    points = " points" if is_share(ind) else ""
    if is_share(ind):
        change = f"{fmt_value(ind, base)} -> {fmt_value(ind, mean)}"
    else:  # the unit once: '250.8 -> 251.5 10k KRW per month'
        change = f"{fmt_value(ind, base).removesuffix(' ' + unit(ind))} -> {fmt_value(ind, mean)}"
    finite = [abs(v) for v in (diff, lo, hi) if math.isfinite(v)]
    scale = max(finite) if finite else None
    if includes_zero(lo, hi) is None:
        ci = "no CI: a single replicate"
    else:
        ci = f"95% CI {fmt_diff(ind, lo, scale)} to {fmt_diff(ind, hi, scale)}"
    return f"{what}: {change} ({fmt_diff(ind, diff, scale)}{points}, {ci})"


def probability_sentence(row: Any) -> str:
    """'mentorship lowers no one to ask for help when sick after 3 years in 97% of plausible parameter sets (...)'.

    row: a comparison.csv row with an ensemble: scenario, indicator, horizon, diff, p_better, ens_low, ens_high,
    chance_ci_low, chance_ci_high, param_share. The direction named is that of the mean effect; the share is of
    the members whose own effect goes that way.
    """
    r = row._asdict() if hasattr(row, "_asdict") else dict(row)
    ind = r["indicator"]
    diff, p_better = float(r["diff"]), float(r["p_better"])
    better = INDICATOR_BY_NAME[ind].better
    up = diff > 0
    helps = (better == "higher") == up
    share = p_better if helps else 1 - p_better
    verb = "raises" if up else "lowers"
    lo, hi = float(r["ens_low"]), float(r["ens_high"])
    scale = max(abs(lo), abs(hi)) or None
    points = " points" if is_share(ind) else ""
    parts = [f"90% of sets: {fmt_diff(ind, lo, scale)} to {fmt_diff(ind, hi, scale)}{points}"]
    if math.isfinite(float(r.get("chance_ci_low", float("nan")))):
        parts.append(f"chance alone: 95% CI {fmt_diff(ind, float(r['chance_ci_low']), scale)} to "
                     f"{fmt_diff(ind, float(r['chance_ci_high']), scale)}")
    if math.isfinite(float(r.get("param_share", float("nan")))):
        parts.append(f"the parameters make {float(r['param_share']):.0%} of its variance")
    what = f"{title(ind)[0].lower()}{title(ind)[1:]}"
    return (f"{r['scenario']} {verb} {what} {horizon_words(r['horizon'])} in {share:.0%} of plausible parameter sets "
            f"({'; '.join(parts)})")


CAVEAT_ENSEMBLE = ("Each replicate used its own plausible parameter set (the {spec} ensemble, {n} members) and its own "
                   "seed, the same in every scenario: the 90% bands cover what is unknown about the behaviour "
                   "parameters as well as chance; 'plausible' means drawn from that ensemble, no more.")


def indistinguishable(comparison: pd.DataFrame, horizon: int, group: str = "all") -> dict[str, list[str]]:
    """scenario -> readable names of indicators whose 95% CI at ``horizon`` includes zero."""
    d = comparison[(comparison.group == group) & (comparison.horizon == horizon)]
    out: dict[str, list[str]] = {}
    for s, ds in d.groupby("scenario", sort=False):
        mask = [includes_zero(lo, hi) is not False for lo, hi in zip(ds.ci_low, ds.ci_high)]
        out[str(s)] = [title(i) for i in ds.indicator[mask]]
    return out


def level_sentence(indicator: str, months: int, mean: float, lo: float, hi: float) -> str:
    """'employment rate after 3 years: 64.9% (95% CI 60.1 to 69.7)'."""
    what = f"{title(indicator)} {horizon_words(months)}"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{what}: {fmt_value(indicator, mean)} (no CI: a single replicate)"
    digits = 1 if is_share(indicator) or abs(mean) >= 10 else 2
    return f"{what}: {fmt_value(indicator, mean)} (95% CI {lo:,.{digits}f} to {hi:,.{digits}f})"


# ---------------------------------------------------------------- parameters

def scenario_parameters(scenario: dict[str, Any]) -> dict[str, float]:
    """Policy and behaviour values a scenario (as saved in manifest.json) sets."""
    out: dict[str, float] = {}
    for section in ("policy", "behaviour"):
        for k, v in (scenario.get(section) or {}).items():
            if v is not None:
                out[k] = float(v)
    return out


def differing_from_defaults(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (parameter, kind, value, default, unit, source) for the values that differ from sim.params defaults."""
    rows = []
    for name, value in scenario_parameters(scenario).items():
        p = PARAM_BY_NAME.get(name)
        if p is None or value != p.default:
            rows.append({"parameter": name, "kind": p.kind if p else "?", "value": f"{value:g}",
                         "default": f"{p.default:g}" if p else "?", "unit": p.unit if p else "",
                         "source": p.source if p else ""})
    return rows


def differing_between(base: dict[str, Any], other: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (parameter, base, value, unit) where ``other`` differs from ``base`` (defaults filled in)."""
    b, o = scenario_parameters(base), scenario_parameters(other)
    rows = []
    for name in sorted(set(b) | set(o)):
        p = PARAM_BY_NAME.get(name)
        default = p.default if p else float("nan")
        vb, vo = b.get(name, default), o.get(name, default)
        if vb != vo:
            rows.append({"parameter": name, "base": f"{vb:g}", "value": f"{vo:g}", "unit": p.unit if p else ""})
    for key in ("population", "start", "months"):
        if base.get(key) != other.get(key):
            rows.append({"parameter": key, "base": _short(base.get(key)), "value": _short(other.get(key)), "unit": ""})
    if base.get("changes") != other.get("changes"):
        rows.append({"parameter": "changes", "base": _short(base.get("changes")), "value": _short(other.get("changes")),
                     "unit": "scheduled changes"})
    return rows


def changes_rows(scenario: dict[str, Any]) -> list[str]:
    """Scheduled parameter changes in words: 'from 24: cash_grant_million_krw = 20'."""
    out = []
    for ch in scenario.get("changes") or []:
        values = {**(ch.get("policy") or {}), **(ch.get("behaviour") or {})}
        values = {k: v for k, v in values.items() if v is not None}
        at = ch.get("at")
        when = f"month {at} after start" if isinstance(at, int) else f"{at}"
        out.append(f"from {when}: " + ", ".join(f"{k} = {v:g}" for k, v in values.items()))
    return out


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return f"{len(value)} change(s)" if value else "none"
    return "" if value is None else str(value)


# ---------------------------------------------------------------- assumptions

def mechanism_assumptions(changed: set[str] | list[str]) -> list[dict[str, Any]]:
    """Each mechanism's docstring, flagged ``involved`` when it reads one of the ``changed`` parameters."""
    out = []
    for module in MECHANISMS:
        doc = inspect.getdoc(module) or ""
        try:
            source = inspect.getsource(module)
        except OSError:
            source = ""
        uses = sorted(n for n in changed if re.search(rf"\b{re.escape(n)}\b", source))
        head, _, body = doc.partition("\n")
        bullets = [re.sub(r"\s+", " ", b).strip() for b in re.split(r"\n\* ", "\n" + body.split("Assumptions and "
                   "sources:", 1)[-1].strip()) if b.strip()]
        out.append({"name": module.__name__.rsplit(".", 1)[-1].replace("_", " "), "summary": head.strip(),
                    "bullets": [b.lstrip("* ").replace("``", "").replace("**", "") for b in bullets], "involved": bool(uses),
                    "uses": uses})
    return out
