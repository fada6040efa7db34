# Generated from solutions/08_cnn_mnist.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Dropout: zero each activation with probability p while training, scale the rest by 1/(1-p)."""

from __future__ import annotations

import numpy as np

from minigrad.function import Function
from minigrad.tensor import Tensor, default_generator


class DropoutFunction(Function):
    """x * mask with a fixed mask (0 or 1/(1-p)): the gradient flows through exactly the kept elements."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask, None


def dropout(
    x: Tensor, p: float = 0.5, training: bool = True, rng: np.random.Generator | int | None = None
) -> Tensor:
    """Inverted dropout (PyTorch's): the expected value is unchanged, so evaluation needs no rescaling.

    Pass `rng` (a Generator or a seed) to make the masks repeatable; in evaluation (training=False) the
    input is returned unchanged.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be between 0 and 1, got {p}")
    if not training or p == 0:
        return x
    if rng is None:
        gen = default_generator()
    else:
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    keep = gen.random(x.shape, dtype=np.float32) >= p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return DropoutFunction.apply(x, keep * x.dtype.type(scale))
