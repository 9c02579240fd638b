"""History matching: rule out the parts of parameter space where the model cannot produce the published figures.

Every output is standardised (``targets.standardised``, ``trial_targets.standardised``): the distance of the
simulated value from the published one in units of the published 95% half-width (the tolerance), so each
observation's own error has SD ``OBSERVATION_SD`` = 1/1.96 in these units. The implausibility of target j at a
point x (Craig et al. 1997; Vernon, Goldstein and Bower 2010) is

    I_j(x) = |E[z_j(x)] - o_j| / sqrt(V_obs + V_discrepancy + V_intrinsic,j + V_emulator,j(x))

with o_j the observation (0 for the published figure; a synthetic truth's output in a recovery test),
``DISCREPANCY_SD`` the stated model discrepancy (how far the best parameter point may still miss, from what the
model leaves out), the intrinsic variance (the simulator's run-to-run variance scaled from the calibration's
cohort to the real population: history happened once; zero for trial effects, whose published intervals
already carry their sampling error), and the emulator's variance at x. A figure published for several years (or a trial outcome at
several follow-ups) is one *group*; a group's implausibility is the largest of its targets'. A point is ruled out
when the ``RANK``-th largest group implausibility exceeds ``CUTOFF`` (3, Pukelsheim's three-sigma rule for any
unimodal distribution; the third largest, as Vernon et al. do with many outputs, so that a single figure the
model misses does not rule out the whole space).

**Structural misses.** A group that no point of the prior box reaches (its implausibility above the cutoff at
every point screened after wave 1) is a finding about the model's structure, not about its parameters: its
discrepancy is raised to the smallest distance reached (``Observations.allow_structural``), so that it neither
rules out space nor pulls the posterior towards the corner of the box where it comes closest, and it is
reported by name. Wave k's emulators are fitted
on runs inside the space not ruled out by waves 1..k-1 (NROY), and its design is drawn uniformly from that space.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.calibration.emulator import Emulators

OBSERVATION_SD = 1 / 1.96  # tolerances and published intervals are 95% half-widths
DISCREPANCY_SD = 0.5  # stated model discrepancy, in half-widths: the best point may miss by about half a tolerance
CUTOFF = 3.0  # Pukelsheim's three-sigma rule
RANK = 3  # the third-largest group implausibility decides (one structural miss does not rule out everything)
SOFT = 0.1  # implausibility excess at which the region sampler's density falls by e^-1/2 outside the region
REGION_STEPS = 300  # MCMC steps per region (half burn-in)
WALKERS = 64  # MCMC walkers of the region sampler
LEVEL_SHARE = 0.1  # subset simulation: each level keeps this share of the points
LEVEL_POINTS = 1200  # points re-drawn per level
MAX_LEVELS = 12
JITTER = 1e-3  # unit-cube SD added to the walkers' start points
DE_SHARE = 0.8  # of the region sampler's moves: differential evolution; the rest DE snooker
SEED_RANGE = 2 ** 31  # emcee seeds a legacy RandomState (31-bit seeds)
DIGITS = 3  # decimals of reported discrepancies


@dataclass
class Observations:
    """What the outputs are held against, in standardised units.

    labels: one per output; groups: outputs sharing a group (the same figure in different years) share one
    discrepancy draw (fully correlated), so repeated years of one figure do not count as independent evidence.
    observed: the observation of each output (0 = the published figure).
    """

    labels: list[str]
    groups: list[str]
    observed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    observation_sd: float = OBSERVATION_SD
    discrepancy: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per target; default DISCREPANCY_SD
    structural: dict[str, float] = field(default_factory=dict)  # group -> raised discrepancy SD
    intrinsic: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per target: the real world's own chance

    def __post_init__(self) -> None:
        if self.observed.size == 0:
            self.observed = np.zeros(len(self.labels))
        if self.discrepancy.size == 0:
            self.discrepancy = np.full(len(self.labels), DISCREPANCY_SD)
        if self.intrinsic.size == 0:
            self.intrinsic = np.zeros(len(self.labels))
        names = list(dict.fromkeys(self.groups))
        self.group_index = np.array([names.index(g) for g in self.groups])
        self.group_names = names

    @property
    def group_discrepancy(self) -> np.ndarray:
        """Discrepancy SD of each group, shape (groups,)."""
        out = np.zeros(len(self.group_names))
        out[self.group_index] = self.discrepancy
        return out

    def shifted(self, observed: np.ndarray) -> Observations:
        """The same observation model held against other observed values (a synthetic truth's outputs)."""
        return Observations(self.labels, self.groups, np.asarray(observed, float), self.observation_sd,
                            self.discrepancy.copy(), dict(self.structural), self.intrinsic.copy())

    def with_intrinsic(self, variance: np.ndarray) -> Observations:
        """A copy whose outputs carry this intrinsic variance (the simulator's run-to-run variance scaled to the
        real population: the one history that happened is one draw of it)."""
        return Observations(self.labels, self.groups, self.observed.copy(), self.observation_sd,
                            self.discrepancy.copy(), dict(self.structural), np.asarray(variance, float))

    def allow_structural(self, mean: np.ndarray, var: np.ndarray, cutoff: float = CUTOFF) -> Observations:
        """A copy whose groups that no screened point reaches (group implausibility above ``cutoff`` everywhere)
        get the discrepancy SD of the smallest distance reached: named in ``structural``."""
        best = self.group_implausibility(mean, var).min(axis=0)
        disc, structural = self.discrepancy.copy(), dict(self.structural)
        for g, name in enumerate(self.group_names):
            if best[g] <= cutoff:
                continue
            cols = self.group_index == g
            dist = np.abs(np.nan_to_num(mean[:, cols] - self.observed[cols])).max(axis=1)
            sd = float(dist.min())
            disc[cols] = np.maximum(disc[cols], sd)
            structural[name] = round(sd, DIGITS)
        return Observations(self.labels, self.groups, self.observed.copy(), self.observation_sd, disc, structural,
                            self.intrinsic.copy())

    def implausibility(self, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
        """I_j for emulated means and variances, shape (n, m); NaN means (targets a run cannot give) count as 0."""
        total = self.observation_sd ** 2 + self.discrepancy ** 2 + self.intrinsic + var
        out = np.abs(mean - self.observed) / np.sqrt(total)
        return np.nan_to_num(out, nan=0.0)

    def group_implausibility(self, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
        """The largest implausibility within each group, shape (n, groups)."""
        imp = self.implausibility(mean, var)
        out = np.zeros((len(imp), len(self.group_names)))
        np.maximum.at(out.T, self.group_index, imp.T)
        return out

    def log_likelihood(self, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
        """Gaussian log likelihood of the observations, shape (n,): independent observation errors and intrinsic
        variances; per group, one shared error made of the discrepancy and the emulator's error (covariance
        diag(V_obs + V_intrinsic) + (V_disc + mean V_em) 11'). The emulator's error is shared too: the years of
        one figure are emulated from the same runs at the same inputs, so where one year's emulator is off, so
        are the others (counted as independent, the same miss would be evidence four times over)."""
        r = np.nan_to_num(mean - self.observed)
        d = np.broadcast_to(self.observation_sd ** 2 + self.intrinsic, mean.shape)  # (n, m)
        out = np.zeros(len(mean))
        for g, sd in enumerate(self.group_discrepancy):
            cols = self.group_index == g
            vd = sd ** 2 + var[:, cols].mean(axis=1)  # (n,)
            dg, rg = d[:, cols], r[:, cols]
            # Sherman-Morrison for D + vd 11': inverse and determinant in closed form
            s = (1 / dg).sum(axis=1)
            quad = (rg ** 2 / dg).sum(axis=1) - vd * ((rg / dg).sum(axis=1)) ** 2 / (1 + vd * s)
            logdet = np.log(dg).sum(axis=1) + np.log1p(vd * s)
            out -= 0.5 * (quad + logdet + cols.sum() * np.log(2 * np.pi))
        return out


@dataclass
class Wave:
    """One wave: its design (unit cube), seeds, outputs and the emulators fitted on the runs inside its space."""

    index: int
    design: np.ndarray  # (n, d)
    seeds: np.ndarray  # (n,)
    outputs: np.ndarray | None = None  # (n, m) standardised
    emulators: Emulators | None = None
    plausible_share: float = 1.0  # share of the prior box not ruled out by the earlier waves (its design space)


def ruled_out(mean: np.ndarray, var: np.ndarray, obs: Observations, cutoff: float = CUTOFF,
              rank: int = RANK) -> np.ndarray:
    """Points whose ``rank``-th largest group implausibility exceeds ``cutoff``, shape (n,)."""
    imp = obs.group_implausibility(mean, var)
    k = min(rank, imp.shape[1])
    return np.sort(imp, axis=1)[:, -k] > cutoff


def not_ruled_out(waves: Sequence[Wave], X: np.ndarray, obs: Observations, cutoff: float = CUTOFF,
                  rank: int = RANK) -> np.ndarray:
    """Whether each point survives every fitted wave's emulators (screened wave by wave), shape (n,)."""
    keep = np.ones(len(X), dtype=bool)
    for w in waves:
        if w.emulators is None:
            continue
        idx = np.flatnonzero(keep)
        if idx.size == 0:
            break
        mean, var = w.emulators.predict(X[idx])
        keep[idx[ruled_out(mean, var, obs, cutoff, rank)]] = False
    return keep


def rank_implausibility(wave: Wave, X: np.ndarray, obs: Observations, rank: int = RANK) -> np.ndarray:
    """The ``rank``-th largest group implausibility of each point under one wave's emulators, shape (n,)."""
    assert wave.emulators is not None
    imp = obs.group_implausibility(*wave.emulators.predict(X))
    return np.sort(imp, axis=1)[:, -min(rank, imp.shape[1])]


def _excess(waves: Sequence[Wave], X: np.ndarray, obs: Observations, last_cutoff: float) -> np.ndarray:
    """How far points lie outside the region (earlier waves at ``CUTOFF``, the last at ``last_cutoff``): the sum
    of the waves' implausibility excesses, 0 inside, shape (n,)."""
    out = np.zeros(len(X))
    for i, w in enumerate(waves):
        cut = last_cutoff if i == len(waves) - 1 else CUTOFF
        out += np.maximum(rank_implausibility(w, X, obs) - cut, 0.0)
    return out


def sample_region(waves: Sequence[Wave], obs: Observations, start: np.ndarray, n: int, rng: np.random.Generator,
                  last_cutoff: float = CUTOFF, steps: int = REGION_STEPS) -> np.ndarray:
    """About ``n`` points uniform in the region the waves leave (the last wave's cutoff ``last_cutoff``), by
    ensemble MCMC (``emcee``, differential-evolution moves) on a density flat inside the region that falls off
    outside it (SD ``SOFT`` of implausibility excess), started from ``start`` (walkers, d). Only points inside
    are kept (rows: distinct chain states after burn-in, thinned)."""
    import emcee

    walkers, d = start.shape

    def log_p(U: np.ndarray) -> np.ndarray:
        out = np.full(len(U), -np.inf)
        ok = np.all((U >= 0) & (U <= 1), axis=1)
        if ok.any():
            out[ok] = -0.5 * (_excess(waves, U[ok], obs, last_cutoff) / SOFT) ** 2
        return out

    sampler = emcee.EnsembleSampler(walkers, d, log_p, vectorize=True,
                                    moves=[(emcee.moves.DEMove(), DE_SHARE), (emcee.moves.DESnookerMove(), 1 - DE_SHARE)])
    sampler.random_state = np.random.RandomState(int(rng.integers(SEED_RANGE))).get_state()
    sampler.run_mcmc(start, steps)
    chain = sampler.get_chain(discard=steps // 2, flat=True)
    lp = sampler.get_log_prob(discard=steps // 2, flat=True)
    inside = np.unique(chain[lp == 0.0], axis=0)  # distinct states inside the region
    rng.shuffle(inside)
    return inside[:n]


def explore(waves: Sequence[Wave], obs: Observations, base: np.ndarray, base_share: float, n: int,
            rng: np.random.Generator) -> tuple[np.ndarray, float]:  # n: at least this many points per level
    """Points uniform in the space left after the last wave, and the share of the prior box it is, by subset
    simulation (Au and Beck 2001): from ``base`` (uniform in the space before the last wave, whose share of the
    box is ``base_share``), the last wave's cutoff is lowered in steps that keep ``LEVEL_SHARE`` of the points,
    each step's conditional share multiplied in, and each level is re-populated uniformly by ``sample_region``
    from the points inside it, until the cutoff is ``CUTOFF``. Returns (points, share)."""
    X, share = base, base_share
    walkers = max(WALKERS, 2 * X.shape[1] + 2)  # emcee's ensemble moves want at least twice the dimensions
    for _ in range(MAX_LEVELS):
        imp = rank_implausibility(waves[-1], X, obs)
        level = max(CUTOFF, float(np.quantile(imp, LEVEL_SHARE)))
        inside = imp <= level
        share *= float(inside.mean())
        seeds = X[inside]
        if len(seeds) < walkers:  # too few to start the walkers: take the nearest points
            seeds = X[np.argsort(imp)[:walkers]]
        start = seeds[rng.choice(len(seeds), walkers, replace=len(seeds) < walkers)]
        start = np.clip(start + rng.normal(0, JITTER, start.shape), 0, 1)  # repeated seeds: walkers must differ
        X = sample_region(waves, obs, start, max(n, LEVEL_POINTS), rng, level)
        if level <= CUTOFF:
            break
    return X, share
