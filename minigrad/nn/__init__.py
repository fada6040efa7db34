"""minigrad.nn: layers as modules that own their parameters (PyTorch's torch.nn)."""

from minigrad.nn import init, utils
from minigrad.nn.conv import Conv2d
from minigrad.nn.modules import (
    CrossEntropyLoss,
    Embedding,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    Module,
    ModuleList,
    MSELoss,
    NLLLoss,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d
from minigrad.nn.pooling import AvgPool2d, Dropout, Flatten, MaxPool2d

__all__ = [
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MaxPool2d",
    "MSELoss",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "init",
    "utils",
]
