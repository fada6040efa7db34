"""Central differences: the numerical ground truth every backward in the course is checked against.

Hand-written (not generated from a chapter) because the chapters' checks use it too, and a check must not
depend on the student's own code. Chapter 2 derives the formula; `gradcheck` needs backward (chapter 3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def numerical_grad(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences, (f(x + eps) - f(x - eps)) / 2eps, perturbing `x` in place element by
    element (any memory layout: every element is addressed by its index) and restoring it."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        plus = f()
        x[index] = old - eps
        minus = f()
        x[index] = old
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(
    fn: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Compare backward with central differences for every element of every input that requires grad.

    A non-scalar output is contracted with a fixed random weight first, so one backward checks the whole
    Jacobian-vector product. Raises AssertionError naming the input and element that disagree.
    """
    for i, x in enumerate(inputs):
        if getattr(x, "requires_grad", False) and x.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {x.dtype}; use float64 (central differences need it)")
    out = fn(*inputs)
    weight = np.random.default_rng(seed).standard_normal(out.shape)

    def value() -> float:
        return float((fn(*inputs).data * weight).sum())

    saved = [getattr(x, "grad", None) for x in inputs]
    for x in inputs:
        if getattr(x, "requires_grad", False):
            x.grad = None
    out.backward(weight.astype(out.dtype))
    analytic: list[Any] = [getattr(x, "grad", None) for x in inputs]
    for x, g in zip(inputs, saved, strict=True):
        if getattr(x, "requires_grad", False):
            x.grad = g
    for i, x in enumerate(inputs):
        if not getattr(x, "requires_grad", False):
            continue
        numeric = numerical_grad(value, x.data, eps)
        got = (
            np.zeros_like(numeric) if analytic[i] is None else np.asarray(analytic[i].data, dtype=np.float64)
        )
        if got.shape != numeric.shape:
            raise AssertionError(
                f"gradcheck: input {i} {x.shape}: backward gives a gradient of shape {got.shape}"
            )
        if not np.allclose(got, numeric, atol=atol, rtol=rtol):
            k = np.unravel_index(np.argmax(np.abs(got - numeric)), numeric.shape)
            raise AssertionError(
                f"gradcheck: input {i} {x.shape}, element {tuple(int(j) for j in k)}: "
                f"backward gives {got[k]:.6g}, central differences give {numeric[k]:.6g}"
            )
    return True
