# Generated from solutions/02_function.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Function: one differentiable operation = a forward and its local derivative, side by side."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import tracer
from minigrad.broadcast import sum_to
from minigrad.tensor import Tensor


class Context:
    """What one call of a Function keeps for its backward (PyTorch's `ctx`)."""

    def __init__(self, fn: type[Function], inputs: tuple, needs_input_grad: tuple[bool, ...]) -> None:
        self.fn = fn
        self.inputs = inputs  # the arguments, Tensors where they were Tensors
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()
        self.released = False
        self.seq = -1  # position in the Tracer's recording, set when recorded

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays

    def __repr__(self) -> str:
        return f"<{self.fn.__name__} call #{self.seq}>"


class Function:
    """Subclass with static `forward(ctx, *inputs, **settings)` and `backward(ctx, grad_out)`; call `.apply`.

    Positional arguments are the inputs: backward returns one gradient for each (None where there is none).
    Keyword arguments are settings (an axis, a stride) that are not differentiated.
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
        arrays, needs, record = [], [], False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                needs.append(a.requires_grad)
                record = record or a.requires_grad
            else:
                arrays.append(a)
                needs.append(False)
        ctx = Context(cls, args, tuple(needs))
        data = cls.forward(ctx, *arrays, **kwargs)
        if type(data) is not np.ndarray:  # e.g. a NumPy scalar from a full reduction
            data = np.asarray(data)
        if record and not tracer.blind:
            out = Tensor._wrap(data, True)
            tracer.record(ctx, out)
            return out
        return Tensor._wrap(data)


def lift(x: Any, like: Tensor, op: str) -> Tensor:
    """Make an operand a Tensor. Python scalars are "weak": they take the tensor's dtype (as in PyTorch)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, bool | int | float):
        dtype = like.data.dtype
        if dtype.kind != "f":  # float tensors keep their dtype; an int tensor * 0.5 gives float64 (NumPy)
            dtype = np.result_type(dtype, x)
        return Tensor._wrap(np.array(x, dtype=dtype))
    if isinstance(x, np.ndarray | np.generic | list | tuple):
        return Tensor(x)
    raise TypeError(f"{op}: unsupported operand of type {type(x).__name__} (use a Tensor, array or number)")


def _broadcast_error(op: str, a: np.ndarray, b: np.ndarray) -> ValueError:
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together")


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        try:
            return a + b
        except ValueError:
            raise _broadcast_error("add", a, b) from None

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return sum_to(g, sa), sum_to(g, sb)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        try:
            return a - b
        except ValueError:
            raise _broadcast_error("sub", a, b) from None

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return sum_to(g, sa), sum_to(-g, sb)


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
        if ctx.needs_input_grad[1]:  # d(a^b)/db = a^b ln a, taken as 0 where a^b is 0 (a = 0)
            log_a = np.log(np.where(a > 0, a, 1))
            gb = sum_to(g * out * log_a, b.shape)
        return ga, gb


def _binary(fn: type[Function], op: str) -> tuple:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn.apply(self, other if isinstance(other, Tensor) else lift(other, self, op))

    def rmethod(self: Tensor, other: Any) -> Tensor:
        return fn.apply(lift(other, self, op), self)

    return method, rmethod


Tensor.__add__, Tensor.__radd__ = _binary(Add, "add")
Tensor.__sub__, Tensor.__rsub__ = _binary(Sub, "sub")
Tensor.__mul__, Tensor.__rmul__ = _binary(Mul, "mul")
Tensor.__truediv__, Tensor.__rtruediv__ = _binary(Div, "div")
Tensor.__pow__, Tensor.__rpow__ = _binary(Pow, "pow")
Tensor.__neg__ = lambda self: Neg.apply(self)
