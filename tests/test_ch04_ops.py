"""Reductions, shape operations, matmul, elementwise functions and the functional layer (minigrad/ops/,
minigrad/functional/activation.py and loss.py, chapter 04): forward values against NumPy and float64 gradient
checks with `minigrad.gradcheck`."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor

pytestmark = pytest.mark.ch04


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
    ("amax dim=0", lambda x: x.amax(0), [(3, 4)], None),
    ("amax dim=-1 keepdim", lambda x: x.amax(dim=-1, keepdim=True), [(2, 3, 4)], None),
    ("amax dims (0,2)", lambda x: x.amax(dim=(0, 2)), [(2, 3, 4)], None),
    ("amin dim=1", lambda x: x.amin(1), [(3, 4)], None),
    ("max(dim) values", lambda x: x.max(1).values, [(3, 4)], None),
    ("max(dim)[0] keepdim", lambda x: x.max(0, keepdim=True)[0], [(3, 4)], None),
    ("min(dim) values", lambda x: x.min(dim=-1).values, [(2, 3, 4)], None),
    ("max(other)", lambda a, b: a.max(b), [(3, 4), (4,)], None),
    ("var", lambda x: x.var(), [(3, 4)], None),
    ("var dim unbiased=False", lambda x: x.var(1, unbiased=False), [(3, 4)], None),
    ("std dim keepdim", lambda x: x.std(0, keepdim=True), [(3, 4)], None),
    ("logsumexp", lambda x: x.logsumexp(1), [(3, 4)], None),
    ("logsumexp dims keepdim", lambda x: x.logsumexp((0, 2), keepdim=True), [(2, 3, 4)], None),
    ("norm", lambda x: x.norm(), [(3, 4)], None),
    ("norm dim", lambda x: x.norm(dim=1), [(3, 4)], None),
    ("norm p=1", lambda x: x.norm(p=1), [(3, 4)], None),
    ("reshape", lambda x: x.reshape(4, 3), [(3, 4)], None),
    ("reshape tuple -1", lambda x: x.reshape((2, -1)), [(2, 3, 2)], None),
    ("view", lambda x: x.view(2, 6), [(3, 4)], None),
    ("view_as", lambda a, b: a.view_as(b), [(3, 4), (12,)], None),
    ("flatten", lambda x: x.flatten(), [(2, 3, 4)], None),
    ("flatten 1", lambda x: x.flatten(1), [(2, 3, 4)], None),
    ("squeeze", lambda x: x.squeeze(), [(1, 3, 1)], None),
    ("squeeze dim", lambda x: x.squeeze(0), [(1, 3, 1)], None),
    ("unsqueeze", lambda x: x.unsqueeze(1), [(3, 4)], None),
    ("unsqueeze -1", lambda x: x.unsqueeze(-1), [(3, 4)], None),
    ("expand", lambda x: x.expand(2, 3, 4), [(3, 1)], None),
    ("expand -1", lambda x: x.expand(-1, 4), [(3, 1)], None),
    ("expand_as", lambda a, b: a.expand_as(b), [(4,), (3, 4)], None),
    ("permute", lambda x: x.permute(1, 2, 0), [(2, 3, 4)], None),
    ("permute tuple negative", lambda x: x.permute((-1, 0, 1)), [(2, 3, 4)], None),
    ("transpose(0, 1)", lambda x: x.transpose(0, 1), [(3, 4)], None),
    ("transpose(1, -1)", lambda x: x.transpose(1, -1), [(2, 3, 4)], None),
    ("t", lambda x: x.t(), [(3, 4)], None),
    ("T", lambda x: x.T, [(3, 4)], None),
    ("clone", lambda x: x.clone() * x, [(3, 4)], None),
    ("contiguous", lambda x: x.T.contiguous(), [(3, 4)], None),
    ("gather", lambda x: x.gather(1, Tensor(np.array([[0, 0], [1, 0], [3, 3]]))), [(3, 4)], None),
    ("masked_fill", lambda x: x.masked_fill(x.detach() > 0, 0.0), [(3, 4)], None),
    ("where", lambda a, b: mg.where(a.detach() > 0, a, b), [(3, 4), (4,)], None),
    ("where scalar", lambda a: mg.where(a.detach() > 0, a, 0.0), [(3, 4)], None),
    ("cat", lambda a, b: mg.cat([a, b], dim=1), [(3, 4), (3, 2)], None),
    ("cat reused", lambda a: mg.cat([a, a * 2.0, a]), [(2, 3)], None),
    ("stack", lambda a, b: mg.stack([a, b], dim=-1), [(3, 4), (3, 4)], None),
    ("iter", lambda x: sum(row * float(i) for i, row in enumerate(x)), [(3, 4)], None),
    ("getitem int", lambda x: x[1], [(3, 4)], None),
    ("getitem slice", lambda x: x[1:, ::2], [(3, 4)], None),
    ("getitem negative+ellipsis", lambda x: x[..., -1], [(2, 3, 4)], None),
    ("getitem None", lambda x: x[None, 0], [(3, 4)], None),
    ("getitem repeated fancy", lambda x: x[[0, 2, 0, 0]], [(3, 4)], None),
    ("getitem repeated pairs", lambda x: x[[0, 1, 0], [2, 2, 2]], [(3, 4)], None),
    ("getitem mask", lambda x: x[np.array([True, False, True])], [(3, 4)], None),
    ("getitem tensor index", lambda x: x[Tensor(np.array([1, 1]))], [(3, 4)], None),
    ("getitem list index", lambda x: x[[2, 0]], [(3, 4)], None),
    ("getitem bool tensor mask", lambda x: x[x.detach() > 0], [(3, 4)], None),
    ("getitem tuple with tensor", lambda x: x[Tensor(np.array([0, 2])), 1:], [(3, 4)], None),
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
    ("mm", lambda a, b: a.mm(b), [(3, 4), (4, 2)], None),
    ("exp", lambda x: x.exp(), [(3, 4)], None),
    ("log", lambda x: x.log(), [(3, 4)], 0.5),
    ("relu", lambda x: x.relu(), [(3, 4)], None),
    ("sigmoid", lambda x: x.sigmoid(), [(3, 4)], None),
    ("tanh", lambda x: x.tanh(), [(3, 4)], None),
    ("sqrt", lambda x: x.sqrt(), [(3, 4)], 0.5),
    ("abs", lambda x: x.abs(), [(3, 4)], None),
    ("sin", lambda x: x.sin(), [(3, 4)], None),
    ("cos", lambda x: mg.cos(x), [(3, 4)], None),
    ("clamp", lambda x: x.clamp(-0.5, 0.5), [(3, 4)], None),
    ("clamp min", lambda x: x.clamp(min=0.0), [(3, 4)], None),
    ("maximum", lambda a, b: mg.maximum(a, b), [(3, 4), (4,)], None),
    ("minimum", lambda a, b: a.minimum(b), [(3, 4), (3, 1)], None),
    ("x.softmax", lambda x: x.softmax(dim=1), [(3, 4)], None),
    ("x.log_softmax", lambda x: x.log_softmax(0), [(3, 4)], None),
    ("mg.exp", mg.exp, [(3, 4)], None),
    ("mg.sum dim", lambda x: mg.sum(x, 1), [(3, 4)], None),
    ("F.leaky_relu", lambda x: F.leaky_relu(x, 0.1), [(3, 4)], None),
    ("F.relu", F.relu, [(3, 4)], None),
    ("F.sigmoid", F.sigmoid, [(3, 4)], None),
    ("F.tanh", F.tanh, [(3, 4)], None),
    ("softmax", lambda x: F.softmax(x, dim=1), [(3, 4)], None),
    ("softmax dim=0", lambda x: F.softmax(x, 0), [(3, 4)], None),
    ("log_softmax", lambda x: F.log_softmax(x, dim=-1), [(3, 4)], None),
    ("log_softmax axis=1 of 3-D", lambda x: F.log_softmax(x, 1), [(2, 3, 4)], None),
    ("cross_entropy", lambda x: F.cross_entropy(x, labels(5, 4)), [(5, 4)], None),
    ("cross_entropy uint8", lambda x: F.cross_entropy(x, labels(5, 4, np.uint8)), [(5, 4)], None),
    ("cross_entropy sum", lambda x: F.cross_entropy(x, labels(5, 4), reduction="sum"), [(5, 4)], None),
    ("cross_entropy none", lambda x: F.cross_entropy(x, labels(5, 4), reduction="none"), [(5, 4)], None),
    ("cross_entropy probabilities", lambda x: F.cross_entropy(x, np.full((5, 4), 0.25)), [(5, 4)], None),
    ("nll_loss", lambda x: F.nll_loss(F.log_softmax(x, dim=1), labels(5, 4)), [(5, 4)], None),
    (
        "bce",
        lambda x: F.binary_cross_entropy(x.sigmoid(), np.linspace(0, 1, 12).reshape(3, 4)),
        [(3, 4)],
        None,
    ),
    ("bce with logits", lambda x: F.binary_cross_entropy_with_logits(x, np.eye(3, 4)), [(3, 4)], None),
    ("bce with logits, target grad", F.binary_cross_entropy_with_logits, [(3, 4), (3, 4)], None),
    ("l1_loss", lambda x: F.l1_loss(x, np.zeros((3, 4))), [(3, 4)], None),
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
    ("softmax reuse", lambda x: (F.softmax(x, 1) * x).sum(-1).mean() + x.max(), [(3, 4)], None),
]


@pytest.mark.parametrize("fn,shapes,low", [g[1:] for g in GRADCHECKS], ids=[g[0] for g in GRADCHECKS])
def test_gradcheck(fn, shapes, low) -> None:
    inputs = [t64(s, seed=i, low=low) for i, s in enumerate(shapes)]
    assert mg.gradcheck(fn, *inputs)


MIXED = next(g[1] for g in GRADCHECKS if g[0] == "rmatmul array")  # float64 array @ float32 tensor
SHAPE_ONLY_INPUTS = {g[1] for g in GRADCHECKS if g[0] in ("view_as", "expand_as")}  # 2nd input: its shape


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
        mg.autograd.backward(out, np.ones(out.shape, dtype=np.float32), hook=hook)
    for x in inputs:
        if fn not in SHAPE_ONLY_INPUTS:
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
    np.testing.assert_allclose(x.amax(-1).data, a.max(-1))
    np.testing.assert_allclose(x.max(-1).values.data, a.max(-1))
    np.testing.assert_array_equal(x.max(-1).indices.data, a.argmax(-1))
    np.testing.assert_array_equal(x.argmin(1).data, a.argmin(1))
    np.testing.assert_array_equal(x.argmax().data, a.argmax())
    np.testing.assert_allclose(x.var(1).data, a.var(1, ddof=1))
    np.testing.assert_allclose(x.std().data, a.std(ddof=1))
    np.testing.assert_allclose(x.logsumexp(2).data, np.log(np.exp(a).sum(2)))
    np.testing.assert_allclose(x.norm().data, np.linalg.norm(a))
    np.testing.assert_allclose(x.permute(2, 0, 1).data, a.transpose(2, 0, 1))
    np.testing.assert_allclose(x.transpose(0, 2).data, a.swapaxes(0, 2))
    np.testing.assert_allclose(x[[1, 0], :, 2].data, a[[1, 0], :, 2])
    np.testing.assert_allclose(x.T.data, a.T)
    np.testing.assert_allclose(x.exp().log().data, a, atol=1e-12)
    np.testing.assert_allclose(x.relu().data, np.maximum(a, 0))
    np.testing.assert_allclose(x.sigmoid().data, 1 / (1 + np.exp(-a)))
    np.testing.assert_allclose(x.tanh().data, np.tanh(a))
    np.testing.assert_allclose(x.clamp(-0.5, 0.5).data, np.clip(a, -0.5, 0.5))
    np.testing.assert_allclose(mg.cat([x, x], 1).data, np.concatenate([a, a], 1))
    np.testing.assert_allclose(mg.stack([x, x]).data, np.stack([a, a]))
    np.testing.assert_allclose(mg.where(x > 0, x, -1.0).data, np.where(a > 0, a, -1.0))
    sm = np.exp(a) / np.exp(a).sum(-1, keepdims=True)
    np.testing.assert_allclose(F.softmax(x, dim=-1).data, sm)
    np.testing.assert_allclose(F.log_softmax(x, 0).data, np.log(np.exp(a) / np.exp(a).sum(0, keepdims=True)))
    logits, y = a[0], np.array([0, 3, 1])
    logp = np.log(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))
    expected = -np.mean(logp[np.arange(3), y])
    np.testing.assert_allclose(F.cross_entropy(Tensor(logits), y).item(), expected)
    np.testing.assert_allclose(F.nll_loss(Tensor(logp), y).item(), expected)
    np.testing.assert_allclose(F.cross_entropy(Tensor(logits), y, reduction="sum").item(), 3 * expected)
    np.testing.assert_allclose(F.mse_loss(Tensor(a), Tensor(a + 2)).item(), 4.0)
    w, bias = rng.standard_normal((5, 4)), rng.standard_normal(5)
    np.testing.assert_allclose(F.linear(x, Tensor(w), Tensor(bias)).data, a @ w.T + bias)
    p, t = np.array([0.2, 0.9]), np.array([0.0, 1.0])
    bce = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(Tensor(p), t).item(), bce)
    logit = np.log(p / (1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(Tensor(logit), t).item(), bce)


def test_softmax_and_cross_entropy_are_stable_for_huge_logits() -> None:
    x = Tensor(np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]]), requires_grad=True)
    assert np.isfinite(F.softmax(x, 1).data).all() and np.isfinite(F.log_softmax(x, 1).data).all()
    loss = F.cross_entropy(x, np.array([2, 0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(loss.item(), (2000.0 + np.log(3)) / 2)
    s = Tensor(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(s.sigmoid().data, [0.0, 0.5, 1.0])
    big = Tensor(np.array([-1000.0, 1000.0]))
    assert np.isfinite(F.binary_cross_entropy_with_logits(big, np.array([1.0, 0.0])).item())
    np.testing.assert_allclose(big.logsumexp(0).item(), 1000.0)


def test_amax_ties_share_the_gradient_and_max_dim_picks_one_index() -> None:
    """amax (and max() without dim) share the gradient of equal maxima; max(dim) sends it to one index."""
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x = Tensor(data, requires_grad=True)
    x.amax(dim=1).backward(np.array([1.0, 3.0]))
    np.testing.assert_allclose(x.grad.data, [[0.0, 0.5, 0.5], [1.0, 1.0, 1.0]])
    x.grad = None
    x.max().backward()
    np.testing.assert_allclose(x.grad.data, [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])
    x.grad = None
    values, indices = x.max(1)
    values.backward(np.array([1.0, 3.0]))
    np.testing.assert_allclose(x.grad.data, [[0.0, 1.0, 0.0], [3.0, 0.0, 0.0]])
    assert indices.tolist() == [1, 0] and indices.dtype == np.int64 and not indices.requires_grad
    # a two-way tie is where central differences give exactly 1/2 to each element
    assert mg.gradcheck(
        lambda t: t.amax(1), Tensor(np.array([[1.0, 3.0, 3.0], [0.5, 2.0, 1.0]]), requires_grad=True)
    )


def test_max_min_in_pytorch_forms() -> None:
    x = Tensor(np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]))
    assert x.max(1)[1].tolist() == [1, 2] and x.max(dim=1).indices.tolist() == [1, 2]
    assert x.max(1, keepdim=True).values.shape == (2, 1)
    assert x.min(0).values.tolist() == [1.0, 2.0, 3.0] and x.max().item() == 6.0
    assert x.max(Tensor(np.full((2, 3), 4.0))).tolist() == [[4.0, 5.0, 4.0], [4.0, 4.0, 6.0]]
    assert x.argmax(dim=1, keepdim=True).tolist() == [[1], [2]]
    correct = x.argmax(1) == Tensor(np.array([1, 0]))
    assert correct.float().mean().item() == 0.5  # the accuracy idiom


def test_repeated_fancy_indices_add_up() -> None:
    x = Tensor(np.zeros(4), requires_grad=True)
    x[[1, 1, 3, 1]].backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad.data, [0.0, 7.0, 0.0, 3.0])
    y = Tensor(np.zeros((2, 3)), requires_grad=True)
    y.gather(1, Tensor(np.array([[0, 0], [2, 2]]))).backward(np.ones((2, 2)))
    np.testing.assert_array_equal(y.grad.data, [[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]])


def test_gradients_at_kinks_follow_pytorch() -> None:
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])
    x.grad = None
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])
    x.grad = None
    x.clamp(0.0, 2.0).sum().backward()  # the ends belong to the range
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])
    x.grad = None
    mg.maximum(x, Tensor(np.zeros(3))).sum().backward()  # a tie shares the gradient
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.5, 1.0])
    z = Tensor(np.zeros(3), requires_grad=True)
    z.norm().backward()
    np.testing.assert_array_equal(z.grad.data, [0.0, 0.0, 0.0])


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n() -> None:
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    x = Tensor(logits, requires_grad=True)
    F.cross_entropy(x, np.array([2, 1], dtype=np.uint8)).backward()
    sm = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.data, (sm - np.eye(3)[[2, 1]]) / 2)


def test_dim_and_axis_spellings() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(0).data, [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(x.sum(dim=0).data, x.sum(axis=0).data)
    np.testing.assert_array_equal(x.mean(1, True).data, [[1.0], [4.0]])
    np.testing.assert_array_equal(x.mean(axis=1, keepdims=True).data, [[1.0], [4.0]])
    with pytest.raises(TypeError, match=r"either dim= or axis="):
        x.sum(0, axis=1)


def test_shape_methods_accept_tuples_or_varargs() -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.permute(2, 0, 1).shape == x.permute((2, 0, 1)).shape == (4, 2, 3)
    assert x.reshape(6, 4).shape == x.reshape((6, 4)).shape == x.reshape([6, -1]).shape == (6, 4)
    assert x.view(-1).shape == (24,) and x.expand(5, 2, 3, 4).shape == (5, 2, 3, 4)
    assert x.transpose(0, 1).shape == (3, 2, 4) and x.flatten(0, 1).shape == (6, 4)
    assert x[None].squeeze(0).shape == x.shape and x.unsqueeze(0).shape == (1, 2, 3, 4)


def test_view_shares_memory_and_refuses_to_copy() -> None:
    x = Tensor(np.zeros(6))
    v = x.view(2, 3)
    v[0, 0] = 5.0
    assert x.data[0] == 5.0
    with pytest.raises(RuntimeError, match=r"view: the elements of this \(3, 2\) tensor are not laid out"):
        v.T.view(6)
    assert v.T.reshape(6).shape == (6,)


def test_casts_and_dtypes() -> None:
    x = Tensor(np.array([1.5, -2.5]), requires_grad=True)
    assert x.float().dtype == mg.float32 and x.long().dtype == mg.int64 and x.int().dtype == mg.int32
    assert x.bool().dtype == mg.bool and x.half().dtype == mg.float16 and x.to(mg.float32).dtype == np.float32
    assert x.to(dtype=mg.float64) is x and x.type_as(Tensor([1.0])).dtype == np.float32
    assert not x.long().requires_grad, "integers carry no gradient"
    x.float().sum().backward()  # between float types the gradient flows, in the source dtype
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [1.0, 1.0]
    assert Tensor([1, 2]).to("float64").dtype == np.float64 and x.to("cpu") is x


def test_functional_namespaces() -> None:
    import minigrad.nn.functional as NF

    assert NF.relu is F.relu and NF.cross_entropy is F.cross_entropy
    assert mg.autograd.Function is mg.Function
    with pytest.raises(TypeError, match=r"softmax: give dim="):
        F.softmax(Tensor([1.0]))


def test_linear_weight_gradient_has_the_weights_memory_order() -> None:
    """x @ W.T multiplies by a transposed view; W.grad must still be row-major like W, or every optimizer step
    walks the weight and its gradient in different orders (several times slower for a large layer)."""
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((6, 5)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(6, dtype=np.float32), requires_grad=True)
    x = Tensor(rng.standard_normal((4, 5)).astype(np.float32))
    F.linear(x, w, b).sum().backward()
    assert w.grad.data.flags.c_contiguous
    np.testing.assert_allclose(w.grad.data, np.ones((4, 6), np.float32).T @ x.data, rtol=1e-6)
