"""Command line: ``resettle run|check|params`` (and ``python -m sim``).

A thin layer over the Python API: argument parsing, printing and exit codes only.
Exit codes: 0 success, 1 failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from sim.scenario import ScenarioError, load_scenario

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_RESULTS = Path("results")
SUMMARY_INDICATORS = ("labour_force_participation", "employment_rate", "unemployment_rate", "mean_monthly_wage",
                      "life_satisfaction", "discrimination_past_year", "livelihood_benefit_recipients",
                      "major_depression", "suicidal_impulse_past_year", "no_one_to_ask_when_sick",
                      "whereabouts_unknown", "unclaimed_deaths")


class BadInput(Exception):
    """Raised for command-line input that cannot be used (exit code 2)."""


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="resettle", description=(
        "Simulate how North Korean settlers resettle in South Korea, and what policies change."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario's replicates and write results",
                         description="Run a scenario file and write manifest.json, timeseries.parquet, summary.csv.")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    add_run_options(run)
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="validate scenario files", description="Validate scenario files.")
    check.add_argument("files", type=Path, nargs="+", help="scenario YAML files")
    check.set_defaults(func=cmd_check)

    params = sub.add_parser("params", help="list the model's parameters",
                            description="List every parameter: default, unit, range and source.")
    params.add_argument("--kind", choices=("policy", "behaviour"), help="only levers or only behaviour")
    params.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    params.set_defaults(func=cmd_params)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    from sim.batch.runner import run_scenario

    scenario = load_scenario(args.scenario)
    out = args.out or DEFAULT_RESULTS / scenario.name
    result = run_scenario(scenario, replicates=args.replicates, seed=args.seed, workers=args.workers,
                          population=args.population, months=args.months, progress=not args.quiet)
    result.write(out)
    print_summary(result.summary(), f"{result.scenario.name}: {result.scenario.months} months, "
                  f"{len(result.seeds)} replicates, {result.scenario.population.size} settlers "
                  f"({result.seconds:.1f} s)")
    print(f"results: {out}")
    return EXIT_OK


def print_summary(summary: pd.DataFrame, title: str) -> None:
    rows = summary[(summary.group == "all") & summary.indicator.isin(SUMMARY_INDICATORS)]
    print(title)
    print(f"  {'indicator':34s} {'mean':>10s}   {'95% CI':>21s}")
    for r in rows.itertuples():
        ci = f"[{r.ci_low:9.2f}, {r.ci_high:9.2f}]" if pd.notna(r.ci_low) else f"{'n/a':>21s}"
        print(f"  {r.indicator:34s} {r.mean:10.2f}   {ci}")


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


def cmd_params(args: argparse.Namespace) -> int:
    from sim.params import params_table

    df = pd.DataFrame(params_table(args.kind))
    if args.csv:
        df.to_csv(sys.stdout, index=False)
        return EXIT_OK
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 90, "display.width", 250):
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
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a failure, not bad input: one line, traceback on demand
        if os.environ.get("RESETTLE_DEBUG"):
            raise
        print(f"error: {type(err).__name__}: {err} (set RESETTLE_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
