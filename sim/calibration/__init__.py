"""Calibration and validation against published figures (``sim/data/targets.csv``).

* ``targets``: the targets file, reading simulated values from a replay, distances in tolerances.
* ``calibrate``: fitting behaviour parameters by historical replay (``resettle calibrate``).
* ``validate``: the fit of the current parameters, table and figure (``resettle validate``).
"""

from sim.calibration.targets import TargetsError, load_targets

__all__ = ["TargetsError", "load_targets"]
