# Generated from solutions/04_ops.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Shape operations and indexing: the values stay, their arrangement changes, so backward arranges the
gradient the other way round."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.function import Function, sum_to
from minigrad.ops import reductions
from minigrad.tensor import Tensor


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape=(), view=False):
        ctx.shape = x.shape
        try:
            out = x.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}") from None
        if view and out.size and not np.shares_memory(out, x):
            raise RuntimeError(
                f"view: the elements of this {x.shape} tensor are not laid out in order (after a transpose, "
                f"say), so it cannot be viewed as {shape} without copying; use .reshape(...) instead"
            )
        return out

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims=()):
        n = x.ndim
        valid = [d % max(n, 1) for d in dims if -max(n, 1) <= d < max(n, 1)]
        if len(dims) != n or sorted(valid) != list(range(n)):
            raise ValueError(
                f"permute: {tuple(dims)} is not an order of the {n} dims of a tensor of shape {x.shape}"
            )
        ctx.dims = tuple(valid)
        return x.transpose(ctx.dims)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(np.argsort(ctx.dims))


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = x.shape
        full = tuple(x.shape[i - len(shape) + x.ndim] if n == -1 else n for i, n in enumerate(shape))
        try:
            return np.broadcast_to(x, full)
        except ValueError:
            raise ValueError(
                f"expand: a tensor of shape {x.shape} cannot be expanded to {tuple(shape)}"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.shape)


def _basic(index: Any) -> bool:
    """Slices, ints, None and Ellipsis only: then x[index] is a view and every element is picked once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, int | slice | type(None) | type(Ellipsis)) for p in parts)


def _show(index: Any) -> str:
    """An index as the user wrote it: arrays (from lists or tensors) as lists."""
    if isinstance(index, tuple):
        return "(" + ", ".join(_show(i) for i in index) + ")"
    return repr(index.tolist()) if isinstance(index, np.ndarray) else repr(index)


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index=None):
        ctx.index, ctx.shape = index, x.shape
        try:
            return x[index]
        except IndexError as e:
            raise IndexError(f"getitem: index {_show(index)} does not fit shape {x.shape}: {e}") from None

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        if _basic(ctx.index):
            gx[ctx.index] = g
        else:
            np.add.at(gx, ctx.index, g)  # an element picked twice gets both shares (gx[index] += g would not)
        return gx


class Gather(Function):
    @staticmethod
    def forward(ctx, x, index, dim=0):
        ctx.dim, ctx.shape = dim, x.shape
        ctx.save_for_backward(index)
        return np.take_along_axis(x, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        grid = list(np.indices(index.shape, sparse=True))
        grid[ctx.dim] = index
        np.add.at(gx, tuple(grid), g)
        return gx, None


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        ctx.shapes = np.shape(a), np.shape(b)
        try:
            return np.where(condition, a, b)
        except ValueError:
            raise ValueError(
                f"where: condition {np.shape(condition)}, {np.shape(a)} and {np.shape(b)} cannot be broadcast"
            ) from None

    @staticmethod
    def backward(ctx, g):
        (condition,) = ctx.saved_tensors
        sa, sb = ctx.shapes
        return None, sum_to(np.where(condition, g, 0), sa), sum_to(np.where(condition, 0, g), sb)


class Cat(Function):
    @staticmethod
    def forward(ctx, *xs, dim=0):
        ctx.dim = dim
        ctx.bounds = np.cumsum([x.shape[dim] for x in xs])[:-1]
        try:
            return np.concatenate(xs, axis=dim)
        except ValueError:
            raise ValueError(
                f"cat: shapes {[x.shape for x in xs]} differ outside dim {dim}, they cannot be joined"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return tuple(np.split(g, ctx.bounds, axis=ctx.dim))


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class Cast(Function):
    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype)


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def reshape(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    return Reshape.apply(x, shape=tuple(shape))


def view(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Like reshape, but refuses to copy: the result shares memory with `x` (PyTorch's `view`)."""
    return Reshape.apply(x, shape=tuple(shape), view=True)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, (1,))
    (start,) = reductions.dims("flatten", start_dim, x.ndim)
    (end,) = reductions.dims("flatten", end_dim, x.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, x.shape[:start] + (-1,) + x.shape[end + 1 :])


def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    """Drop size-1 dims (all of them, or those in `dim`; a dim that is not size 1 stays, as in PyTorch)."""
    axes = reductions.dims("squeeze", dim, x.ndim)
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1)))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """A new size-1 dim at position `dim` (counting in the result: -1 appends)."""
    n = x.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a result with {n} dimension(s)")
    dim %= n
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def expand(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    return Expand.apply(x, shape=tuple(shape))


def permute(x: Tensor, dims: tuple[int, ...]) -> Tensor:
    return Permute.apply(x, dims=tuple(dims))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (PyTorch's meaning)."""
    order = list(range(x.ndim))
    (a,) = reductions.dims("transpose", dim0, x.ndim)
    (b,) = reductions.dims("transpose", dim1, x.ndim)
    order[a], order[b] = order[b], order[a]
    return permute(x, tuple(order))


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index] for slices, ints, None, ..., integer tensors/arrays/lists and boolean masks."""
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    elif isinstance(index, list):
        index = np.asarray(index)
    return GetItem.apply(x, index=index)


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for dim=0 (and so on): picks one element per index, as torch.gather."""
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    (axis,) = reductions.dims("gather", dim, x.ndim)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must hold integers, got {idx.dtype}")
    if idx.ndim != x.ndim:
        raise ValueError(f"gather: index {idx.shape} must have as many dims as the input {x.shape}")
    if idx.size and (idx.min() < -x.shape[axis] or idx.max() >= x.shape[axis]):
        raise IndexError(f"gather: an index is out of range for dim {dim} of size {x.shape[axis]}")
    return Gather.apply(x, idx, dim=axis)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """a where condition is true, else b (PyTorch's torch.where(condition, a, b))."""
    c = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if c.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor, got {c.dtype}")
    like = a if isinstance(a, Tensor) else b
    if not isinstance(a, Tensor):
        a = np.asarray(a, dtype=like.dtype) if isinstance(like, Tensor) else np.asarray(a)
    if not isinstance(b, Tensor):
        b = np.asarray(b, dtype=like.dtype) if isinstance(like, Tensor) else np.asarray(b)
    return Where.apply(c, a, b)


def masked_fill(x: Tensor, mask: Any, value: float) -> Tensor:
    """`value` where mask is true, x elsewhere."""
    return where(mask, np.asarray(value, dtype=x.dtype), x)


def cat(tensors: Any, dim: int = 0) -> Tensor:
    xs = [_as_tensor(t) for t in tensors]
    if not xs:
        raise ValueError("cat: needs at least one tensor")
    (axis,) = reductions.dims("cat", dim, xs[0].ndim)
    if any(t.ndim != xs[0].ndim for t in xs):
        raise ValueError(f"cat: all tensors need the same number of dims, got shapes {[t.shape for t in xs]}")
    return Cat.apply(*xs, dim=axis)


def stack(tensors: Any, dim: int = 0) -> Tensor:
    xs = [_as_tensor(t) for t in tensors]
    if not xs:
        raise ValueError("stack: needs at least one tensor")
    if any(t.shape != xs[0].shape for t in xs):
        raise ValueError(f"stack: all tensors need the same shape, got {[t.shape for t in xs]}")
    return cat([unsqueeze(t, dim) for t in xs], dim=dim)


def clone(x: Tensor) -> Tensor:
    return Clone.apply(x)


def cast(x: Tensor, dtype: Any) -> Tensor:
    """Convert to `dtype`; between float types the gradient flows (converted back), to others it stops."""
    target = np.dtype(dtype)
    if target == x.dtype:
        return x
    if target.kind == "f" and x.dtype.kind == "f":
        return Cast.apply(x, dtype=target)
    return Tensor._wrap(x.data.astype(target))
