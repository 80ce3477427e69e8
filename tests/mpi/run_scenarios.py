"""Run under mpiexec: every scenario of scenarios.py on this rank's shard; results to OUTDIR/<name>.rank<r>.pkl."""

import os
import pickle
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mpi4py import MPI  # noqa: E402
from scenarios import SCENARIOS, data, snapshot  # noqa: E402

import fastnet as fn  # noqa: E402

comm = MPI.COMM_WORLD
outdir = sys.argv[1]
names = sys.argv[2:] or list(SCENARIOS)
X, y, Xv, yv = data()
for name in names:
    build, mode, kwargs, with_val = SCENARIOS[name]
    Xs, ys = fn.distributed.shard(X, y, comm, mode=mode)
    net = build()
    extra = {"validation_data": fn.distributed.shard(Xv, yv, comm, mode=mode)} if with_val else {}
    if "sample_weight" in kwargs:  # this rank's samples' weights
        idx = fn.distributed.shard_indices(len(X), comm.rank, comm.size, mode)
        kwargs = dict(kwargs, sample_weight=kwargs["sample_weight"][idx])
    h = net.fit(Xs, ys, comm=comm, verbose=0, **kwargs, **extra)
    result = {"size": comm.size, "history": h.to_dict(), "in_sync": fn.distributed.in_sync(net, comm),
              **snapshot(net)}
    if name == "dropout_shuffle":  # reproducible: the same run again gives the same bits
        again = build()
        again.fit(Xs, ys, comm=comm, verbose=0, **kwargs, **extra)
        result["again"] = snapshot(again)["arena"]
    with open(os.path.join(outdir, f"{name}.rank{comm.rank}.pkl"), "wb") as f:
        pickle.dump(result, f)
