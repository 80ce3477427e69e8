#!/usr/bin/env python
"""Thread scaling of training, fastnet against PyTorch: configurations 3, 4 and 7 of bench/compare.py at 1, 2,
4, 8, 16 ... threads (issue #25, "threads that scale"), and a check that fastnet's results do not depend on the
thread count.

    python bench/scaling.py [--threads 1,2,4,8,16] [--only 3,4,7] [--seconds 1.0] [--repeats 3]
                            [--json PATH] [--md PATH] [--no-check]

Configurations (MNIST training images, data/mnist):
  3  784-256-10 relu/softmax cross-entropy, batch 128, SGD lr 0.1 momentum 0.9        peer: PyTorch (nn.Linear)
  4  784-1024-1024-10 relu/softmax, batch 1024, the same optimizer                     peer: PyTorch (nn.Linear)
  7  784-1000-1000-10 relu/softmax, every layer fn.Sparse at density 5%, batch 128,
     lr 0.01 momentum 0.9                                          peer: PyTorch dense weights x a fixed 0/1 mask

For each configuration and thread count: samples/s of fastnet and of the peer (best of --repeats timed passes,
each at least --seconds long, after a warm-up), each one's speed-up over its own 1-thread figure, and
fastnet/peer. The default thread counts are 1 and the powers of two up to the CPUs this process may run on.
Without PyTorch the peer's columns say so and fastnet is still measured.

The check (unless --no-check): at every thread count, a network of each configuration trains two batches from
the same seed and predicts 256 images; the weights and predictions must be bit-identical to the 1-thread ones
(README, "Reproducibility"). A mismatch is printed and the exit status is 1. Nothing else is asserted.

Give a machine with many cores to the run alone: other load, or PyTorch's spinning OpenMP workers from the
previous measurement, lower the many-thread figures (the script measures fastnet first at each thread count and
pauses between libraries).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import math
import os
import platform
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers as P  # noqa: E402

CONFIGS: Dict[str, Tuple[str, Any]] = {
    "3": ("torch", P.Spec((784, 256, 10), "relu", "softmax", "cross_entropy", lr=0.1, momentum=0.9,
                          batch_size=128)),
    "4": ("torch", P.Spec((784, 1024, 1024, 10), "relu", "softmax", "cross_entropy", lr=0.1, momentum=0.9,
                          batch_size=1024)),
    "7": ("torch_masked", P.SparseSpec((784, 1000, 1000, 10), "relu", "softmax", "cross_entropy", lr=0.01,
                                       momentum=0.9, batch_size=128, density=0.05)),
}
FASTNET = {"3": "fastnet", "4": "fastnet", "7": "fastnet_sparse"}
PAUSE_S = 0.5  # between libraries: lets the previous one's spinning workers go to sleep


def default_threads() -> List[int]:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    out = [1]
    while out[-1] * 2 <= cpus:
        out.append(out[-1] * 2)
    if out[-1] != cpus:
        out.append(cpus)
    return out


def make(name: str, spec: P.Spec) -> Tuple[Any, Optional[str]]:
    try:
        return P.make(name, spec), None
    except P.Unavailable as exc:
        return None, str(exc)


def samples_per_s(trainer: Any, X: np.ndarray, y: np.ndarray, seconds: float, repeats: int) -> float:
    """Best samples/s of ``repeats`` timed passes, each sized from a warm-up pass to last about ``seconds``."""
    bs = trainer.spec.batch_size
    n0 = min(len(X), 4 * bs)
    trainer.activate()
    trainer.train(X[:n0], y[:n0])  # warm-up: allocations, thread start-up
    t0 = time.perf_counter()
    trainer.train(X[:n0], y[:n0])
    rate = n0 / max(time.perf_counter() - t0, 1e-9)
    n = int(min(len(X), max(n0, math.ceil(rate * seconds / bs) * bs)))
    n -= n % bs
    dt = P.time_train(trainer, X[:n], y[:n], repeats=repeats, warmup=0)
    return n / dt


def fingerprint(cfg: str, threads: int, X: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 of the weights and 256 predictions after two batches of training from seed 0, at ``threads``."""
    spec = CONFIGS[cfg][1].with_(threads=threads)
    tr, why = make(FASTNET[cfg], spec)
    if tr is None:  # pragma: no cover - fastnet is always importable here
        raise RuntimeError(why)
    tr.activate()
    n = 2 * spec.batch_size
    tr.train(X[:n], y[:n])
    h = hashlib.sha256()
    for L in tr.net.layers:
        h.update(np.ascontiguousarray(L.weights).tobytes())
        h.update(np.ascontiguousarray(L.bias).tobytes())
    h.update(np.ascontiguousarray(tr.net.predict(X[:256])).tobytes())
    return h.hexdigest()[:16]


def environment() -> Dict[str, Any]:
    import fastnet as fn
    env: Dict[str, Any] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": P.cpu_model(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "fastnet": fn.__version__,
        "fastnet_isa": fn.get_isa(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)"),
        "OMP_PROC_BIND": os.environ.get("OMP_PROC_BIND", "(unset)"),
    }
    try:
        torch = P.torch_module()
        env["torch"] = f"{torch.__version__}, {torch.backends.cpu.get_cpu_capability()}"
    except P.Unavailable as exc:
        env["torch"] = f"unavailable: {exc}"
    try:
        env["loadavg"] = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        env["loadavg"] = None
    return env


def fmt(v: Optional[float], spec: str = ",.0f") -> str:
    return "–" if v is None else format(v, spec)


def table(rows: List[Dict[str, Any]]) -> str:
    head = ("| config | threads | fastnet samples/s | fastnet speed-up | peer | peer samples/s | peer speed-up "
            "| fastnet / peer |\n|---|--:|--:|--:|---|--:|--:|--:|\n")
    lines = []
    for r in rows:
        lines.append(f"| {r['config']} | {r['threads']} | {fmt(r['fastnet'])} | {fmt(r['fastnet_speedup'], '.2f')} "
                     f"| {r['peer_name']} | {fmt(r['peer'])} | {fmt(r['peer_speedup'], '.2f')} "
                     f"| {fmt(r['ratio'], '.2f')} |")
    return head + "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default=None, help="comma-separated thread counts (default: 1, powers of two up "
                    "to the CPUs available)")
    ap.add_argument("--only", default="3,4,7", help="comma-separated configurations (3, 4, 7)")
    ap.add_argument("--seconds", type=float, default=1.0, help="length of each timed pass (default 1.0)")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many timed passes (default 3)")
    ap.add_argument("--no-peer", action="store_true", help="fastnet only")
    ap.add_argument("--no-check", action="store_true", help="skip the bit-identity check across thread counts")
    ap.add_argument("--json", default=None, help="also write the results as JSON")
    ap.add_argument("--md", default=None, help="also write the table as Markdown")
    a = ap.parse_args(argv)
    threads = [int(t) for t in a.threads.split(",")] if a.threads else default_threads()
    if not threads or min(threads) < 1:
        ap.error("--threads: positive integers")
    if 1 not in threads:
        threads.insert(0, 1)  # the speed-ups are over 1 thread
    threads = sorted(set(threads))
    only = [c.strip() for c in a.only.split(",") if c.strip()]
    bad = [c for c in only if c not in CONFIGS]
    if bad:
        ap.error(f"--only: unknown configuration(s) {', '.join(bad)} (choose from {', '.join(CONFIGS)})")
    if a.seconds <= 0 or a.repeats < 1:
        ap.error("--seconds must be > 0 and --repeats >= 1")

    env = environment()
    print("# " + ", ".join(f"{k}: {v}" for k, v in env.items()), flush=True)
    Xtr, ytr, _, _ = P.mnist()
    rows: List[Dict[str, Any]] = []
    mismatches: List[str] = []
    fingerprints: Dict[str, Dict[int, str]] = {}
    for cfg in only:
        peer_name, spec = CONFIGS[cfg]
        print(f"\n[{cfg}] {spec.describe().replace(', 1 thread(s)', '')}", flush=True)
        base: Dict[str, Optional[float]] = {}
        for t in threads:
            sp = spec.with_(threads=t)
            got: Dict[str, Optional[float]] = {}
            for who in ("fastnet", "peer"):
                if who == "peer" and a.no_peer:
                    got[who] = None
                    continue
                tr, why = make(FASTNET[cfg] if who == "fastnet" else peer_name, sp)
                if tr is None:
                    got[who] = None
                    if t == threads[0]:
                        print(f"  {peer_name}: skipped ({why})", flush=True)
                    continue
                got[who] = samples_per_s(tr, Xtr, ytr, a.seconds, a.repeats)
                del tr
                time.sleep(PAUSE_S)
            if t == 1:
                base = dict(got)
            f, p = got["fastnet"], got["peer"]
            row = {"config": cfg, "threads": t, "fastnet": f, "peer_name": peer_name, "peer": p,
                   "fastnet_speedup": f / base["fastnet"] if f and base.get("fastnet") else None,
                   "peer_speedup": p / base["peer"] if p and base.get("peer") else None,
                   "ratio": f / p if f and p else None}
            rows.append(row)
            print(f"  {t:3d} threads: fastnet {fmt(f)} samples/s (x{fmt(row['fastnet_speedup'], '.2f')}), "
                  f"{peer_name} {fmt(p)} (x{fmt(row['peer_speedup'], '.2f')}), fastnet/peer "
                  f"{fmt(row['ratio'], '.2f')}", flush=True)
        if not a.no_check:
            fps = {t: fingerprint(cfg, t, Xtr, ytr) for t in threads}
            fingerprints[cfg] = fps
            same = len(set(fps.values())) == 1
            print(f"  results at {', '.join(map(str, threads))} threads: "
                  + ("bit-identical" if same else "DIFFER: " + ", ".join(f"{t}: {h}" for t, h in fps.items())),
                  flush=True)
            if not same:
                mismatches.append(cfg)
    md = table(rows)
    print("\n" + md)
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(f"Environment: {json.dumps(env)}\n\n{md}")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"environment": env, "rows": rows, "fingerprints": fingerprints}, f, indent=1)
    if mismatches:
        print(f"error: fastnet's results depend on the thread count in configuration(s) {', '.join(mismatches)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
