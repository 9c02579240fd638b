"""Parameter sweeps: run an experiment's design points x replicates, resumably, streaming to disk.

Layout of ``results/<experiment name>/``::

    runs/<run id>.parquet   one file per run: indicator, group, horizon, value (the kept cells)
    design.csv              point, one column per factor
    runs.csv                point, replicate, seed, run id, status (done / failed / missing), model version
    sweep.parquet           tidy: point, <factors...>, replicate, indicator, group, horizon, value
    summary.csv / .parquet  by point: point, <factors...>, indicator, group, horizon, mean, sd, ci_low, ci_high, n
    failures.csv            runs that raised: point, replicate, seed, run, <factors...>, error
    manifest.json           experiment, design and its hash, seeds, versions, git commit, counts, timing

A run's id is a hash of the model's version (its source, ``sim.jit.model_hash``, and every
parameter's resolved default, calibration included), the run's resolved parameters, its seed and
the cells kept, so a run file is reused only by a run that would compute exactly the same numbers;
each run file records its model version (Parquet metadata, ``runs.csv``), and a resumed sweep
says when it finds runs of other versions (never reused); ``sweep.parquet``
is built only from the runs of the current design, so changing the experiment never mixes old
results in. Run files are written under a temporary name and renamed, so a file that exists is
complete; a rerun skips those and does the rest. Replicate r of every point uses seed
``replicate_seeds(seed, replicates)[r]`` (common random numbers across points).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import stats
from tqdm import tqdm

from sim import ensemble as ens
from sim import indicators
from sim.batch import store
from sim.batch.backends import make_backend
from sim.batch.runner import CONFIDENCE, ENSEMBLE_BANDS, SECONDS_DIGITS, run_replicate
from sim.batch.seeds import replicate_seeds
from sim.experiment import Experiment, _plain, load_experiment
from sim.jit import model_hash
from sim.params import Parameters

DEFAULT_RESULTS = Path("results")
RUN_COLUMNS = ("indicator", "group", "horizon", "value")
SUMMARY_KEYS = ["indicator", "group", "horizon"]
# by point: over replicates (the members, with an ensemble): mean, sd, 95% CI of the mean, count, and the 5th, 25th,
# 75th and 95th percentiles (the 90% and 50% bands)
SUMMARY_STATS = ["mean", "sd", "ci_low", "ci_high", "n", "ens_low", "ens_q25", "ens_q75", "ens_high"]
HASH_DIGITS = 16  # hex digits of run ids and design hashes (64 bits: collisions out of reach)


@dataclass(frozen=True)
class RunTask:
    """One run: a design point's replicate. ``args`` are those of ``execute_run``."""

    run_id: str
    point: int
    replicate: int
    seed: int
    args: tuple[Any, ...] = field(repr=False)


@dataclass(frozen=True)
class RunOutcome:
    """What the ``on_run`` callback receives after each run finishes (or fails)."""

    run_id: str
    point: int
    replicate: int
    ok: bool
    error: str | None
    done: int
    failed: int
    total: int


def execute_run(model_kwargs: dict[str, Any], seed: int, horizons: list[int], indicator_idx: list[int],
                group_idx: list[int]) -> np.ndarray:
    """Run one model and keep the chosen cells: shape (horizons, indicators, groups), NaN beyond the horizon."""
    record = run_replicate(model_kwargs, seed)
    out = np.full((len(horizons), len(indicator_idx), len(group_idx)), np.nan)
    for j, h in enumerate(horizons):
        if h <= record.shape[0]:
            out[j] = record[h - 1][np.ix_(indicator_idx, group_idx)]
    return out


def model_version() -> dict[str, Any]:
    """What makes two runs with the same settings compute the same numbers: the model's source and its defaults.

    ``source``: ``sim.jit.model_hash()`` (the package and any added mechanism modules); ``defaults``: a hash of
    every parameter's resolved default (calibration included).
    """
    defaults = json.dumps(Parameters().as_dict(), sort_keys=True)
    return {"source": model_hash(), "defaults": hashlib.sha256(defaults.encode()).hexdigest()[:HASH_DIGITS]}


def version_label(version: dict[str, Any]) -> str:
    return f"{version['source']}/{version['defaults']}"


def run_id(model_kwargs: dict[str, Any], seed: int, keep: dict[str, Any], version: dict[str, Any] | None = None) -> str:
    """Hash of the model's version, the resolved model parameters, the seed and the cells kept (16 hex digits)."""
    text = json.dumps({"model": model_kwargs, "seed": seed, "keep": keep, "version": version or model_version()},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_DIGITS]


@dataclass
class SweepResult:
    """A finished (or partly finished) sweep.

    design: DataFrame, index ``point``, one column per factor.
    summary: DataFrame by point (point, factors, indicator, group, horizon, mean, sd, ci_low, ci_high, n).
    failures: DataFrame of runs that raised (point, replicate, seed, run, factors, error).
    data: the tidy ``sweep.parquet`` (point, factors, replicate, indicator, group, horizon, value), read on access.
    computed / reused: runs computed by this call / found complete on disk.
    """

    out: Path
    experiment: Experiment
    design: pd.DataFrame
    summary: pd.DataFrame
    failures: pd.DataFrame
    manifest: dict[str, Any]
    computed: int
    reused: int

    @property
    def data(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / "sweep.parquet")

    @property
    def ok(self) -> bool:
        return self.failures.empty


def sweep(experiment: Experiment | str | Path, *, out: str | Path | None = None, workers: int | None = None,
          scheduler: str | None = None, client: Any = None, replicates: int | None = None, seed: int | None = None,
          population: int | None = None, months: int | None = None, progress: bool = True,
          on_run: Callable[[RunOutcome], None] | None = None,
          ensemble: str | Path | pd.DataFrame | None = None) -> SweepResult:
    """Run (or resume) an experiment's sweep and write its results into ``out``.

    Parameters
    ----------
    experiment : Experiment or path to an experiment YAML file
    out : output folder (default ``results/<experiment name>``)
    workers : local processes (default: all cores; 1 = in this process)
    scheduler : dask.distributed scheduler address ``tcp://HOST:PORT`` (default: the experiment's ``scheduler:``)
    client : an existing ``distributed.Client`` (takes precedence over ``scheduler``)
    replicates, seed, population, months : overrides (replicates per point, base seed, settlers, horizon)
    progress : progress bar on stderr (runs done, failed, ETA)
    on_run : called after every run with a ``RunOutcome`` (an exception raised there stops the sweep;
        finished runs stay on disk)
    ensemble : ``"posterior"``, ``"prior"``, ``"none"``, a file or a DataFrame (default: the experiment's
        ``ensemble:``, else ``sim.ensemble.default_spec()``): replicate r of every point uses parameter set r
        and seed r; the run id includes the set, so a sweep with an ensemble resumes like any other

    Returns a ``SweepResult`` holding DataFrames. Runs that raise do not stop the sweep: they are
    listed in ``result.failures`` (and ``failures.csv``) and can be retried by running again.
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    exp = exp.with_overrides(replicates=replicates, seed=seed, population=population, months=months)
    out = Path(out) if out is not None else DEFAULT_RESULTS / exp.name
    runs_dir = out / "runs"
    design = exp.design()
    seeds = replicate_seeds(exp.seed, exp.replicates)
    horizons = exp.horizons()
    keep = {"indicators": exp.indicators, "groups": exp.groups, "horizons": horizons}
    ind_idx = [indicators.INDICATOR_NAMES.index(n) for n in exp.indicators]
    grp_idx = [indicators.GROUPS.index(g) for g in exp.groups]

    spec = exp.spec.ensemble if ensemble is None else ensemble
    label = ens.spec_label(spec)
    sets = ens.ensemble_sets(spec, len(seeds), exp.seed)
    members = [None] * len(seeds) if sets is None else [sets.iloc[r] for r in range(len(seeds))]

    version = model_version()
    tasks: list[RunTask] = []
    for point in design.index:
        row = {name: _plain(design.at[point, name]) for name in design.columns}
        scenario = exp.scenario_at(row)
        kwargs = scenario.model_kwargs()
        fixed = set(scenario.behaviour.model_dump(exclude_none=True))  # a factor or the base sets it: it stays
        for r, s in enumerate(seeds):
            kw = ens.member_kwargs(kwargs, members[r], fixed)
            tasks.append(RunTask(run_id(kw, s, keep, version), int(point), r, s, (kw, s, horizons, ind_idx, grp_idx)))
    unique = list({t.run_id: t for t in tasks}.values())
    design_hash = hashlib.sha256(json.dumps([t.run_id for t in tasks]).encode()).hexdigest()[:HASH_DIGITS]

    previous = _read_manifest(out)
    if previous and previous.get("design_hash") != design_hash and progress:
        print(f"note: {exp.source} changed since the last sweep into {out}; only runs of the new design are used",
              file=sys.stderr)
    done_ids = {t.run_id for t in unique if _complete(runs_dir / f"{t.run_id}.parquet")}
    todo = [t for t in unique if t.run_id not in done_ids]
    reused = len(done_ids)
    others = _other_versions(runs_dir, {t.run_id for t in unique}, version_label(version))
    if others and progress:
        print(f"note: {sum(others.values())} run(s) in {runs_dir} were made by other model versions "
              f"({', '.join(sorted(others))}); they are not reused", file=sys.stderr)

    scheduler = scheduler or exp.spec.scheduler
    backend = make_backend(workers=workers, scheduler=scheduler, client=client)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    failures: list[dict[str, Any]] = []
    computed = 0
    base_manifest = {
        "experiment": exp.spec.model_dump(mode="json"), "source": exp.source,
        "base_scenario": exp.base.model_dump(mode="json"),
        "design": {**exp.spec.design.model_dump(mode="json"), "points": len(design), "factors": exp.factor_names},
        "design_hash": design_hash, "replicates": exp.replicates, "seed": exp.seed, "replicate_seeds": seeds,
        "horizons": horizons, "indicators": exp.indicators, "groups": exp.groups,
        "backend": backend.name, "workers": backend.workers, "started": started,
        "versions": store.versions(), "git_commit": store.git_commit(),
        "model_version": version, "other_versions_found": others,
        "ensemble": {"spec": label if sets is not None else "none", "members": 0 if sets is None else len(sets),
                     "parameters": [] if sets is None else list(sets.columns)},
    }

    def manifest(status: str) -> dict[str, Any]:
        return {**base_manifest, "status": status,
                "counts": {"runs": len(tasks), "unique_runs": len(unique), "done": reused + computed,
                           "failed": len(failures), "computed": computed, "reused": reused},
                "seconds": round(time.perf_counter() - t0, SECONDS_DIGITS),
                "failures": [{k: f[k] for k in ("run", "point", "replicate", "seed", "error")} for f in failures]}

    out.mkdir(parents=True, exist_ok=True)
    store.write_csv(out / "design.csv", design.reset_index())
    if sets is not None:  # replicate r of every point assumed row r
        store.write_csv(out / "ensemble.csv", sets.reset_index().assign(seed=seeds)[["member", "seed", *sets.columns]])
    store.write_json(out / "manifest.json", manifest("running"))
    bar = tqdm(total=len(unique), initial=reused, desc=exp.name, unit="run", disable=not progress,
               file=sys.stderr, dynamic_ncols=True)
    status = "interrupted"
    try:
        for oc in backend.run(execute_run, todo):
            task = oc.task
            if oc.error is None:
                _write_run(runs_dir / f"{task.run_id}.parquet", oc.result, exp.indicators, exp.groups, horizons,
                           version_label(version))
                computed += 1
            else:
                failures.append({"run": task.run_id, "point": task.point, "replicate": task.replicate,
                                 "seed": task.seed, "error": f"{type(oc.error).__name__}: {oc.error}"})
            bar.update()
            bar.set_postfix(failed=len(failures), refresh=False)
            if on_run is not None:
                on_run(RunOutcome(task.run_id, task.point, task.replicate, oc.error is None,
                                  None if oc.error is None else failures[-1]["error"],
                                  reused + computed, len(failures), len(unique)))
        status = "failed" if failures else "complete"
    finally:
        bar.close()
        backend.close()
        if status == "interrupted":
            store.write_json(out / "manifest.json", manifest(status))

    failed_ids = {f["run"] for f in failures}
    summary = _assemble(out, exp, design, tasks, horizons)
    fail_df = _failures_frame(failures, tasks, design)
    store.write_csv(out / "failures.csv", fail_df)
    store.write_csv(out / "runs.csv", pd.DataFrame({
        "point": [t.point for t in tasks], "replicate": [t.replicate for t in tasks],
        "seed": [t.seed for t in tasks], "run": [t.run_id for t in tasks],
        "status": ["failed" if t.run_id in failed_ids else "done" for t in tasks],
        "model_version": [_run_version(runs_dir / f"{t.run_id}.parquet") for t in tasks]}))
    final = manifest(status)
    store.write_json(out / "manifest.json", final)
    return SweepResult(out, exp, design, summary, fail_df, final, computed, reused)


# ---------------------------------------------------------------- files

def _complete(path: Path) -> bool:
    """A run file that exists and whose Parquet footer reads (renamed into place only when complete)."""
    if not path.exists():
        return False
    try:
        pq.read_metadata(path)
    except Exception:  # truncated by a crash of the disk, not by us: redo the run
        path.unlink(missing_ok=True)
        return False
    return True


VERSION_KEY = b"resettle_model_version"  # Parquet metadata of a run file: the model version that computed it


def _write_run(path: Path, values: np.ndarray, inds: list[str], groups: list[str], horizons: list[int],
               version: str) -> None:
    h, k, g = np.indices(values.shape).reshape(values.ndim, -1)
    df = pd.DataFrame({"indicator": np.asarray(inds)[k], "group": np.asarray(groups)[g],
                       "horizon": np.asarray(horizons, dtype=np.int32)[h], "value": values.reshape(-1)})
    table = pa.Table.from_pandas(df[df.value.notna()], preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), VERSION_KEY: version.encode()})
    with store.atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def _run_version(path: Path) -> str:
    """The model version recorded in a run file ('' if none or unreadable)."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid):
        return ""
    return meta.get(VERSION_KEY, b"").decode()


def _other_versions(runs_dir: Path, current_ids: set[str], version: str) -> dict[str, int]:
    """{model version: run files} among the run files of this folder made by other model versions."""
    found: dict[str, int] = {}
    if not runs_dir.is_dir():
        return found
    for path in runs_dir.glob("*.parquet"):
        if path.stem in current_ids:
            continue
        other = _run_version(path) or "unknown (older than model versions)"
        if other != version:
            found[other] = found.get(other, 0) + 1
    return found


def _read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _assemble(out: Path, exp: Experiment, design: pd.DataFrame, tasks: list[RunTask],
              horizons: list[int]) -> pd.DataFrame:
    """Write sweep.parquet point by point (memory: one point at a time) and return the summary by point."""
    factors = list(design.columns)
    by_point: dict[int, list[RunTask]] = {}
    for t in tasks:
        by_point.setdefault(t.point, []).append(t)
    summaries = []
    with store.atomic_path(out / "sweep.parquet") as tmp:
        writer: pq.ParquetWriter | None = None
        try:
            for point, point_tasks in by_point.items():
                frames = []
                for t in point_tasks:
                    path = out / "runs" / f"{t.run_id}.parquet"
                    if path.exists():
                        df = pd.read_parquet(path)
                        df.insert(0, "replicate", np.int32(t.replicate))
                        frames.append(df)
                if not frames:
                    continue
                df = pd.concat(frames, ignore_index=True)
                if df.empty:  # every kept cell undefined (e.g. all still in Hanawon at a short horizon)
                    continue
                for j, name in enumerate(factors):
                    df.insert(j, name, design.at[point, name])
                df.insert(0, "point", np.int32(point))
                table = pa.Table.from_pandas(df, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table.cast(writer.schema))
                summaries.append(_summarise_point(df, ["point", *factors]))
            if writer is None:  # nothing finished: an empty table with the columns
                empty = pd.DataFrame({c: pd.Series(dtype=design[c].dtype if c in factors else "float64")
                                      for c in ["point", *factors, "replicate", *RUN_COLUMNS]})
                empty.to_parquet(tmp, index=False)
        finally:
            if writer is not None:
                writer.close()
    cols = ["point", *factors, *SUMMARY_KEYS, *SUMMARY_STATS]
    summary = pd.concat(summaries, ignore_index=True) if summaries else pd.DataFrame(columns=cols)
    store.write_csv(out / "summary.csv", summary)
    store.write_parquet(out / "summary.parquet", summary)
    return summary


def _summarise_point(df: pd.DataFrame, id_cols: list[str]) -> pd.DataFrame:
    g = df.groupby(SUMMARY_KEYS, sort=False).value
    s = g.agg(mean="mean", sd="std", n="count")
    q = g.quantile([b / 100 for b in ENSEMBLE_BANDS]).unstack()
    q.columns = ["ens_low", "ens_q25", "ens_q75", "ens_high"]
    s = s.join(q).reset_index()
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(s.n - 1, 1)) * s.sd / np.sqrt(s.n)
    s["ci_low"], s["ci_high"] = s["mean"] - half, s["mean"] + half
    for j, c in enumerate(id_cols):
        s.insert(j, c, df[c].iloc[0])
    return s[[*id_cols, *SUMMARY_KEYS, *SUMMARY_STATS]]


def _failures_frame(failures: list[dict[str, Any]], tasks: list[RunTask], design: pd.DataFrame) -> pd.DataFrame:
    cols = ["point", "replicate", "seed", "run", *design.columns, "error"]
    if not failures:
        return pd.DataFrame(columns=cols)
    failed = {f["run"]: f["error"] for f in failures}
    rows = [{"point": t.point, "replicate": t.replicate, "seed": t.seed, "run": t.run_id,
             **{c: design.at[t.point, c] for c in design.columns}, "error": failed[t.run_id]}
            for t in tasks if t.run_id in failed]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- analysis

def sobol_indices(result: SweepResult, indicator: str, group: str = "all", horizon: int | None = None) -> pd.DataFrame:
    """First-order and total Sobol' indices of one indicator's point means (a ``sobol`` design only).

    Returns factor, S1, S1_conf, ST, ST_conf (``SALib.analyze.sobol``, no second order).
    """
    from SALib.analyze import sobol

    exp = result.experiment
    if exp.spec.design.type != "sobol":
        raise ValueError("Sobol' indices need a sobol design")
    h = horizon or max(exp.horizons())
    s = result.summary
    s = s[(s.indicator == indicator) & (s.group == group) & (s.horizon == h)].set_index("point")["mean"]
    y = s.reindex(result.design.index).to_numpy(dtype=float)
    if np.isnan(y).any():
        raise ValueError(f"{indicator}/{group} at month {h}: some points have no value (failed runs?)")
    names = exp.factor_names
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    si = sobol.analyze(problem, y, calc_second_order=False)
    return pd.DataFrame({"factor": names, "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                         "ST_conf": si["ST_conf"]})
