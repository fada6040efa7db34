"""minigrad: a small NumPy autograd and CNN framework, built chapter by chapter in the course notebooks.

The names follow PyTorch (`minigrad.tensor`, `minigrad.no_grad`, `minigrad.nn`, `minigrad.optim`, ...).
"""

from minigrad import _overlay

_overlay.install()  # before any framework module is imported: the student's exported modules come first

from minigrad.tensor import (  # first: every other framework module imports Tensor from here
    Tensor,
    arange,
    default_generator,
    device,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)

# isort: split
import numpy as _np

from minigrad import autograd, data, datasets, functional, nn, ops, optim
from minigrad.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.function import Context, Function, Tracer, tracer
from minigrad.gradcheck import gradcheck
from minigrad.ops import (
    abs,
    amax,
    amin,
    argmax,
    argmin,
    cat,
    clamp,
    cos,
    exp,
    flatten,
    gather,
    log,
    log_softmax,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    norm,
    permute,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from minigrad.serialization import load, save

# dtype names, as in PyTorch (x.dtype == minigrad.float32)
float16 = _np.dtype(_np.float16)
float32 = _np.dtype(_np.float32)
float64 = _np.dtype(_np.float64)
int8 = _np.dtype(_np.int8)
int16 = _np.dtype(_np.int16)
int32 = _np.dtype(_np.int32)
int64 = _np.dtype(_np.int64)
uint8 = _np.dtype(_np.uint8)
bool = _np.dtype(_np.bool_)  # noqa: A001  (minigrad.bool, like torch.bool)
half, double, long = float16, float64, int64
float, int = float32, int32  # noqa: A001  (torch.float, torch.int)

__all__ = [
    "abs",
    "amax",
    "amin",
    "arange",
    "argmax",
    "argmin",
    "autograd",
    "bool",
    "cat",
    "clamp",
    "Context",
    "cos",
    "data",
    "datasets",
    "default_generator",
    "device",
    "double",
    "enable_grad",
    "exp",
    "flatten",
    "float",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "Function",
    "functional",
    "gather",
    "gradcheck",
    "half",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "is_grad_enabled",
    "linspace",
    "load",
    "log",
    "log_softmax",
    "logsumexp",
    "long",
    "manual_seed",
    "masked_fill",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mm",
    "nn",
    "no_grad",
    "norm",
    "ones",
    "ones_like",
    "ops",
    "optim",
    "permute",
    "rand",
    "randint",
    "randn",
    "relu",
    "reshape",
    "save",
    "set_grad_enabled",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sum",
    "tanh",
    "tensor",
    "Tensor",
    "Tracer",
    "tracer",
    "transpose",
    "uint8",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
