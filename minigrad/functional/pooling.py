# Generated from solutions/08_cnn_mnist.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Pooling: the same window walk as conv2d, with max or mean instead of a dot product."""

from __future__ import annotations

import numpy as np

from minigrad.function import Function
from minigrad.functional.conv import Size2, conv_output_size, pair
from minigrad.tensor import Tensor


def _pool_settings(
    op: str, x: Tensor, kernel_size: Size2, stride: Size2 | None, padding: Size2
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Check a pooling call like PyTorch does and explain what is wrong in terms of the shapes."""
    kernel = pair(op, "kernel_size", kernel_size, 1)
    step = kernel if stride is None else pair(op, "stride", stride, 1)
    pad = pair(op, "padding", padding, 0)
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be (N, C, H, W), got shape {x.shape}")
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {pad} must be at most half the window {kernel[0]}×{kernel[1]}")
    h, w = x.shape[2] + 2 * pad[0], x.shape[3] + 2 * pad[1]
    if kernel[0] > h or kernel[1] > w:
        raise ValueError(
            f"{op}: window {kernel[0]}×{kernel[1]} is larger than the padded input {h}×{w} "
            f"(input {x.shape}, padding {pad})"
        )
    return kernel, step, pad


def _offsets(kernel: tuple[int, int], step: tuple[int, int], out_hw: tuple[int, int]):
    """For each kernel offset (i, j): the slice of the padded input it visits, one element per output."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, step, out_hw
    for i in range(kh):
        for j in range(kw):
            yield (
                slice(None),
                slice(None),
                slice(i, i + sh * (oh - 1) + 1, sh),
                slice(j, j + sw * (ow - 1) + 1, sw),
            )


def _padded(x: np.ndarray, pad: tuple[int, int], value: float) -> np.ndarray:
    if pad == (0, 0):
        return x
    n, c, h, w = x.shape
    xp = np.full((n, c, h + 2 * pad[0], w + 2 * pad[1]), value, dtype=x.dtype)
    xp[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w] = x
    return xp


def _out_hw(shape: tuple[int, ...], kernel, step, pad) -> tuple[int, int]:
    return (
        conv_output_size(shape[2], kernel[0], step[0], pad[0], 1),
        conv_output_size(shape[3], kernel[1], step[1], pad[1], 1),
    )


def _tiles(shape: tuple[int, ...], kernel, step, pad) -> bool:
    """Do the windows cover every input pixel exactly once (LeNet's 2×2 windows with stride 2, say)?"""
    return step == kernel and pad == (0, 0) and shape[2] % kernel[0] == 0 and shape[3] % kernel[1] == 0


class MaxPool2dFunction(Function):
    """Each output is the largest value of its window; the gradient goes to ONE element (first if tied)."""

    @staticmethod
    def forward(ctx, x, kernel=(2, 2), step=(2, 2), pad=(0, 0)):
        xp = _padded(x, pad, -np.inf)
        out, index = None, None
        for k, window in enumerate(_offsets(kernel, step, _out_hw(x.shape, kernel, step, pad))):
            v = xp[window]
            if out is None:  # offset 0 starts as the winner everywhere
                out = v.copy()
                index = np.zeros(out.shape, dtype=np.min_scalar_type(kernel[0] * kernel[1] - 1))
            else:  # strictly larger wins, so on a tie the earlier offset keeps it
                better = v > out
                np.maximum(index, better * index.dtype.type(k), out=index)  # k exceeds every earlier index
                np.maximum(out, v, out=out)
        ctx.save_for_backward(index)
        ctx.shape, ctx.settings = x.shape, (kernel, step, pad)
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        kernel, step, pad = ctx.settings
        n, c, h, w = ctx.shape
        if _tiles(ctx.shape, kernel, step, pad):  # every pixel in exactly one window: write, no zeros first
            gx = np.empty(ctx.shape, dtype=g.dtype)
            for k, window in enumerate(_offsets(kernel, step, g.shape[2:])):
                np.multiply(g, index == k, out=gx[window])
            return gx
        gp = np.zeros((n, c, h + 2 * pad[0], w + 2 * pad[1]), dtype=g.dtype)
        for k, window in enumerate(_offsets(kernel, step, g.shape[2:])):
            gp[window] += g * (index == k)  # one strided slice per offset: no pixel twice in it
        return gp[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w]


class AvgPool2dFunction(Function):
    """Each output is the mean of its window; padded zeros count (PyTorch's count_include_pad=True)."""

    @staticmethod
    def forward(ctx, x, kernel=(2, 2), step=(2, 2), pad=(0, 0)):
        xp = _padded(x, pad, 0)
        out = None
        for window in _offsets(kernel, step, _out_hw(x.shape, kernel, step, pad)):
            if out is None:
                out = xp[window].copy()
            else:
                out += xp[window]
        out *= x.dtype.type(1 / (kernel[0] * kernel[1]))
        ctx.shape, ctx.settings = x.shape, (kernel, step, pad)
        return out

    @staticmethod
    def backward(ctx, g):
        kernel, step, pad = ctx.settings
        n, c, h, w = ctx.shape
        share = g * g.dtype.type(1 / (kernel[0] * kernel[1]))
        if _tiles(ctx.shape, kernel, step, pad):  # every pixel in exactly one window: write each slice once
            gx = np.empty(ctx.shape, dtype=g.dtype)
            for window in _offsets(kernel, step, g.shape[2:]):
                gx[window] = share
            return gx
        gp = np.zeros((n, c, h + 2 * pad[0], w + 2 * pad[1]), dtype=g.dtype)
        for window in _offsets(kernel, step, g.shape[2:]):
            gp[window] += share
        return gp[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w]


def max_pool2d(x: Tensor, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0) -> Tensor:
    """Max over kernel_size windows; stride defaults to the window (no overlap), as in PyTorch."""
    kernel, step, pad = _pool_settings("max_pool2d", x, kernel_size, stride, padding)
    return MaxPool2dFunction.apply(x, kernel=kernel, step=step, pad=pad)


def avg_pool2d(x: Tensor, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0) -> Tensor:
    """Mean over kernel_size windows; padded zeros are counted, as in PyTorch's default."""
    kernel, step, pad = _pool_settings("avg_pool2d", x, kernel_size, stride, padding)
    return AvgPool2dFunction.apply(x, kernel=kernel, step=step, pad=pad)
