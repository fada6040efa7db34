# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Reductions, shape operations, matmul and elementwise functions, each with its local derivative."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.broadcast import sum_to
from minigrad.function import Function, lift
from minigrad.tensor import Tensor

Axis = int | tuple[int, ...] | None


def _axes(op: str, axis: Axis, ndim: int) -> tuple[int, ...]:
    """Normalise `axis` to a sorted tuple of non-negative axes, with a clear error when out of range."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimension(s)")
    return tuple(sorted(a % ndim for a in axes))


def _expand(g: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Put back the reduced axes as size-1 axes, so `g` broadcasts against the input."""
    return g if keepdims else np.expand_dims(g, axes)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes, ctx.keepdims, ctx.shape = _axes("sum", axis, x.ndim), keepdims, x.shape
        return x.sum(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return np.broadcast_to(_expand(g, ctx.axes, ctx.keepdims), ctx.shape)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes, ctx.keepdims, ctx.shape = _axes("mean", axis, x.ndim), keepdims, x.shape
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return x.mean(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return np.broadcast_to(_expand(g, ctx.axes, ctx.keepdims) / ctx.count, ctx.shape)


class Max(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        if x.size == 0:
            raise ValueError("max: cannot take the max of an empty tensor")
        ctx.axes, ctx.keepdims = _axes("max", axis, x.ndim), keepdims
        out = x.max(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x, out)
        return out if keepdims else np.squeeze(out, ctx.axes)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        hit = x == out  # ties share the gradient equally, so the total stays g
        count = hit.sum(axis=ctx.axes, keepdims=True, dtype=g.dtype)  # g's dtype: float32 grads stay float32
        return hit * (_expand(g, ctx.axes, ctx.keepdims) / count)


Tensor.sum = lambda self, axis=None, keepdims=False: Sum.apply(self, axis=axis, keepdims=keepdims)


Tensor.mean = lambda self, axis=None, keepdims=False: Mean.apply(self, axis=axis, keepdims=keepdims)


Tensor.max = lambda self, axis=None, keepdims=False: Max.apply(self, axis=axis, keepdims=keepdims)


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Transpose(Function):
    @staticmethod
    def forward(ctx, x, axes=None):
        if axes is not None:
            n = x.ndim
            if any(not -n <= a < n for a in axes) or sorted(a % n for a in axes) != list(range(n)):
                raise ValueError(
                    f"transpose: axes {tuple(axes)} are not a permutation of the {n} axes of {x.shape}"
                )
            axes = tuple(a % n for a in axes)  # non-negative, so that argsort inverts the permutation
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(None if ctx.axes is None else np.argsort(ctx.axes))


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.shape, ctx.dtype = index, x.shape, x.dtype
        try:
            return x[index]
        except IndexError as e:
            raise IndexError(f"getitem: index {index!r} does not fit shape {x.shape}: {e}") from None

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(gx, ctx.index, g)  # repeated indices each add their share, unlike gx[index] += g
        return gx


def _reshape(self: Tensor, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    return Reshape.apply(self, shape=shape)


def _transpose(self: Tensor, *axes: Any) -> Tensor:
    if len(axes) == 1 and isinstance(axes[0], tuple | list):
        axes = tuple(axes[0])
    return Transpose.apply(self, axes=axes or None)


Tensor.reshape = _reshape


Tensor.transpose = _transpose


Tensor.T = property(lambda self: Transpose.apply(self))


Tensor.__getitem__ = lambda self, index: GetItem.apply(
    self, index=index.data if isinstance(index, Tensor) else index
)


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
            gb = sum_to(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


def _matmul(self: Tensor, other: Any) -> Tensor:
    return MatMul.apply(self, lift(other, self, "matmul"))


def _rmatmul(self: Tensor, other: Any) -> Tensor:
    return MatMul.apply(lift(other, self, "matmul"), self)


Tensor.__matmul__ = _matmul


Tensor.__rmatmul__ = _rmatmul


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
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


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out > 0)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        # tanh form: no overflow for large |x|, unlike 1 / (1 + exp(-x))
        out = 0.5 * (np.tanh(0.5 * x) + 1)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


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


Tensor.exp = lambda self: Exp.apply(self)


Tensor.log = lambda self: Log.apply(self)


Tensor.relu = lambda self: ReLU.apply(self)


Tensor.sigmoid = lambda self: Sigmoid.apply(self)


Tensor.tanh = lambda self: Tanh.apply(self)
