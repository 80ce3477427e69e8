"""Data-parallel training over MPI (mpi4py): ``net.fit(X_shard, y_shard, ..., comm=MPI.COMM_WORLD)``.

Launch one process per rank (``mpiexec -n 4 python train.py``); each loads only its shard of the data
(:func:`shard`, :func:`load_mnist_shard`, :func:`load_idx_shard`, :func:`load_fann_data_shard`) and calls
``fit`` with the same arguments. Training is synchronous:

- At the start of every ``fit`` the ranks check that they agree (architecture, dtype, loss, optimizer and its
  hyper-parameters, epochs, batch size, ...; every rank has data of the right shape) and raise the same error
  everywhere if not. Then rank 0's network — weights, optimizer state, random-generator state and sparse
  topologies — is broadcast to every rank.
- ``batch_size`` is the *global* batch. Each step takes the next ``batch_size`` samples of the round-robin
  interleaving of the shards (rank 0's first sample, rank 1's first, ..., rank 0's second, ...; a rank whose
  shard is used up drops out of the rotation), so every rank computes the mean-loss gradient of its share, the
  shares are weighted by their sample counts and summed in place over the flat gradient arena with one
  ``MPI_Allreduce``, and every rank applies the same optimizer update: the weights stay bit-identical and the
  step equals a single-process step on the same global batch (to float rounding). With shards made by
  ``shard(..., mode="strided")`` and ``shuffle=False``, a run on any number of ranks takes the same batches
  as ``net.fit(X, y, shuffle=False)`` in one process.
- The full-batch optimizers (RPROP, Quickprop, SARPROP) sum the gradient over each shard and Allreduce the sum:
  one update per epoch from the gradient over the whole (distributed) training set, as in FANN.
- ``shuffle=True`` permutes each rank's shard every epoch (samples do not move between ranks).
- Validation: each rank evaluates its own ``validation_data`` (or the last ``validation_split`` of its shard);
  loss and accuracy are reduced across ranks weighted by sample counts, so they are those of the union.
- SET rewiring (``rewire=fn.SET(...)``): every rank rewires from the same weights and generator state, so all
  draw the same topology; the epoch-end check below compares the ranks.
- Random streams: the network's generator stays identical on every rank (it drives SET rewiring and
  SARPROP's noise). Dropout masks and shuffles use a private stream per rank, derived from that state, the
  optimizer's step count and the rank; so with dropout or shuffling a run is reproducible for a given number
  of ranks, but differs from a single-process run.
- Only rank 0 draws progress and prints. Callbacks run on every rank with the same (reduced) logs, and rank
  0's answer (stop, new lr/momentum) is broadcast, so all ranks always take the same decisions. Write files
  from rank 0 only: ``save_on_rank0(net, path, comm)`` (the save is atomic as everywhere).
- Errors: bad or inconsistent arguments raise the same exception on every rank. An exception on one rank
  during training (a failing callback, Ctrl-C, out of memory) is printed by that rank with its traceback and
  the whole job is stopped with ``MPI_Abort``, rather than leaving the other ranks waiting forever in a
  collective. A diverging loss raises FloatingPointError on every rank.

The training loop is trainer.cpp's, the one a single-process fit runs, handed an Allreduce of the gradient arena
and the step's statistics between backward and update. With one rank, ``fit(comm=...)`` is the ordinary
single-process ``Network.fit``.

The shard helpers need no MPI: they take ``comm`` or explicit ``rank=`` and ``size=``.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
import zlib
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np

from . import _core
from . import losses as _losses
from ._arrays import check_int
from ._progress import ProgressBar
from .datasets import find_mnist, load_fann_data, load_idx
from .history import _history, _run_callbacks
from .layers import SET, Sparse
from .optimizers import Optimizer
from .training import fit_plan, training_controls

__all__ = ["fit", "shard_indices", "shard", "load_idx_shard", "load_fann_data_shard", "load_mnist_shard",
           "save_on_rank0", "in_sync", "step_bounds", "last_fit_profile"]

PathLike = Union[str, "os.PathLike[str]"]
_MODES = ("contiguous", "strided")
# Transitional: fit's plan is read as a dict (p["X"], typed Dict[str, Any]); a FitPlan answers p["X"] through
# FitPlan.__getitem__, and this untyped alias keeps mypy out of the way until _fit reads its attributes.
_fit_arguments: Callable[..., Any] = fit_plan


# ====================================================================== sharding (no MPI needed)
def _rank_size(comm: Any, rank: Optional[int], size: Optional[int]) -> Tuple[int, int]:
    if comm is not None:
        if rank is not None or size is not None:
            raise ValueError("give comm or rank= and size=, not both")
        rank, size = int(comm.Get_rank()), int(comm.Get_size())
    elif rank is None or size is None:
        raise ValueError("give comm (an mpi4py communicator) or both rank= and size=")
    size = check_int(size, "size", 1)
    rank = check_int(rank, "rank", 0, size - 1)
    return rank, size


def _check_mode(mode: Any) -> str:
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(f"unknown shard mode {mode!r}; accepted: 'contiguous', 'strided'")
    return mode


def _contiguous_range(n: int, rank: int, size: int) -> Tuple[int, int]:
    base, extra = divmod(n, size)  # the first n % size ranks take one more sample
    lo = rank * base + min(rank, extra)
    return lo, lo + base + (1 if rank < extra else 0)


def shard_indices(n: int, rank: int, size: int, mode: str = "contiguous") -> np.ndarray:
    """Indices (int64, ascending) of rank `rank`'s share of `n` samples split over `size` ranks.

    ``"contiguous"``: one block per rank, sizes differing by at most one (the first ``n % size`` ranks take one
    more). ``"strided"``: samples ``rank, rank + size, rank + 2·size, ...`` (same sizes). Every sample belongs
    to exactly one rank. With strided shards and ``shuffle=False``, distributed ``fit`` takes the same batches
    as a single-process ``fit`` on the whole set.
    """
    n = check_int(n, "n", 0, 2**62)
    size = check_int(size, "size", 1)
    rank = check_int(rank, "rank", 0, size - 1)
    if _check_mode(mode) == "strided":
        return np.arange(rank, n, size, dtype=np.int64)
    lo, hi = _contiguous_range(n, rank, size)
    return np.arange(lo, hi, dtype=np.int64)


def shard(X: Any, y: Any = None, comm: Any = None, *, rank: Optional[int] = None, size: Optional[int] = None,
          mode: str = "contiguous") -> Any:
    """This rank's shard of X (and y): ``X_shard, y_shard = shard(X, y, comm)``; ``shard(X, comm=comm)``
    returns X's shard alone. Contiguous shards are views (no copy); strided shards are C-contiguous copies."""
    rank, size = _rank_size(comm, rank, size)
    arrays = [np.asarray(X)] + ([] if y is None else [np.asarray(y)])
    n = len(arrays[0])
    if any(a.ndim == 0 for a in arrays) or any(len(a) != n for a in arrays):
        raise ValueError(f"X and y must have the same number of rows, got "
                         f"{', '.join(str(a.shape) for a in arrays)}")
    if _check_mode(mode) == "strided":
        parts = [np.ascontiguousarray(a[rank::size]) for a in arrays]
    else:
        lo, hi = _contiguous_range(n, rank, size)
        parts = [a[lo:hi] for a in arrays]
    return parts[0] if y is None else tuple(parts)


def load_idx_shard(path: PathLike, comm: Any = None, *, rank: Optional[int] = None, size: Optional[int] = None,
                   mode: str = "contiguous") -> np.ndarray:
    """This rank's rows (along the first dimension) of an IDX file, without reading the others into memory.

    A plain file is read by offset (contiguous: one read; strided: through a memory map); a gzipped one is
    decompressed as a stream, keeping only this rank's rows. The header and the file's size are checked as
    ``fastnet.datasets.load_idx`` does, by every rank, so a bad file fails the same way everywhere. The result
    equals ``load_idx(path)[shard_indices(n, rank, size, mode)]``."""
    return load_idx(path, rows=_shard_rows(comm, rank, size, mode))


def _shard_rows(comm: Any, rank: Optional[int], size: Optional[int], mode: str) -> Callable[[int], slice]:
    """The rows of this rank's shard of a file, as datasets' readers take them: a function of the row count
    (which only the file's header tells), giving the slice of shard_indices(n, rank, size, mode)."""
    rank, size = _rank_size(comm, rank, size)
    mode = _check_mode(mode)

    def rows(n: int) -> slice:
        if mode == "strided":
            return slice(rank, n, size)
        lo, hi = _contiguous_range(n, rank, size)
        return slice(lo, hi)

    return rows


def load_mnist_shard(comm: Any = None, *, rank: Optional[int] = None, size: Optional[int] = None,
                     path: Optional[PathLike] = None, mode: str = "contiguous"
                     ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """This rank's shard of MNIST's training *and* test sets (X_train, y_train, X_test, y_test), as
    ``fastnet.datasets.load_mnist`` returns them (float32 images in [0, 1], int64 labels); give the test
    shards as ``validation_data`` and the reduced val_loss/val_accuracy are those of the whole test set."""
    rank, size = _rank_size(comm, rank, size)
    folder = find_mnist(path)

    def read(name: str) -> np.ndarray:
        p = os.path.join(folder, name + ".gz")
        return load_idx(p if os.path.exists(p) else os.path.join(folder, name), rows=_shard_rows(None, rank, size,
                                                                                                 mode))

    def images(name: str) -> np.ndarray:
        a = read(name)
        return a.reshape(a.shape[0], -1).astype(np.float32) / np.float32(255.0)

    Xtr, ytr = images("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte").astype(np.int64)
    Xte, yte = images("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte").astype(np.int64)
    if len(Xtr) != len(ytr) or len(Xte) != len(yte):
        raise ValueError(f"{folder}: image and label counts differ")
    return Xtr, ytr, Xte, yte


def load_fann_data_shard(path: PathLike, comm: Any = None, *, rank: Optional[int] = None,
                         size: Optional[int] = None, mode: str = "contiguous") -> Tuple[np.ndarray, np.ndarray]:
    """This rank's samples of a FANN training-data file, as (X, Y) float32 arrays.

    A text format has no offsets, so every rank reads the whole file line by line, checks all of it as
    ``fastnet.datasets.load_fann_data`` does (header, value count, every value numeric, finite and within
    float32's range; errors name the line) and keeps only its own samples: memory follows the shard, not the
    file, and a bad file fails the same way on every rank. The result equals
    ``load_fann_data(path)`` indexed by ``shard_indices(num_data, rank, size, mode)``."""
    return load_fann_data(path, rows=_shard_rows(comm, rank, size, mode))


# ====================================================================== the step schedule
def step_bounds(sizes: Sequence[int], batch_size: int) -> np.ndarray:
    """The global-batch schedule: ``B[k, r]:B[k + 1, r]`` are rank r's local rows in step k.

    Global batch k is samples ``k·batch_size`` to ``(k+1)·batch_size`` of the round-robin interleaving of the
    shards (rank 0's first sample, rank 1's first, ..., rank 0's second, ...; a rank whose shard is used up
    leaves the rotation), so every batch but the last has exactly ``batch_size`` samples and every sample is
    used once per epoch. For shards of ``shard_indices(n, r, size, "strided")`` that interleaving is the
    original order. Returns an int64 array of shape (steps + 1, ranks)."""
    n = np.asarray(sizes, dtype=np.int64)
    if n.ndim != 1 or n.size == 0 or (n < 0).any():
        raise ValueError(f"sizes must be a non-empty list of counts >= 0, got {sizes!r}")
    batch_size = check_int(batch_size, "batch_size", 1)
    total = int(n.sum())
    steps = -(-total // batch_size)
    P = np.minimum(np.arange(steps + 1, dtype=np.int64) * batch_size, total)
    m = int(n.max())
    # S[t]: samples in the rounds before round t (round t holds one sample of every rank with n_r > t)
    still = n.size - np.cumsum(np.bincount(n, minlength=m + 1))[:m]  # ranks with n_r > t, t = 0..m-1
    S = np.concatenate([[0], np.cumsum(still)])
    t = np.searchsorted(S, P, side="right") - 1
    t = np.minimum(t, m)
    rem = P - S[t]
    active = n[None, :] > t[:, None]
    order = np.cumsum(active, axis=1)
    counts: np.ndarray = np.minimum(n[None, :], t[:, None]) + (active & (order <= rem[:, None]))
    return counts


# ====================================================================== collective helpers
_E = TypeVar("_E", bound=BaseException)


def _collective(exc: _E) -> _E:
    exc._fastnet_collective = True  # type: ignore[attr-defined]
    return exc


_EXC_TYPES = {"ValueError": ValueError, "TypeError": TypeError, "FileNotFoundError": FileNotFoundError,
              "OSError": OSError, "FloatingPointError": FloatingPointError}


def _agree(comm: Any, error: Optional[BaseException], what: str) -> None:
    """Every rank learns whether any rank failed; then all raise the first failure's type and message."""
    msg = None if error is None else (type(error).__name__, str(error))
    gathered = comm.allgather(msg)
    failed = [(r, m) for r, m in enumerate(gathered) if m is not None]
    if not failed:
        return
    r, (name, text) = failed[0]
    size = comm.Get_size()
    others = f" (and {len(failed) - 1} more rank(s))" if len(failed) > 1 else ""
    exc = _EXC_TYPES.get(name, RuntimeError)(f"{what}: rank {r} of {size}{others}: {text}")
    if error is not None:
        raise _collective(exc) from error
    raise _collective(exc)


def _abort(comm: Any, exc: BaseException) -> None:
    rank, size = comm.Get_rank(), comm.Get_size()
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        sys.stdout.flush()
    except Exception:
        pass
    sys.stderr.write(f"fastnet.distributed: rank {rank} of {size} failed during fit with "
                     f"{type(exc).__name__}: {exc}\n{tb}"
                     f"fastnet.distributed: rank {rank} aborts the MPI job so that no rank waits forever\n")
    sys.stderr.flush()
    time.sleep(0.5)  # let the launcher forward the message before MPI_Abort has every process killed
    comm.Abort(1)


def _mpi() -> Any:
    try:
        from mpi4py import MPI
    except ImportError:  # pragma: no cover - only reached with a communicator but no mpi4py
        raise ImportError("distributed training needs mpi4py and an MPI runtime: pip install 'fastnet[mpi]' "
                          "(see the README)") from None
    return MPI


def _weights_digest(net: Any) -> Tuple[int, Tuple[int, int], Tuple[int, ...]]:
    """CRC-32 of the parameter arena, the optimizer state (kind, steps) and the RNG state."""
    core = net._core
    crc = zlib.crc32(memoryview(core.param_arena()).cast("B"))
    kind, steps = core.get_optimizer_state()
    return crc, (int(kind), int(steps)), tuple(int(w) for w in core.get_rng_state())


def in_sync(net: Any, comm: Any) -> bool:
    """True when every rank's network has the same weights (bit for bit), optimizer step and RNG state.
    Collective: every rank must call it."""
    digests = comm.allgather(_weights_digest(net))
    return all(d == digests[0] for d in digests)


def _broadcast_network(net: Any, comm: Any) -> None:
    """Rank 0's whole network (weights, optimizer state, RNG state, sparse topologies) onto every rank."""
    data = comm.bcast(net.to_bytes() if comm.Get_rank() == 0 else None, root=0)
    if comm.Get_rank() != 0:
        net._restore(data)


def save_on_rank0(net: Any, path: PathLike, comm: Any) -> None:
    """Collective save: rank 0 writes `path` (atomically), the others wait; a failure raises on every rank."""
    error = None
    if comm.Get_rank() == 0:
        try:
            net.save(path)
        except Exception as exc:  # noqa: BLE001 - re-raised on every rank by _agree
            error = exc
    _agree(comm, error, f"save_on_rank0({os.fspath(path)!r})")


# ====================================================================== fit
#: Where the last distributed fit of this process spent its training (a diagnostic): ``steps`` (gradient
#: reductions), and seconds in ``gradient_seconds`` (the local work between two reductions: forward + backward of
#: this rank's share and the previous update, since the loop runs in trainer.cpp), ``wait_seconds`` (the small
#: Allreduce of the step's statistics, where a rank also waits for slower ones), ``allreduce_seconds`` (the
#: in-place Allreduce of the ``gradient_bytes``-byte gradient arena); ``update_seconds`` is 0 (counted in
#: gradient_seconds).
last_fit_profile: Dict[str, float] = {}

def _architecture(net: Any) -> str:
    layers = [f"{'Sparse' if isinstance(s, Sparse) else 'Dense'}({s.in_features}, {s.out_features}, "
              f"{s.activation!r}" + (f", alpha={s.alpha}" if s.activation == "leaky_relu" else "")
              + (f", dropout={s.dropout}" if s.dropout else "") + ")" for s in net.specs]
    return f"[{', '.join(layers)}], loss={net.loss!r}, dtype={net.dtype.name!r}"


def _differences(infos: List[Dict[str, Any]]) -> List[str]:
    out = []
    for key in infos[0]:
        values = [i[key] for i in infos]
        if any(v != values[0] for v in values):
            bad = next(r for r, v in enumerate(values) if v != values[0])
            out.append(f"{key} differs across ranks: rank 0 has {values[0]!r}, rank {bad} has {values[bad]!r}")
    return out


def fit(net: Any, X: Any, y: Any, comm: Any, epochs: int = 10, batch_size: Optional[int] = None,
        lr: Optional[float] = None, momentum: Optional[float] = None, nesterov: Optional[bool] = None,
        weight_decay: Optional[float] = None, shuffle: bool = True,
        validation_data: Optional[Tuple[Any, Any]] = None, verbose: int = 1,
        callbacks: Optional[Iterable[Any]] = None, rewire: Optional[SET] = None, validation_split: float = 0.0,
        l1: float = 0.0, max_norm: Optional[float] = None, track_gradients: bool = False,
        optimizer: Optional[Optimizer] = None, clip_norm: Optional[float] = None, clip_value: Optional[float] = None,
        input_dropout: float = 0.0) -> Any:
    """Synchronous data-parallel ``Network.fit`` over the ranks of `comm` (an mpi4py communicator); X and y
    are this rank's shard. Same arguments and History as ``Network.fit`` (``batch_size`` is the global batch);
    see the module's documentation for the semantics. Collective: every rank of `comm` must call it."""
    kwargs = dict(epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, nesterov=nesterov,
                  weight_decay=weight_decay, shuffle=shuffle, validation_data=validation_data, verbose=verbose,
                  callbacks=callbacks, rewire=rewire, validation_split=validation_split, l1=l1,
                  max_norm=max_norm, track_gradients=track_gradients, optimizer=optimizer, clip_norm=clip_norm,
                  clip_value=clip_value, input_dropout=input_dropout)
    if not all(hasattr(comm, a) for a in ("Get_rank", "Get_size", "Allreduce", "allgather", "bcast")):
        raise TypeError(f"comm must be an mpi4py communicator (e.g. MPI.COMM_WORLD), got {type(comm).__name__}")
    _losses.check_fit(getattr(net, "loss_fn", None), optimizer, comm.Get_size() > 1)  # (the reduction's limits)
    if comm.Get_size() == 1:
        return net.fit(X, y, **kwargs)
    return _fit(net, X, y, comm, **kwargs)


def _private_streams(net: Any, rank: int) -> Tuple[List[int], List[int]]:
    """This rank's shuffle and dropout generator states (4 words each), from the shared state, step count and
    rank: private to the rank, so that the network's own generator stays identical on every rank."""
    kind, steps = net._core.get_optimizer_state()
    words = [int(w) for w in net._core.get_rng_state()]
    ss = np.random.SeedSequence([*words, int(steps), int(kind), rank, 0x6D7069])
    states = []
    for child in ss.spawn(2):
        state = [int(w) for w in child.generate_state(4, np.uint64)]
        if not any(state):
            state[0] = 1
        states.append(state)
    return states[0], states[1]


def _fit(net: Any, X: Any, y: Any, comm: Any, **kw: Any) -> Any:
    MPI = _mpi()
    # ---- 1. every rank checks its arguments; all learn of any failure and raise together
    error: Optional[BaseException] = None
    p: Dict[str, Any] = {}
    controls = {k: kw.pop(k) for k in ("clip_norm", "clip_value", "input_dropout") if k in kw}
    clip_norm = clip_value = input_dropout = 0.0
    try:
        p = _fit_arguments(net, X, y, samples_of="this rank's ", **kw)
        clip_norm, clip_value, input_dropout = training_controls(p["optimizer"], controls.get("clip_norm"),
                                                                 controls.get("clip_value"),
                                                                 controls.get("input_dropout", 0.0))
    except Exception as exc:  # noqa: BLE001 - raised on every rank by _agree
        error = exc
    _agree(comm, error, "distributed fit: invalid arguments")
    n_local = int(p["X"].shape[0])
    opt: Optimizer = p["optimizer"]
    info = {"architecture": _architecture(net), "epochs": p["epochs"], "batch_size": p["batch_size"],
            "optimizer": opt.to_dict(), "shuffle": p["shuffle"], "rewire": p["zeta"], "l1": p["l1"],
            "max_norm": p["max_norm"], "track_gradients": p["track_gradients"], "validation_split": p["split"],
            "validation data given": p["Xv"] is not None, "targets": "labels" if p["labels"] is not None
            else "target rows", "clip_norm": clip_norm, "clip_value": clip_value, "input_dropout": input_dropout}
    infos = comm.allgather((info, n_local))
    problems = _differences([i for i, _ in infos])
    if problems:
        raise _collective(ValueError("distributed fit: the ranks disagree (every rank must build the same network "
                                     "and call fit with the same arguments): " + "; ".join(problems)))
    sizes = [n for _, n in infos]
    total = int(sum(sizes))
    if opt.full_batch:
        if p["batch_size"] is not None and p["batch_size"] < total:
            raise _collective(ValueError(
                f"{type(opt).__name__} is a full-batch algorithm (as in FANN): it adapts each weight's step from the "
                f"gradient over the whole training set, so a mini-batch (batch_size={p['batch_size']} < {total} "
                "samples over all ranks) makes no sense; leave batch_size unset"))
        batch = total
    else:
        batch = 32 if p["batch_size"] is None else p["batch_size"]
    try:
        _broadcast_network(net, comm)  # ---- 2. rank 0's network everywhere
        net.optimizer = opt
        return _train(net, comm, MPI, p, sizes, batch, (clip_norm, clip_value, input_dropout))
    except BaseException as exc:  # noqa: BLE001
        if getattr(exc, "_fastnet_collective", False):
            raise
        _abort(comm, exc)
        raise  # pragma: no cover - Abort does not return


def _train(net: Any, comm: Any, MPI: Any, p: Dict[str, Any], sizes: List[int], batch: int,
           controls: Tuple[float, float, float] = (0.0, 0.0, 0.0)) -> Any:
    """---- 3. trainer.cpp's loop on every rank (the same loop as a single-process fit), handed the collectives:
    the per-step Allreduce of the statistics and the gradient arena, and an epoch-end hook (seconds, gradient
    norms, a check that the ranks agree, callbacks with rank 0's verdict, progress on rank 0)."""
    rank = comm.Get_rank()
    X, labels, targets = p["X"], p["labels"], p["targets"]
    callbacks = p["callbacks"]
    classifier = net._is_classifier(labels)
    bounds = step_bounds(sizes, batch)
    steps = bounds.shape[0] - 1
    core = net._core  # (after the broadcast, which may have replaced it)
    bar = ProgressBar(p["epochs"]) if (p["verbose"] and rank == 0) else None
    options = _core.FitOptions(epochs=p["epochs"], batch_size=batch, optimizer=p["optimizer"]._spec(),
                               shuffle=bool(p["shuffle"]),
                               # mid-epoch calls only move rank 0's bar; they are not collective
                               progress_every=max(1, steps // 50) if bar is not None else 0,
                               rewire_zeta=p["zeta"], l1=p["l1"], max_norm=p["max_norm"])
    options.step_bounds = bounds[:, rank].tolist()
    options.step_counts = np.diff(bounds.sum(axis=1)).tolist()
    options.total_samples = int(sum(sizes))
    options.shuffle_state, options.dropout_state = _private_streams(net, rank)
    # clipping acts on the reduced (global batch) gradient; input dropout draws from this rank's private stream
    options.clip_norm, options.clip_value, options.input_dropout = controls

    clock = time.perf_counter
    prof = [0.0, 0.0, 0.0, 0, clock()]  # seconds: local work, statistics (+ waiting), gradient; steps; last end

    def allreduce(stats: np.ndarray, grad: Optional[np.ndarray]) -> None:
        # called by trainer.cpp between backward and update (and for the validation metrics, grad None)
        t0 = clock()
        comm.Allreduce(MPI.IN_PLACE, stats)  # (also where a rank waits for a slower one)
        t1 = clock()
        if grad is not None:
            comm.Allreduce(MPI.IN_PLACE, grad)
            prof[3] += 1
        t2 = clock()
        prof[0] += t0 - prof[4]
        prof[1] += t1 - t0
        prof[2] += t2 - t1
        prof[4] = t2

    raw: List[Dict[str, Any]] = []
    grad_norms: List[List[float]] = []

    def hook(log: Dict[str, Any]) -> Any:
        if not classifier:
            log.pop("accuracy", None)
            log.pop("val_accuracy", None)
        if not log["epoch_end"]:
            if bar is not None:
                bar.update(log)
            return True
        if p["track_gradients"]:
            grad_norms.append(_grad_norms(net, comm, MPI, X, labels, targets))
        # a rank whose weights differ (an MPI whose Allreduce is not bitwise identical on every rank, ranks on
        # different kernels) is put back in line with rank 0: weights, generator and step count, in place (the
        # loop holds this network)
        if not in_sync(net, comm):
            comm.Bcast(core.param_arena(), root=0)
            rng, opt_state = comm.bcast((core.get_rng_state(), core.get_optimizer_state()), root=0)
            core.set_rng_state(rng)
            core.set_optimizer_state(*opt_state)
            if rank == 0:
                warnings.warn("fastnet.distributed: the ranks' weights drifted apart (different kernels or a "
                              "non-reproducible MPI_Allreduce?); rank 0's were broadcast again", RuntimeWarning,
                              stacklevel=2)
        log["seconds"] = comm.allreduce(log["seconds"], op=MPI.MAX)
        raw.append(dict(log))
        if bar is not None:
            bar.update(log)
        # callbacks run on every rank with the same logs; a failure anywhere raises everywhere, and rank 0's
        # answer is everyone's (a callback may depend on the clock, like StopAfter)
        verdict: Any = True
        change: Dict[str, float] = {}
        error: Optional[BaseException] = None
        try:
            verdict, change = _run_callbacks(callbacks, log)
        except Exception as exc:  # noqa: BLE001 - raised on every rank by _agree
            error = exc
        _agree(comm, error, f"a callback failed at the end of epoch {log['epoch']}")
        verdict, change = comm.bcast((verdict, change) if rank == 0 else None, root=0)
        return (change or True) if verdict is not False else False

    for cb in callbacks:
        if hasattr(cb, "set_network"):
            cb.set_network(net)
    try:
        done = core.fit(X, labels, targets, p["Xv"], p["lv"], p["tv"], options, hook, allreduce)
    except FloatingPointError as exc:  # divergence, decided on the reduced loss: raised by every rank
        raise _collective(exc) from None
    finally:
        last_fit_profile.clear()
        last_fit_profile.update(steps=prof[3], gradient_seconds=prof[0], wait_seconds=prof[1],
                                allreduce_seconds=prof[2], update_seconds=0.0,
                                gradient_bytes=int(core.grad_arena().nbytes))
        for cb in callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end()
    h = _history(raw[: len(done)], classifier)
    if p["track_gradients"]:
        h["grad_norms"] = grad_norms[: h.epochs]
    return h


def _grad_norms(net: Any, comm: Any, MPI: Any, X: np.ndarray, labels: Any, targets: Any) -> List[float]:
    """Each layer's ‖∂C/∂b‖ over the first 1,024 samples of every rank's shard (sample-weighted)."""
    m = min(1024, X.shape[0])
    grads = net._core.gradients(X[:m], None if labels is None else labels[:m],
                                None if targets is None else targets[:m], False)[1]
    flat = np.concatenate([np.asarray(g["bias"], dtype=np.float64) * m for g in grads] + [np.array([m], float)])
    comm.Allreduce(MPI.IN_PLACE, flat)
    flat /= flat[-1]
    out, i = [], 0
    for g in grads:
        k = g["bias"].size
        out.append(float(np.linalg.norm(flat[i:i + k])))
        i += k
    return out
