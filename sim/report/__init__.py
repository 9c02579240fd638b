"""Self-contained HTML reports (figures embedded, no network) built from a results folder on disk.

>>> from sim.report import build_report
>>> build_report("results/baseline")          # doctest: +SKIP
PosixPath('results/baseline/report.html')
"""

from sim.plots.data import ResultsError
from sim.report.build import FIGURES, REPORT, build_report

__all__ = ["FIGURES", "REPORT", "ResultsError", "build_report"]
