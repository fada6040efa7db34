"""minigrad: a small NumPy autograd and CNN framework, built chapter by chapter in the course notebooks."""

from minigrad import _overlay

_overlay.install()  # before any framework module is imported: the student's exported modules come first

from minigrad import data, datasets, functional, nn, optim
from minigrad import ops as _ops  # noqa: F401  (installs sum, reshape, @, exp, ... on Tensor)
from minigrad.autograd import Tracer, no_grad, tracer
from minigrad.function import Context, Function
from minigrad.gradcheck import gradcheck
from minigrad.tensor import Tensor, ones, randn, tensor, zeros

__all__ = [
    "Context",
    "Function",
    "Tensor",
    "Tracer",
    "data",
    "datasets",
    "functional",
    "gradcheck",
    "nn",
    "no_grad",
    "ones",
    "optim",
    "randn",
    "tensor",
    "tracer",
    "zeros",
]
