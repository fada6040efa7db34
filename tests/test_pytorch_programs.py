"""Real PyTorch programs, run unchanged on minigrad.

Each program below is a PyTorch tutorial or example, written once against the names `torch`, `nn`, `F` and
`optim`, and run with minigrad's modules in those roles. Only the random initialisation is replaced by fixed
weights (the two frameworks' generators differ), so the results can be compared number for number:

- with PyTorch installed (bench/ needs it: `pip install torch==2.13.0`), each program also runs on PyTorch and
  both results must agree, and must agree with the recorded ones;
- without it (as in CI), minigrad's results are compared with the ones recorded from PyTorch 2.13 in
  tests/data/pytorch_programs.json (`python tests/test_pytorch_programs.py --record` writes that file).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

RECORDED = Path(__file__).resolve().parent / "data" / "pytorch_programs.json"
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def frameworks() -> dict[str, SimpleNamespace]:
    """The namespaces the programs run against: minigrad always, PyTorch when it is installed."""
    import minigrad
    import minigrad.nn.functional
    import minigrad.optim

    found = {
        "minigrad": SimpleNamespace(
            torch=minigrad, nn=minigrad.nn, F=minigrad.nn.functional, optim=minigrad.optim, data=minigrad.data
        )
    }
    if HAVE_TORCH:
        import torch
        import torch.nn.functional
        import torch.utils.data

        torch.set_num_threads(1)
        found["torch"] = SimpleNamespace(
            torch=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim, data=torch.utils.data
        )
    return found


def weights(seed: int, *shapes: tuple[int, ...], scale: float = 0.1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal(s)).astype(np.float32) for s in shapes]


# --- the programs ------------------------------------------------------------------------------------------


def polynomial_autograd(fw: SimpleNamespace) -> dict[str, Any]:
    """pytorch.org "Learning PyTorch with Examples", Tensors and autograd: a cubic fitted to sin(x) with a
    manual update loop (`a -= learning_rate * a.grad` under no_grad, then `a.grad = None`)."""
    torch = fw.torch
    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in (0.3, -0.2, 0.1, 0.05))
    learning_rate = 1e-6
    losses = []
    for t in range(300):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return {"losses": losses, "coefficients": [a.item(), b.item(), c.item(), d.item()]}


def legendre_function(fw: SimpleNamespace) -> dict[str, Any]:
    """The same tutorial, "Defining new autograd functions": a custom Function with ctx.save_for_backward.

    The class body is PyTorch's; in minigrad forward and backward receive arrays, and this code works on both.
    """
    torch = fw.torch

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):  # noqa: A002  (the tutorial's name)
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors  # noqa: A001
            return grad_output * 1.5 * (5 * input**2 - 1)

    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for t in range(300):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return {"losses": losses, "coefficients": [a.item(), b.item(), c.item(), d.item()]}


def polynomial_nn_optim(fw: SimpleNamespace) -> dict[str, Any]:
    """The same tutorial, "nn" and "optim": Sequential(Linear(3, 1), Flatten(0, 1)), MSELoss(reduction="sum"),
    RMSprop, and the zero_grad / backward / step loop. (100 steps rather than the tutorial's 2,000: RMSprop's
    normalised steps make the later trajectory chaotic — a one-ulp change of the initial weights moves
    PyTorch's own loss at step 200 by 0.15 %.)"""
    torch, nn = fw.torch, fw.nn
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    w, bias = weights(1, (1, 3), (1,))
    model.load_state_dict({"0.weight": torch.from_numpy(w), "0.bias": torch.from_numpy(bias)})
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate = 1e-3
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    losses = []
    for t in range(100):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 25 == 24:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear_layer = model[0]
    return {
        "losses": losses,
        "coefficients": [linear_layer.bias.item()] + [linear_layer.weight[:, i].item() for i in range(3)],
    }


def mnist_batches(count: int, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` MNIST training images, normalised as the example's transforms do."""
    from minigrad.datasets import mnist

    images, labels = mnist("train")
    x = images[:count].astype(np.float32)[:, None] / 255.0
    return ((x - 0.1307) / 0.3081).astype(np.float32), labels[:count].astype(np.int64)


def mnist_example(
    fw: SimpleNamespace, dropout: tuple[float, float] = (0.0, 0.0), epochs: int = 2
) -> dict[str, Any]:
    """pytorch/examples mnist/main.py: the Net, its train() and test() loops, Adadelta(lr=1.0) and
    StepLR(step_size=1, gamma=0.7), on 64 real images in batches of 16, for two epochs.

    The example's dropout (0.25 and 0.5) draws different random masks in the two frameworks; the comparison
    runs with p = 0, and `test_mnist_example_learns_with_dropout` trains with the example's dropout.
    """
    torch, nn, F, optim = fw.torch, fw.nn, fw.F, fw.optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, 1)  # the example has 32 and 64 channels; smaller keeps this fast
            self.conv2 = nn.Conv2d(8, 16, 3, 1)
            self.dropout1 = nn.Dropout(dropout[0])
            self.dropout2 = nn.Dropout(dropout[1])
            self.fc1 = nn.Linear(2304, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    def train(model, device, train_loader, optimizer, epoch, log):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):  # noqa: B007  (its log used the index)
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            log.append(loss.item())

    def test(model, device, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction="sum").item()  # sum up batch loss
                pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        return test_loss, correct

    device = torch.device("cpu")
    images, labels = mnist_batches(64, 16)
    dataset = fw.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    train_loader = fw.data.DataLoader(dataset, batch_size=16)
    test_loader = fw.data.DataLoader(dataset, batch_size=32)
    model = Net().to(device)
    shapes = {name: tuple(p.shape) for name, p in model.state_dict().items()}
    init = weights(2, *shapes.values())
    model.load_state_dict({name: torch.from_numpy(a) for name, a in zip(shapes, init)})
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    log: list[float] = []
    tests = []
    for epoch in range(1, epochs + 1):
        train(model, device, train_loader, optimizer, epoch, log)
        tests.append(test(model, device, test_loader))
        scheduler.step()
    accuracy = (model(torch.from_numpy(images)).argmax(1) == torch.from_numpy(labels)).float().mean().item()
    return {
        "train_losses": log,
        "test_losses": [t[0] for t in tests],
        "correct": [t[1] for t in tests],
        "accuracy": accuracy,
        "lr": scheduler.get_last_lr(),
        "fc2_bias": model.fc2.bias.detach().numpy().tolist(),
    }


PROGRAMS = {
    "polynomial_autograd": polynomial_autograd,
    "legendre_function": legendre_function,
    "polynomial_nn_optim": polynomial_nn_optim,
    "mnist_example": mnist_example,
}
TOLERANCE = {  # float32 sums in a different order; the MNIST run takes eight Adadelta steps on top
    "polynomial_autograd": 1e-4,
    "legendre_function": 1e-4,
    "polynomial_nn_optim": 1e-4,
    "mnist_example": 2e-3,
}


def assert_agree(name: str, got: dict[str, Any], want: dict[str, Any], what: str) -> None:
    assert got.keys() == want.keys(), f"{name}: results {sorted(got)} but {what} has {sorted(want)}"
    for key in want:
        g, w = np.asarray(got[key], dtype=np.float64), np.asarray(want[key], dtype=np.float64)
        np.testing.assert_allclose(
            g, w, rtol=TOLERANCE[name], atol=1e-6, err_msg=f"{name}: {key} differs from {what}"
        )


@pytest.mark.ch06
@pytest.mark.parametrize("name", ["polynomial_autograd", "legendre_function", "polynomial_nn_optim"])
def test_tutorial_programs(name: str) -> None:
    check(name)


@pytest.mark.ch08
def test_mnist_example() -> None:
    check("mnist_example")


def check(name: str) -> None:
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    fws = frameworks()
    got = PROGRAMS[name](fws["minigrad"])
    if "torch" in fws:
        assert_agree(name, got, PROGRAMS[name](fws["torch"]), "PyTorch's run")
    assert_agree(name, got, recorded[name], f"PyTorch's recorded results ({RECORDED.name})")


@pytest.mark.ch08
@pytest.mark.slow
def test_mnist_example_learns_with_dropout() -> None:
    """The example's own dropout (0.25, 0.5), training mode: random masks, so no number to compare with; the
    loss must fall steadily and the accuracy on the 64 images end well above chance (10 %) after eight epochs
    (StepLR's decay keeps the learning slow: the run without dropout reaches 41 % in two)."""
    import minigrad

    minigrad.manual_seed(0)
    result = mnist_example(frameworks()["minigrad"], dropout=(0.25, 0.5), epochs=8)
    losses = result["test_losses"]
    assert losses[-1] < losses[0] < math.log(10), f"test losses {losses} should fall below ln 10 (chance)"
    assert result["accuracy"] > 0.25, f"accuracy {result['accuracy']} on the 64 training images"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Record PyTorch's results of the programs (needs torch).")
    parser.add_argument("--record", action="store_true")
    if parser.parse_args().record:
        fws = frameworks()
        if "torch" not in fws:
            raise SystemExit("recording needs PyTorch: pip install torch==2.13.0")
        import torch

        results = {"torch_version": torch.__version__}
        results |= {name: program(fws["torch"]) for name, program in PROGRAMS.items()}
        RECORDED.parent.mkdir(exist_ok=True)
        RECORDED.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {RECORDED}")
