"""Bundled MNIST (minigrad/datasets/mnist.py) and Dataset, TensorDataset, DataLoader (minigrad/data.py)."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from minigrad import Tensor
from minigrad.data import DataLoader, Dataset, TensorDataset
from minigrad.datasets import mnist
from minigrad.datasets.mnist import DATA, FILES, read_idx

pytestmark = pytest.mark.ch08

# --- MNIST --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def train():
    return mnist("train")


def test_mnist_train_split(train) -> None:
    images, labels = train
    assert images.shape == (60000, 28, 28) and labels.shape == (60000,)
    assert images.dtype == labels.dtype == np.uint8
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert images.max() == 255 and images.min() == 0
    images[0, 0, 0] = 1  # the arrays are the caller's own: writable
    assert mnist("train")[0][0, 0, 0] == 0


def test_mnist_test_split() -> None:
    images, labels = mnist("test")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert images.dtype == labels.dtype == np.uint8
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_mnist_files_ship_with_the_package() -> None:
    assert sorted(p.name for p in DATA.glob("*.gz")) == sorted(FILES)


def test_mnist_bad_split() -> None:
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'valid'"):
        mnist("valid")


def test_checksum_detects_a_corrupted_file(tmp_path) -> None:
    name = "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress((DATA / name).read_bytes()))
    raw[100] ^= 1  # one flipped bit in one label
    bad = tmp_path / name
    bad.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(ValueError, match=f"mnist: {name} is corrupted: the SHA-256"):
        read_idx(bad, *FILES[name])
    good = tmp_path / "copy.gz"
    shutil.copy(DATA / name, good)
    assert read_idx(good, *FILES[name]).shape == (10000,)


def test_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="is missing"):
        read_idx(tmp_path / "train-images-idx3-ubyte.gz", *FILES["train-images-idx3-ubyte.gz"])


# --- TensorDataset ------------------------------------------------------------------------------------------


def test_tensor_dataset() -> None:
    x, y = np.arange(20).reshape(10, 2), np.arange(10) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert xi.tolist() == [6, 7] and yi == 30
    with pytest.raises(ValueError, match=r"same first dimension, got sizes \[10, 9\]"):
        TensorDataset(x, y[:9])
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


# --- DataLoader ---------------------------------------------------------------------------------------------


def epochs(loader: DataLoader, n: int) -> list[list[int]]:
    return [[int(i) for xb, _ in loader for i in xb] for _ in range(n)]


def test_batches_in_order_without_shuffle() -> None:
    ds = TensorDataset(np.arange(10), np.arange(10) * 10)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [xb.tolist() for xb, _ in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[1][1].tolist() == [40, 50, 60, 70]  # inputs and targets stay paired
    dropped = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(xb) for xb, _ in dropped] == [4, 4]
    assert len(DataLoader(ds)) == 10  # batch_size=1 by default, as in PyTorch


def test_shuffle_reshuffles_every_epoch_and_repeats_from_the_seed() -> None:
    ds = TensorDataset(np.arange(50), np.arange(50))
    first = epochs(DataLoader(ds, batch_size=8, shuffle=True, seed=3), 3)
    again = epochs(DataLoader(ds, batch_size=8, shuffle=True, seed=3), 3)
    other = epochs(DataLoader(ds, batch_size=8, shuffle=True, seed=4), 1)
    assert first == again  # same seed, same sequence of epochs
    assert first[0] != first[1] != first[2]  # a new order every epoch
    assert other[0] != first[0]
    for order in first:
        assert sorted(order) == list(range(50))  # every example exactly once per epoch
    assert first[0] != list(range(50))


def test_shuffle_with_drop_last_keeps_full_batches() -> None:
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=3, shuffle=True, seed=0, drop_last=True)
    sizes = [len(xb) for (xb,) in loader]
    assert sizes == [3, 3, 3]


def test_tensors_stay_tensors_and_generic_datasets_are_collated() -> None:
    ds = TensorDataset(Tensor(np.arange(12, dtype=np.float32).reshape(6, 2)), np.arange(6))
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert isinstance(xb, Tensor) and xb.shape == (4, 2) and isinstance(yb, np.ndarray)

    class Squares(Dataset):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int) -> tuple:
            return np.full(3, i, np.float32), i * i

    xb, yb = list(DataLoader(Squares(), batch_size=2))[-1]
    assert xb.tolist() == [[4, 4, 4]] and yb.tolist() == [16]
    with pytest.raises(NotImplementedError, match="must define __len__"):
        len(Dataset())


@pytest.mark.parametrize("bad", [0, -1, 2.5, None])
def test_bad_batch_size(bad) -> None:
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        DataLoader(TensorDataset(np.arange(3)), batch_size=bad)


def test_shuffle_mixes_examples_across_batches_and_a_broken_off_epoch_starts_a_new_order() -> None:
    loader = DataLoader(TensorDataset(np.arange(40)), batch_size=8, shuffle=True, seed=5)
    batches = [xb.tolist() for (xb,) in loader]
    assert not all(b == list(range(b[0], b[0] + 8)) for b in batches)  # not just fixed batches reordered
    first = next(iter(loader))[0].tolist()  # an epoch broken off after one batch...
    again = [int(i) for (xb,) in loader for i in xb]  # ...and the next epoch is a whole new order
    assert sorted(again) == list(range(40))
    assert first != again[:8] and again != [i for b in batches for i in b]


def test_generic_datasets_are_shuffled_too_and_seed_none_still_covers_every_example() -> None:
    class Doubles(Dataset):
        def __len__(self) -> int:
            return 11

        def __getitem__(self, i: int) -> tuple:
            return np.float32(i), 2 * i

    seen = [
        (float(x), int(y))
        for xb, yb in DataLoader(Doubles(), 4, shuffle=True, seed=1)
        for x, y in zip(xb, yb)
    ]
    assert sorted(seen) == [(float(i), 2 * i) for i in range(11)]
    unseeded = [int(i) for (xb,) in DataLoader(TensorDataset(np.arange(30)), 7, shuffle=True) for i in xb]
    assert sorted(unseeded) == list(range(30))


def test_drop_last_when_the_batches_divide_evenly() -> None:
    loader = DataLoader(TensorDataset(np.arange(12)), batch_size=4, drop_last=True)
    assert len(loader) == 3 and [xb.tolist() for (xb,) in loader][-1] == [8, 9, 10, 11]


def test_without_a_seed_the_order_follows_manual_seed_as_in_pytorch() -> None:
    import minigrad

    def two_epochs(seed: int | None = None) -> list[list[int]]:
        loader = DataLoader(TensorDataset(np.arange(20)), 5, shuffle=True, seed=seed)
        return [[int(i) for (xb,) in loader for i in xb] for _ in range(2)]

    minigrad.manual_seed(1)
    first = two_epochs()
    minigrad.manual_seed(1)
    assert two_epochs() == first and first[0] != first[1]
    minigrad.manual_seed(2)
    assert two_epochs() != first
    minigrad.manual_seed(1)
    own = two_epochs(seed=7)
    minigrad.manual_seed(2)
    assert two_epochs(seed=7) == own  # a loader with its own seed ignores the global one
