# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Activations, softmax and the linear layer as functions of tensors (torch.nn.functional's names)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import ops
from minigrad.function import Function
from minigrad.tensor import Tensor


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002  (PyTorch's argument name)
    if inplace:
        raise NotImplementedError("relu: minigrad has no in-place activations; use relu(x) (inplace=False)")
    return ops.relu(input)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return ops.tanh(input)


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, x, slope=0.01):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * np.asarray(slope, dtype=x.dtype))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, g, g * np.asarray(ctx.slope, dtype=g.dtype))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    if inplace:
        raise NotImplementedError("leaky_relu: minigrad has no in-place activations; use inplace=False")
    return LeakyReLU.apply(input, slope=negative_slope)


def _need_dim(op: str, dim: Any) -> int:
    if dim is None:
        raise TypeError(
            f"{op}: give dim= (the dimension that sums to 1); PyTorch's implicit choice is deprecated"
        )
    return dim


def softmax(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    return ops.softmax(input, _need_dim("softmax", dim))


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    return ops.log_softmax(input, _need_dim("log_softmax", dim))


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """x Wᵀ + b with PyTorch's weight layout (out_features, in_features)."""
    if input.shape[-1:] != weight.shape[-1:]:
        raise ValueError(
            f"linear: input {input.shape} has {input.shape[-1] if input.ndim else 0} features, "
            f"weight {weight.shape} expects {weight.shape[-1]}"
        )
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ValueError(
            f"linear: bias {bias.shape} does not match weight {weight.shape}; expected {weight.shape[:1]}"
        )
    out = input @ weight.T
    return out if bias is None else out + bias
