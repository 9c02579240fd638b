"""`make bench`: run every ``benchmarks/bench_*.py`` and print one table with ratios.

Each module exposes ``run() -> list[dict]``; a row has ``benchmark``, ``measure``, ``value``,
``unit`` and optionally ``target`` (a number) and ``better`` ("higher" or "lower").
The ratio column is value / target (higher-is-better) or target / value (lower-is-better):
a ratio >= 1 meets the target.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    only = set(argv)
    rows = []
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem not in only and path.stem.removeprefix("bench_") not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        assert spec.loader is not None
        spec.loader.exec_module(module)
        print(f"running {path.stem} ...", file=sys.stderr, flush=True)
        rows.extend(module.run())
    print(f"{'benchmark':24s} {'measure':44s} {'value':>14s} {'unit':18s} {'target':>12s} {'ratio':>7s} ok")
    failed = 0
    for r in rows:
        target = r.get("target")
        ratio, ok = "", ""
        if target is not None and r["value"]:
            ratio_v = r["value"] / target if r.get("better", "higher") == "higher" else target / r["value"]
            ratio, ok = f"{ratio_v:7.2f}", ("yes" if ratio_v >= 1 else "NO")
            failed += ratio_v < 1
        tgt = f"{target:12.4g}" if target is not None else ""
        print(f"{r['benchmark']:24s} {r['measure']:44s} {r['value']:14.4g} {r['unit']:18s} {tgt:>12s} {ratio:>7s} {ok}")
    print(f"{len(rows)} measures, {failed} below target")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
