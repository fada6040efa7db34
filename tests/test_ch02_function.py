"""Functions and the Tracer's recording (minigrad/function.py, chapter 02).

Only chapter 02's code runs here: every backward is called directly on its recorded context (the engine that
chains them is chapter 03's) and compared with float64 central differences of an independent NumPy forward,
so a wrong forward with a matching wrong backward cannot pass.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

import numpy as np
import pytest

from minigrad import Tensor
from minigrad.function import Add, Context, Div, Function, Mul, Neg, Pow, Sub, lift, sum_to, tracer

pytestmark = pytest.mark.ch02


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
    """Values in [0.5, 2): safe for division, logs and real powers."""
    return rng.uniform(0.5, 2.0, size=shape)


BINARY = [(Add, np.add), (Sub, np.subtract), (Mul, np.multiply), (Div, np.divide), (Pow, np.power)]
SHAPE_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),  # broadcast on the right
    ((4,), (3, 4)),  # broadcast on the left
    ((1, 4), (3, 1)),  # both stretched
    ((2, 1, 4), (3, 1)),  # a leading axis added and a size-1 axis stretched
    ((), (2, 3)),  # a 0-d tensor on the left
    ((2, 3), ()),
]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize(("fn", "ref"), BINARY, ids=[b[0].__name__ for b in BINARY])
def test_binary_backward_matches_central_differences_with_broadcasting(fn, ref, shapes) -> None:
    rng = np.random.default_rng(0)
    arrays = [positive(rng, s) for s in shapes]
    a, b = (Tensor(x.copy(), requires_grad=True) for x in arrays)
    out = fn.apply(a, b)
    np.testing.assert_allclose(out.data, ref(*arrays), rtol=1e-12)
    weight = rng.standard_normal(out.shape)
    grads = fn.backward(out._ctx, weight)
    assert isinstance(grads, tuple) and len(grads) == 2
    for i, g in enumerate(grads):
        assert g.shape == arrays[i].shape, f"{fn.__name__}: gradient {i} must have its input's shape"
        np.testing.assert_allclose(g, central_diff(ref, arrays, i, weight), rtol=1e-5, atol=1e-6)


def test_neg_backward() -> None:
    out = Neg.apply(Tensor(np.array([1.0, -2.0]), requires_grad=True))
    np.testing.assert_array_equal(out.data, [-1.0, 2.0])
    np.testing.assert_array_equal(Neg.backward(out._ctx, np.array([3.0, 4.0])), [-3.0, -4.0])


def test_pow_gradient_for_the_exponent_is_zero_where_the_base_is_not_positive() -> None:
    out = Pow.apply(
        Tensor(np.array([0.0, 2.0]), requires_grad=True), Tensor(np.array([2.0, 3.0]), requires_grad=True)
    )
    ga, gb = Pow.backward(out._ctx, np.ones(2))
    np.testing.assert_allclose(ga, [0.0, 12.0])
    np.testing.assert_allclose(gb, [0.0, 8 * np.log(2)])


def test_only_needed_gradients_are_computed() -> None:
    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.full(3, 2.0))
    for fn in (Mul, Div, Pow):
        out = fn.apply(a, b)
        assert out._ctx.needs_input_grad == (True, False)
        ga, gb = fn.backward(out._ctx, np.ones(3))
        assert ga is not None and gb is None, f"{fn.__name__}.backward must skip inputs that need no gradient"


@pytest.mark.parametrize(
    ("shape", "target", "expected"),
    [
        ((2, 3), (3,), [3.0, 5.0, 7.0]),
        ((2, 3), (2, 1), [[3.0], [12.0]]),
        ((2, 3), (1, 3), [[3.0, 5.0, 7.0]]),
        ((2, 3), (), 15.0),
        ((2, 3), (2, 3), np.arange(6.0).reshape(2, 3)),
        ((4, 2, 3), (2, 1), [[12.0], [48.0]]),
    ],
)
def test_sum_to_reverses_broadcasting(shape, target, expected) -> None:
    g = np.arange(float(np.prod(shape))).reshape(shape)
    if len(shape) == 3:
        g = np.broadcast_to(np.arange(6.0).reshape(2, 3), shape)
    out = sum_to(g, target)
    assert out.shape == target
    np.testing.assert_array_equal(out, expected)


def test_sum_to_rejects_shapes_that_were_not_broadcast() -> None:
    with pytest.raises(ValueError, match=r"sum_to: shape \(2, 3\) was not broadcast from \(2,\)"):
        sum_to(np.ones((2, 3)), (2,))
    with pytest.raises(ValueError, match=r"sum_to: shape \(3,\) was not broadcast from \(2, 3\)"):
        sum_to(np.ones(3), (2, 3))


def test_a_custom_function_its_context_and_the_recording() -> None:
    """A user-defined Function: positional args are inputs (one grad each), keywords are settings."""

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor=1.0):
            ctx.factor = factor  # a Context takes any extra attribute
            ctx.save_for_backward(x)
            return x * factor

        @staticmethod
        def backward(ctx, g):
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
    assert ctx.output() is y and y.grad_fn is ctx and y.requires_grad and not y.is_leaf
    assert tracer.tensors[ctx.seq] is y and tracer.funcs[ctx.seq] is ctx and not ctx.released
    assert repr(ctx) == f"<Scale call #{ctx.seq}>"
    assert len(ctx.saved_tensors) == 1 and ctx.saved_tensors[0] is x.data
    z = Scale.apply(y, factor=2.0)
    assert z._ctx.seq > ctx.seq, "recording order follows the order of the calls"
    tracer.release(ctx)
    assert ctx.released and ctx.saved_tensors == () and ctx.seq not in tracer.funcs


def test_outputs_require_grad_iff_an_input_does_and_blind_records_nothing() -> None:
    a, c = Tensor([1.0], requires_grad=True), Tensor([2.0])
    assert Mul.apply(a, c).requires_grad and not Mul.apply(c, c).requires_grad
    assert Mul.apply(c, c)._ctx is None, "a call without inputs that require grad is not recorded"
    before = len(tracer.funcs)
    tracer.blind = True
    try:
        out = Mul.apply(a, c)
    finally:
        tracer.blind = False
    assert not out.requires_grad and out._ctx is None and len(tracer.funcs) == before


def test_a_dropped_graph_leaves_the_pool() -> None:
    gc.collect()
    before = len(tracer.funcs)
    x = Tensor(np.ones(3), requires_grad=True)
    for _ in range(3000):  # far more than the sweep threshold
        y = Mul.apply(Add.apply(x, x), x)
    assert len(tracer.funcs) - before == 2, "only the last forward pass is alive"
    del y
    assert len(tracer.funcs) == before


def test_weak_python_scalars_keep_the_tensor_dtype() -> None:
    x32 = Tensor(np.ones(3, dtype=np.float32))
    x64 = Tensor(np.full(3, 1.0 / 3.0))
    for y in (x32 * 0.1, 0.1 * x32, x32 + 1, x32 / 3, 2**x32, x32**0.5, x32 - 1e-3, -x32):
        assert y.dtype == np.float32
    assert (x64 * 0.1).dtype == np.float64
    assert (x64 * 0.1).data[0] == (1.0 / 3.0) * 0.1  # full float64 precision, not rounded through float32
    assert (x32 * np.ones(3)).dtype == np.float64  # arrays are not weak (NumPy's and PyTorch's rule)
    assert lift(2.5, x32, "mul").dtype == np.float32


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        (lambda: Tensor([1, 2]) * 0.5, np.float32),  # int tensor * float: PyTorch's default float
        (lambda: Tensor([1, 2]) / 2, np.float32),  # true division of integers
        (lambda: Tensor([1, 2]) / Tensor([2, 4]), np.float32),
        (lambda: Tensor([1, 2]) + 1, np.int64),
        (lambda: Tensor(np.array([1, 2], np.uint8)) * 2, np.uint8),
        (lambda: Tensor([1, 2]) * Tensor([0.5, 1.0]), np.float32),  # NumPy would give float64
        (lambda: Tensor(np.ones(2)) * Tensor([1, 2]), np.float64),
        (lambda: Tensor([True, False]) + 1, np.int64),
        (lambda: Tensor(np.ones(2, np.float32)) + Tensor(np.ones(2)), np.float64),
    ],
)
def test_dtype_promotion_follows_pytorch(make, dtype) -> None:
    assert make().dtype == dtype


def test_values_of_mixed_operands() -> None:
    np.testing.assert_array_equal((Tensor([1, 2]) / 2).data, [0.5, 1.0])
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for y in (np.ones(2) + x, np.ones(2) - x, np.ones(2) * x, np.ones(2) / x, np.full(2, 2.0) ** x):
        assert type(y) is Tensor and y.data.dtype == np.float64 and y.requires_grad
    out = np.ones((2, 2)) + Tensor([1.0, 2.0])
    assert type(out) is Tensor and out.dtype == np.float64
    np.testing.assert_array_equal(out.data, [[2.0, 3.0], [2.0, 3.0]])


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_shapes_that_do_not_broadcast_give_a_clear_error(op) -> None:
    name = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}[op]
    operands = {"a": Tensor(np.ones((2, 3))), "b": Tensor(np.ones((4, 2)))}
    with pytest.raises(
        ValueError, match=rf"{name}: shapes \(2, 3\) and \(4, 2\) cannot be broadcast together"
    ):
        eval(f"a {op} b", {}, operands)


def test_unsupported_operands_are_named() -> None:
    with pytest.raises(TypeError, match=r"mul: unsupported operand of type str"):
        Tensor([1.0]) * "x"
