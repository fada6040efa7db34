# Generated from solutions/06_optim.ipynb by `minigrad-course build` — edit the notebook, not this file.


"""Optimizers: turn gradients into parameter updates (PyTorch's torch.optim, with the same update rules)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.tensor import Tensor


class Optimizer:
    """Parameter groups ("params" + hyper-parameters) and per-parameter state; subclasses add step()."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors, e.g. model.parameters(), not a Tensor"
            )
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
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

    def zero_grad(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define step()")

    def state_dict(self) -> dict[str, Any]:
        """Groups and state, each parameter replaced by its index (PyTorch's format); arrays copied."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and state saved by state_dict() into an optimizer over the same layout."""
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter group(s), "
                f"the optimizer {len(self.param_groups)}"
            )
        params: dict[int, Tensor] = {}
        for i, (own, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(own["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(saved['params'])} parameter(s) in the state "
                    f"dict but {len(own['params'])} in the optimizer"
                )
            params.update(zip(saved["params"], own["params"]))
        state: dict[Tensor, dict[str, Any]] = {}
        for key, entry in state_dict["state"].items():
            p = params[key]
            for field, value in entry.items():
                if isinstance(value, np.ndarray) and value.shape != p.shape:
                    raise ValueError(
                        f"{name}.load_state_dict: {field!r} of parameter {key} has shape {value.shape}, "
                        f"the parameter has shape {p.shape}"
                    )
            state[p] = copy.deepcopy(entry)
        for own, saved in zip(self.param_groups, saved_groups):
            own.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = state


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

    def step(self) -> None:
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
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    buf = np.array(g, copy=True) if buf is None else momentum * buf + (1 - dampening) * g
                    state["momentum_buffer"] = buf
                    g = g + momentum * buf if nesterov else buf
                p.data -= lr * g


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

    def step(self) -> None:
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
                state["sum"] = state["sum"] + g * g
                p.data -= clr * g / (np.sqrt(state["sum"]) + group["eps"])


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

    def step(self) -> None:
        for group in self.param_groups:
            alpha, momentum = group["alpha"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.data
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p.data
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(step=0, square_avg=np.zeros_like(p.data))
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(p.data)
                    if group["centered"]:
                        state["grad_avg"] = np.zeros_like(p.data)
                state["step"] += 1
                state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * g * g
                if group["centered"]:
                    state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * g
                    avg = np.sqrt(state["square_avg"] - state["grad_avg"] ** 2) + group["eps"]
                else:
                    avg = np.sqrt(state["square_avg"]) + group["eps"]
                if momentum > 0:
                    state["momentum_buffer"] = momentum * state["momentum_buffer"] + g / avg
                    p.data -= group["lr"] * state["momentum_buffer"]
                else:
                    p.data -= group["lr"] * g / avg


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

    def step(self) -> None:
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
                        p.data *= 1 - lr * weight_decay
                    else:
                        g = g + weight_decay * p.data
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
                state["step"] += 1
                t = state["step"]
                state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * g
                state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
                m_hat = state["exp_avg"] / (1 - beta1**t)
                v_hat = state["exp_avg_sq"] / (1 - beta2**t)
                p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)


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
