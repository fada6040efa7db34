"""minigrad.functional (imported as F): the layers' operations as functions, like torch.nn.functional."""

from minigrad.functional.activation import leaky_relu, linear, log_softmax, relu, sigmoid, softmax, tanh
from minigrad.functional.conv import conv2d
from minigrad.functional.dropout import dropout
from minigrad.functional.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from minigrad.functional.normalization import batch_norm
from minigrad.functional.pooling import avg_pool2d, max_pool2d

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]
