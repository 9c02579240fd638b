"""How the mechanisms' monthly kernels are compiled: one decorator, one set of options.

Each mechanism's monthly rule is a loop over settlers compiled with numba (``@kernel``): one
pass over the rows does what a vectorized version does in dozens of array passes, and draws
come from the mechanism's own ``numpy.random.Generator`` (numba supports Generator arguments),
so the random streams stay one per (month, mechanism).

* ``cache=True``: compiled code is kept beside the module (``__pycache__``), so only the first
  run on a machine pays the compilation (a few seconds); later processes load it.
* ``error_model="numpy"``: division by zero gives inf/nan as in numpy instead of raising, and
  the loops carry no zero checks.
* ``nogil=True``: kernels release the GIL (threads of a Dask worker can run them side by side).

``NUMBA_DISABLE_JIT=1`` runs the same kernels as plain Python (slow; for debugging).
"""

from __future__ import annotations

from numba import njit

kernel = njit(cache=True, error_model="numpy", nogil=True)
