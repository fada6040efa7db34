"""Data sets for the course: toy 2-D generators here; the bundled MNIST loader sits beside them."""

from minigrad.datasets.mnist import mnist
from minigrad.datasets.toy import moons, spiral

__all__ = ["mnist", "moons", "spiral"]
