"""The engine seam: each module declares what it owns, kernels read state and parameters by those names.

* declarations are consistent and complete (every parameter and column read somewhere, every name a kernel
  reads declared, each mechanism writes only what it declares);
* random streams are keyed by mechanism name: inserting a mechanism leaves every other draw unchanged;
* a mechanism added from outside the package (``tests/plugins/toy_gardening.py``, via ``RESETTLE_MECHANISMS``)
  brings its column, parameter and indicator to the model, ``resettle params``, the scenario schema and
  ``summary.csv`` without a change to any file of the package.
"""

from __future__ import annotations

import ast
import collections
import enum
import io
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import catalogue, engine, indicators
from sim.declare import Column, Mechanism, Slots, behaviour, check_slots, rule
from sim.kernel_random import uniform_at
from sim.model import ResettlementModel
from sim.params import PARAMS
from sim.state import COLUMNS

REPO = Path(__file__).resolve().parents[1]
PLUGINS = Path(__file__).resolve().parent / "plugins"
MODULES = (catalogue.POPULATION, *catalogue.MECHANISMS)


def module_source(mech: Mechanism) -> str:
    return Path(sys.modules[mech.module].__file__).read_text(encoding="utf-8")


def attributes_of(name: str, source: str) -> set[str]:
    """Every ``<name>.<attr>`` in ``source``."""
    return {n.attr for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == name}


# ---------------------------------------------------------------- declarations

def test_every_parameter_a_module_reads_is_declared_for_it():
    """``p.<name>`` in a module is one of its own parameters, used ones or derived values (else its kernel
    would not compile: the generated loops check it too)."""
    for mech in MODULES:
        read = attributes_of("p", module_source(mech))
        undeclared = read - set(mech.parameter_names)
        assert not undeclared, f"{mech.module} reads undeclared parameters {sorted(undeclared)}"


def test_every_declared_parameter_is_read():
    sources = {m.name: module_source(m) for m in MODULES}
    sources["indicators"] = (REPO / "sim" / "indicators.py").read_text(encoding="utf-8")
    read = set().union(*(attributes_of("p", src) for src in sources.values()))
    unread = [q.name for q in PARAMS if q.name not in read]
    assert not unread, f"declared parameters no module reads: {unread}"


def test_every_column_is_owned_once_and_read_or_written_by_a_mechanism():
    owners = [c.name for m in MODULES for c in m.owns]
    assert sorted(owners) == sorted(COLUMNS)
    used = {c for m in catalogue.MECHANISMS for c in m.columns} | set(indicators.compiled().layout.reads)
    assert not set(COLUMNS) - used, f"columns nothing reads: {sorted(set(COLUMNS) - used)}"


def test_a_rule_reading_an_undeclared_name_is_refused():
    @rule
    def careless(i, key, s, p, m, ctr):
        s.wage[i] = p.no_such_parameter

    with pytest.raises(ValueError, match=r"p\.no_such_parameter is not declared"):
        engine.loop_source(careless, {"s": ("wage",), "p": ("job_offer_rate",), "m": ("t",)})
    with pytest.raises(ValueError, match=r"s\.wage is not declared"):
        engine.loop_source(careless, {"s": ("cash",), "p": ("no_such_parameter",), "m": ("t",)})


def test_a_return_inside_a_rule_loop_is_refused():
    @rule
    def looping(i, key, s, p, m, ctr):
        for _ in range(3):
            return

    with pytest.raises(ValueError, match="inside a loop"):
        engine.loop_source(looping, {"s": (), "p": (), "m": ()})


def test_draw_slots_must_fit_their_bits():
    class TooMany(Slots):
        FIRST = 0
        LAST = 32

    with pytest.raises(ValueError, match=r"0\.\.31"):
        check_slots("toy", TooMany)
    check_slots("toy", enum.IntEnum("Fine", {"A": 0, "B": 31}))


def test_conflicting_declarations_stop_the_catalogue():
    pop, mechs = catalogue.POPULATION, catalogue.MECHANISMS
    twin = replace(mechs[1], name="twin", owns=(Column("wage", np.float32, 0.0, "again", owner="twin"),),
                   params=(), reads=("wage",), writes=())
    with pytest.raises(catalogue.CatalogueError, match="column 'wage' is already declared"):
        catalogue._check(pop, (*mechs, twin), catalogue.INDICATORS)
    copy = replace(mechs[1], name="copy", owns=(), reads=(), writes=(),
                   params=(behaviour("job_offer_rate", 0.1, "x", 0, 1, "again"),))
    with pytest.raises(catalogue.CatalogueError, match="parameter 'job_offer_rate' is already declared"):
        catalogue._check(pop, (*mechs, copy), catalogue.INDICATORS)
    lost = replace(mechs[1], name="lost", owns=(), params=(), writes=(), reads=("no_such_column",))
    with pytest.raises(catalogue.CatalogueError, match="undeclared columns"):
        catalogue._check(pop, (*mechs, lost), catalogue.INDICATORS)


@pytest.mark.parametrize("mech", catalogue.MECHANISMS, ids=lambda m: m.name)
def test_each_mechanism_changes_only_the_columns_it_declares(mech):
    model = ResettlementModel(n_settlers=400, months=30, rng=2, agent_views=False, mentorship_coverage=0.5,
                              vocational_training_coverage=0.5, counselling_slots_per_1000=50)
    for _ in range(24):
        model.step()
    s = model.state
    before = {c: getattr(s, c).copy() for c in COLUMNS}
    for t in range(model.clock.month, model.clock.month + 6):  # several months: rare branches get their turn
        engine.run_month(mech, s, model.p, model.stream(t, mech.name), model.clock.__class__(t, 2024, 1))
    changed = {c for c in COLUMNS if not np.array_equal(before[c], getattr(s, c))}
    assert changed <= set(mech.writes), f"{mech.name} changed undeclared columns {sorted(changed - set(mech.writes))}"


# ---------------------------------------------------------------- random streams

def test_inserting_a_mechanism_leaves_every_other_draw_unchanged():
    """A mechanism that draws (from its own stream) and writes nothing, inserted after labour: every column and
    indicator stays identical. With streams keyed by position, every later mechanism's draws would move."""
    def noisy_month(run, s, p, clock):
        run.rng.random(1000)  # draws from its own stream of the month
        run.each(_draw_only, s, p, _Month(clock.month))

    noisy = Mechanism(name="noisy", reads=("status",), month=noisy_month, module=__name__)
    plain = list(catalogue.MECHANISMS)
    with_noise = [*plain[:2], noisy, *plain[2:]]
    kw = dict(n_settlers=300, months=24, agent_views=False, mentorship_coverage=0.3)
    a = ResettlementModel(rng=9, mechanisms=plain, **kw)
    b = ResettlementModel(rng=9, mechanisms=with_noise, **kw)
    for _ in range(24):
        a.step()
        b.step()
    assert all(np.array_equal(getattr(a.state, c), getattr(b.state, c)) for c in COLUMNS)
    np.testing.assert_array_equal(a.record, b.record)


_Month = collections.namedtuple("_Month", ["t"])


@rule
def _draw_only(i, key, s, p, m, ctr):
    if uniform_at(ctr, key, i, 0) < 0:  # a draw per settler, never acted on
        s.status[i] = 0


def test_the_passes_skip_the_free_rows():
    """Rows past ``State.active_rows`` (free rows kept for births and relatives who join) are left alone: a rule
    that writes every row it is given writes the active rows only, and ten years of the model leave every column
    of the free rows as the population set them up."""
    model = ResettlementModel(n_settlers=400, months=120, rng=3, agent_views=False)
    s = model.state
    first_free = s.active_rows

    def as_set_up(name: str, start: int) -> np.ndarray:
        """Rows ``start ..`` as the population sets up free rows (rows added when the reserve runs out alike):
        each its own household's head, every other column at one value."""
        if name == "household_head":
            return np.arange(start, s.n)
        return np.full(s.n - start, getattr(s, name)[-1])

    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(s, name)[first_free:], as_set_up(name, first_free), err_msg=name)
    while model.running:
        model.step()
    rows = s.active_rows
    assert first_free < rows < s.n  # births and relatives used free rows, not all
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(s, name)[rows:], as_set_up(name, rows), err_msg=name)

    def mark_month(run, state, p, clock):
        run.each(_mark_every_row, state, p, _Month(clock.month))

    mark = Mechanism(name="mark", writes=("trust",), month=mark_month, module=__name__)
    engine.run_month(mark, s, model.p, model.stream(0, "mark"), model.clock)
    assert (s.trust[:rows] == 2).all() and (s.trust[rows:] != 2).all()


@rule
def _mark_every_row(i, key, s, p, m, ctr):
    s.trust[i] = 2.0


def test_a_kept_state_view_follows_replaced_arrays():
    """The state keeps each mechanism's view (``engine.state_view``) until one of its arrays is replaced: a state that
    grows, or a tie list that gets longer, gives views of the new arrays, and an unchanged state the same view."""
    from sim.mechanisms import households, ties

    s = ResettlementModel(n_settlers=50, months=1, rng=1, agent_views=False).state
    first = engine.state_view(households.DECLARATION, s)
    assert engine.state_view(households.DECLARATION, s) is first
    s.grow(7)
    grown = engine.state_view(households.DECLARATION, s)
    assert grown is not first and grown.household_head is s.household_head and grown.status.size == s.n
    tie_view = engine.state_view(ties.DECLARATION, s)
    s.add_ties(np.array([0, 1]), np.array([2, 3]))
    longer = engine.state_view(ties.DECLARATION, s)
    assert longer.tie_a is s.tie_a and longer.tie_a.size == tie_view.tie_a.size + 2
    assert engine.state_view(households.DECLARATION, s) is grown  # its arrays were not replaced


def test_a_pass_over_the_rows_a_column_lists():
    """``run.each(..., where=column)`` visits the rows where the bool column is set, and only those, on both paths
    (the rule here does not test the column itself, so a visit to any other row would show)."""
    engine_model = ResettlementModel(n_settlers=300, months=6, rng=4, agent_views=True)
    agent_model = ResettlementModel(n_settlers=300, months=6, rng=4, agent_views=True)
    for _ in range(6):
        engine_model.step()
        agent_model.step_agents()

    def mark_month(run, state, p, clock):
        run.each(_mark_every_row, state, p, _Month(clock.month), where="satisfied")

    mark = Mechanism(name="mark", writes=("trust",), reads=("satisfied",), month=mark_month, module=__name__)
    for model, run in ((engine_model, engine.KernelRun), (agent_model, None)):
        s = model.state
        before = s.trust.copy()
        if run is None:
            mark_month(engine.AgentRun(mark, model.stream(0, "mark"), model._current_agents), s,
                       engine.param_view(mark, model.p), model.clock)
        else:
            engine.run_month(mark, s, model.p, model.stream(0, "mark"), model.clock)
        listed = s.satisfied[: s.active_rows]
        assert 0 < listed.sum() < listed.size
        np.testing.assert_array_equal(s.trust[: s.active_rows], np.where(listed, 2.0, before[: s.active_rows]))
    np.testing.assert_array_equal(engine.rows_where(s.satisfied, s.active_rows), np.flatnonzero(listed))


@pytest.mark.parametrize("share", [0.0, 0.004, 0.04, 0.5, 1.0])
def test_rows_where_lists_the_set_rows_in_order(share):
    """``rows_where`` (8 rows at a time) lists exactly numpy's ``flatnonzero`` of the first ``rows`` rows, for row
    counts that are and are not multiples of 8, sparse and dense columns, and set rows past ``rows`` ignored."""
    flags = np.random.default_rng(8).random(4099) < share
    for rows in (0, 1, 7, 8, 9, 4000, 4093, 4099):
        np.testing.assert_array_equal(engine.rows_where(flags, rows), np.flatnonzero(flags[:rows]))


@pytest.mark.parametrize("dtype", [np.int8, np.int32])
def test_rows_equal_and_rows_nonzero_list_numpys_rows(dtype):
    """``rows_equal`` and ``rows_nonzero`` list numpy's ``flatnonzero`` of the first ``rows`` rows, for values other
    than 0 and 1 (event codes, months), rows past ``rows`` ignored."""
    column = np.random.default_rng(9).integers(-3, 5, 4099).astype(dtype)
    for rows in (0, 5, 8, 4000, 4099):
        np.testing.assert_array_equal(engine.rows_nonzero(column, rows), np.flatnonzero(column[:rows]))
        for value in (-3, 0, 4, 7):
            np.testing.assert_array_equal(engine.rows_equal(column, value, rows),
                                          np.flatnonzero(column[:rows] == value))


def test_streams_differ_between_mechanisms_and_months():
    model = ResettlementModel(n_settlers=10, months=1, rng=1, agent_views=False)
    words = {(m, t): model.stream(t, m).bit_generator.random_raw() for m in ("labour", "money") for t in (0, 1)}
    assert len(set(words.values())) == 4


# ---------------------------------------------------------------- a mechanism from outside the package

def _resettle(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, catalogue.PLUGINS_ENV: "toy_gardening",
           "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_a_mechanism_added_from_outside_the_package(tmp_path):
    params = _resettle(["params", "--csv"], tmp_path)
    assert params.returncode == 0, params.stderr
    table = pd.read_csv(io.StringIO(params.stdout))
    row = table[table.name == "gardening_rate"]
    assert len(row) == 1 and row.iloc[0].default == 0.05 and row.iloc[0].module == "gardening"

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nbehaviour: {gardening_rate: 2}\n", encoding="utf-8")
    refused = _resettle(["check", str(bad)], tmp_path)
    assert refused.returncode == 2 and "behaviour.gardening_rate" in refused.stderr and "valid range 0 to 1" in refused.stderr

    shares = {}
    for rate in (0.0, 0.05):
        sc = tmp_path / f"garden{rate}.yaml"
        sc.write_text(f"name: garden{rate}\npopulation: {{size: 2000}}\nmonths: 24\nreplicates: 2\n"
                      f"behaviour: {{gardening_rate: {rate}}}\n", encoding="utf-8")
        run = _resettle(["run", str(sc), "--quiet", "--no-report", "--out", str(tmp_path / f"out{rate}")], tmp_path)
        assert run.returncode == 0, run.stderr
        summary = pd.read_csv(tmp_path / f"out{rate}" / "summary.csv")
        shares[rate] = float(summary[(summary.indicator == "gardeners") & (summary.group == "all")]["mean"].iloc[0])
    # settled for 21 of the 24 months (3 in Hanawon): 1 - 0.95**21 = 66%; binomial sd of a share of ~1,800
    # surveyed settlers is 1.1 points, of the mean of 2 replicates 0.8: +-5 points is over 6 sd
    assert shares[0.0] == 0.0
    assert abs(shares[0.05] - 100 * (1 - 0.95**21)) < 5


# ---------------------------------------------------------------- kernels and their cache

def test_no_kernel_takes_more_than_eight_arguments():
    wide = []
    for path in sorted((REPO / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            compiled = isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Name) and d.id in ("kernel", "view_kernel") for d in node.decorator_list)
            if compiled and len(node.args.args) > 8:
                wide.append(f"{path.name}:{node.name} ({len(node.args.args)})")
    assert not wide, f"kernels with more than 8 arguments: {wide}"
    assert len(engine.RULE_ARGS) <= 8


def test_the_kernel_cache_never_deletes_other_versions(tmp_path):
    """Two checkouts (or versions) sharing a cache root keep each other's folders."""
    other = tmp_path / "numba-0000000000000000"
    other.mkdir()
    (other / "kernel.nbi").write_text("another version's cache", encoding="utf-8")
    code = "import sim.jit as j; print(j.cache_dir())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "RESETTLE_CACHE_DIR": str(tmp_path)},
                         capture_output=True, text=True, check=True, cwd=REPO)
    here = Path(out.stdout.strip())
    assert here.parent == tmp_path and here.name.startswith("numba-") and here != other
    assert (other / "kernel.nbi").read_text(encoding="utf-8") == "another version's cache"


def test_the_model_version_and_kernel_cache_hold_across_processes():
    """Generated kernel files (kept in the cache under sim/__pycache__) are not part of the model's version: a second
    process finds the same version and loads every kernel from the cache instead of compiling it again."""
    env = {k: v for k, v in os.environ.items() if k not in ("RESETTLE_CACHE_DIR", "NUMBA_CACHE_DIR")}
    code = "import sim.batch.preload, sim.jit as j; print(j.model_hash())"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=REPO)
    second = subprocess.run([sys.executable, "-c", code], env={**env, "NUMBA_DEBUG_CACHE": "1"}, capture_output=True,
                            text=True, check=True, cwd=REPO)
    assert first.stdout.split()[-1] == second.stdout.split()[-1]
    assert "data saved" not in second.stdout + second.stderr, "a kernel was compiled again in the second process"


def test_wide_vectors_are_allowed_on_avx512_cpus_only():
    """The tuning flag that keeps LLVM's loops to 256-bit vectors is turned off on a CPU with AVX-512, every other
    feature kept as the host has it; elsewhere nothing is changed."""
    from sim.jit import NARROW_VECTORS, wide_vector_features

    wide = wide_vector_features(f"+avx2,+avx512f,+{NARROW_VECTORS},-amx-int8")
    assert wide is not None
    flags = wide.split(",")
    assert f"-{NARROW_VECTORS}" in flags and f"+{NARROW_VECTORS}" not in flags
    assert {"+avx2", "+avx512f", "-amx-int8"} <= set(flags)
    assert wide_vector_features("+avx2,-avx512f,+fma") is None
    assert wide_vector_features("") is None


@pytest.mark.parametrize("user_features", [None, "+avx2,+fma"])
def test_numba_compiles_with_the_features_sim_sets_unless_the_user_set_them(user_features):
    """Importing ``sim`` sets numba's target features before anything is compiled (numba reads them once); a
    ``NUMBA_CPU_FEATURES`` of the user's is kept as it is."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CPU_FEATURES"}
    if user_features is not None:
        env["NUMBA_CPU_FEATURES"] = user_features
    code = ("import sim\nfrom numba.core.codegen import get_host_cpu_features\nfrom numba.core.registry import cpu_target\n"
            "from sim.jit import wide_vector_features\nhost = get_host_cpu_features()\n"
            "print(cpu_target.target_context.codegen().magic_tuple()[2])\nprint(wide_vector_features(host) or host)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=REPO)
    used, expected = out.stdout.split()
    assert used == (user_features if user_features is not None else expected)
