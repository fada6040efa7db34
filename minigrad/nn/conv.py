# Generated from solutions/07_conv2d.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Conv2d as a module: it owns a weight (C_out, C_in, kH, kW) and a bias (C_out,), as in PyTorch."""

from __future__ import annotations

import math

import numpy as np

from minigrad.functional.conv import Size2, conv2d, pair
from minigrad.nn.modules import Module, Parameter
from minigrad.tensor import Tensor, _rng


class Conv2d(Module):
    """2-D convolution layer. Init as PyTorch's: weight and bias uniform in ±1/√fan_in, fan_in = C_in·kH·kW
    (kaiming_uniform_ with a=√5). `rng` (a Generator or a seed) makes the init repeatable; without it, the
    layer draws from the generator `minigrad.manual_seed` seeds, like Linear.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size2,
        stride: Size2 = 1,
        padding: Size2 = 0,
        dilation: Size2 = 1,
        bias: bool = True,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        gen = _rng(rng)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = pair("Conv2d", "stride", stride, 1)
        self.padding = pair("Conv2d", "padding", padding, 0)
        self.dilation = pair("Conv2d", "dilation", dilation, 1)
        k = 1.0 / math.sqrt(in_channels * self.kernel_size[0] * self.kernel_size[1])
        shape = (out_channels, in_channels, *self.kernel_size)
        self.weight = Parameter(gen.uniform(-k, k, shape).astype(np.float32))
        self.bias = Parameter(gen.uniform(-k, k, out_channels).astype(np.float32)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + ("" if self.bias is not None else ", bias=False")
