# Generated from solutions/09_training_well.ipynb by `minigrad-course build` — edit the notebook, not this
# file.


"""Batch normalisation as functions: standardise every channel over the batch, then scale and shift it."""

from __future__ import annotations

import numpy as np

from minigrad.function import Function
from minigrad.tensor import Tensor


def _per_channel(a: np.ndarray, ndim: int) -> np.ndarray:
    """A (C,) vector as (1, C, 1, ...): it broadcasts along channel axis 1 of an input with `ndim` axes."""
    return a.reshape((1, -1) + (1,) * (ndim - 2))


class BatchNormFunction(Function):
    """Training mode: x̂ = (x - mean) / √(var + eps) with the batch's own per-channel mean and (biased)
    variance, then out = x̂ · weight + bias. The statistics depend on x, so the gradient flows through them."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps=1e-5):
        axes = (0, *range(2, x.ndim))  # every axis but the channels
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        inv_std = 1 / np.sqrt(var + eps)
        xhat = centred * inv_std
        out = xhat if weight is None else xhat * _per_channel(weight, x.ndim)
        if bias is not None:
            out = out + _per_channel(bias, x.ndim)
        ctx.save_for_backward(xhat, inv_std, weight)
        ctx.axes = axes
        return out

    @staticmethod
    def backward(ctx, g):
        xhat, inv_std, weight = ctx.saved_tensors
        axes = ctx.axes
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            ghat = g if weight is None else g * _per_channel(weight, g.ndim)
            mean_g = ghat.mean(axis=axes, keepdims=True)
            mean_gx = (ghat * xhat).mean(axis=axes, keepdims=True)
            gx = inv_std * (ghat - mean_g - xhat * mean_gx)
        if ctx.needs_input_grad[1]:
            gw = (g * xhat).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            gb = g.sum(axis=axes)
        return gx, gw, gb


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """PyTorch's F.batch_norm. Training: normalise with the batch's statistics and move the running ones
    toward them (in place). Evaluation: normalise with the running statistics."""
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must be (N, C) or (N, C, ...), got shape {x.shape}")
    c = x.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if t is not None and t.shape != (c,):
            raise ValueError(
                f"batch_norm: {name} must have shape ({c},) for an input with {c} channels, got {t.shape} "
                f"(input {x.shape})"
            )
    if training:
        m = x.numel() // c  # values per channel
        if m < 2:
            raise ValueError(
                "batch_norm: expected more than 1 value per channel when training, got input of shape "
                f"{x.shape}"
            )
        if running_mean is not None and running_var is not None:
            axes = (0, *range(2, x.ndim))
            mean = x.data.mean(axis=axes)
            var = x.data.var(axis=axes) * (m / (m - 1))  # unbiased, as PyTorch keeps it
            running_mean.data = (1 - momentum) * running_mean.data + momentum * mean
            running_var.data = (1 - momentum) * running_var.data + momentum * var
        return BatchNormFunction.apply(x, weight, bias, eps=eps)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
    scale = 1 / np.sqrt(running_var.data + eps)
    out = (x - _per_channel(running_mean.data, x.ndim)) * _per_channel(scale, x.ndim)
    if weight is not None:
        out = out * weight.reshape(_per_channel(weight.data, x.ndim).shape)
    if bias is not None:
        out = out + bias.reshape(_per_channel(bias.data, x.ndim).shape)
    return out
