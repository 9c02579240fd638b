"""Gaussian-process emulators of the calibration targets, one per target, on the unit cube of the fitted parameters.

Each emulator is a linear mean in all the parameters plus a Gaussian process on what the line leaves
(scikit-learn's ``GaussianProcessRegressor``) over the target's ``ACTIVE`` most influential parameters (the
largest linear effects, as Vernon, Goldstein and Bower 2010 choose active variables per output; the others act
through the line and the noise): a constant times an anisotropic RBF kernel (one length-scale per active
parameter) plus a ``WhiteKernel``, whose fitted noise
level is the run-to-run variance of one replicate (each design point is one run with its own seed, so the
emulator learns chance and the parameters' effect apart). ``predict`` gives the emulated *mean* output and
its variance without that noise: what we don't know about the mean at a point not run.

Why scikit-learn: it is well kept, already the field's default, exact GPs are cheap at a few hundred points,
and the white-noise kernel models the stochastic simulator. mogp-emulator would add mean functions and
history-matching helpers but is barely maintained.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

LENGTH_SCALE_BOUNDS = (0.05, 100.0)  # unit-cube units: from a twentieth of the range to flat
NOISE_BOUNDS = (1e-6, 10.0)  # of the standardised residual's variance
NOISE_START = 0.3  # the optimiser's first guess: about a third of the residual variance is chance
AMPLITUDE_BOUNDS = (1e-3, 1e3)  # of the GP's variance, in units of the residual variance
RIDGE = 1e-6  # keeps the linear mean's least squares well posed with few points
MIN_POINTS = 8  # fewer finite runs than this: the target is emulated by its mean and variance only
ACTIVE = 8  # parameters a target's Gaussian process sees (fitting 34 length-scales costs minutes per target)
CHUNK = 4096  # points predicted at a time (memory: CHUNK x training points per target)


@dataclass
class _One:
    """One target's emulator; ``gp`` None means a constant (too few finite runs)."""

    coef: np.ndarray  # linear mean, (d + 1,)
    active: np.ndarray  # parameters the GP sees
    scale: float  # residual SD the GP was fitted on
    gp: GaussianProcessRegressor | None
    noise: float  # run-to-run variance of one replicate (output units)
    fallback_var: float

    def __post_init__(self) -> None:
        # the fitted GP's pieces for a fast batched prediction (scikit-learn's predict validates and copies
        # per call, too slow inside a sampler that calls it a million times)
        if self.gp is None:
            return
        k = self.gp.kernel_
        self.amp = float(k.k1.k1.constant_value)
        self.xs = self.gp.X_train_ / k.k1.k2.length_scale
        self.alpha = self.gp.alpha_.ravel()
        white = float(k.k2.noise_level)
        K = self.amp * np.exp(-0.5 * _sq_dist(self.xs, self.xs)) + white * np.eye(len(self.xs))
        self.kinv = np.linalg.inv(K)
        self.kinv = (self.kinv + self.kinv.T) / 2

    def residual(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """GP mean and latent variance of the scaled residual at points x (all parameters), each (n,)."""
        assert self.gp is not None
        ks = self.amp * np.exp(-0.5 * _sq_dist(x[:, self.active] / self.gp.kernel_.k1.k2.length_scale, self.xs))
        mu = ks @ self.alpha
        var = self.amp - np.einsum("ij,ij->i", ks @ self.kinv, ks)
        return mu, np.maximum(var, 0.0)


def _sq_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2 * a @ b.T, 0.0)


class Emulators:
    """Per-target GP emulators. ``fit(X, Y)``: X (n, d) on [0, 1]^d, Y (n, m) outputs (NaN where a run gave none)."""

    def __init__(self, seed: int = 0, restarts: int = 0) -> None:
        self.seed, self.restarts = seed, restarts
        self.parts: list[_One] = []
        # per target: variance added to the GP's own, the error it makes on held-out runs beyond what it expects
        # (set by the workflow for the last wave: GPs fitted by maximum likelihood tend to be overconfident)
        self.extra: np.ndarray | None = None

    def fit(self, X: np.ndarray, Y: np.ndarray) -> Emulators:
        self.parts = []
        d = X.shape[1]
        for j in range(Y.shape[1]):
            ok = np.isfinite(Y[:, j])
            x, y = X[ok], Y[ok, j]
            if ok.sum() < MIN_POINTS:
                m = float(np.mean(y)) if y.size else 0.0
                v = float(np.var(y)) if y.size > 1 else 1.0
                self.parts.append(_One(np.r_[m, np.zeros(d)], np.arange(0), 1.0, None, v, v))
                continue
            A = np.column_stack([np.ones(len(x)), x])
            coef = np.linalg.solve(A.T @ A + RIDGE * np.eye(d + 1), A.T @ y)
            resid = y - A @ coef
            scale = float(resid.std()) or 1.0
            active = np.sort(np.argsort(-np.abs(coef[1:]))[:min(ACTIVE, d)])
            kernel = (ConstantKernel(1.0, AMPLITUDE_BOUNDS) * RBF(np.full(active.size, 0.5), LENGTH_SCALE_BOUNDS)
                      + WhiteKernel(NOISE_START, NOISE_BOUNDS))
            gp = GaussianProcessRegressor(kernel, normalize_y=False, n_restarts_optimizer=self.restarts,
                                          random_state=self.seed + j)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(x[:, active], resid / scale)
            noise = float(gp.kernel_.k2.noise_level) * scale ** 2
            self.parts.append(_One(coef, active, scale, gp, noise, float(np.var(resid))))
        return self

    @property
    def noise(self) -> np.ndarray:
        """Run-to-run variance of one replicate per target, shape (m,)."""
        return np.array([p.noise for p in self.parts])

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated mean output and its variance (without run-to-run noise, with ``extra``), each shape (n, m)."""
        n, m = len(X), len(self.parts)
        mean, var = np.empty((n, m)), np.empty((n, m))
        for s in range(0, n, CHUNK):
            x = X[s:s + CHUNK]
            A = np.column_stack([np.ones(len(x)), x])
            for j, p in enumerate(self.parts):
                mean[s:s + CHUNK, j] = A @ p.coef
                if p.gp is None:
                    var[s:s + CHUNK, j] = p.fallback_var
                    continue
                mu, v = p.residual(x)
                mean[s:s + CHUNK, j] += mu * p.scale
                var[s:s + CHUNK, j] = v * p.scale ** 2
        extra = getattr(self, "extra", None)
        return mean, var if extra is None else var + extra
