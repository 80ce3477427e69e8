"""Run under mpiexec with 2 ranks: the collective errors (every rank must raise the same exception, nobody hangs),
written to OUTDIR/errors.rank<r>.json; then, unless OUTDIR/skip_abort exists, rank 1 fails in the middle of
training, which must end the whole job (non-zero exit, the failure printed by rank 1)."""

import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mpi4py import MPI  # noqa: E402
from scenarios import data, dense  # noqa: E402

import fastnet as fn  # noqa: E402

comm = MPI.COMM_WORLD
rank = comm.rank
outdir = sys.argv[1]
X, y, Xv, yv = data()
Xs, ys = fn.distributed.shard(X, y, comm)
results = {}


def expect(name, make_call):
    try:
        make_call()
        results[name] = None
    except Exception as exc:  # noqa: BLE001
        results[name] = [type(exc).__name__, str(exc)]


# a different architecture on rank 1
expect("architecture", lambda: (fn.Network([12, 17 if rank else 16, 3], seed=0) if True else None)
       .fit(Xs, ys, comm=comm, epochs=1, verbose=0))
# a bad shard on rank 1 only (NaN)
bad = Xs.copy()
if rank == 1:
    bad[3, 2] = float("nan")
expect("nan_shard", lambda: dense().fit(bad, ys, comm=comm, epochs=1, verbose=0))
# a wrong number of features on rank 1 only
expect("features", lambda: dense().fit(Xs[:, : (11 if rank else 12)], ys, comm=comm, epochs=1, verbose=0))
# different arguments
expect("batch_size", lambda: dense().fit(Xs, ys, comm=comm, epochs=1, batch_size=16 + rank, verbose=0))
# a callback that raises on rank 1 only, at the end of epoch 2
def failing(logs):
    if rank == 1 and logs["epoch"] == 2:
        raise ValueError("callback failure on rank 1")
expect("callback", lambda: dense().fit(Xs, ys, comm=comm, epochs=3, verbose=0, callbacks=[failing]))
# a diverging run: FloatingPointError on every rank
expect("diverged", lambda: fn.Network([12, 16, 3], seed=0).fit(Xs * 1e18, ys, comm=comm, epochs=2, lr=1e9,
                                                               verbose=0))
# still usable afterwards: a short run, a collective save
net = dense()
net.fit(Xs, ys, comm=comm, epochs=1, batch_size=16, verbose=0)
fn.distributed.save_on_rank0(net, os.path.join(outdir, "model.fnet"), comm)
results["in_sync"] = fn.distributed.in_sync(net, comm)
# ranks that built their networks with different seeds (or dtypes float64) still train one network: rank 0's
other = fn.Network([12, 16, 3], seed=rank * 99, dtype="float64")
other.fit(Xs, ys, comm=comm, epochs=1, batch_size=16, verbose=0)
results["seeds_synced"] = fn.distributed.in_sync(other, comm)
results["saved"] = os.path.exists(os.path.join(outdir, "model.fnet"))
with open(os.path.join(outdir, f"errors.rank{rank}.json"), "w") as f:
    json.dump(results, f)
comm.Barrier()
if os.path.exists(os.path.join(outdir, "skip_abort")):
    sys.exit(0)


class InjectedFailure(BaseException):
    pass


def arm(logs):  # rank 1 fails a few milliseconds into epoch 2, wherever it is (like Ctrl-C or a crash)
    if rank == 1 and logs["epoch"] == 1:
        def boom(signum, frame):
            raise InjectedFailure("injected failure on rank 1")
        signal.signal(signal.SIGALRM, boom)
        signal.setitimer(signal.ITIMER_REAL, 0.005)


dense().fit(Xs, ys, comm=comm, epochs=100000, batch_size=4, verbose=0, callbacks=[arm])
print(f"rank {rank}: training finished, which it should not have", flush=True)
