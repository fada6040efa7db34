# Generated from solutions/07_conv2d.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""conv2d as matrix products: im2col gathers every input window into a column, a GEMM does the rest."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from minigrad.function import Function
from minigrad.tensor import Tensor

Size2 = int | tuple[int, int]


def pair(op: str, name: str, value: Any, minimum: int) -> tuple[int, int]:
    """Accept 3 or (3, 2), like PyTorch; reject anything that is not whole numbers >= minimum."""
    values = tuple(value) if isinstance(value, tuple | list) else (value, value)
    whole = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values)
    if len(values) != 2 or not whole or min(values) < minimum:
        raise ValueError(f"{op}: {name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return int(values[0]), int(values[1])


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """How many window positions fit: the formula PyTorch documents for Conv2d and MaxPool2d."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def im2col(
    x: np.ndarray,
    kernel_size: tuple[int, int],
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """(N, C, H, W) -> columns (C·kH·kW, N·OH·OW): one row per weight position, one column per output pixel.

    A strided view lists every window without copying; the reshape makes the one copy the GEMM needs.
    """
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh = conv_output_size(h, kh, sh, ph, dh)
    ow = conv_output_size(w, kw, sw, pw, dw)
    if ph or pw:
        xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        xp[:, :, ph : ph + h, pw : pw + w] = x
    else:
        xp = x
    s_n, s_c, s_h, s_w = xp.strides
    windows = as_strided(
        xp,
        shape=(c, kh, kw, n, oh, ow),
        strides=(s_c, dh * s_h, dw * s_w, s_n, sh * s_h, sw * s_w),
        writeable=False,
    )
    return windows.reshape(c * kh * kw, n * oh * ow)


def col2im(
    cols: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel_size: tuple[int, int],
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """The adjoint of im2col: send every column entry back to its input pixel, summing where windows overlap.

    One strided slice per kernel offset (i, j): inside one slice no pixel appears twice, so `+=` is exact;
    the overlaps are summed across the kH·kW offsets, one after the other.
    """
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh = conv_output_size(h, kh, sh, ph, dh)
    ow = conv_output_size(w, kw, sw, pw, dw)
    blocks = cols.reshape(c, kh, kw, n, oh, ow)
    gp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            gp[:, :, rows, columns] += blocks[:, i, j].transpose(1, 0, 2, 3)
    return gp[:, :, ph : ph + h, pw : pw + w]


class Conv2dGemm(Function):
    """out = W (C_out, C·kH·kW) @ im2col(x) + b: the whole batch in one GEMM; backward is two more GEMMs."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        n, _, h, w = x.shape
        c_out, _, kh, kw = weight.shape
        oh = conv_output_size(h, kh, stride[0], padding[0], dilation[0])
        ow = conv_output_size(w, kw, stride[1], padding[1], dilation[1])
        cols = im2col(x, (kh, kw), stride, padding, dilation)
        out = weight.reshape(c_out, -1) @ cols  # (C_out, N·OH·OW)
        if bias is not None:
            out += bias[:, None]
        ctx.save_for_backward(cols, weight)
        ctx.x_shape, ctx.settings = x.shape, (stride, padding, dilation)
        return out.reshape(c_out, n, oh, ow).transpose(1, 0, 2, 3)  # NCHW as a view, no copy

    @staticmethod
    def backward(ctx, g):
        cols, weight = ctx.saved_tensors
        c_out = weight.shape[0]
        g2 = g.transpose(1, 0, 2, 3).reshape(c_out, -1)  # (C_out, N·OH·OW), the layout of W @ cols
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = col2im(weight.reshape(c_out, -1).T @ g2, ctx.x_shape, weight.shape[2:], *ctx.settings)
        if ctx.needs_input_grad[1]:
            gw = (g2 @ cols.T).reshape(weight.shape)
        if ctx.needs_input_grad[2]:
            gb = g2.sum(axis=1)
        return gx, gw, gb


CHUNK_BYTES = 1 << 21  # 2 MiB of scratch per chunk of images: small enough to stay in the CPU's cache


class ScratchPool:
    """Scratch arrays reused from call to call, one per role ("cols", "grad_cols", ...), of <= `limit` bytes.

    A fresh multi-megabyte array costs a page fault per 4 KiB page on its first write, every training step;
    memory that is reused costs nothing. A larger request gets a fresh array that is not kept, so the pool
    never holds more than (number of roles) × limit bytes. An array it hands out is valid until the next
    request for the same role: it must never leave the function that asked for it.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buffers: dict[str, np.ndarray] = {}

    def get(self, role: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        nbytes = math.prod(shape) * np.dtype(dtype).itemsize
        if nbytes > self.limit:
            return np.empty(shape, dtype)
        buf = self.buffers.get(role)
        if buf is None or buf.nbytes < nbytes:
            buf = self.buffers[role] = np.empty(nbytes, np.uint8)
        return buf[:nbytes].view(dtype).reshape(shape)

    @property
    def nbytes(self) -> int:
        return sum(buf.nbytes for buf in self.buffers.values())


_threads = threading.local()  # one pool per thread: two threads never share scratch memory


def scratch_pool() -> ScratchPool:
    """This thread's pool; it keeps up to twice CHUNK_BYTES per role (a chunk, plus a little slack)."""
    if getattr(_threads, "pool", None) is None:
        _threads.pool = ScratchPool(2 * CHUNK_BYTES)
    return _threads.pool


def batch_chunks(n: int, bytes_per_image: int) -> Iterator[slice]:
    """Slices of the batch holding at most CHUNK_BYTES of scratch each (and at least one image)."""
    step = max(1, CHUNK_BYTES // max(1, bytes_per_image))
    return (slice(lo, min(lo + step, n)) for lo in range(0, n, step))


def rows_im2col(
    x: np.ndarray,
    kernel_size: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    pool: ScratchPool,
) -> np.ndarray:
    """Stride-1 im2col in the "rows" layout (C·kH·kW, N·OH·Wp), built in pool memory.

    In the flattened padded image (rows of Wp = W + 2p pixels), kernel offset (i, j) is a shift by
    i·dh·Wp + j·dw, so if the output column runs over all Wp columns, every row of the matrix is one
    contiguous run: a fast copy. The Wp - OW extra columns per output row wrap into the next image row; they
    are computed and dropped.
    """
    n, c, h, w = x.shape
    (kh, kw), (ph, pw), (dh, dw) = kernel_size, padding, dilation
    hp, wp = h + 2 * ph, w + 2 * pw
    oh, size, item = hp - dh * (kh - 1), n * c * hp * wp, x.itemsize
    flat = pool.get("planes", (size + dw * (kw - 1),), x.dtype)  # + the tail the last wrapped window reads
    planes = flat[:size].reshape(n, c, hp, wp)
    if ph or pw:
        planes.fill(0)
    planes[:, :, ph : ph + h, pw : pw + w] = x
    flat[size:] = 0
    windows = as_strided(
        flat,
        shape=(c, kh, kw, n, oh * wp),
        strides=(hp * wp * item, dh * wp * item, dw * item, c * hp * wp * item, item),
        writeable=False,
    )
    cols = pool.get("cols", windows.shape, x.dtype)
    cols[...] = windows
    return cols.reshape(c * kh * kw, n * oh * wp)


def rows_col2im(
    grad_cols: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel_size: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    pool: ScratchPool,
) -> np.ndarray:
    """The adjoint of rows_im2col: add row block (i, j), shifted back by i·dh·Wp + j·dw, into the flattened
    padded gradient (one shift per kernel offset: no pixel twice within one `+=`). Returns a view of pool
    memory, valid until the next call."""
    n, c, h, w = x_shape
    (kh, kw), (ph, pw), (dh, dw) = kernel_size, padding, dilation
    hp, wp = h + 2 * ph, w + 2 * pw
    oh, size, item = hp - dh * (kh - 1), n * c * hp * wp, grad_cols.itemsize
    flat = pool.get("grad_planes", (size + dw * (kw - 1),), grad_cols.dtype)
    flat.fill(0)
    blocks = grad_cols.reshape(c, kh, kw, n, oh * wp)
    for i in range(kh):
        for j in range(kw):
            shifted = as_strided(
                flat[i * dh * wp + j * dw :],
                shape=(c, n, oh * wp),
                strides=(hp * wp * item, c * hp * wp * item, item),
            )
            shifted += blocks[:, i, j]
    return flat[:size].reshape(n, c, hp, wp)[:, :, ph : ph + h, pw : pw + w]


def _columns(x, kernel_size, stride, padding, dilation, pool) -> np.ndarray:
    """im2col of a chunk: the rows layout for stride 1 (fast, in pool memory), the plain one otherwise."""
    if stride == (1, 1):
        return rows_im2col(x, kernel_size, padding, dilation, pool)
    return im2col(x, kernel_size, stride, padding, dilation)


def _columns_adjoint(grad_cols, x_shape, kernel_size, stride, padding, dilation, pool) -> np.ndarray:
    if stride == (1, 1):
        return rows_col2im(grad_cols, x_shape, kernel_size, padding, dilation, pool)
    return col2im(grad_cols, x_shape, kernel_size, stride, padding, dilation)


def _geometry(x_shape, w_shape, stride, padding, dilation) -> tuple[int, int, int, int]:
    """(OH, OW, width, scratch bytes per image in elements): width is Wp in the rows layout, else OW."""
    _, c, h, w = x_shape
    c_out, _, kh, kw = w_shape
    oh = conv_output_size(h, kh, stride[0], padding[0], dilation[0])
    ow = conv_output_size(w, kw, stride[1], padding[1], dilation[1])
    width = w + 2 * padding[1] if stride == (1, 1) else ow
    per_image = max(c * kh * kw, c_out) * oh * width + c * (h + 2 * padding[0]) * (w + 2 * padding[1])
    return oh, ow, width, per_image


class Conv2dFunction(Function):
    """The package's conv2d: Conv2dGemm's GEMMs, a chunk of images at a time, in reused scratch memory.

    It saves the input, not the columns (C·kH·kW times bigger, and cheap to rebuild in backward), so memory
    stays proportional to the activations whatever the batch size.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        c_out, n = weight.shape[0], x.shape[0]
        oh, ow, width, per_image = _geometry(x.shape, weight.shape, stride, padding, dilation)
        w2 = weight.reshape(c_out, -1)
        pool = scratch_pool()
        out = np.empty((c_out, n * oh * width), dtype=x.dtype)  # the GEMM's layout, for the whole batch
        for chunk in batch_chunks(n, per_image * x.itemsize):
            cols = _columns(x[chunk], weight.shape[2:], stride, padding, dilation, pool)
            res = out[:, chunk.start * oh * width : chunk.stop * oh * width]  # this chunk's columns: a view
            np.matmul(w2, cols, out=res)
            if bias is not None:
                res += bias[:, None]
        ctx.save_for_backward(x, weight)
        ctx.settings = (stride, padding, dilation)
        # NCHW as a view: the wrapped columns of the rows layout are left out, not copied away
        return out.reshape(c_out, n, oh, width)[..., :ow].transpose(1, 0, 2, 3)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        stride, padding, dilation = ctx.settings
        c_out, n = weight.shape[0], x.shape[0]
        oh, ow, width, per_image = _geometry(x.shape, weight.shape, stride, padding, dilation)
        w2 = weight.reshape(c_out, -1)
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = np.empty(x.shape, dtype=x.dtype) if need_x else None
        gw = np.zeros(w2.shape, dtype=weight.dtype) if need_w else None
        g_t = g.transpose(1, 0, 2, 3)  # (C_out, N, OH, OW): the layout of the forward's GEMM
        pool = scratch_pool()
        for chunk in batch_chunks(n, per_image * x.itemsize) if need_x or need_w else ():
            g_rows = pool.get("grad_out", (c_out, chunk.stop - chunk.start, oh, width), g.dtype)
            g_rows[..., ow:] = 0  # the wrapped columns of the rows layout get no gradient
            g_rows[..., :ow] = g_t[:, chunk]
            g2 = g_rows.reshape(c_out, -1)
            if need_w:
                gw += g2 @ _columns(x[chunk], weight.shape[2:], stride, padding, dilation, pool).T
            if need_x:
                grad_cols = pool.get("grad_cols", (w2.shape[1], g2.shape[1]), g.dtype)
                np.matmul(w2.T, g2, out=grad_cols)
                gx[chunk] = _columns_adjoint(
                    grad_cols, x[chunk].shape, weight.shape[2:], stride, padding, dilation, pool
                )
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, None if gw is None else gw.reshape(weight.shape), gb


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Size2 = 1,
    padding: Size2 = 0,
    dilation: Size2 = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch): x (N, C_in, H, W), weight (C_out, C_in, kH, kW)."""
    stride = pair("conv2d", "stride", stride, 1)
    padding = pair("conv2d", "padding", padding, 0)
    dilation = pair("conv2d", "dilation", dilation, 1)
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(
            "conv2d: input must be (N, C, H, W) and weight (C_out, C_in, kH, kW), "
            f"got {x.shape} and {weight.shape}"
        )
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"conv2d: input has {x.shape[1]} channels but weight {weight.shape} expects {weight.shape[1]}"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"conv2d: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    dtypes = [t.dtype for t in (x, weight, bias) if t is not None]
    if any(d != dtypes[0] for d in dtypes):
        raise TypeError(
            f"conv2d: input, weight and bias must have the same dtype (as in PyTorch), got "
            f"{', '.join(str(d) for d in dtypes)}; convert one of them, e.g. x.data.astype(np.float32)"
        )
    for axis, name in ((0, "height"), (1, "width")):
        span = dilation[axis] * (weight.shape[2 + axis] - 1) + 1
        size = x.shape[2 + axis] + 2 * padding[axis]
        if span > size:
            raise ValueError(
                f"conv2d: kernel {weight.shape[2]}×{weight.shape[3]} (dilation {dilation}) spans {span} "
                f"in {name} but the padded input is only {size} (input {x.shape}, padding {padding})"
            )
    return Conv2dFunction.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
