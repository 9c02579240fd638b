"""The vectorized engine and the per-agent reference give the same distribution of headline indicators.

``benchmarks/reference`` is a plain per-agent Mesa implementation of the same monthly rules
(the readable specification). Both are run over 30 independent replicates (different seeds on
each side); at 1, 3 and 5 years each headline indicator is compared with a Welch t-test (means)
and a two-sample Kolmogorov-Smirnov test (whole distribution).

False-alarm rate: the family of 6 indicators x 3 horizons x 2 tests = 36 tests is held at a
family-wise rate of ``FAMILY_ALPHA`` = 1% with Bonferroni (each test at 1% / 36), so two correct
implementations fail this test in at most 1 run in 100 (with fixed seeds the outcome is fixed).

Power: the same check must catch vectorization bugs. ``test_*_break_*`` mutate one line of
an engine mechanism (its current source, compiled into a copy of the module), as a bug would:
a wrong mask in the labour market (inactive settlers searching instead of the unemployed), and
an off-by-one month in the Hanawon exit. The default run uses small populations (the reference
is slow); the ``slow`` tests repeat both checks on 2,000 settlers, where an off-by-one month is
also caught.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

import sim.jit
from sim import ResettlementModel

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.reference import HEADLINE, ReferenceModel  # noqa: E402

REPLICATES = 30
HORIZONS = (12, 36, 60)  # months: 1, 3 and 5 years
FAMILY_ALPHA = 0.01
N_TESTS = len(HEADLINE) * len(HORIZONS) * 2
ALPHA = FAMILY_ALPHA / N_TESTS  # Bonferroni
ENGINE_SEEDS = range(1, REPLICATES + 1)
REFERENCE_SEEDS = range(10_001, 10_001 + REPLICATES)  # independent of the engine's
SMALL, LARGE = 200, 2000  # settlers: default run, slow run


def engine_runs(n: int, seeds: range = ENGINE_SEEDS) -> np.ndarray:
    """Headline indicators of the engine at the horizons, shape (replicates, horizons, indicators)."""
    out = []
    for seed in seeds:
        model = ResettlementModel(n_settlers=n, months=max(HORIZONS), rng=seed, agent_views=False)
        while model.running:
            model.step()
        out.append([[model.indicator(name)[h - 1] for name in HEADLINE] for h in HORIZONS])
    return np.asarray(out)


def reference_runs(n: int, seeds: range = REFERENCE_SEEDS) -> np.ndarray:
    """The same for the per-agent reference model."""
    out = []
    for seed in seeds:
        model = ReferenceModel(n_settlers=n, months=max(HORIZONS), rng=seed)
        while model.running:
            model.step()
        out.append([[model.indicator(name)[h - 1] for name in HEADLINE] for h in HORIZONS])
    return np.asarray(out)


def compare(a: np.ndarray, b: np.ndarray) -> list[tuple[str, int, str, float]]:
    """(indicator, month, test, p-value) for every Welch t and KS test between two sets of runs."""
    rows = []
    for i, h in enumerate(HORIZONS):
        for k, name in enumerate(HEADLINE):
            x, y = a[:, i, k], b[:, i, k]
            assert np.isfinite(x).all() and np.isfinite(y).all(), f"{name} undefined at month {h}"
            if np.ptp(np.concatenate([x, y])) == 0:  # identical constants: nothing to test
                continue
            rows.append((name, h, "welch", float(stats.ttest_ind(x, y, equal_var=False).pvalue)))
            rows.append((name, h, "ks", float(stats.ks_2samp(x, y).pvalue)))
    return rows


def rejections(rows: list[tuple[str, int, str, float]]) -> list[tuple[str, int, str, float]]:
    return [r for r in rows if r[3] < ALPHA]


def mutated(module_name: str, old: str, new: str) -> types.ModuleType:
    """A copy of an engine module with one source line changed (the line must exist exactly once)."""
    module = importlib.import_module(module_name)
    source = Path(module.__file__).read_text(encoding="utf-8")
    assert source.count(old) == 1, f"mutation target not found once in {module_name}: {old!r}"
    copy = types.ModuleType(module_name + "_mutant")
    copy.__file__ = module.__file__
    # the copy's kernels are compiled afresh: with the on-disk cache they would clash with the real module's
    cached = sim.jit.kernel
    sim.jit.kernel = numba.njit(error_model="numpy", nogil=True)
    try:
        exec(compile(source.replace(old, new), module.__file__, "exec"), copy.__dict__)
    finally:
        sim.jit.kernel = cached
    return copy


BREAKS = {
    # a wrong mask: the inactive search for jobs instead of the unemployed
    "labour_mask": ("sim.mechanisms.labour", "searching = labour == UNEMPLOYED", "searching = labour == INACTIVE"),
    # an off-by-one month: Hanawon ends a month late
    "hanawon_off_by_one": ("sim.mechanisms.arrival", "& (t - s.arrival_month >= hanawon_months(p)))",
                           "& (t - s.arrival_month > hanawon_months(p)))"),
}


def break_engine(monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    module_name, old, new = BREAKS[which]
    monkeypatch.setattr(importlib.import_module(module_name), "step", mutated(module_name, old, new).step)


def describe(rows: list[tuple[str, int, str, float]]) -> str:
    return "; ".join(f"{name} month {h} {test} p={p:.2g}" for name, h, test, p in rows)


@pytest.fixture(scope="module")
def small_reference() -> np.ndarray:
    return reference_runs(SMALL)


@pytest.fixture(scope="module")
def small_engine() -> np.ndarray:
    return engine_runs(SMALL)


def test_engine_matches_reference(small_engine: np.ndarray, small_reference: np.ndarray) -> None:
    rows = compare(small_engine, small_reference)
    assert len(rows) >= N_TESTS - 2 * len(HORIZONS)  # at most one indicator constant
    assert not rejections(rows), f"engine and reference differ (Bonferroni, alpha {ALPHA:.2g}): {describe(rejections(rows))}"


def test_wrong_mask_break_is_detected(small_reference: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    break_engine(monkeypatch, "labour_mask")
    assert rejections(compare(engine_runs(SMALL), small_reference)), "a wrong labour mask went unnoticed"


def test_mutation_leaves_the_real_module_alone() -> None:
    """The mutant is a copy: the engine's own module keeps its source and behaviour."""
    import sim.mechanisms.labour as labour

    copy = mutated(*BREAKS["labour_mask"])
    assert copy.step is not labour.step
    assert "searching = labour == UNEMPLOYED" in Path(labour.__file__).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def large_reference() -> np.ndarray:
    return reference_runs(LARGE)


@pytest.mark.slow
def test_engine_matches_reference_large(large_reference: np.ndarray) -> None:
    rows = compare(engine_runs(LARGE), large_reference)
    assert not rejections(rows), f"engine and reference differ (Bonferroni, alpha {ALPHA:.2g}): {describe(rejections(rows))}"


@pytest.mark.slow
@pytest.mark.parametrize("which", sorted(BREAKS))
def test_break_is_detected_large(which: str, large_reference: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    break_engine(monkeypatch, which)
    assert rejections(compare(engine_runs(LARGE), large_reference)), f"the {which} break went unnoticed"
