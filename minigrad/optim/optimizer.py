# Generated from solutions/06_optim.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Optimizers: turn gradients into parameter updates (PyTorch's torch.optim, with the same update rules)."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from minigrad.autograd import enable_grad, no_grad
from minigrad.tensor import Tensor


def _evaluate(closure: Callable[[], Any] | None) -> Any:
    """PyTorch's step(closure): recompute the loss (with gradients on) before the update."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


class Optimizer:
    """Parameter groups ("params" + hyper-parameters) and per-parameter state; subclasses add step()."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors, e.g. model.parameters(), not a Tensor"
            )
        if isinstance(params, set):
            raise TypeError(f"{name}: params must be an ordered iterable (a list), not a set")
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group; hyper-parameters it does not set come from the optimizer's defaults."""
        name = type(self).__name__
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, got a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (shape {p.shape}): it is computed"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear more than once in the parameter groups")
        self.param_groups.append({**self.defaults, **group, "params": params})

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: `.grad = None` (PyTorch's default), or zero them in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define step()")

    def state_dict(self) -> dict[str, Any]:
        """Groups and state, each parameter replaced by its index (PyTorch's format). A view, not a copy."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and (copies of) the state saved by state_dict(), for the same layout."""
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}, the optimizer has {len(self.param_groups)})"
            )
        params: dict[int, Tensor] = {}
        for i, (own, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(own["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: loaded state dict contains a parameter group that doesn't "
                    f"match the size of optimizer's group {i} ({len(saved['params'])} parameters, not "
                    f"{len(own['params'])})"
                )
            params.update(zip(saved["params"], own["params"]))
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, entry in state_dict["state"].items():
            p = params[key]
            loaded = {}
            for field, value in entry.items():
                value = value.data if isinstance(value, Tensor) else value
                if isinstance(value, np.ndarray):
                    if value.shape != p.shape:
                        raise ValueError(
                            f"{name}.load_state_dict: {field!r} of parameter {key} has shape {value.shape}, "
                            f"the parameter has shape {p.shape}"
                        )
                    value = value.astype(p.dtype) if value.dtype.kind == "f" else value.copy()
                loaded[field] = copy.deepcopy(value)
            state[p] = loaded
        for own, saved in zip(self.param_groups, saved_groups):
            own.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join([*lines, ")"])


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 weight decay."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(
                f"SGD: lr, momentum and weight_decay must be >= 0, got {lr}, {momentum}, {weight_decay}"
            )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = _evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
                weight_decay, nesterov = group["weight_decay"], group["nesterov"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad.data
                    if weight_decay != 0:
                        g = g + weight_decay * p.data
                    if momentum != 0:
                        state = self.state[p]
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            buf = state["momentum_buffer"] = g.copy()
                        else:
                            buf *= momentum
                            buf += (1 - dampening) * g
                        g = g + momentum * buf if nesterov else buf
                    p -= lr * g
        return loss


class Adagrad(Optimizer):
    """Per-coordinate steps scaled by the root of the sum of all past squared gradients."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        if lr < 0 or lr_decay < 0 or weight_decay < 0 or initial_accumulator_value < 0 or eps < 0:
            raise ValueError(
                "Adagrad: lr, lr_decay, weight_decay, initial_accumulator_value and eps must be >= 0"
            )
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                start = group["initial_accumulator_value"]
                self.state[p] = {"step": 0, "sum": np.full_like(p.data, start)}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = _evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    state["step"] += 1
                    g = p.grad.data
                    if group["weight_decay"] != 0:
                        g = g + group["weight_decay"] * p.data
                    clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
                    state["sum"] += g * g
                    p -= clr * g / (np.sqrt(state["sum"]) + group["eps"])
        return loss


class Adadelta(Optimizer):
    """Steps scaled by the ratio of the RMS of past updates to the RMS of past gradients (Zeiler, 2012)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        if lr < 0 or not 0 <= rho <= 1 or eps < 0 or weight_decay < 0:
            raise ValueError(
                f"Adadelta: needs lr >= 0, 0 <= rho <= 1, eps >= 0, weight_decay >= 0; got {lr}, {rho}, "
                f"{eps}, {weight_decay}"
            )
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = _evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                rho, eps = group["rho"], group["eps"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if not state:
                        state.update(
                            step=0, square_avg=np.zeros_like(p.data), acc_delta=np.zeros_like(p.data)
                        )
                    state["step"] += 1
                    g = p.grad.data
                    if group["weight_decay"] != 0:
                        g = g + group["weight_decay"] * p.data
                    square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                    square_avg *= rho
                    square_avg += (1 - rho) * g * g
                    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
                    acc_delta *= rho
                    acc_delta += (1 - rho) * delta * delta
                    p -= group["lr"] * delta
        return loss


class RMSprop(Optimizer):
    """Per-coordinate steps scaled by a moving average of squared gradients (optionally centered)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        if lr < 0 or alpha < 0 or eps < 0 or weight_decay < 0 or momentum < 0:
            raise ValueError("RMSprop: lr, alpha, eps, weight_decay and momentum must be >= 0")
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = _evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad.data
                    if group["weight_decay"] != 0:
                        g = g + group["weight_decay"] * p.data
                    state = self.state[p]
                    if not state:
                        state.update(step=0, square_avg=np.zeros_like(p.data))
                        if momentum > 0:
                            state["momentum_buffer"] = np.zeros_like(p.data)
                        if group["centered"]:
                            state["grad_avg"] = np.zeros_like(p.data)
                    state["step"] += 1
                    square_avg = state["square_avg"]
                    square_avg *= alpha
                    square_avg += (1 - alpha) * g * g
                    if group["centered"]:
                        grad_avg = state["grad_avg"]
                        grad_avg *= alpha
                        grad_avg += (1 - alpha) * g
                        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
                    else:
                        avg = np.sqrt(square_avg) + eps
                    if momentum > 0:
                        buf = state["momentum_buffer"]
                        buf *= momentum
                        buf += g / avg
                        p -= lr * buf
                    else:
                        p -= lr * g / avg
        return loss


class Adam(Optimizer):
    """Adam: momentum plus RMSprop scaling, both bias-corrected; L2 or decoupled weight decay."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"{type(self).__name__}: lr, eps and weight_decay must be >= 0")
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {betas}")
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = _evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, (beta1, beta2), eps, weight_decay = (
                    group["lr"],
                    group["betas"],
                    group["eps"],
                    group["weight_decay"],
                )
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad.data
                    if weight_decay != 0:
                        if group["decoupled_weight_decay"]:
                            p *= 1 - lr * weight_decay
                        else:
                            g = g + weight_decay * p.data
                    state = self.state[p]
                    if not state:
                        state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
                    state["step"] += 1
                    t, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
                    exp_avg *= beta1
                    exp_avg += (1 - beta1) * g
                    exp_avg_sq *= beta2
                    exp_avg_sq += (1 - beta2) * g * g
                    m_hat = exp_avg / (1 - beta1**t)
                    v_hat = exp_avg_sq / (1 - beta2**t)
                    p -= lr * m_hat / (np.sqrt(v_hat) + eps)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): θ ← θ(1 - lr·λ) before each Adam step."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, decoupled_weight_decay=True
        )
