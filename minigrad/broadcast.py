# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Undo broadcasting: a gradient flowing to a broadcast input is summed back to that input's shape."""

from __future__ import annotations

import numpy as np


def sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `x` over the axes that broadcasting added or stretched, so that the result has `shape`."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"sum_to: cannot sum shape {x.shape} to the larger shape {shape}")
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    if any(n != 1 and x.shape[lead + i] != n for i, n in enumerate(shape)):
        raise ValueError(f"sum_to: shape {x.shape} was not broadcast from {shape}")
    return x.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)
