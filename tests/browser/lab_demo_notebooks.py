"""Demo notebooks for the browser tests, generated into a temp dir at test time (never committed).

They use each minigrad.viz widget the way the chapters do: `demo_autograd` (chapters 3 and 6: a small graph,
the optimizer playground, a training monitor), `demo_cnn` (chapters 7 and 8: the conv explainer, a LeNet's
feature maps and its graph), `demo_graphs` (the graphs at the size of a real model: a LeNet-5 training loss
grouped by layer and a 302-call unrolled recurrence) and `demo_monitor` (a 6-second training run).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

DEMOS: dict[str, list[str]] = {
    "demo_autograd": [
        """\
import numpy as np
from minigrad import Tensor, nn
from minigrad.viz import GraphViewer, OptimizerPlayground, TrainingMonitor, draw_graph""",
        """\
x = Tensor(np.array([[1.0, -2.0, 3.0], [0.5, 1.0, -1.0]], dtype=np.float32), name="x")
w = Tensor(np.array([[0.2, -0.5], [0.1, 0.3], [-0.4, 0.2]], dtype=np.float32), requires_grad=True, name="w")
b = Tensor(np.array([0.1, -0.2], dtype=np.float32), requires_grad=True, name="b")
z = x @ w
loss = ((z + b).relu() * 2 + z).sum()
draw_graph(loss)""",
        "GraphViewer(loss)",
        "OptimizerPlayground(steps=200)",
        """\
from minigrad.datasets import moons
from minigrad import no_grad
X, y = moons(200, noise=0.1, seed=0)
model = nn.Sequential(nn.Linear(2, 16, rng=0), nn.ReLU(), nn.Linear(16, 2, rng=1))
monitor = TrainingMonitor(total=60)
display(monitor)
for step in range(60):
    logits = model(Tensor(np.asarray(X, dtype=np.float32)))
    loss = nn.CrossEntropyLoss()(logits, np.asarray(y))
    model.zero_grad()
    loss.backward()
    acc = float((logits.data.argmax(1) == np.asarray(y)).mean())
    monitor.update(step, loss=loss.item(), acc=acc, model=model)
    with no_grad():
        for p in model.parameters():
            p.data = p.data - 0.5 * p.grad
monitor.finish()""",
    ],
    "demo_cnn": [
        """\
import numpy as np
from minigrad import Tensor, nn
from minigrad.datasets import mnist
from minigrad.viz import ConvExplainer, FeatureMapViewer, GraphViewer
ConvExplainer()""",
        """\
images, labels = mnist("test")
x = (images[:6, None] / 255.0).astype(np.float32)
model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(6, 16, 5, rng=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(400, 120, rng=2), nn.ReLU(), nn.Linear(120, 84, rng=3), nn.ReLU(),
                      nn.Linear(84, 10, rng=4))
FeatureMapViewer(model, x, labels[:6])""",
        """\
loss = nn.CrossEntropyLoss()(model(Tensor(x[:4], name="images")), labels[:4])
GraphViewer(loss, model=model)""",
    ],
}


# Until the engine records `ctx.module` itself, tag each recorded call with the innermost module whose
# __call__ was running (what the engine does); with an engine that does, this cell changes nothing.
TAG_MODULES = """\
import numpy as np
from minigrad import Tensor, nn, tracer
import minigrad.functional as F
from minigrad.viz import GraphViewer


def _engine_tags_modules():
    probe = nn.Linear(1, 1)
    return getattr(probe(Tensor(np.ones((1, 1), np.float32)))._ctx, "module", None) is probe


if not _engine_tags_modules():
    _plain_call = nn.Module.__call__

    def _tagging_call(self, *args, **kwargs):
        before = max(tracer.funcs, default=-1)
        out = _plain_call(self, *args, **kwargs)
        for seq, ctx in list(tracer.funcs.items()):
            if seq > before and getattr(ctx, "module", None) is None:
                ctx.module = self
        return out

    nn.Module.__call__ = _tagging_call"""

DEMOS["demo_graphs"] = [
    TAG_MODULES,
    """\
from minigrad.datasets import mnist
images, labels = mnist("test")
x = ((images[:4, None] / 255.0 - 0.1307) / 0.3081).astype(np.float32)
rng = np.random.default_rng(0)
lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(6, 16, 5, rng=rng), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(400, 120, rng=rng), nn.ReLU(), nn.Linear(120, 84, rng=rng), nn.ReLU(),
                      nn.Linear(84, 10, rng=rng))
GraphViewer(F.cross_entropy(lenet(Tensor(x, name="images")), labels[:4]), model=lenet)""",
    """\
import time
rng = np.random.default_rng(1)
W = Tensor(rng.normal(0, 0.4, (8, 8)).astype(np.float32), requires_grad=True, name="W")
U = Tensor(rng.normal(0, 0.4, (4, 8)).astype(np.float32), requires_grad=True, name="U")
b = Tensor(np.zeros(8, np.float32), requires_grad=True, name="b")
h = Tensor(np.zeros((2, 8), np.float32), name="h0")
for t in range(60):
    x_t = Tensor(rng.normal(size=(2, 4)).astype(np.float32), name=f"x{t}")
    h = (h @ W + x_t @ U + b).tanh()
rnn_loss = (h * h).sum()
t0 = time.perf_counter()
rnn_viewer = GraphViewer(rnn_loss)
print(f"[timing] recurrence: {len(rnn_viewer.steps)} calls, viewer built in {time.perf_counter() - t0:.3f} s")
rnn_viewer""",
]

DEMOS["demo_monitor"] = [
    """\
import time
import numpy as np
from minigrad import Tensor, nn
from minigrad.datasets import spiral
from minigrad.viz import TrainingMonitor
X, y = spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0)
rng = np.random.default_rng(0)
model = nn.Sequential(nn.Linear(2, 64, rng=rng), nn.ReLU(), nn.Linear(64, 64, rng=rng), nn.ReLU(),
                      nn.Linear(64, 3, rng=rng))
inputs, loss_fn = Tensor(X.astype(np.float32)), nn.CrossEntropyLoss()""",
    """\
monitor = TrainingMonitor(title="6-second run")
display(monitor)
t0, step = time.monotonic(), 0
while time.monotonic() - t0 < 6.0:
    model.zero_grad()
    logits = model(inputs)
    loss = loss_fn(logits, y)
    loss.backward()
    for p in model.parameters():
        p.data -= 0.5 * p.grad
    acc = float((logits.data.argmax(axis=1) == y).mean())
    monitor.update(step, loss=loss.item(), acc=acc, model=model)
    step += 1
monitor.finish()
print(f"[timing] monitor: {step} steps in 6 s, {monitor.redraws} redraws, "
      f"{monitor.draw_seconds:.3f} s drawing")""",
]


def write_demo(name: str, folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name} (generated by tests/browser)")]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in DEMOS[name]]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path
