"""`import minigrad.nn.functional as F` works as in PyTorch: the same functions as `minigrad.functional`."""

from minigrad.functional import *  # noqa: F403
from minigrad.functional import __all__  # noqa: F401
