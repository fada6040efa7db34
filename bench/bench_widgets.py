"""What the widgets cost, measured in real Jupyter kernels (nbclient), so widget messages are really sent.

    python bench/bench_widgets.py                       # both, 5 rounds
    python bench/bench_widgets.py --bench monitor --rounds 7
    python bench/bench_widgets.py --bench graph

monitor  TrainingMonitor overhead on chapter 08's LeNet-5 (batch 64, SGD with momentum, 100 steps, update()
         with loss, accuracy and model as the chapter calls it) and on chapter 05's spiral MLP (2-64-64-3,
         1000 full-batch steps, update() with loss and model). Every run is a fresh kernel; with and without
         the monitor alternate (and swap who goes first every round). Reported: the time spent inside
         update() and finish() as a share of the training time of the same run (robust to a busy machine),
         and between runs best/best and the median of the per-round ratios; the goal is under 10 %.
graph    GraphViewer in a kernel: build time of a LeNet-5 loss (grouped by layer) and of a 302-call unrolled
         recurrence (goal < 1 s), the kernel-side time of every backward step (goal < 150 ms; the browser
         side is measured by tests/browser), and the size of a step's patch against the full SVG.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import textwrap
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]

SETUP = {
    "lenet": """
import time, numpy as np
from minigrad import Tensor, nn
import minigrad.functional as F
from minigrad.data import DataLoader, TensorDataset
from minigrad.datasets import mnist
from minigrad.optim import SGD
images, labels = mnist("train")
X = ((images[:6400].astype(np.float32) / 255 - 0.1307) / 0.3081)[:, None]
rng = np.random.default_rng(0)
model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(6, 16, 5, rng=rng), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(400, 120, rng=rng), nn.ReLU(), nn.Linear(120, 84, rng=rng), nn.ReLU(),
                      nn.Linear(84, 10, rng=rng))
loader = DataLoader(TensorDataset(X, labels[:6400]), batch_size=64, shuffle=True, seed=0)
optimizer = SGD(model.parameters(), lr=0.02, momentum=0.9)
STEPS = 100
""",
    "spiral": """
import time, numpy as np
from minigrad import Tensor, nn
from minigrad.datasets import spiral
X, y = spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0)
rng = np.random.default_rng(0)
model = nn.Sequential(nn.Linear(2, 64, rng=rng), nn.ReLU(), nn.Linear(64, 64, rng=rng), nn.ReLU(),
                      nn.Linear(64, 3, rng=rng))
loss_fn, inputs = nn.CrossEntropyLoss(), Tensor(X)
STEPS = 1000
def train_step(model, loss_fn, x, y, lr):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.item()
""",
}

LOOP = {
    "lenet": """
losses = []
{make}
t_mon = 0.0
t0 = time.perf_counter()
while len(losses) < STEPS:
    for xb, yb in loader:
        logits = model(Tensor(xb))
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        batch_acc = float((logits.data.argmax(axis=1) == np.asarray(yb)).mean())
        t1 = time.perf_counter()
        {update}(len(losses), loss=losses[-1], acc=batch_acc, model=model)
        t_mon += time.perf_counter() - t1
        if len(losses) == STEPS:
            break
t1 = time.perf_counter()
{finish}
t_mon += time.perf_counter() - t1
print("RESULT", time.perf_counter() - t0, t_mon)
""",
    "spiral": """
losses = []
{make}
t_mon = 0.0
t0 = time.perf_counter()
for step in range(STEPS):
    losses.append(train_step(model, loss_fn, inputs, y, lr=0.5))
    t1 = time.perf_counter()
    {update}(step, loss=losses[-1], model=model)
    t_mon += time.perf_counter() - t1
t1 = time.perf_counter()
{finish}
t_mon += time.perf_counter() - t1
print("RESULT", time.perf_counter() - t0, t_mon)
""",
}

GRAPH = """
import time, json, numpy as np
from minigrad import Tensor, nn, tracer
import minigrad.functional as F
from minigrad.viz import GraphViewer
if getattr(nn.Linear(1, 1)(Tensor(np.ones((1, 1), np.float32)))._ctx, "module", None) is None:
    _plain = nn.Module.__call__  # until the engine records ctx.module: tag calls as it will
    def _tag(self, *a, **k):
        before = max(tracer.funcs, default=-1)
        out = _plain(self, *a, **k)
        for seq, ctx in list(tracer.funcs.items()):
            if seq > before and getattr(ctx, "module", None) is None:
                ctx.module = self
        return out
    nn.Module.__call__ = _tag
rng = np.random.default_rng(0)
lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(6, 16, 5, rng=rng), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(400, 120, rng=rng), nn.ReLU(), nn.Linear(120, 84, rng=rng), nn.ReLU(),
                      nn.Linear(84, 10, rng=rng))
x = Tensor(rng.normal(size=(4, 1, 28, 28)).astype(np.float32), name="images")
def recurrence():
    r = np.random.default_rng(1)
    W = Tensor(r.normal(0, 0.4, (8, 8)).astype(np.float32), requires_grad=True, name="W")
    U = Tensor(r.normal(0, 0.4, (4, 8)).astype(np.float32), requires_grad=True, name="U")
    b = Tensor(np.zeros(8, np.float32), requires_grad=True, name="b")
    h = Tensor(np.zeros((2, 8), np.float32), name="h0")
    for t in range(60):
        h = (h @ W + Tensor(r.normal(size=(2, 4)).astype(np.float32), name=f"x{t}") @ U + b).tanh()
    return (h * h).sum()
GraphViewer(F.cross_entropy(lenet(x), np.array([1, 2, 3, 4])), model=lenet)  # warm-up (imports, caches)
out = {}
def lenet_loss():
    return F.cross_entropy(lenet(x), np.array([1, 2, 3, 4]))
cases = (("lenet", lenet_loss, {"model": lenet}), ("recurrence", recurrence, {}),
         ("recurrence, all steps open", recurrence, {"open": "all"}))
for name, make, kw in cases:
    loss = make()
    t0 = time.perf_counter()
    v = GraphViewer(loss, **kw)
    if kw.get("open") == "all":
        v.open_select.value = tuple(v.graph.groups)
    build = time.perf_counter() - t0
    sent = []
    plain_send = v.canvas.send
    def counting_send(content, buffers=None):
        sent.append(len(json.dumps(content)))
        plain_send(content)
    v.canvas.send = counting_send
    steps = []
    for k in range(1, v.slider.max + 1):
        t1 = time.perf_counter()
        v.slider.value = k
        steps.append(time.perf_counter() - t1)
    out[name] = {"calls": len(v.steps), "nodes": len(v.view.nodes), "build": build,
                 "step_median": sorted(steps)[len(steps) // 2], "step_max": max(steps),
                 "patch_max": max(sent), "svg": len(v.canvas.svg)}
print("RESULT", json.dumps(out))
"""


def run_kernel(code: str) -> str:
    """Run `code` in a fresh python3 kernel; return the text after RESULT in its output."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(code))]
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    ).execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    for line in text.splitlines():
        if line.startswith("RESULT "):
            return line[7:]
    raise RuntimeError(f"no RESULT in the kernel's output:\n{text[-2000:]}")


def monitor_run(workload: str, with_monitor: bool) -> tuple[float, float]:
    """(wall time of the loop, time spent inside the monitor's update() and finish())"""
    if with_monitor:
        make = (
            "from minigrad.viz import TrainingMonitor\n"
            "monitor = TrainingMonitor(total=STEPS)\ndisplay(monitor)"
        )
        fill = {"make": make, "update": "monitor.update", "finish": "monitor.finish()"}
    else:
        fill = {"make": "", "update": "(lambda *a, **k: None)", "finish": ""}
    total, inside = run_kernel(SETUP[workload] + LOOP[workload].format(**fill)).split()
    return float(total), float(inside)


def bench_monitor(rounds: int) -> None:
    for workload in ("lenet", "spiral"):
        ratios, shares, best = [], [], {True: float("inf"), False: float("inf")}
        for r in range(rounds):
            order = (False, True) if r % 2 == 0 else (True, False)
            runs = {mode: monitor_run(workload, mode) for mode in order}
            t = {mode: v[0] for mode, v in runs.items()}
            inside = runs[True][1]
            shares.append(inside / (t[True] - inside))  # in one run: the monitor's time / the training's
            for mode in t:
                best[mode] = min(best[mode], t[mode])
            ratios.append(t[True] / t[False])
            print(
                f"  {workload} round {r + 1}: without {t[False]:.3f} s, with {t[True]:.3f} s "
                f"({100 * (ratios[-1] - 1):+.1f} %); inside the monitor {inside:.3f} s = "
                f"{100 * shares[-1]:.1f} % of the training time",
                flush=True,
            )
        bb, med = 100 * (best[True] / best[False] - 1), 100 * (statistics.median(ratios) - 1)
        print(
            f"monitor on {workload}: time inside the monitor, median {100 * statistics.median(shares):.1f} % "
            f"(max {100 * max(shares):.1f} %) of the training time in the same run (goal < 10 %); "
            f"between runs: without {best[False]:.3f} s, with {best[True]:.3f} s, best/best {bb:+.1f} %, "
            f"median {med:+.1f} %",
            flush=True,
        )


def bench_graph() -> None:
    out = json.loads(run_kernel(GRAPH))
    for name, r in out.items():
        ms = {k: r[k] * 1000 for k in ("build", "step_median", "step_max")}
        print(
            f"graph {name}: {r['calls']} calls, {r['nodes']} nodes drawn, built in {ms['build']:.0f} ms "
            f"(goal < 1000); step median {ms['step_median']:.1f} ms, max {ms['step_max']:.1f} ms "
            f"(goal < 150); largest step message {r['patch_max'] / 1000:.1f} kB vs full SVG "
            f"{r['svg'] / 1000:.0f} kB",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", choices=("monitor", "graph", "all"), default="all")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args(argv)
    if a.bench in ("graph", "all"):
        bench_graph()
    if a.bench in ("monitor", "all"):
        bench_monitor(a.rounds)


if __name__ == "__main__":
    sys.exit(main())
