"""How the mechanisms' monthly kernels are compiled: one decorator, one set of options, one cache.

Each mechanism's per-settler rules run inside loops compiled with numba (``@kernel``): one
pass over the rows does what a vectorized version does in dozens of array passes. Random draws
inside kernels come from ``sim.kernel_random`` (counter-based, keyed by the mechanism's own
stream of the month).

* ``cache=True``: compiled code is kept on disk, so only the first run after a change pays the
  compilation (some tens of seconds); later processes load it (about 0.1 s a kernel).
* ``error_model="numpy"``: division by zero gives inf/nan as in numpy instead of raising, and
  the loops carry no zero checks.
* ``nogil=True``: kernels release the GIL (threads of a Dask worker can run them side by side).
* 512-bit vectors on a CPU with AVX-512 (``wide_vector_features``): LLVM's tuning for such CPUs keeps loops
  to 256-bit vectors; the full width makes stepping about 5% faster, with the same numbers to the last bit.
* ``@view_kernel``: the same, for loops that pass the state and parameter views to per-settler rules,
  compiled without reference counting (see below); they take their outputs as arguments.

Numba keys a kernel's cache on its own source file only, so a kernel would keep stale code after
a change to something it inlines or reads from another module (``sim.kernel_random``, the codes,
a rule of another mechanism). The cache therefore lives in a folder named after ``model_hash()``,
a hash of the whole package's source and of any mechanism modules added from outside
(``RESETTLE_MECHANISMS``): a change starts a fresh folder. Nothing is ever deleted, so checkouts
of different versions can share a cache root at the same time; ``make clean`` (or deleting the
folder) frees the space. The root is ``RESETTLE_CACHE_DIR`` if set, else ``NUMBA_CACHE_DIR``, else
the package's ``__pycache__`` (or ``~/.cache/resettle`` if that is not writable).
``NUMBA_DISABLE_JIT=1`` runs the kernels as plain Python (slow; for debugging).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

import llvmlite.binding
import numba
from numba import njit

PACKAGE = Path(__file__).resolve().parent
CACHE_PREFIX = "numba-"
CACHE_ENV = "RESETTLE_CACHE_DIR"
HASH_DIGITS = 16  # hex digits of the model hash
PLUGINS_ENV = "RESETTLE_MECHANISMS"  # as sim.catalogue.PLUGINS_ENV (read here before the catalogue exists)
NARROW_VECTORS = "prefer-256-bit"  # LLVM's X86 tuning flag that keeps vectorized loops to 256 bits


def wide_vector_features(host_features: str) -> str | None:
    """The LLVM feature string for compiling on a CPU with ``host_features`` (LLVM's ``+a,-b,...`` form), with
    512-bit vectors allowed if it has AVX-512; None if it has not (nothing to change).

    Why: LLVM tunes for AVX-512 CPUs with 256-bit vectors, because 512-bit instructions lowered the clock of the
    first of them (Skylake-SP). On the machine that measured it (a Xeon with AVX-512) the wider vectors make the
    branch-free per-settler passes faster and stepping about 5% faster (docs/performance.md). Vector width
    changes no result: the loops' floating-point operations are not reassociated (no fastmath), so each value is
    computed by the same operations in the same order, only more at a time (tests/test_equivalence.py).
    """
    flags = host_features.split(",") if host_features else []
    if "+avx512f" not in flags:
        return None
    return ",".join([f for f in flags if f.lstrip("+-") != NARROW_VECTORS] + [f"-{NARROW_VECTORS}"])


def _allow_wide_vectors() -> None:
    """Set numba's target features to ``wide_vector_features`` of this CPU, unless the user chose them
    (``NUMBA_CPU_FEATURES``). numba reads them when it first sets up its compiler (at the first ``@njit``
    function in the process), so ``sim/__init__.py`` imports this module before any other; code that compiled a
    numba function before importing ``sim`` keeps numba's default (correct, only slower)."""
    if numba.config.CPU_FEATURES is not None:
        return
    from numba.core.codegen import get_host_cpu_features  # as numba itself reads them (honours NUMBA_ENABLE_AVX)

    features = wide_vector_features(get_host_cpu_features())
    if features is not None:
        numba.config.CPU_FEATURES = features


_allow_wide_vectors()


def _plugin_files() -> list[Path]:
    files = []
    for name in (n.strip() for n in os.environ.get(PLUGINS_ENV, "").split(",")):
        spec = importlib.util.find_spec(name) if name else None
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            files.append(Path(spec.origin))
    return files


@cache
def model_hash() -> str:
    """Short hash of every Python source file of the package and of the added mechanism modules (names and contents).

    It names the model's version: a sweep's run ids and manifests carry it, and the kernel cache is kept per hash.
    """
    digest = hashlib.sha256()
    # the package's own sources only: generated kernel files live in the cache under __pycache__
    for path in sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.relative_to(PACKAGE).parts):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    for path in _plugin_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:HASH_DIGITS]


source_hash = model_hash  # the former name


def cache_root() -> Path:
    """The folder holding one kernel cache per model version."""
    chosen = os.environ.get(CACHE_ENV) or os.environ.get("NUMBA_CACHE_DIR")
    base = Path(chosen) if chosen else PACKAGE / "__pycache__"
    probe = base
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK):  # e.g. a read-only install
        base = Path.home() / ".cache" / "resettle"
    return base


@cache
def cache_dir() -> Path:
    """This model version's kernel cache (created if missing; other versions' folders are left alone)."""
    here = cache_root() / (CACHE_PREFIX + model_hash())
    here.mkdir(parents=True, exist_ok=True)
    return here


def load_generated(source: str, stem: str) -> ModuleType:
    """Import generated kernel source from a file in this version's cache folder, so numba caches it like the others.

    The file is named after ``stem`` and a hash of the source, written atomically (other processes may be
    writing the same file) and kept for reading: it is the code that runs.
    """
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    name = f"sim_generated_{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    folder = cache_dir() / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text(encoding="utf-8") != source:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


numba.config.CACHE_DIR = str(cache_dir())
# LLVM vectorizes a loop only after checking at run time that the arrays it writes overlap none it reads; past
# 128 such checks it gives up, and a per-settler rule writing 8 or more columns (labour's) stays scalar. The
# checks run once per call (about a microsecond for a thousand), so the limit is raised. (An LLVM option, global
# to the process; compiled code is cached per model hash, which includes this file.)
VECTORIZE_MEMORY_CHECKS = 1024
llvmlite.binding.set_option("", f"-vectorize-memory-check-threshold={VECTORIZE_MEMORY_CHECKS}")
# Vector iterations per loop trip: LLVM picks 1-4 by its cost model; 2 everywhere made stepping 3-5% faster than its
# choice (and than 1) with 512-bit vectors, measured back to back (docs/performance.md). Interleaving reorders no
# floating-point operation: without fastmath a float sum is not vectorized at all. (Global to the process, as above.)
VECTOR_INTERLEAVE = 2
llvmlite.binding.set_option("", f"-force-vector-interleave={VECTOR_INTERLEAVE}")
kernel = njit(cache=True, error_model="numpy", nogil=True)
# A kernel that passes the named-tuple views (sim.engine) to functions (rules, quantities). It is compiled without
# numba's reference counting (NRT): with it, every array of a view is increfed and decrefed (atomically) at each
# call, about 200 ns a settler, slower than the rule itself. Such kernels cannot allocate arrays: their outputs
# and the draw counter are passed in. (numba's ``_nrt`` option; a kernel that allocates fails to compile.)
view_kernel = njit(cache=True, error_model="numpy", nogil=True, _nrt=False)
