"""Arithmetic Functions (minigrad/function.py): forward values and float64 gradient checks.

Every case is checked twice: with `minigrad.gradcheck`, and with an independent central-difference
implementation below that differentiates a NumPy reference forward, so a bug in gradcheck (or in minigrad's
own forward) cannot hide one in a backward.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor
from minigrad.function import Add, Context, Function, Mul


def central_diff(
    ref: Callable[..., np.ndarray], arrays: list[np.ndarray], i: int, weight: np.ndarray
) -> np.ndarray:
    """d/d arrays[i] of sum(weight * ref(*arrays)) by float64 central differences, without minigrad."""
    xs = [np.array(a, dtype=np.float64) for a in arrays]
    eps = 1e-6
    out = np.zeros_like(xs[i])
    for idx in np.ndindex(xs[i].shape):
        old = xs[i][idx]
        xs[i][idx] = old + eps
        plus = float((weight * ref(*xs)).sum())
        xs[i][idx] = old - eps
        minus = float((weight * ref(*xs)).sum())
        xs[i][idx] = old
        out[idx] = (plus - minus) / (2 * eps)
    return out


def positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in [0.5, 2): safe for division, logs and real powers, and never tied."""
    return rng.uniform(0.5, 2.0, size=shape)


# (id, minigrad function, NumPy reference, input shapes)
BINARY = [
    ("add", lambda a, b: a + b, np.add),
    ("sub", lambda a, b: a - b, np.subtract),
    ("mul", lambda a, b: a * b, np.multiply),
    ("div", lambda a, b: a / b, np.divide),
    ("pow", lambda a, b: a**b, np.power),
]
SHAPE_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),  # broadcast on the right
    ((4,), (3, 4)),  # broadcast on the left
    ((1, 4), (3, 1)),  # both stretched
    ((2, 1, 4), (3, 1)),  # leading axis added and a size-1 axis stretched
    ((), (2, 3)),  # 0-d tensor on the left
    ((2, 3), ()),
]
UNARY_WITH_SCALARS = [
    ("scalar+x", lambda x: 2.5 + x, lambda x: 2.5 + x),
    ("x+scalar", lambda x: x + 2.5, lambda x: x + 2.5),
    ("scalar-x", lambda x: 2.5 - x, lambda x: 2.5 - x),
    ("x-scalar", lambda x: x - 2.5, lambda x: x - 2.5),
    ("scalar*x", lambda x: 3 * x, lambda x: 3 * x),
    ("x*scalar", lambda x: x * -1.5, lambda x: x * -1.5),
    ("scalar/x", lambda x: 2.0 / x, lambda x: 2.0 / x),
    ("x/scalar", lambda x: x / 4, lambda x: x / 4),
    ("neg", lambda x: -x, lambda x: -x),
    ("x**2", lambda x: x**2, lambda x: x**2),
    ("x**0.5", lambda x: x**0.5, lambda x: x**0.5),
    ("x**-1.5", lambda x: x**-1.5, lambda x: x**-1.5),
    ("2**x", lambda x: 2**x, lambda x: 2.0**x),
    ("e**x", lambda x: 2.718**x, lambda x: 2.718**x),
    ("array+x", lambda x: np.array([1.0, -2.0, 3.0]) + x, lambda x: np.array([1.0, -2.0, 3.0]) + x),
    ("x*array", lambda x: x * np.array([[1.0], [2.0]]), lambda x: x * np.array([[1.0], [2.0]])),
    # a tensor used several times in one graph: gradients from every use must be summed
    ("x*x+x", lambda x: x * x + x, lambda x: x * x + x),
    ("x/(x+1)-x", lambda x: x / (x + 1) - x, lambda x: x / (x + 1) - x),
    ("x**x", lambda x: x**x, lambda x: x**x),
]
REUSED_BINARY = [
    ("(a+b)*(a-b)/a", lambda a, b: (a + b) * (a - b) / a, lambda a, b: (a + b) * (a - b) / a),
    ("a*b*a**b", lambda a, b: a * b * a**b, lambda a, b: a * b * a**b),
    ("y=a*b;y*y+y/a", lambda a, b: (lambda y: y * y + y / a)(a * b), lambda a, b: (a * b) ** 2 + b),
]


def _check_both(fn, ref, arrays: list[np.ndarray]) -> None:
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    assert mg.gradcheck(fn, *tensors)
    out = fn(*tensors)
    np.testing.assert_allclose(out.data, ref(*arrays), rtol=1e-12, atol=1e-12)
    weight = np.random.default_rng(1).standard_normal(out.shape)
    for t in tensors:
        t.zero_grad()
    out.backward(weight)
    for i, t in enumerate(tensors):
        assert t.grad is not None and t.grad.shape == t.shape and t.grad.dtype == np.float64
        np.testing.assert_allclose(t.grad, central_diff(ref, arrays, i, weight), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name,fn,ref", BINARY, ids=[b[0] for b in BINARY])
def test_binary_gradients_with_broadcasting(name, fn, ref, shapes) -> None:
    rng = np.random.default_rng(0)
    _check_both(fn, ref, [positive(rng, s) for s in shapes])


@pytest.mark.parametrize("name,fn,ref", UNARY_WITH_SCALARS, ids=[u[0] for u in UNARY_WITH_SCALARS])
def test_scalars_arrays_and_reuse(name, fn, ref) -> None:
    _check_both(fn, ref, [positive(np.random.default_rng(2), (2, 3))])


@pytest.mark.parametrize("name,fn,ref", REUSED_BINARY, ids=[r[0] for r in REUSED_BINARY])
def test_tensors_used_several_times(name, fn, ref) -> None:
    rng = np.random.default_rng(3)
    _check_both(fn, ref, [positive(rng, (3,)), positive(rng, (2, 3))])


def test_course_example_a_over_b() -> None:
    """Chapter 2's worked example: A=10, B=2, O=A/B=5, dO/dA=1/B=0.5... times the upstream 1; dO/dB=-A/B²."""
    a, b = Tensor(10.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    o = a / b
    o.backward()
    assert o.item() == 5.0 and a.grad == 0.5 and b.grad == -2.5


def test_pow_gradient_for_exponent_is_zero_where_base_is_zero() -> None:
    a = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(a.grad, [0.0, 12.0])
    np.testing.assert_allclose(b.grad, [0.0, 8 * np.log(2)])


def test_only_needed_gradients_are_computed() -> None:
    """needs_input_grad tells backward which inputs need a gradient; the others get None."""
    seen = []

    def hook(ctx, grad_out, grads_in):
        seen.append((ctx.fn, ctx.needs_input_grad, tuple(g is None for g in grads_in)))

    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.full(3, 2.0))
    mg.tracer.backward((a * b).sum(), hook=hook)
    assert seen[-1] == (Mul, (True, False), (False, True))
    assert b.grad is None


def test_custom_function_and_context() -> None:
    """A user-defined Function: positional args are inputs (one grad each), keywords are settings."""

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor=1.0):
            ctx.factor = factor  # a Context takes any extra attribute
            ctx.save_for_backward(x)
            return x * factor

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert x.shape == g.shape
            return g * ctx.factor

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Scale.apply(x, factor=3.0)
    ctx = y._ctx
    assert (
        isinstance(ctx, Context)
        and ctx.fn is Scale
        and ctx.inputs == (x,)
        and ctx.needs_input_grad == (True,)
    )
    assert ctx.output() is y and ctx.seq in mg.tracer.funcs and not ctx.released
    y.backward(np.ones(2))
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    assert ctx.released and ctx.saved_tensors == ()
    assert mg.gradcheck(lambda t: Scale.apply(t, factor=-2.0), Tensor(np.ones((2, 2)), requires_grad=True))


def test_weak_python_scalars_keep_the_tensor_dtype() -> None:
    x32 = Tensor(np.ones(3, dtype=np.float32))
    x64 = Tensor(np.full(3, 1.0 / 3.0))
    for y in (x32 * 0.1, 0.1 * x32, x32 + 1, x32 / 3, 2**x32, x32**0.5, x32 - 1e-3, -x32):
        assert y.dtype == np.float32
    assert (x64 * 0.1).dtype == np.float64
    assert (x64 * 0.1).data[0] == (1.0 / 3.0) * 0.1  # full float64 precision, not rounded through float32
    assert (x32 * np.ones(3)).dtype == np.float64  # arrays are not weak (NumPy's rule)
    assert (Tensor(np.arange(3)) * 0.5).dtype == np.float64  # an int tensor with a float becomes float
    assert (Tensor(np.arange(3, dtype=np.uint8)) * 2).dtype == np.uint8


def test_ndarray_on_the_left_gives_a_tensor() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for y in (np.ones(2) + x, np.ones(2) - x, np.ones(2) * x, np.ones(2) / x, np.full(2, 2.0) ** x):
        assert type(y) is Tensor and y.data.dtype == np.float64 and y.requires_grad
    y = np.array([3.0, 4.0]) * x
    y.backward(np.ones(2))
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_add_backward_keeps_shapes_and_values() -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    out = Add.apply(a, b)
    out.backward(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(a.grad, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(b.grad, [3.0, 5.0, 7.0])
