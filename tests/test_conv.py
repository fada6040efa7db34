"""conv2d and nn.Conv2d (minigrad/functional/conv.py, minigrad/nn/conv.py), and LeNet-5 end to end.

Forward against a loop reference written here from the definition; backward against float64 central
differences (overlapping windows, stride, padding, dilation, non-square kernels, both code paths: stride 1 and
im2col); clear errors; float32 end to end; a short training run and a state_dict round trip through .npz.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor, nn
from minigrad.functional import conv as C


def pairs(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else v


def conv_reference(x, w, b=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The definition, with loops over output pixels and kernel taps (independent of im2col)."""
    (sh, sw), (ph, pw), (dh, dw) = pairs(stride), pairs(padding), pairs(dilation)
    n, _, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c_out, oh, ow))
    for y in range(oh):
        for x_ in range(ow):
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, y * sh + i * dh, x_ * sw + j * dw]  # (N, C_in)
                    out[:, :, y, x_] += patch @ w[:, :, i, j].T
    return out if b is None else out + b[None, :, None, None]


CASES = [  # (x shape, w shape, stride, padding, dilation)
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0, 1),  # overlapping windows, fast path
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 1, 1),  # padding, fast path
    ((2, 3, 7, 6), (4, 3, 3, 3), 2, 1, 1),  # stride 2 < kernel 3: overlapping, im2col path
    ((2, 3, 8, 7), (4, 3, 3, 3), 1, 2, 2),  # dilation, fast path
    ((2, 3, 8, 7), (4, 3, 3, 2), (2, 1), (1, 0), 1),  # non-square kernel and stride
    ((1, 2, 9, 8), (3, 2, 2, 3), (1, 2), (0, 1), (2, 1)),  # everything per axis
    ((2, 1, 5, 5), (2, 1, 5, 5), 1, 0, 1),  # kernel = input: one output pixel
    ((1, 2, 6, 6), (2, 2, 2, 2), 2, 0, 1),  # stride = kernel: no overlap
]


@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CASES)
def test_forward_matches_reference(xs, ws, stride, padding, dilation) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    got = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride, padding, dilation).data
    np.testing.assert_allclose(
        got, conv_reference(x, w, b, stride, padding, dilation), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CASES)
def test_gradcheck(xs, ws, stride, padding, dilation) -> None:
    rng = np.random.default_rng(1)
    x, w, b = (Tensor(rng.standard_normal(s), requires_grad=True) for s in (xs, ws, ws[:1]))
    assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation), x, w, b)


def test_gradcheck_without_bias_and_frozen_input() -> None:
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((2, 2, 5, 5)))  # like the images: no gradient wanted
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    assert mg.gradcheck(lambda x, w: F.conv2d(x, w, padding=1), x, w)
    F.conv2d(x, w, padding=1).sum().backward()
    assert x.grad is None


def test_float32_end_to_end() -> None:
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, np.float32), requires_grad=True)
    for stride in (1, 2):
        out = F.conv2d(x, w, b, stride=stride, padding=1)
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_col2im_sums_overlapping_windows() -> None:
    """The bug this guards against: `+=` into an overlapping strided view keeps one contribution per pixel."""
    counts = np.array([[1, 2, 3, 2, 1], [2, 4, 6, 4, 2], [3, 6, 9, 6, 3], [2, 4, 6, 4, 2], [1, 2, 3, 2, 1]])
    got = C.col2im(np.ones((9, 9)), (1, 1, 5, 5), (3, 3))
    np.testing.assert_array_equal(got[0, 0], counts)


@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CASES)
def test_col2im_is_the_adjoint_of_im2col(xs, ws, stride, padding, dilation) -> None:
    rng = np.random.default_rng(4)
    k, s, p, d = ws[2:], pairs(stride), pairs(padding), pairs(dilation)
    x = rng.standard_normal(xs)
    cols = C.im2col(x, k, s, p, d)
    other = rng.standard_normal(cols.shape)
    np.testing.assert_allclose((cols * other).sum(), (x * C.col2im(other, xs, k, s, p, d)).sum(), rtol=1e-10)


def test_rows_layout_matches_im2col() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 6, 5))
    for padding, dilation in [((1, 1), (1, 1)), ((0, 2), (2, 1)), ((2, 0), (1, 2))]:
        rows = C.im2col_rows(x, (3, 2), padding, dilation)
        wp, oh = 5 + 2 * padding[1], 6 + 2 * padding[0] - 2 * dilation[0]
        valid = rows.reshape(-1, 2, oh, wp)[..., : wp - dilation[1]].reshape(rows.shape[0], -1)
        np.testing.assert_array_equal(valid, C.im2col(x, (3, 2), (1, 1), padding, dilation))


def test_output_is_a_view_of_one_gemm() -> None:
    """No copy after the GEMM: the NCHW output is a transposed view of the (C_out, N·OH·OW) product."""
    rng = np.random.default_rng(6)
    out = F.conv2d(
        Tensor(rng.standard_normal((2, 3, 6, 6))), Tensor(rng.standard_normal((4, 3, 3, 3))), padding=1
    )
    assert out.data.base is not None and not out.data.flags.c_contiguous


@pytest.mark.parametrize(
    "call, fragments",
    [
        (
            lambda x: F.conv2d(x, mg.randn(8, 4, 3, 3)),
            ["conv2d: input has 3 channels but weight (8, 4, 3, 3) expects 4"],
        ),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 9, 9)), ["conv2d", "9", "padded input is only 8"]),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), dilation=4), ["conv2d", "spans 9", "only 8"]),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), stride=0), ["conv2d", "stride", "got 0"]),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), stride=1.5), ["conv2d", "stride", "1.5"]),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), padding=-1), ["conv2d", "padding", "-1"]),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), stride=(1, 2, 3)), ["conv2d", "stride", "pair"]),
        (lambda x: F.conv2d(x[0], mg.randn(8, 3, 3, 3)), ["conv2d", "(N, C, H, W)", "(3, 8, 8)"]),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), mg.randn(4)), ["conv2d", "bias", "(8,)", "(4,)"]),
    ],
)
def test_clear_errors(call, fragments) -> None:
    x = mg.randn(2, 3, 8, 8, rng=0)
    with pytest.raises(ValueError) as info:
        call(x)
    for fragment in fragments:
        assert fragment in str(info.value)


# --- nn.Conv2d ----------------------------------------------------------------------------------------------


def test_module_layout_init_and_forward() -> None:
    layer = nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, rng=0)
    assert layer.weight.shape == (8, 3, 3, 5) and layer.bias.shape == (8,)
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    bound = 1 / np.sqrt(3 * 3 * 5)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.8 * bound
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert repr(layer) == "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1))"
    x = mg.randn(2, 3, 9, 9, rng=1)
    expected = F.conv2d(x, layer.weight, layer.bias, stride=2, padding=1).data
    np.testing.assert_array_equal(layer(x).data, expected)
    np.testing.assert_array_equal(nn.Conv2d(3, 8, (3, 5), rng=0).weight.data, layer.weight.data)  # same seed
    assert nn.Conv2d(3, 8, 3, bias=False).bias is None


# --- LeNet-5 ------------------------------------------------------------------------------------------------


def lenet5(seed: int) -> nn.Sequential:
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120, rng=rng),
        nn.ReLU(),
        nn.Linear(120, 84, rng=rng),
        nn.ReLU(),
        nn.Linear(84, 10, rng=rng),
    )


def test_lenet_training_loss_falls() -> None:
    """Thirty Adam steps on 256 MNIST digits: the loss must fall far below its start (about ln 10)."""
    from minigrad.datasets import mnist
    from minigrad.optim import Adam

    images, labels = mnist("test")
    x = ((images[:256].astype(np.float32) / 255 - 0.13) / 0.31)[:, None]
    y = labels[:256]
    model = lenet5(0)
    live_calls = len(mg.tracer.funcs)  # graphs other tests keep alive
    opt = Adam(model.parameters(), lr=2e-3)
    losses = []
    for step in range(30):
        xb, yb = x[(step % 4) * 64 :][:64], y[(step % 4) * 64 :][:64]
        loss = F.cross_entropy(model(Tensor(xb)), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[0] > 2.0
    assert np.mean(losses[-4:]) < 0.3 * losses[0], losses
    assert len(mg.tracer.funcs) == live_calls  # every graph of the training steps was released


def test_lenet_state_dict_roundtrip_npz(tmp_path) -> None:
    model = lenet5(0)
    path = tmp_path / "lenet.npz"
    np.savez(path, **model.state_dict())
    restored = lenet5(1)
    with np.load(path) as saved:
        assert sorted(saved.files) == sorted(f"{i}.{p}" for i in (0, 3, 7, 9, 11) for p in ("weight", "bias"))
        restored.load_state_dict(dict(saved))
    x = mg.randn(4, 1, 28, 28, rng=2)
    np.testing.assert_array_equal(restored(x).data, model(x).data)


def test_cross_entropy_rejects_out_of_range_targets() -> None:
    logits = lenet5(0)(mg.randn(2, 1, 28, 28, rng=3))
    with pytest.raises(ValueError, match="target 10 is out of range for 10 classes"):
        F.cross_entropy(logits, np.array([3, 10], np.uint8))
