"""minigrad.save / minigrad.load: write a state dict (or any container of tensors) to a file and read it back.

Like `torch.save`, `save` pickles the object; like `torch.load` since PyTorch 2.6 (`weights_only=True`),
`load` rebuilds only tensors, NumPy arrays and plain containers, so opening a checkpoint cannot run code.
"""

from __future__ import annotations

import io
import os
import pickle
from typing import IO, Any

# What a state dict (of a module or an optimizer) is made of: the only classes `load` will rebuild.
_ALLOWED = {
    ("builtins", name)
    for name in (
        "dict",
        "list",
        "tuple",
        "set",
        "frozenset",
        "int",
        "float",
        "complex",
        "bool",
        "str",
        "bytes",
    )
} | {
    ("collections", "OrderedDict"),
    ("minigrad.tensor", "Tensor"),
    ("minigrad.nn.modules", "Parameter"),
    ("minigrad.nn.modules", "IncompatibleKeys"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("copyreg", "_reconstructor"),
}


class _WeightsUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED or (module == "numpy.dtypes" and name.endswith("DType")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"minigrad.load: the file holds a {module}.{name}, which weights_only loading does not rebuild "
            "(only tensors, arrays and containers); pass weights_only=False if you trust the file"
        )


def save(obj: Any, f: str | os.PathLike | IO[bytes]) -> None:
    """Write `obj` (typically `model.state_dict()` or `optimizer.state_dict()`) to a path or a binary file."""
    if isinstance(f, str | os.PathLike):
        with open(f, "wb") as file:
            pickle.dump(obj, file, protocol=pickle.HIGHEST_PROTOCOL)
    else:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def load(f: str | os.PathLike | IO[bytes], weights_only: bool = True) -> Any:
    """Read what `save` wrote. With weights_only (the default) nothing but tensors, arrays and containers."""
    if isinstance(f, str | os.PathLike):
        with open(f, "rb") as file:
            return load(io.BytesIO(file.read()), weights_only)
    if weights_only:
        return _WeightsUnpickler(f).load()
    return pickle.load(f)
