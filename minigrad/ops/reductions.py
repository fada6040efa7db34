# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Reductions: sum, mean, max and min, and what is built from them (var, std, logsumexp, norm)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from minigrad.function import Function
from minigrad.ops import pointwise, shapes
from minigrad.tensor import Tensor

Dim = int | tuple[int, ...] | list[int] | None


def dims(op: str, dim: Dim, ndim: int) -> tuple[int, ...]:
    """Normalise `dim` to a sorted tuple of non-negative axes, with a clear error when out of range."""
    if dim is None:
        return tuple(range(ndim))
    axes = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    n = ndim or 1  # a 0-d tensor accepts dim 0 and -1, as in PyTorch
    for a in axes:
        if not -n <= a < n:
            raise IndexError(f"{op}: dim {a} is out of range for a tensor with {ndim} dimension(s)")
    return tuple(sorted({int(a) % n for a in axes})) if ndim else ()


def _unreduce(g: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
    """Put the reduced axes back as size-1 axes, so `g` broadcasts against the input."""
    return g if keepdim else np.expand_dims(g, axes)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim, ctx.shape = dims("sum", dim, x.ndim), keepdim, x.shape
        return x.sum(axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return np.broadcast_to(_unreduce(g, ctx.axes, ctx.keepdim), ctx.shape)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim, ctx.shape = dims("mean", dim, x.ndim), keepdim, x.shape
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return x.mean(axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return np.broadcast_to(_unreduce(g, ctx.axes, ctx.keepdim) / ctx.count, ctx.shape)


class Amax(Function):
    """The largest value along `dim`; equal maxima share the gradient evenly (torch.amax)."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        if x.size == 0:
            raise ValueError("amax: the tensor is empty, it has no largest element")
        ctx.axes, ctx.keepdim = dims("amax", dim, x.ndim), keepdim
        out = x.max(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x, out)
        return out if keepdim else np.squeeze(out, ctx.axes)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        hit = x == out
        count = hit.sum(axis=ctx.axes, keepdims=True, dtype=g.dtype)
        return hit * (_unreduce(g, ctx.axes, ctx.keepdim) / count)


def tensor_sum(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    return Sum.apply(x, dim=dim, keepdim=keepdim)


def mean(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    if x.dtype.kind != "f":
        raise TypeError(f"mean: needs a floating-point tensor, got {x.dtype} (use .float() first)")
    return Mean.apply(x, dim=dim, keepdim=keepdim)


def amax(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    return Amax.apply(x, dim=dim, keepdim=keepdim)


def amin(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    return -Amax.apply(-x, dim=dim, keepdim=keepdim)


class ValuesIndices(NamedTuple):
    """What `max(dim)` and `min(dim)` return, as in PyTorch: `values, indices = x.max(1)`."""

    values: Tensor
    indices: Tensor


def _arg(op: str, x: Tensor, dim: int | None, keepdim: bool, pick: Any) -> Tensor:
    if x.data.size == 0:
        raise ValueError(f"{op}: the tensor is empty")
    if dim is None:
        return Tensor._wrap(np.asarray(pick(x.data.reshape(-1)), dtype=np.int64))
    (axis,) = dims(op, dim, x.ndim)
    return Tensor._wrap(np.asarray(pick(x.data, axis=axis, keepdims=keepdim), dtype=np.int64))


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) largest value; int64, never differentiated."""
    return _arg("argmax", x, dim, keepdim, np.argmax)


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _arg("argmin", x, dim, keepdim, np.argmin)


def _max_or_min(op: str, x: Tensor, dim: Any, keepdim: bool) -> Any:
    if isinstance(dim, Tensor):  # torch.max(a, b): elementwise
        return pointwise.maximum(x, dim) if op == "max" else pointwise.minimum(x, dim)
    if dim is None:
        return amax(x) if op == "max" else amin(x)
    if isinstance(dim, tuple | list):
        raise TypeError(f"{op}: dim must be one int (for several dims use amax/amin)")
    indices = _arg(op, x, dim, True, np.argmax if op == "max" else np.argmin)
    values = shapes.gather(x, dim, indices)  # the gradient goes to that one element, as in PyTorch
    if not keepdim:
        values, indices = shapes.squeeze(values, dim), shapes.squeeze(indices, dim)
    return ValuesIndices(values, indices)


def tensor_max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """max() → the largest element; max(dim) → (values, indices); max(other) → elementwise maximum."""
    return _max_or_min("max", x, dim, keepdim)


def tensor_min(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    return _max_or_min("min", x, dim, keepdim)


def var(x: Tensor, dim: Dim = None, keepdim: bool = False, correction: int = 1) -> Tensor:
    """Variance with Bessel's correction by default (PyTorch's `unbiased=True`)."""
    axes = dims("var", dim, x.ndim)
    n = int(np.prod([x.shape[a] for a in axes]))
    d = x - mean(x, axes, keepdim=True)
    return tensor_sum(d * d, axes, keepdim) / (n - correction if n > correction else 0)


def std(x: Tensor, dim: Dim = None, keepdim: bool = False, correction: int = 1) -> Tensor:
    return var(x, dim, keepdim, correction) ** 0.5


def logsumexp(x: Tensor, dim: Dim, keepdim: bool = False) -> Tensor:
    """log Σ exp(x), computed as m + log Σ exp(x - m) with m the maximum: no overflow."""
    axes = dims("logsumexp", dim, x.ndim)
    m = amax(x, axes, keepdim=True).detach()
    out = m + (x - m).exp().sum(axes, keepdim=True).log()
    return out if keepdim else out.squeeze(axes)


class Norm2(Function):
    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim = dims("norm", dim, x.ndim), keepdim
        out = np.sqrt((x * x).sum(axis=ctx.axes, keepdims=True))
        ctx.save_for_backward(x, out)
        return out if keepdim else np.squeeze(out, ctx.axes)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors  # d|x|/dx = x / |x|, taken as 0 at x = 0 (as PyTorch does)
        scale = np.divide(_unreduce(g, ctx.axes, ctx.keepdim), out, out=np.zeros_like(out), where=out != 0)
        return x * scale


def norm(x: Tensor, p: Any = 2, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """The 2-norm (PyTorch's default, "fro" for matrices) or the 1-norm along `dim` (all dims by default)."""
    if p in (2, "fro"):
        return Norm2.apply(x, dim=dim, keepdim=keepdim)
    if p == 1:
        return tensor_sum(x.abs(), dim, keepdim)
    raise NotImplementedError(f"norm: p={p!r} is not supported (use p=2 or p=1)")
