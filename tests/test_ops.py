"""Reductions, shape operations, matmul, elementwise functions and the functional layer (minigrad/ops.py,
minigrad/functional/): forward values against NumPy and float64 gradient checks with `minigrad.gradcheck`."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor


def t64(shape: tuple[int, ...], seed: int = 0, low: float | None = None) -> Tensor:
    """A float64 leaf that requires grad; `low` gives uniform values in [low, low + 2) (for log)."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape) if low is None else rng.uniform(low, low + 2.0, shape)
    return Tensor(data, requires_grad=True)


def labels(n: int, c: int, dtype=np.int64) -> np.ndarray:
    return (np.arange(n) * 7 % c).astype(dtype)


# (id, function of tensors, input shapes, low) — low=None: standard normal
GRADCHECKS = [
    ("sum", lambda x: x.sum(), [(3, 4)], None),
    ("sum axis=0", lambda x: x.sum(0), [(3, 4)], None),
    ("sum axis=-1 keepdims", lambda x: x.sum(axis=-1, keepdims=True), [(2, 3, 4)], None),
    ("sum axes (0,2)", lambda x: x.sum(axis=(0, 2)), [(2, 3, 4)], None),
    ("sum 0-d", lambda x: x.sum(), [()], None),
    ("mean", lambda x: x.mean(), [(3, 4)], None),
    ("mean axis=1", lambda x: x.mean(1), [(3, 4)], None),
    ("mean axes keepdims", lambda x: x.mean(axis=(0, -1), keepdims=True), [(2, 3, 4)], None),
    ("max", lambda x: x.max(), [(3, 4)], None),
    ("max axis=0", lambda x: x.max(0), [(3, 4)], None),
    ("max axis=-1 keepdims", lambda x: x.max(axis=-1, keepdims=True), [(2, 3, 4)], None),
    ("max axes (0,2)", lambda x: x.max(axis=(0, 2)), [(2, 3, 4)], None),
    ("reshape", lambda x: x.reshape(4, 3), [(3, 4)], None),
    ("reshape tuple -1", lambda x: x.reshape((2, -1)), [(2, 3, 2)], None),
    ("transpose", lambda x: x.transpose(), [(3, 4)], None),
    ("transpose axes", lambda x: x.transpose(1, 2, 0), [(2, 3, 4)], None),
    ("transpose negative axes", lambda x: x.transpose((-1, 0, 1)), [(2, 3, 4)], None),
    ("T", lambda x: x.T, [(3, 4)], None),
    ("getitem int", lambda x: x[1], [(3, 4)], None),
    ("getitem slice", lambda x: x[1:, ::2], [(3, 4)], None),
    ("getitem negative+ellipsis", lambda x: x[..., -1], [(2, 3, 4)], None),
    ("getitem None", lambda x: x[None, 0], [(3, 4)], None),
    ("getitem repeated fancy", lambda x: x[[0, 2, 0, 0]], [(3, 4)], None),
    ("getitem repeated pairs", lambda x: x[[0, 1, 0], [2, 2, 2]], [(3, 4)], None),
    ("getitem mask", lambda x: x[np.array([True, False, True])], [(3, 4)], None),
    ("getitem tensor index", lambda x: x[Tensor(np.array([1, 1]))], [(3, 4)], None),
    ("matmul 1-D@1-D", lambda a, b: a @ b, [(4,), (4,)], None),
    ("matmul 1-D@2-D", lambda a, b: a @ b, [(4,), (4, 3)], None),
    ("matmul 2-D@1-D", lambda a, b: a @ b, [(3, 4), (4,)], None),
    ("matmul 2-D@2-D", lambda a, b: a @ b, [(3, 4), (4, 2)], None),
    ("matmul batched@2-D", lambda a, b: a @ b, [(2, 3, 4), (4, 5)], None),
    ("matmul 2-D@batched", lambda a, b: a @ b, [(3, 4), (2, 4, 5)], None),
    ("matmul batch broadcast", lambda a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)], None),
    ("matmul 1-D@batched", lambda a, b: a @ b, [(4,), (2, 4, 3)], None),
    ("matmul batched@1-D", lambda a, b: a @ b, [(2, 3, 4), (4,)], None),
    ("matmul reused", lambda a, b: (a @ b) @ a, [(3, 3), (3, 3)], None),
    ("rmatmul array", lambda b: np.arange(6.0).reshape(2, 3) @ b, [(3, 2)], None),
    ("exp", lambda x: x.exp(), [(3, 4)], None),
    ("log", lambda x: x.log(), [(3, 4)], 0.5),
    ("relu", lambda x: x.relu(), [(3, 4)], None),
    ("sigmoid", lambda x: x.sigmoid(), [(3, 4)], None),
    ("tanh", lambda x: x.tanh(), [(3, 4)], None),
    ("F.relu", F.relu, [(3, 4)], None),
    ("F.sigmoid", F.sigmoid, [(3, 4)], None),
    ("F.tanh", F.tanh, [(3, 4)], None),
    ("softmax", F.softmax, [(3, 4)], None),
    ("softmax axis=0", lambda x: F.softmax(x, axis=0), [(3, 4)], None),
    ("log_softmax", F.log_softmax, [(3, 4)], None),
    ("log_softmax axis=1 of 3-D", lambda x: F.log_softmax(x, 1), [(2, 3, 4)], None),
    ("cross_entropy", lambda x: F.cross_entropy(x, labels(5, 4)), [(5, 4)], None),
    ("cross_entropy uint8", lambda x: F.cross_entropy(x, labels(5, 4, np.uint8)), [(5, 4)], None),
    ("mse_loss", F.mse_loss, [(3, 4), (3, 4)], None),
    ("mse_loss array target", lambda x: F.mse_loss(x, np.ones((3, 4))), [(3, 4)], None),
    ("linear", F.linear, [(5, 3), (2, 3), (2,)], None),
    ("linear no bias", F.linear, [(5, 3), (2, 3)], None),
    ("linear batched", F.linear, [(2, 5, 3), (4, 3), (4,)], None),
    (
        "mlp",
        lambda x, w, b: F.cross_entropy(F.linear(x, w, b).tanh(), labels(4, 3)),
        [(4, 5), (3, 5), (3,)],
        None,
    ),
    ("softmax reuse", lambda x: (F.softmax(x) * x).sum(-1).mean() + x.max(), [(3, 4)], None),
]


@pytest.mark.parametrize("fn,shapes,low", [g[1:] for g in GRADCHECKS], ids=[g[0] for g in GRADCHECKS])
def test_gradcheck(fn, shapes, low) -> None:
    inputs = [t64(s, seed=i, low=low) for i, s in enumerate(shapes)]
    assert mg.gradcheck(fn, *inputs)


MIXED = next(g[1] for g in GRADCHECKS if g[0] == "rmatmul array")  # float64 array @ float32 tensor


@pytest.mark.parametrize("fn,shapes,low", [g[1:] for g in GRADCHECKS], ids=[g[0] for g in GRADCHECKS])
def test_float32_in_float32_out_and_grads(fn, shapes, low) -> None:
    """Gradients have their tensor's dtype and shape, also after accumulating over two backward calls."""
    inputs = [
        Tensor(t64(s, seed=i, low=low).data.astype(np.float32), requires_grad=True)
        for i, s in enumerate(shapes)
    ]

    def hook(ctx, grad_out, grads_in) -> None:  # each backward itself returns grads in its inputs' dtypes
        for inp, g in zip(ctx.inputs, grads_in):
            if g is not None and fn is not MIXED:
                assert g.dtype == inp.dtype, f"{ctx.fn.__name__}.backward gives {g.dtype} for {inp.dtype}"

    for _ in range(2):
        out = fn(*inputs)
        assert out.requires_grad and out.dtype == (np.float64 if fn is MIXED else np.float32)
        mg.tracer.backward(out, np.ones(out.shape, dtype=np.float32), hook=hook)
    for x in inputs:
        assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


def test_mixed_dtypes_follow_numpy_and_grads_keep_their_tensor_dtype() -> None:
    """float32 tensor with float64 array gives float64 (NumPy's rule); a float32 leaf's grad stays float32."""
    x = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    for _ in range(2):
        out = np.arange(6.0).reshape(2, 3) @ x * 0.5 + x.sum() * w
        assert out.dtype == np.float64
        out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    np.testing.assert_allclose(
        x.grad, 2 * (np.broadcast_to(np.arange(6.0).reshape(2, 3).sum(0)[:, None] * 0.5 + 4.0, (3, 2)))
    )


def test_forward_values_match_numpy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5))
    x = Tensor(a)
    np.testing.assert_allclose((x @ Tensor(b)).data, a @ b)
    np.testing.assert_allclose(x.sum(1).data, a.sum(1))
    np.testing.assert_allclose(x.mean((0, 2), True).data, a.mean((0, 2), keepdims=True))
    np.testing.assert_allclose(x.max(-1).data, a.max(-1))
    np.testing.assert_allclose(x.transpose(2, 0, 1).data, a.transpose(2, 0, 1))
    np.testing.assert_allclose(x[[1, 0], :, 2].data, a[[1, 0], :, 2])
    np.testing.assert_allclose(x.T.data, a.T)
    np.testing.assert_allclose(x.exp().log().data, a, atol=1e-12)
    np.testing.assert_allclose(x.relu().data, np.maximum(a, 0))
    np.testing.assert_allclose(x.sigmoid().data, 1 / (1 + np.exp(-a)))
    np.testing.assert_allclose(x.tanh().data, np.tanh(a))
    sm = np.exp(a) / np.exp(a).sum(-1, keepdims=True)
    np.testing.assert_allclose(F.softmax(x).data, sm)
    np.testing.assert_allclose(F.log_softmax(x, 0).data, np.log(np.exp(a) / np.exp(a).sum(0, keepdims=True)))
    logits, y = a[0], np.array([0, 3, 1])
    expected = -np.mean(np.log(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))[np.arange(3), y])
    np.testing.assert_allclose(F.cross_entropy(Tensor(logits), y).item(), expected)
    np.testing.assert_allclose(F.mse_loss(Tensor(a), Tensor(a + 2)).item(), 4.0)
    w, bias = rng.standard_normal((5, 4)), rng.standard_normal(5)
    np.testing.assert_allclose(F.linear(x, Tensor(w), Tensor(bias)).data, a @ w.T + bias)


def test_softmax_and_cross_entropy_are_stable_for_huge_logits() -> None:
    x = Tensor(np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]]), requires_grad=True)
    assert np.isfinite(F.softmax(x).data).all() and np.isfinite(F.log_softmax(x).data).all()
    loss = F.cross_entropy(x, np.array([2, 0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad).all()
    np.testing.assert_allclose(loss.item(), (2000.0 + np.log(3)) / 2)
    s = Tensor(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(s.sigmoid().data, [0.0, 0.5, 1.0])


def test_max_ties_share_the_gradient() -> None:
    """Ties share the gradient equally, so the total flowing back is still the upstream gradient."""
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    x.max(axis=1).backward(np.array([1.0, 3.0]))
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5], [1.0, 1.0, 1.0]])
    x.zero_grad()
    x.max().backward()
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])
    # a two-way tie is where central differences give exactly 1/2 to each element
    assert mg.gradcheck(
        lambda t: t.max(1), Tensor(np.array([[1.0, 3.0, 3.0], [0.5, 2.0, 1.0]]), requires_grad=True)
    )


def test_repeated_fancy_indices_add_up() -> None:
    x = Tensor(np.zeros(4), requires_grad=True)
    x[[1, 1, 3, 1]].backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [0.0, 7.0, 0.0, 3.0])


def test_relu_gradient_at_zero_is_zero() -> None:
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n() -> None:
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    x = Tensor(logits, requires_grad=True)
    F.cross_entropy(x, np.array([2, 1], dtype=np.uint8)).backward()
    sm = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad, (sm - np.eye(3)[[2, 1]]) / 2)


def test_axis_may_be_positional() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(0).data, [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(x.mean(1, True).data, [[1.0], [4.0]])
    np.testing.assert_array_equal(x.max(1).data, [2.0, 5.0])


def test_transpose_and_reshape_accept_tuples_or_varargs() -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.transpose(2, 0, 1).shape == x.transpose((2, 0, 1)).shape == (4, 2, 3)
    assert x.reshape(6, 4).shape == x.reshape((6, 4)).shape == x.reshape([6, -1]).shape == (6, 4)
