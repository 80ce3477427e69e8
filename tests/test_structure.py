"""The package's structure: imports point one way (no cycle among fastnet's modules), every import of a fastnet
module sits at the top of its file except a few commented delegations, and the facts the Python layer keeps a
copy of agree with the compiled core's."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import numpy as np
import pytest

import fastnet as fn
from fastnet.layers import ACTIVATIONS, SYMMETRIC_ACTIVATIONS

PACKAGE = Path(fn.__file__).resolve().parent

# Function-local imports of fastnet modules allowed, as (module, function, imported module). Each is a one-line
# delegation from a model class to a module that builds on that class (so a top-level import would be a cycle):
ALLOWED_LOCAL_IMPORTS = {
    ("fastnet.network", "Network.fit", "fastnet.distributed"),       # fit(comm=): data-parallel training over MPI
    ("fastnet.network", "Network.to_onnx", "fastnet.onnx"),          # ONNX export reads a Network
    ("fastnet.network", "Network.save_fann", "fastnet.fann"),        # FANN .net files build Networks
    ("fastnet.cascade", "CascadeNetwork.save_fann", "fastnet.fann"),  # ... and CascadeNetworks
    ("fastnet.cascade", "CascadeNetwork.load_fann", "fastnet.fann"),
}


COMPILED = {f"fastnet.{p.name.split('.')[0]}" for p in PACKAGE.iterdir() if p.suffix in (".so", ".pyd", ".pyi")}


def _modules() -> Dict[str, Path]:
    """fastnet's modules by dotted name (a package is named by its __init__.py)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _targets(node: ast.AST, module: str, is_package: bool, modules: Dict[str, Path]) -> List[str]:
    """The fastnet modules an import statement imports (``from .x import y``: fastnet.x.y if that is a module,
    else fastnet.x; ``import fastnet.x``: fastnet.x)."""
    names: List[str] = []
    if isinstance(node, ast.ImportFrom):
        base = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        if node.level:
            base = f"{base}.{node.module}" if node.module else base
        else:
            base = node.module or ""
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            if sub in modules or sub in COMPILED:
                names.append(sub)  # a submodule (a compiled one is a leaf: it imports nothing of fastnet)
            else:
                names.append(base)  # a name defined in base
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    return [n for n in names if n in modules]


def _statements(node: ast.AST, qualname: List[str],
                in_function: bool) -> Iterator[Tuple[ast.AST, List[str], bool]]:
    """Every node under `node`, with the qualified name of the class/function it is in and whether that is (in)
    a function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _statements(child, qualname + [child.name],
                                   in_function or not isinstance(child, ast.ClassDef))
            continue
        yield child, qualname, in_function
        yield from _statements(child, qualname, in_function)


def _imports() -> Tuple[Dict[str, Set[str]], List[Tuple[str, str, str, int]]]:
    """(module -> the fastnet modules it imports outside functions (TYPE_CHECKING blocks included: a type-only
    import still ties the two modules together), [(module, function, imported module, line) of every import of a
    fastnet module inside a function])."""
    modules = _modules()
    graph: Dict[str, Set[str]] = {m: set() for m in modules}
    local: List[Tuple[str, str, str, int]] = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"

        for node, qualname, in_function in _statements(ast.parse(path.read_text(), str(path)), [], False):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(node, module, is_package, modules):
                    if in_function:
                        local.append((module, ".".join(qualname), target, node.lineno))
                    elif target != module:
                        graph[module].add(target)
    return graph, local


def _cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One import cycle, as [a, b, ..., a], or [] when the graph is acyclic."""
    state: Dict[str, int] = {}  # 1: on the current path, 2: done
    path: List[str] = []

    def dfs(m: str) -> List[str]:
        state[m] = 1
        path.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                return path[path.index(t):] + [t]
            if t not in state:
                found = dfs(t)
                if found:
                    return found
        state[m] = 2
        path.pop()
        return []

    for m in sorted(graph):
        if m not in state:
            found = dfs(m)
            if found:
                return found
    return []


def test_no_import_cycle() -> None:
    graph, _ = _imports()
    assert len(graph) > 10 and "fastnet.network" in graph["fastnet"]  # the walk found the package
    cycle = _cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_layers_does_not_import_network() -> None:
    graph, _ = _imports()
    assert "fastnet.network" not in graph["fastnet.layers"]


def test_local_imports_are_the_allowed_delegations() -> None:
    _, local = _imports()
    found = {(m, f, t) for m, f, t, _ in local}
    unexpected = sorted({(m, f, t, line) for m, f, t, line in local if (m, f, t) not in ALLOWED_LOCAL_IMPORTS})
    assert not unexpected, ("function-local imports of fastnet modules (move them to the top of the file, or "
                            f"add a commented delegation to ALLOWED_LOCAL_IMPORTS): {unexpected}")
    assert found == ALLOWED_LOCAL_IMPORTS  # an allowance that is no longer used goes too


def test_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


# ------------------------------------------------------------------------------- facts shared with the core
@pytest.mark.parametrize("act", [a for a in ACTIVATIONS if a != "softmax"])
def test_symmetric_set_matches_the_core(act: str) -> None:
    """The core's accuracy of a 1-output network counts a sample right when output and target fall on the same
    side of its class threshold: 0 for kernels::symmetric activations, 0.5 for the others. With a target of 0.25
    (between the two) and an output outside (0, 0.5], the two thresholds give opposite verdicts, so the core's
    accuracy tells which one it uses; SYMMETRIC_ACTIVATIONS (and class_threshold) must say the same."""
    net = fn.Network([fn.Dense(1, 1, act)], loss="mse")
    net.layers[0].weights = np.zeros((1, 1))
    X = np.zeros((1, 1), np.float32)
    for bias in (3.0, -3.0, 0.0, 1.0, -1.0):
        net.layers[0].bias = np.full(1, bias)
        y = float(net.predict(X)[0, 0])
        if not 0.0 < y <= 0.5:
            break
    else:
        pytest.fail(f"{act}: no bias puts the output outside (0, 0.5]")
    # the core's own count (evaluate reports accuracy only for classifier outputs)
    accuracy = float(net._core.evaluate(X, None, np.full((1, 1), 0.25, np.float32))[1])
    core_threshold = 0.0 if accuracy == float(y > 0.0) else 0.5
    assert accuracy == float((y > core_threshold) == (0.25 > core_threshold))
    assert (core_threshold == 0.0) == (act in SYMMETRIC_ACTIVATIONS), (act, y, accuracy)
    assert fn.layers.class_threshold(act) == core_threshold
