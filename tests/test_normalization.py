"""Batch normalisation (minigrad/functional/normalization.py, minigrad/nn/normalization.py).

Gradients against float64 central differences (training and evaluation paths, every input, with and
without the affine part, 2-D to 4-D inputs); PyTorch's semantics pinned with numbers PyTorch 2.13 computed
for the same inputs (momentum weighs the new batch, the running variance is unbiased, momentum=None is a
plain average, eval uses the running statistics); modes, options and clear errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, nn
from minigrad.functional.normalization import BatchNormFunction, batch_norm

pytestmark = pytest.mark.ch09

X = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 0.5], [-1.0, 4.0, 2.5], [0.0, 1.0, -0.5]])
# torch.nn.BatchNorm1d(3, momentum=0.2, eps=0.1) with weight (1, 2, -1) and bias (0, 0.5, 1), in float64
TORCH_TRAIN_OUT = np.array(
    [
        [0.1652949, -2.0136702, 1.22032632],
        [1.48765411, -0.18554642, 1.22032632],
        [-1.15706431, 3.47070114, -0.54228427],
        [-0.4958847, 0.72851547, 2.10163162],
    ]
)
TORCH_RUNNING_1 = ([0.15, 0.15, 0.15], [1.38333333, 2.05, 1.11666667])  # after X
TORCH_RUNNING_2 = ([0.42, 0.42, 0.42], [3.44, 6.64, 2.16])  # after X, then 2 X
TORCH_EVAL_OUT = np.array([[0.30826652, 0.94681531, 0.61418974]])  # then .eval() on [[1, 1, 1]]


def torch_like_layer() -> nn.BatchNorm1d:
    bn = nn.BatchNorm1d(3, momentum=0.2, eps=0.1)
    bn.weight.data = np.array([1.0, 2.0, -1.0])
    bn.bias.data = np.array([0.0, 0.5, 1.0])
    bn.running_mean.data = np.zeros(3)
    bn.running_var.data = np.ones(3)
    return bn


def test_layer_matches_pytorch_in_training_and_evaluation() -> None:
    bn = torch_like_layer()
    np.testing.assert_allclose(bn(Tensor(X)).data, TORCH_TRAIN_OUT, rtol=1e-7)
    np.testing.assert_allclose(bn.running_mean.data, TORCH_RUNNING_1[0], rtol=1e-7)
    np.testing.assert_allclose(bn.running_var.data, TORCH_RUNNING_1[1], rtol=1e-7)
    bn(Tensor(2 * X))
    np.testing.assert_allclose(bn.running_mean.data, TORCH_RUNNING_2[0], rtol=1e-7)
    np.testing.assert_allclose(bn.running_var.data, TORCH_RUNNING_2[1], rtol=1e-7)
    assert int(bn.num_batches_tracked) == 2
    bn.eval()
    np.testing.assert_allclose(bn(Tensor(np.ones((1, 3)))).data, TORCH_EVAL_OUT, rtol=1e-7)
    assert int(bn.num_batches_tracked) == 2  # evaluation does not count, and does not move the statistics
    np.testing.assert_allclose(bn.running_mean.data, TORCH_RUNNING_2[0], rtol=1e-7)


def test_momentum_none_is_the_plain_average_of_all_batches() -> None:
    bn = nn.BatchNorm1d(3, momentum=None)
    bn.running_mean.data, bn.running_var.data = np.zeros(3), np.ones(3)
    for k in range(3):
        bn(Tensor(X + k))
    # PyTorch 2.13: running_mean (1.75, 1.75, 1.75), running_var (2.9166667, 6.25, 1.5833333)
    np.testing.assert_allclose(bn.running_mean.data, [1.75, 1.75, 1.75], rtol=1e-7)
    np.testing.assert_allclose(bn.running_var.data, [2.91666667, 6.25, 1.58333333], rtol=1e-7)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_training_gradcheck(shape, affine) -> None:
    rng = np.random.default_rng(0)
    scale = np.array([1.0, 0.1, 5.0]).reshape((1, 3) + (1,) * (len(shape) - 2))
    x = Tensor(rng.standard_normal(shape) * scale + 2.0, requires_grad=True)
    if affine:
        w = Tensor(rng.standard_normal(3), requires_grad=True)
        b = Tensor(rng.standard_normal(3), requires_grad=True)
        assert mg.gradcheck(lambda x, w, b: BatchNormFunction.apply(x, w, b, eps=1e-5), x, w, b)
    else:
        assert mg.gradcheck(lambda x: BatchNormFunction.apply(x, None, None, eps=1e-5), x)


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4, 4)])
def test_evaluation_gradcheck(shape) -> None:
    rng = np.random.default_rng(1)
    mean, var = Tensor(rng.standard_normal(3)), Tensor(rng.uniform(0.5, 2.0, 3))
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    w, b = (
        Tensor(rng.standard_normal(3), requires_grad=True),
        Tensor(rng.standard_normal(3), requires_grad=True),
    )
    assert mg.gradcheck(lambda x, w, b: batch_norm(x, mean, var, w, b, training=False), x, w, b)


def test_forward_standardises_each_channel_with_the_biased_variance() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 4, 3, 3)) * np.array([1, 2, 3, 4]).reshape(1, 4, 1, 1) + 7
    out = BatchNormFunction.apply(Tensor(x), None, None, eps=0.0).data
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, rtol=1e-12)  # biased: divide by m
    eps = BatchNormFunction.apply(Tensor(x), None, None, eps=2.0).data
    expected = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(
        x.var(axis=(0, 2, 3), keepdims=True) + 2.0
    )
    np.testing.assert_allclose(eps, expected, rtol=1e-12)  # eps inside the square root


def test_float32_stays_float32_and_running_tensors_keep_their_identity() -> None:
    bn = nn.BatchNorm2d(4)
    mean, var = bn.running_mean, bn.running_var
    x = Tensor(np.random.default_rng(3).standard_normal((5, 4, 3, 3)).astype(np.float32), requires_grad=True)
    out = bn(x)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == bn.weight.grad.dtype == np.float32
    assert bn.running_mean is mean and bn.running_var is var
    assert mean.dtype == var.dtype == np.float32 and not np.array_equal(mean.data, np.zeros(4))
    assert not mean.requires_grad  # running statistics are not parameters
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]


def test_modes_follow_the_model() -> None:
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.ReLU())
    x = Tensor(np.random.default_rng(4).standard_normal((16, 3)).astype(np.float32))
    train_out = model(x).data
    model.eval()
    assert not model[1].training
    eval_out = model(x).data
    assert not np.allclose(train_out, eval_out)  # one batch of running statistics is not the batch's own
    model.train()
    np.testing.assert_allclose(model[1](model[0](x)).data.mean(axis=0), 0, atol=1e-6)


def test_options_affine_and_track_running_stats() -> None:
    x = Tensor(np.random.default_rng(5).standard_normal((6, 2, 3)))
    plain = nn.BatchNorm1d(2, affine=False)
    assert plain.weight is None and plain.bias is None and list(plain.parameters()) == []
    np.testing.assert_allclose(plain(x).data.mean(axis=(0, 2)), 0, atol=1e-12)
    untracked = nn.BatchNorm1d(2, track_running_stats=False)
    assert untracked.running_mean is None and untracked.num_batches_tracked is None
    untracked.eval()  # without running statistics, evaluation normalises with the batch's own
    np.testing.assert_allclose(untracked(x).data.mean(axis=(0, 2)), 0, atol=1e-12)
    assert (
        repr(nn.BatchNorm2d(16))
        == "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    )


@pytest.mark.parametrize(
    "layer, shape, fragments",
    [
        (nn.BatchNorm1d(3), (2, 3, 4, 4), ["BatchNorm1d", "2D or 3D", "(2, 3, 4, 4)"]),
        (nn.BatchNorm2d(3), (2, 3), ["BatchNorm2d", "4D", "(2, 3)"]),
        (nn.BatchNorm2d(3), (2, 5, 4, 4), ["5 channels", "num_features=3"]),
        (nn.BatchNorm1d(3), (1, 3), ["more than 1 value per channel", "(1, 3)"]),
    ],
)
def test_clear_errors(layer, shape, fragments) -> None:
    with pytest.raises(ValueError) as info:
        layer(Tensor(np.zeros(shape, np.float32)))
    for fragment in fragments:
        assert fragment in str(info.value)


def test_functional_errors_and_a_single_example_in_evaluation() -> None:
    x = Tensor(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        batch_norm(x, Tensor(np.zeros(2)), Tensor(np.ones(3)), training=True)
    with pytest.raises(ValueError, match="needs running_mean and running_var"):
        batch_norm(x, None, None, training=False)
    bn = nn.BatchNorm1d(3).eval()
    np.testing.assert_allclose(bn(Tensor(np.ones((1, 3), np.float32))).data, 1 / np.sqrt(1 + 1e-5), rtol=1e-6)


def test_running_statistics_are_buffers_in_the_state_dict() -> None:
    """As in PyTorch: saved and restored with the weights under their own keys, and never learned."""
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4))
    model(Tensor(np.random.default_rng(6).standard_normal((8, 3)).astype(np.float32)))
    state = model.state_dict()
    assert list(state) == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    ]
    assert len(list(model.parameters())) == 4
    fresh = nn.Sequential(nn.Linear(3, 4, rng=1), nn.BatchNorm1d(4))
    fresh.load_state_dict({k: np.array(v.data, copy=True) for k, v in state.items()})
    np.testing.assert_array_equal(fresh[1].running_var.data, model[1].running_var.data)
    assert int(fresh[1].num_batches_tracked) == 1
    x = Tensor(np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(fresh.eval()(x).data, model.eval()(x).data)
    assert list(nn.BatchNorm1d(2, affine=False, track_running_stats=False).state_dict()) == []
