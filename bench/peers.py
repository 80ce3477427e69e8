"""fastnet and its peers behind one small interface, for bench/compare.py and the pytest-benchmark files.

Every implementation is a *trainer* built from the same :class:`Spec` (layer sizes, activations, loss, SGD
hyper-parameters, batch size, thread count, seed) and offers:

``activate()``
    set this implementation's thread count (call before timing: fastnet and PyTorch share one libgomp, so one
    library's ``set_num_threads`` can change the other's);
``train(X, labels)``
    one pass over ``X`` (float32 (n, 784)) in shuffled mini-batches of ``spec.batch_size``;
``accuracy(X, labels)``
    test-set accuracy (not timed);
``predict_one(x)``
    outputs for one (1, 784) sample — the call timed by the latency benchmark.

Peers that cannot be used raise :class:`Unavailable` with the reason (not installed, library not found, a
configuration the peer cannot express); compare.py prints it and pytest turns it into a skip.

Peers:

* ``torch`` — PyTorch CPU, the ordinary user loop: ``zero_grad(); out = model(xb); loss.backward(); step()`` with
  ``torch.optim.SGD``; batches are sliced from tensors with a ``randperm`` (no DataLoader: the faster way).
* ``numpy`` — the same network written in plain vectorized numpy (float32, mini-batch, matmuls through BLAS).
* ``sklearn`` — ``MLPClassifier(solver="sgd")``; one ``partial_fit`` is one pass. Its output layer is always
  softmax with log-loss, so for the sigmoid/MSE configurations it trains a softmax/cross-entropy network of the
  same sizes (same cost per sample up to the output non-linearity).
* ``fann`` — FANN 2.2 (Debian's libfann-dev) through ctypes, incremental training. ``train`` uses
  ``fann_train_epoch`` (FANN's own C loop calling ``fann_train`` per sample, no Python in the loop);
  ``FannTrainer(..., per_sample_ctypes=True)`` calls ``fann_train`` once per sample from Python instead.

Sparse layers (config 7), built from a :class:`SparseSpec` (a Spec plus ``density``, every layer at it); each has
``connections`` (weights, the sum of nnz over layers; FANN's count includes its bias connections):

* ``fastnet_sparse`` — fastnet with ``fn.Sparse`` layers;
* ``torch_masked`` — PyTorch dense weights times a fixed 0/1 mask in forward (``F.linear(x, w * mask, b)``, the
  same topology as fastnet's), ordinary SGD momentum loop;
* ``fann_sparse`` — FANN 2.2 ``fann_create_sparse_array(density, ...)``, sigmoid everywhere, incremental
  ``fann_train_epoch`` (batch 1 only). FANN 2.2's sparse incremental training does not learn (accuracy stays
  at chance); it is used for speed only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import platform
import time
import warnings
import weakref
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MNIST_DIR = os.environ.get("FASTNET_MNIST", os.path.join(REPO, "data", "mnist"))


def cpu_model() -> str:
    """The CPU's model name (for the benchmark reports)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class Unavailable(Exception):
    """This peer cannot run here (the message says why)."""


# --------------------------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Spec:
    sizes: Tuple[int, ...]
    hidden: str = "sigmoid"        # sigmoid | relu
    output: str = "sigmoid"        # sigmoid | softmax
    loss: str = "mse"              # mse (0.5*sum (y-t)^2, batch mean) | cross_entropy
    lr: float = 0.1
    momentum: float = 0.0
    batch_size: int = 1
    threads: int = 1
    seed: int = 0

    def with_(self, **kw) -> Spec:
        return replace(self, **kw)

    @property
    def num_weights(self) -> int:
        return sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def describe(self) -> str:
        return (f"{'-'.join(map(str, self.sizes))} {self.hidden}/{self.output} {self.loss}, batch {self.batch_size}, "
                f"lr {self.lr:g}, momentum {self.momentum:g}, {self.threads} thread(s)")


# ------------------------------------------------------------------------------------------------- data
@functools.lru_cache(maxsize=1)
def mnist() -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train 60k, y_train int32, X_test 10k, y_test int32), read once per process."""
    import fastnet as fn
    Xtr, ytr, Xte, yte = fn.datasets.load_mnist(MNIST_DIR)
    return (np.ascontiguousarray(Xtr, dtype=np.float32), ytr.astype(np.int32),
            np.ascontiguousarray(Xte, dtype=np.float32), yte.astype(np.int32))


def one_hot(labels: np.ndarray, k: int = 10) -> np.ndarray:
    return np.eye(k, dtype=np.float32)[labels]


# ------------------------------------------------------------------------------------------------- threads
def blas_limits(n: int):
    """A context manager limiting numpy's BLAS to n threads (threadpoolctl), or None without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=n, user_api="blas")


def blas_info() -> str:
    """numpy's BLAS library, version, kernel (architecture) and threads, as one line."""
    try:
        from threadpoolctl import threadpool_info
        rows = [d for d in threadpool_info() if d.get("user_api") == "blas"]
        if rows:
            return "; ".join(f"{d.get('internal_api')} {d.get('version')} kernel={d.get('architecture')} "
                             f"threads={d.get('num_threads')} ({os.path.basename(d.get('filepath', ''))})"
                             for d in rows)
    except ImportError:
        pass
    try:  # numpy >= 1.25 has a mode that returns a dict
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name')} {blas.get('version')} (install threadpoolctl for the active kernel)"
    except Exception:  # pragma: no cover - very old numpy
        return "unknown (install threadpoolctl)"


# ------------------------------------------------------------------------------------------------- fastnet
class FastnetTrainer:
    name = "fastnet"

    def __init__(self, spec: Spec) -> None:
        import fastnet as fn
        self.fn, self.spec = fn, spec
        self.net = fn.Network(list(spec.sizes), activation=spec.hidden, output=spec.output, loss=spec.loss,
                              seed=spec.seed)
        self.activate()

    def activate(self) -> None:
        self.fn.set_num_threads(self.spec.threads)

    def train(self, X: np.ndarray, labels: np.ndarray) -> None:
        s = self.spec
        self.net.fit(X, labels, epochs=1, batch_size=s.batch_size, lr=s.lr, momentum=s.momentum, verbose=0)

    def accuracy(self, X: np.ndarray, labels: np.ndarray) -> float:
        return float(self.net.evaluate(X, labels)["accuracy"])

    def predict_one(self, x: np.ndarray):
        return self.net.predict(x)


# ------------------------------------------------------------------------------------------------- PyTorch
def torch_module():
    try:
        import torch
    except ImportError as exc:
        raise Unavailable(f"PyTorch not importable ({exc}); pip install torch") from None
    return torch


class TorchTrainer:
    name = "torch"

    def __init__(self, spec: Spec) -> None:
        torch = torch_module()
        from torch import nn
        self.torch, self.spec = torch, spec
        torch.manual_seed(spec.seed)
        act = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[spec.hidden]
        mods: List = []
        for i, (a, b) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:])):
            mods.append(nn.Linear(a, b))
            if i < len(spec.sizes) - 2:
                mods.append(act())
        if spec.output == "sigmoid":
            mods.append(nn.Sigmoid())
        elif spec.output != "softmax":
            raise Unavailable(f"output {spec.output!r} not set up for torch")
        self.model = nn.Sequential(*mods)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=spec.lr, momentum=spec.momentum)
        if spec.output == "softmax":      # logits + cross_entropy: the ordinary (and fastest) way
            self.loss_fn: Callable = lambda out, yb, tb: torch.nn.functional.cross_entropy(out, yb)
        else:                             # 0.5 * sum over outputs of (y - t)^2, mean over the batch
            self.loss_fn = lambda out, yb, tb: 0.5 * ((out - tb) ** 2).sum() / out.shape[0]
        self.gen = torch.Generator().manual_seed(spec.seed)
        self.activate()

    def activate(self) -> None:
        self.torch.set_num_threads(self.spec.threads)

    def train(self, X: np.ndarray, labels: np.ndarray) -> None:
        torch, s = self.torch, self.spec
        Xt = torch.from_numpy(X)
        yt = torch.from_numpy(labels.astype(np.int64))
        Tt = torch.from_numpy(one_hot(labels, s.sizes[-1])) if s.loss == "mse" else None
        perm = torch.randperm(len(X), generator=self.gen)
        model, opt, loss_fn, bs = self.model, self.opt, self.loss_fn, s.batch_size
        model.train()
        for i in range(0, len(X), bs):
            idx = perm[i:i + bs]
            xb, yb = Xt[idx], yt[idx]
            tb = Tt[idx] if Tt is not None else None
            opt.zero_grad()
            loss = loss_fn(model(xb), yb, tb)
            loss.backward()
            opt.step()

    def accuracy(self, X: np.ndarray, labels: np.ndarray) -> float:
        torch = self.torch
        self.model.eval()
        with torch.inference_mode():
            pred = self.model(torch.from_numpy(X)).argmax(1).numpy()
        return float(np.mean(pred == labels))

    def predict_one(self, x):
        """x: a (1, 784) torch tensor; call inside ``torch.inference_mode()`` (the latency runner does)."""
        return self.model(x)


# ------------------------------------------------------------------------------------------------- numpy
def _sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        out = np.exp(-z)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


class NumpyMLP:
    """A dense network in plain numpy: float32, mini-batch SGD with momentum (v = mu*v + g; w -= lr*v)."""

    name = "numpy"

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        rng = np.random.default_rng(spec.seed)
        self.W: List[np.ndarray] = []
        self.b: List[np.ndarray] = []
        for a, b in zip(spec.sizes[:-1], spec.sizes[1:]):
            limit = np.sqrt(6.0 / a) if spec.hidden == "relu" else np.sqrt(6.0 / (a + b))
            self.W.append(rng.uniform(-limit, limit, (a, b)).astype(np.float32))
            self.b.append(np.zeros(b, np.float32))
        self.vW = [np.zeros_like(w) for w in self.W]
        self.vb = [np.zeros_like(b) for b in self.b]
        self.rng = np.random.default_rng(spec.seed + 1)
        self._limits = None

    def activate(self) -> None:
        if self._limits is not None:
            self._limits.restore_original_limits()
        self._limits = blas_limits(self.spec.threads)

    def _act(self, z: np.ndarray, kind: str) -> np.ndarray:
        if kind == "sigmoid":
            return _sigmoid(z)
        if kind == "relu":
            return np.maximum(z, 0.0, out=z)
        if kind == "softmax":
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            return z
        raise ValueError(kind)

    def forward(self, X: np.ndarray) -> List[np.ndarray]:
        acts = [X]
        last = len(self.W) - 1
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            z = acts[-1] @ W
            z += b
            acts.append(self._act(z, self.spec.output if i == last else self.spec.hidden))
        return acts

    def step(self, X: np.ndarray, T: np.ndarray) -> None:
        s = self.spec
        acts = self.forward(X)
        Y = acts[-1]
        n = np.float32(X.shape[0])
        if s.loss == "cross_entropy" and s.output == "softmax":
            delta = (Y - T) / n
        elif s.loss == "mse" and s.output == "sigmoid":
            delta = (Y - T) * Y * (1.0 - Y) / n
        else:
            raise Unavailable(f"numpy peer: {s.output}+{s.loss} not implemented")
        lr, mu = np.float32(s.lr), np.float32(s.momentum)
        for i in range(len(self.W) - 1, -1, -1):
            gW = acts[i].T @ delta
            gb = delta.sum(axis=0)
            if i > 0:
                A = acts[i]
                delta = delta @ self.W[i].T
                if s.hidden == "sigmoid":
                    delta *= A * (1.0 - A)
                else:
                    delta *= A > 0
            if mu:
                self.vW[i] *= mu
                self.vW[i] += gW
                self.vb[i] *= mu
                self.vb[i] += gb
                gW, gb = self.vW[i], self.vb[i]
            self.W[i] -= lr * gW
            self.b[i] -= lr * gb

    def train(self, X: np.ndarray, labels: np.ndarray) -> None:
        T = one_hot(labels, self.spec.sizes[-1])
        perm = self.rng.permutation(len(X))
        bs = self.spec.batch_size
        for i in range(0, len(X), bs):
            idx = perm[i:i + bs]
            self.step(X[idx], T[idx])

    def accuracy(self, X: np.ndarray, labels: np.ndarray) -> float:
        return float(np.mean(self.forward(X)[-1].argmax(1) == labels))

    def predict_one(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)[-1]


# ------------------------------------------------------------------------------------------------- scikit-learn
class SklearnTrainer:
    name = "sklearn"

    def __init__(self, spec: Spec) -> None:
        try:
            from sklearn.neural_network import MLPClassifier
        except ImportError as exc:
            raise Unavailable(f"scikit-learn not importable ({exc}); pip install scikit-learn") from None
        self.spec = spec
        self.note = ("MLPClassifier: softmax output + log-loss (it has no MSE option)"
                     if spec.loss != "cross_entropy" else "MLPClassifier")
        act = {"sigmoid": "logistic", "relu": "relu"}[spec.hidden]
        self.clf = MLPClassifier(hidden_layer_sizes=tuple(spec.sizes[1:-1]), activation=act, solver="sgd",
                                 batch_size=spec.batch_size, learning_rate="constant", learning_rate_init=spec.lr,
                                 momentum=spec.momentum, nesterovs_momentum=False, alpha=0.0, shuffle=True,
                                 random_state=spec.seed, max_iter=1, tol=0.0)
        self.classes = np.arange(spec.sizes[-1])
        self._limits = None

    def activate(self) -> None:
        if self._limits is not None:
            self._limits.restore_original_limits()
        self._limits = blas_limits(self.spec.threads)

    def train(self, X: np.ndarray, labels: np.ndarray) -> None:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            self.clf.partial_fit(X, labels, classes=self.classes)

    def accuracy(self, X: np.ndarray, labels: np.ndarray) -> float:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return float(np.mean(self.clf.predict(X) == labels))

    def predict_one(self, x: np.ndarray) -> np.ndarray:
        return self.clf.predict_proba(x)


# ------------------------------------------------------------------------------------------------- FANN
FANN_SIGMOID = 3
FANN_TRAIN_INCREMENTAL = 0
FANN_ERRORFUNC_LINEAR = 0
FANN_LIB_CANDIDATES = ("libfloatfann.so.2", "libfloatfann.so", "libfann.so.2", "libfann.so")


class _FannTrainData(ctypes.Structure):
    """struct fann_train_data of FANN 2.2 (fann_data.h does not publish it; layout from fann_train_data.c)."""
    _fields_ = [("errno_f", ctypes.c_int), ("error_log", ctypes.c_void_p), ("errstr", ctypes.c_char_p),
                ("num_data", ctypes.c_uint), ("num_input", ctypes.c_uint), ("num_output", ctypes.c_uint),
                ("input", ctypes.POINTER(ctypes.c_void_p)), ("output", ctypes.POINTER(ctypes.c_void_p))]


@functools.lru_cache(maxsize=1)
def fann_lib() -> Tuple[ctypes.CDLL, str]:
    """The float build of FANN 2.2 (Debian: apt-get install libfann-dev), with prototypes set."""
    errors = []
    lib = path = None
    for cand in FANN_LIB_CANDIDATES:
        try:
            lib, path = ctypes.CDLL(cand), cand
            break
        except OSError as exc:
            errors.append(str(exc))
    if lib is None:
        found = ctypes.util.find_library("floatfann") or ctypes.util.find_library("fann")
        if not found:
            raise Unavailable("FANN not found (libfloatfann.so.2); apt-get install -y libfann-dev")
        lib, path = ctypes.CDLL(found), found
    P, U, F, I = ctypes.c_void_p, ctypes.c_uint, ctypes.c_float, ctypes.c_int
    protos = {
        "fann_create_standard_array": (P, [U, ctypes.POINTER(U)]),
        "fann_destroy": (None, [P]),
        "fann_set_activation_function_hidden": (None, [P, I]),
        "fann_set_activation_function_output": (None, [P, I]),
        "fann_set_learning_rate": (None, [P, F]),
        "fann_set_learning_momentum": (None, [P, F]),
        "fann_set_training_algorithm": (None, [P, I]),
        "fann_set_train_error_function": (None, [P, I]),
        "fann_get_learning_rate": (F, [P]),
        "fann_train": (None, [P, P, P]),
        "fann_run": (ctypes.POINTER(F), [P, P]),
        "fann_create_train": (P, [U, U, U]),
        "fann_destroy_train": (None, [P]),
        "fann_train_epoch": (F, [P, P]),
        "fann_shuffle_train_data": (None, [P]),
        "fann_length_train_data": (U, [P]),
        "fann_num_input_train_data": (U, [P]),
        "fann_num_output_train_data": (U, [P]),
    }
    for fname, (res, args) in protos.items():
        fnc = getattr(lib, fname)
        fnc.restype, fnc.argtypes = res, args
    # the float build: fann_run of a 1-1 linear... simplest check is the library name; libfann.so is float in
    # Debian (fann.h includes floatfann.h by default). A double build would fail the round-trip check below.
    return lib, path


def _fann_free(lib, ann: int, data_ptrs: List[int]) -> None:
    for ptr in data_ptrs:
        lib.fann_destroy_train(ptr)
    data_ptrs.clear()
    if ann:
        lib.fann_destroy(ann)


class FannTrainer:
    name = "fann"

    def __init__(self, spec: Spec, per_sample_ctypes: bool = False) -> None:
        lib, self.libpath = fann_lib()
        if spec.hidden != "sigmoid" or spec.output != "sigmoid" or spec.loss != "mse":
            raise Unavailable("FANN 2.2 has no relu/softmax/cross-entropy; used only for sigmoid/MSE networks")
        self.lib, self.spec, self.per_sample = lib, spec, per_sample_ctypes
        layers = (ctypes.c_uint * len(spec.sizes))(*spec.sizes)
        self.ann = lib.fann_create_standard_array(len(spec.sizes), layers)
        if not self.ann:
            raise Unavailable("fann_create_standard_array failed")
        lib.fann_set_activation_function_hidden(self.ann, FANN_SIGMOID)   # 1/(1+exp(-2*0.5*x)): steepness 0.5
        lib.fann_set_activation_function_output(self.ann, FANN_SIGMOID)
        lib.fann_set_training_algorithm(self.ann, FANN_TRAIN_INCREMENTAL)
        lib.fann_set_train_error_function(self.ann, FANN_ERRORFUNC_LINEAR)
        lib.fann_set_learning_rate(self.ann, spec.lr)
        lib.fann_set_learning_momentum(self.ann, spec.momentum)
        if abs(lib.fann_get_learning_rate(self.ann) - spec.lr) > 1e-6:
            raise Unavailable(f"{self.libpath} does not look like FANN 2.2's float build")
        self._data: Dict[Tuple[int, int, int], Tuple[int, np.ndarray, np.ndarray]] = {}
        self._data_ptrs: List[int] = []
        self.rng = np.random.default_rng(spec.seed)
        # freed when this trainer is collected, or at exit before modules are torn down (not in __del__)
        weakref.finalize(self, _fann_free, lib, self.ann, self._data_ptrs)

    def activate(self) -> None:   # FANN is single-threaded
        pass

    def _train_data(self, X: np.ndarray, labels: np.ndarray) -> int:
        """A FANN train-data struct holding (X, one-hot labels), built once per (X, labels) pair."""
        key = (X.__array_interface__["data"][0], len(X), labels.__array_interface__["data"][0])
        hit = self._data.get(key)
        if hit is not None and hit[1] is X and hit[2] is labels:
            return hit[0]
        lib = self.lib
        n, ni, no = len(X), X.shape[1], self.spec.sizes[-1]
        ptr = lib.fann_create_train(n, ni, no)
        if not ptr:
            raise Unavailable("fann_create_train failed")
        self._data_ptrs.append(ptr)
        td = _FannTrainData.from_address(ptr)
        if (td.num_data, td.num_input, td.num_output) != (lib.fann_length_train_data(ptr),
                                                          lib.fann_num_input_train_data(ptr),
                                                          lib.fann_num_output_train_data(ptr)):
            raise Unavailable("struct fann_train_data layout differs from FANN 2.2's")
        in0, out0 = td.input[0], td.output[0]
        if n > 1 and (td.input[1] - in0 != ni * 4 or td.output[1] - out0 != no * 4):
            raise Unavailable("FANN train data is not one contiguous float block (not the float build?)")
        Xc = np.ascontiguousarray(X, dtype=np.float32)
        T = one_hot(labels, no)
        ctypes.memmove(in0, Xc.ctypes.data, Xc.nbytes)
        ctypes.memmove(out0, T.ctypes.data, T.nbytes)
        self._data[key] = (ptr, X, labels)   # holding X and labels keeps their addresses from being reused
        return ptr

    def train(self, X: np.ndarray, labels: np.ndarray) -> None:
        lib, ann = self.lib, self.ann
        if not self.per_sample:
            data = self._train_data(X, labels)
            lib.fann_shuffle_train_data(data)
            lib.fann_train_epoch(ann, data)
            return
        Xc = np.ascontiguousarray(X, dtype=np.float32)
        T = one_hot(labels, self.spec.sizes[-1])
        xa, ta = Xc.ctypes.data, T.ctypes.data
        xs, ts = Xc.strides[0], T.strides[0]
        train = lib.fann_train
        for i in self.rng.permutation(len(X)).tolist():
            train(ann, xa + i * xs, ta + i * ts)

    def accuracy(self, X: np.ndarray, labels: np.ndarray) -> float:
        Xc = np.ascontiguousarray(X, dtype=np.float32)
        run, ann, no = self.lib.fann_run, self.ann, self.spec.sizes[-1]
        base, stride = Xc.ctypes.data, Xc.strides[0]
        correct = 0
        for i in range(len(Xc)):
            out = run(ann, base + i * stride)
            correct += int(np.argmax(np.ctypeslib.as_array(out, (no,))) == labels[i])
        return correct / max(1, len(Xc))

    def predict_one(self, x_address: int):
        """x_address: the address of 784 float32s (the latency runner passes ``x.ctypes.data``)."""
        return self.lib.fann_run(self.ann, x_address)


# ------------------------------------------------------------------------------------------------- sparse layers
@dataclass(frozen=True)
class SparseSpec(Spec):
    """A Spec whose every layer is sparse with the given density (FANN's connection_rate)."""

    density: float = 0.05

    def describe(self) -> str:
        return f"{super().describe()}, density {self.density:g} (every layer)"


def _fastnet_sparse_net(spec: Spec):
    import fastnet as fn
    acts = [spec.hidden] * (len(spec.sizes) - 2) + [spec.output]
    d = float(getattr(spec, "density", 1.0))
    return fn.Network([fn.Sparse(a, b, density=d, activation=act)
                       for a, b, act in zip(spec.sizes[:-1], spec.sizes[1:], acts)], loss=spec.loss, seed=spec.seed)


class FastnetSparseTrainer(FastnetTrainer):
    """fastnet with ``fn.Sparse`` layers (every layer at ``spec.density``)."""

    name = "fastnet_sparse"

    def __init__(self, spec: Spec) -> None:
        import fastnet as fn
        self.fn, self.spec = fn, spec
        self.net = _fastnet_sparse_net(spec)
        self.activate()

    @property
    def connections(self) -> int:
        """Weights (connections) in the network, biases not counted: the sum of nnz over layers."""
        return sum(L.nnz for L in self.net.layers)


class TorchMaskedTrainer(TorchTrainer):
    """PyTorch's usual fixed-sparsity network: dense ``nn.Linear``-shaped weights multiplied by a constant 0/1
    mask in forward (``F.linear(x, w * mask, b)``, what ``torch.nn.utils.prune.custom_from_mask`` does through
    a hook), trained with the ordinary ``torch.optim.SGD`` momentum loop. The mask is fastnet's own topology for
    the same spec and seed, so both train the same connections; the cost does not depend on the density."""

    name = "torch_masked"

    def __init__(self, spec: Spec) -> None:
        torch = torch_module()
        import torch.nn.functional as F
        from torch import nn

        class MaskedLinear(nn.Module):
            def __init__(self, a: int, b: int, mask) -> None:
                super().__init__()
                lin = nn.Linear(a, b)   # default init, then masked
                self.register_buffer("mask", mask)
                self.weight = nn.Parameter(lin.weight.detach() * mask)
                self.bias = nn.Parameter(lin.bias.detach().clone())

            def forward(self, x):
                return F.linear(x, self.weight * self.mask, self.bias)

        self.torch, self.spec = torch, spec
        torch.manual_seed(spec.seed)
        masks = []
        for L in _fastnet_sparse_net(spec).layers:
            m = torch.zeros(L.out_features, L.in_features)
            rows, cols = L.indices
            m[torch.from_numpy(rows.astype(np.int64)), torch.from_numpy(cols.astype(np.int64))] = 1.0
            masks.append(m)
        self.connections = int(sum(int(m.sum()) for m in masks))
        act = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[spec.hidden]
        mods: List = []
        for i, (a, b) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:])):
            mods.append(MaskedLinear(a, b, masks[i]))
            if i < len(spec.sizes) - 2:
                mods.append(act())
        if spec.output == "sigmoid":
            mods.append(nn.Sigmoid())
        elif spec.output != "softmax":
            raise Unavailable(f"output {spec.output!r} not set up for torch")
        self.model = nn.Sequential(*mods)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=spec.lr, momentum=spec.momentum)
        if spec.output == "softmax":
            self.loss_fn: Callable = lambda out, yb, tb: F.cross_entropy(out, yb)
        else:
            self.loss_fn = lambda out, yb, tb: 0.5 * ((out - tb) ** 2).sum() / out.shape[0]
        self.gen = torch.Generator().manual_seed(spec.seed)
        self.activate()


FANN_SPARSE_PROTOS = {
    "fann_create_sparse_array": (ctypes.c_void_p, [ctypes.c_float, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint)]),
    "fann_get_total_connections": (ctypes.c_uint, [ctypes.c_void_p]),
    "fann_get_connection_rate": (ctypes.c_float, [ctypes.c_void_p]),
}


class FannSparseTrainer(FannTrainer):
    """FANN 2.2 ``fann_create_sparse_array(connection_rate, ...)``, sigmoid on every layer (FANN 2.2 has no relu
    or softmax; the cost per connection is the same), linear error function, incremental training: ``train`` is
    ``fann_train_epoch`` on a ``fann_train_data`` (FANN's C loop calling ``fann_train`` per sample). FANN cannot
    batch, so this is batch 1 whatever ``spec.batch_size`` says. ``connections`` is FANN's
    ``fann_get_total_connections``, which counts bias connections too (about 2,000 here) and at least one
    connection per neuron, so at 1% it has ~16% more than fastnet's nnz."""

    name = "fann_sparse"

    def __init__(self, spec: Spec, per_sample_ctypes: bool = False) -> None:
        lib, self.libpath = fann_lib()
        for fname, (res, args) in FANN_SPARSE_PROTOS.items():
            fnc = getattr(lib, fname)
            fnc.restype, fnc.argtypes = res, args
        self.lib, self.spec, self.per_sample = lib, spec, per_sample_ctypes
        density = float(getattr(spec, "density", 1.0))
        layers = (ctypes.c_uint * len(spec.sizes))(*spec.sizes)
        self.ann = lib.fann_create_sparse_array(density, len(spec.sizes), layers)
        if not self.ann:
            raise Unavailable("fann_create_sparse_array failed")
        lib.fann_set_activation_function_hidden(self.ann, FANN_SIGMOID)
        lib.fann_set_activation_function_output(self.ann, FANN_SIGMOID)
        lib.fann_set_training_algorithm(self.ann, FANN_TRAIN_INCREMENTAL)
        lib.fann_set_train_error_function(self.ann, FANN_ERRORFUNC_LINEAR)
        lib.fann_set_learning_rate(self.ann, spec.lr)
        lib.fann_set_learning_momentum(self.ann, spec.momentum)
        if abs(lib.fann_get_learning_rate(self.ann) - spec.lr) > 1e-6:
            raise Unavailable(f"{self.libpath} does not look like FANN 2.2's float build")
        self.connections = int(lib.fann_get_total_connections(self.ann))
        self.connection_rate = float(lib.fann_get_connection_rate(self.ann))
        self._data = {}
        self._data_ptrs = []
        self.rng = np.random.default_rng(spec.seed)
        weakref.finalize(self, _fann_free, lib, self.ann, self._data_ptrs)


PEERS = {"torch": TorchTrainer, "numpy": NumpyMLP, "sklearn": SklearnTrainer, "fann": FannTrainer,
         "fastnet_sparse": FastnetSparseTrainer, "torch_masked": TorchMaskedTrainer,
         "fann_sparse": FannSparseTrainer}


def make(name: str, spec: Spec, **kw):
    """Build a trainer by name ('fastnet', 'torch', 'numpy', 'sklearn', 'fann', and for sparse layers
    'fastnet_sparse', 'torch_masked', 'fann_sparse' with a SparseSpec); raises Unavailable."""
    if name == "fastnet":
        return FastnetTrainer(spec)
    return PEERS[name](spec, **kw)


# ------------------------------------------------------------------------------------------------- measuring
def time_train(trainer, X: np.ndarray, labels: np.ndarray, repeats: int = 1, warmup: Optional[int] = None) -> float:
    """Best wall time (s) of ``repeats`` passes of ``trainer.train(X, labels)`` after a short warm-up pass.

    The warm-up trains on the first ``warmup`` samples (default: 4 batches) so that allocations, thread-pool
    start-up and first-call costs are not timed.
    """
    trainer.activate()
    nw = warmup if warmup is not None else min(len(X), 4 * trainer.spec.batch_size)
    if nw:
        trainer.train(X[:nw], labels[:nw])
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        trainer.train(X, labels)
        best = min(best, time.perf_counter() - t0)
    return best


def latency_us(name: str, trainer, x: np.ndarray, calls: int, warmup: int = 200) -> float:
    """Median microseconds of one single-sample forward pass (x: float32 (1, 784))."""
    trainer.activate()
    if name == "torch":
        torch = trainer.torch
        xt = torch.from_numpy(x)
        trainer.model.eval()
        ctx = torch.inference_mode()
        arg = xt
    else:
        import contextlib
        ctx = contextlib.nullcontext()
        arg = x.ctypes.data if name == "fann" else x
    fnc = trainer.predict_one
    perf = time.perf_counter_ns
    times = np.empty(calls, dtype=np.int64)
    with ctx:
        for _ in range(warmup):
            fnc(arg)
        for i in range(calls):
            t0 = perf()
            fnc(arg)
            times[i] = perf() - t0
    return float(np.median(times)) / 1e3


def matmul_gflops(threads: int, repeats: int = 5) -> Dict[str, float]:
    """numpy float32 matmul GFLOP/s (best of ``repeats``) for the two shapes of the 784-1024-1024-10 layers."""
    shapes = {"1024x1024 @ 1024x1024": (1024, 1024, 1024), "1024x784 @ 784x1024": (1024, 784, 1024)}
    rng = np.random.default_rng(0)
    out: Dict[str, float] = {}
    lim = blas_limits(threads)
    try:
        for label, (m, k, n) in shapes.items():
            A = rng.standard_normal((m, k), dtype=np.float32)
            B = rng.standard_normal((k, n), dtype=np.float32)
            C = np.empty((m, n), np.float32)
            np.matmul(A, B, out=C)
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                np.matmul(A, B, out=C)
                best = min(best, time.perf_counter() - t0)
            out[label] = 2.0 * m * k * n / best / 1e9
    finally:
        if lim is not None:
            lim.restore_original_limits()
    return out


def time_to_accuracy(trainer, X: np.ndarray, labels: np.ndarray, Xte: np.ndarray, yte: np.ndarray,
                     target: float, max_epochs: int) -> Dict[str, object]:
    """Train epoch by epoch on (X, labels), test after each; training seconds (evaluation excluded) until the
    test accuracy reaches ``target``."""
    trainer.activate()
    train_s = 0.0
    accs: List[float] = []
    for _ in range(max_epochs):
        t0 = time.perf_counter()
        trainer.train(X, labels)
        train_s += time.perf_counter() - t0
        accs.append(trainer.accuracy(Xte, yte))
        trainer.activate()
        if accs[-1] >= target:
            break
    return {"seconds": train_s, "epochs": len(accs), "reached": bool(accs and accs[-1] >= target),
            "accuracies": accs}


def available(name: str, spec: Optional[Spec] = None) -> Optional[str]:
    """None if the peer can be built for ``spec`` here, else the reason it cannot."""
    spec = spec or Spec((784, 30, 10))
    try:
        make(name, spec)
    except Unavailable as exc:
        return str(exc)
    return None


def peers_for(names: Sequence[str], spec: Spec):
    """(name, trainer or None, reason) for each peer name."""
    out = []
    for n in names:
        try:
            out.append((n, make(n, spec), None))
        except Unavailable as exc:
            out.append((n, None, str(exc)))
    return out
