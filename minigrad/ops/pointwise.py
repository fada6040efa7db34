# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Elementwise functions: each output element depends on one input element, so the local derivative is an
array of the same shape, and backward multiplies by it."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.function import Function, sum_to
from minigrad.ops import reductions
from minigrad.tensor import Tensor


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out > 0)  # 0 at x = 0, as in PyTorch


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        out = 0.5 * (np.tanh(0.5 * x) + 1)  # = 1 / (1 + e^-x), without overflow for large |x|
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors  # d e^x/dx = e^x: the output is all backward needs
        return g * out


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.sign(x)  # 0 at x = 0, as in PyTorch


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * np.sin(x)


class Clamp(Function):
    @staticmethod
    def forward(ctx, x, low=None, high=None):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors  # the gradient passes where x was inside [low, high] (ends included)
        inside = np.ones(x.shape, dtype=bool)
        if ctx.low is not None:
            inside &= x >= ctx.low
        if ctx.high is not None:
            inside &= x <= ctx.high
        return g * inside


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return np.maximum(a, b)
        except ValueError:
            raise ValueError(f"maximum: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast") from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors  # the larger input gets the gradient; equal inputs share it, as in PyTorch
        share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return sum_to(g * share, np.shape(a)), sum_to(g * (1 - share), np.shape(b))


def _float(op: str, x: Tensor) -> Tensor:
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point tensor, got {x.dtype} (use .float() first)")
    return x


def exp(x: Tensor) -> Tensor:
    return Exp.apply(_float("exp", x))


def log(x: Tensor) -> Tensor:
    return Log.apply(_float("log", x))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(_float("sqrt", x))


def absolute(x: Tensor) -> Tensor:
    return Abs.apply(x)


def sin(x: Tensor) -> Tensor:
    return Sin.apply(_float("sin", x))


def cos(x: Tensor) -> Tensor:
    return Cos.apply(_float("cos", x))


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(_float("sigmoid", x))


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(_float("tanh", x))


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002  (PyTorch's names)
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both")
    return Clamp.apply(x, low=min, high=max)


def _pair(a: Any, b: Any) -> tuple[Any, Any]:
    like = a if isinstance(a, Tensor) else b
    if not isinstance(a, Tensor):
        a = np.asarray(a, dtype=like.dtype)
    if not isinstance(b, Tensor):
        b = np.asarray(b, dtype=like.dtype)
    return a, b


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(*_pair(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b)
    return -Maximum.apply(-a, -b)


def log_softmax_array(x: np.ndarray, dim: int) -> np.ndarray:
    """log softmax along `dim` on a NumPy array: subtract the max first, so exp never overflows."""
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim=-1):
        out = log_softmax_array(x, dim)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.dim, keepdims=True)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim=-1):
        out = np.exp(log_softmax_array(x, dim))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors  # d softmax: s · (g - Σ g·s)
        return out * (g - (g * out).sum(axis=ctx.dim, keepdims=True))


def softmax(x: Tensor, dim: int) -> Tensor:
    (axis,) = reductions.dims("softmax", dim, x.ndim)
    return Softmax.apply(_float("softmax", x), dim=axis)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    (axis,) = reductions.dims("log_softmax", dim, x.ndim)
    return LogSoftmax.apply(_float("log_softmax", x), dim=axis)
