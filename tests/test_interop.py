"""Weights in and out (fastnet/interop.py): Keras's get_weights/set_weights, PyTorch's state_dict/load_state_dict,
to_torch/from_torch checked against PyTorch itself, and the user metadata of .fnet files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, List

import numpy as np
import pytest
import torch
from torch import nn

import fastnet as fn
from fastnet import _format
from fastnet.interop import MAX_METADATA_BYTES, MAX_METADATA_DEPTH
from fastnet.layers import Dense, Sparse

ACTS = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"]


def dense_net(hidden: str = "relu", output: str = "softmax", dtype: str = "float32", seed: int = 3) -> fn.Network:
    return fn.Network([Dense(5, 7, hidden, alpha=0.2), Dense(7, 6, hidden, alpha=0.2), Dense(6, 4, output)],
                      seed=seed, dtype=dtype)


def inputs(n: int = 64, d: int = 5, dtype: Any = np.float32) -> np.ndarray:
    return np.random.default_rng(11).normal(size=(n, d)).astype(dtype)


def torch_out(module: nn.Module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out: np.ndarray = module(torch.from_numpy(X)).numpy()
    return out


# ------------------------------------------------------------------------------------------------ Keras names
def test_get_weights_order_layout_and_writable_copies() -> None:
    net = fn.Network([Dense(3, 4, "relu"), Sparse(4, 5, mask=np.eye(5, 4, dtype=bool) | np.eye(5, 4, -1, dtype=bool)),
                      Dense(5, 2)], seed=1)
    ws = net.get_weights()
    assert net.layers[1].nnz == 8
    assert [w.shape for w in ws] == [(4, 3), (4,), (8,), (5,), (2, 5), (2,)]
    for k, w in enumerate(ws):
        L = net.layers[k // 2]
        np.testing.assert_array_equal(w, L.bias if k % 2 else L.weights)
        assert w.flags.writeable and w.dtype == net.dtype
    ws[0][:] = 99.0  # a copy: the network is untouched
    assert not np.any(net.layers[0].weights == 99.0)


def test_set_weights_round_trip_changes_outputs_to_the_other_network() -> None:
    a, b = dense_net(seed=1), dense_net(seed=2)
    X = inputs()
    assert not np.allclose(a.predict(X), b.predict(X))
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(b.predict(X), a.predict(X))
    # sparse layers: (nnz,) in CSR order, the order of layer.indices
    s = fn.Network([Sparse(6, 4, density=0.5), Dense(4, 2)], seed=5)
    t = fn.Network([Sparse(6, 4, density=0.5), Dense(4, 2)], seed=5)
    w = [np.arange(s.layers[0].nnz, dtype=np.float32) / 10] + s.get_weights()[1:]
    t.set_weights(w)
    rows, cols = t.layers[0].indices
    np.testing.assert_array_equal(t.layers[0].to_dense()[rows, cols], w[0])


def test_set_weights_errors_change_nothing() -> None:
    net = dense_net()
    before = net.get_weights()
    ws = net.get_weights()
    with pytest.raises(ValueError, match=r"weights has 5 arrays; this network needs 6"):
        net.set_weights(ws[:5])
    bad = list(ws)
    bad[2] = ws[2].T  # a Keras kernel (in, out)
    with pytest.raises(ValueError, match=r"weights\[2\] \(layer 1 weights\): shape mismatch: expected \(6, 7\), "
                                         r"got \(7, 6\).*Keras Dense kernel is \(in_features, out_features\)"):
        net.set_weights(bad)
    bad = list(ws)
    bad[3] = np.zeros(5)
    with pytest.raises(ValueError, match=r"weights\[3\] \(layer 1 bias\): .*expected \(6,\), got \(5,\)"):
        net.set_weights(bad)
    bad = [w + 1 for w in ws]
    bad[4] = bad[4].copy()
    bad[4][0, 0] = np.nan  # refused by the layer setter after layers 0 and 1 were set: they are put back
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.set_weights(bad)
    with pytest.raises(TypeError, match="list"):
        net.set_weights(np.zeros(6))  # type: ignore[arg-type]
    for w, b in zip(net.get_weights(), before):
        np.testing.assert_array_equal(w, b)


# ------------------------------------------------------------------------------------------------ PyTorch keys
def test_state_dict_keys_follow_the_sequential_index_rule() -> None:
    net = fn.Network([Dense(3, 4, "relu"), Dense(4, 4), Dense(4, 5, "tanh"), Dense(5, 2, "softmax")], seed=0)
    sd = net.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias", "5.weight", "5.bias"]
    assert list(sd) == list(net.to_torch().state_dict())  # the very keys PyTorch gives to_torch()'s model
    for v in sd.values():
        assert isinstance(v, np.ndarray) and v.flags.writeable
    sd["0.weight"][:] = 7.0
    assert not np.any(net.layers[0].weights == 7.0)


def test_load_state_dict_round_trip_numpy_and_torch_tensors() -> None:
    a, b = dense_net(seed=1), dense_net(seed=2)
    X = inputs()
    assert b.load_state_dict(a.state_dict()) == ([], [])
    np.testing.assert_array_equal(b.predict(X), a.predict(X))
    c = dense_net(seed=4)
    c.load_state_dict(a.to_torch().state_dict())  # torch tensors
    np.testing.assert_array_equal(c.predict(X), a.predict(X))


def test_load_state_dict_errors() -> None:
    net = dense_net()
    before = net.get_weights()
    sd = net.state_dict()
    wrong = dict(sd)
    wrong["1.weight"] = wrong.pop("2.weight")
    with pytest.raises(KeyError, match=r"missing key\(s\) \['2.weight'\]; unexpected key\(s\) \['1.weight'\]"):
        net.load_state_dict(wrong)
    # strict=False: the matching keys load, the others are reported
    other = dense_net(seed=9).state_dict()
    other["1.weight"] = other.pop("2.weight")
    missing, unexpected = net.load_state_dict(other, strict=False)
    assert (missing, unexpected) == (["2.weight"], ["1.weight"])
    np.testing.assert_array_equal(net.layers[0].weights, other["0.weight"])
    np.testing.assert_array_equal(net.layers[1].weights, before[2])
    net.set_weights(before)
    bad = dict(sd)
    bad["4.bias"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"state_dict\['4.bias'\]: shape mismatch: expected \(4,\), got \(3,\)"):
        net.load_state_dict(bad)
    bad = {k: v + 1 for k, v in sd.items()}
    bad["4.weight"][1, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.load_state_dict(bad)
    with pytest.raises(TypeError, match="mapping"):
        net.load_state_dict([("0.weight", sd["0.weight"])])  # type: ignore[arg-type]
    for w, b in zip(net.get_weights(), before):
        np.testing.assert_array_equal(w, b)


# ------------------------------------------------------------------------------------------------ torch modules
@pytest.mark.parametrize("hidden", ACTS)
@pytest.mark.parametrize("output", ["linear", "sigmoid", "softmax"])
def test_to_torch_gives_the_same_outputs(hidden: str, output: str) -> None:
    net = dense_net(hidden, output)
    X = inputs()
    model = net.to_torch()
    np.testing.assert_allclose(torch_out(model, X), net.predict(X), rtol=0, atol=1e-6)
    back = fn.from_torch(model)
    assert [(s.activation, s.alpha if s.activation == "leaky_relu" else None) for s in back.specs] == \
           [(s.activation, s.alpha if s.activation == "leaky_relu" else None) for s in net.specs]
    for w, v in zip(back.get_weights(), net.get_weights()):
        np.testing.assert_array_equal(w, v)


@pytest.mark.parametrize("act", [nn.ReLU(), nn.LeakyReLU(0.3), nn.Sigmoid(), nn.Tanh(), nn.Identity()],
                         ids=lambda m: type(m).__name__)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_from_torch_gives_the_same_outputs(act: nn.Module, dtype: torch.dtype) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 9), act, nn.Linear(9, 6, bias=False), act, nn.Linear(6, 3),
                          nn.Softmax(dim=1)).to(dtype)
    npdtype = np.float64 if dtype == torch.float64 else np.float32
    X = inputs(dtype=npdtype)
    net = fn.from_torch(model)
    assert net.dtype == npdtype and net.sizes == [5, 9, 6, 3] and net.loss == "cross_entropy"
    np.testing.assert_allclose(net.predict(X), torch_out(model, X), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(net.layers[1].bias, np.zeros(6))
    np.testing.assert_allclose(torch_out(net.to_torch(), X), torch_out(model, X), rtol=0, atol=1e-6)


@pytest.mark.parametrize("model, message", [
    (nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2)), r"module '1' \(Dropout\) is not supported"),
    (nn.Sequential(nn.ReLU(), nn.Linear(3, 2)), r"module '0' \(ReLU\) comes before any Linear"),
    (nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Tanh()), r"module '2' \(Tanh\) follows another activation"),
    (nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=0)), r"dim=0 is not supported"),
    (nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=-1), nn.Linear(4, 2)), r"Softmax is supported only as the last"),
    (nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.0)), r"negative_slope 0.0 is not supported"),
    (nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 2)), r"Linear 1 takes 5 inputs, but the previous Linear gives 4"),
    (nn.Sequential(), r"no Linear layer"),
], ids=["dropout", "activation-first", "two-activations", "softmax-dim0", "softmax-not-last", "slope0", "chain",
        "empty"])
def test_from_torch_refuses_unsupported_modules(model: nn.Module, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fn.from_torch(model)


def test_from_torch_refuses_non_sequential_and_non_finite_weights() -> None:
    with pytest.raises(TypeError, match="needs a torch.nn.Sequential, got Linear"):
        fn.from_torch(nn.Linear(3, 2))
    model = nn.Sequential(nn.Linear(3, 2))
    with torch.no_grad():
        model[0].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite"):
        fn.from_torch(model)


def test_to_torch_refuses_sparse_and_fann_activations() -> None:
    net = fn.Network([Dense(3, 4, "relu"), Sparse(4, 2, density=0.5)], seed=0)
    with pytest.raises(ValueError, match="layer 1 is sparse: to_torch converts dense layers only"):
        net.to_torch()
    net = fn.Network([Dense(3, 4, "gaussian"), Dense(4, 2)], seed=0)
    with pytest.raises(ValueError, match="layer 0: activation 'gaussian' has no PyTorch module"):
        net.to_torch()


# ------------------------------------------------------------------------------------------------ metadata
def test_metadata_round_trip(tmp_path: Path) -> None:
    meta = {"name": "mlp", "epochs": 12, "lr": 0.05, "classes": ["a", "b", "ü"], "nested": {"ok": True, "x": None}}
    net = dense_net()
    path = tmp_path / "m.fnet"
    net.save(path, metadata=meta)
    assert net.metadata == {}  # save(metadata=) stores it in the file only
    assert fn.model_info(path)["metadata"] == meta
    loaded = fn.load(path)
    assert loaded.metadata == meta
    loaded.metadata["epochs"] = 13  # save() without metadata keeps the network's own
    loaded.save(path)
    assert fn.load(path).metadata == dict(meta, epochs=13)
    np.testing.assert_array_equal(fn.load(path).predict(inputs()), net.predict(inputs()))


def test_files_without_metadata_load_with_an_empty_dict(tmp_path: Path) -> None:
    path = tmp_path / "old.fnet"
    dense_net().save(path)
    header = _format.peek_header(path.read_bytes())
    assert "metadata" not in header  # the header of a file written before metadata existed
    assert fn.model_info(path)["metadata"] == {}
    assert fn.load(path).metadata == {}


@pytest.mark.parametrize("meta, error, message", [
    ({"x": np.float32(1.0)}, TypeError, r"metadata\['x'\]: a float32 is not JSON.*\.item\(\)"),
    ({"x": (1, 2)}, TypeError, r"metadata\['x'\]: a tuple is not JSON.*use a list"),
    ({"x": {1: "a"}}, TypeError, r"metadata\['x'\]: key 1 is a int; keys must be strings"),
    ({"x": [1.0, float("nan")]}, ValueError, r"metadata\['x'\]\[1\]: nan is not finite"),
    ({"x": object()}, TypeError, r"a object is not JSON"),
    ({"x": 2**70}, ValueError, r"outside the 64-bit range"),
    (["not", "a", "dict"], TypeError, r"metadata must be a dict"),
    ({"x": "y" * MAX_METADATA_BYTES}, ValueError, rf"at most {MAX_METADATA_BYTES} are stored"),
], ids=["numpy", "tuple", "int-key", "nan", "object", "bigint", "list", "huge"])
def test_invalid_metadata_is_refused_and_nothing_written(tmp_path: Path, meta: Any, error: type,
                                                         message: str) -> None:
    path = tmp_path / "m.fnet"
    with pytest.raises(error, match=message):
        dense_net().save(path, metadata=meta)
    assert not path.exists()


def test_metadata_nesting_limit(tmp_path: Path) -> None:
    deep: Any = "leaf"
    for _ in range(MAX_METADATA_DEPTH - 1):
        deep = [deep]
    net = dense_net()
    net.save(tmp_path / "ok.fnet", metadata={"d": deep})  # the dict plus 15 lists: at the limit
    assert fn.load(tmp_path / "ok.fnet").metadata == {"d": deep}
    with pytest.raises(ValueError, match=f"nested deeper than {MAX_METADATA_DEPTH} levels"):
        net.save(tmp_path / "deep.fnet", metadata={"d": [deep]})
    cyclic: List[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="nested deeper"):
        net.save(tmp_path / "cyclic.fnet", metadata={"c": cyclic})


def nested(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("bad", [["a list"], {"x": "y" * (MAX_METADATA_BYTES + 1)}, {"x": nested(MAX_METADATA_DEPTH)}],
                         ids=["list", "huge", "deep"])
def test_files_with_invalid_metadata_are_refused(bad: Any) -> None:
    header, arrays = _format.decode(dense_net().to_bytes())
    header = dict(header, metadata=bad)
    header.pop("arrays")
    data = _format.encode(header, list(arrays.items()))
    assert json.loads(json.dumps(_format.peek_header(data)["metadata"])) == bad  # the file carries it
    with pytest.raises(fn.ModelFormatError, match="metadata"):
        fn.Network.from_bytes(data)


def test_without_torch_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    model = dense_net().to_torch()
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match="this needs PyTorch, which is not installed: pip install torch"):
        dense_net().to_torch()
    with pytest.raises(ImportError, match="needs PyTorch"):
        fn.from_torch(model)
    assert len(dense_net().state_dict()) == 6  # the numpy side needs no torch
