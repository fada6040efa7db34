# Generated from solutions/02_function.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Function: one differentiable operation = a forward and its local derivative, side by side; the Tracer
records every call, and these records are the computation graph."""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from minigrad.tensor import DEFAULT_DTYPE, Tensor


class Context:
    """What one call of a Function keeps for its backward (PyTorch's `ctx`), and its place in the graph.

    `saved_tensors` holds NumPy arrays: in minigrad (as in Pico) forward and backward compute on arrays.
    """

    __slots__ = (
        "fn", "inputs", "needs_input_grad", "saved_tensors", "seq", "output", "updates_seen", "module",
        "released", "__dict__", "__weakref__",
    )  # fmt: skip
    seq: int  # set by Tracer.record, for recorded calls only: the position in the recording
    output: weakref.ref  # the output tensor, weakly (a dropped graph is freed)
    updates_seen: int  # in-place updates made before the call (chapter 3)
    module: Any  # the nn.Module whose forward made the call (chapter 5)
    released: bool  # set by backward once the saved arrays are freed (chapter 3)

    def __init__(self, fn: type[Function], inputs: tuple, needs_input_grad: tuple[bool, ...]) -> None:
        self.fn = fn
        self.inputs = inputs  # the positional arguments, Tensors where they were Tensors
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays

    def __repr__(self) -> str:
        return f"<{self.fn.__name__} call #{self.seq}>"


class Tracer:
    """Records every differentiable call (Pico's global Tracer): a pool of the live recorded calls in
    recording order, and the `blind` flag that switches recording off (no-grad mode, chapter 3)."""

    def __init__(self) -> None:
        self.blind = False
        self.updates = 0  # in-place updates so far; an updated tensor's _version is this count (chapter 3)
        self.modules: list[Any] = []  # nn.Modules whose forward is running, innermost last (chapter 5)
        self._pool: dict[int, weakref.ref] = {}  # seq -> weak reference to the output of a recorded call
        self._counter = itertools.count()
        self._sweep_at = 1024

    def record(self, ctx: Context, out: Tensor) -> None:
        """Give the call its place in the recording; that order is a topological order of the graph."""
        ctx.seq = seq = next(self._counter)
        ctx.updates_seen = self.updates
        ctx.output = ref = weakref.ref(out)
        ctx.module = self.modules[-1] if self.modules else None
        ctx.released = False
        out._ctx = ctx
        pool = self._pool
        pool[seq] = ref
        if len(pool) > self._sweep_at:
            self._sweep()

    def release(self, ctx: Context) -> None:
        """Free what a call saved for backward and take it out of the pool (after backward, chapter 3)."""
        ctx.saved_tensors = ()
        ctx.released = True
        self._pool.pop(ctx.seq, None)

    def backward(
        self, root: Tensor, gradient: Any = None, retain_graph: bool = False, hook: Any = None
    ) -> None:
        """Run backward from `root` over the recording (Pico's interface; chapter 3 writes the engine)."""
        from minigrad import autograd

        autograd.backward(root, gradient, retain_graph=retain_graph, hook=hook)

    def _sweep(self) -> None:
        self._pool = {seq: ref for seq, ref in self._pool.items() if ref() is not None}
        self._sweep_at = 2 * len(self._pool) + 1024

    @property
    def tensors(self) -> dict[int, Tensor]:
        """The output tensors of the live recorded calls, by recording position."""
        self._sweep()
        return {seq: ref() for seq, ref in self._pool.items()}  # type: ignore[misc]

    @property
    def funcs(self) -> dict[int, Context]:
        """The live recorded calls, by recording position."""
        return {seq: t._ctx for seq, t in self.tensors.items()}


tracer = Tracer()


class Function:
    """Subclass with static `forward(ctx, *inputs, **settings)` and `backward(ctx, grad_out)`; call `.apply`.

    Positional arguments are the inputs: backward returns one gradient for each (None where there is none).
    Keyword arguments are settings (an axis, a stride) that are not differentiated. Unlike PyTorch's
    `torch.autograd.Function`, forward and backward receive and return NumPy arrays, not tensors.
    """

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad_out: np.ndarray) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run forward on the arrays inside the tensors; record the call if a gradient will be needed."""
        arrays, needs = [], []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                needs.append(a.requires_grad)
            else:
                arrays.append(a)
                needs.append(False)
        ctx = Context(cls, args, tuple(needs))
        data = cls.forward(ctx, *arrays, **kwargs)
        if type(data) is not np.ndarray:  # e.g. a NumPy scalar from a full reduction
            data = np.asarray(data)
        if True in needs and not tracer.blind:
            out = Tensor._wrap(data, True)
            tracer.record(ctx, out)
            return out
        return Tensor._wrap(data)


def lift(x: Any, like: Tensor, op: str) -> Any:
    """The array for an operand that is not a Tensor. Python numbers are "weak", as in PyTorch: they take
    the tensor's dtype (a float32 tensor times 0.1 stays float32), except that a float with an integer tensor
    gives float32, PyTorch's default float type."""
    if isinstance(x, bool | int | float):
        dtype = like.data.dtype
        if isinstance(x, float) and dtype.kind != "f":
            dtype = DEFAULT_DTYPE
        elif dtype.kind == "b" and not isinstance(x, bool):
            dtype = np.dtype(np.int64)
        return np.array(x, dtype=dtype)
    if isinstance(x, np.ndarray | np.generic | list | tuple):
        return np.asarray(x)
    raise TypeError(f"{op}: unsupported operand of type {type(x).__name__} (use a Tensor, array or number)")


def _promoted(a: Any, b: Any) -> tuple[Any, Any]:
    """PyTorch's promotion where NumPy's differs: an integer operand with a float one takes the float's dtype
    (NumPy would make int64 · float32 a float64). Integers never require grad, so casting them is safe."""
    ka, kb = a.dtype.kind, b.dtype.kind
    if ka == "f" and kb in "biu":
        return a, _raw(b).astype(a.dtype)
    if kb == "f" and ka in "biu":
        return _raw(a).astype(b.dtype), b
    return a, b


def _raw(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else x


def sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum `g` over the axes broadcasting added or stretched, so the result has `shape`."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead < 0 or any(n != 1 and g.shape[lead + i] != n for i, n in enumerate(shape)):
        raise ValueError(f"sum_to: shape {g.shape} was not broadcast from {shape}")
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


def _broadcast_error(op: str, a: Any, b: Any) -> ValueError:
    return ValueError(f"{op}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together")


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        try:
            return a + b
        except ValueError:
            raise _broadcast_error("add", a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        ga = sum_to(g, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(g, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        try:
            return a - b
        except ValueError:
            raise _broadcast_error("sub", a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        ga = sum_to(g, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(-g, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return a * b
        except ValueError:
            raise _broadcast_error("mul", a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = sum_to(g * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(g * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return a / b
        except ValueError:
            raise _broadcast_error("div", a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = sum_to(g / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(-g * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        try:
            out = a**b
        except ValueError:
            raise _broadcast_error("pow", a, b) from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = sum_to(g * b * a ** (b - 1), a.shape) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:  # d(a^b)/db = a^b ln a, taken as 0 where a <= 0 (no real logarithm)
            gb = sum_to(g * out * np.log(np.where(a > 0, a, 1)), b.shape)
        return ga, gb


def _binary(fn: type[Function], a: Any, b: Any, op: str) -> Tensor:
    """Apply a two-input Function to a Tensor and a Tensor, array or number on either side."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype.kind == b._data.dtype.kind:  # the common case, first
                return fn.apply(a, b)
        else:
            b = lift(b, a, op)
    else:
        a = lift(a, b, op)
    if a.dtype.kind != b.dtype.kind:
        a, b = _promoted(a, b)
    return fn.apply(a, b)


def add(a: Any, b: Any) -> Tensor:
    return _binary(Add, a, b, "add")


def sub(a: Any, b: Any) -> Tensor:
    return _binary(Sub, a, b, "sub")


def mul(a: Any, b: Any) -> Tensor:
    return _binary(Mul, a, b, "mul")


def div(a: Any, b: Any) -> Tensor:
    """True division; integers are divided as float32, like PyTorch (NumPy would give float64)."""
    if not isinstance(a, Tensor):
        a = lift(a, b, "div")
    elif not isinstance(b, Tensor):
        b = lift(b, a, "div")
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        return Div.apply(_raw(a).astype(DEFAULT_DTYPE), _raw(b).astype(DEFAULT_DTYPE))
    if a.dtype.kind != b.dtype.kind:
        a, b = _promoted(a, b)
    return Div.apply(a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001  (the operator's name, as in torch.pow)
    return _binary(Pow, a, b, "pow")


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)
