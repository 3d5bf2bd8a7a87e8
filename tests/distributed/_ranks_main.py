"""The program every rank runs in ``test_mpi.py``: ``mpiexec -n 2 python _ranks_main.py OUT DIR``.

Runs the eager, the static and the SyncBatchNorm scenarios (``_ranks_eager.py``,
``_ranks_static.py``, ``_sync_bn_ranks.py``) in one launch (each launch costs every rank its
imports and kernel loads, ~4 s of CPU), then rank 0 writes the results as JSON to OUT.  An exception on a rank is written too, so the test shows it instead of a bare
failure."""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(out_path: str, directory: str) -> int:
    t0 = time.perf_counter()
    import dlcore_eager.distributed as dist
    dist.init_process_group("mpi")
    results: dict = {"rank": dist.get_rank(), "world": dist.get_world_size(),
                     "backend": dist.get_backend()}
    failed = False
    for name, module in (("eager", "_ranks_eager"), ("static", "_ranks_static"),
                         ("sync_bn", "_sync_bn_ranks")):
        t = time.perf_counter()
        try:
            mod = __import__(module)
            results[name] = mod.run_all(directory)
        except Exception:                                    # noqa: BLE001
            results[name] = {"error": traceback.format_exc()}
            failed = True
        results[f"{name}_seconds"] = time.perf_counter() - t
    results["seconds"] = time.perf_counter() - t0
    if dist.get_rank() == 0 or failed:
        path = out_path if dist.get_rank() == 0 else f"{out_path}.rank{dist.get_rank()}"
        with open(path, "w") as f:
            json.dump(results, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
