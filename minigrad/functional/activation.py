# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Activations, softmax and the linear layer as plain functions (used by `nn` and by the losses)."""

from __future__ import annotations

import numpy as np

from minigrad.function import Function
from minigrad.ops import ReLU, Sigmoid, Tanh, _axes
from minigrad.tensor import Tensor


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """Subtract the max first: exp never overflows, and log(sum(exp)) stays accurate."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, axis=-1):
        _axes("log_softmax", axis, x.ndim)  # a clear error for a bad axis, naming the op
        out = _log_softmax(x, axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.axis, keepdims=True)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, axis=-1):
        _axes("softmax", axis, x.ndim)  # a clear error for a bad axis, naming the op
        out = np.exp(_log_softmax(x, axis))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.axis, keepdims=True))


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return LogSoftmax.apply(x, axis=axis)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return Softmax.apply(x, axis=axis)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x Wᵀ + b with PyTorch's weight layout (out_features, in_features)."""
    if x.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: input {x.shape} has {x.shape[-1]} features, "
            f"weight {weight.shape} expects {weight.shape[-1]}"
        )
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ValueError(
            f"linear: bias {bias.shape} does not match weight {weight.shape}; expected {weight.shape[:1]}"
        )
    out = x @ weight.T
    return out if bias is None else out + bias
