"""Training-speed and memory benchmarks: minigrad against PyTorch CPU, float32, one thread each.

Every measurement runs in a fresh process (threads pinned to 1 before NumPy/PyTorch load), the two frameworks
alternate within a round (and swap who goes first every round), and each process reports its best step time
(wall clock and CPU time). The verdict is best/best over all rounds; the per-round ratios and their median
show how stable that is on a shared machine.

    python bench/bench_train.py                     # all benchmarks, 5 rounds
    python bench/bench_train.py --bench conv --rounds 9
    python bench/bench_train.py --bench memory
    python bench/bench_train.py --bench lenet --tuned-malloc   # without page faults (bench/README.md)

Benchmarks (goals from issue 12, minigrad/PyTorch):
    lenet   LeNet-5 training step, batch 64 (forward, backward, SGD step)       <= 1.2x
    mlp     MLP 784-256-128-10 training step, batch 128                          <= 0.8x
    conv    conv2d forward + backward, x (64, 16, 14, 14), w (32, 16, 3, 3), pad 1 <= 1.3x
    memory  200 LeNet steps: peak resident memory <= 1.5x PyTorch's, and flat from step 20 to step 200;
            also printed: the peak above the RSS before the first step and after it (working memory)
    gemms   no goal, the floor of `conv`: NumPy's three GEMMs of conv2d alone (no im2col, no col2im)
            against PyTorch's whole conv2d forward + backward
Evaluation memory on a large batch is measured by bench_memory.py.
PyTorch is needed only here (`pip install torch==2.13.0`); minigrad itself never imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
GOALS = {"lenet": 1.2, "mlp": 0.8, "conv": 1.3}
BENCHES = ("lenet", "mlp", "conv", "memory", "gemms")


# --- the workloads, written once per framework ---------------------------------------------------------


def lenet_minigrad(rng: Any) -> Any:
    from minigrad import nn

    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120, rng=rng),
        nn.ReLU(),
        nn.Linear(120, 84, rng=rng),
        nn.ReLU(),
        nn.Linear(84, 10, rng=rng),
    )


def lenet_torch() -> Any:
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def mlp_minigrad(rng: Any) -> Any:
    from minigrad import nn

    return nn.Sequential(
        nn.Linear(784, 256, rng=rng),
        nn.ReLU(),
        nn.Linear(256, 128, rng=rng),
        nn.ReLU(),
        nn.Linear(128, 10, rng=rng),
    )


def mlp_torch() -> Any:
    from torch import nn

    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def minigrad_sgd(params: list, lr: float) -> Any:
    """minigrad.optim.SGD when chapter 6 is in the package; otherwise the same plain update in place."""
    try:
        from minigrad.optim import SGD
    except ImportError:

        class SGD:  # the update torch.optim.SGD(lr) makes, without momentum
            def __init__(self, params: list, lr: float) -> None:
                self.params, self.lr = params, lr

            def zero_grad(self) -> None:
                for p in self.params:
                    p.grad = None

            def step(self) -> None:
                for p in self.params:
                    if p.grad is not None:
                        p.data -= self.lr * p.grad

    return SGD(params, lr=lr)


def make_step(bench: str, framework: str) -> Any:
    """Return a zero-argument function doing one training step (or one conv forward + backward)."""
    import numpy as np

    rng = np.random.default_rng(0)
    if bench in ("lenet", "memory", "mlp"):
        batch, shape = (64, (1, 28, 28)) if bench != "mlp" else (128, (784,))
        x = rng.standard_normal((batch, *shape)).astype(np.float32)
        y = rng.integers(0, 10, batch)
        if framework == "minigrad":
            import minigrad.functional as F
            from minigrad import Tensor

            model = mlp_minigrad(rng) if bench == "mlp" else lenet_minigrad(rng)
            opt = minigrad_sgd(list(model.parameters()), lr=0.01)
            xt = Tensor(x)

            def step() -> None:
                opt.zero_grad()
                F.cross_entropy(model(xt), y).backward()
                opt.step()

        else:
            import torch

            model = mlp_torch() if bench == "mlp" else lenet_torch()
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            xt, yt = torch.from_numpy(x), torch.from_numpy(y)

            def step() -> None:
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(xt), yt).backward()
                opt.step()

        return step
    x = rng.standard_normal((64, 16, 14, 14)).astype(np.float32)
    w = (rng.standard_normal((32, 16, 3, 3)) * 0.1).astype(np.float32)
    b = np.zeros(32, np.float32)
    g = rng.standard_normal((64, 32, 14, 14)).astype(np.float32)
    if framework == "minigrad" and bench == "gemms":
        from minigrad.functional.conv import im2col

        cols = im2col(x, (3, 3), (1, 1), (1, 1), (1, 1))  # built once: only the products are timed
        w2, g2 = w.reshape(32, -1), g.transpose(1, 0, 2, 3).reshape(32, -1).copy()

        def step() -> None:  # the three GEMMs of conv2d's forward and backward, nothing else
            w2 @ cols, g2 @ cols.T, w2.T @ g2

    elif framework == "minigrad":
        import minigrad.functional as F
        from minigrad import Tensor

        xs, ws, bs = (Tensor(a, requires_grad=True) for a in (x, w, b))

        def step() -> None:
            xs.grad = ws.grad = bs.grad = None
            F.conv2d(xs, ws, bs, padding=1).backward(g)

    else:
        import torch

        xs, ws, bs = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        gt = torch.from_numpy(g)

        def step() -> None:
            xs.grad = ws.grad = bs.grad = None
            torch.nn.functional.conv2d(xs, ws, bs, padding=1).backward(gt)

    return step


# --- one measurement in this (fresh) process -----------------------------------------------------------


def _status(field: str) -> float:
    """A memory figure from /proc/self/status, in MiB (VmRSS: now, VmHWM: peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def worker(bench: str, framework: str, steps: int) -> dict[str, Any]:
    if framework == "torch":
        import torch

        torch.set_num_threads(1)
    step = make_step(bench, framework)
    if bench == "memory":
        import gc

        gc.collect()
        before = _status("VmRSS")  # model and data made, no step taken yet
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
        rss = []
        for _ in range(200):
            step()
            rss.append(_status("VmRSS"))
        return {
            "rss_before_mib": before,
            "rss_step1_mib": rss[0],
            "peak_mib": _status("VmHWM"),
            "rss_step20_mib": rss[19],
            "rss_step200_mib": rss[199],
        }
    for _ in range(5):  # warm-up: allocator, BLAS buffers, lazy imports
        step()
    times, cpu = [], []
    for _ in range(steps):
        t, c = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return {
        "best_ms": 1e3 * min(times),
        "median_ms": 1e3 * statistics.median(times),
        "best_cpu_ms": 1e3 * min(cpu),
    }


# --- the driver: fresh processes, alternating, several rounds -------------------------------------------


# glibc: keep freed memory in the heap instead of returning it to the OS and page-faulting it back next step
TUNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "2000000000", "MALLOC_TRIM_THRESHOLD_": "2000000000"}


def run_worker(bench: str, framework: str, steps: int, tuned_malloc: bool = False) -> dict[str, Any]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )
    env.update({var: "1" for var in THREAD_VARS})
    if tuned_malloc:
        env.update(TUNED_MALLOC)
    cmd = [sys.executable, __file__, "--worker", bench, framework, "--steps", str(steps)]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bench", choices=BENCHES, action="append", help="repeatable; default: all")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of alternating fresh processes")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per process")
    parser.add_argument(
        "--tuned-malloc",
        action="store_true",
        help="run both frameworks with glibc's heap trimming off (shows the cost of page faults)",
    )
    parser.add_argument("--worker", nargs=2, metavar=("BENCH", "FRAMEWORK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker, args.steps)))
        return 0
    failed = False
    for bench in args.bench or BENCHES:
        rounds = []
        for r in range(args.rounds):
            order = ("minigrad", "torch") if r % 2 == 0 else ("torch", "minigrad")
            rounds.append({fw: run_worker(bench, fw, args.steps, args.tuned_malloc) for fw in order})
        failed |= not report(bench, rounds)
    return 1 if failed else 0


def report(bench: str, rounds: list[dict[str, dict[str, Any]]]) -> bool:
    """Print the per-round figures and the verdict; return whether the goal is met."""
    if bench == "memory":
        fws = ("minigrad", "torch")

        def med(key: Any) -> dict[str, float]:
            return {fw: statistics.median(key(r[fw]) for r in rounds) for fw in fws}

        peak = med(lambda m: m["peak_mib"])
        above_start = med(lambda m: m["peak_mib"] - m["rss_before_mib"])
        above_step1 = med(lambda m: m["peak_mib"] - m["rss_step1_mib"])
        growth = max(r["minigrad"]["rss_step200_mib"] - r["minigrad"]["rss_step20_mib"] for r in rounds)
        ok = peak["minigrad"] <= 1.5 * peak["torch"] and growth < 1.0
        print(
            f"memory  peak RSS over 200 steps: minigrad {peak['minigrad']:.1f} MiB, "
            f"PyTorch {peak['torch']:.1f} MiB "
            f"-> {peak['minigrad'] / peak['torch']:.2f} (goal <= 1.5) {'OK' if ok else 'MISSED'}; "
            f"peak above the RSS before step 1: "
            f"{above_start['minigrad']:.1f} / {above_start['torch']:.1f} MiB "
            f"= {above_start['minigrad'] / above_start['torch']:.2f}; above the RSS after step 1: "
            f"{above_step1['minigrad']:.1f} / {above_step1['torch']:.1f} MiB; "
            f"minigrad RSS growth step 20 -> 200: {growth:+.2f} MiB (goal flat, < 1 MiB)"
        )
        return ok

    ratios = [r["minigrad"]["best_ms"] / r["torch"]["best_ms"] for r in rounds]
    best = {fw: min(r[fw]["best_ms"] for r in rounds) for fw in ("minigrad", "torch")}
    cpu = {fw: min(r[fw]["best_cpu_ms"] for r in rounds) for fw in ("minigrad", "torch")}
    ratio = best["minigrad"] / best["torch"]
    ok = ratio <= GOALS.get(bench, float("inf"))
    verdict = (
        f"(goal <= {GOALS[bench]}) {'OK' if ok else 'MISSED'}" if bench in GOALS else "(no goal: a floor)"
    )
    print(
        f"{bench:6s}  best minigrad {best['minigrad']:.2f} ms, PyTorch {best['torch']:.2f} ms -> best/best "
        f"{ratio:.2f} {verdict}; per-round ratios "
        f"{' '.join(f'{x:.2f}' for x in ratios)}, median {statistics.median(ratios):.2f}; CPU time best/best "
        f"{cpu['minigrad']:.2f} / {cpu['torch']:.2f} ms = {cpu['minigrad'] / cpu['torch']:.2f}"
    )
    return ok


if __name__ == "__main__":
    sys.exit(main())
