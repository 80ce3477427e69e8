"""Would a persistent thread pool beat OpenMP's fork/join?  (issue #25, "threads that scale")

Two measurements, both printed:

1. What one parallel region costs (bench/native/forkjoin.cpp, compiled here with the system g++ -fopenmp):
   libgomp's ``#pragma omp parallel`` (what fastnet's ``parallel_for`` and GEMM open) against a minimal persistent
   pool whose workers spin on an atomic counter — the cheapest dispatch a hand-written pool can have. Median over
   many regions, back to back, after ~20 µs of serial work, and after 2 ms asleep.
2. How many regions one training step opens, at configurations 1, 3 and 4 of bench/compare.py (2 threads), by
   counting libgomp's GOMP_parallel calls with an LD_PRELOAD shim (bench/native/gomp_count.c), and the share of
   a step the difference in (1) could save.

    python bench/forkjoin.py [--threads 2]

Needs g++ with OpenMP (Debian: build-essential). Linux only (LD_PRELOAD).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

STEP_SCRIPT = textwrap.dedent(
    """
    import ctypes, json, sys, time
    import numpy as np
    import fastnet as fn
    lib = ctypes.CDLL(sys.argv[1]); lib.gomp_count.restype = ctypes.c_long
    fn.set_num_threads(int(sys.argv[2]))
    rng = np.random.default_rng(0)
    out = {}
    for name, sizes, act, B, steps in (("1", [784, 30, 10], "sigmoid", 1, 4000),
                                       ("3", [784, 256, 10], "relu", 128, 64),
                                       ("4", [784, 1024, 1024, 10], "relu", 1024, 8)):
        n = B * steps
        X = rng.standard_normal((n, sizes[0]), dtype=np.float32); y = rng.integers(0, 10, n).astype(np.int32)
        net = fn.Network(sizes, activation=act, seed=0)
        kw = dict(epochs=1, batch_size=B, lr=0.01, momentum=0.9, verbose=0)
        net.fit(X, y, **kw)
        c0 = lib.gomp_count(); t0 = time.perf_counter()
        net.fit(X, y, **kw)
        t = time.perf_counter() - t0; c1 = lib.gomp_count()
        out[name] = {"regions_per_step": (c1 - c0) / steps, "step_us": t / steps * 1e6}
    print(json.dumps(out))
    """
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "forkjoin")
        shim = os.path.join(tmp, "gomp_count.so")
        subprocess.run(
            [
                "g++",
                "-O2",
                "-fopenmp",
                "-std=c++17",
                os.path.join(HERE, "native", "forkjoin.cpp"),
                "-o",
                exe,
                "-lpthread",
            ],
            check=True,
        )
        subprocess.run(
            ["gcc", "-O2", "-shared", "-fPIC", os.path.join(HERE, "native", "gomp_count.c"), "-o", shim, "-ldl"],
            check=True,
        )
        cost = json.loads(subprocess.run([exe, str(args.threads)], check=True, capture_output=True, text=True).stdout)
        env = dict(os.environ, LD_PRELOAD=shim)
        steps = json.loads(
            subprocess.run(
                [sys.executable, "-c", STEP_SCRIPT, shim, str(args.threads)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    print(f"one parallel region, {args.threads} threads (median, µs):")
    print(f"  {'situation':<14} {'OpenMP':>8} {'spin pool':>10}")
    for k in ("back_to_back", "after_work", "after_sleep"):
        print(f"  {k:<14} {cost[k]['openmp_us']:8.2f} {cost[k]['spin_pool_us']:10.2f}")
    saving = cost["after_work"]["openmp_us"] - cost["after_work"]["spin_pool_us"]
    print(f"\ntraining steps ({args.threads} threads): regions per step, step time, what a spin pool could save")
    for name, s in steps.items():
        share = s["regions_per_step"] * saving / s["step_us"] * 100
        print(
            f"  config {name}: {s['regions_per_step']:6.2f} regions, {s['step_us']:9.1f} µs/step, "
            f"≤ {share:.2f}% of a step"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
