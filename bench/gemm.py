"""GEMM micro-benchmark: fastnet's float32 dense products against numpy's ``@`` (OpenBLAS).

The three training products of a dense layer, with M = batch rows, N = outputs, K = inputs:

  forward          out = X·Wᵀ + b      X (M,K), W (N,K)  fastnet._core.kernels.dense_forward(X, W, b)
  backward_input   dX  = dY·W          dY (M,N), W (N,K) fastnet._core.kernels.dense_backward_input(dY, W)
  backward_weight  dW  = dYᵀ·X (+ db)  dY (M,N), X (M,K) fastnet._core.kernels.dense_backward_weight(dY, X)

at M in {128, 1024} and N, K in {256, 784, 1024}, on every ISA fastnet supports on this CPU, at 1 and 2 threads.
Each product counts 2·M·N·K flops (fastnet's bias add and dbias sum are not counted; numpy is timed on the bare
``@``). Every timing is the best of --repeats runs, each run looping the call for at least --min-ms. Every fastnet
result is checked against numpy (np.allclose, rtol 1e-4, atol 1e-4 × max|reference|), so a fast wrong kernel
shows FAIL and makes the script exit 1.

    python bench/gemm.py                          # every ISA, 1 and 2 threads
    python bench/gemm.py --quick                  # fewer shapes and repeats
    python bench/gemm.py --isa avx2 --threads 1 --json /tmp/gemm.json
    python bench/gemm.py --threads 1 --clock cpu  # on a shared machine: CPU time, not wall-clock time

Comparing on an AVX2 basis: run fastnet's AVX2 kernels (``--isa avx2``, or ``FASTNET_ISA=avx2`` which picks
the path at import) and pin OpenBLAS to its AVX2 kernel with ``OPENBLAS_CORETYPE=Haswell`` (read when numpy
loads OpenBLAS, so it has to be in the environment of the command):

    OPENBLAS_CORETYPE=Haswell python bench/gemm.py --isa avx2

For numpy's fastest GEMM (OpenBLAS's native kernel for this CPU, e.g. SkylakeX on AVX-512 parts), unset
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE together, in that one command only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/gemm.py

Operands start at 64-byte boundaries (--alignment 64, the default), as fastnet's buffers do in training (each
layer's weights, its inputs and activations); numpy's own arrays start wherever malloc puts them, usually 16 bytes
past a boundary, which costs a kernel that loads whole 64-byte lines (AVX-512) every other line twice: fastnet's
forward then copies such inputs first (csrc/kernels/dense_simd.inc, "Aligned rows"). --alignment numpy measures
that case (what predict() on a caller's array does). The results fastnet returns are allocated by numpy either way.

The header prints the OpenBLAS kernel actually in use (threadpoolctl's ``architecture``); check it before
reading the ratios. The machine should be otherwise idle.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import fastnet
from fastnet._core import kernels as K

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers as P  # noqa: E402

OPS = ("forward", "backward_input", "backward_weight")
FULL_M = (128, 1024)
FULL_NK = (256, 784, 1024)
QUICK_NK = (256, 1024)


def blas_info() -> List[Dict[str, Any]]:
    return [
        {k: d.get(k) for k in ("internal_api", "architecture", "version", "threading_layer", "filepath")}
        for d in threadpool_info()
        if d.get("user_api") == "blas"
    ]


def best_seconds(
    fn: Callable[[], Any], repeats: int, min_s: float, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Best per-call time over `repeats` runs; each run loops fn until min_s has passed."""
    fn()  # warm-up (first-touch, thread start)
    t0 = clock()
    fn()
    once = max(clock() - t0, 1e-7)
    inner = max(1, int(math.ceil(min_s / once)))
    best = float("inf")
    for _ in range(repeats):
        t0 = clock()
        for _ in range(inner):
            fn()
        best = min(best, (clock() - t0) / inner)
    return best


def aligned_copy(a: np.ndarray, align: int) -> np.ndarray:
    """a in a new array whose data starts at a multiple of ``align`` bytes (numpy itself aligns to 16)."""
    buf = np.empty(a.nbytes + align, np.uint8)
    start = -buf.ctypes.data % align
    out = buf[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


def make_case(op: str, M: int, N: int, Kd: int, rng: np.random.Generator, align: int = 64):
    """(fastnet call, numpy call, check(result) -> max relative error or None if not close). Operands start at a
    multiple of ``align`` bytes (0: wherever numpy puts them)."""

    def r(*shape: int) -> np.ndarray:
        a = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
        return aligned_copy(a, align) if align else a

    if op == "forward":
        X, W, b = r(M, Kd), r(N, Kd), r(N)
        ref = X.astype(np.float64) @ W.astype(np.float64).T + b
        return (lambda: K.dense_forward(X, W, b)), (lambda: X @ W.T), (lambda out: [(out, ref)])
    if op == "backward_input":
        dY, W = r(M, N), r(N, Kd)
        ref = dY.astype(np.float64) @ W.astype(np.float64)
        return (lambda: K.dense_backward_input(dY, W)), (lambda: dY @ W), (lambda out: [(out, ref)])
    dY, X = r(M, N), r(M, Kd)
    ref_w = dY.astype(np.float64).T @ X.astype(np.float64)
    ref_b = dY.astype(np.float64).sum(axis=0)
    return (
        (lambda: K.dense_backward_weight(dY, X)),
        (lambda: dY.T @ X),
        (lambda out: [(out[0], ref_w), (out[1], ref_b)]),
    )


def close(pairs: List[Tuple[Any, np.ndarray]]) -> Tuple[bool, float]:
    ok, worst = True, 0.0
    for got, ref in pairs:
        got = np.asarray(got, dtype=np.float64)
        scale = float(np.abs(ref).max()) or 1.0
        if got.shape != ref.shape:
            return False, float("inf")
        ok = ok and bool(np.allclose(got, ref, rtol=1e-4, atol=1e-4 * scale))
        worst = max(worst, float(np.abs(got - ref).max()) / scale)
    return ok, worst


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--repeats", type=int, default=5, help="best of this many runs (default 5; --quick: 3)")
    ap.add_argument("--min-ms", type=float, default=20.0, help="each run loops the call at least this long")
    ap.add_argument("--isa", default="", help="comma-separated subset of fastnet.available_isas()")
    ap.add_argument("--quick", action="store_true", help="N, K in {256, 1024} only, 3 repeats, 10 ms runs")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument(
        "--alignment",
        choices=("64", "numpy"),
        default="64",
        help="64 (default): operands start at 64-byte boundaries, as fastnet's own buffers do in training; numpy: "
        "where numpy allocates them (16-byte aligned: what predict() on a caller's array gets)",
    )
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall (default) or cpu: the calling thread's CPU time, which leaves out the time other processes took "
        "the core (for a shared machine; 1 thread only, as the other threads' time would not be counted)",
    )
    args = ap.parse_args(argv)

    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    if args.clock == "cpu" and threads != [1]:
        ap.error("--clock cpu measures the calling thread only: use it with --threads 1")
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    avail = fastnet.available_isas()
    isas = [s.strip() for s in args.isa.split(",") if s.strip()] or avail
    missing = [s for s in isas if s not in avail]
    if missing:
        ap.error(f"ISA {missing} not available here (available: {avail})")
    repeats = args.repeats if not args.quick or args.repeats != 5 else 3
    min_s = (args.min_ms if not args.quick or args.min_ms != 20.0 else 10.0) / 1000.0
    nk = QUICK_NK if args.quick else FULL_NK
    shapes = [(M, N, Kd) for M in FULL_M for N in nk for Kd in nk]

    blas = blas_info()
    kernel = ", ".join(f"{b['internal_api']}/{b['architecture']} {b['version']}" for b in blas) or "none found"
    machine = {
        "cpu": P.cpu_model(),
        "cores": os.cpu_count(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "fastnet": fastnet.__version__,
        "fastnet_isas": avail,
        "fastnet_isa_at_import": fastnet.get_isa(),
        "numpy_blas": blas,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "FASTNET_ISA": os.environ.get("FASTNET_ISA"),
        "loadavg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "clock": args.clock,
        "alignment": args.alignment,
    }
    print(f"machine : {machine['cpu']} ({machine['cores']} cores), {machine['date']}")
    print(
        f"fastnet : {machine['fastnet']}, ISAs {avail} (at import: {machine['fastnet_isa_at_import']}; "
        f"FASTNET_ISA={machine['FASTNET_ISA']})"
    )
    print(f"numpy   : {machine['numpy']}, BLAS {kernel}")
    print(f"env     : OPENBLAS_CORETYPE={machine['OPENBLAS_CORETYPE']} OPENBLAS_L2_SIZE={machine['OPENBLAS_L2_SIZE']}")
    print(f"load    : 1-min load average {machine['loadavg_1min']} (should be near 0: the machine must be idle)")
    print(f"operands: {'64-byte aligned' if args.alignment == '64' else 'numpy-allocated (16-byte aligned)'}")
    print(f"timing  : best of {repeats} runs of >= {min_s * 1e3:.0f} ms ({args.clock} clock); GFLOP/s = 2·M·N·K / time")
    print()

    rng = np.random.default_rng(0)
    align = 64 if args.alignment == "64" else 0
    cases = {(op, s): make_case(op, *s, rng, align) for s in shapes for op in OPS}
    rows: List[Dict[str, Any]] = []
    hdr = f"{'isa':<8}{'thr':>4}{'M':>6}{'N':>6}{'K':>6}  {'op':<16}{'fastnet':>9}{'numpy':>9}{'ratio':>7}  check"
    print(hdr)
    print("-" * len(hdr))
    numpy_cache: Dict[Tuple[int, str, Tuple[int, int, int]], float] = {}
    failed = 0
    for nt in threads:
        fastnet.set_num_threads(nt)
        with threadpool_limits(limits=nt, user_api="blas"):
            for isa in isas:
                fastnet.set_isa(isa)
                for s in shapes:
                    M, N, Kd = s
                    flops = 2.0 * M * N * Kd
                    for op in OPS:
                        f_fast, f_np, check = cases[(op, s)]
                        ok, err = close(check(f_fast()))
                        failed += not ok
                        t_fast = best_seconds(f_fast, repeats, min_s, clock)
                        key = (nt, op, s)
                        if key not in numpy_cache:  # numpy does not depend on fastnet's ISA: time it once
                            numpy_cache[key] = best_seconds(f_np, repeats, min_s, clock)
                        t_np = numpy_cache[key]
                        g_fast, g_np = flops / t_fast / 1e9, flops / t_np / 1e9
                        row = {
                            "isa": isa,
                            "threads": nt,
                            "M": M,
                            "N": N,
                            "K": Kd,
                            "op": op,
                            "fastnet_gflops": g_fast,
                            "numpy_gflops": g_np,
                            "ratio": g_fast / g_np,
                            "ok": ok,
                            "max_rel_err": err,
                        }
                        rows.append(row)
                        print(
                            f"{isa:<8}{nt:>4}{M:>6}{N:>6}{Kd:>6}  {op:<16}{g_fast:>9.1f}{g_np:>9.1f}"
                            f"{g_fast / g_np:>7.2f}  {'ok' if ok else 'FAIL'} ({err:.1e})",
                            flush=True,
                        )

    print()
    print("summary: geometric mean of fastnet/numpy over shapes")
    print(f"{'isa':<8}{'thr':>4}  " + "".join(f"{op:>17}" for op in OPS) + f"{'all':>8}")
    summary = []
    for nt in threads:
        for isa in isas:
            sel = [r for r in rows if r["isa"] == isa and r["threads"] == nt]
            per = {op: math.exp(np.mean([math.log(r["ratio"]) for r in sel if r["op"] == op])) for op in OPS}
            allg = math.exp(np.mean([math.log(r["ratio"]) for r in sel]))
            summary.append({"isa": isa, "threads": nt, **per, "all": allg})
            print(f"{isa:<8}{nt:>4}  " + "".join(f"{per[op]:>17.2f}" for op in OPS) + f"{allg:>8.2f}")
    if failed:
        print(f"\n{failed} result(s) FAILED the check against numpy")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"machine": machine, "repeats": repeats, "min_s": min_s, "rows": rows, "summary": summary}, f, indent=1
            )
        print(f"wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
