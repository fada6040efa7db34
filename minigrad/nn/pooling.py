# Generated from solutions/08_cnn_mnist.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Pooling, Flatten and Dropout as modules, so they fit in a Sequential (PyTorch's torch.nn names)."""

from __future__ import annotations

import numpy as np

from minigrad.functional.conv import Size2
from minigrad.functional.dropout import dropout
from minigrad.functional.pooling import avg_pool2d, max_pool2d
from minigrad.nn.modules import Module
from minigrad.tensor import Tensor


class MaxPool2d(Module):
    def __init__(self, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}"


class AvgPool2d(MaxPool2d):
    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (N, C, H, W) -> (N, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        start, end = self.start_dim % x.ndim, self.end_dim % x.ndim
        return x.reshape(*x.shape[:start], -1, *x.shape[end + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Zero activations with probability p in training mode; the identity after `.eval()`.

    With `rng` (a Generator or a seed) the module keeps its own Generator: a seeded model drops the same units
    on every run, and each call draws a new mask. Without it, the masks come from the default generator that
    `minigrad.manual_seed` seeds, as in PyTorch.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be between 0 and 1, got {p}")
        self.p = p
        self.rng = None if rng is None else np.random.default_rng(rng)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
