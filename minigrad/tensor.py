# Generated from solutions/01_tensor.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Tensor: an ndarray plus what autograd needs (grad, requires_grad, the call that made it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

DEFAULT_DTYPE = np.dtype(np.float32)  # what Python floats become, as in PyTorch
Dim = int | tuple[int, ...] | None


class Arithmetic:
    """+ - * / ** and their methods: minigrad/function.py (chapter 2)."""

    __slots__ = ()

    def __add__(self, other: Any) -> Tensor:
        return function.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return function.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return function.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return function.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return function.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return function.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return function.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return function.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return function.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return function.pow(other, self)

    def __neg__(self) -> Tensor:
        return function.neg(self)

    def __pos__(self) -> Any:
        return self

    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        return function.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        return function.sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        return function.mul(self, other)

    def div(self, other: Any) -> Tensor:
        return function.div(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return function.pow(self, exponent)

    def neg(self) -> Tensor:
        return function.neg(self)


class Autograd:
    """backward() and in-place updates (which are allowed only where no gradient can go wrong):
    minigrad/autograd.py (chapter 3)."""

    __slots__ = ()

    def backward(self, gradient: Any = None, retain_graph: bool = False, *, grad: Any = None) -> None:
        """Fill `.grad` of every leaf this tensor depends on (`grad=` is the course's older name)."""
        autograd.backward(self, gradient if gradient is not None else grad, retain_graph=retain_graph)

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return autograd.update_(self, "add_", np.add, other, alpha)

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return autograd.update_(self, "sub_", np.subtract, other, alpha)

    def mul_(self, other: Any) -> Tensor:
        return autograd.update_(self, "mul_", np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        return autograd.update_(self, "div_", np.true_divide, other)

    def zero_(self) -> Tensor:
        return autograd.update_(self, "zero_", _assign, 0)

    def fill_(self, value: Any) -> Tensor:
        return autograd.update_(self, "fill_", _assign, value)

    def copy_(self, src: Any) -> Tensor:
        return autograd.update_(self, "copy_", _assign, src)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002  (PyTorch's names)
        def clip(a: np.ndarray, _: Any, out: np.ndarray, casting: Any) -> np.ndarray:
            return np.clip(a, min, max, out=out, casting=casting)

        return autograd.update_(self, "clamp_", clip, None)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        autograd.setitem_(self, index, value)


class Operations:
    """Reductions, shapes, indexing, elementwise functions, matmul, conversions: minigrad/ops (chapter 4)."""

    __slots__ = ()
    data: np.ndarray

    # --- reductions -----------------------------------------------------------------------------------------
    def sum(
        self, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool = False
    ) -> Tensor:
        return ops.sum(self, _alias(dim, axis), keepdim or keepdims)

    def mean(
        self, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None, keepdims: bool = False
    ) -> Tensor:
        return ops.mean(self, _alias(dim, axis), keepdim or keepdims)

    def var(self, dim: Dim = None, keepdim: bool = False, *, unbiased: bool = True) -> Tensor:
        return ops.var(self, dim, keepdim, 1 if unbiased else 0)

    def std(self, dim: Dim = None, keepdim: bool = False, *, unbiased: bool = True) -> Tensor:
        return ops.std(self, dim, keepdim, 1 if unbiased else 0)

    def amax(self, dim: Dim = None, keepdim: bool = False) -> Tensor:
        return ops.amax(self, dim, keepdim)

    def amin(self, dim: Dim = None, keepdim: bool = False) -> Tensor:
        return ops.amin(self, dim, keepdim)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: int | None = None) -> Any:
        """max() → the largest element; max(dim) → (values, indices), as in PyTorch; max(t) → elementwise."""
        return ops.max(self, _alias(dim, axis), keepdim)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: int | None = None) -> Any:
        return ops.min(self, _alias(dim, axis), keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return ops.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return ops.argmin(self, dim, keepdim)

    def logsumexp(self, dim: Dim, keepdim: bool = False) -> Tensor:
        return ops.logsumexp(self, dim, keepdim)

    def norm(self, p: float = 2, dim: Dim = None, keepdim: bool = False) -> Tensor:
        return ops.norm(self, p, dim, keepdim)

    # --- shapes and indexing --------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        return ops.reshape(self, _shape(shape))

    def view(self, *shape: Any) -> Tensor:
        return ops.view(self, _shape(shape))

    def view_as(self, other: Tensor) -> Tensor:
        return ops.view(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: Dim = None) -> Tensor:
        return ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        return ops.expand(self, _shape(sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        return ops.expand(self, other.shape)

    def permute(self, *dims: Any) -> Tensor:
        return ops.permute(self, _shape(dims))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions (PyTorch's meaning; NumPy's `transpose(axes)` is `permute`)."""
        return ops.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        if self.data.ndim > 2:
            raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {self.data.shape}")
        return ops.permute(self, tuple(range(self.data.ndim))[::-1])

    @property
    def T(self) -> Tensor:  # noqa: N802  (PyTorch's name)
        """All dimensions reversed (for a matrix: its transpose)."""
        return ops.permute(self, tuple(range(self.data.ndim))[::-1])

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def gather(self, dim: int, index: Any) -> Tensor:
        return ops.gather(self, dim, index)

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        return ops.masked_fill(self, mask, value)

    def where(self, condition: Any, other: Any) -> Tensor:
        return ops.where(condition, self, other)

    def clone(self) -> Tensor:
        return ops.clone(self)

    def contiguous(self) -> Any:
        return self if self.data.flags.c_contiguous else ops.clone(self)

    # --- elementwise functions and matrix products ---------------------------------------------------------
    def exp(self) -> Tensor:
        return ops.exp(self)

    def log(self) -> Tensor:
        return ops.log(self)

    def sqrt(self) -> Tensor:
        return ops.sqrt(self)

    def abs(self) -> Tensor:
        return ops.abs(self)

    def sin(self) -> Tensor:
        return ops.sin(self)

    def cos(self) -> Tensor:
        return ops.cos(self)

    def relu(self) -> Tensor:
        return ops.relu(self)

    def sigmoid(self) -> Tensor:
        return ops.sigmoid(self)

    def tanh(self) -> Tensor:
        return ops.tanh(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002  (PyTorch's names)
        return ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        return ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return ops.minimum(self, other)

    def softmax(self, dim: int) -> Tensor:
        return ops.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        return ops.log_softmax(self, dim)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def matmul(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def mm(self, other: Any) -> Tensor:
        return ops.mm(self, other)

    # --- conversions ----------------------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Any:
        """`to(dtype)` converts (differentiably between float types); `to("cpu")` is the tensor itself."""
        target = kwargs.pop("dtype", None)
        for arg in (*args, kwargs.pop("device", None)):
            if arg is None:
                continue
            if isinstance(arg, device) or (isinstance(arg, str) and not _is_dtype_name(arg)):
                device(str(arg))  # raises for anything but the CPU
            else:
                target = arg
        if kwargs:
            raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
        return self if target is None else ops.cast(self, target)

    def type_as(self, other: Tensor) -> Tensor:
        return ops.cast(self, other.dtype)

    def float(self) -> Tensor:
        return ops.cast(self, np.float32)

    def double(self) -> Tensor:
        return ops.cast(self, np.float64)

    def half(self) -> Tensor:
        return ops.cast(self, np.float16)

    def long(self) -> Tensor:
        return ops.cast(self, np.int64)

    def int(self) -> Tensor:
        return ops.cast(self, np.int32)

    def bool(self) -> Tensor:
        return ops.cast(self, np.bool_)

    def cpu(self) -> Any:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        raise RuntimeError("cuda: minigrad runs on the CPU only (NumPy)")


class Comparisons:
    """== != < <= > >=: elementwise, with broadcasting, giving bool tensors that never require grad."""

    __slots__ = ()
    data: np.ndarray

    def _compare(self, other: Any, op: Any, symbol: str) -> Tensor:
        b = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor._wrap(np.asarray(op(self.data, b)))
        except ValueError:
            raise ValueError(
                f"{symbol}: shapes {self.data.shape} and {np.shape(b)} cannot be broadcast together"
            ) from None

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal, "==")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal, "!=")

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less, "<")

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater, ">")

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal, ">=")

    def eq(self, other: Any) -> Tensor:
        return self == other

    def ne(self, other: Any) -> Tensor:
        return self != other

    def lt(self, other: Any) -> Tensor:
        return self < other

    def le(self, other: Any) -> Tensor:
        return self <= other

    def gt(self, other: Any) -> Tensor:
        return self > other

    def ge(self, other: Any) -> Tensor:
        return self >= other

    def all(self) -> Tensor:
        return Tensor._wrap(np.asarray(self.data.all()))

    def any(self) -> Tensor:
        return Tensor._wrap(np.asarray(self.data.any()))


class device:  # noqa: N801  (PyTorch's spelling: torch.device)
    """Where a tensor's data lives. minigrad computes with NumPy, so the only device is the CPU."""

    def __init__(self, type: str = "cpu") -> None:  # noqa: A002  (PyTorch's argument name)
        if str(type).split(":")[0] != "cpu":
            raise RuntimeError(f"device: minigrad runs on the CPU only (NumPy), not on {type!r}")
        self.type = "cpu"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device | str) and str(other).split(":")[0] == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")

    def __str__(self) -> str:
        return "cpu"

    def __repr__(self) -> str:
        return "device(type='cpu')"


class Tensor(Comparisons, Arithmetic, Autograd, Operations):
    """An n-dimensional array that remembers how it was made, so gradients can flow back to it."""

    __slots__ = ("_data", "_grad", "requires_grad", "name", "_ctx", "_version", "_retain", "__weakref__")

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        retain: bool = False,
        *,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        self._data: np.ndarray = as_array(data, dtype)
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require grad, got dtype {self.data.dtype}"
                " (convert first, e.g. Tensor(x, dtype=np.float32, requires_grad=True))"
            )
        self._grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._ctx: Any = None  # the Context of the recorded call that made this tensor; None for a leaf
        self._version = 0  # the count of in-place updates when this tensor was last changed (chapter 3)
        self._retain = bool(retain)

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Fast path for operation outputs: the array is already valid, skip the checks."""
        t = object.__new__(cls)
        t._data = data
        t._grad = None
        t.requires_grad = requires_grad
        t.name = None
        t._ctx = None
        t._version = 0
        t._retain = False
        return t

    # --- what a tensor is -----------------------------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The NumPy array with the values."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if isinstance(value, Tensor):  # `p.data = p.data - lr * p.grad`: a tensor's values, as in PyTorch
            value = value._data
        if not isinstance(value, np.ndarray):
            raise TypeError(f"data: must be a NumPy array (or a Tensor), got {type(value).__name__}")
        self._data = value

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> device:
        return device("cpu")

    @property
    def grad(self) -> Tensor | None:
        """The gradient after backward: a Tensor of this tensor's shape and dtype, or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            if not isinstance(
                value, Tensor
            ):  # an array: a convenience of the course (PyTorch wants a Tensor)
                value = Tensor._wrap(np.asarray(value, dtype=self.data.dtype))
            if value.shape != self.data.shape or value.dtype != self.data.dtype:
                raise RuntimeError(
                    f"grad: a tensor of shape {self.shape} and dtype {self.dtype} cannot take a gradient of "
                    f"shape {value.shape} and dtype {value.dtype}"
                )
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        """Made by the user, not by a recorded operation: backward fills only leaves' `.grad`."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Any:
        """The recorded call that made this tensor (PyTorch's name for `_ctx`), or None for a leaf."""
        return self._ctx

    @property
    def retain(self) -> bool:
        """Keep `.grad` of this non-leaf after backward (PyTorch: `retain_grad()`)."""
        return self._retain

    @retain.setter
    def retain(self, value: bool) -> None:
        self._retain = bool(value)

    def retain_grad(self) -> None:
        self._retain = True

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the length of one dimension (PyTorch's `size()`; NumPy's `size` is `numel()`)."""
        if dim is None:
            return self.data.shape
        return self.data.shape[_dim("size", dim, self.data.ndim)]

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    # --- talking to Python and NumPy ------------------------------------------------------------------------
    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor can become a Python number, got shape {self.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"bool: a tensor with {self.data.size} elements is ambiguous as a truth value; "
                "use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(
                f"index: only a one-element integer tensor can be used as an index, got {self.dtype} "
                f"of shape {self.shape}"
            )
        return int(self.data.item())

    def numpy(self) -> np.ndarray:
        """The data array itself (shared, not a copy), like PyTorch; refused while gradients are tracked."""
        if self.requires_grad:
            raise RuntimeError(
                "numpy: can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
            )
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """Lets np.asarray(tensor) work, with PyTorch's rule: not for tensors that require grad."""
        if self.requires_grad:
            raise RuntimeError(
                "can't convert a tensor that requires grad to a NumPy array; use tensor.detach() first"
            )
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy meets a tensor. `ndarray + t` and `np.exp(t)` run minigrad's operation, so they are recorded;
        an `out=` array (`p.data -= lr * p.grad`, PyTorch's old idiom) is computed on the tensors' data; any
        other NumPy function works on tensors that need no gradient, as in PyTorch."""
        out = kwargs.get("out")
        operation = _NUMPY_OPERATIONS.get(ufunc.__name__)
        if out is None and method == "__call__" and not kwargs and operation is not None:
            return operation(*inputs)
        if out is not None and any(isinstance(o, Tensor) for o in out):
            raise TypeError(f"np.{ufunc.__name__}: out= must be a NumPy array (use the in-place methods)")
        if out is None and any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
            raise TypeError(
                f"np.{ufunc.__name__}: NumPy cannot record a computation on a tensor that requires grad; "
                "use the tensor's own methods (t.exp(), t.sum()), or t.detach() first"
            )
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        result = getattr(ufunc, method)(*arrays, **kwargs)
        return result if out is not None else Tensor._wrap(np.asarray(result))

    def detach(self) -> Tensor:
        """The same data, cut off from the graph (no gradient flows through it)."""
        return Tensor._wrap(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError(
                "requires_grad_: only a leaf's flag can be changed; use detach() to make a new leaf"
            )
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad_: only floating-point tensors can require grad, not {self.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    __hash__ = object.__hash__  # by identity: defining == above took away the inherited hash

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" works for a 0-d tensor, as in PyTorch."""
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        return super().__format__(spec)

    def __repr__(self) -> str:
        def fmt(a: np.ndarray) -> str:
            return np.array2string(a, precision=4, separator=", ", threshold=20, prefix="Tensor(")

        parts = [fmt(self.data)]
        if self.data.dtype != DEFAULT_DTYPE:
            parts.append(f"dtype={self.data.dtype}")
        if self.requires_grad:
            parts.append("requires_grad=True")
        if self._grad is not None:
            parts.append(f"grad={fmt(self._grad.data)}")
        return f"Tensor({', '.join(parts)})"


# NumPy's ufuncs that minigrad has (by name: the modules are looked up when called)
_NUMPY_OPERATIONS: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: function.add(a, b),
    "subtract": lambda a, b: function.sub(a, b),
    "multiply": lambda a, b: function.mul(a, b),
    "divide": lambda a, b: function.div(a, b),
    "power": lambda a, b: function.pow(a, b),
    "negative": lambda a: function.neg(a),
    "matmul": lambda a, b: ops.matmul(a, b),
    "exp": lambda a: ops.exp(a),
    "log": lambda a: ops.log(a),
    "sqrt": lambda a: ops.sqrt(a),
    "absolute": lambda a: ops.abs(a),
    "sin": lambda a: ops.sin(a),
    "cos": lambda a: ops.cos(a),
    "tanh": lambda a: ops.tanh(a),
    "maximum": lambda a, b: ops.maximum(a, b),
    "minimum": lambda a, b: ops.minimum(a, b),
    "equal": lambda a, b: b == a if isinstance(b, Tensor) else a == b,
    "not_equal": lambda a, b: b != a if isinstance(b, Tensor) else a != b,
    "less": lambda a, b: b > a if isinstance(b, Tensor) else a < b,
    "less_equal": lambda a, b: b >= a if isinstance(b, Tensor) else a <= b,
    "greater": lambda a, b: b < a if isinstance(b, Tensor) else a > b,
    "greater_equal": lambda a, b: b <= a if isinstance(b, Tensor) else a >= b,
}


def _assign(a: np.ndarray, value: Any, out: np.ndarray, casting: str) -> np.ndarray:
    """The in-place "operation" of fill_, zero_ and copy_: out[...] = value (a ufunc-like signature)."""
    np.copyto(out, value, casting=casting)
    return out


def _alias(dim: Any, axis: Any) -> Any:
    """`axis=` (NumPy's name) is accepted where PyTorch says `dim=`."""
    if axis is not None:
        if dim is not None:
            raise TypeError("give either dim= or axis=, not both")
        return axis
    return dim


def _dim(op: str, dim: int, ndim: int) -> int:
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension(s)")
    return dim % max(ndim, 1)


def _is_dtype_name(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """PyTorch's dtype rules: Python floats → float32, ints → int64, bools → bool; arrays keep their dtype.

    A requested dtype is applied to the data directly (never through float32 first, which would round 0.1 and
    turn 1e300 into inf).
    """
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray | np.generic):
        arr = np.asarray(data)
    else:
        try:
            arr = np.asarray(data, dtype=dtype)
        except ValueError as e:
            raise ValueError(f"Tensor: cannot make a tensor from ragged nested lists ({e})") from None
        except TypeError:
            raise TypeError(f"Tensor: data must be numbers, got {type(data).__name__}") from None
        if dtype is None:
            if arr.dtype.kind == "f":
                arr = arr.astype(DEFAULT_DTYPE)
            elif arr.dtype.kind in "iu":
                arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numbers, got {type(data).__name__} with dtype {arr.dtype}")
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new tensor with a copy of the data (use `from_numpy` to share an array's memory)."""
    arr = as_array(data, dtype)
    if arr is data or (isinstance(data, Tensor) and arr is data.data):
        arr = arr.copy()
    return Tensor(arr, requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing the array's memory: changing one changes the other (PyTorch's from_numpy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    return Tensor(array)


def _shape(shape: tuple) -> tuple[int, ...]:
    """Accept both zeros(2, 3) and zeros((2, 3)), as NumPy and PyTorch do."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def full(shape: Any, fill_value: Any, *, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    dtype = as_array(fill_value, dtype).dtype
    return Tensor(np.full(_shape((shape,)), fill_value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Tensor, *, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    return Tensor(np.zeros(t.shape, dtype=dtype or t.dtype), requires_grad=requires_grad)


def ones_like(t: Tensor, *, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    return Tensor(np.ones(t.shape, dtype=dtype or t.dtype), requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: Any, *, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    return Tensor(np.full(t.shape, fill_value, dtype=dtype or t.dtype), requires_grad=requires_grad)


def arange(
    start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Integers give int64, any float gives float32 (PyTorch's rule), unless dtype says otherwise."""
    if end is None:
        start, end = 0, start
    values = np.arange(start, end, step)
    return Tensor(as_array(values.tolist() if dtype is None else values, dtype), requires_grad=requires_grad)


def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return Tensor(np.linspace(start, end, steps, dtype=dtype or DEFAULT_DTYPE), requires_grad=requires_grad)


_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the default random generator that randn, rand, init and dropout draw from (torch.manual_seed)."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The generator random functions use when they are not given their own `rng`."""
    return _generator


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if rng is None:
        return _generator
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def randn(
    *shape: Any,
    rng: np.random.Generator | int | None = None,
    requires_grad: bool = False,
    dtype: Any = DEFAULT_DTYPE,
) -> Tensor:
    """Standard-normal samples; pass `rng` (a Generator or a seed), or call `manual_seed`, to repeat them."""
    return Tensor(_rng(rng).standard_normal(_shape(shape)).astype(dtype), requires_grad=requires_grad)


def rand(
    *shape: Any,
    rng: np.random.Generator | int | None = None,
    requires_grad: bool = False,
    dtype: Any = DEFAULT_DTYPE,
) -> Tensor:
    """Uniform samples in [0, 1)."""
    return Tensor(_rng(rng).random(_shape(shape)).astype(dtype), requires_grad=requires_grad)


def randint(
    low: int, high: int, size: tuple[int, ...], *, rng: np.random.Generator | int | None = None
) -> Tensor:
    return Tensor(_rng(rng).integers(low, high, size=size, dtype=np.int64))


from minigrad import autograd, function, ops  # noqa: E402
