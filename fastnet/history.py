"""Training history and the epoch-end callback runner, shared by Network.fit and fastnet.distributed.fit.

Kept apart from network.py so that the distributed trainer (which network.py delegates to) needs nothing from
network.py: imports point one way.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from ._arrays import check_positive, check_range
from ._format import write_atomic

__all__ = ["History", "Callback"]

Callback = Callable[[Dict[str, Any]], Optional[bool]]


class History(dict[str, Any]):  # (builtin generic: the class stays a plain dict subclass at run time)
    """Per-epoch metrics of a ``fit`` call: ``history["loss"][i]`` is epoch i+1's mean training loss.

    Keys: loss, accuracy (classification), val_loss and val_accuracy (with validation data), seconds,
    samples_per_second, lr and momentum (as each epoch ran).
    """

    @property
    def epochs(self) -> int:
        """Number of completed epochs recorded."""
        return len(self.get("loss", []))

    def to_dict(self) -> Dict[str, List[Any]]:
        """The metrics as a plain dict of lists (JSON-ready)."""
        return {k: list(v) for k, v in self.items()}

    def plot(self, path: Union[str, os.PathLike[str]]) -> None:
        """Write a PNG of the loss and accuracy curves (and per-layer gradient norms when tracked).
        Needs matplotlib."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("History.plot needs matplotlib: pip install matplotlib") from None
        panels: List[Tuple[str, ...]] = [k for k in (("loss", "val_loss"), ("accuracy", "val_accuracy"))
                                         if k[0] in self]
        if "grad_norms" in self:
            panels.append(("grad_norms",))
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
        epochs = range(1, self.epochs + 1)
        for ax, keys in zip(axes[0], panels):
            if keys == ("grad_norms",):
                norms = np.array(self["grad_norms"])
                for layer in range(norms.shape[1]):
                    ax.semilogy(epochs, norms[:, layer], label=f"layer {layer}")
                ax.set_title("gradient norm per layer")
            else:
                for k in keys:
                    if k in self:
                        ax.plot(epochs, self[k], label=k)
                ax.set_title(keys[0])
            ax.set_xlabel("epoch")
            ax.legend()
        fig.tight_layout()
        fig.savefig(os.fspath(path), dpi=100)
        plt.close(fig)

    def to_csv(self, path: Union[str, os.PathLike[str]]) -> None:
        """One row per epoch, one column per metric (with a header), written atomically."""
        keys = [k for k in self if k != "grad_norms"]
        lines = [",".join(["epoch"] + keys)]
        lines += [",".join([str(i + 1)] + [repr(self[k][i]) for k in keys]) for i in range(self.epochs)]
        write_atomic(os.fspath(path), ("\n".join(lines) + "\n").encode())


_CHANGE_KEYS = ("lr", "momentum")


def _callback_name(cb: Any) -> str:
    name = getattr(cb, "__name__", None) or type(cb).__name__
    return str(name)


def _check_change(r: Dict[Any, Any], cb: Any, where: str) -> Dict[str, float]:
    """A callback's {"lr": .., "momentum": ..}, validated (finite, lr > 0, 0 <= momentum < 1): never dropped
    silently, so any other key is a ValueError naming it and the callback."""
    name = _callback_name(cb)
    unknown = [k for k in r if k not in _CHANGE_KEYS]
    if unknown:
        raise ValueError(f"callback {name}'s {where} returned unknown keys {unknown!r}: only 'lr' and 'momentum' "
                         "can be set")
    change: Dict[str, float] = {}
    if "lr" in r:
        change["lr"] = check_positive(r["lr"], f"lr returned by a callback ({name}'s {where})")
    if "momentum" in r:
        change["momentum"] = check_range(r["momentum"], f"momentum returned by a callback ({name}'s {where})",
                                         0.0, 1.0)
    return change


def _run_callbacks(callbacks: Iterable[Callback], log: Dict[str, Any]) -> Tuple[bool, Dict[str, float]]:
    """The epoch-end callbacks on a copy of the logs each: (go on?, {"lr": .., "momentum": ..} a schedule asked
    for from the next epoch on). The first False stops; the ones after it are not called. When several return
    the same key, the last in the list wins (each sees the logs as they were)."""
    change: Dict[str, float] = {}
    for cb in callbacks:
        r = cb(dict(log))
        if r is False:
            return False, change
        if isinstance(r, dict):
            change.update(_check_change(r, cb, "call"))
    return True, change


def _run_batch_callbacks(callbacks: Iterable[Any], log: Dict[str, Any],
                         only_per_step: bool = False) -> Tuple[bool, Dict[str, float]]:
    """The callbacks' ``on_batch`` methods (those of ``per_step`` callbacks only, with ``only_per_step``), as
    _run_callbacks: (go on?, the change they asked for from the next batch on; the last one wins)."""
    change: Dict[str, float] = {}
    for cb in callbacks:
        if not hasattr(cb, "on_batch") or (only_per_step and not getattr(cb, "per_step", False)):
            continue
        r = cb.on_batch(dict(log))
        if r is False:
            return False, change
        if isinstance(r, dict):
            change.update(_check_change(r, cb, "on_batch"))
    return True, change


def _run_train_begin(callbacks: Iterable[Any]) -> Dict[str, float]:
    """The callbacks' ``on_train_begin()`` (before the first batch): the {"lr", "momentum"} they ask the first
    batch to run with (the last one wins)."""
    change: Dict[str, float] = {}
    for cb in callbacks:
        if hasattr(cb, "on_train_begin"):
            r = cb.on_train_begin()
            if isinstance(r, dict):
                change.update(_check_change(r, cb, "on_train_begin"))
    return change


def _history(raw: List[Dict[str, Any]], classifier: bool) -> History:
    h = History()
    keys = ["loss"] + (["accuracy"] if classifier else [])
    if raw and "val_loss" in raw[0]:
        keys += ["val_loss"] + (["val_accuracy"] if classifier else [])
    for k in keys + ["seconds", "lr", "momentum"]:
        h[k] = [float(r[k]) for r in raw]
    h["samples_per_second"] = [r["samples_done"] / r["seconds"] if r["seconds"] > 0 else 0.0 for r in raw]
    if any("skipped_batches" in r for r in raw):
        h["skipped_batches"] = [int(r.get("skipped_batches", 0)) for r in raw]
    return h
