# Generated from solutions/07_conv2d.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""conv2d as one big matrix product: im2col gathers every input window into a column, a GEMM does the rest."""

from __future__ import annotations

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


def _planes(x: np.ndarray, padding: tuple[int, int], slack: int) -> np.ndarray:
    """Copy x into zero-padded planes, flattened: (N·C·Hp·Wp + slack,) with `slack` zeros at the very end."""
    n, c, h, w = x.shape
    (ph, pw) = padding
    hp, wp = h + 2 * ph, w + 2 * pw
    buf = np.zeros(n * c * hp * wp + slack, dtype=x.dtype)
    buf[: n * c * hp * wp].reshape(n, c, hp, wp)[:, :, ph : ph + h, pw : pw + w] = x
    return buf


def im2col_rows(
    x: np.ndarray, kernel_size: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int]
) -> np.ndarray:
    """Stride-1 im2col on the flattened padded image: columns (C·kH·kW, N·OH·Wp).

    With stride 1, kernel offset (i, j) reads the padded plane shifted by i·dh·Wp + j·dw, so every row of
    the matrix is a contiguous run of OH·Wp pixels (cheap to copy). Each output row then carries Wp - OW
    extra columns, where the window wraps into the next image row: they are computed and thrown away.
    """
    n, c, h, w = x.shape
    (kh, kw), (ph, pw), (dh, dw) = kernel_size, padding, dilation
    hp, wp = h + 2 * ph, w + 2 * pw
    oh = hp - dh * (kh - 1)
    buf = _planes(x, padding, slack=dw * (kw - 1))
    item = buf.itemsize
    plane = hp * wp * item
    windows = as_strided(
        buf,
        shape=(c, kh, kw, n, oh * wp),
        strides=(plane, dh * wp * item, dw * item, c * plane, item),
        writeable=False,
    )
    return windows.reshape(c * kh * kw, n * oh * wp)


def input_grad_rows(
    weight: np.ndarray,
    g_rows: np.ndarray,
    x_shape: tuple[int, int, int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """col2im(Wᵀ G) for the stride-1 layout, one kernel offset at a time, without building Wᵀ G.

    For offset (i, j) the block of Wᵀ G is w[:, :, i, j]ᵀ @ G (C_in rows): compute it into one reused buffer
    and add it, shifted by i·dh·Wp + j·dw, into the flattened padded gradient. The wrapped columns of G are 0.
    """
    n, c, h, w = x_shape
    (ph, pw), (dh, dw) = padding, dilation
    kh, kw = weight.shape[2:]
    hp, wp = h + 2 * ph, w + 2 * pw
    oh = hp - dh * (kh - 1)
    gp = np.zeros(n * c * hp * wp + dw * (kw - 1), dtype=g_rows.dtype)
    taps = np.ascontiguousarray(weight.transpose(2, 3, 1, 0))  # taps[i, j] = w[:, :, i, j]ᵀ, (C_in, C_out)
    block = np.empty((c, n * oh * wp), dtype=g_rows.dtype)
    item = gp.itemsize
    for i in range(kh):
        for j in range(kw):
            np.matmul(taps[i, j], g_rows, out=block)
            shifted = as_strided(
                gp[i * dh * wp + j * dw :],
                shape=(c, n, oh * wp),
                strides=(hp * wp * item, c * hp * wp * item, item),
            )
            shifted += block.reshape(c, n, oh * wp)
    return gp[: n * c * hp * wp].reshape(n, c, hp, wp)[:, :, ph : ph + h, pw : pw + w]


class Conv2dFunction(Function):
    """out[n, o] = Σ_c w[o, c] ⋆ x[n, c] + b[o], computed as W (C_out, C·kH·kW) @ im2col(x): one GEMM."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        n, _, h, w = x.shape
        c_out, _, kh, kw = weight.shape
        oh = conv_output_size(h, kh, stride[0], padding[0], dilation[0])
        ow = conv_output_size(w, kw, stride[1], padding[1], dilation[1])
        rows = stride == (1, 1)
        if rows:  # fast path: rows of width Wp, the last Wp - OW columns of each are dropped below
            cols = im2col_rows(x, (kh, kw), padding, dilation)
            width = w + 2 * padding[1]
        else:
            cols = im2col(x, (kh, kw), stride, padding, dilation)
            width = ow
        out = weight.reshape(c_out, -1) @ cols  # (C_out, N·OH·width): one GEMM for the whole batch
        if bias is not None:
            out += bias[:, None]
        ctx.save_for_backward(cols, weight)
        ctx.x_shape, ctx.settings, ctx.rows, ctx.width = x.shape, (stride, padding, dilation), rows, width
        # (C_out, N, OH, width) seen as NCHW: a view, no copy
        return out.reshape(c_out, n, oh, width)[..., :ow].transpose(1, 0, 2, 3)

    @staticmethod
    def backward(ctx, g):
        cols, weight = ctx.saved_tensors
        c_out = weight.shape[0]
        n, _, oh, ow = g.shape
        g2 = np.zeros((c_out, n, oh, ctx.width), dtype=g.dtype)  # the wrapped columns get gradient 0
        g2[..., :ow] = g.transpose(1, 0, 2, 3)
        g2 = g2.reshape(c_out, -1)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            stride, padding, dilation = ctx.settings
            if ctx.rows:
                gx = input_grad_rows(weight, g2, ctx.x_shape, padding, dilation)
            else:
                gx = col2im(
                    weight.reshape(c_out, -1).T @ g2, ctx.x_shape, weight.shape[2:], stride, padding, dilation
                )
        if ctx.needs_input_grad[1]:
            gw = (g2 @ cols.T).reshape(weight.shape)
        if ctx.needs_input_grad[2]:
            gb = g2.sum(axis=1)
        return gx, gw, gb


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
    for axis, name in ((0, "height"), (1, "width")):
        span = dilation[axis] * (weight.shape[2 + axis] - 1) + 1
        size = x.shape[2 + axis] + 2 * padding[axis]
        if span > size:
            raise ValueError(
                f"conv2d: kernel {weight.shape[2]}×{weight.shape[3]} (dilation {dilation}) spans {span} "
                f"in {name} "
                f"but the padded input is only {size} (input {x.shape}, padding {padding})"
            )
    return Conv2dFunction.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
