"""conv2d and nn.Conv2d (minigrad/functional/conv.py and nn/conv.py, chapter 07), and LeNet-5 end to end.

Both differentiable paths are tested: the chapter's `Conv2dGemm` (one im2col and one GEMM for the
whole batch) and the package's `Conv2dFunction` behind `conv2d` (chunks of images in pooled scratch memory,
the rows layout for stride 1, the chapter's im2col/col2im otherwise). Forward against a loop reference
written here from the definition; backward against float64 central differences (overlapping windows,
stride, padding, dilation, non-square kernels, several chunks). The scratch pool and the chunks are
bounded, scratch never leaks into results, memory stays flat over 200 training steps; clear errors;
nn.Conv2d; a short LeNet-5 training run.
"""

from __future__ import annotations

import threading
import tracemalloc

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


def teaching_conv(x, w, b=None, stride=1, padding=0, dilation=1) -> Tensor:
    """The chapter's Conv2dGemm, with conv2d's int-or-pair settings."""
    return C.Conv2dGemm.apply(x, w, b, stride=pairs(stride), padding=pairs(padding), dilation=pairs(dilation))


PATHS = {"conv2d": F.conv2d, "Conv2dGemm": teaching_conv}

CASES = [  # (x shape, w shape, stride, padding, dilation)
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0, 1),  # overlapping windows, rows layout
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 1, 1),  # padding, rows layout
    ((2, 3, 7, 6), (4, 3, 3, 3), 2, 1, 1),  # stride 2 < kernel 3: overlapping, im2col path
    ((2, 3, 8, 7), (4, 3, 3, 3), 1, 2, 2),  # dilation, rows layout
    ((2, 3, 8, 7), (4, 3, 3, 2), (2, 1), (1, 0), 1),  # non-square kernel and stride
    ((1, 2, 9, 8), (3, 2, 2, 3), (1, 2), (0, 1), (2, 1)),  # everything per axis
    ((1, 2, 9, 8), (3, 2, 2, 3), 1, (2, 0), (1, 3)),  # per-axis padding and dilation, rows layout
    ((2, 1, 5, 5), (2, 1, 5, 5), 1, 0, 1),  # kernel = input: one output pixel
    ((1, 2, 6, 6), (2, 2, 2, 2), 2, 0, 1),  # stride = kernel: no overlap
    ((3, 4, 5, 5), (6, 4, 1, 1), 1, 0, 1),  # 1×1 kernel, C_out > C·kH·kW
]


@pytest.mark.ch07
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CASES)
def test_forward_matches_reference(path, xs, ws, stride, padding, dilation) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    got = PATHS[path](Tensor(x), Tensor(w), Tensor(b), stride, padding, dilation).data
    np.testing.assert_allclose(
        got, conv_reference(x, w, b, stride, padding, dilation), rtol=1e-10, atol=1e-12
    )


@pytest.mark.ch07
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CASES)
def test_gradcheck(path, xs, ws, stride, padding, dilation) -> None:
    rng = np.random.default_rng(1)
    x, w, b = (Tensor(rng.standard_normal(s), requires_grad=True) for s in (xs, ws, ws[:1]))
    assert mg.gradcheck(lambda x, w, b: PATHS[path](x, w, b, stride, padding, dilation), x, w, b)


@pytest.mark.ch07
@pytest.mark.parametrize("stride, padding, dilation", [(1, 1, 1), (1, 0, 2), (2, 1, 1), ((1, 2), (2, 0), 1)])
def test_gradcheck_over_many_chunks(monkeypatch, stride, padding, dilation) -> None:
    """A tiny chunk budget: one image per chunk, so every chunk boundary and every accumulation is used."""
    monkeypatch.setattr(C, "CHUNK_BYTES", 64)
    chunks = list(C.batch_chunks(5, 100))
    assert [(s.start, s.stop) for s in chunks] == [(k, k + 1) for k in range(5)]
    rng = np.random.default_rng(2)
    x, w, b = (Tensor(rng.standard_normal(s), requires_grad=True) for s in ((5, 2, 6, 5), (3, 2, 3, 3), (3,)))
    assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation), x, w, b)
    np.testing.assert_allclose(
        F.conv2d(x, w, b, stride, padding, dilation).data,
        conv_reference(x.data, w.data, b.data, stride, padding, dilation),
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.mark.ch07
@pytest.mark.parametrize("path", PATHS)
def test_gradcheck_without_bias_and_frozen_input(path) -> None:
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((2, 2, 5, 5)))  # like the images: no gradient wanted
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    assert mg.gradcheck(lambda x, w: PATHS[path](x, w, None, 1, 1), x, w)
    PATHS[path](x, w, None, 1, 1).sum().backward()
    assert x.grad is None


@pytest.mark.ch07
@pytest.mark.parametrize("wants", [(True, False, False), (False, True, False), (False, False, True)])
def test_only_the_needed_gradients(wants) -> None:
    rng = np.random.default_rng(3)
    tensors = [
        Tensor(rng.standard_normal(s), requires_grad=r)
        for s, r in zip(((2, 2, 5, 5), (3, 2, 3, 3), (3,)), wants)
    ]
    F.conv2d(*tensors, padding=1).sum().backward()
    assert [t.grad is not None for t in tensors] == list(wants)


@pytest.mark.ch07
@pytest.mark.parametrize("path", PATHS)
def test_float32_end_to_end(path) -> None:
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, np.float32), requires_grad=True)
    for stride in (1, 2):
        x.grad = w.grad = b.grad = None
        out = PATHS[path](x, w, b, stride, 1)
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


@pytest.mark.ch07
def test_col2im_sums_overlapping_windows() -> None:
    """The bug this guards against: `+=` into an overlapping strided view keeps one contribution per pixel."""
    counts = np.array([[1, 2, 3, 2, 1], [2, 4, 6, 4, 2], [3, 6, 9, 6, 3], [2, 4, 6, 4, 2], [1, 2, 3, 2, 1]])
    np.testing.assert_array_equal(C.col2im(np.ones((9, 9)), (1, 1, 5, 5), (3, 3))[0, 0], counts)
    g = np.ones((9, 3, 5))  # the rows layout: 3 output rows of Wp = 5 columns, the last 2 of them wrapped
    g[:, :, 3:] = 0  # the wrapped columns carry no gradient
    rows = C.rows_col2im(g.reshape(9, 15), (1, 1, 5, 5), (3, 3), (0, 0), (1, 1), C.ScratchPool(1 << 20))
    np.testing.assert_array_equal(rows[0, 0], counts)


@pytest.mark.ch07
@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CASES)
def test_col2im_is_the_adjoint_of_im2col(xs, ws, stride, padding, dilation) -> None:
    rng = np.random.default_rng(4)
    k, s, p, d = ws[2:], pairs(stride), pairs(padding), pairs(dilation)
    x = rng.standard_normal(xs)
    cols = C.im2col(x, k, s, p, d)
    other = rng.standard_normal(cols.shape)
    np.testing.assert_allclose((cols * other).sum(), (x * C.col2im(other, xs, k, s, p, d)).sum(), rtol=1e-10)


@pytest.mark.ch07
def test_rows_layout_matches_im2col_and_its_adjoint() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 6, 5))
    pool = C.ScratchPool(1 << 20)
    for padding, dilation in [((1, 1), (1, 1)), ((0, 2), (2, 1)), ((2, 0), (1, 2))]:
        rows = C.rows_im2col(x, (3, 2), padding, dilation, pool).copy()
        wp, oh = 5 + 2 * padding[1], 6 + 2 * padding[0] - 2 * dilation[0]
        valid = rows.reshape(-1, 2, oh, wp)[..., : wp - dilation[1]]
        np.testing.assert_array_equal(
            valid.reshape(rows.shape[0], -1), C.im2col(x, (3, 2), (1, 1), padding, dilation)
        )
        g = rng.standard_normal(rows.shape).reshape(-1, 2, oh, wp)
        g[..., wp - dilation[1] :] = 0  # the wrapped columns carry no gradient (the conv sets them to 0)
        g = g.reshape(rows.shape)
        back = C.rows_col2im(g, x.shape, (3, 2), padding, dilation, pool)
        np.testing.assert_allclose((rows * g).sum(), (x * back).sum(), rtol=1e-10)


@pytest.mark.ch07
@pytest.mark.parametrize("path", PATHS)
def test_output_is_a_view_of_the_gemm_layout(path) -> None:
    """No copy after the GEMM: the NCHW output is a view of the product, whose rows are output channels."""
    rng = np.random.default_rng(6)
    out = PATHS[path](
        Tensor(rng.standard_normal((2, 3, 6, 6))), Tensor(rng.standard_normal((4, 3, 3, 3))), None, 1, 1
    )
    assert out.data.base is not None and not out.data.flags.c_contiguous
    assert out.data.strides[1] > out.data.strides[0] > out.data.strides[2] > out.data.strides[3] > 0


# --- the scratch pool and the chunks: bounded, reused, never leaking into results ---------------------------


@pytest.mark.ch07
def test_scratch_pool_reuses_memory_and_stays_bounded() -> None:
    pool = C.ScratchPool(1000)
    a = pool.get("cols", (10, 10), np.float64)  # 800 bytes: kept
    b = pool.get("cols", (5, 4), np.float32)  # smaller: the same memory again
    assert np.shares_memory(a, b) and a.shape == (10, 10) and b.dtype == np.float32
    other = pool.get("grad_cols", (10, 10), np.float64)
    assert not np.shares_memory(a, other), "two roles must never share memory"
    big = pool.get("cols", (20, 10), np.float64)  # 1600 bytes > limit: a fresh array, not kept
    assert big.shape == (20, 10) and not np.shares_memory(big, a)
    assert pool.nbytes == 1600 and set(pool.buffers) == {"cols", "grad_cols"}
    assert pool.get("cols", (200,), np.float32).base is not None  # 800 bytes: back to the kept buffer


@pytest.mark.ch07
def test_each_thread_has_its_own_pool() -> None:
    pools = []
    thread = threading.Thread(target=lambda: pools.append(C.scratch_pool()))
    thread.start()
    thread.join()
    assert pools[0] is not C.scratch_pool()
    assert C.scratch_pool() is C.scratch_pool()


@pytest.mark.ch07
@pytest.mark.parametrize("n, per_image", [(64, 100_000), (5, 10**9), (1000, 719_000), (3, 1)])
def test_batch_chunks_cover_the_batch_within_the_budget(n, per_image) -> None:
    chunks = list(C.batch_chunks(n, per_image))
    assert [i for s in chunks for i in range(s.start, s.stop)] == list(range(n))
    for s in chunks:
        assert (s.stop - s.start) * per_image <= C.CHUNK_BYTES or s.stop - s.start == 1


@pytest.mark.ch07
def test_pool_is_bounded_after_convolutions_of_every_size() -> None:
    """Small, large and huge layers, forward and backward: the pool never keeps more than 6 roles × limit."""
    rng = np.random.default_rng(7)
    pool = C.scratch_pool()
    layers = [
        ((64, 16, 14, 14), (32, 16, 3, 3), 1),
        ((2, 3, 40, 40), (8, 3, 5, 5), 1),
        ((1, 64, 120, 120), (64, 64, 3, 3), 1),  # one image is bigger than a chunk: fresh, unpooled arrays
        ((8, 4, 9, 9), (2, 4, 3, 3), 2),
    ]
    for xs, ws, stride in layers:
        x = Tensor(rng.standard_normal(xs).astype(np.float32), requires_grad=True)
        w = Tensor(rng.standard_normal(ws).astype(np.float32), requires_grad=True)
        F.conv2d(x, w, stride=stride, padding=1).sum().backward()
        assert pool.nbytes <= 6 * pool.limit, pool.nbytes
    assert max(buf.nbytes for buf in pool.buffers.values()) <= pool.limit


@pytest.mark.ch07
def test_results_never_share_memory_with_the_pool() -> None:
    """Scratch is reused by the next call: a result living in it would change under our feet."""
    rng = np.random.default_rng(8)
    x = Tensor(rng.standard_normal((3, 2, 6, 6)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 2, 3, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    out = F.conv2d(x, w, b, padding=1)
    out.backward(rng.standard_normal(out.shape))
    results = [out.data, x.grad.data, w.grad.data, b.grad.data]
    kept = [array.copy() for array in results]
    other = [Tensor(rng.standard_normal(t.shape), requires_grad=True) for t in (x, w, b)]
    F.conv2d(*other, padding=1).sum().backward()  # the same scratch roles and sizes again
    for array, before in zip(results, kept):
        for buf in C.scratch_pool().buffers.values():
            assert not np.shares_memory(array, buf)
        np.testing.assert_array_equal(array, before)


def _traced_mib(fn) -> tuple[float, float]:
    """(memory still allocated after fn, peak during fn) in MiB, counting NumPy's allocations."""
    tracemalloc.start()
    try:
        result = fn()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return current / 2**20, peak / 2**20


@pytest.mark.ch07
def test_large_batch_memory_is_bounded_by_the_chunks() -> None:
    """The MNIST example's second layer on 300 digits: the package needs the output plus at most the pool's
    limit per role; one im2col of the whole batch would be 199 MB."""
    rng = np.random.default_rng(9)
    x = Tensor(rng.standard_normal((300, 32, 26, 26)).astype(np.float32))
    w = Tensor(rng.standard_normal((64, 32, 3, 3)).astype(np.float32))
    out_mib = 300 * 64 * 24 * 24 * 4 / 2**20
    with mg.no_grad():
        _, peak = _traced_mib(lambda: F.conv2d(x, w))
    assert peak <= out_mib + 6 * C.scratch_pool().limit / 2**20 + 1, (peak, out_mib)


@pytest.mark.ch07
def test_training_saves_the_input_not_the_columns() -> None:
    """After a recorded forward, only the output is new memory: backward rebuilds the columns."""
    rng = np.random.default_rng(10)
    x = Tensor(rng.standard_normal((64, 16, 14, 14)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((32, 16, 3, 3)).astype(np.float32), requires_grad=True)
    F.conv2d(x, w, padding=1)  # the pool is warm, as after the first training step
    kept, _ = _traced_mib(lambda: F.conv2d(x, w, padding=1))
    rows_layout_output = 64 * 32 * 14 * 16 * 4 / 2**20  # 1.75 MiB: 2 wrapped columns per row, not copied away
    assert kept <= rows_layout_output + 0.1, kept  # im2col's columns would add 8 MiB


@pytest.mark.ch07
def test_memory_is_flat_over_200_training_steps() -> None:
    """Two conv layers, ReLU, a loss and SGD by hand for 200 steps: the traced memory, the pool and the
    tracer's pool of live calls are the same at step 20 and step 200."""
    rng = np.random.default_rng(11)
    x = Tensor(rng.standard_normal((16, 3, 12, 12)).astype(np.float32))
    w1 = Tensor((0.1 * rng.standard_normal((8, 3, 3, 3))).astype(np.float32), requires_grad=True)
    w2 = Tensor((0.1 * rng.standard_normal((4, 8, 3, 3))).astype(np.float32), requires_grad=True)
    live_calls = len(mg.tracer.funcs)
    tracemalloc.start()
    try:
        seen = {}
        for step in range(1, 201):
            w1.grad = w2.grad = None
            loss = (F.conv2d(F.relu(F.conv2d(x, w1, padding=1)), w2, stride=2) ** 2).mean()
            loss.backward()
            with mg.no_grad():
                for w in (w1, w2):
                    w.sub_(w.grad, alpha=0.01)
            del loss
            if step in (20, 200):
                seen[step] = (
                    tracemalloc.get_traced_memory()[0],
                    C.scratch_pool().nbytes,
                    len(mg.tracer.funcs),
                )
    finally:
        tracemalloc.stop()
    assert seen[200][1:] == seen[20][1:] and seen[200][2] == live_calls
    assert abs(seen[200][0] - seen[20][0]) < 64 * 1024, seen


# --- errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, fragments",
    [
        (
            lambda x: F.conv2d(x, mg.randn(8, 4, 3, 3)),
            ValueError,
            ["conv2d: input has 3 channels but weight (8, 4, 3, 3) expects 4"],
        ),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 9, 9)), ValueError, ["conv2d", "9", "padded input is only 8"]),
        (
            lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), dilation=4),
            ValueError,
            ["conv2d", "spans 9", "only 8"],
        ),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), stride=0), ValueError, ["conv2d", "stride", "got 0"]),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), stride=1.5), ValueError, ["conv2d", "stride", "1.5"]),
        (lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), padding=-1), ValueError, ["conv2d", "padding", "-1"]),
        (
            lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), stride=(1, 2, 3)),
            ValueError,
            ["conv2d", "stride", "pair"],
        ),
        (lambda x: F.conv2d(x[0], mg.randn(8, 3, 3, 3)), ValueError, ["conv2d", "(N, C, H, W)", "(3, 8, 8)"]),
        (
            lambda x: F.conv2d(x, mg.randn(8, 3, 3, 3), mg.randn(4)),
            ValueError,
            ["conv2d", "bias", "(8,)", "(4,)"],
        ),
        (
            lambda x: F.conv2d(x, Tensor(np.ones((8, 3, 3, 3)))),
            TypeError,
            ["conv2d", "same dtype", "float32, float64"],
        ),
    ],
)
@pytest.mark.ch07
def test_clear_errors(call, error, fragments) -> None:
    x = mg.randn(2, 3, 8, 8, rng=0)
    with pytest.raises(error) as info:
        call(x)
    for fragment in fragments:
        assert fragment in str(info.value)


# --- nn.Conv2d ----------------------------------------------------------------------------------------------


@pytest.mark.ch07
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


# --- LeNet-5 (chapter 08's pooling and chapter 06's Adam on top of this chapter's layers) -------------------


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


@pytest.mark.ch08
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


@pytest.mark.ch08
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


@pytest.mark.ch08
def test_cross_entropy_rejects_out_of_range_targets() -> None:
    logits = lenet5(0)(mg.randn(2, 1, 28, 28, rng=3))
    with pytest.raises(ValueError, match="target 10 is out of range for 10 classes"):
        F.cross_entropy(logits, np.array([3, 10], np.uint8))


@pytest.mark.ch07
def test_conv2d_init_follows_manual_seed() -> None:
    """Without rng=, Conv2d draws from the generator minigrad.manual_seed seeds (as Linear and PyTorch do)."""
    first = [(mg.manual_seed(3), nn.Conv2d(2, 4, 3))[1].weight.data.copy() for _ in range(2)]
    np.testing.assert_array_equal(*first)
    assert not np.array_equal(first[0], nn.Conv2d(2, 4, 3).weight.data)
