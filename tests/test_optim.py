"""Optimizers, schedulers and gradient clipping (minigrad/optim/, minigrad/nn/utils.py).

The expected values are worked out by hand from PyTorch's documented update rules (torch.optim.SGD, Adagrad,
Adadelta, RMSprop, Adam, AdamW, StepLR, CosineAnnealingLR) and written as plain arithmetic here, never
computed with minigrad's own code. (They were also compared once with torch 2.13 on the same inputs.)
"""

from __future__ import annotations

import io
import math
import pickle
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor, nn, optim
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_
from minigrad.optim.lr_scheduler import CosineAnnealingLR, StepLR

pytestmark = pytest.mark.ch06

P0 = [1.0, -2.0]
G1 = [0.5, -1.0]
G2 = [0.1, 0.3]
ATOL = 1e-6


def param(values=P0) -> nn.Parameter:
    return nn.Parameter(np.array(values, dtype=np.float64))


def run(make, grads, start=P0) -> list[np.ndarray]:
    """Apply one optimizer step per gradient in `grads`; return the parameter after each step."""
    p = param(start)
    opt = make([p])
    out = []
    for g in grads:
        p.grad = np.array(g, dtype=np.float64)
        opt.step()
        out.append(p.data.copy())
    return out


def close(got, expected) -> None:
    np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL)


# --- SGD --------------------------------------------------------------------------------------------------


def test_sgd_plain():
    s1, s2 = run(lambda ps: optim.SGD(ps, lr=0.1), [G1, G2])
    close(s1, [1.0 - 0.05, -2.0 + 0.1])
    close(s2, [0.95 - 0.01, -1.9 - 0.03])


def test_sgd_momentum_first_step_uses_the_gradient_as_velocity():
    s1, s2, s3 = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), [G1, G2, G2])
    close(s1, [0.95, -1.9])  # b1 = g1
    close(s2, [0.95 - 0.1 * 0.55, -1.9 - 0.1 * (-0.6)])  # b2 = 0.9*[0.5, -1] + [0.1, 0.3] = [0.55, -0.6]
    close(s3, [0.895 - 0.1 * 0.595, -1.84 - 0.1 * (-0.24)])  # b3 = 0.9*b2 + g2 = [0.595, -0.24]


def test_sgd_dampening_and_weight_decay():
    make = lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1)
    s1, s2 = run(make, [G1, G2])
    # g1' = g1 + 0.1*p0 = [0.6, -1.2]; b1 = g1' (no dampening on step 1); p1 = p0 - 0.1*b1
    close(s1, [0.94, -1.88])
    # g2' = g2 + 0.1*p1 = [0.194, 0.112]; b2 = 0.9*b1 + 0.5*g2' = [0.637, -1.024]; p2 = p1 - 0.1*b2
    close(s2, [0.94 - 0.0637, -1.88 + 0.1024])


def test_sgd_nesterov():
    s1, s2 = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), [G1, G2])
    close(s1, [1.0 - 0.1 * 0.95, -2.0 + 0.1 * 1.9])  # b1 = g1; step along g1 + 0.9*b1 = 1.9*g1
    # b2 = [0.55, -0.6]; step along g2 + 0.9*b2 = [0.595, -0.24]
    close(s2, [0.905 - 0.0595, -1.81 + 0.024])


def test_sgd_argument_checks():
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([param()], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([param()], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match=">= 0"):
        optim.SGD([param()], lr=-1.0)


# --- Adagrad and RMSprop ----------------------------------------------------------------------------------


def test_adagrad_with_lr_decay_and_initial_accumulator():
    s1, s2 = run(lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.5), [G1, G2])
    close(s1, [0.9, -1.9])  # sum = g1², step = lr * g1/|g1|
    clr = 0.1 / (1 + 1 * 0.5)
    close(s2, [0.9 - clr * 0.1 / math.sqrt(0.26), -1.9 - clr * 0.3 / math.sqrt(1.09)])
    (t1,) = run(lambda ps: optim.Adagrad(ps, lr=0.1, initial_accumulator_value=0.1), [G1])
    close(t1, [1.0 - 0.1 * 0.5 / math.sqrt(0.35), -2.0 + 0.1 * 1.0 / math.sqrt(1.1)])


def test_adagrad_weight_decay():
    (s1,) = run(lambda ps: optim.Adagrad(ps, lr=0.1, weight_decay=0.5), [G1])
    # g' = g1 + 0.5*p0 = [1.0, -2.0]; sum = g'²; step = lr * sign(g')
    close(s1, [0.9, -1.9])


def test_rmsprop_plain_and_weight_decay():
    s1, s2 = run(lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9), [G1, G2])
    v1 = [0.1 * 0.25, 0.1 * 1.0]
    close(s1, [1.0 - 0.01 * 0.5 / math.sqrt(v1[0]), -2.0 + 0.01 * 1.0 / math.sqrt(v1[1])])
    v2 = [0.9 * v1[0] + 0.1 * 0.01, 0.9 * v1[1] + 0.1 * 0.09]
    close(s2, [s1[0] - 0.01 * 0.1 / math.sqrt(v2[0]), s1[1] - 0.01 * 0.3 / math.sqrt(v2[1])])
    (w1,) = run(lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9, weight_decay=1.0), [G1])
    # g' = g1 + p0 = [1.5, -3.0]; v = 0.1*g'²; step = lr * g'/sqrt(v) = lr * sign(g') / sqrt(0.1)
    close(w1, [1.0 - 0.01 / math.sqrt(0.1), -2.0 + 0.01 / math.sqrt(0.1)])


def test_rmsprop_centered_with_momentum():
    s1, s2 = run(lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9, centered=True, momentum=0.5), [G1, G2])
    # v1 = 0.1*g1² = [0.025, 0.1]; mean1 = 0.1*g1 = [0.05, -0.1]; sqrt(v1 - mean1²) = [0.15, 0.3]
    b1 = [0.5 / 0.15, -1.0 / 0.3]
    close(s1, [1.0 - 0.01 * b1[0], -2.0 - 0.01 * b1[1]])
    v2 = [0.9 * 0.025 + 0.1 * 0.01, 0.9 * 0.1 + 0.1 * 0.09]
    mean2 = [0.9 * 0.05 + 0.1 * 0.1, 0.9 * -0.1 + 0.1 * 0.3]
    avg2 = [math.sqrt(v2[i] - mean2[i] ** 2) for i in range(2)]
    b2 = [0.5 * b1[i] + G2[i] / avg2[i] for i in range(2)]
    close(s2, [s1[i] - 0.01 * b2[i] for i in range(2)])


# --- Adam and AdamW ---------------------------------------------------------------------------------------


def adam_two_steps(lr: float, b1: float, b2: float, eps: float, g1: list, g2: list, p0: list) -> list:
    """Adam written out for one coordinate at a time, straight from the paper's algorithm."""
    out = []
    for x0, a, b in zip(p0, g1, g2):
        m1, v1 = (1 - b1) * a, (1 - b2) * a * a
        x1 = x0 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
        m2, v2 = b1 * m1 + (1 - b1) * b, b2 * v1 + (1 - b2) * b * b
        x2 = x1 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
        out.append((x1, x2))
    return [[x[0] for x in out], [x[1] for x in out]]


def test_adam_first_step_is_lr_times_sign():
    (s1,) = run(lambda ps: optim.Adam(ps, lr=0.1), [G1])
    close(s1, [0.9, -1.9])  # with bias correction m̂1 = g1 and v̂1 = g1²


def test_adam_two_steps():
    s1, s2 = run(lambda ps: optim.Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-3), [G1, G2])
    e1, e2 = adam_two_steps(0.1, 0.8, 0.99, 1e-3, G1, G2, P0)
    close(s1, e1)
    close(s2, e2)
    # the second step by hand for coordinate 0: m2 = 0.8*0.1 + 0.2*0.1 = 0.1, v2 = 0.99*0.0025 + 0.01*0.01
    x2 = e1[0] - 0.1 * (0.1 / 0.36) / (math.sqrt(0.002575 / 0.0199) + 1e-3)
    close(s2[0], x2)


def test_adam_eps_outside_the_square_root():
    (s1,) = run(lambda ps: optim.Adam(ps, lr=0.1), [[1e-9]], start=[0.0])
    close(s1 * 1e3, [-0.1 * 1e-9 / (1e-9 + 1e-8) * 1e3])


def test_adam_l2_weight_decay_goes_through_the_gradient():
    s1, s2 = run(lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.5), [G1, G2])
    close(s1, [0.9, -1.9])  # g' = g1 + 0.5*p0 = [1.0, -2.0]: sign unchanged
    g2 = [G2[0] + 0.5 * 0.9, G2[1] + 0.5 * -1.9]  # [0.55, -0.65]
    _, e2 = adam_two_steps(0.1, 0.9, 0.999, 1e-8, [1.0, -2.0], g2, P0)
    close(s2, e2)


def test_adamw_decays_the_parameter_directly():
    s1, s2 = run(lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.5), [G1, G2])
    close(s1, [1.0 * 0.95 - 0.1, -2.0 * 0.95 + 0.1])
    m2 = [0.9 * 0.05 + 0.1 * 0.1, 0.9 * -0.1 + 0.1 * 0.3]
    v2 = [0.999 * 0.00025 + 0.001 * 0.01, 0.999 * 0.001 + 0.001 * 0.09]
    step = [0.1 * (m2[i] / 0.19) / (math.sqrt(v2[i] / (1 - 0.999**2)) + 1e-8) for i in range(2)]
    close(s2, [s1[i] * 0.95 - step[i] for i in range(2)])
    assert optim.AdamW([param()]).param_groups[0]["weight_decay"] == 0.01


def test_adam_counts_steps_per_parameter():
    a, b = param([1.0]), param([1.0])
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.array([1.0])
    opt.step()
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    close(b.data, [0.9])
    assert opt.state[a]["step"] == 2 and opt.state[b]["step"] == 1


# --- the Optimizer base -----------------------------------------------------------------------------------


def test_param_groups_defaults_and_zero_grad():
    a, b = param([1.0]), param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0, "momentum": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert [g["momentum"] for g in opt.param_groups] == [0.0, 0.5]
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    close(a.data, [0.9])
    close(b.data, [0.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    opt.step()  # no gradients: nothing moves
    close(a.data, [0.9])


def test_parameters_without_grad_are_skipped():
    a, b = param([1.0]), param([2.0])
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.array([1.0])
    opt.step()
    close(b.data, [2.0])
    assert b not in opt.state


def test_optimizer_argument_errors():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(param(), lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.zeros(2)], lr=0.1)
    p = param()
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)


def test_updates_do_not_record_and_keep_dtype():
    p = nn.Parameter(np.array([1.0, 2.0], dtype=np.float32))
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.dtype == np.float32 and p.is_leaf and len(mg.tracer.funcs) == 0


def make_model_and_optimizer(seed: int):
    model = nn.Sequential(nn.Linear(3, 4, rng=seed), nn.Tanh(), nn.Linear(4, 2, rng=seed + 1))
    opt = optim.Adam(
        [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.05}], lr=0.01
    )
    return model, opt


def train_steps(model, opt, steps: int) -> None:
    x = Tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3))
    target = np.array([0, 1, 1, 0, 1])
    for _ in range(steps):
        opt.zero_grad()
        nn.CrossEntropyLoss()(model(x), target).backward()
        opt.step()


def test_optimizer_state_dict_round_trip_resumes_training_exactly():
    model, opt = make_model_and_optimizer(0)
    train_steps(model, opt, 3)
    saved_model = pickle.dumps(model.state_dict())
    saved_opt = pickle.dumps(opt.state_dict())
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["param_groups"][1]["params"] == [2, 3]
    assert sd["param_groups"][1]["lr"] == 0.05 and sorted(sd["state"]) == [0, 1, 2, 3]
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}

    model2, opt2 = make_model_and_optimizer(7)
    model2.load_state_dict(pickle.loads(saved_model))
    opt2.load_state_dict(pickle.loads(saved_opt))
    train_steps(model, opt, 2)
    train_steps(model2, opt2, 2)
    for (name, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_optimizer_state_dict_is_a_view_and_loading_copies():
    p = param()
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array(G1)
    opt.step()
    sd = opt.state_dict()
    assert sd["state"][0]["momentum_buffer"] is opt.state[p]["momentum_buffer"]  # PyTorch's view
    sd["param_groups"][0]["lr"] = 5.0
    assert opt.param_groups[0]["lr"] == 0.1  # the packed groups are new dicts
    q = param()
    other = optim.SGD([q], lr=0.1, momentum=0.9)
    other.load_state_dict(opt.state_dict())
    assert other.state[q]["momentum_buffer"] is not opt.state[p]["momentum_buffer"]  # no shared buffers
    np.testing.assert_array_equal(other.state[q]["momentum_buffer"], opt.state[p]["momentum_buffer"])
    assert other.param_groups[0]["lr"] == 0.1 and other.param_groups[0]["params"] == [q]


def test_optimizer_load_state_dict_errors():
    model, opt = make_model_and_optimizer(0)
    train_steps(model, opt, 1)
    sd = opt.state_dict()
    single = optim.Adam(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        single.load_state_dict(sd)
    fewer = optim.Adam([{"params": [model[0].weight]}, {"params": model[2].parameters()}])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group 0"):
        fewer.load_state_dict(sd)
    other = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    wrong = optim.Adam([{"params": other[0].parameters()}, {"params": other[2].parameters()}])
    with pytest.raises(ValueError, match="shape"):
        wrong.load_state_dict(sd)


def test_optimizer_state_dict_survives_save_and_load_with_float32_state():
    from minigrad.serialization import load, save

    p = nn.Parameter(np.array([1.0, 2.0], dtype=np.float32))
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.array([1.0, -1.0], dtype=np.float32)
    opt.step()
    buffer = io.BytesIO()
    save(opt.state_dict(), buffer)
    buffer.seek(0)
    q = nn.Parameter(np.array([1.0, 2.0], dtype=np.float32))
    again = optim.Adam([q], lr=0.1)
    again.load_state_dict(load(buffer))
    assert again.state[q]["step"] == 1 and again.state[q]["exp_avg"].dtype == np.float32


# --- learning-rate schedules ------------------------------------------------------------------------------


def schedule(make, epochs: int, lrs=(1.0, 0.5)) -> list[list[float]]:
    groups = [{"params": [param()], "lr": lr} for lr in lrs]
    opt = optim.SGD(groups, lr=0.1)
    scheduler = make(opt)
    seen = []
    for _ in range(epochs):
        seen.append(scheduler.get_last_lr())
        assert seen[-1] == [g["lr"] for g in opt.param_groups]
        opt.step()
        scheduler.step()
    return seen


def test_step_lr_sequence():
    got = schedule(lambda opt: StepLR(opt, step_size=3, gamma=0.1), 8)
    expected = [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.01, 0.01]
    np.testing.assert_allclose([g[0] for g in got], expected, rtol=1e-12)
    np.testing.assert_allclose([g[1] for g in got], [e / 2 for e in expected], rtol=1e-12)


def test_cosine_annealing_sequence():
    got = schedule(lambda opt: CosineAnnealingLR(opt, T_max=4, eta_min=0.1), 5, lrs=(1.1,))
    c = math.cos(math.pi / 4)  # (1 + cos(pi*e/4))/2 for e = 0..4: 1, (1+c)/2, 1/2, (1-c)/2, 0
    expected = [1.1, 0.1 + (1 + c) / 2, 0.6, 0.1 + (1 - c) / 2, 0.1]
    np.testing.assert_allclose([g[0] for g in got], expected, rtol=1e-12)


def test_scheduler_initial_lr_resume_and_state():
    opt = optim.SGD([param()], lr=0.1)
    scheduler = StepLR(opt, step_size=2, gamma=0.5)
    assert opt.param_groups[0]["initial_lr"] == 0.1 and scheduler.last_epoch == 0
    for _ in range(3):
        scheduler.step()
    assert scheduler.get_last_lr() == [0.05]
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    fresh_opt = optim.SGD([param()], lr=0.1)
    fresh = StepLR(fresh_opt, step_size=2, gamma=0.5)
    fresh_opt.load_state_dict(opt.state_dict())  # the chainable form starts from the optimizer's lr
    fresh.load_state_dict(state)
    fresh.step()
    assert fresh.get_last_lr() == [0.025]
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(optim.SGD([param()], lr=0.1), step_size=2, last_epoch=4)
    with pytest.raises(TypeError, match="not an Optimizer"):
        StepLR([param()], step_size=2)


# --- gradient clipping ------------------------------------------------------------------------------------


def test_clip_grad_norm_scales_all_gradients_together():
    a, b, c = param([0.0, 0.0]), param([[0.0]]), param([0.0])
    a.grad, b.grad = np.array([3.0, 4.0]), np.array([[12.0]])
    norm = clip_grad_norm_([a, b, c], max_norm=6.5)
    assert isinstance(norm, Tensor) and norm.item() == pytest.approx(13.0)
    close(a.grad, [3.0 * 6.5 / (13 + 1e-6), 4.0 * 6.5 / (13 + 1e-6)])
    close(b.grad, [[12.0 * 6.5 / (13 + 1e-6)]])
    assert c.grad is None
    assert mg.nn.utils.clip_grad_norm_ is clip_grad_norm_


def test_clip_grad_norm_leaves_small_gradients_and_other_norms():
    a = param([0.0, 0.0])
    a.grad = np.array([3.0, 4.0])
    assert clip_grad_norm_(a, 10.0).item() == pytest.approx(5.0)
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    a.grad = np.array([3.0, -4.0])
    assert clip_grad_norm_([a], 1.0, norm_type=math.inf).item() == pytest.approx(4.0)
    close(a.grad, [3.0 / (4 + 1e-6), -4.0 / (4 + 1e-6)])
    a.grad = np.array([1.0, -2.0])
    assert clip_grad_norm_([a], 10.0, norm_type=1).item() == pytest.approx(3.0)
    assert clip_grad_norm_([param()], 1.0).item() == 0.0


def test_momentum_sgd_and_adam_train_a_small_model():
    from minigrad.datasets import moons

    X, y = moons(n_samples=100, noise=0.1, seed=0)
    for make in (lambda ps: optim.SGD(ps, lr=0.2, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.02)):
        gen = np.random.default_rng(0)
        model = nn.Sequential(nn.Linear(2, 16, rng=gen), nn.ReLU(), nn.Linear(16, 2, rng=gen))
        opt = make(model.parameters())
        losses = []
        for _ in range(100):
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(model(Tensor(X)), y)
            loss.backward()
            clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < 0.5 * losses[0]


# --- PyTorch's semantics: in place, no aliasing, closures, chainable schedules -----------------------------


def test_adadelta_matches_the_rule_by_hand():
    rho, eps, lr = 0.9, 1e-6, 1.0
    g1, g2, p0 = np.array(G1), np.array(G2), np.array(P0)
    v1 = (1 - rho) * g1**2
    d1 = np.sqrt(0 + eps) / np.sqrt(v1 + eps) * g1
    u1 = (1 - rho) * d1**2
    v2 = rho * v1 + (1 - rho) * g2**2
    d2 = np.sqrt(u1 + eps) / np.sqrt(v2 + eps) * g2
    got = run(lambda ps: optim.Adadelta(ps), [G1, G2])
    close(got[0], p0 - lr * d1)
    close(got[1], p0 - lr * d1 - lr * d2)
    wd = run(lambda ps: optim.Adadelta(ps, lr=0.5, rho=0.5, weight_decay=0.1), [G1])
    g = g1 + 0.1 * p0
    close(wd[0], p0 - 0.5 * np.sqrt(eps) / np.sqrt(0.5 * g**2 + eps) * g)
    with pytest.raises(ValueError, match="rho"):
        optim.Adadelta([param()], rho=1.5)


def test_adadelta_state_uses_pytorch_names():
    p = param()
    opt = optim.Adadelta([p])
    p.grad = np.array(G1)
    opt.step()
    assert sorted(opt.state[p]) == ["acc_delta", "square_avg", "step"] and opt.state[p]["step"] == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda ps: optim.Adagrad(ps, weight_decay=0.1),
        lambda ps: optim.Adadelta(ps, weight_decay=0.1),
        lambda ps: optim.RMSprop(ps, momentum=0.5, centered=True, weight_decay=0.1),
        lambda ps: optim.Adam(ps, weight_decay=0.1),
        lambda ps: optim.AdamW(ps),
    ],
    ids=["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW"],
)
def test_steps_update_in_place_keep_the_gradient_and_own_their_buffers(make):
    p = param()
    opt = make([p])
    array, version = p.data, p._version
    p.grad = np.array(G1)
    grad = p.grad.data.copy()
    opt.step()
    assert p.data is array and p._version > version  # in place, counted by chapter 3's rule
    np.testing.assert_array_equal(p.grad.data, grad)  # weight decay went into a new array
    buffers = [v for v in opt.state[p].values() if isinstance(v, np.ndarray)]
    assert buffers and not any(
        np.shares_memory(b, p.grad.data) or np.shares_memory(b, p.data) for b in buffers
    )
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and not p.grad.data.any()
    assert buffers == [] or any(b.any() for b in buffers)  # zeroing the gradient left the state alone


def test_step_refuses_nothing_and_records_nothing_inside_a_graph():
    p = param()
    y = p * Tensor([2.0, 3.0])  # Mul saved p's array
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.array(G1)
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward(np.ones(2))


def test_step_evaluates_the_closure_with_gradients_on():
    p = param()
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(5.0)
    close(p.data, np.array(P0) * (1 - 0.2))
    for make in (optim.Adagrad, optim.Adadelta, optim.RMSprop, optim.Adam, optim.AdamW):
        assert make([param()]).step(lambda: 7) == 7


def test_optimizer_repr_lists_the_groups():
    text = repr(optim.SGD([param()], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1" in text and text.endswith(")")


def test_sets_of_parameters_are_refused():
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({param()}, lr=0.1)


def test_step_lr_is_chainable_and_step_epoch_uses_the_closed_form():
    opt = optim.SGD([param()], lr=1.0)
    scheduler = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.step()
        scheduler.step()
    assert scheduler.get_last_lr() == [0.5]
    opt.param_groups[0]["lr"] = 0.3  # a change by hand is kept, as in PyTorch
    scheduler.step()
    assert scheduler.get_last_lr() == [0.15]
    with pytest.warns(UserWarning, match="deprecated"):
        scheduler.step(6)
    assert scheduler.get_last_lr() == [0.125]


def test_two_schedulers_chain_on_one_optimizer():
    opt = optim.SGD([param()], lr=1.0)
    first, second = StepLR(opt, step_size=1, gamma=0.5), StepLR(opt, step_size=2, gamma=0.1)
    lrs = []
    for _ in range(4):
        opt.step()
        first.step()
        second.step()
        lrs.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, [0.5, 0.025, 0.0125, 0.000625], rtol=1e-12)


def test_cosine_annealing_restarts_after_t_max_like_pytorch():
    got = schedule(lambda opt: CosineAnnealingLR(opt, T_max=2, eta_min=0.0), 6, lrs=(1.0,))
    # PyTorch's recursive form goes back up after T_max: 1, 0.5, 0, 0.5, 1, 0.5
    np.testing.assert_allclose([g[0] for g in got], [1.0, 0.5, 0.0, 0.5, 1.0, 0.5], atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = optim.SGD([param()], lr=1.0)
        cosine = CosineAnnealingLR(opt, T_max=4)
        cosine.step(2)
    assert cosine.get_last_lr() == [pytest.approx(0.5)]


def test_clip_grad_norm_scales_in_place_and_clip_grad_value():
    p = param()
    p.grad = np.array([3.0, 4.0])
    held = p.grad
    clip_grad_norm_([p], 1.0)
    assert p.grad is held
    close(p.grad.data, np.array([3.0, 4.0]) / (5 + 1e-6))
    p.grad = np.array([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    p.grad = np.array([-3.0, 0.5])
    clip_grad_value_([p], 1.0)
    close(p.grad.data, [-1.0, 0.5])
