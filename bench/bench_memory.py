"""Evaluation memory: the usual first PyTorch MNIST net on a batch of 1,000 digits under no_grad.

The net is the one in PyTorch's examples (mnist/main.py): two 3×3 convolutions with 32 and 64 channels, each
followed by ReLU, a 2×2 max-pool, dropout, two linear layers (9216 → 128 → 10) and log_softmax, in eval mode.
Each measurement runs in a fresh single-threaded process (NumPy's BLAS pinned to one thread too): it imports
the framework, reads its resident memory, resets the kernel's peak counter, then builds the model and the
batch and runs `--forwards` forward passes. It reports the peak resident memory above the RSS after the
imports (the frameworks' own libraries do not count; the model, the batch and every temporary do) and the
best forward time. minigrad and PyTorch alternate within a round and swap who goes first every round; the
verdict is best/best over the rounds, with the median of the per-round ratios to show how stable it is.

    python bench/bench_memory.py                 # 5 rounds, 3 forward passes each
    python bench/bench_memory.py --rounds 9 --batch 2000 --json

Goal (from issue 12): peak memory <= 1.5x PyTorch's, forward time no worse than PyTorch's.
PyTorch is needed only here (`pip install torch==2.13.0`); minigrad itself never imports it.
"""

from __future__ import annotations

import argparse
import gc
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
FRAMEWORKS = ("minigrad", "torch")
MEMORY_GOAL = 1.5


def _status(field: str) -> float:
    """A memory figure from /proc/self/status, in MiB (VmRSS: now, VmHWM: peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def net_minigrad(rng: Any) -> Any:
    import minigrad.functional as F
    from minigrad import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1, rng=rng)
            self.conv2 = nn.Conv2d(32, 64, 3, 1, rng=rng)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128, rng=rng)
            self.fc2 = nn.Linear(128, 10, rng=rng)

        def forward(self, x: Any) -> Any:
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = self.dropout1(F.max_pool2d(x, 2))
            x = x.reshape(x.shape[0], -1)
            x = self.dropout2(F.relu(self.fc1(x)))
            return F.log_softmax(self.fc2(x), 1)

    return Net()


def net_torch() -> Any:
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x: Any) -> Any:
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = self.dropout1(F.max_pool2d(x, 2))
            x = torch.flatten(x, 1)
            x = self.dropout2(F.relu(self.fc1(x)))
            return F.log_softmax(self.fc2(x), dim=1)

    return Net()


def worker(framework: str, batch: int, forwards: int) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    import numpy as np

    if framework == "torch":
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(0)
        no_grad, wrap = torch.no_grad, torch.from_numpy
    else:
        import minigrad
        import minigrad.functional  # noqa: F401  (imports count as "the imports", like torch's)
        import minigrad.nn  # noqa: F401

        no_grad, wrap = minigrad.no_grad, minigrad.Tensor
    gc.collect()
    base = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    rng = np.random.default_rng(0)
    model = net_torch() if framework == "torch" else net_minigrad(rng)
    model.eval()
    x = wrap(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    times = []
    with no_grad():
        for _ in range(forwards):
            start = time.perf_counter()
            out = model(x)
            times.append(time.perf_counter() - start)
            assert tuple(out.shape) == (batch, 10)
            del out
    return {"peak_above_imports_mib": _status("VmHWM") - base, "imports_mib": base, "best_s": min(times)}


def run_worker(framework: str, batch: int, forwards: int) -> dict[str, Any]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )
    env.update({var: "1" for var in THREAD_VARS})
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        framework,
        "--batch",
        str(batch),
        "--forwards",
        str(forwards),
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        hint = " (install it: pip install torch==2.13.0)" if "No module named 'torch'" in out.stderr else ""
        raise SystemExit(f"bench_memory: the {framework} worker failed{hint}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of alternating fresh processes")
    parser.add_argument("--batch", type=int, default=1000, help="images per forward pass (default 1,000)")
    parser.add_argument("--forwards", type=int, default=3, help="forward passes per process (best time)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.batch, args.forwards)))
        return 0

    from tqdm.auto import tqdm

    rounds = []
    with tqdm(total=2 * args.rounds, desc="memory", unit="run", file=sys.stderr) as bar:
        for r in range(args.rounds):
            result = {}
            for fw in FRAMEWORKS if r % 2 == 0 else FRAMEWORKS[::-1]:
                result[fw] = run_worker(fw, args.batch, args.forwards)
                bar.update()
            rounds.append(result)
    mem = {fw: [r[fw]["peak_above_imports_mib"] for r in rounds] for fw in FRAMEWORKS}
    sec = {fw: [r[fw]["best_s"] for r in rounds] for fw in FRAMEWORKS}
    mem_ratio = min(mem["minigrad"]) / min(mem["torch"])
    time_ratio = min(sec["minigrad"]) / min(sec["torch"])
    mem_median = statistics.median(m / t for m, t in zip(mem["minigrad"], mem["torch"]))
    time_median = statistics.median(m / t for m, t in zip(sec["minigrad"], sec["torch"]))
    ok = mem_ratio <= MEMORY_GOAL and time_ratio <= 1.0
    if args.json:
        print(json.dumps({"rounds": rounds, "memory_ratio": mem_ratio, "time_ratio": time_ratio}, indent=2))
        return 0 if ok else 1
    print(
        f"MNIST net, batch {args.batch:,}, eval under no_grad, 1 thread: peak RSS above the imports "
        f"minigrad {min(mem['minigrad']):.1f} MiB, PyTorch {min(mem['torch']):.1f} MiB -> best/best "
        f"{mem_ratio:.2f} (median {mem_median:.2f}; goal <= {MEMORY_GOAL}); forward minigrad "
        f"{min(sec['minigrad']):.3f} s, PyTorch {min(sec['torch']):.3f} s -> best/best {time_ratio:.2f} "
        f"(median {time_median:.2f}); {'OK' if ok else 'MISSED'}"
    )
    print(
        "per round (minigrad / PyTorch): "
        + "; ".join(
            f"{m:.0f}/{t:.0f} MiB {ms:.3f}/{ts:.3f} s"
            for m, t, ms, ts in zip(mem["minigrad"], mem["torch"], sec["minigrad"], sec["torch"])
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
