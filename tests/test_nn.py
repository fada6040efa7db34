"""Modules (minigrad/nn/modules.py, nn/init.py) and the toy data sets (minigrad/datasets/toy.py).

Registration, PyTorch's parameter names, state dicts (pickling, strict checks), train/eval, Linear's init and
gradients, a short training run.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor, nn
from minigrad.datasets import moons, spiral

pytestmark = pytest.mark.ch05


class Net(nn.Module):
    def __init__(self, rng: int = 0) -> None:
        super().__init__()
        gen = np.random.default_rng(rng)
        self.fc1 = nn.Linear(2, 4, rng=gen)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 3, rng=gen)
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))
        self.cache = Tensor(np.zeros(2))  # a plain tensor: not a parameter

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x))) * self.scale


def mlp(seed: int = 0) -> nn.Sequential:
    gen = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(2, 8, rng=gen), nn.ReLU(), nn.Linear(8, 3, rng=gen))


# --- Parameter and registration ---------------------------------------------------------------------------


def test_parameter_requires_grad_by_default_and_is_a_tensor():
    p = nn.Parameter(np.zeros(3, dtype=np.float32))
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf
    assert not nn.Parameter(np.zeros(3, dtype=np.float32), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\nTensor(")
    y = (p * 2).sum()
    y.backward()
    np.testing.assert_array_equal(p.grad, [2, 2, 2])


def test_assignment_registers_parameters_and_modules_only():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._modules) == ["fc1", "act", "fc2"]
    net.fc1 = nn.Linear(2, 4, rng=1)  # reassigning replaces, keeps one entry
    net.scale = np.ones(3)  # a non-parameter value unregisters the name
    assert list(net._modules) == ["fc1", "act", "fc2"]
    assert "scale" not in net._parameters
    del net.act
    assert "act" not in net._modules and not hasattr(net, "act")


def test_assignment_before_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(np.zeros(1, dtype=np.float32))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_named_parameters_use_pytorch_keys():
    assert [n for n, _ in mlp().named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in Net().named_parameters()] == [
        "scale",
        "fc1.weight",
        "fc1.bias",
        "fc2.weight",
        "fc2.bias",
    ]
    nested = nn.Sequential(nn.Sequential(nn.Linear(2, 2, rng=0)), nn.Linear(2, 1, rng=0))
    assert [n for n, _ in nested.named_parameters()] == ["0.0.weight", "0.0.bias", "1.weight", "1.bias"]
    assert [n for n, _ in nested.named_parameters("model")][0] == "model.0.0.weight"
    assert [n for n, _ in nested.named_modules()] == ["", "0", "0.0", "1"]
    assert len(list(Net().parameters())) == 5


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(3, 3, rng=0)
    tied = nn.Sequential(layer, nn.ReLU(), layer)
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias"]
    assert list(tied.state_dict()) == ["0.weight", "0.bias"]


def test_zero_grad_clears_every_gradient():
    net = Net()
    net(Tensor(np.ones((5, 2), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_set_the_flag_recursively_and_return_the_module():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net.fc2.training


def test_base_module_forward_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        nn.Module()(Tensor([1.0]))


def test_repr_is_pytorch_like():
    assert repr(mlp()) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=8, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=8, out_features=3, bias=True)\n"
        ")"
    )


# --- state dicts ------------------------------------------------------------------------------------------


def test_state_dict_holds_copies_of_the_arrays():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == [n for n, _ in net.named_parameters()]
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    before = sd["fc1.weight"].copy()
    net.fc1.weight.data += 1.0
    np.testing.assert_array_equal(sd["fc1.weight"], before)


def test_state_dict_round_trip_through_pickle_restores_the_outputs():
    x = Tensor(np.random.default_rng(3).standard_normal((6, 2)).astype(np.float32))
    source, target = Net(rng=0), Net(rng=1)
    assert not np.allclose(source(x).data, target(x).data)
    result = target.load_state_dict(pickle.loads(pickle.dumps(source.state_dict())))
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(source(x).data, target(x).data)
    sd = source.state_dict()
    sd["fc2.bias"][:] = 100.0  # editing the dict afterwards must not reach the loaded model
    assert not np.any(target.fc2.bias.data == 100.0)


def test_a_whole_model_pickles():
    x = Tensor(np.ones((2, 2), dtype=np.float32))
    net = Net()
    clone = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(clone(x).data, net(x).data)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]
    assert all(p.requires_grad and isinstance(p, nn.Parameter) for p in clone.parameters())


def test_load_state_dict_keeps_the_parameter_dtype():
    net = mlp()
    net.load_state_dict({k: v.astype(np.float64) for k, v in mlp(1).state_dict().items()})
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_load_state_dict_reports_missing_and_unexpected_keys():
    sd = mlp().state_dict()
    del sd["2.bias"]
    sd["3.weight"] = np.zeros((1, 1), dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"missing key\(s\) '2.bias'.*unexpected key\(s\) '3.weight'"):
        mlp().load_state_dict(sd)


def test_load_state_dict_reports_shape_mismatches_with_both_shapes():
    sd = mlp().state_dict()
    sd["0.weight"] = np.zeros((4, 2), dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"size mismatch for '0.weight'.*\(4, 2\).*\(8, 2\)"):
        mlp().load_state_dict(sd)
    with pytest.raises(RuntimeError, match="size mismatch"):
        mlp().load_state_dict(sd, strict=False)


def test_failed_load_changes_nothing():
    net = mlp(0)
    before = net.state_dict()
    bad = mlp(1).state_dict()
    bad["2.bias"] = np.zeros(5, dtype=np.float32)
    with pytest.raises(RuntimeError):
        net.load_state_dict(bad)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_non_strict_load_returns_what_did_not_match():
    net = mlp(0)
    partial = {"0.weight": mlp(1).state_dict()["0.weight"], "head.bias": np.zeros(3, dtype=np.float32)}
    missing, unexpected = net.load_state_dict(partial, strict=False)
    assert missing == ["0.bias", "2.weight", "2.bias"] and unexpected == ["head.bias"]
    np.testing.assert_array_equal(net[0].weight.data, partial["0.weight"])


# --- layers -----------------------------------------------------------------------------------------------


def test_linear_layout_init_and_determinism():
    lin = nn.Linear(5, 3, rng=0)
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    assert lin.weight.dtype == np.float32 and lin.bias.dtype == np.float32
    bound = 1 / math.sqrt(5)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.bias.data).max() <= bound
    gen = np.random.default_rng(0)  # the documented order: weight first, then bias
    np.testing.assert_allclose(lin.weight.data, gen.uniform(-bound, bound, (3, 5)), rtol=1e-6)
    np.testing.assert_allclose(lin.bias.data, gen.uniform(-bound, bound, 3), rtol=1e-6)
    np.testing.assert_array_equal(nn.Linear(5, 3, rng=0).weight.data, lin.weight.data)
    shared = np.random.default_rng(0)
    a, b = nn.Linear(5, 3, rng=shared), nn.Linear(5, 3, rng=shared)
    assert not np.array_equal(a.weight.data, b.weight.data)


def test_linear_without_bias():
    lin = nn.Linear(4, 2, bias=False, rng=0)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    x = np.ones((3, 4), dtype=np.float32)
    np.testing.assert_allclose(lin(Tensor(x)).data, x @ lin.weight.data.T, rtol=1e-6)
    assert "bias=False" in repr(lin)


def test_linear_forward_matches_numpy_and_batches_leading_dims():
    lin = nn.Linear(3, 2, rng=4)
    x = np.random.default_rng(1).standard_normal((2, 5, 3)).astype(np.float32)
    expected = x @ lin.weight.data.T + lin.bias.data
    np.testing.assert_allclose(lin(Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="linear"):
        lin(Tensor(np.ones((2, 4), dtype=np.float32)))


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(bias: bool):
    lin = nn.Linear(3, 2, bias=bias, rng=0)
    for p in lin.parameters():
        p.data = p.data.astype(np.float64)
    x = Tensor(np.random.default_rng(2).standard_normal((4, 3)), requires_grad=True)
    params = list(lin.parameters())

    def f(x: Tensor, *ps: Tensor) -> Tensor:
        return lin(x).tanh()

    assert mg.gradcheck(f, x, *params)


def test_sequential_container():
    net = mlp()
    assert len(net) == 3 and isinstance(net[1], nn.ReLU) and [type(m) for m in net][2] is nn.Linear
    head = net[1:]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    x = Tensor(np.ones((2, 2), dtype=np.float32))
    np.testing.assert_array_equal(net(x).data, net[2](net[1](net[0](x))).data)
    with pytest.raises(TypeError, match="argument 1 is a function"):
        nn.Sequential(nn.ReLU(), F.relu)


def test_activation_and_loss_modules_match_functional():
    x = Tensor(np.linspace(-2, 2, 6).reshape(2, 3))
    for module, fn in [(nn.ReLU(), F.relu), (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh)]:
        np.testing.assert_array_equal(module(x).data, fn(x).data)
    target = np.array([2, 0])
    assert nn.CrossEntropyLoss()(x, target).item() == F.cross_entropy(x, target).item()
    y = Tensor(np.zeros((2, 3)))
    assert nn.MSELoss()(x, y).item() == pytest.approx(float((x.data**2).mean()))


# --- init -------------------------------------------------------------------------------------------------


def test_init_helpers():
    w = nn.Parameter(np.zeros((64, 32, 3, 3), dtype=np.float32))
    nn.init.kaiming_uniform_(w, a=math.sqrt(5), rng=0)
    fan_in = 32 * 9
    assert np.abs(w.data).max() <= 1 / math.sqrt(fan_in) + 1e-7
    assert np.abs(w.data).max() > 0.95 / math.sqrt(fan_in)
    assert nn.init.kaiming_uniform_(w, rng=0) is w
    assert np.abs(w.data).max() <= math.sqrt(2) * math.sqrt(3 / fan_in) + 1e-7
    nn.init.xavier_uniform_(w, rng=1)
    assert np.abs(w.data).max() <= math.sqrt(6 / (fan_in + 64 * 9)) + 1e-7
    nn.init.zeros_(w)
    assert not w.data.any()
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.kaiming_uniform_(nn.Parameter(np.zeros(3)))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        nn.init.calculate_gain("swish")


# --- training ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_full_batch_training_fits_the_spiral():
    X, y = spiral(n_per_class=50, n_classes=3, noise=0.2, seed=0)
    gen = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(2, 32, rng=gen), nn.ReLU(), nn.Linear(32, 3, rng=gen))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(300):
        model.zero_grad()
        loss = loss_fn(model(Tensor(X)), y)
        loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    with mg.no_grad():
        accuracy = (model(Tensor(X)).data.argmax(axis=1) == y).mean()
    assert accuracy > 0.75
    assert len(mg.tracer.funcs) == 0


# --- toy data sets ----------------------------------------------------------------------------------------


def test_spiral_shapes_labels_and_determinism():
    X, y = spiral(n_per_class=40, n_classes=4, noise=0.1, seed=3)
    assert X.shape == (160, 2) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [40] * 4)
    assert np.abs(X).max() <= 1.0 + 1e-6  # radii are in [0, 1]
    X2, y2 = spiral(n_per_class=40, n_classes=4, noise=0.1, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, spiral(n_per_class=40, n_classes=4, noise=0.1, seed=4)[0])
    clean, _ = spiral(n_per_class=5, n_classes=1, noise=0.0)
    np.testing.assert_allclose(np.hypot(clean[:, 0], clean[:, 1]), np.linspace(0, 1, 5), atol=1e-6)
    with pytest.raises(ValueError, match="spiral"):
        spiral(n_per_class=0)
    with pytest.raises(ValueError, match="noise"):
        spiral(noise=-1)


def test_moons_shapes_labels_and_determinism():
    X, y = moons(n_samples=101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50, 51])
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    np.testing.assert_array_equal(moons(seed=5)[0], moons(seed=5)[0])
    with pytest.raises(ValueError, match="moons"):
        moons(n_samples=1)
