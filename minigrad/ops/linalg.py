# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""The matrix product, with NumPy's (and PyTorch's) batch broadcasting."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.function import Function, lift, sum_to
from minigrad.tensor import Tensor


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: both operands need at least one dimension")
        k_a, k_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: inner sizes {k_a} and {k_b} differ")
        try:
            out = a @ b
        except ValueError:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: batch dimensions cannot be broadcast") from None
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        # Work with at least 2-D operands so the rule is the same everywhere: dA = g Bᵀ, dB = Aᵀ g.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        g2 = g.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            if a.ndim == b.ndim == 2 and b.flags.f_contiguous and not b.flags.c_contiguous:
                gb = (g2.T @ a2).T  # b is a transposed matrix (linear's Wᵀ): the gradient in b's memory order
            else:
                gb = sum_to(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    if not isinstance(a, Tensor):
        a = lift(a, b, "matmul")
    elif not isinstance(b, Tensor):
        b = lift(b, a, "matmul")
    return MatMul.apply(a, b)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """The product of two matrices (2-D only, unlike matmul)."""
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: both operands must be matrices (2-D), got {a.shape} and {b.shape}")
    return matmul(a, b)
