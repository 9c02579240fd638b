"""Starting the explorer's web server: ``solara run sim.explore.app`` in a child process, local only by default."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

from sim.explore import DEFAULT_PORT, LOCAL_HOST
from sim.explore.update import DEFAULT_MONTHS, DEFAULT_REPLICATES, DEFAULT_SETTLERS

LOCAL_NAMES = (LOCAL_HOST, "localhost", "::1")
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding ``sim``: the child imports this copy
DEFAULT_BASE = PACKAGE_ROOT / "scenarios" / "baseline.yaml"
# nothing fetched from the internet: no telemetry; the assets come from the solara-assets package
OFFLINE_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


class PortInUse(Exception):
    """The port cannot be bound (taken by another program, or not allowed)."""


def check_port(host: str, port: int) -> None:
    """Raise ``PortInUse`` with a one-line message unless ``host:port`` can be bound now."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as err:
        why = "is in use (another program listens there)" if err.errno == errno.EADDRINUSE else f"cannot be used ({err})"
        raise PortInUse(f"explore: port {port} on {host} {why}; choose another with --port") from None


def environment(base: Path, settlers: int = DEFAULT_SETTLERS, months: int = DEFAULT_MONTHS,
                replicates: int = DEFAULT_REPLICATES) -> dict[str, str]:
    """The child's environment: base scenario file, starting sizes (settlers, months, replicates), offline settings."""
    path = os.pathsep.join([str(PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, **OFFLINE_ENV, "PYTHONPATH": path, "RESETTLE_EXPLORE_BASE": str(base.resolve()),
            "RESETTLE_EXPLORE_SIZES": f"{settlers},{months},{replicates}"}


def command(host: str, port: int) -> list[str]:
    """The solara command line serving the explorer on ``host:port``."""
    return [sys.executable, "-m", "solara", "run", "sim.explore.app", "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]  # no look-up of newer versions on PyPI


def start(base: Path, host: str = LOCAL_HOST, port: int = DEFAULT_PORT, **sizes: int) -> subprocess.Popen[bytes]:
    """Start the server (after ``check_port``) and return the child process; the caller waits for or ends it."""
    check_port(host, port)
    return subprocess.Popen(command(host, port), env=environment(base, **sizes))
