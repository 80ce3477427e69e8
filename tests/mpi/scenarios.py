"""Training scenarios shared by the MPI script (run_scenarios.py, under mpiexec) and tests/test_distributed.py
(which trains the single-process references): the same data, networks and fit arguments on both sides."""

import numpy as np

import fastnet as fn

N_TRAIN, N_VAL, FEATURES, CLASSES = 203, 61, 12, 3  # odd sizes: uneven shards and a short last batch


def data():
    rng = np.random.default_rng(7)
    W = rng.normal(size=(FEATURES, CLASSES))
    X = rng.normal(size=(N_TRAIN, FEATURES)).astype(np.float32)
    y = np.argmax(X @ W + 0.5 * rng.normal(size=(N_TRAIN, CLASSES)), axis=1)
    Xv = rng.normal(size=(N_VAL, FEATURES)).astype(np.float32)
    yv = np.argmax(Xv @ W, axis=1)
    return X, y, Xv, yv


def dense(dropout=0.0):
    return fn.Network([fn.Dense(FEATURES, 16, "relu", dropout=dropout), fn.Dense(16, CLASSES, "softmax")], seed=3)


def controls():
    """fit's training controls: a per-layer rate and a frozen middle layer (clipping comes with the fit arguments)"""
    return fn.Network([fn.Dense(FEATURES, 16, "relu", lr_scale=0.5), fn.Dense(16, 16, "tanh", trainable=False),
                       fn.Dense(16, CLASSES, "softmax")], seed=3)


def sparse():
    return fn.Network([fn.Sparse(FEATURES, 24, density=0.4, activation="relu"),
                       fn.Sparse(24, 16, density=0.5, activation="tanh"),
                       fn.Dense(16, CLASSES, "softmax")], seed=5)


# name -> (network builder, shard mode, fit arguments, with validation data)
SCENARIOS = {
    "sgd": (dense, "strided", dict(epochs=3, batch_size=15, shuffle=False,
                                   optimizer=fn.SGD(lr=0.1, momentum=0.9, weight_decay=1e-3)), True),
    "sgd_contiguous": (dense, "contiguous", dict(epochs=2, batch_size=16, shuffle=False, l1=1e-4, max_norm=3.0,
                                                 optimizer=fn.SGD(lr=0.05, momentum=0.9, nesterov=True)), False),
    "adam": (dense, "strided", dict(epochs=3, batch_size=16, shuffle=False, optimizer=fn.Adam(lr=0.01)), False),
    "rprop": (dense, "strided", dict(epochs=8, optimizer=fn.RPROP()), True),
    "controls": (controls, "strided", dict(epochs=2, batch_size=16, shuffle=False, clip_norm=0.05, clip_value=0.02,
                                           optimizer=fn.SGD(lr=0.1, momentum=0.9)), False),
    "sparse_set": (sparse, "strided", dict(epochs=3, batch_size=16, shuffle=False, rewire=fn.SET(0.2),
                                           optimizer=fn.SGD(lr=0.1, momentum=0.9)), True),
    "sparse_rprop": (sparse, "strided", dict(epochs=6, optimizer=fn.RPROP()), False),
    # no single-process equivalent (private dropout and shuffle streams): ranks identical, runs reproducible
    "dropout_shuffle": (lambda: dense(0.3), "contiguous", dict(epochs=2, batch_size=16, shuffle=True,
                                                              input_dropout=0.2,
                                                              optimizer=fn.SGD(lr=0.1, momentum=0.9)), True),
}
SINGLE_PROCESS_EQUIVALENT = [k for k in SCENARIOS if k != "dropout_shuffle"]


def global_order(n, size, mode):
    """The order in which a distributed run with shuffle=False visits the samples: the round-robin interleaving of
    the shards (the original order for strided shards)."""
    shards = [fn.distributed.shard_indices(n, r, size, mode) for r in range(size)]
    return np.array([s[t] for t in range(max(map(len, shards))) for s in shards if t < len(s)], dtype=np.int64)


def snapshot(net):
    """What the tests compare: every layer's weights and bias, sparse topologies, and the raw parameter arena."""
    return {"weights": [L.weights for L in net.layers], "bias": [L.bias for L in net.layers],
            "topology": [net._core.topology(i) if L.is_sparse else None for i, L in enumerate(net.layers)],
            "arena": np.array(net._core.param_arena())}


# SARPROP with FANN's tanh error function: a 12-16-3 tanh network, ±1 targets, full batch (sarprop_tanh.py)
SARPROP_TANH_EPOCHS = 50


def sarprop_tanh_data():
    X, y, _, _ = data()
    T = np.where(np.eye(CLASSES, dtype=bool)[y], 1.0, -1.0).astype(np.float32)
    return X, T


def sarprop_tanh_net():
    return fn.Network([FEATURES, 16, CLASSES], activation="tanh", output="tanh", loss="fann_tanh", seed=11)
