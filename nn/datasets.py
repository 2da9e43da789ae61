"""Small synthetic data sets generated with NumPy (no downloads)."""

from __future__ import annotations

import numpy as np

__all__ = ["make_moons"]


def make_moons(
    n_samples: int = 100, noise: float = 0.0, random_state: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, the classic non-linearly separable toy problem.

    Returns ``X`` of shape ``(n_samples, 2)`` (float64) and labels ``y`` of shape
    ``(n_samples,)`` (int64, 0 for the upper moon, 1 for the lower one).
    The upper moon is ``(cos t, sin t)``, the lower ``(1 - cos t, 0.5 - sin t)``,
    ``t`` in ``[0, pi]``; Gaussian noise of std ``noise`` is added to both coordinates.
    """
    if n_samples < 2:
        raise ValueError(f"make_moons: n_samples must be >= 2, got {n_samples}")
    rng = np.random.default_rng(random_state)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_up = np.linspace(0.0, np.pi, n_upper)
    t_lo = np.linspace(0.0, np.pi, n_lower)
    X = np.concatenate(
        [
            np.stack([np.cos(t_up), np.sin(t_up)], axis=1),
            np.stack([1.0 - np.cos(t_lo), 0.5 - np.sin(t_lo)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    perm = rng.permutation(n_samples)
    return X[perm], y[perm]
