# Generated from solutions/05_modules.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Modules: layers that own their parameters, and the bookkeeping that finds them (PyTorch's torch.nn)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from minigrad import functional as F
from minigrad.function import tracer
from minigrad.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module registers as learnable; unlike a plain Tensor it requires grad by default."""

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` could not match, as in PyTorch."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model.

    Assigning a Parameter or a Module to an attribute registers it under that name, so `parameters()`,
    `state_dict()`, `train()`... find everything in the tree without a hand-kept list.
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() ran: call super().__init__() first in "
                f"{type(self).__name__}.__init__"
            )
        if isinstance(value, Parameter):
            self._modules.pop(name, None)
            self._parameters[name] = value  # a reassigned name keeps its place, as in PyTorch
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(): define forward(self, x) in the class"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run forward; the calls it records remember this module (ctx.module, for the graph viewer)."""
        modules = tracer.modules
        modules.append(self)
        try:
            return self.forward(*args, **kwargs)
        finally:
            modules.pop()

    # --- walking the tree -------------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named `prefix`) and all its descendants, depth first, with dotted paths."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for every parameter in the tree; a shared parameter comes once."""
        seen: set[int] = set()
        for path, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{path}.{name}" if path else name), p

    def parameters(self) -> Iterator[Parameter]:
        for _, p in self.named_parameters():
            yield p

    def zero_grad(self) -> None:
        """Forget the gradients of the last backward (leaves accumulate until told otherwise)."""
        for p in self.parameters():
            p.grad = None

    # --- modes ------------------------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    # --- saving and loading -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: a copy of the parameter's array}: later training cannot change a saved dict."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays into the parameters after checking names and shapes; all-or-nothing."""
        own = dict(self.named_parameters())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        problems = []
        if strict and missing:
            problems.append("missing key(s) " + ", ".join(map(repr, missing)))
        if strict and unexpected:
            problems.append("unexpected key(s) " + ", ".join(map(repr, unexpected)))
        values = {}
        for name, p in own.items():
            if name in state_dict:
                value = np.asarray(getattr(state_dict[name], "data", state_dict[name]))
                if value.shape != p.shape:
                    problems.append(
                        f"size mismatch for {name!r}: the state dict has shape {value.shape}, "
                        f"the model has shape {p.shape}"
                    )
                values[name] = value
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: " + "; ".join(problems))
        for name, value in values.items():
            own[name].data = np.array(value, dtype=own[name].data.dtype)
        return IncompatibleKeys(missing, unexpected)

    # --- printing ---------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ")" if not children else head + "\n  " + "\n  ".join(children) + "\n)"


class Linear(Module):
    """y = x Wᵀ + b with PyTorch's layout W: (out_features, in_features) and PyTorch's default init:
    W and b uniform in ±1/√in_features. `rng` (a Generator or a seed) makes the init repeatable.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        gen = np.random.default_rng(rng)
        k = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(gen.uniform(-k, k, (out_features, in_features)).astype(np.float32))
        self.bias = Parameter(gen.uniform(-k, k, out_features).astype(np.float32)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class Sequential(Module):
    """Call the modules in order; they are registered as "0", "1", ... (PyTorch's state_dict keys)."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, not a Module")
            setattr(self, str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        layers = list(self._modules.values())
        return Sequential(*layers[index]) if isinstance(index, slice) else layers[index]

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class CrossEntropyLoss(Module):
    """Mean cross-entropy of logits (N, C) against integer class indices (N,)."""

    def forward(self, logits: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(logits, target)


class MSELoss(Module):
    """Mean squared error between a prediction and a target of the same shape."""

    def forward(self, pred: Tensor, target: Any) -> Tensor:
        return F.mse_loss(pred, target)
