"""minigrad.functional (imported as F): the layers' operations as plain functions, like torch.nn.functional."""

from minigrad.functional.activation import linear, log_softmax, relu, sigmoid, softmax, tanh
from minigrad.functional.loss import cross_entropy, mse_loss

__all__ = ["cross_entropy", "linear", "log_softmax", "mse_loss", "relu", "sigmoid", "softmax", "tanh"]
