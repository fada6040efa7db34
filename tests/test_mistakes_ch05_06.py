"""Realistic wrong answers for the exercises of chapters 05 and 06: each must fail its visible check, with a
message that points at the mistake. The harness (tests/mistakes.py) runs the student's view of the chapter with
every other exercise solved, up to the check."""

from __future__ import annotations

import pytest
from mistakes import Mistake, assert_caught

M5, M6 = "05_modules", "06_optim"

MISTAKES = [
    # --- 5.1 named_parameters ------------------------------------------------------------------------------
    Mistake(
        M5,
        "ch05-named-parameters",
        "puts a dot before the root's own names",
        (('yield (f"{path}.{name}" if path else name), p', 'yield f"{path}.{name}", p'),),
        ("no dot in front",),
    ),
    Mistake(
        M5,
        "ch05-named-parameters",
        "yields a shared parameter twice",
        (("if p is None or id(p) in seen:", "if p is None:"),),
        ("once",),
    ),
    Mistake(
        M5,
        "ch05-named-parameters",
        "ignores remove_duplicate=False",
        (("if remove_duplicate:\n                    seen.add(id(p))", "seen.add(id(p))"),),
        ("remove_duplicate=False",),
    ),
    Mistake(
        M5,
        "ch05-named-parameters",
        "yields parameters set to None",
        (("if p is None or id(p) in seen:", "if id(p) in seen:"),),
        ("None",),
    ),
    # --- 5.2 state_dict and load_state_dict ----------------------------------------------------------------
    Mistake(
        M5,
        "ch05-state-dict",
        "copies the arrays instead of sharing them as PyTorch does",
        (
            (
                "destination[prefix + name] = p if keep_vars else p.detach()",
                "destination[prefix + name] = p if keep_vars else Tensor(p.data.copy())",
            ),
        ),
        ("does not copy",),
    ),
    Mistake(
        M5,
        "ch05-state-dict",
        "stores the parameters themselves",
        (("destination[prefix + name] = p if keep_vars else p.detach()", "destination[prefix + name] = p"),),
        ("detach",),
    ),
    Mistake(
        M5,
        "ch05-state-dict",
        "forgets the dot between a child's name and its entries",
        (
            (
                'child.state_dict(destination, prefix + name + ".", keep_vars)',
                "child.state_dict(destination, prefix + name, keep_vars)",
            ),
        ),
        ("'<child>.'",),
    ),
    Mistake(
        M5,
        "ch05-state-dict",
        "saves non-persistent buffers too",
        (("if b is not None and name not in module._non_persistent_buffers:", "if b is not None:"),),
        ("persistent=False",),
    ),
    Mistake(
        M5,
        "ch05-state-dict",
        "makes the model alias the loaded arrays",
        (("own[key].copy_(array)", "own[key].data = array"),),
        ("copy_",),
    ),
    Mistake(
        M5,
        "ch05-state-dict",
        "loads what matches before it raises (half-loaded model)",
        (
            (
                "        else:\n            values[key] = array",
                "        else:\n            tensor.data[...] = array",
            ),
        ),
        ("before copying",),
    ),
    Mistake(
        M5,
        "ch05-state-dict",
        "rejects missing keys with strict=False",
        (("    if strict and missing:", "    if missing:"),),
        ("Missing key",),
    ),
    Mistake(
        M5,
        "ch05-state-dict",
        "does not check shapes",
        (("        elif array.shape != tensor.shape:", "        elif False:"),),
        ("seen",),
    ),
    # --- 5.3 Linear ------------------------------------------------------------------------------------------
    Mistake(
        M5,
        "ch05-linear",
        "stores the weight as (in_features, out_features)",
        (("np.empty((out_features, in_features), dtype)", "np.empty((in_features, out_features), dtype)"),),
        ("(out_features, in_features)",),
    ),
    Mistake(
        M5,
        "ch05-linear",
        "draws the bias before the weight",
        (
            (
                "        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=gen)\n"
                "        if self.bias is not None:\n"
                "            k = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0\n"
                "            init.uniform_(self.bias, -k, k, rng=gen)\n",
                "        if self.bias is not None:\n"
                "            k = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0\n"
                "            init.uniform_(self.bias, -k, k, rng=gen)\n"
                "        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=gen)\n",
            ),
        ),
        ("weight first",),
    ),
    Mistake(
        M5,
        "ch05-linear",
        "starts a new generator from the seed for each draw",
        (("a=math.sqrt(5), rng=gen)", "a=math.sqrt(5), rng=rng)"), ("-k, k, rng=gen)", "-k, k, rng=rng)")),
        ("bias",),
    ),
    Mistake(
        M5,
        "ch05-linear",
        "ignores the dtype argument",
        (
            (
                "np.empty((out_features, in_features), dtype)",
                "np.empty((out_features, in_features), np.float32)",
            ),
            ("np.empty(out_features, dtype)", "np.empty(out_features, np.float32)"),
        ),
        ("float64",),
    ),
    Mistake(
        M5,
        "ch05-linear",
        "forgets the transpose",
        (("return F.linear(x, self.weight, self.bias)", "return x @ self.weight + self.bias"),),
        ("(2, 3)",),
    ),
    # --- 5.4 Sequential --------------------------------------------------------------------------------------
    Mistake(
        M5,
        "ch05-sequential",
        "registers the layers as 'layer0', 'layer1', ...",
        (("self.add_module(str(i), module)", 'self.add_module(f"layer{i}", module)'),),
        ("str(i)",),
    ),
    Mistake(
        M5,
        "ch05-sequential",
        "calls the layers in reverse order",
        (
            (
                "for module in self._modules.values():\n            input",
                "for module in reversed(self._modules.values()):\n            input",
            ),
        ),
        ("in order",),
    ),
    Mistake(
        M5,
        "ch05-sequential",
        "registers with setattr, which accepts anything",
        (("self.add_module(str(i), module)", "setattr(self, str(i), module)"),),
        ("add_module",),
    ),
    # --- 5.5 train_step --------------------------------------------------------------------------------------
    Mistake(
        M5,
        "ch05-train-step",
        "forgets zero_grad",
        (("    model.zero_grad()\n", ""),),
        ("zero the gradients",),
    ),
    Mistake(
        M5,
        "ch05-train-step",
        "rebinds the loop variable instead of updating in place",
        (("p -= lr * p.grad", "p = p - lr * p.grad"),),
        ("in place",),
    ),
    Mistake(
        M5,
        "ch05-train-step",
        "updates outside no_grad",
        (
            (
                "    with minigrad.no_grad():\n        for p in model.parameters():\n            p -= lr * p.grad",
                "    for p in model.parameters():\n        p -= lr * p.grad",
            ),
        ),
        ("no_grad",),
    ),
    Mistake(
        M5,
        "ch05-train-step",
        "returns the loss tensor",
        (("    return loss.item()", "    return loss"),),
        ("Python float",),
    ),
    # --- 6.1 SGD ---------------------------------------------------------------------------------------------
    Mistake(
        M6,
        "ch06-sgd",
        "keeps the gradient's own array as the velocity",
        (('buf = state["momentum_buffer"] = g.copy()', 'buf = state["momentum_buffer"] = g'),),
        ("store a copy of g",),
    ),
    Mistake(
        M6,
        "ch06-sgd",
        "adds the weight decay into p.grad in place",
        (("g = g + weight_decay * p.data", "g += weight_decay * p.data"),),
        ("new array",),
    ),
    Mistake(
        M6,
        "ch06-sgd",
        "keeps one velocity for all parameters",
        (("state = self.state[p]", 'state = self.state["shared"]'),),
        ("self.state[p]",),
    ),
    Mistake(
        M6,
        "ch06-sgd",
        "steps uphill",
        (("                    p -= lr * g", "                    p += lr * g"),),
        ("check the sign",),
    ),
    Mistake(
        M6,
        "ch06-sgd",
        "dampens the first step",
        (
            (
                'buf = state["momentum_buffer"] = g.copy()',
                'buf = state["momentum_buffer"] = (1 - dampening) * g',
            ),
        ),
        ("no dampening on the first step",),
    ),
    Mistake(
        M6,
        "ch06-sgd",
        "steps along the velocity alone with Nesterov",
        (("g = g + momentum * buf if nesterov else buf", "g = buf"),),
        ("Nesterov",),
    ),
    Mistake(
        M6,
        "ch06-sgd",
        "gives the parameter a new array",
        (("                    p -= lr * g", "                    p.data = p.data - lr * g"),),
        ("in place",),
    ),
    Mistake(
        M6,
        "ch06-sgd",
        "reads the learning rate once, from the defaults",
        (
            (
                'lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]',
                'lr, momentum, dampening = self.defaults["lr"], group["momentum"], group["dampening"]',
            ),
        ),
        ("group",),
    ),
    # --- 6.2 RMSprop -----------------------------------------------------------------------------------------
    Mistake(
        M6,
        "ch06-rmsprop",
        "puts eps inside the square root",
        (("avg = np.sqrt(square_avg) + eps", "avg = np.sqrt(square_avg + eps)"),),
        ("after the square root",),
    ),
    Mistake(
        M6,
        "ch06-rmsprop",
        "replaces the average instead of updating it in place",
        (
            (
                "square_avg *= alpha\n                    square_avg += (1 - alpha) * g * g",
                'square_avg = state["square_avg"] = alpha * square_avg + (1 - alpha) * g * g',
            ),
        ),
        ("in place",),
    ),
    Mistake(
        M6,
        "ch06-rmsprop",
        "forgets the (1 - alpha) factor",
        (("square_avg += (1 - alpha) * g * g", "square_avg += g * g"),),
        ("(1-α)",),
    ),
    Mistake(
        M6,
        "ch06-rmsprop",
        "does not center",
        (("avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps", "avg = np.sqrt(square_avg) + eps"),),
        ("centered",),
    ),
    # --- 6.3 Adam --------------------------------------------------------------------------------------------
    Mistake(
        M6,
        "ch06-adam",
        "has no bias correction",
        (
            ("m_hat = exp_avg / (1 - beta1**t)", "m_hat = exp_avg"),
            ("v_hat = exp_avg_sq / (1 - beta2**t)", "v_hat = exp_avg_sq"),
        ),
        ("bias correction",),
    ),
    Mistake(
        M6,
        "ch06-adam",
        "bias-corrects one step ahead",
        (
            ("m_hat = exp_avg / (1 - beta1**t)", "m_hat = exp_avg / (1 - beta1 ** (t + 1))"),
            ("v_hat = exp_avg_sq / (1 - beta2**t)", "v_hat = exp_avg_sq / (1 - beta2 ** (t + 1))"),
        ),
        ("t = 1",),
    ),
    Mistake(
        M6,
        "ch06-adam",
        "puts eps inside the square root",
        (("p -= lr * m_hat / (np.sqrt(v_hat) + eps)", "p -= lr * m_hat / np.sqrt(v_hat + eps)"),),
        ("after the square root",),
    ),
    Mistake(
        M6,
        "ch06-adam",
        "always decouples the weight decay",
        (('if group["decoupled_weight_decay"]:', "if True:"),),
        ("L2",),
    ),
    Mistake(
        M6,
        "ch06-adam",
        "adds the weight decay into p.grad in place",
        (("g = g + weight_decay * p.data", "g += weight_decay * p.data"),),
        ("new array",),
    ),
    Mistake(
        M6,
        "ch06-adam",
        "counts steps once for all parameters",
        (
            (
                '                    state["step"] += 1\n                    t, exp_avg, exp_avg_sq = state["step"], ',
                '                    self.defaults["t"] = self.defaults.get("t", 0) + 1\n'
                '                    t, exp_avg, exp_avg_sq = self.defaults["t"], ',
            ),
        ),
        ("per parameter",),
    ),
    # --- 6.4 clip_grad_norm_ ---------------------------------------------------------------------------------
    Mistake(
        M6,
        "ch06-clip",
        "adds up the norms of the parameters",
        (
            (
                "total = sum(float((np.abs(g) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type)",
                "total = sum(float((np.abs(g) ** norm_type).sum()) ** (1.0 / norm_type) for g in grads)",
            ),
        ),
        ("all gradients together",),
    ),
    Mistake(
        M6,
        "ch06-clip",
        "assigns new gradients instead of scaling in place",
        (("p.grad.mul_(coef)", "p.grad = p.grad * coef"),),
        ("in place",),
    ),
    Mistake(
        M6,
        "ch06-clip",
        "scales small gradients up",
        (("coef = min(max_norm / (total + 1e-6), 1.0)", "coef = max_norm / (total + 1e-6)"),),
        ("leave the gradients alone",),
    ),
    # --- 6.5 StepLR ------------------------------------------------------------------------------------------
    Mistake(
        M6,
        "ch06-steplr",
        "decays at epoch 0 too",
        (
            (
                "if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:",
                "if self.last_epoch % self.step_size != 0:",
            ),
        ),
        ("first step",),
    ),
    Mistake(
        M6,
        "ch06-steplr",
        "uses the closed form",
        (
            (
                'return [group["lr"] * self.gamma for group in self.optimizer.param_groups]',
                "return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]",
            ),
        ),
        ("chainable",),
    ),
    Mistake(
        M6,
        "ch06-steplr",
        "decays one epoch early",
        (("self.last_epoch % self.step_size != 0:", "(self.last_epoch + 1) % self.step_size != 0:"),),
        ("non-zero multiple",),
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES, ids=str)
def test_the_visible_check_catches_the_mistake(mistake: Mistake) -> None:
    assert_caught(mistake)
