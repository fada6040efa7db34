# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Losses: cross-entropy fused with log-softmax for stability, and mean squared error."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.function import Function
from minigrad.functional.activation import _log_softmax
from minigrad.tensor import Tensor


class CrossEntropy(Function):
    """Mean negative log-likelihood of the target classes, fused with log_softmax: the gradient is
    simply (softmax - onehot) / N, with no division by tiny probabilities."""

    @staticmethod
    def forward(ctx, logits, target):
        n = logits.shape[0]
        logp = _log_softmax(logits, axis=1)
        ctx.save_for_backward(logp, target)
        return np.asarray(-logp[np.arange(n), target].mean(), dtype=logits.dtype)

    @staticmethod
    def backward(ctx, g):
        logp, target = ctx.saved_tensors
        n = logp.shape[0]
        grad = np.exp(logp)
        grad[np.arange(n), target] -= 1
        return grad * (g / n), None


def cross_entropy(logits: Tensor, target: Any) -> Tensor:
    """`logits` (N, C), `target` N class indices of any integer dtype (MNIST labels are uint8)."""
    t = np.asarray(getattr(target, "data", target))
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must have shape (N, C), got {logits.shape}")
    n, c = logits.shape
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != (n,):
        raise ValueError(f"cross_entropy: logits {logits.shape} need targets of shape ({n},), got {t.shape}")
    if n and (t.min() < 0 or t.max() >= c):
        bad = t[(t < 0) | (t >= c)][0]
        raise ValueError(f"cross_entropy: target {bad} is out of range for {c} classes (0..{c - 1})")
    return CrossEntropy.apply(logits, t.astype(np.intp))


def mse_loss(pred: Tensor, target: Any) -> Tensor:
    """Mean squared error; shapes must match exactly (silent broadcasting here is a classic bug)."""
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=pred.dtype))
    if pred.shape != t.shape:
        raise ValueError(f"mse_loss: prediction {pred.shape} and target {t.shape} must have the same shape")
    d = pred - t
    return (d * d).mean()
