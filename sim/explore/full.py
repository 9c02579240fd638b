"""The explorer's "Run the full compare": ``compare`` on the current settings, its results and report written to
``results/explore/<short id>/`` (the id from a hash of the downloaded YAML), and a guarded reader of that folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sim.batch.compare import compare
from sim.explore.update import Settings, scenarios, to_yaml
from sim.report import build_report

RESULTS_ROOT = Path("results") / "explore"  # relative to where explore runs, as ``resettle compare``'s results/
ID_CHARS = 12  # hex digits of the YAML's sha256 naming a run's folder
SCENARIO_FILE = "explored.yaml"


class OutsideResults(Exception):
    """A path that does not lie inside the explorer's results folder."""


def short_id(text: str) -> str:
    """The folder name of a run: the first ``ID_CHARS`` hex digits of the YAML text's sha256."""
    return hashlib.sha256(text.encode()).hexdigest()[:ID_CHARS]


def run_full(settings: Settings, root: str | Path = RESULTS_ROOT) -> Path:
    """Run ``compare`` on the base and the variant, write results, the YAML and the report under
    ``root/<short id>/``; the report's path."""
    text = to_yaml(settings)
    folder = Path(root) / short_id(text)
    result = compare(list(scenarios(settings)), progress=False, ensemble="none")  # as the live view shows
    result.write(folder)
    (folder / SCENARIO_FILE).write_text(text)
    return build_report(folder)


def inside(root: str | Path, relative: str | Path) -> Path:
    """``root/relative`` resolved; ``OutsideResults`` when it leaves ``root`` (``..``, absolute paths, links)."""
    base = Path(root).resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise OutsideResults(f"explore: {relative} is outside the results folder {base}")
    return path


def read_result(root: str | Path, relative: str | Path) -> bytes:
    """The bytes of a file inside ``root`` (the only way the page hands result files to the browser)."""
    return inside(root, relative).read_bytes()
