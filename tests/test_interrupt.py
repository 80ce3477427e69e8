"""Ctrl-C stops predict, evaluate, gradients and Cascade2 in the middle of the call, leaving the network as it
was. The interrupt comes from `_thread.interrupt_main` (what a SIGINT does to Python), fired shortly after the
call starts; each test first runs the same call to completion and requires the interrupted one to end in well
under half that time. That compares the call with itself on the same machine, so it measures whether the call
stopped early, not how fast the machine is.

What would make them fail: a call that runs to completion with the GIL released and only then raises (as all
four did before: 9-17 s on large inputs), or one that stops but changes the weights.
"""
from __future__ import annotations

import _thread
import threading
import time
from typing import Any, Callable, List, Tuple

import numpy as np
import pytest

import fastnet as fn


def _timed(call: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def _interrupted_after(call: Callable[[], Any], delay: float) -> Tuple[float, BaseException]:
    """Seconds from the interrupt to the exception, and the exception."""
    timer = threading.Timer(delay, _thread.interrupt_main)
    t0 = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt) as info:
            call()
    finally:
        timer.cancel()
    return time.perf_counter() - t0 - delay, info.value


def _net() -> fn.Network:
    return fn.Network([32, 1024, 1024, 10], seed=0)


def _params(net: fn.Network) -> List[np.ndarray]:
    return [p.copy() for layer in net.layers for p in (layer.weights, layer.bias)]


def _check_stops_early(call: Callable[[fn.Network], Any], rows: int) -> None:
    net = _net()
    probe = np.random.default_rng(3).random((5, 32)).astype(np.float32)
    before, out_before = _params(net), net.predict(probe)
    for _ in range(4):  # a workload of at least half a second, whatever the machine
        X = np.random.default_rng(0).random((rows, 32)).astype(np.float32)
        y = np.random.default_rng(1).integers(0, 10, rows)
        full = _timed(lambda X=X, y=y: call(net)(X, y))
        if full > 0.5:
            break
        rows *= 2
    assert full > 0.5, f"the workload is too small to tell ({full:.2f} s)"
    latency, _ = _interrupted_after(lambda: call(net)(X, y), delay=0.1 * full)
    assert latency < 0.4 * full, f"stopped {latency:.2f} s after Ctrl-C; the whole call takes {full:.2f} s"
    for a, b in zip(before, _params(net)):
        assert np.array_equal(a, b)
    assert np.array_equal(net.predict(probe), out_before)  # and the network still works


def test_predict_stops_on_ctrl_c() -> None:
    _check_stops_early(lambda net: (lambda X, y: net.predict(X)), rows=40_000)


def test_evaluate_stops_on_ctrl_c() -> None:
    _check_stops_early(lambda net: net.evaluate, rows=40_000)


def test_gradients_stop_on_ctrl_c() -> None:
    # one batch: the stops are between layers and between slabs of rows inside each product
    _check_stops_early(lambda net: net.gradients, rows=16_000)


def test_cascade_stops_on_ctrl_c_inside_a_round() -> None:
    """Fails if Cascade2 only looks for Ctrl-C between rounds, or hands back a half-trained round."""
    rng = np.random.default_rng(2)
    X = rng.random((20_000, 16)).astype(np.float32)
    Y = (np.sin(3 * X.sum(axis=1, keepdims=True)) > 0).astype(np.float32)
    kwargs = dict(max_neurons=1, desired_error=0.0, max_out_epochs=150, max_cand_epochs=150, seed=0)
    full = _timed(lambda: fn.cascade_train(X, Y, **kwargs))
    assert full > 0.5, f"the workload is too small to tell ({full:.2f} s)"
    latency, exc = _interrupted_after(lambda: fn.cascade_train(X, Y, **kwargs), delay=0.1 * full)
    assert latency < 0.4 * full, f"stopped {latency:.2f} s after Ctrl-C; the whole call takes {full:.2f} s"
    # stopped inside the first round: no round finished, and the network handed back is the one it started from
    assert exc.history == []  # type: ignore[attr-defined]
    assert exc.network.num_hidden == 0  # type: ignore[attr-defined]
