"""A rank dies: ``mpiexec -disable-auto-cleanup -n 2 python _ranks_dead.py OUT`` with
``DLCORE_DIST_TIMEOUT`` set low.  Rank 1 leaves with ``os._exit`` after one good collective;
rank 0 then runs a static graph with an allreduce op (which must fail with HorovodTimeoutError
after the timeout, not hang) and an eager all_reduce (which must fail at once: the communicator
is broken).  Rank 0 writes what it saw to OUT, then exits: the communicator being broken, it
calls MPI_Abort at exit, so mpiexec ends with a non-zero status."""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np


def main(out_path: str) -> None:
    import dlcore_eager as torch
    import dlcore_eager.distributed as dist
    import dlcore_static as tf
    import dlcore_static.distributed as hvd
    dist.init_process_group("mpi")
    hvd.init()
    t = torch.ones(2)
    dist.all_reduce(t)                                    # every rank is alive here
    if dist.get_rank() == 1:
        os._exit(0)
    with tf.Graph().as_default():
        op = hvd.allreduce(tf.constant(np.ones(3, np.float32)))
        sess = tf.Session(passes="none")      # the time measured is the collective's alone
        seen: dict = {"first_allreduce": t.tolist()}
        t0 = time.monotonic()
        try:
            sess.run(op)
            seen["static"] = "no error"
        except Exception as e:                            # noqa: BLE001
            seen["static"] = {"type": type(e).__name__, "message": str(e),
                              "is_deadline_exceeded": isinstance(e, tf.errors.
                                                                 DeadlineExceededError),
                              "is_core_timeout": isinstance(
                                  e, __import__("dlcore.distributed").distributed.
                                  CollectiveTimeoutError)}
        seen["static_seconds"] = time.monotonic() - t0
    t1 = time.monotonic()
    try:
        dist.all_reduce(torch.ones(2))
        seen["eager"] = "no error"
    except RuntimeError as e:
        seen["eager"] = {"type": type(e).__name__, "message": str(e)}
    seen["eager_seconds"] = time.monotonic() - t1
    with open(out_path, "w") as f:
        json.dump(seen, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
