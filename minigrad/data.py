# Generated from solutions/08_cnn_mnist.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Datasets and a DataLoader: cut a data set into (shuffled) mini-batches, like torch.utils.data."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from minigrad.tensor import Tensor, default_generator


class Dataset:
    """Anything with `__len__` and `__getitem__(i)` returning one example (often an (input, target) tuple)."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Examples are rows: item i is (t[i] for t in tensors). Arrays stay arrays, Tensors stay Tensors."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one array or Tensor")
        sizes = [len(t) for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: all tensors need the same first dimension, got sizes {sizes}")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: np.ndarray) -> tuple:
        """A whole batch with one fancy-indexing copy per tensor (PyTorch's batched-fetch hook)."""
        return tuple(Tensor(t.data[indices]) if isinstance(t, Tensor) else t[indices] for t in self.tensors)


def collate(items: Sequence[Any]) -> Any:
    """Stack examples into a batch, field by field: Tensors into a Tensor, anything else into an array."""
    first = items[0]
    if isinstance(first, tuple | list):
        return tuple(collate([item[k] for item in items]) for k in range(len(first)))
    if isinstance(first, Tensor):
        return Tensor(np.stack([item.data for item in items]))
    return np.stack([np.asarray(item) for item in items])


class DataLoader:
    """Iterate over a data set in mini-batches.

    With shuffle=True every epoch (every `for` over the loader) draws a new order from a Generator seeded with
    `seed`: the same seed gives the same sequence of epochs. Without a seed the order comes from the default
    generator, which `minigrad.manual_seed` seeds. drop_last=True skips a final short batch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        if not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.seed = shuffle, drop_last, seed
        self._own_rng = None if seed is None else np.random.default_rng(seed)  # one for all epochs

    @property
    def rng(self) -> np.random.Generator:
        return default_generator() if self._own_rng is None else self._own_rng

    def _fetch(self, indices: np.ndarray) -> Any:
        """The batch of the examples at `indices`: one fancy-indexing copy if the data set offers it."""
        fetch = getattr(self.dataset, "__getitems__", None)
        if fetch is not None:
            return fetch(indices)
        return collate([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._fetch(order[start : start + self.batch_size])
