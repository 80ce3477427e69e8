#!/usr/bin/env python
"""Run every benchmark configuration against every available peer in one process and report ratios.

    python bench/compare.py [--quick] [--threads 2] [--out bench/results] [--only 1,3,5]

Prints the machine (date, CPU model, thread count, fastnet's ISA, numpy's BLAS kernel, background load) and a table
(config, metric, fastnet, peer, peer value, fastnet/peer, target, result), and writes into the out folder
results.md (the same table in Markdown), results.json (raw numbers) and results.png (a bar chart of fastnet's
speed-up over each peer; needs matplotlib).

Configurations (MNIST, data/mnist; training sets are the first 50,000 training images unless said otherwise):
  1  online learning, batch 1, 784-30-10 sigmoid/sigmoid, MSE, SGD lr 0.1 momentum 0.9 — samples/s
     (plus FANN's fastest incremental mode, lr 0.7 without momentum, against fastnet with the same settings)
  2  the textbook recipe: batch 10, 784-30-10 sigmoid, MSE, lr 3.0, no momentum — seconds per 50,000-sample epoch
  3  batch 128, 784-256-10 relu/softmax cross-entropy, lr 0.1 momentum 0.9, 1 and --threads threads — samples/s
  4  batch 1024, 784-1024-1024-10 relu/softmax, --threads threads — samples/s and GFLOP/s (6 x weights per
     sample) against numpy's float32 matmul GFLOP/s, and fastnet's 1 -> --threads thread scaling
  5  inference latency, batch 1, 784-128-10 sigmoid — median microseconds per call
  6  time to 98.0% test accuracy with recipe 3 (60,000 training, 10,000 test images, at most 15 epochs) —
     training seconds, evaluation excluded
  7  sparse layers: 784-1000-1000-10 relu/softmax with every layer fn.Sparse at density 1%, 5%, 10%, 20%, 100%,
     batch 128 and batch 1, --threads threads — samples/s against fastnet Dense of the same shape, PyTorch dense
     with a fixed 0/1 mask (w * mask in forward) and FANN 2.2 fann_create_sparse_array (batch 1 only);
     connection updates/s (samples/s x connections) against FANN's; samples/s x density relative to the 1% point
  8  examples/mnist_fast.py's recipe (784-256-10, batch 128, label smoothing 0.1, SGD nesterov 0.9, OneCycle to
     lr 0.3, 2 epochs of the 60,000 training images) in fastnet and PyTorch: training seconds and test accuracy
     (target: >= 98.0% in <= 1.0 s for fastnet)

Slow peers are timed on a prefix of the training set (and epoch times extrapolated); the table's notes say so.
No result is asserted: the result column compares with the targets and the exit status is 0 either way.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
import traceback
from typing import Any, Dict, List, Optional

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers as P  # noqa: E402

N_TRAIN = 50_000


# ------------------------------------------------------------------------------------------------- environment
def _system_busy_s() -> float:
    """CPU seconds spent busy by the whole machine since boot (all cores, from /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


class OtherLoad:
    """Average number of cores kept busy by *other* processes between start() and stop() (None off Linux)."""

    def start(self) -> OtherLoad:
        try:
            self.b0, self.o0, self.t0 = _system_busy_s(), _own_cpu_s(), time.perf_counter()
        except (OSError, ValueError, IndexError):
            self.b0 = None
        return self

    def stop(self) -> Optional[float]:
        if getattr(self, "b0", None) is None:
            return None
        try:
            b1, o1, t1 = _system_busy_s(), _own_cpu_s(), time.perf_counter()
        except (OSError, ValueError, IndexError):
            return None
        return round(max(0.0, ((b1 - self.b0) - (o1 - self.o0)) / max(t1 - self.t0, 1e-9)), 2)


def background_load(seconds: float = 1.0) -> Optional[float]:
    """Cores kept busy by other processes over the next `seconds`."""
    m = OtherLoad().start()
    time.sleep(seconds)
    return m.stop()


def environment(threads: int) -> Dict[str, Any]:
    import fastnet as fn
    env: Dict[str, Any] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": P.cpu_model(),
        "cores": os.cpu_count(),
        "threads": threads,
        "python": platform.python_version(),
        "fastnet": fn.__version__,
        "fastnet_isa": fn.get_isa(),
        "fastnet_isas": fn.available_isas(),
        "numpy": np.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "(unset)"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)"),
    }
    peers: Dict[str, str] = {}
    try:
        torch = P.torch_module()
        peers["torch"] = f"torch {torch.__version__}"
    except P.Unavailable as exc:
        peers["torch"] = f"unavailable: {exc}"
    peers["numpy"] = f"numpy {np.__version__}"
    try:
        import sklearn
        peers["sklearn"] = f"scikit-learn {sklearn.__version__}"
    except ImportError as exc:
        peers["sklearn"] = f"unavailable: {exc}; pip install scikit-learn"
    try:
        _, path = P.fann_lib()
        peers["fann"] = f"FANN 2.2 ({path})"
    except P.Unavailable as exc:
        peers["fann"] = f"unavailable: {exc}"
    env["peers"] = peers
    env["numpy_blas"] = P.blas_info()   # after importing sklearn/scipy, so every BLAS in the process is listed
    load = background_load()
    env["background_load_cores"] = None if load is None else round(load, 2)
    try:
        env["loadavg"] = os.getloadavg()[0]
    except OSError:
        env["loadavg"] = None
    return env


# ------------------------------------------------------------------------------------------------- results
class Report:
    def __init__(self) -> None:
        self.rows: List[Dict[str, Any]] = []
        self.raw: Dict[str, Any] = {}
        self.notes: List[str] = []

    def row(self, config: str, metric: str, fastnet: Optional[float], peer: str, value: Optional[float] = None,
            lower_is_better: bool = False, target: Optional[float] = None, skip: Optional[str] = None,
            note: str = "") -> None:
        ratio = None
        if fastnet is not None and value:
            ratio = fastnet / value
        if skip:
            result = "skip"
        elif ratio is None:
            result = "n/a"
        elif target is None:
            result = "info"
        else:
            ok = ratio <= target if lower_is_better else ratio >= target
            result = "PASS" if ok else "FAIL"
        self.rows.append({"config": config, "metric": metric, "fastnet": fastnet, "peer": peer, "peer_value": value,
                          "ratio": ratio, "lower_is_better": lower_is_better, "target": target,
                          "target_text": None if target is None else (f"<= {target:g}" if lower_is_better
                                                                      else f">= {target:g}"),
                          "result": result, "skip": skip, "note": note})

    @staticmethod
    def fmt(v: Optional[float]) -> str:
        if v is None:
            return "-"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 100:
            return f"{v:.1f}"
        if abs(v) >= 1:
            return f"{v:.3g}" if abs(v) < 10 else f"{v:.2f}"
        return f"{v:.3g}"

    HEAD = ("config", "metric", "fastnet", "peer", "peer value", "fastnet/peer", "target", "result")
    WIDTHS = (16, 30, 11, 40, 11, 12, 8, 6)

    def header_line(self) -> str:
        return "  ".join(h.ljust(w) for h, w in zip(self.HEAD, self.WIDTHS))

    def cells(self, r: Dict[str, Any]) -> List[str]:
        peer_value = self.fmt(r["peer_value"]) if not r["skip"] else "skipped"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3g}"
        return [r["config"], r["metric"], self.fmt(r["fastnet"]), r["peer"], peer_value, ratio,
                r["target_text"] or "-", r["result"]]

    def _print(self, r: Dict[str, Any]) -> None:
        print("  ".join(c.ljust(w) for c, w in zip(self.cells(r), self.WIDTHS)), flush=True)
        if r["skip"]:
            print(f"    skipped: {r['skip']}", flush=True)
        if r["note"]:
            print(f"    note: {r['note']}", flush=True)

    def print_table(self) -> None:
        print()
        print(self.header_line())
        print("-" * (sum(self.WIDTHS) + 2 * len(self.WIDTHS)))
        for r in self.rows:
            self._print(r)
        for n in self.notes:
            print(f"note: {n}")
        t = [r for r in self.rows if r["result"] in ("PASS", "FAIL")]
        print(f"\n{sum(r['result'] == 'PASS' for r in t)} of {len(t)} targets met; "
              f"{sum(r['result'] == 'skip' for r in self.rows)} rows skipped.")

    def markdown(self, env: Dict[str, Any], args: argparse.Namespace) -> str:
        lines = ["# fastnet benchmark results", ""]
        lines.append(f"`python bench/compare.py{' --quick' if args.quick else ''} --threads {args.threads}` — "
                     f"{env['date']}")
        lines.append("")
        for k in ("cpu", "cores", "threads", "fastnet", "fastnet_isa", "numpy_blas", "OPENBLAS_CORETYPE",
                  "OPENBLAS_L2_SIZE", "background_load_cores"):
            lines.append(f"- **{k}**: {env.get(k)}")
        lines.append("- **peers**: " + "; ".join(f"{k}: {v}" for k, v in env["peers"].items()))
        lines.append("")
        lines.append("| " + " | ".join(self.HEAD) + " | note |")
        lines.append("|" + "---|" * (len(self.HEAD) + 1))
        for r in self.rows:
            cells = self.cells(r)
            note = "; ".join(x for x in (r["note"], f"skipped: {r['skip']}" if r["skip"] else "") if x)
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells + [note]) + " |")
        lines.append("")
        lines.append("fastnet/peer is fastnet's value divided by the peer's: for rates (samples/s, GFLOP/s, scaling) "
                     "higher is better, for times (s, µs) lower is better, and the target is a bound on that ratio.")
        for n in self.notes:
            lines.append(f"- {n}")
        return "\n".join(lines) + "\n"

    def chart(self, path: str) -> Optional[str]:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return "matplotlib not installed (pip install matplotlib): no chart"
        rows = [r for r in self.rows if r["ratio"]]
        if not rows:
            return "no ratios to chart"
        labels = [f"{r['config']}: {r['metric']} vs {r['peer']}" for r in rows]
        speed = [1.0 / r["ratio"] if r["lower_is_better"] else r["ratio"] for r in rows]
        colors = ["tab:green" if r["result"] == "PASS" else "tab:red" if r["result"] == "FAIL" else "tab:gray"
                  for r in rows]
        fig, ax = plt.subplots(figsize=(11, 0.34 * len(rows) + 1.6))
        y = np.arange(len(rows))[::-1]
        ax.barh(y, speed, color=colors)
        for yi, r in zip(y, rows):
            if r["target"] is not None:
                t = 1.0 / r["target"] if r["lower_is_better"] else r["target"]
                ax.plot([t, t], [yi - 0.4, yi + 0.4], color="black", lw=2)
        for yi, s in zip(y, speed):
            ax.text(s, yi, f" {s:.3g}x", va="center", fontsize=7)
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=7)
        ax.set_xscale("log")
        ax.axvline(1.0, color="gray", lw=0.8, ls="--")
        ax.set_xlabel("fastnet advantage (x; higher is better; black tick = target; green pass, red fail, gray info)")
        ax.set_title("fastnet vs peers")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return None


def build(name: str, spec: P.Spec, **kw):
    """(trainer, None) or (None, reason)."""
    try:
        return P.make(name, spec, **kw), None
    except P.Unavailable as exc:
        return None, str(exc)


# ------------------------------------------------------------------------------------------------- configs
def config1(rep: Report, a: argparse.Namespace) -> None:
    Xtr, ytr, _, _ = P.mnist()
    q = a.quick
    spec = P.Spec((784, 30, 10), "sigmoid", "sigmoid", "mse", lr=0.1, momentum=0.9, batch_size=1, threads=a.threads)
    fast_spec = spec.with_(lr=0.7, momentum=0.0)
    # FANN slows down as training goes on (with momentum, its weight-delta buffers decay into denormal floats):
    # in the full run it is timed over whole 50,000-sample epochs, so its number is an epoch's average.
    n_fast, n_torch, n_fann, n_ctypes = (10_000, 2_000, 10_000, 5_000) if q else (N_TRAIN, 20_000, N_TRAIN, 20_000)
    raw: Dict[str, Any] = {"spec": spec.describe()}
    res = {}
    for key, sp, name, n, kw in (("fastnet", spec, "fastnet", n_fast, {}),
                                 ("fastnet_lr0.7", fast_spec, "fastnet", n_fast, {}),
                                 ("torch", spec, "torch", n_torch, {}),
                                 ("fann", spec, "fann", n_fann, {}),
                                 ("fann_ctypes_loop", spec, "fann", n_ctypes, {"per_sample_ctypes": True}),
                                 ("fann_lr0.7", fast_spec, "fann", n_fann, {})):
        tr, why = build(name, sp, **kw)
        if tr is None:
            res[key] = (None, why)
            progress("-", key, f"skipped: {why}")
            continue
        dt = P.time_train(tr, Xtr[:n], ytr[:n], repeats=a.repeats, warmup=500)
        res[key] = (n / dt, None)
        raw[key] = {"samples": n, "seconds": dt, "samples_per_s": n / dt}
        progress("1", key, f"{n / dt:,.0f} samples/s ({n:,} samples in {dt:.2f} s)")
    rep.raw["1_online"] = raw
    f = res["fastnet"][0]
    c = "1 online b=1"
    rep.row(c, "train samples/s", f, "torch", **pv(res["torch"]), target=20,
            note=f"torch timed on {n_torch:,} samples, fastnet on {n_fast:,}")
    rep.row(c, "train samples/s", f, "FANN incremental (lr .1, mom .9)", **pv(res["fann"]), target=3,
            note=f"fann_train_epoch (FANN's C loop over fann_train), {n_fann:,} samples")
    rep.row(c, "train samples/s", f, "FANN, fann_train per sample via ctypes", **pv(res["fann_ctypes_loop"]),
            note=f"Python loop calling fann_train per sample (ctypes), {n_ctypes:,} samples")
    rep.row(c, "train samples/s (lr .7, mom 0)", res["fastnet_lr0.7"][0], "FANN fastest: lr .7, no momentum",
            **pv(res["fann_lr0.7"]), target=3, note="fastnet with the same lr 0.7, no momentum")


def progress(config: str, name: str, msg: str) -> None:
    print(f"  [{config}] {name}: {msg}", flush=True)


def pv(pair):
    """(value, reason-unavailable) -> keyword arguments for Report.row."""
    value, why = pair
    return {"value": value, "skip": why}


def config2(rep: Report, a: argparse.Namespace) -> None:
    Xtr, ytr, _, _ = P.mnist()
    q = a.quick
    spec = P.Spec((784, 30, 10), "sigmoid", "sigmoid", "mse", lr=3.0, momentum=0.0, batch_size=10, threads=a.threads)
    counts = {"fastnet": 10_000 if q else N_TRAIN, "torch": 2_000 if q else N_TRAIN,
              "numpy": 5_000 if q else N_TRAIN, "sklearn": 5_000 if q else N_TRAIN}
    raw: Dict[str, Any] = {"spec": spec.describe()}
    res = {}
    for name, n in counts.items():
        tr, why = build(name, spec)
        if tr is None:
            res[name] = (None, why)
            progress("-", name, f"skipped: {why}")
            continue
        dt = P.time_train(tr, Xtr[:n], ytr[:n], repeats=a.repeats)
        res[name] = (dt * N_TRAIN / n, None)
        progress("2", name, f"{dt * N_TRAIN / n:.2f} s per 50k epoch ({n:,} samples in {dt:.2f} s)")
        raw[name] = {"samples": n, "seconds": dt, "seconds_per_epoch": dt * N_TRAIN / n,
                     "extrapolated": n != N_TRAIN}
    rep.raw["2_textbook"] = raw
    c = "2 textbook b=10"

    def note(name):
        n = counts[name]
        s = f"extrapolated from {n:,} samples" if n != N_TRAIN else "a full 50,000-sample epoch"
        if name == "sklearn":
            s += "; MLPClassifier trains softmax+log-loss (no MSE option), same sizes"
        return s
    f = res["fastnet"][0]
    rep.notes.append(f"config 2 fastnet: {note('fastnet')}")
    for name in ("torch", "numpy", "sklearn"):
        rep.row(c, "s/epoch (50k)", f, name, **pv(res[name]), lower_is_better=True, note=note(name))


def config3(rep: Report, a: argparse.Namespace) -> None:
    Xtr, ytr, _, _ = P.mnist()
    q = a.quick
    counts = {"fastnet": 10_000 if q else N_TRAIN, "torch": 5_000 if q else N_TRAIN,
              "numpy": 5_000 if q else N_TRAIN, "sklearn": 5_000 if q else N_TRAIN}
    raw: Dict[str, Any] = {}
    thread_counts = [1] if a.threads == 1 else [1, a.threads]
    for th in thread_counts:
        spec = P.Spec((784, 256, 10), "relu", "softmax", "cross_entropy", lr=0.1, momentum=0.9, batch_size=128,
                      threads=th)
        res = {}
        r: Dict[str, Any] = {"spec": spec.describe()}
        for name, n in counts.items():
            tr, why = build(name, spec)
            if tr is None:
                res[name] = (None, why)
                progress("-", name, f"skipped: {why}")
                continue
            dt = P.time_train(tr, Xtr[:n], ytr[:n], repeats=a.repeats)
            res[name] = (n / dt, None)
            r[name] = {"samples": n, "seconds": dt, "samples_per_s": n / dt}
            progress(f"3 {th}T", name, f"{n / dt:,.0f} samples/s ({n:,} samples in {dt:.2f} s)")
        raw[f"{th}_threads"] = r
        c = f"3 b=128 {th}T"
        f = res["fastnet"][0]
        for name in ("torch", "numpy", "sklearn"):
            rep.row(c, "train samples/s", f, name, **pv(res[name]), target=1.5 if name == "torch" else None,
                    note=f"{name} on {counts[name]:,} samples, fastnet on {counts['fastnet']:,}")
    rep.raw["3_batch128"] = raw


def config4(rep: Report, a: argparse.Namespace) -> None:
    Xtr, ytr, _, _ = P.mnist()
    q = a.quick
    spec = P.Spec((784, 1024, 1024, 10), "relu", "softmax", "cross_entropy", lr=0.1, momentum=0.9,
                  batch_size=1024, threads=a.threads)
    flops_per_sample = 6 * spec.num_weights
    nb = {"fastnet": 4 if q else 16, "fastnet_1T": 3 if q else 8, "torch": 3 if q else 16, "numpy": 3 if q else 16}
    raw: Dict[str, Any] = {"spec": spec.describe(), "flops_per_sample": flops_per_sample}
    res = {}
    for key, n_batches in nb.items():
        name = key.split("_")[0]
        sp = spec.with_(threads=1) if key.endswith("_1T") else spec
        tr, why = build(name, sp)
        if tr is None:
            res[key] = (None, why)
            progress("-", key, f"skipped: {why}")
            continue
        n = n_batches * spec.batch_size
        dt = P.time_train(tr, Xtr[:n], ytr[:n], repeats=a.repeats, warmup=spec.batch_size)
        res[key] = (n / dt, None)
        raw[key] = {"samples": n, "seconds": dt, "samples_per_s": n / dt, "gflops": n / dt * flops_per_sample / 1e9}
        progress("4", key, f"{n / dt:,.0f} samples/s, {raw[key]['gflops']:.1f} GFLOP/s ({n:,} samples in {dt:.2f} s)")
    mm = P.matmul_gflops(a.threads, repeats=5 if q else 10)
    mm1 = P.matmul_gflops(1, repeats=3 if q else 5)
    raw["numpy_matmul_gflops"] = mm
    progress("4", f"numpy matmul ({a.threads}T)", ", ".join(f"{k}: {v:.1f} GFLOP/s" for k, v in mm.items()))
    progress("4", "numpy matmul (1T)", ", ".join(f"{k}: {v:.1f} GFLOP/s" for k, v in mm1.items()))
    raw["numpy_matmul_gflops_1_thread"] = mm1
    rep.raw["4_large"] = raw
    c = f"4 b=1024 {a.threads}T"
    f = res["fastnet"][0]

    def gf(key):
        v = res[key][0]
        return f"{key}: {v * flops_per_sample / 1e9:.1f} GFLOP/s" if v else ""
    rep.row(c, "train samples/s", f, "torch", **pv(res["torch"]), target=1.2,
            note="; ".join(x for x in (gf("fastnet"), gf("torch")) if x) + f"; {nb['torch'] * 1024:,} samples")
    rep.row(c, "train samples/s", f, "numpy network", **pv(res["numpy"]),
            note="; ".join(x for x in (gf("fastnet"), gf("numpy")) if x) + f"; {nb['numpy'] * 1024:,} samples")
    g = None if f is None else f * flops_per_sample / 1e9
    best_label = max(mm, key=mm.get)
    rep.row(c, "GFLOP/s (6 x weights/sample)", g, f"numpy matmul, best ({best_label})", mm[best_label], target=0.7,
            note="; ".join(f"{k}: {v:.1f}" for k, v in mm.items()) + f"; numpy BLAS: {P.blas_info()}")
    f1 = res["fastnet_1T"][0]
    rep.row(c, f"fastnet {a.threads}T / 1T scaling", f, "fastnet 1 thread (samples/s)", f1, skip=res["fastnet_1T"][1],
            target=1.8 if a.threads >= 2 else None,
            note=f"1 thread: {f1 * flops_per_sample / 1e9:.1f} GFLOP/s vs numpy 1-thread matmul best "
                 f"{max(mm1.values()):.1f}" if f1 else "")


def config5(rep: Report, a: argparse.Namespace) -> None:
    _, _, Xte, _ = P.mnist()
    spec = P.Spec((784, 128, 10), "sigmoid", "sigmoid", "mse", threads=a.threads)
    calls = 1_000 if a.quick else 5_000
    x = np.ascontiguousarray(Xte[:1])
    raw: Dict[str, Any] = {"spec": spec.describe(), "calls": calls}
    res = {}
    for name in ("fastnet", "torch", "fann", "numpy"):
        tr, why = build(name, spec)
        if tr is None:
            res[name] = (None, why)
            progress("-", name, f"skipped: {why}")
            continue
        best = min(P.latency_us(name, tr, x, calls) for _ in range(a.repeats))
        res[name] = (best, None)
        raw[name] = {"median_us": best}
        progress("5", name, f"median {best:.2f} us")
    rep.raw["5_latency"] = raw
    c = "5 latency b=1"
    f = res["fastnet"][0]
    rep.row(c, "median us / predict", f, "torch (inference_mode)", **pv(res["torch"]), lower_is_better=True,
            target=0.2,
            note="fastnet: net.predict on a (1,784) array; torch: model(x) inside one inference_mode block")
    rep.row(c, "median us / predict", f, "FANN fann_run (ctypes)", **pv(res["fann"]), lower_is_better=True)
    rep.row(c, "median us / predict", f, "numpy", **pv(res["numpy"]), lower_is_better=True)


def config6(rep: Report, a: argparse.Namespace) -> None:
    Xtr, ytr, Xte, yte = P.mnist()
    target, max_epochs = (0.97, 5) if a.quick else (0.98, 15)
    spec = P.Spec((784, 256, 10), "relu", "softmax", "cross_entropy", lr=0.1, momentum=0.9, batch_size=128,
                  threads=a.threads)
    raw: Dict[str, Any] = {"spec": spec.describe(), "target": target, "max_epochs": max_epochs}
    res = {}
    for name in ("fastnet", "torch"):
        tr, why = build(name, spec)
        if tr is None:
            res[name] = (None, why)
            progress("-", name, f"skipped: {why}")
            continue
        r = P.time_to_accuracy(tr, Xtr, ytr, Xte, yte, target, max_epochs)
        raw[name] = r
        res[name] = (r["seconds"] if r["reached"] else None,
                     None if r["reached"] else f"did not reach {target:.1%} in {max_epochs} epochs")
        progress("6", name, f"{r['epochs']} epochs, {r['seconds']:.2f} s training; test accuracy per epoch "
                 + ", ".join(f"{x:.4f}" for x in r["accuracies"]))
    rep.raw["6_time_to_accuracy"] = raw
    c = f"6 to {target:.1%} {a.threads}T"
    f = res["fastnet"][0]
    ep = {k: raw[k]["epochs"] for k in ("fastnet", "torch") if k in raw}
    rep.row(c, "training seconds", f, "torch", **pv(res["torch"]), lower_is_better=True, target=0.5,
            note="epochs: " + ", ".join(f"{k} {v}" for k, v in ep.items()) + "; 60k train, 10k test")


SPARSE_SIZES = (784, 1000, 1000, 10)
DENSITIES = (0.01, 0.05, 0.10, 0.20, 1.0)
HEADLINE_DENSITY = 0.05
# timed samples per pass (full run; --quick halves them). Batch-128 counts are whole batches. fastnet Dense and
# torch masked do not depend on the density (torch's cost is the dense one at every density).
N7_SPARSE_B128 = {0.01: 65536, 0.05: 32768, 0.10: 20480, 0.20: 12288, 1.0: 3072}
N7_SPARSE_B1 = {0.01: 12000, 0.05: 5000, 0.10: 3000, 0.20: 1500, 1.0: 250}
N7_FANN_B1 = {0.01: 12000, 0.05: 5000, 0.10: 3000, 0.20: 1500, 1.0: 250}
N7_DENSE = {128: 6144, 1: 600}
N7_TORCH = {128: 4096, 1: 120}


def _pct(d: float) -> str:
    return f"{d * 100:g}%"


def config7(rep: Report, a: argparse.Namespace) -> None:
    Xtr, ytr, _, _ = P.mnist()
    q, T = a.quick, a.threads

    def n_of(table, key, bs):
        n = table[key] // 2 if q else table[key]
        return max(bs, n // bs * bs)

    base = P.SparseSpec(SPARSE_SIZES, "relu", "softmax", "cross_entropy", lr=0.01, momentum=0.9, threads=T)
    raw: Dict[str, Any] = {"spec": base.describe(), "densities": list(DENSITIES), "runs": {}}
    res: Dict[Any, Any] = {}      # (impl, batch, density) -> (samples/s or None, reason)
    conn: Dict[Any, int] = {}     # (impl, density) -> connections

    def measure(key, name, spec, n, warmup):
        tr, why = build(name, spec)
        if tr is None:
            res[key] = (None, why)
            progress("-", f"{name} b={key[1]}", f"skipped: {why}")
            return
        if hasattr(tr, "connections"):
            conn[(key[0], key[2])] = int(tr.connections)
        dt = P.time_train(tr, Xtr[:n], ytr[:n], repeats=a.repeats, warmup=warmup)
        res[key] = (n / dt, None)
        c = conn.get((key[0], key[2]))
        raw["runs"]["/".join(map(str, key))] = {"samples": n, "seconds": dt, "samples_per_s": n / dt,
                                                "connections": c}
        extra = f", {n / dt * c / 1e6:,.0f} M connection updates/s" if c else ""
        progress(f"7 {_pct(key[2]) if key[2] else 'dense'} b={key[1]}", key[0],
                 f"{n / dt:,.0f} samples/s{extra} ({n:,} samples in {dt:.2f} s)")
        del tr

    for d in DENSITIES:
        for bs in (128, 1):
            sp = base.with_(density=d, batch_size=bs)
            table = N7_SPARSE_B128 if bs == 128 else N7_SPARSE_B1
            measure(("fastnet_sparse", bs, d), "fastnet_sparse", sp, n_of(table, d, bs), 2 * bs if bs > 1 else 50)
            measure(("torch_masked", bs, d), "torch_masked", sp, n_of(N7_TORCH, bs, bs), 2 * bs if bs > 1 else 20)
        # FANN's fastest incremental mode (no momentum): with momentum 0.9 it slows down as it trains (measured
        # too at the headline density, as an info row)
        sp = base.with_(density=d, batch_size=1, momentum=0.0)
        measure(("fann_sparse", 1, d), "fann_sparse", sp, n_of(N7_FANN_B1, d, 1), 50)
        if d == HEADLINE_DENSITY:
            measure(("fann_sparse_mom", 1, d), "fann_sparse", sp.with_(momentum=base.momentum),
                    n_of(N7_FANN_B1, d, 1), 50)
    for bs in (128, 1):
        measure(("fastnet", bs, None), "fastnet", P.Spec(SPARSE_SIZES, "relu", "softmax", "cross_entropy", lr=0.01,
                                                          momentum=0.9, batch_size=bs, threads=T),
                n_of(N7_DENSE, bs, bs), 2 * bs if bs > 1 else 20)
    raw["connections"] = {f"{k[0]}/{k[1]}": v for k, v in conn.items()}
    rep.raw["7_sparse"] = raw

    def sps(impl, bs, d):
        return res.get((impl, bs, d), (None, "not measured"))

    def cups(impl, bs, d):
        v, why = sps(impl, bs, d)
        c = conn.get((impl, d))
        return (v * c / 1e6 if v and c else None), why

    dense = {bs: sps("fastnet", bs, None) for bs in (128, 1)}
    for d in DENSITIES:
        head = d == HEADLINE_DENSITY
        nnz = conn.get(("fastnet_sparse", d))
        fann_c = conn.get(("fann_sparse", d))
        for bs in (128, 1):
            c = f"7 {_pct(d)} b{bs} {T}T"
            f = sps("fastnet_sparse", bs, d)[0]
            rep.row(c, "train samples/s", f, f"fastnet Dense {'-'.join(map(str, SPARSE_SIZES))}", **pv(dense[bs]),
                    target=8 if head and bs == 128 else None,
                    note=(f"fastnet Sparse: {nnz:,} connections (sum of nnz)" if nnz and bs == 128 else ""))
            rep.row(c, "train samples/s", f, "torch dense x fixed 0/1 mask", **pv(sps("torch_masked", bs, d)),
                    target=5 if head and bs == 128 else None,
                    note=f"torch: F.linear(x, w * mask, b), SGD momentum, {n_of(N7_TORCH, bs, bs):,} samples"
                    if bs == 128 or head else "")
            if bs == 1:
                rep.row(c, "train samples/s", f, "FANN sparse, fann_train_epoch (b=1)", **pv(sps("fann_sparse", 1, d)),
                        note=f"FANN: {fann_c:,} connections incl. biases (fann_get_total_connections), "
                             f"momentum 0 (its fastest mode)" if fann_c else "")
                if head:
                    rep.row(c, "train samples/s", f, f"FANN sparse, momentum {base.momentum:g} (as fastnet)",
                            **pv(sps("fann_sparse_mom", 1, d)),
                            note="FANN slows down as it trains with momentum; not the headline peer")
            rep.row(c, "M connection updates/s", cups("fastnet_sparse", bs, d)[0],
                    "FANN sparse b=1 mom 0 (samples/s x conn)", **pv(cups("fann_sparse", 1, d)),
                    target=10 if head and bs == 128 else None,
                    note=f"fastnet batch {bs} vs FANN batch 1 (FANN cannot batch)")
    for bs in (128, 1):
        f1 = sps("fastnet_sparse", bs, DENSITIES[0])[0]
        for d in DENSITIES[1:]:
            if d > 0.2:
                continue
            f = sps("fastnet_sparse", bs, d)[0]
            rep.row(f"7 {_pct(d)} b{bs} {T}T", "samples/s x density", None if f is None else f * d,
                    f"fastnet Sparse at {_pct(DENSITIES[0])} (samples/s x {DENSITIES[0]:g})",
                    None if f1 is None else f1 * DENSITIES[0],
                    note=("cost-vs-density linearity: 1.0 = time per sample proportional to density; above 1 = "
                          "per-sample costs that do not shrink with density weigh at 1%") if d == 0.05 else "")
    rep.notes.append("config 7: 784-1000-1000-10 relu/softmax, every layer sparse at the density, SGD lr 0.01 "
                     "momentum 0.9; FANN 2.2 uses sigmoid on every layer (no relu/softmax) and MSE, without "
                     "momentum (its fastest incremental mode), and its sparse incremental training does not learn "
                     "(a known FANN bug: test accuracy stays at chance): only its speed is compared. "
                     "torch masked trains the same topology as fastnet Sparse.")


def config8(rep: Report, a: argparse.Namespace) -> None:
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "mnist_fast.py")
    spec = importlib.util.spec_from_file_location("mnist_fast", path)
    assert spec is not None and spec.loader is not None
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    import fastnet as fn

    fn.set_num_threads(a.threads)
    Xtr, ytr, Xte, yte = P.mnist()
    net, seconds = ex.train_fastnet(Xtr, ytr, ex.EPOCHS, 0)
    acc = float(net.evaluate(Xte, yte, metrics=["accuracy"])["accuracy"])
    raw: Dict[str, Any] = {"fastnet": {"seconds": seconds, "accuracy": acc}}
    progress("8", "fastnet", f"{seconds:.2f} s training, test accuracy {acc:.4f}")
    c = f"8 mnist_fast {a.threads}T"
    try:
        t_seconds, t_acc = ex.train_torch(Xtr, ytr, Xte, yte, ex.EPOCHS, 0, a.threads)
        raw["torch"] = {"seconds": t_seconds, "accuracy": t_acc}
        progress("8", "torch", f"{t_seconds:.2f} s training, test accuracy {t_acc:.4f}")
        torch_res: Dict[str, Any] = {"value": t_seconds}
    except ImportError as e:
        torch_res = {"value": None, "skip": f"torch not importable: {e}"}
    rep.raw["8_mnist_fast"] = raw
    rep.row(c, "training seconds", seconds, "torch", **torch_res, lower_is_better=True,
            note=f"test accuracy: fastnet {acc:.2%}" + (f", torch {raw['torch']['accuracy']:.2%}" if "torch" in raw
                                                         else ""))


CONFIGS = {"1": config1, "2": config2, "3": config3, "4": config4, "5": config5, "6": config6, "7": config7,
           "8": config8}


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sample counts (about 1-2 minutes)")
    ap.add_argument("--threads", type=int, default=2, help="thread count for fastnet and the peers (default 2)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"),
                    help="folder for results.md, results.json, results.png (default bench/results)")
    ap.add_argument("--only", default="", help="comma-separated config numbers to run (default: all)")
    ap.add_argument("--repeats", type=int, default=None, help="timed passes per measurement, best kept "
                    "(default 3, 1 with --quick)")
    a = ap.parse_args(argv)
    if a.threads < 1:
        ap.error("--threads must be >= 1")
    if a.repeats is None:
        a.repeats = 1 if a.quick else 3
    chosen = [c.strip() for c in a.only.split(",") if c.strip()] or list(CONFIGS)
    for c in chosen:
        if c not in CONFIGS:
            ap.error(f"unknown config {c!r}; choose from {', '.join(CONFIGS)}")

    t_start = time.perf_counter()
    P.mnist()
    env = environment(a.threads)
    print(f"fastnet benchmark {'(quick) ' if a.quick else ''}— {env['date']}")
    print(f"CPU: {env['cpu']} ({env['cores']} logical cores); threads: {a.threads}; python {env['python']}")
    print(f"fastnet {env['fastnet']}: ISA {env['fastnet_isa']} (available: {', '.join(env['fastnet_isas'])})")
    print(f"numpy {env['numpy']} BLAS: {env['numpy_blas']}")
    print(f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']} OPENBLAS_L2_SIZE={env['OPENBLAS_L2_SIZE']} "
          f"OMP_NUM_THREADS={env['OMP_NUM_THREADS']}")
    for k, v in env["peers"].items():
        print(f"peer {k}: {v}")
    load = env["background_load_cores"]
    print(f"background load: {load if load is not None else '?'} cores busy with other processes "
          f"(load average {env['loadavg']})")
    if load is not None and load > 0.25:
        print("WARNING: other processes are using the CPU; multi-threaded timings will be low and noisy.")
    print()
    rep = Report()
    for c in chosen:
        t0 = time.perf_counter()
        meter = OtherLoad().start()
        try:
            CONFIGS[c](rep, a)
        except Exception as exc:  # one broken configuration must not lose the others' numbers
            traceback.print_exc(limit=3)
            text = f"{type(exc).__name__}: {exc}"
            short = text if len(text) <= 300 else text[:300] + " ..."
            rep.raw[f"config{c}_error"] = short
            rep.notes.append(f"config {c} failed: {short}")
        rep.raw.setdefault("config_seconds", {})[c] = round(time.perf_counter() - t0, 2)
        other = meter.stop()
        rep.raw.setdefault("other_processes_cores", {})[c] = other
        if other is not None and other > 0.2:
            msg = (f"config {c}: other processes kept {other:.2f} cores busy on average while it ran; "
                   f"its timings (above all multi-threaded ones) are unreliable")
            rep.notes.append(msg)
            print(f"  WARNING: {msg}", flush=True)

    rep.print_table()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(rep.markdown(env, a))
    with open(os.path.join(a.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"environment": env, "args": vars(a), "rows": rep.rows, "raw": rep.raw, "notes": rep.notes},
                  f, indent=2, default=str)
    msg = rep.chart(os.path.join(a.out, "results.png"))
    print(f"\nwrote {os.path.join(a.out, 'results.md')}, results.json"
          + (f"; chart skipped: {msg}" if msg else ", results.png"))
    print(f"total {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
