"""Modules (minigrad/nn/modules.py, nn/init.py, serialization.py) and the toy data sets (datasets/toy.py).

Registration with PyTorch's rules, PyTorch's parameter names, state dicts (shared memory, every path a key,
in-place all-or-nothing loading, strict checks, save/load), buffers, train/eval, to(dtype), containers,
Linear's init and gradients, Embedding and LayerNorm (float64 gradient checks, NumPy oracles), training.
"""

from __future__ import annotations

import copy
import io
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import Tensor, nn
from minigrad.datasets import moons, spiral
from minigrad.serialization import load, save

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
    np.testing.assert_array_equal(p.grad.data, [2, 2, 2])
    base = np.ones(2, dtype=np.float32)
    assert np.shares_memory(nn.Parameter(base).data, base)  # as torch.nn.Parameter(t) shares t's storage


def test_assignment_registers_parameters_buffers_and_modules():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._modules) == ["fc1", "act", "fc2"]
    assert "fc1" not in net.__dict__ and net.fc1 is net._modules["fc1"]  # found through __getattr__
    net.fc1 = nn.Linear(2, 4, rng=1)  # reassigning keeps the name's place
    assert list(net._modules) == ["fc1", "act", "fc2"]
    net.scale = nn.Parameter(np.zeros(3, dtype=np.float32))
    assert list(net._parameters) == ["scale"]
    net.scale = None  # None is allowed for a registered parameter, as in PyTorch
    assert net.scale is None and [n for n, _ in net.named_parameters()][0] == "fc1.weight"
    del net.act
    assert "act" not in net._modules and not hasattr(net, "act")
    net.register_buffer("count", Tensor(np.zeros(1)))
    net.count = Tensor(np.ones(1))
    assert net._buffers["count"].data[0] == 1.0


def test_assigning_the_wrong_type_to_a_registered_name_is_an_error():
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'ndarray' as parameter 'scale'"):
        net.scale = np.ones(3)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        net.fc1.weight = Tensor(np.zeros((4, 2), dtype=np.float32))
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'fc1'"):
        net.fc1 = 3
    net.register_buffer("stat", Tensor([0.0]))
    with pytest.raises(TypeError, match="as buffer 'stat'"):
        net.stat = 1.0
    with pytest.raises(KeyError, match="already exists"):
        net.register_buffer("fc1", Tensor([0.0]))
    with pytest.raises(KeyError, match="'.'"):
        net.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="not a Module subclass"):
        net.add_module("f", F.relu)


def test_assignment_before_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(np.zeros(1, dtype=np.float32))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_missing_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        Net().nope  # noqa: B018


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
    assert [n for n, _ in nested.named_parameters(recurse=False)] == []
    assert [n for n, _ in nested.named_modules()] == ["", "0", "0.0", "1"]
    assert [n for n, _ in nested.named_children()] == ["0", "1"]
    assert len(list(Net().parameters())) == 5


def test_shared_layers_once_in_walks_but_under_every_name_in_the_state_dict():
    layer = nn.Linear(3, 3, rng=0)
    tied = nn.Sequential(layer, nn.ReLU(), layer)
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in tied.named_parameters(remove_duplicate=False)] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    assert [n for n, _ in tied.named_modules()] == ["", "0", "1"]
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # PyTorch's keys
    tied.load_state_dict({k: np.full(v.shape, 2.0) for k, v in tied.state_dict().items()})
    assert np.all(layer.weight.data == 2.0)


def test_zero_grad_clears_or_zeroes_every_gradient():
    net = Net()
    net(Tensor(np.ones((5, 2), dtype=np.float32))).sum().backward()
    grads = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g and not p.grad.data.any() for p, g in zip(net.parameters(), grads))
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
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_requires_grad_apply_and_to():
    net = Net()
    assert net.requires_grad_(False) is net and not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited == ["Linear", "ReLU", "Linear", "Net"]  # children first, as PyTorch
    net.register_buffer("steps", Tensor(np.zeros(1, dtype=np.int64)))
    net(Tensor(np.ones((1, 2), dtype=np.float32))).sum().backward()
    assert net.to(mg.float64) is net and net.to("cpu") is net and net.to(device="cpu") is net
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in net.parameters())
    assert net.steps.dtype == np.int64  # integer buffers are not converted
    assert net.float().fc1.weight.dtype == np.float32 and net.double().fc1.weight.dtype == np.float64
    assert net.to(Tensor(np.zeros(1, dtype=np.float32))).scale.dtype == np.float32
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        net.to(mg.int64)


def test_module_call_records_the_module_on_each_context():
    net = Net()
    out = net(Tensor(np.ones((1, 2), dtype=np.float32), requires_grad=True))
    assert out._ctx.module is net  # the last call (* scale) was made by Net.forward itself
    mm = [ctx for ctx in mg.tracer.funcs.values() if ctx.module is net.fc1]
    assert mm, "the calls inside fc1 remember fc1"
    assert mg.function.tracer.modules == []


def test_base_module_forward_is_a_clear_error():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
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


def test_state_dict_is_detached_and_shares_memory_as_in_pytorch():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict) and list(sd) == [n for n, _ in net.named_parameters()]
    assert all(type(v) is Tensor and not v.requires_grad for v in sd.values())
    assert np.shares_memory(sd["fc1.weight"].data, net.fc1.weight.data)
    with mg.no_grad():
        net.fc1.weight.add_(1.0)
    np.testing.assert_array_equal(sd["fc1.weight"].data, net.fc1.weight.data)  # a view follows training
    snapshot = copy.deepcopy(net.state_dict())
    with mg.no_grad():
        net.fc1.weight.add_(1.0)
    assert not np.array_equal(snapshot["fc1.weight"].data, net.fc1.weight.data)  # a deep copy does not
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight


def test_state_dict_holds_persistent_buffers_in_pytorch_order():
    class WithStats(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2, rng=0)
            self.register_buffer("running", Tensor(np.zeros(2, dtype=np.float32)))
            self.register_buffer("tmp", Tensor(np.zeros(1, dtype=np.float32)), persistent=False)
            self.gain = nn.Parameter(np.ones(2, dtype=np.float32))

    m = WithStats()
    assert list(m.state_dict()) == ["gain", "running", "lin.weight", "lin.bias"]
    assert [n for n, _ in m.named_buffers()] == ["running", "tmp"]
    m.load_state_dict({**m.state_dict(), "running": np.array([1.0, 2.0])})
    np.testing.assert_array_equal(m.running.data, [1.0, 2.0])


def test_state_dict_round_trip_through_pickle_restores_the_outputs():
    x = Tensor(np.random.default_rng(3).standard_normal((6, 2)).astype(np.float32))
    source, target = Net(rng=0), Net(rng=1)
    assert not np.allclose(source(x).data, target(x).data)
    weight = target.fc1.weight
    weight_array = weight.data
    result = target.load_state_dict(pickle.loads(pickle.dumps(source.state_dict())))
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(source(x).data, target(x).data)
    assert target.fc1.weight is weight and target.fc1.weight.data is weight_array  # copied in place
    sd = {k: v.clone() for k, v in source.state_dict().items()}
    target.load_state_dict(sd)
    sd["fc2.bias"].data[:] = 100.0  # editing the dict afterwards must not reach the loaded model
    assert not np.any(target.fc2.bias.data == 100.0)


def test_load_state_dict_bumps_the_version_so_stale_graphs_refuse_backward():
    lin = nn.Linear(2, 1, rng=0)
    out = (lin.weight * Tensor(np.ones((1, 2), dtype=np.float32), requires_grad=True)).sum()  # Mul saves it
    lin.load_state_dict(nn.Linear(2, 1, rng=1).state_dict())
    with pytest.raises(RuntimeError, match="modified in place"):
        out.backward()


def test_save_and_load_files_and_refuse_code():
    net = Net()
    buffer = io.BytesIO()
    save(net.state_dict(), buffer)
    buffer.seek(0)
    loaded = load(buffer)
    assert list(loaded) == list(net.state_dict()) and isinstance(loaded["scale"], Tensor)
    opt = mg.optim.Adam(net.parameters(), lr=0.1)
    net(Tensor(np.ones((1, 2), dtype=np.float32))).sum().backward()
    opt.step()
    buffer = io.BytesIO()
    save({"model": net.state_dict(), "optimizer": opt.state_dict(), "n": 3, "betas": (0.9, 0.999)}, buffer)
    buffer.seek(0)
    checkpoint = load(buffer)
    assert checkpoint["optimizer"]["state"][0]["step"] == 1 and checkpoint["betas"] == (0.9, 0.999)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    buffer = io.BytesIO()
    save({"x": Evil()}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="builtins.print"):
        load(buffer)


def test_save_and_load_a_path(tmp_path):
    path = tmp_path / "model.pt"
    save(mlp().state_dict(), path)
    target = mlp(5)
    target.load_state_dict(load(str(path)))
    np.testing.assert_array_equal(target[0].weight.data, mlp()[0].weight.data)


def test_a_whole_model_pickles_and_deep_copies():
    x = Tensor(np.ones((2, 2), dtype=np.float32))
    net = Net()
    for clone in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        np.testing.assert_array_equal(clone(x).data, net(x).data)
        assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]
        assert all(p.requires_grad and isinstance(p, nn.Parameter) for p in clone.parameters())
        assert not np.shares_memory(clone.fc1.weight.data, net.fc1.weight.data)


def test_load_state_dict_keeps_the_parameter_dtype():
    net = mlp()
    net.load_state_dict({k: v.data.astype(np.float64) for k, v in mlp(1).state_dict().items()})
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_load_state_dict_reports_missing_and_unexpected_keys():
    sd = mlp().state_dict()
    del sd["2.bias"]
    sd["3.weight"] = np.zeros((1, 1), dtype=np.float32)
    with pytest.raises(
        RuntimeError, match=r'Missing key\(s\) in state_dict: "2.bias".*\n\tUnexpected.*"3.weight"'
    ):
        mlp().load_state_dict(sd)
    with pytest.raises(RuntimeError, match="expected a Tensor or a NumPy array, got list"):
        mlp().load_state_dict({**mlp().state_dict(), "0.bias": [0.0] * 8})


def test_load_state_dict_reports_shape_mismatches_with_both_shapes():
    sd = mlp().state_dict()
    sd["0.weight"] = np.zeros((4, 2), dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight: .*\(4, 2\).*\(8, 2\)"):
        mlp().load_state_dict(sd)
    with pytest.raises(RuntimeError, match="size mismatch"):
        mlp().load_state_dict(sd, strict=False)


def test_failed_load_changes_nothing():
    net = mlp(0)
    before = copy.deepcopy(net.state_dict())
    bad = mlp(1).state_dict()
    bad["2.bias"] = np.zeros(5, dtype=np.float32)
    with pytest.raises(RuntimeError, match="nothing was loaded"):
        net.load_state_dict(bad)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value.data, before[name].data)


def test_non_strict_load_returns_what_did_not_match():
    net = mlp(0)
    partial = {"0.weight": mlp(1).state_dict()["0.weight"], "head.bias": np.zeros(3, dtype=np.float32)}
    missing, unexpected = net.load_state_dict(partial, strict=False)
    assert missing == ["0.bias", "2.weight", "2.bias"] and unexpected == ["head.bias"]
    np.testing.assert_array_equal(net[0].weight.data, partial["0.weight"].data)


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
    mg.manual_seed(11)
    first = nn.Linear(5, 3).weight.data.copy()
    mg.manual_seed(11)
    np.testing.assert_array_equal(nn.Linear(5, 3).weight.data, first)  # rng=None: the default generator
    assert nn.Linear(2, 2, dtype=mg.float64).weight.dtype == np.float64
    with pytest.raises(TypeError, match="floating-point"):
        nn.Linear(2, 2, dtype=mg.int64)
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(2, 2, device="cuda")


def test_linear_without_bias():
    lin = nn.Linear(4, 2, bias=False, rng=0)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    assert "bias" in lin._parameters  # registered as None, as PyTorch does
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
    lin = nn.Linear(3, 2, bias=bias, rng=0).double()
    x = Tensor(np.random.default_rng(2).standard_normal((4, 3)), requires_grad=True)
    params = list(lin.parameters())

    def f(x: Tensor, *ps: Tensor) -> Tensor:
        return lin(x).tanh()

    assert mg.gradcheck(f, x, *params)


def test_sequential_container():
    net = mlp()
    assert len(net) == 3 and isinstance(net[1], nn.ReLU) and [type(m) for m in net][2] is nn.Linear
    assert net[-1] is net[2]
    head = net[1:]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert list(head.state_dict()) == ["2.weight", "2.bias"]  # a slice keeps the names, as in PyTorch
    x = Tensor(np.ones((2, 2), dtype=np.float32))
    np.testing.assert_array_equal(net(x).data, net[2](net[1](net[0](x))).data)
    with pytest.raises(TypeError, match="function is not a Module subclass"):
        nn.Sequential(nn.ReLU(), F.relu)
    with pytest.raises(IndexError, match="index 3 is out of range"):
        net[3]  # noqa: B018
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2, rng=0)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and named.fc is named[0]
    net.append(nn.Tanh())
    assert len(net) == 4 and isinstance(net[3], nn.Tanh)
    del net[3]
    net[1] = nn.Sigmoid()
    assert [type(m).__name__ for m in net] == ["Linear", "Sigmoid", "Linear"]


def test_module_list_registers_renumbers_and_has_no_forward():
    layers = nn.ModuleList([nn.Linear(2, 2, rng=i) for i in range(3)])
    assert [n for n, _ in layers.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert len(layers) == 3 and layers[-1] is layers[2]
    layers.append(nn.ReLU())
    layers.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in layers] == ["Tanh", "Linear", "Linear", "Linear", "ReLU"]
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3"] and isinstance(layers[0], nn.Linear)
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 3
    layers += [nn.Sigmoid()]
    assert len(layers + nn.ModuleList([nn.ReLU()])) == 6

    class Tower(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList(nn.Linear(2, 2, rng=i) for i in range(2))

    assert [n for n, _ in Tower().named_parameters()][2] == "blocks.1.weight"
    with pytest.raises(NotImplementedError, match="ModuleList"):
        layers(Tensor([1.0]))
    with pytest.raises(TypeError, match="iterable"):
        layers.extend(nn.ReLU())


def test_identity_returns_its_input():
    x = Tensor([1.0, 2.0])
    assert nn.Identity(54, unused="x")(x) is x


def test_activation_and_loss_modules_match_functional():
    x = Tensor(np.linspace(-2, 2, 6).reshape(2, 3))
    for module, fn in [(nn.ReLU(), F.relu), (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh)]:
        np.testing.assert_array_equal(module(x).data, fn(x).data)
    np.testing.assert_array_equal(nn.LeakyReLU(0.2)(x).data, F.leaky_relu(x, 0.2).data)
    target = np.array([2, 0])
    assert nn.CrossEntropyLoss()(x, target).item() == F.cross_entropy(x, target).item()
    assert nn.CrossEntropyLoss(reduction="sum")(x, target).item() == pytest.approx(
        F.cross_entropy(x, target, reduction="sum").item()
    )
    logp = F.log_softmax(x, dim=1)
    assert nn.NLLLoss()(logp, target).item() == pytest.approx(F.cross_entropy(x, target).item())
    y = Tensor(np.zeros((2, 3)))
    assert nn.MSELoss()(x, y).item() == pytest.approx(float((x.data**2).mean()))
    with pytest.raises(ValueError, match="in-place"):
        nn.ReLU(inplace=True)


def test_embedding_looks_up_rows_and_adds_gradients_of_repeated_indices():
    emb = nn.Embedding(6, 3, padding_idx=-1, rng=0).double()
    assert emb.padding_idx == 5 and not emb.weight.data[5].any()
    idx = Tensor([[1, 4, 1], [5, 0, 1]])
    np.testing.assert_array_equal(emb(idx).data, emb.weight.data[idx.data])
    upstream = np.arange(18, dtype=np.float64).reshape(2, 3, 3)
    (emb(idx) * Tensor(upstream)).sum().backward()
    expected = np.zeros((6, 3))
    np.add.at(expected, idx.data, upstream)
    expected[5] = 0
    np.testing.assert_array_equal(emb.weight.grad.data, expected)
    plain = nn.Embedding(4, 2, rng=1).double()
    assert mg.gradcheck(lambda w: plain(np.array([0, 3, 3, 1])) * 1.0, plain.weight)
    with pytest.raises(IndexError, match="index 6 is out of range for 6 embeddings"):
        emb(Tensor([6]))
    with pytest.raises(IndexError, match="-1"):
        emb(Tensor([-1]))
    with pytest.raises(TypeError, match="integer"):
        emb(Tensor([1.0]))
    assert repr(emb) == "Embedding(6, 3, padding_idx=5)"


def test_embedding_init_is_standard_normal():
    w = nn.Embedding(200, 50, rng=0).weight.data
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02


def layer_norm_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray, n: int, eps: float) -> np.ndarray:
    axes = tuple(range(x.ndim - n, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_layer_norm_matches_numpy_and_gradchecks(shape):
    gen = np.random.default_rng(0)
    norm = nn.LayerNorm(shape[-1:] if len(shape) == 2 else shape[-2:], eps=1e-3).double()
    with mg.no_grad():
        norm.weight.copy_(gen.uniform(0.5, 1.5, norm.weight.shape))
        norm.bias.copy_(gen.standard_normal(norm.bias.shape))
    x = Tensor(gen.standard_normal(shape) * 3 + 1, requires_grad=True)
    n = len(norm.normalized_shape)
    expected = layer_norm_reference(x.data, norm.weight.data, norm.bias.data, n, 1e-3)
    np.testing.assert_allclose(norm(x).data, expected, rtol=1e-10, atol=1e-12)
    assert mg.gradcheck(lambda x, w, b: norm(x), x, norm.weight, norm.bias)


def test_layer_norm_options_and_errors():
    assert list(nn.LayerNorm(3).state_dict()) == ["weight", "bias"]
    assert list(nn.LayerNorm(3, bias=False).state_dict()) == ["weight"]
    plain = nn.LayerNorm(3, elementwise_affine=False)
    assert list(plain.parameters()) == []
    out = plain(Tensor(np.array([[1.0, 2.0, 6.0]], dtype=np.float32)))
    assert out.dtype == np.float32 and abs(float(out.data.mean())) < 1e-6
    with pytest.raises(ValueError, match=r"last dimensions are \(3,\), got shape \(2, 4\)"):
        plain(Tensor(np.ones((2, 4), dtype=np.float32)))


# --- init -------------------------------------------------------------------------------------------------


def test_init_helpers():
    w = nn.Parameter(np.zeros((64, 32, 3, 3), dtype=np.float32))
    nn.init.kaiming_uniform_(w, a=math.sqrt(5), rng=0)
    fan_in = 32 * 9
    assert np.abs(w.data).max() <= 1 / math.sqrt(fan_in) + 1e-7
    assert np.abs(w.data).max() > 0.95 / math.sqrt(fan_in)
    assert nn.init.kaiming_uniform_(w, rng=0) is w
    assert np.abs(w.data).max() <= math.sqrt(2) * math.sqrt(3 / fan_in) + 1e-7
    nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", rng=0)
    assert np.abs(w.data).max() <= math.sqrt(2) * math.sqrt(3 / (64 * 9)) + 1e-7
    nn.init.xavier_uniform_(w, rng=1)
    assert np.abs(w.data).max() <= math.sqrt(6 / (fan_in + 64 * 9)) + 1e-7
    nn.init.kaiming_normal_(w, nonlinearity="relu", rng=2)
    assert w.data.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.02)
    nn.init.xavier_normal_(w, rng=3)
    assert w.data.std() == pytest.approx(math.sqrt(2 / (fan_in + 64 * 9)), rel=0.02)
    nn.init.normal_(w, 1.0, 0.5, rng=4)
    assert w.data.mean() == pytest.approx(1.0, abs=0.01) and w.dtype == np.float32
    nn.init.constant_(w, 0.25)
    assert np.all(w.data == 0.25)
    nn.init.ones_(w)
    assert np.all(w.data == 1)
    nn.init.zeros_(w)
    assert not w.data.any()
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.kaiming_uniform_(nn.Parameter(np.zeros(3)))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="fan_avg"):
        nn.init.kaiming_normal_(w, mode="fan_avg")


def test_init_updates_in_place_and_uses_the_default_generator():
    w = nn.Parameter(np.zeros((3, 4), dtype=np.float32))
    array, version = w.data, w._version
    mg.manual_seed(5)
    nn.init.uniform_(w, -1, 1)
    assert w.data is array and w._version > version
    mg.manual_seed(5)
    np.testing.assert_array_equal(
        nn.init.uniform_(nn.Parameter(np.zeros((3, 4), dtype=np.float32)), -1, 1).data, array
    )


# --- training ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_full_batch_training_fits_the_spiral():
    earlier = set(mg.tracer.funcs)  # calls other tests keep alive (a widget holding its graph) are not ours
    X, y = spiral(n_per_class=50, n_classes=3, noise=0.2, seed=0)
    gen = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(2, 32, rng=gen), nn.ReLU(), nn.Linear(32, 3, rng=gen))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(300):
        model.zero_grad()
        loss = loss_fn(model(Tensor(X)), y)
        loss.backward()
        with mg.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    with mg.no_grad():
        accuracy = (model(Tensor(X)).data.argmax(axis=1) == y).mean()
    assert accuracy > 0.75
    assert set(mg.tracer.funcs) <= earlier, "the training loop's graphs must be freed after each step"


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


def test_dropout_without_rng_follows_manual_seed_as_in_pytorch() -> None:
    x = mg.ones(400)

    def masks(**kwargs: object) -> tuple[list[float], list[float], list[float]]:
        layer = nn.Dropout(0.5, **kwargs)
        return layer(x).data.tolist(), layer(x).data.tolist(), F.dropout(x, 0.5).data.tolist()

    mg.manual_seed(3)
    first = masks()
    mg.manual_seed(3)
    assert masks() == first and first[0] != first[1] != first[2]
    mg.manual_seed(4)
    assert masks() != first
    mg.manual_seed(3)
    own = masks(rng=9)
    mg.manual_seed(4)
    assert masks(rng=9)[:2] == own[:2]  # a layer with its own rng ignores the global one
