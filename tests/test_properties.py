"""Hypothesis properties over random shapes and broadcasting: forward equals NumPy, gradients have their
input's shape and the right values, and sum_to is the adjoint of broadcast_to."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, broadcastable_shapes, mutually_broadcastable_shapes

import minigrad as mg
from minigrad import Tensor
from minigrad.function import sum_to

pytestmark = pytest.mark.ch04

# derandomize: the same examples on every run
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

OPS = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a**b, np.power),
}
pair_shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


def values(draw, shape: tuple[int, ...]) -> np.ndarray:
    """Values in [0.5, 2): safe for div and pow, far from where those misbehave."""
    return draw(arrays(np.float64, shape, elements=st.floats(0.5, 2.0)))


@SETTINGS
@given(st.data(), pair_shapes, st.sampled_from(sorted(OPS)))
def test_binary_forward_equals_numpy_and_grads_have_input_shapes(data, shapes, name) -> None:
    fn, ref = OPS[name]
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a_np, b_np = values(data.draw, sa), values(data.draw, sb)
    a, b = Tensor(a_np, requires_grad=True), Tensor(b_np, requires_grad=True)
    out = fn(a, b)
    assert out.shape == out_shape
    np.testing.assert_allclose(out.data, ref(a_np, b_np), rtol=1e-12)
    g = np.ones(out_shape)
    out.backward(g)
    assert a.grad.shape == sa and b.grad.shape == sb
    assert a.grad.dtype == b.grad.dtype == np.float64
    if name == "add":  # each input's gradient counts how many outputs it reached
        np.testing.assert_array_equal(a.grad, np.full(sa, np.prod(out_shape) / max(np.prod(sa), 1)))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.data(), pair_shapes, st.sampled_from(sorted(OPS)))
def test_binary_gradcheck_with_broadcasting(data, shapes, name) -> None:
    fn, _ = OPS[name]
    a, b = (Tensor(values(data.draw, s), requires_grad=True) for s in shapes.input_shapes)
    assert mg.gradcheck(fn, a, b)


@SETTINGS
@given(st.data(), array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3))
def test_sum_to_is_the_adjoint_of_broadcast_to(data, shape) -> None:
    """<broadcast_to(x, big), y> = <x, sum_to(y, shape)> for every x, y: sum_to is broadcast_to's adjoint."""
    big = data.draw(
        broadcastable_shapes(shape, min_dims=len(shape), max_dims=5, max_side=3).map(
            lambda s: np.broadcast_shapes(s, shape)
        )
    )
    x = data.draw(arrays(np.float64, shape, elements=st.floats(-3, 3)))
    y = data.draw(arrays(np.float64, big, elements=st.floats(-3, 3)))
    reduced = sum_to(y, shape)
    assert reduced.shape == shape
    np.testing.assert_allclose((np.broadcast_to(x, big) * y).sum(), (x * reduced).sum(), rtol=1e-9, atol=1e-9)


@SETTINGS
@given(st.data(), mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3, max_side=3))
def test_matmul_matches_numpy_with_batch_broadcasting(data, shapes) -> None:
    sa, sb = shapes.input_shapes
    a_np, b_np = values(data.draw, sa), values(data.draw, sb)
    a, b = Tensor(a_np, requires_grad=True), Tensor(b_np, requires_grad=True)
    out = a @ b
    np.testing.assert_allclose(out.data, a_np @ b_np, rtol=1e-12)
    out.backward(np.ones(out.shape))
    assert a.grad.shape == sa and b.grad.shape == sb
    assert mg.gradcheck(lambda p, q: p @ q, a, b)


@SETTINGS
@given(
    st.data(),
    array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
    st.sampled_from(["sum", "mean", "max"]),
    st.booleans(),
)
def test_reductions_match_numpy_over_any_axis(data, shape, name, keepdims) -> None:
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    x_np = data.draw(arrays(np.float64, shape, elements=st.floats(-3, 3), unique=True))
    x = Tensor(x_np, requires_grad=True)
    out = getattr(x, {"max": "amax"}.get(name, name))(axis, keepdims)
    np.testing.assert_allclose(out.data, getattr(np, name)(x_np, axis, keepdims=keepdims))
    out.backward(np.ones(out.shape))
    assert x.grad.shape == shape
    total = {"sum": x_np.size, "mean": out.numel(), "max": out.numel()}[name]
    np.testing.assert_allclose(x.grad.data.sum(), total)


@SETTINGS
@given(st.data(), array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
def test_transpose_and_reshape_roundtrip_gradients(data, shape) -> None:
    perm = data.draw(st.permutations(range(len(shape))))
    x_np = data.draw(arrays(np.float64, shape, elements=st.floats(-3, 3)))
    x = Tensor(x_np, requires_grad=True)
    y = x.permute(perm).reshape(-1)
    np.testing.assert_array_equal(y.data, x_np.transpose(perm).reshape(-1))
    g = np.arange(y.numel(), dtype=np.float64)
    y.backward(g)
    np.testing.assert_array_equal(x.grad.data.transpose(perm).reshape(-1), g)


@SETTINGS
@given(st.data(), array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
def test_fancy_getitem_scatters_back_with_repeats(data, shape) -> None:
    idx = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=6))
    x = Tensor(np.zeros(shape), requires_grad=True)
    y = x[idx]
    g = np.ones(y.shape)
    y.backward(g)
    expected = np.zeros(shape)
    for i in idx:
        expected[i] += 1.0
    np.testing.assert_array_equal(x.grad, expected)
