"""Command line: ``resettle run|check|params|compare|explore|...`` (and ``python -m sim``).

A thin layer over the Python API: argument parsing, printing and exit codes only.
Exit codes: 0 success, 1 failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from sim import indicators
from sim.codes import SECONDS_PER_MINUTE
from sim.explore import DEFAULT_PORT, LOCAL_HOST
from sim.scenario import ScenarioError, load_scenario

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C (128 + SIGINT)
CALIBRATE_SIZE, VALIDATE_SIZE = (4000, 3), (5000, 10)  # default (settlers, replicates) of calibrate / validate
HINDCAST_SIZE = (20000, 10)  # default (settlers, replicates) of validate --hindcast (sim.calibration.validate's)
CALIBRATE_BUDGET = 200  # default evaluations of calibrate
TABLE_COLUMN_WIDTH, TABLE_WIDTH = 90, 250  # characters of resettle params' printed table
DEFAULT_RESULTS = Path("results")
ROBUST_SHOWN = 10  # policies printed by resettle robust (all are in regret.csv)


class BadInput(Exception):
    """Raised for command-line input that cannot be used (exit code 2)."""


def check_writable(path: Path, option: str = "--out", file: bool = False) -> None:
    """Raise ``BadInput`` unless ``path`` (a folder, or with ``file`` a file) can be written; nothing is left behind.

    Called before any simulation runs, so a bad ``--out`` costs no work. It probes by creating the
    missing folders and a temporary file, then removes what it made: permissions alone do not tell
    (root ignores them; /proc refuses anyway).
    """
    if file and path.is_dir():
        raise BadInput(f"{option} {path}: is a directory, expected a file")
    folder = path.parent if file else path
    chain = [folder, *folder.parents]
    existing = next((p for p in chain if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "exists" if existing == path else f"{existing} exists"
        raise BadInput(f"{option} {path}: {where} and is not a directory")
    missing = chain[:chain.index(existing)] if existing is not None else chain
    created: list[Path] = []
    try:
        for d in reversed(missing):
            d.mkdir()
            created.append(d)
        fd, probe = tempfile.mkstemp(prefix=".resettle-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise BadInput(f"{option} {path}: cannot write there ({err.strerror or err})") from None
    finally:
        for d in reversed(created):
            with contextlib.suppress(OSError):  # something else wrote into it meanwhile: leave it
                d.rmdir()


def _positive(kind: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number of {kind}, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected at least 1 {kind}, got {value}")
        return value

    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative seed, got {value}")
    return value


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The overrides shared by run, compare and sweep."""
    p.add_argument("--replicates", type=_positive("replicates"), help="replicates (default: the scenario's)")
    p.add_argument("--seed", type=_seed, help="base seed (default: the scenario's)")
    p.add_argument("--workers", type=_positive("workers"), default=1,
                   help="local processes (default 1); results do not depend on it")
    p.add_argument("--population", type=_positive("settlers"), help="settlers simulated (default: the scenario's)")
    p.add_argument("--months", type=_positive("months"), help="horizon in months (default: the scenario's)")
    p.add_argument("--out", type=Path, help="output folder (default: results/<scenario name>/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-report", action="store_true", help="skip figures/ and report.html (make them later with "
                   "'resettle report DIR')")
    p.add_argument("--ensemble", metavar="posterior|prior|none|FILE", default=None,
                   help="parameter sets: replicate i uses set i and seed i (default: posterior once "
                        "sim/data/posterior.parquet exists, else none; sweep: the experiment's ensemble:)")


def add_chance_option(p: argparse.ArgumentParser) -> None:
    from sim.batch.runner import CHANCE_REPLICATES

    p.add_argument("--chance-replicates", type=_non_negative("replicates"), default=CHANCE_REPLICATES,
                   help=f"with an ensemble: extra replicates at fixed parameters, measuring chance alone "
                        f"(default {CHANCE_REPLICATES}; 0: none, and no param_share)")


def _non_negative(kind: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number of {kind}, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"expected 0 or more {kind}, got {value}")
        return value

    return parse


def check_ensemble(spec: str | None) -> str | None:
    """Refuse a bad --ensemble before any work: an unknown word, a missing posterior, a bad file (EnsembleError)."""
    from sim import ensemble as ens

    if spec is None or spec in ("prior", "none"):
        return spec
    if spec == "posterior":
        ens.ensemble_sets(spec, 1, 0)  # raises when there is no posterior yet
        return spec
    path = Path(spec)
    if not path.suffix and not path.exists():
        raise BadInput(f"--ensemble {spec}: expected posterior, prior, none or a .parquet/.csv file")
    ens.read_parameter_sets(path)
    return spec


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="resettle", description=(
        "Simulate how North Korean settlers resettle in South Korea, and what policies change."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario's replicates and write results",
                         description="Run a scenario file and write manifest.json, timeseries.parquet, summary.csv.")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    add_run_options(run)
    add_chance_option(run)
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="validate scenario files", description="Validate scenario files.")
    check.add_argument("files", type=Path, nargs="+", help="scenario YAML files")
    check.set_defaults(func=cmd_check)

    params = sub.add_parser("params", help="list the model's parameters",
                            description="List every parameter: default, unit, range and source.")
    params.add_argument("--kind", choices=("policy", "behaviour"), help="only levers or only behaviour")
    params.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    params.set_defaults(func=cmd_params)
    add_calibration_commands(sub)

    compare = sub.add_parser("compare", help="compare scenarios with a base, paired replicates",
                             description="Run scenarios with common random numbers (the first is the base) and write "
                                         "each one's outputs plus comparison.csv (differences with paired 95% CIs).")
    compare.add_argument("scenarios", type=Path, nargs="+", help="scenario YAML files, the base first")
    add_run_options(compare)
    add_chance_option(compare)
    compare.add_argument("--horizons", type=_horizons, default=None,
                         help="months after start to compare, comma-separated (default 12,36,60)")
    compare.set_defaults(func=cmd_compare, workers=None)

    sweep = sub.add_parser("sweep", help="run an experiment's parameter sweep (resumable)",
                           description="Run an experiment file's design points x replicates into results/<name>/; "
                                       "rerunning resumes, skipping finished runs.")
    sweep.add_argument("experiment", type=Path, help="experiment YAML file (experiments/*.yaml)")
    add_run_options(sweep)
    sweep.add_argument("--scheduler", help="dask.distributed scheduler, tcp://HOST:PORT (default: local processes)")
    sweep.set_defaults(func=cmd_sweep, workers=None)
    for p in (compare, sweep):
        for action in p._actions:
            if action.dest == "workers":
                action.help = "local processes (default: all cores); results do not depend on it"

    add_uncertainty_commands(sub)

    trials = sub.add_parser("trials", help="replay published evaluations and hold the effects against them",
                            description="Run trial files (default: every file of trials/) as in-silico replicas of "
                                        "published evaluations and write trials.csv (published against simulated "
                                        "effects), a forest plot and report.html.")
    trials.add_argument("files", type=Path, nargs="*", help="trial YAML files (default: trials/*.yaml)")
    trials.add_argument("--replicates", type=_positive("replicates"), help="replicates per trial (default: the "
                        "trial's, else 10)")
    trials.add_argument("--workers", type=_positive("workers"), default=1, help="local processes (default 1); "
                        "results do not depend on it")
    trials.add_argument("--out", type=Path, default=DEFAULT_RESULTS / "trials", help="output folder (default "
                        "results/trials)")
    trials.add_argument("--quiet", action="store_true", help="no progress bar")
    trials.add_argument("--no-report", action="store_true", help="skip figures/ and report.html")
    trials.set_defaults(func=cmd_trials)

    report = sub.add_parser("report", help="rebuild figures and report.html from a results folder",
                            description="Draw figures/ and a self-contained report.html from the files a run, compare "
                                        "or sweep wrote into RESULTS_DIR, without rerunning anything.")
    report.add_argument("results", type=Path, metavar="RESULTS_DIR", help="folder written by run, compare or sweep")
    report.set_defaults(func=cmd_report)

    demo = sub.add_parser("demo", help="the two headline comparisons (the 2005 cut; programmes vs today's policy)",
                          description="Compare package_2004 with grant_cut (the 2005 cut, same cohort) and baseline with "
                                      "mentorship, counselling and vocational_training; write one report each and an "
                                      "index page linking them.")
    demo.add_argument("--out", type=Path, default=DEFAULT_RESULTS / "demo", help="output folder (default results/demo)")
    demo.add_argument("--replicates", type=_positive("replicates"), help="replicates (default: the scenarios')")
    demo.add_argument("--workers", type=_positive("workers"), default=1, help="local processes (default 1)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.add_argument("--no-report", action="store_true", help="skip the reports (results only)")
    demo.set_defaults(func=cmd_demo)

    explore = sub.add_parser("explore", help="a local web app: move a policy lever, see its paired effect",
                             description="Serve a page where policy levers are moved and the paired effect against "
                                         "the base scenario is shown (a compare run per change). Local only by "
                                         "default.")
    explore.add_argument("scenario", type=Path, nargs="?", metavar="SCENARIO.yaml",
                         help="the base scenario (default scenarios/baseline.yaml)")
    explore.add_argument("--host", default=LOCAL_HOST, help=f"address to serve on (default {LOCAL_HOST}: this machine only)")
    explore.add_argument("--port", type=_positive("port"), default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    explore.add_argument("--settlers", type=_positive("settlers"), help="cohort size to start with (default 2000)")
    explore.add_argument("--months", type=_positive("months"), help="horizon to start with (default 60)")
    explore.add_argument("--replicates", type=_positive("replicates"), help="paired replicates to start with (default 20)")
    explore.set_defaults(func=cmd_explore)
    return parser



def _sample_run_options(p: argparse.ArgumentParser, seed_default: str) -> None:
    """The run options of the commands that run an ensemble sample (sensitivity, discover)."""
    from sim.sensitivity import DEFAULT_POPULATION

    p.add_argument("--population", type=_positive("settlers"), default=DEFAULT_POPULATION,
                   help=f"settlers simulated (default {DEFAULT_POPULATION})")
    p.add_argument("--months", type=_positive("months"), help="horizon in months (default: the scenario's)")
    p.add_argument("--seed", type=_seed, help=f"seed of the sample and the runs (default: {seed_default})")
    p.add_argument("--workers", type=_positive("workers"), default=None, help="local processes (default: all cores)")
    p.add_argument("--out", type=Path, help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

def add_uncertainty_commands(sub: argparse._SubParsersAction) -> None:
    """``resettle sensitivity``, ``resettle discover`` and ``resettle robust`` (parameter uncertainty)."""
    sens = sub.add_parser("sensitivity", help="what drives an outcome or a policy effect (global sensitivity, SALib)",
                          description="Global sensitivity over the uncertain behaviour parameters: delta indices on an "
                                      "ensemble sample (default) or Sobol' indices on the prior box, of SCENARIO's "
                                      "outcomes or of OTHER's paired effect against SCENARIO. Writes sensitivity.csv, "
                                      "samples.csv, sensitivity.md and a bar chart per indicator.")
    sens.add_argument("scenario", type=Path, help="scenario YAML file (the base)")
    sens.add_argument("other", type=Path, nargs="?", help="another scenario: analyse its effect against the base")
    sens.add_argument("--method", choices=("delta", "sobol"), default="delta",
                      help="delta: moment-independent indices on an ensemble sample (default); sobol: on the prior box")
    sens.add_argument("--samples", type=_positive("samples"), help="delta: sample size (default 96); sobol: base "
                      "sample N, a power of 2 (default 8: N x 36 runs per scenario)")
    for p in (sens,):
        p.add_argument("--ensemble", metavar="posterior|prior|FILE", default=None,
                       help="delta's sample (default: posterior once it exists, else prior)")
    sens.add_argument("--horizon", type=_positive("months"), help="month after start (default 36)")
    sens.add_argument("--indicators", help="comma-separated indicators (default: the headline ones)")
    _sample_run_options(sens, "the scenario's")
    sens.set_defaults(func=cmd_sensitivity)

    from sim.discover import DEFAULT_SAMPLES, MIN_COVERAGE, MIN_DENSITY

    disc = sub.add_parser("discover", help="where a policy's effect is not beneficial (PRIM scenario discovery)",
                          description="Run BASE and OTHER over an ensemble sample (paired on parameters and seeds), mark "
                                      "the members where OTHER's effect on the indicator is not beneficial, and find the "
                                      "parameter regions where that happens with PRIM (ema_workbench). Writes "
                                      "samples.csv, boxes.csv and discover.md.")
    disc.add_argument("scenario", type=Path, help="the base scenario")
    disc.add_argument("other", type=Path, help="the policy scenario")
    disc.add_argument("--indicator", required=True, help="the indicator whose effect is judged")
    disc.add_argument("--horizon", type=_positive("months"), help="month after start (default 36)")
    disc.add_argument("--samples", type=_positive("members"), default=DEFAULT_SAMPLES,
                      help=f"ensemble members (default {DEFAULT_SAMPLES})")
    disc.add_argument("--threshold", type=float, default=0.0, help="a member fails when the gain in the better "
                      "direction is at most this (default 0)")
    disc.add_argument("--min-coverage", type=float, default=MIN_COVERAGE, help="coverage a box must keep: the "
                      f"least peeled one dense enough is reported (default {MIN_COVERAGE})")
    disc.add_argument("--min-density", type=float, default=MIN_DENSITY, help="density a box should reach "
                      f"(default {MIN_DENSITY})")
    disc.add_argument("--ensemble", metavar="posterior|prior|FILE", default=None,
                      help="the sample (default: posterior once it exists, else prior)")
    _sample_run_options(disc, "the base scenario's")
    disc.set_defaults(func=cmd_discover)

    from sim.robust import DEFAULT_SAMPLES as ROBUST_SAMPLES

    rob = sub.add_parser("robust", help="regret of an experiment's policies across the ensemble (minimax regret)",
                         description="Run every design point of EXPERIMENT (the candidate policies) over the same "
                                     "ensemble members; per member, each policy's regret is its shortfall from the "
                                     "best one. Reports mean and 90th-percentile regret and the minimax-regret choice; "
                                     "writes regret.csv, members.csv and robust.md.")
    rob.add_argument("experiment", type=Path, help="experiment YAML file: its design points are the policies")
    what = rob.add_mutually_exclusive_group(required=True)
    what.add_argument("--indicator", help="judge by this indicator (its declared better direction)")
    what.add_argument("--score", help="judge by a weighted score, higher better: employment_rate=1,major_depression=-1")
    rob.add_argument("--horizon", type=_positive("months"), help="month after start (default: the experiment's last)")
    rob.add_argument("--samples", type=_positive("members"), default=ROBUST_SAMPLES,
                     help=f"ensemble members (default {ROBUST_SAMPLES})")
    rob.add_argument("--ensemble", metavar="posterior|prior|FILE", default=None,
                     help="the members (default: the experiment's ensemble:, else posterior once it exists, else prior)")
    rob.add_argument("--population", type=_positive("settlers"), help="settlers simulated (default: the experiment's)")
    rob.add_argument("--months", type=_positive("months"), help="horizon in months (default: the experiment's)")
    rob.add_argument("--seed", type=_seed, help="seed of the sample and the runs (default: the experiment's)")
    rob.add_argument("--workers", type=_positive("workers"), default=None, help="local processes (default: all cores)")
    rob.add_argument("--out", type=Path, help="output folder (default results/robust-<experiment name>/)")
    rob.add_argument("--quiet", action="store_true", help="no progress bar")
    rob.set_defaults(func=cmd_robust)


def _indicator_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [x.strip() for x in text.split(",") if x.strip()]
    for n in names:
        if n not in indicators.INDICATOR_NAMES:
            from sim.params import suggest

            raise BadInput(f"--indicators: unknown indicator {n!r}{suggest(n, indicators.INDICATOR_NAMES)}")
    return names


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.sensitivity import sensitivity

    files = [args.scenario] + ([args.other] if args.other else [])
    scenarios = [load_scenario(f).with_overrides(months=args.months, **{"population.size": args.population})
                 for f in files]
    names = _indicator_list(args.indicators)
    ensemble = check_ensemble(args.ensemble)
    out = args.out or DEFAULT_RESULTS / ("sensitivity-" + "-".join(s.name for s in scenarios))
    check_writable(out)
    result = sensitivity(scenarios, method=args.method, samples=args.samples, ensemble=ensemble, seed=args.seed,
                         horizon=args.horizon, indicator_names=names, workers=args.workers, progress=not args.quiet)
    result.write(out)
    print(f"sensitivity ({result.method}, {len(result.samples)} runs per scenario, {result.ensemble}):")
    for line in result.drivers_in_words():
        print(f"  {line}")
    print(f"results: {out} (sensitivity.csv, samples.csv, sensitivity.md, figures/)")
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    from sim.discover import discover

    base, other = (load_scenario(f).with_overrides(months=args.months, **{"population.size": args.population})
                   for f in (args.scenario, args.other))
    _indicator_list(args.indicator)
    ensemble = check_ensemble(args.ensemble)
    out = args.out or DEFAULT_RESULTS / f"discover-{other.name}-{args.indicator}"
    check_writable(out)
    result = discover(base, other, args.indicator, horizon=args.horizon, samples=args.samples, ensemble=ensemble,
                      seed=args.seed, threshold=args.threshold, min_coverage=args.min_coverage,
                      min_density=args.min_density, workers=args.workers,
                      progress=not args.quiet)
    result.write(out)
    print(f"discover: {other.name} vs {base.name}, {args.indicator} at month {result.horizon}: not beneficial in "
          f"{result.failure_share:.0%} of {len(result.samples)} members ({result.ensemble})")
    for line in result.sentences:
        print(f"  {line}")
    print(f"results: {out} (samples.csv, boxes.csv, discover.md)")
    return EXIT_OK


def cmd_robust(args: argparse.Namespace) -> int:
    from sim.experiment import load_experiment
    from sim.robust import parse_score, robust

    experiment = load_experiment(args.experiment).with_overrides(population=args.population, months=args.months)
    score = parse_score(args.score) if args.score else None
    if args.indicator:
        _indicator_list(args.indicator)
    ensemble = check_ensemble(args.ensemble)
    out = args.out or DEFAULT_RESULTS / f"robust-{experiment.name}"
    check_writable(out)
    result = robust(experiment, indicator=args.indicator, score=score, horizon=args.horizon, samples=args.samples,
                    ensemble=ensemble, seed=args.seed, workers=args.workers, progress=not args.quiet)
    result.write(out)
    print(f"robust: {experiment.name}, {len(result.table)} policies x {args.samples} members ({result.ensemble})")
    for line in result.sentences():
        print(f"  {line}")
    cols = ["point", *experiment.factor_names, "mean_regret", "p90_regret", "max_regret", "share_best"]
    print(result.table.sort_values("max_regret")[cols].head(ROBUST_SHOWN).to_string(index=False))
    print(f"results: {out} (regret.csv, members.csv, robust.md)")
    return EXIT_OK


def cmd_explore(args: argparse.Namespace) -> int:
    from sim.explore import serve
    from sim.explore.update import Settings, scenarios

    base = args.scenario or serve.DEFAULT_BASE
    settings = Settings(base)
    sizes = {"settlers": args.settlers or settings.settlers, "months": args.months or settings.months,
             "replicates": args.replicates or settings.replicates}
    scenarios(Settings(base, **sizes))  # a bad file or size is refused now, not in the browser
    if args.host not in serve.LOCAL_NAMES:
        print(f"warning: serving on {args.host}: anyone who can reach this machine can use the explorer "
              f"(and run simulations on it); --host {LOCAL_HOST} keeps it local", file=sys.stderr)
    try:
        child = serve.start(Path(base), args.host, args.port, **sizes)
    except serve.PortInUse as err:
        raise BadInput(str(err)) from None
    print(f"explore: serving {base} at http://{args.host}:{args.port}/ (Ctrl-C stops it)", file=sys.stderr)

    def stop(signum: int, frame: object) -> None:  # a terminated explore takes its server with it
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        child.wait()
        raise


def cmd_demo(args: argparse.Namespace) -> int:
    from sim.demo import run_demo

    index = run_demo(args.out, workers=args.workers, progress=not args.quiet, replicates=args.replicates,
                     report=not args.no_report)
    print(f"demo report: {index.resolve()}")
    return EXIT_OK


def cmd_trials(args: argparse.Namespace) -> int:
    from sim.trials import load_trial, run_trials
    from sim.trials.run import default_files, format_table

    files = args.files or default_files()
    if not files:
        raise BadInput("trials: no trial files given and none found in trials/")
    trials = [load_trial(f) for f in files]
    check_writable(args.out)
    result = run_trials(trials, replicates=args.replicates, workers=args.workers, progress=not args.quiet)
    result.write(args.out)
    counts = result.table.agree.value_counts()
    print(f"trials: {len(trials)} files, {len(result.table)} rows ({result.seconds:.1f} s): "
          + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("yes", "no", "no lever", "no outcome")))
    print("\n".join(format_table(result.table)))
    print(f"results: {args.out}")
    return EXIT_OK if write_report(args.out, args) else EXIT_FAILURE


def cmd_report(args: argparse.Namespace) -> int:
    from sim.report import ResultsError, build_report

    if args.results.is_dir():  # otherwise build_report says what is wrong with it
        check_writable(args.results, "report")
    try:
        path = build_report(args.results)
    except ResultsError as err:
        raise BadInput(str(err)) from None
    print(f"report: {path}")
    return EXIT_OK


def write_report(out: Path, args: argparse.Namespace) -> bool:
    """figures/ and report.html for a results folder just written (unless --no-report); False if that failed.

    The results are on disk either way, so a failure is one line on stderr, not an exception.
    """
    if getattr(args, "no_report", False):
        return True
    from sim.report import build_report

    try:
        path = build_report(out)
    except Exception as err:
        if os.environ.get("RESETTLE_DEBUG"):
            raise
        print(f"error: results are saved in {out}, but the report failed: {type(err).__name__}: {err} "
              f"(retry with 'resettle report {out}')", file=sys.stderr)
        return False
    print(f"report: {path}")
    return True


def _horizons(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected months separated by commas (12,36,60), got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected months of at least 1, got {text!r}")
    return values


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.batch.backends import default_workers
    from sim.batch.compare import compare, format_comparison

    if len(args.scenarios) < 2:
        raise BadInput("compare: expected at least two scenario files (the first is the base)")
    scenarios = [load_scenario(f) for f in args.scenarios]
    ensemble = check_ensemble(args.ensemble)
    out = args.out or DEFAULT_RESULTS / ("compare-" + "-".join(s.name for s in scenarios))
    check_writable(out)
    result = compare(scenarios, replicates=args.replicates, seed=args.seed, workers=args.workers or default_workers(),
                     population=args.population, months=args.months, horizons=args.horizons,
                     progress=not args.quiet, ensemble=ensemble, chance_replicates=args.chance_replicates)
    result.write(out)
    print("\n".join(format_comparison(result, indicators.SUMMARY)))
    print(f"results: {out} (comparison.csv and one folder per scenario)")
    return EXIT_OK if write_report(out, args) else EXIT_FAILURE


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.batch.sweep import DEFAULT_RESULTS as SWEEP_RESULTS
    from sim.batch.sweep import sweep
    from sim.experiment import load_experiment

    experiment = load_experiment(args.experiment)
    ensemble = check_ensemble(args.ensemble)
    out = args.out or SWEEP_RESULTS / experiment.name
    check_writable(out)
    result = sweep(experiment, out=out, workers=args.workers, scheduler=args.scheduler,
                   replicates=args.replicates, seed=args.seed, population=args.population, months=args.months,
                   progress=not args.quiet, ensemble=ensemble)
    c = result.manifest["counts"]
    print(f"{result.experiment.name}: {len(result.design)} points x {result.manifest['replicates']} replicates, "
          f"{c['done']} runs done ({c['computed']} now, {c['reused']} reused), {c['failed']} failed, "
          f"{result.manifest['seconds']:.1f} s")
    print(f"results: {result.out}")
    report_ok = write_report(result.out, args)
    if not result.ok:
        print(f"error: {len(result.failures)} run(s) failed (rerun the same command to retry them):", file=sys.stderr)
        for f in result.failures.itertuples():
            print(f"  point {f.point} replicate {f.replicate} (run {f.run}): {f.error}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK if report_ok else EXIT_FAILURE


def cmd_run(args: argparse.Namespace) -> int:
    from sim.batch.runner import run_scenario

    scenario = load_scenario(args.scenario)
    ensemble = check_ensemble(args.ensemble)
    out = args.out or DEFAULT_RESULTS / scenario.name
    check_writable(out)
    result = run_scenario(scenario, replicates=args.replicates, seed=args.seed, workers=args.workers,
                          population=args.population, months=args.months, progress=not args.quiet,
                          ensemble=ensemble, chance_replicates=args.chance_replicates)
    result.write(out)
    members = f" ({result.ensemble} ensemble)" if result.parameter_sets is not None else ""
    print_summary(result.summary(), f"{result.scenario.name}: {result.scenario.months} months, "
                  f"{len(result.seeds)} replicates{members}, {result.scenario.population.size} settlers "
                  f"({result.seconds:.1f} s)", ensemble=result.parameter_sets is not None)
    print(f"results: {out}")
    return EXIT_OK if write_report(out, args) else EXIT_FAILURE


def print_summary(summary: pd.DataFrame, title: str, ensemble: bool = False) -> None:
    rows = summary[(summary.group == "all") & summary.indicator.isin(indicators.SUMMARY)]
    print(title)
    extra = f"   {'90% over parameters':>21s} {'param. share':>12s}" if ensemble else ""
    print(f"  {'indicator':34s} {'mean':>10s}   {'95% CI':>21s}{extra}")
    for r in rows.itertuples():
        ci = f"[{r.ci_low:9.2f}, {r.ci_high:9.2f}]" if pd.notna(r.ci_low) else f"{'n/a':>21s}"
        more = ""
        if ensemble:
            share = f"{r.param_share:12.0%}" if pd.notna(r.param_share) else f"{'n/a':>12s}"
            more = f"   [{r.ens_low:9.2f}, {r.ens_high:9.2f}] {share}"
        print(f"  {r.indicator:34s} {r.mean:10.2f}   {ci}{more}")


def cmd_check(args: argparse.Namespace) -> int:
    bad = 0
    for f in args.files:
        try:
            sc = load_scenario(f)
            print(f"ok: {f} ({sc.name}: {sc.population.mode} of {sc.population.size}, {sc.months} months)")
        except ScenarioError as err:
            print(f"error: {err}", file=sys.stderr)
            bad += 1
    return EXIT_BAD_INPUT if bad else EXIT_OK


def add_calibration_commands(sub: argparse._SubParsersAction) -> None:
    """``resettle calibrate`` and ``resettle validate`` (historical replay against sim/data/targets.csv)."""
    cal = sub.add_parser("calibrate", help="fit behaviour parameters to the published figures",
                         description="Fit the behaviour parameters without a direct source to the targets by "
                                     "replaying history (scenarios/history.yaml); writes sim/data/calibration.json.")
    val = sub.add_parser("validate", help="hold the historical replay against the published figures",
                         description="Replay history with the current parameters; print and write, for each target, "
                                     "observed, simulated mean and 95% CI, tolerance and whether it is within. "
                                     "With --hindcast: the same against the figures before 2020 "
                                     "(sim/data/hindcast.csv), which calibration never uses.")
    for p, size, reps in ((cal, *CALIBRATE_SIZE), (val, *VALIDATE_SIZE)):
        hc = p is val  # validate's sizes default by mode (None: validate or --hindcast's)
        p.add_argument("--targets", type=Path, help="targets CSV (default: sim/data/targets.csv"
                       + ("; with --hindcast sim/data/hindcast.csv)" if hc else ")"))
        p.add_argument("--population", type=_positive("settlers"), default=None if hc else size,
                       help=f"settlers simulated (default {size}" + (f"; hindcast {HINDCAST_SIZE[0]})" if hc else ")"))
        p.add_argument("--replicates", type=_positive("replicates"), default=None if hc else reps,
                       help=f"replicates (default {reps}" + (f"; hindcast {HINDCAST_SIZE[1]})" if hc else ")"))
        p.add_argument("--seed", type=_seed, help="base seed (default: the history scenario's for calibrate, "
                       "another for validate)")
        p.add_argument("--workers", type=_positive("workers"), default=1, help="local processes (default 1)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
    cal.add_argument("--method", choices=("posterior", "least-squares"), default="posterior",
                     help="posterior: history matching in waves, then a posterior sample (default); least-squares: "
                          "the earlier point estimate")
    cal.add_argument("--budget", type=_positive("evaluations"), default=CALIBRATE_BUDGET,
                     help="least squares: model evaluations at most (each runs all replicates; default 200)")
    cal.add_argument("--waves", type=_sizes, help="posterior: design points per wave, e.g. 340,200,200 (default)")
    cal.add_argument("--checks", type=_positive("runs"), help="posterior: simulator runs at posterior draws (default 150)")
    cal.add_argument("--checkpoint", type=Path, help="posterior: folder of finished runs and fits; a rerun continues "
                     "from it (default results/calibration/checkpoint)")
    cal.add_argument("--scheduler", help="posterior: a dask scheduler address (tcp://HOST:PORT) instead of local processes")
    cal.add_argument("--no-trials", action="store_true", help="posterior: survey figures only, not the trial effects")
    cal.add_argument("--posterior", type=Path, help="posterior file (default: sim/data/posterior.parquet, used by the model)")
    cal.add_argument("--report", type=Path, help="report folder (default results/calibration)")
    cal.add_argument("--out", type=Path, help="output file (default: sim/data/calibration.json, used by the model)")
    cal.set_defaults(func=cmd_calibrate)
    val.add_argument("--draws", type=int, default=None,
                     help="posterior rows replayed for the posterior predictive check (default 40 when "
                          "sim/data/posterior.parquet exists; 0: none)")
    val.add_argument("--hindcast", action="store_true",
                     help="hold the replay against the figures before 2020 (validation only, never calibrated on); "
                          "writes hindcast.csv, hindcast.png and hindcast.md")
    val.add_argument("--out", type=Path, help="output folder (default results/validation; with --hindcast "
                     "results/hindcast)")
    val.set_defaults(func=cmd_validate)


def _print_fit(table: pd.DataFrame) -> None:
    print(f"  {'target':40s} {'observed':>9s} {'simulated':>10s}   {'95% CI':>19s} {'tolerance':>10s}  within")
    for r in table.itertuples():
        tol = f"x/{r.tolerance:g}" if r.tolerance_kind == "factor" else f"+/-{r.tolerance:g}"
        ci = f"[{r.ci_low:8.1f}, {r.ci_high:8.1f}]" if hasattr(r, "ci_low") else ""
        print(f"  {r.target:40s} {r.observed:9.1f} {r.simulated:10.1f}   {ci:>19s} {tol:>10s}  {'yes' if r.within else 'NO'}")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(x) for x in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, e.g. 340,200,200; got {text!r}")
    return sizes


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibration.calibrate import calibration_path
    from sim.calibration.targets import TargetsError

    out = args.out or calibration_path()
    check_writable(out, file=True)
    if args.method == "least-squares":
        return _calibrate_least_squares(args, out)
    from dataclasses import replace

    from sim.calibration import outputs
    from sim.calibration.posterior import posterior_path
    from sim.calibration.workflow import Settings, default_calibration_problem, run_workflow

    try:
        problem = default_calibration_problem(population=args.population, targets=args.targets,
                                              trials=not args.no_trials, seed=args.seed)
    except TargetsError as err:
        raise BadInput(str(err)) from None
    settings = Settings(population=args.population, trials=not args.no_trials)
    if args.seed is not None:
        settings = replace(settings, seed=args.seed)
    if args.waves:
        settings = replace(settings, waves=args.waves)
    if args.checks:
        settings = replace(settings, checks=args.checks)
    report = args.report or DEFAULT_RESULTS / "calibration"
    checkpoint = args.checkpoint or report / "checkpoint"
    posterior_file = args.posterior or posterior_path()
    for path in (report, checkpoint):
        check_writable(path, "--report" if path == report else "--checkpoint")
    check_writable(posterior_file, "--posterior", file=True)
    try:
        result = run_workflow(problem, settings, checkpoint, workers=args.workers, scheduler=args.scheduler,
                              progress=not args.quiet)
    except ConnectionError as err:
        raise BadInput(str(err)) from None
    except ValueError as err:
        if "checkpoint" in str(err):
            raise BadInput(str(err)) from None
        raise
    paths = outputs.write_all(result, out, posterior_file, report)
    d = result.diagnostics
    print(f"calibrated {len(problem.names)} parameters on {len(problem.obs.labels)} targets: {result.runs} runs, "
          f"{result.seconds / SECONDS_PER_MINUTE:.1f} min; predictive coverage {d['predictive']['coverage']:.0%}, "
          f"recovery {d['recovery']['share_inside_90']:.0%} inside 90% intervals")
    for kind, path in paths.items():
        print(f"written: {kind}: {path}")
    return EXIT_OK


def _calibrate_least_squares(args: argparse.Namespace, out: Path) -> int:
    from sim.calibration.calibrate import calibrate, default_problem
    from sim.calibration.targets import TargetsError

    try:
        problem = default_problem(args.targets, population=args.population, replicates=args.replicates, seed=args.seed)
    except TargetsError as err:
        raise BadInput(str(err)) from None
    result = calibrate(problem, budget=args.budget, workers=args.workers, progress=not args.quiet)
    out = result.write(out)
    fit = result.fit_table()
    print(f"calibrated {len(problem.names)} parameters on {len(fit)} targets: {result.status} "
          f"({result.evaluations} evaluations); within tolerance {int(fit.within.sum())}/{len(fit)}")
    _print_fit(fit)
    print(f"written: {out}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.calibration import targets as tg
    from sim.calibration.validate import hindcast, validate

    run, size = (hindcast, HINDCAST_SIZE) if args.hindcast else (validate, VALIDATE_SIZE)
    out = args.out or DEFAULT_RESULTS / ("hindcast" if args.hindcast else "validation")
    check_writable(out)
    try:  # the figures are read and checked before anything runs
        figures = (tg.load_hindcast if args.hindcast else tg.load_targets)(args.targets)
    except tg.TargetsError as err:
        raise BadInput(str(err)) from None
    try:
        v = run(figures, population=args.population or size[0], replicates=args.replicates or size[1],
                seed=args.seed, workers=args.workers, progress=not args.quiet)
    except tg.TargetsError as err:
        raise BadInput(str(err)) from None
    predictive = _predictive(args, figures)
    if predictive is not None:
        v.table = v.table.merge(predictive, on="target", how="left")
    out = v.write(out)
    print(f"{v.name}: {v.replicates} replicates of {v.population} settlers ({v.seconds:.1f} s); "
          f"within tolerance {int(v.table.within.sum())}/{len(v.table)}; "
          f"average relative difference {v.mean_relative_difference:.3f}")
    if predictive is not None:
        print(f"posterior predictive ({args.draws or PREDICTIVE_DEFAULT} posterior draws): "
              f"{int(predictive.inside_predictive.sum())}/{len(predictive)} published values inside the 95% "
              f"predictive interval")
    (_print_hindcast if args.hindcast else _print_fit)(v.table)
    print(f"results: {out}")
    return EXIT_OK


PREDICTIVE_DEFAULT = 40  # posterior rows replayed by validate's predictive check


def _predictive(args: argparse.Namespace, figures: pd.DataFrame) -> pd.DataFrame | None:
    """The posterior predictive columns, or None (no posterior file, or --draws 0)."""
    from sim.calibration import posterior as post
    from sim.calibration.validate import posterior_predictive

    if args.draws is not None and args.draws < 0:
        raise BadInput(f"--draws: expected 0 or more, got {args.draws}")
    if args.draws == 0 or (args.draws is None and not post.posterior_path().is_file()):
        return None
    try:
        return posterior_predictive(figures, args.draws or PREDICTIVE_DEFAULT, population=args.population or VALIDATE_SIZE[0],
                                    seed=args.seed, workers=args.workers, progress=not args.quiet)
    except post.PosteriorError as err:
        raise BadInput(str(err)) from None


def _print_hindcast(table: pd.DataFrame) -> None:
    print(f"  {'figure':42s} {'year':>4s} {'group':24s} {'published':>9s} {'model':>8s} {'diff':>7s} "
          f"{'tolerance':>10s}  within")
    for r in table.itertuples():
        tol = f"x/{r.tolerance:g}" if r.tolerance_kind == "factor" else f"+/-{r.tolerance:g}"
        print(f"  {r.indicator:42s} {r.year:4d} {r.group:24s} {r.observed:9.1f} {r.simulated:8.1f} "
              f"{r.difference:+7.1f} {tol:>10s}  {'yes' if r.within else 'NO'}")


def cmd_params(args: argparse.Namespace) -> int:
    from sim.params import params_table

    df = pd.DataFrame(params_table(args.kind))
    if args.csv:
        df.to_csv(sys.stdout, index=False)
        return EXIT_OK
    with pd.option_context("display.max_rows", None, "display.max_colwidth", TABLE_COLUMN_WIDTH, "display.width", TABLE_WIDTH):
        print(df.to_string(index=False))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse exits with code 2 on bad arguments
    try:
        return args.func(args)
    except (ScenarioError, BadInput) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # a failure, not bad input: one line, traceback on demand
        if os.environ.get("RESETTLE_DEBUG"):
            raise
        print(f"error: {type(err).__name__}: {err} (set RESETTLE_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
