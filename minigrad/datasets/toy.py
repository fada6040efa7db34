"""Small 2-D classification data sets, generated (not downloaded) and repeatable from a seed.

Both generators return `(X, y)`: float32 points of shape (N, 2) and int64 class labels of shape (N,),
ordered by class (shuffle when you batch them). Same arguments, same arrays, on every machine: NumPy's
default Generator (PCG64) is fully specified.
"""

from __future__ import annotations

import numpy as np


def spiral(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms (the CS231n data set): not linearly separable, so a linear model fails on it.

    Arm k has radii evenly spaced in [0, 1] and angles in [4k, 4(k+1)] radians plus Gaussian noise of std
    `noise` (in radians), so larger noise blurs the arms into each other.
    """
    if n_per_class < 1 or n_classes < 1:
        raise ValueError(f"spiral: need n_per_class >= 1 and n_classes >= 1, got {n_per_class}, {n_classes}")
    if noise < 0:
        raise ValueError(f"spiral: noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    radius = np.linspace(0.0, 1.0, n_per_class)
    xs, ys = [], []
    for k in range(n_classes):
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + noise * rng.standard_normal(n_per_class)
        xs.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        ys.append(np.full(n_per_class, k, dtype=np.int64))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


def moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (like scikit-learn's make_moons): class 0 on top, class 1 below.

    The upper moon gets `n_samples // 2` points (the extra one of an odd count goes to the lower moon);
    Gaussian noise of std `noise` is added to both coordinates.
    """
    if n_samples < 2:
        raise ValueError(f"moons: need at least 2 samples, got {n_samples}")
    if noise < 0:
        raise ValueError(f"moons: noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    return X.astype(np.float32), y
