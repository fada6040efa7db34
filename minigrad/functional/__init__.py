"""minigrad.functional (imported as F): the layers' operations as functions, like torch.nn.functional."""

from minigrad.functional.activation import linear, log_softmax, relu, sigmoid, softmax, tanh
from minigrad.functional.conv import conv2d
from minigrad.functional.dropout import dropout
from minigrad.functional.loss import cross_entropy, mse_loss
from minigrad.functional.pooling import avg_pool2d, max_pool2d

__all__ = [
    "avg_pool2d",
    "conv2d",
    "cross_entropy",
    "dropout",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]
