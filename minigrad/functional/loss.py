# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Losses: cross-entropy fused with log-softmax for stability, negative log-likelihood, binary cross-entropy
and mean squared error, with PyTorch's `reduction` ('mean', 'sum' or 'none')."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import ops
from minigrad.function import Function
from minigrad.ops.pointwise import log_softmax_array
from minigrad.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _reduce(op: str, losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _class_targets(op: str, logits: Tensor, target: Any) -> np.ndarray:
    """Integer class indices of shape (N,) for logits (N, C), with errors that name what is wrong."""
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if logits.ndim != 2:
        raise ValueError(f"{op}: input must have shape (N, C), got {logits.shape}")
    n, c = logits.shape
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != (n,):
        raise ValueError(f"{op}: input {logits.shape} needs targets of shape ({n},), got {t.shape}")
    if n and (t.min() < 0 or t.max() >= c):
        bad = t[(t < 0) | (t >= c)][0]
        raise ValueError(f"{op}: target {bad} is out of range for {c} classes (0..{c - 1})")
    return t.astype(np.intp)


class CrossEntropy(Function):
    """Per-example negative log-likelihood of the target class, fused with log_softmax: the gradient is
    simply softmax - onehot, with no division by tiny probabilities."""

    @staticmethod
    def forward(ctx, logits, target):
        logp = log_softmax_array(logits, 1)
        ctx.save_for_backward(logp, target)
        return -logp[np.arange(len(target)), target]

    @staticmethod
    def backward(ctx, g):
        logp, target = ctx.saved_tensors
        grad = np.exp(logp)
        grad[np.arange(len(target)), target] -= 1
        return grad * g[:, None], None


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """`input` logits (N, C); `target` N class indices of any integer dtype (MNIST labels are uint8), or class
    probabilities of the same shape as `input`."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind == "f" and t.shape == input.shape:
        target_p = Tensor._wrap(t.astype(input.dtype, copy=False))
        return _reduce("cross_entropy", -(ops.log_softmax(input, 1) * target_p).sum(1), reduction)
    losses = CrossEntropy.apply(input, _class_targets("cross_entropy", input, t))
    return _reduce("cross_entropy", losses, reduction)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Negative log-likelihood of the target class, for log-probabilities (e.g. from log_softmax)."""
    t = _class_targets("nll_loss", input, target)
    return _reduce("nll_loss", -ops.gather(input, 1, t[:, None].astype(np.int64)).squeeze(1), reduction)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error; shapes must match exactly (silent broadcasting here is a classic bug)."""
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=input.dtype))
    if input.shape != t.shape:
        raise ValueError(f"mse_loss: input {input.shape} and target {t.shape} must have the same shape")
    d = input - t
    return _reduce("mse_loss", d * d, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=input.dtype))
    if input.shape != t.shape:
        raise ValueError(f"l1_loss: input {input.shape} and target {t.shape} must have the same shape")
    return _reduce("l1_loss", (input - t).abs(), reduction)


def _same_shape_target(op: str, input: Tensor, target: Any) -> Tensor:  # noqa: A002
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=input.dtype))
    if t.shape != input.shape:
        raise ValueError(f"{op}: input {input.shape} and target {t.shape} must have the same shape")
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: targets must be floats (probabilities), got {t.dtype}")
    return t


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """-(y log p + (1 - y) log(1 - p)) for probabilities p; each log is clamped at -100, as in PyTorch."""
    if input.data.size and (input.data.min() < 0 or input.data.max() > 1):
        raise ValueError(
            "binary_cross_entropy: input must hold probabilities in [0, 1] (use ..._with_logits)"
        )
    y = _same_shape_target("binary_cross_entropy", input, target)
    losses = -(y * input.log().clamp(min=-100) + (1 - y) * (1 - input).log().clamp(min=-100))
    return _reduce("binary_cross_entropy", losses, reduction)


class BCEWithLogits(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))  # no overflow for large |x|

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        p = 0.5 * (np.tanh(0.5 * x) + 1)
        return g * (p - y), g * -x


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """binary_cross_entropy(sigmoid(x), y), computed stably from the logits x."""
    y = _same_shape_target("binary_cross_entropy_with_logits", input, target)
    return _reduce("binary_cross_entropy_with_logits", BCEWithLogits.apply(input, y), reduction)
