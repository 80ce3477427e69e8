"""Run under mpiexec with 2 ranks: SARPROP on FANN's tanh error function (loss="fann_tanh", ±1 targets), 50
full-batch epochs on strided shards; the history and weights of rank r go to OUTDIR/sarprop_tanh.rank<r>.pkl.
SARPROP's step depends on FANN's MSE, so this pins down that a distributed epoch computes it as one process does."""

import os
import pickle
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mpi4py import MPI  # noqa: E402
from scenarios import SARPROP_TANH_EPOCHS, sarprop_tanh_data, sarprop_tanh_net, snapshot  # noqa: E402

import fastnet as fn  # noqa: E402

comm = MPI.COMM_WORLD
X, T = sarprop_tanh_data()
Xs, Ts = fn.distributed.shard(X, T, comm, mode="strided")
net = sarprop_tanh_net()
h = net.fit(Xs, Ts, comm=comm, epochs=SARPROP_TANH_EPOCHS, optimizer=fn.SARPROP(), shuffle=False, verbose=0)
result = {"size": comm.size, "history": h.to_dict(), "in_sync": fn.distributed.in_sync(net, comm), **snapshot(net)}
with open(os.path.join(sys.argv[1], f"sarprop_tanh.rank{comm.rank}.pkl"), "wb") as f:
    pickle.dump(result, f)
