"""Pooling, Flatten and Dropout (minigrad/functional/pooling.py, functional/dropout.py, nn/pooling.py).

Forward against loop references written here; gradients against float64 central differences (overlapping
windows, padding, non-square windows); ties routed to one element as in PyTorch; padded average pooling
counting the zeros; dropout seeded, scaled, and the identity in eval mode; clear errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor, nn

pytestmark = pytest.mark.ch08


def pairs(v):
    return (v, v) if isinstance(v, int) else v


def pool_reference(x: np.ndarray, kernel, stride, padding, kind: str) -> np.ndarray:
    (kh, kw), (ph, pw) = pairs(kernel), pairs(padding)
    sh, sw = pairs(kernel if stride is None else stride)
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    oh = (x.shape[2] + 2 * ph - kh) // sh + 1
    ow = (x.shape[3] + 2 * pw - kw) // sw + 1
    out = np.empty(x.shape[:2] + (oh, ow))
    for y in range(oh):
        for x_ in range(ow):
            window = xp[:, :, y * sh : y * sh + kh, x_ * sw : x_ * sw + kw]
            out[:, :, y, x_] = window.max(axis=(2, 3)) if kind == "max" else window.mean(axis=(2, 3))
    return out


CASES = [  # kernel, stride, padding
    (2, None, 0),  # LeNet's: windows side by side
    (3, 1, 1),  # overlapping windows with padding
    (3, 2, 1),  # overlapping, stride 2
    ((3, 2), (2, 1), (1, 0)),  # non-square
    (2, 1, 0),  # overlapping, no padding
    ((2, 3), (2, 3), 0),  # input size not a multiple of the window: the rest is dropped (floor mode)
]
POOLS = {"max": F.max_pool2d, "avg": F.avg_pool2d}


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("kernel, stride, padding", CASES)
def test_forward_matches_reference(kind, kernel, stride, padding) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    got = POOLS[kind](Tensor(x), kernel, stride, padding).data
    np.testing.assert_allclose(got, pool_reference(x, kernel, stride, padding, kind), rtol=1e-12)


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("kernel, stride, padding", CASES)
def test_gradcheck(kind, kernel, stride, padding) -> None:
    x = Tensor(np.random.default_rng(1).standard_normal((2, 2, 7, 8)), requires_grad=True)
    assert mg.gradcheck(lambda x: POOLS[kind](x, kernel, stride, padding), x)


def test_max_pool_ties_route_to_the_first_maximum() -> None:
    x = Tensor(
        np.array([[[[2, 2, 0, 0], [2, 2, 0, 0], [1, 7, 7, 1], [0, 7, 1, 7]]]], np.float32), requires_grad=True
    )
    out = F.max_pool2d(x, 2)
    out.backward(np.array([[[[1, 2], [3, 4]]]], np.float32))
    expected = [[1, 0, 2, 0], [0, 0, 0, 0], [0, 3, 4, 0], [0, 0, 0, 0]]
    np.testing.assert_array_equal(x.grad[0, 0], expected)
    assert x.grad.sum() == 10  # each window passes on exactly its upstream gradient


def test_max_pool_overlapping_windows_accumulate() -> None:
    """One pixel that wins three overlapping windows receives all three gradients."""
    x = Tensor(np.array([[[[0, 0, 0, 0], [0, 9, 0, 0], [0, 0, 0, 0]]]], np.float32), requires_grad=True)
    F.max_pool2d(x, (2, 2), stride=1).sum().backward()
    assert x.grad[0, 0, 1, 1] == 4  # all four 2×2 windows that contain the 9


def test_avg_pool_padding_counts_zeros() -> None:
    out = F.avg_pool2d(Tensor(np.ones((1, 1, 3, 3), np.float32)), 3, stride=1, padding=1)
    np.testing.assert_allclose(out.data[0, 0] * 9, [[4, 6, 4], [6, 9, 6], [4, 6, 4]], rtol=1e-6)


def test_float32_and_fast_layouts() -> None:
    """float32 stays float32, also for the non-contiguous NCHW views that conv2d returns."""
    conv_out = F.conv2d(mg.randn(2, 1, 8, 8, rng=0), mg.randn(4, 1, 3, 3, rng=1), padding=1)
    assert not conv_out.data.flags.c_contiguous
    for pool in POOLS.values():
        x = Tensor(conv_out.data, requires_grad=True)
        out = pool(x, 2)
        np.testing.assert_allclose(out.data, pool(Tensor(np.ascontiguousarray(conv_out.data)), 2).data)
        out.sum().backward()
        assert out.dtype == x.grad.dtype == np.float32


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize(
    "shape, args, fragments",
    [
        ((1, 1, 2, 2), (3,), ["window 3×3 is larger than the padded input 2×2", "(1, 1, 2, 2)"]),
        ((1, 1, 4, 2), ((2, 3),), ["window 2×3", "padded input 4×2"]),
        ((1, 1, 8, 8), (2, None, 2), ["padding (2, 2)", "at most half", "2×2"]),
        ((1, 1, 8, 8), (0,), ["kernel_size", "got 0"]),
        ((1, 1, 8, 8), (2, -1), ["stride", "got -1"]),
        ((8, 8), (2,), ["(N, C, H, W)", "(8, 8)"]),
    ],
)
def test_clear_errors(kind, shape, args, fragments) -> None:
    with pytest.raises(ValueError) as info:
        POOLS[kind](Tensor(np.zeros(shape, np.float32)), *args)
    message = str(info.value)
    assert message.startswith(f"{kind}_pool2d:")
    for fragment in fragments:
        assert fragment in message


# --- Dropout ------------------------------------------------------------------------------------------------


def test_dropout_eval_is_the_identity_and_passes_gradients() -> None:
    x = Tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert mg.gradcheck(lambda x: F.dropout(x, 0.5, training=False) * 2.0, x)
    layer = nn.Dropout(0.5, rng=0).eval()
    assert layer(x) is x


def test_dropout_training_is_seeded_scaled_and_differentiable() -> None:
    x = Tensor(np.ones((200, 500), np.float32), requires_grad=True)
    a, b = F.dropout(x, 0.3, rng=7), F.dropout(x, 0.3, rng=7)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.dtype == np.float32
    assert set(np.unique(a.data)) == {0.0, np.float32(1 / 0.7)}
    assert abs((a.data == 0).mean() - 0.3) < 0.01
    a.sum().backward()
    np.testing.assert_array_equal(x.grad, a.data)  # gradient = the mask
    x64 = Tensor(np.random.default_rng(3).standard_normal((4, 5)), requires_grad=True)
    assert mg.gradcheck(lambda x: F.dropout(x, 0.5, rng=1), x64)  # a fixed seed: the same mask every call


def test_dropout_module_draws_new_masks_from_its_generator() -> None:
    x = Tensor(np.ones((4, 100), np.float32))
    first, second = nn.Dropout(0.5, rng=0), nn.Dropout(0.5, rng=0)
    m1, m2 = first(x).data, first(x).data
    assert not np.array_equal(m1, m2)  # a new mask every call...
    np.testing.assert_array_equal(second(x).data, m1)  # ...and the same sequence from the same seed
    assert F.dropout(x, 1.0).data.sum() == 0
    with pytest.raises(ValueError, match="p must be between 0 and 1, got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout: p must be between 0 and 1"):
        F.dropout(x, -0.1)


# --- modules ------------------------------------------------------------------------------------------------


def test_modules() -> None:
    x = mg.randn(2, 3, 6, 6, rng=4)
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).data, F.max_pool2d(x, 2).data)
    np.testing.assert_array_equal(nn.AvgPool2d(3, 1, 1)(x).data, F.avg_pool2d(x, 3, 1, 1).data)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"
    assert nn.Flatten()(x).shape == (2, 108)
    assert nn.Flatten(0, 1)(x).shape == (6, 6, 6)
    assert nn.Flatten(2)(x).shape == (2, 3, 36)
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.5, rng=0))
    model.eval()
    assert not model[1].training
    np.testing.assert_array_equal(model(x).data, x.data.reshape(2, -1))


# --- the paths of the backward pass ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize(
    "shape", [(3, 4, 8, 6), (3, 4, 7, 6)]
)  # windows that tile the input, and a remainder
def test_tiled_and_general_backward_agree_with_central_differences(kind, shape) -> None:
    """2×2 windows with stride 2 write each slice once when they tile the input; a leftover row takes the
    general path (zeros, then +=). Both must match float64 central differences, for N, C > 1."""
    x = Tensor(np.random.default_rng(6).standard_normal(shape), requires_grad=True)
    assert mg.gradcheck(lambda x: POOLS[kind](x, 2), x)


def test_max_pool_ties_on_the_tiled_path_with_batches_and_channels() -> None:
    x = np.zeros((2, 3, 4, 4), np.float32)  # all ties: every window's first element wins
    t = Tensor(x, requires_grad=True)
    out = F.max_pool2d(t, 2)
    out.backward(np.arange(1, 25, dtype=np.float32).reshape(2, 3, 2, 2))
    expected = np.zeros((2, 3, 4, 4), np.float32)
    expected[:, :, ::2, ::2] = np.arange(1, 25).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(t.grad.data, expected)


def test_max_pool_ties_where_windows_overlap() -> None:
    """A pixel that is the first maximum of several overlapping windows gets all their gradients; a tied pixel
    later in the same windows gets none."""
    x = Tensor(np.array([[[[5, 5, 5], [5, 5, 5]]]], np.float32), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).backward(np.array([[[[1, 10]]]], np.float32))
    np.testing.assert_array_equal(x.grad.data, [[[[1, 10, 0], [0, 0, 0]]]])


def test_large_windows_need_a_wider_index() -> None:
    """17×17 = 289 offsets: the winner's index no longer fits in a uint8."""
    x = np.random.default_rng(7).standard_normal((1, 2, 18, 17))
    x[0, :, 5, 16] = 100.0  # offset 5·17 + 16 = 101 in window 0 and 84 in window 1; both windows' maximum
    x[0, 1, 17, 0] = 200.0  # offset 16·17 = 272 of window 1 only: beyond 255
    t = Tensor(x, requires_grad=True)
    out = F.max_pool2d(t, 17, stride=1)
    np.testing.assert_allclose(out.data, pool_reference(x, 17, 1, 0, "max"))
    out.backward(np.array([[[[1.0], [10.0]], [[1.0], [10.0]]]]))
    assert t.grad.data[0, 0, 5, 16] == 11  # both windows of channel 0
    assert t.grad.data[0, 1, 5, 16] == 1 and t.grad.data[0, 1, 17, 0] == 10
    assert t.grad.data.sum() == 22
