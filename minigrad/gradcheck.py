# Generated from solutions/02_function.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Central differences: the ground truth every backward is checked against."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from minigrad.tensor import Tensor


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Compare backward with (f(x+eps) - f(x-eps)) / 2eps for every input element that requires grad.

    A non-scalar output is contracted with a fixed random weight first, so one backward checks the whole
    Jacobian-vector product. Raises AssertionError naming the input and element that disagree.
    """
    for i, x in enumerate(inputs):
        if x.requires_grad and x.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {x.dtype}; use float64 (central differences need it)")
    out = fn(*inputs)
    weight = np.random.default_rng(seed).standard_normal(out.shape)

    def value() -> float:
        return float((fn(*inputs).data * weight).sum())

    saved = [x.grad for x in inputs]
    for x in inputs:
        x.grad = None
    out.backward(weight.astype(out.dtype))
    analytic = [x.grad for x in inputs]
    for x, g in zip(inputs, saved, strict=True):
        x.grad = g
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            continue
        numeric = np.zeros_like(x.data)
        flat, num = x.data.reshape(-1), numeric.reshape(-1)  # views: perturbing flat perturbs x.data
        for k in range(flat.size):
            old = flat[k]
            flat[k] = old + eps
            plus = value()
            flat[k] = old - eps
            minus = value()
            flat[k] = old
            num[k] = (plus - minus) / (2 * eps)
        got = np.zeros_like(numeric) if analytic[i] is None else analytic[i]
        if not np.allclose(got, numeric, atol=atol, rtol=rtol):
            k = np.unravel_index(np.argmax(np.abs(got - numeric)), numeric.shape)
            raise AssertionError(
                f"gradcheck: input {i} {x.shape}, element {tuple(int(j) for j in k)}: "
                f"backward gives {got[k]:.6g}, central differences give {numeric[k]:.6g}"
            )
    return True
