"""How the mechanisms' monthly kernels are compiled: one decorator, one set of options.

Each mechanism's monthly rule is a loop over settlers compiled with numba (``@kernel``): one
pass over the rows does what a vectorized version does in dozens of array passes. Random draws
inside kernels come from ``sim.kernel_random`` (a generator seeded from the mechanism's own numpy
stream), so the random streams stay one per (month, mechanism).

* ``cache=True``: compiled code is kept on disk, so only the first run on a machine pays the
  compilation (some seconds); later processes load it (about 0.1 s a kernel).
* ``error_model="numpy"``: division by zero gives inf/nan as in numpy instead of raising, and
  the loops carry no zero checks.
* ``nogil=True``: kernels release the GIL (threads of a Dask worker can run them side by side).

Numba keys a kernel's cache on its own source file only, so a kernel would keep stale code after
a change to something it inlines or reads from another module (``sim.kernel_random``, the codes
in ``sim.state``). The cache therefore lives in a folder named after a hash of the whole
package's source: any change to ``sim`` starts a fresh cache (folders of other versions are removed).
``NUMBA_CACHE_DIR`` moves it; ``NUMBA_DISABLE_JIT=1`` runs the kernels as plain Python (slow; for debugging).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numba
from numba import njit

PACKAGE = Path(__file__).resolve().parent
CACHE_PREFIX = "numba-"


def source_hash() -> str:
    """Short hash of every Python source file of the package (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path:
    base = Path(os.environ["NUMBA_CACHE_DIR"]) if os.environ.get("NUMBA_CACHE_DIR") else PACKAGE / "__pycache__"
    if not os.access(base if base.exists() else base.parent, os.W_OK):  # e.g. a read-only install
        base = Path.home() / ".cache" / "resettle"
    here = base / (CACHE_PREFIX + source_hash())
    for old in base.glob(CACHE_PREFIX + "*"):  # caches of other versions of the source
        if old != here:
            shutil.rmtree(old, ignore_errors=True)
    return here


numba.config.CACHE_DIR = str(_cache_dir())
kernel = njit(cache=True, error_model="numpy", nogil=True)
