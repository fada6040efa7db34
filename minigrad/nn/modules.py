# Generated from solutions/05_modules.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Modules: layers that own their parameters, and the bookkeeping that finds them (PyTorch's torch.nn)."""

from __future__ import annotations

import math
import operator
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np

from minigrad import functional as F
from minigrad.autograd import no_grad
from minigrad.function import Function, tracer
from minigrad.nn import init
from minigrad.tensor import DEFAULT_DTYPE, Tensor, _is_dtype_name, _rng, device


class Parameter(Tensor):
    """A Tensor that a Module registers as learnable; unlike a plain Tensor it requires grad by default."""

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        super().__init__(np.empty(0, DEFAULT_DTYPE) if data is None else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _factory_dtype(layer: str, device_: Any, dtype: Any) -> np.dtype:
    """The dtype of a layer's parameters: float32 unless asked; only the CPU exists (PyTorch's device=)."""
    if device_ is not None:
        device(str(device_))  # raises for anything but the CPU
    dtype = DEFAULT_DTYPE if dtype is None else np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{layer}: parameters must have a floating-point dtype, got {dtype}")
    return dtype


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` could not match, as in PyTorch."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model.

    Assigning a Parameter, a Module or a registered buffer to an attribute files it under that name, so
    `parameters()`, `state_dict()`, `train()`... find everything in the tree without a hand-kept list.
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})

    # --- registration -----------------------------------------------------------------------------------
    def _registry(self, store: str, what: str, name: str) -> dict[str, Any]:
        registry = self.__dict__.get(store)
        if registry is None:
            raise AttributeError(
                f"cannot assign {what} {name!r} before Module.__init__() ran: call super().__init__() first "
                f"in {type(self).__name__}.__init__"
            )
        return registry

    def _forget(self, name: str, keep: str) -> None:
        """Take a name out of the instance and the other registries (in `keep` it keeps its place)."""
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            if store != keep:
                self.__dict__[store].pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __setattr__(self, name: str, value: Any) -> None:
        params, buffers, modules = (self.__dict__.get(s) for s in ("_parameters", "_buffers", "_modules"))
        if isinstance(value, Parameter):
            self._registry("_parameters", "parameter", name)
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' (Parameter or None "
                    "expected): wrap it in nn.Parameter, or change the values in place with copy_()"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._registry("_modules", "module", name)
            self._forget(name, keep="_modules")
            self._modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    f"(Module or None expected)"
                )
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """Python's fallback for names not in the instance: parameters, buffers and children live here."""
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, ()):
                del self.__dict__[store][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def _check_name(self, kind: str, name: Any, registry: dict[str, Any]) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain '.', got {name!r}")
        if name not in registry and hasattr(self, name):
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        params = self._registry("_parameters", "parameter", name)
        self._check_name("parameter", name, params)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                f"(Parameter or None required)"
            )
        params[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor the module keeps and saves (unless persistent=False) but does not learn."""
        buffers = self._registry("_buffers", "buffer", name)
        self._check_name("buffer", name, buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None)"
            )
        buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        modules = self._registry("_modules", "module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass (add_module({name!r}, ...))")
        self._check_name("module", name, modules)
        modules[name] = module

    register_module = add_module

    # --- calling ----------------------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
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
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module (named `prefix`) and its descendants, depth first, with dotted paths; each once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(
                    memo, f"{prefix}.{name}" if prefix else name, remove_duplicate
                )

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for every parameter in the tree; a shared parameter comes once."""
        seen: set[int] = set()
        walk = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for path, module in walk:
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(p))
                yield (f"{path}.{name}" if path else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        walk = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for path, module in walk:
            for name, b in module._buffers.items():
                if b is not None and id(b) not in seen:
                    if remove_duplicate:
                        seen.add(id(b))
                    yield (f"{path}.{name}" if path else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # --- gradients, modes, conversions -----------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of the last backward (leaves accumulate until told otherwise)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.zero_()

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call fn on every submodule (children first, as PyTorch does), then on this module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """`to(dtype)` converts every floating parameter and buffer in place; `to("cpu")` changes nothing."""
        dtype, place = kwargs.pop("dtype", None), kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"Module.to: unexpected arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, device) or (isinstance(arg, str) and not _is_dtype_name(arg)):
                place = arg
            else:
                dtype = arg
        if place is not None:
            device(str(place))  # raises for anything but the CPU
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(
                    f"Module.to only accepts floating point dtypes, but got desired dtype={dtype}"
                )
            for t in [*self.parameters(), *self.buffers()]:
                if t.dtype.kind == "f" and t.dtype != dtype:
                    grad = t.grad
                    t.data = t.data.astype(dtype)
                    if grad is not None:
                        t.grad = grad.data.astype(dtype)
        return self

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def half(self) -> Module:
        return self.to(np.float16)

    def cpu(self) -> Module:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Module:
        raise RuntimeError("cuda: minigrad runs on the CPU only (NumPy)")

    # --- saving and loading: the functions of exercise 5.2 --------------------------------------------
    def state_dict(
        self, destination: dict[str, Any] | None = None, prefix: str = "", keep_vars: bool = False
    ) -> dict[str, Any]:
        """{dotted name: tensor} for every parameter and persistent buffer, as PyTorch: detached tensors
        that share memory with the model (copy them to keep a snapshot)."""
        return module_state_dict(self, destination, prefix, keep_vars)

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy the values into the parameters and buffers, in place, after checking every key and shape."""
        return module_load_state_dict(self, state_dict, strict)

    # --- printing ---------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ")" if not children else head + "\n  " + "\n  ".join(children) + "\n)"


def module_state_dict(
    module: Module, destination: dict[str, Any] | None, prefix: str, keep_vars: bool
) -> dict[str, Any]:
    """Module.state_dict: own parameters, own persistent buffers, then each child's, under dotted names."""
    if destination is None:
        destination = OrderedDict()
    for name, p in module._parameters.items():
        if p is not None:
            destination[prefix + name] = p if keep_vars else p.detach()
    for name, b in module._buffers.items():
        if b is not None and name not in module._non_persistent_buffers:
            destination[prefix + name] = b if keep_vars else b.detach()
    for name, child in module._modules.items():
        if child is not None:
            child.state_dict(destination, prefix + name + ".", keep_vars)
    return destination


def module_load_state_dict(module: Module, state_dict: dict[str, Any], strict: bool) -> IncompatibleKeys:
    """Module.load_state_dict: check every key and shape, then copy all values in place (or nothing)."""
    own = module.state_dict(keep_vars=True)
    missing = [key for key in own if key not in state_dict]
    unexpected = [key for key in state_dict if key not in own]
    problems = []
    if strict and missing:
        problems.append("Missing key(s) in state_dict: " + ", ".join(f'"{key}"' for key in missing) + ".")
    if strict and unexpected:
        problems.append(
            "Unexpected key(s) in state_dict: " + ", ".join(f'"{key}"' for key in unexpected) + "."
        )
    values = {}
    for key, tensor in own.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        array = value.data if isinstance(value, Tensor) else value
        if not isinstance(array, np.ndarray):
            problems.append(
                f'While copying "{key}": expected a Tensor or a NumPy array, got {type(value).__name__}'
            )
        elif array.shape != tensor.shape:
            problems.append(
                f"size mismatch for {key}: copying a param with shape {array.shape} from checkpoint, "
                f"the shape in current model is {tensor.shape}."
            )
        else:
            values[key] = array
    if problems:
        raise RuntimeError(
            f"Error(s) in loading state_dict for {type(module).__name__} (nothing was loaded):\n\t"
            + "\n\t".join(problems)
        )
    with no_grad():
        for key, array in values.items():
            own[key].copy_(array)
    return IncompatibleKeys(missing, unexpected)


class Linear(Module):
    """y = x Wᵀ + b with PyTorch's layout W: (out_features, in_features) and PyTorch's default init:
    W and b uniform in ±1/√in_features. `rng` (a Generator or a seed) makes the init repeatable.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        dtype = _factory_dtype("Linear", device, dtype)
        gen = _rng(rng)
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype))
        else:
            self.register_parameter("bias", None)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=gen)
        if self.bias is not None:
            k = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
            init.uniform_(self.bias, -k, k, rng=gen)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class Sequential(Module):
    """Call the modules in order; they are registered as "0", "1", ... (PyTorch's state_dict keys)."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:  # noqa: A002  (PyTorch's argument name)
        for module in self._modules.values():
            input = module(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(OrderedDict(items[index]))
        return items[_checked_index(index, len(items))][1]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[_checked_index(index, len(self))]
        setattr(self, key, module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)
        for key in keys[index] if isinstance(index, slice) else [keys[_checked_index(index, len(keys))]]:
            delattr(self, key)

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


def _checked_index(index: Any, n: int) -> int:
    """A list index in range, or PyTorch's IndexError."""
    i = operator.index(index)
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of range")
    return i % n


class ModuleList(Module):
    """A list of modules whose parameters the parent finds (a plain Python list would hide them)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return modules[_checked_index(index, len(modules))]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_checked_index(index, len(self))), module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_checked_index(index, len(modules))]
        self._modules.clear()  # renumber, as PyTorch does: the keys stay 0, 1, 2, ...
        self.extend(modules)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if isinstance(modules, Module) and not isinstance(modules, ModuleList | Sequential):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable, but got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        self.extend(modules)


class Identity(Module):
    """Returns its input: a placeholder layer (its arguments are ignored, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:  # noqa: A002
        return input


class ReLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        if inplace:
            raise ValueError(
                "ReLU(inplace=True): minigrad does not record in-place operations; use ReLU() (same result, "
                "the input is not overwritten)"
            )
        self.inplace = False

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.relu(input)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        if inplace:
            raise ValueError("LeakyReLU(inplace=True): minigrad does not record in-place operations")
        self.negative_slope = negative_slope

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.tanh(input)


class _Loss(Module):
    """What every loss module keeps: how to reduce the per-example losses ("mean", "sum" or "none").
    PyTorch's loss modules share the same base (torch.nn.modules.loss._Loss)."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits (N, C) against integer class indices (N,) (or class probabilities)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of the target class, for log-probabilities (e.g. from log_softmax)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error between a prediction and a target of the same shape."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class EmbeddingFunction(Function):
    """weight[indices]; backward scatters the upstream rows back, adding rows of repeated indices."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None):
        ctx.save_for_backward(indices)
        ctx.weight_shape, ctx.padding_idx = weight.shape, padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        (indices,) = ctx.saved_tensors
        grad = np.zeros(ctx.weight_shape, dtype=g.dtype)
        np.add.at(grad, indices, g)  # grad[indices] += g would drop all but one of the repeated rows
        if ctx.padding_idx is not None:
            grad[ctx.padding_idx] = 0
        return grad, None


class Embedding(Module):
    """A learned lookup table: row i of the weight (num_embeddings, embedding_dim) is index i's vector."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
        *,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.weight = Parameter(
            np.empty((num_embeddings, embedding_dim), _factory_dtype("Embedding", device, dtype))
        )
        init.normal_(self.weight, rng=rng)
        if padding_idx is not None:
            with no_grad():
                self.weight[padding_idx] = 0.0

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        indices = input.data if isinstance(input, Tensor) else np.asarray(input)
        if indices.dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be an integer tensor (int64), got {indices.dtype}")
        bad = indices[(indices < 0) | (indices >= self.num_embeddings)]
        if bad.size:
            raise IndexError(
                f"Embedding: index {int(bad.flat[0])} is out of range for {self.num_embeddings} embeddings"
            )
        return EmbeddingFunction.apply(self.weight, indices, padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"


class LayerNorm(Module):
    """Normalise each sample over its last dimensions (mean 0, biased variance 1), then scale and shift."""

    def __init__(
        self,
        normalized_shape: int | Iterable[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        dtype = _factory_dtype("LayerNorm", device, dtype)
        affine = elementwise_affine
        self.weight: Parameter | None = Parameter(np.ones(shape, dtype)) if affine else None
        self.bias: Parameter | None = Parameter(np.zeros(shape, dtype)) if affine and bias else None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        n = len(self.normalized_shape)
        if input.shape[input.ndim - n :] != self.normalized_shape or input.ndim < n:
            raise ValueError(
                f"LayerNorm: expected an input whose last dimensions are {self.normalized_shape}, "
                f"got shape {input.shape}"
            )
        dims = tuple(range(input.ndim - n, input.ndim))
        centred = input - input.mean(dim=dims, keepdim=True)
        out = centred / ((centred * centred).mean(dim=dims, keepdim=True) + self.eps).sqrt()
        if self.weight is not None:
            out = out * self.weight
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
