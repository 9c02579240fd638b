"""Figures (seaborn / matplotlib, Agg backend, PNG) drawn only from results folders on disk.

Each plotting function returns a ``Plot`` (figure, the exact data drawn, file stem, caption);
``save(plot, folder)`` writes the PNG and closes the figure.
"""

from sim.plots.data import ResultsError, kind_of, load_compare, load_run, load_sweep
from sim.plots.style import Plot, close, save, scenario_styles

__all__ = ["Plot", "ResultsError", "close", "kind_of", "load_compare", "load_run", "load_sweep", "save",
           "scenario_styles"]
