# Generated from solutions/01_tensor.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Tensor: an ndarray plus what autograd needs (grad, requires_grad, retain, the call that made it)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import tracer

DEFAULT_DTYPE = np.float32


class Tensor:
    """An n-dimensional array that remembers how it was made, so gradients can flow back to it."""

    __array_ufunc__ = None  # `ndarray + Tensor` must call Tensor.__radd__, not loop over elements
    __slots__ = ("data", "grad", "requires_grad", "retain", "name", "_ctx", "__weakref__")

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        retain: bool = False,
        *,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        self._ctx = None  # the Context of the recorded call that produced this tensor; None for a leaf
        self.data: np.ndarray = as_array(data, dtype)  # set _ctx first: __del__ runs even if this raises
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require grad, got dtype {self.data.dtype}"
                " (convert first, e.g. Tensor(x.astype(np.float32), requires_grad=True))"
            )
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.retain = bool(retain)
        self.name = name

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Fast path for operation outputs: the array is already valid, skip the checks."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.retain = False
        t.name = None
        t._ctx = None
        return t

    # --- what a tensor is ---------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor can become a Python number, got shape {self.shape}"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        return self.data

    def detach(self) -> Tensor:
        """The same data, cut off from the graph (no grad flows through it)."""
        return Tensor._wrap(self.data)

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Fill `.grad` of every leaf this tensor depends on; the Tracer does the work (chapter 3)."""
        tracer.backward(self, grad, retain_graph=retain_graph)

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self) -> str:
        def fmt(a: np.ndarray) -> str:
            return np.array2string(a, precision=4, separator=", ", threshold=20, prefix="Tensor(")

        parts = [fmt(self.data)]
        if self.data.dtype != DEFAULT_DTYPE:
            parts.append(f"dtype={self.data.dtype}")
        if self.requires_grad:
            parts.append("requires_grad=True")
        if self.grad is not None:
            parts.append(f"grad={fmt(self.grad)}")
        return f"Tensor({', '.join(parts)})"

    def __hash__(self) -> int:
        return id(self)

    def __del__(self) -> None:
        if self._ctx is not None:  # a recorded output is gone: its call leaves the Tracer's pool
            tracer.forget(self._ctx)


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Python numbers and lists become float32; NumPy arrays keep their dtype (PyTorch's rule)."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray | np.generic):
        arr = np.asarray(data)
    else:
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise ValueError(f"Tensor: cannot make a tensor from ragged nested lists ({e})") from None
        if arr.dtype.kind in "biuf":
            arr = arr.astype(DEFAULT_DTYPE)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numbers, got {type(data).__name__} with dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _shape(shape: tuple) -> tuple[int, ...]:
    """Accept both zeros(2, 3) and zeros((2, 3)), as NumPy and PyTorch do."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def randn(
    *shape: Any,
    rng: np.random.Generator | int | None = None,
    requires_grad: bool = False,
    dtype: Any = DEFAULT_DTYPE,
) -> Tensor:
    """Standard-normal samples; pass `rng` (a Generator or a seed) to make them repeatable."""
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return Tensor(gen.standard_normal(_shape(shape)).astype(dtype), requires_grad=requires_grad)
