# Generated from solutions/05_modules.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Weight initialisation (PyTorch's torch.nn.init): fill a tensor in place so signals keep their scale."""

from __future__ import annotations

import math

import numpy as np

from minigrad.tensor import Tensor


def _fans(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel), as PyTorch counts them."""
    if tensor.ndim < 2:
        raise ValueError(
            f"init: fan-in and fan-out need a tensor with at least 2 dimensions, got {tensor.shape}"
        )
    receptive = int(np.prod(tensor.shape[2:]))
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps the variance of activations steady through the given nonlinearity."""
    if nonlinearity in ("linear", "sigmoid", "conv2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, rng: np.random.Generator | int | None = None
) -> Tensor:
    tensor.data[...] = np.random.default_rng(rng).uniform(a, b, tensor.shape)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    tensor.data[...] = 0
    return tensor


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    nonlinearity: str = "leaky_relu",
    rng: np.random.Generator | int | None = None,
) -> Tensor:
    """He initialisation: U(±gain·√(3/fan_in)); with a=√5 this is PyTorch's default for Linear and Conv2d."""
    fan_in, _ = _fans(tensor)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound, rng)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, rng: np.random.Generator | int | None = None
) -> Tensor:
    """Glorot initialisation: U(±gain·√(6/(fan_in + fan_out)))."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)
