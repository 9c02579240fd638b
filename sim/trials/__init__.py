"""In-silico replicas of published evaluations: trial files (``schema``), traits (``traits``), the runner (``run``)."""

from sim.trials.run import TrialsResult, run_trials
from sim.trials.schema import Trial, TrialError, load_trial

__all__ = ["Trial", "TrialError", "TrialsResult", "load_trial", "run_trials"]
