"""Per-operation overhead: build and backpropagate a chain of elementwise operations on size-1 tensors.

With one-element tensors the arithmetic is free, so the time per operation is pure framework
overhead: creating the output tensor, recording the call, visiting it in backward, freeing it. Each
measurement runs in a fresh single-threaded process (minigrad and PyTorch alternate), repeated over several
rounds; we report the best time of each and the ratios. CPU time (process_time) is reported too: on a shared,
busy machine it is less disturbed by the neighbours than the wall clock.

    python bench/bench_overhead.py                 # 10,000 ops, 7 rounds
    python bench/bench_overhead.py --ops 20000 --rounds 9 --json
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

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
FRAMEWORKS = ("minigrad", "torch")


def chain_minigrad(n: int) -> tuple[float, float]:
    """(wall, CPU) seconds to build an n-op chain (mul and add, reusing two leaves), backprop and free it."""
    import numpy as np

    import minigrad as mg

    a = mg.Tensor(np.array([0.5], dtype=np.float32), requires_grad=True)
    b = mg.Tensor(np.array([0.999], dtype=np.float32), requires_grad=True)
    t0, c0 = time.perf_counter(), time.process_time()
    y = a
    for i in range(n):
        y = y * b if i % 2 else y + a
    y.sum().backward()
    del y  # freeing the graph is part of every training step
    elapsed = time.perf_counter() - t0, time.process_time() - c0
    assert a.grad is not None and b.grad is not None
    return elapsed


def chain_torch(n: int) -> tuple[float, float]:
    import torch

    torch.set_num_threads(1)
    a = torch.tensor([0.5], dtype=torch.float32, requires_grad=True)
    b = torch.tensor([0.999], dtype=torch.float32, requires_grad=True)
    t0, c0 = time.perf_counter(), time.process_time()
    y = a
    for i in range(n):
        y = y * b if i % 2 else y + a
    y.sum().backward()
    del y  # freeing the graph is part of every training step
    elapsed = time.perf_counter() - t0, time.process_time() - c0
    assert a.grad is not None and b.grad is not None
    return elapsed


def worker(framework: str, n: int) -> None:
    """One measurement in this (fresh) process: a warm-up chain, then the timed one; prints µs per op."""
    run = chain_minigrad if framework == "minigrad" else chain_torch
    run(min(n, 1000))
    wall, cpu = run(n)
    print(json.dumps({"framework": framework, "wall": wall / (n + 1) * 1e6, "cpu": cpu / (n + 1) * 1e6}))


def measure(framework: str, n: int) -> dict[str, float]:
    """µs per op (wall clock and CPU time) of one measurement in a fresh single-threaded process."""
    repo = str(Path(__file__).resolve().parents[1])  # benchmark this checkout's minigrad, installed or not
    env = dict(os.environ, **{v: "1" for v in THREAD_VARS})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))
    cmd = [sys.executable, __file__, "--worker", framework, "--ops", str(n)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        hint = " (install it: pip install torch==2.13.0)" if "No module named 'torch'" in out.stderr else ""
        raise SystemExit(f"bench_overhead: the {framework} worker failed{hint}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", type=int, default=10_000, help="operations in the chain (default 10,000)")
    p.add_argument("--rounds", type=int, default=7, help="rounds; each runs both frameworks once (default 7)")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    p.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.worker, args.ops)
        return

    from tqdm.auto import tqdm

    runs: dict[str, list[dict[str, float]]] = {f: [] for f in FRAMEWORKS}
    with tqdm(total=2 * args.rounds, desc="overhead", unit="run", file=sys.stderr) as bar:
        for r in range(args.rounds):
            for fw in FRAMEWORKS if r % 2 == 0 else FRAMEWORKS[::-1]:  # alternate who goes first
                runs[fw].append(measure(fw, args.ops))
                bar.update()
    wall = {f: [m["wall"] for m in runs[f]] for f in FRAMEWORKS}
    cpu = {f: [m["cpu"] for m in runs[f]] for f in FRAMEWORKS}
    best = {f: min(wall[f]) for f in FRAMEWORKS}
    best_cpu = {f: min(cpu[f]) for f in FRAMEWORKS}
    median = {f: statistics.median(wall[f]) for f in FRAMEWORKS}
    result = {
        "ops": args.ops,
        "rounds": args.rounds,
        "wall_us_per_op": wall,
        "cpu_us_per_op": cpu,
        "best_us_per_op": best,
        "median_us_per_op": median,
        "best_cpu_us_per_op": best_cpu,
        "ratio_best": best["minigrad"] / best["torch"],
        "ratio_median_per_round": statistics.median(m / t for m, t in zip(wall["minigrad"], wall["torch"])),
        "ratio_best_cpu": best_cpu["minigrad"] / best_cpu["torch"],
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"per-op overhead: chain of {args.ops:,} mul/add ops on size-1 tensors, "
        "build + backward + free, 1 thread"
    )
    print(f"{'framework':<10} {'best µs/op':>11} {'median µs/op':>13} {'best CPU µs/op':>15}")
    for f in FRAMEWORKS:
        print(f"{f:<10} {best[f]:>11.2f} {median[f]:>13.2f} {best_cpu[f]:>15.2f}")
    print(
        f"minigrad / torch: best/best {result['ratio_best']:.2f}x, median of per-round ratios "
        f"{result['ratio_median_per_round']:.2f}x, CPU best/best {result['ratio_best_cpu']:.2f}x"
    )


if __name__ == "__main__":
    main()
