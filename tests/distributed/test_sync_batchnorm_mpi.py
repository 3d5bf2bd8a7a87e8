"""SyncBatchNorm across 2 MPI ranks equals BatchNorm over the whole batch in one process:
outputs, input gradients, summed parameter gradients and running statistics (float64, two
training steps).  One ``mpiexec -n 2`` launch; skipped, with the reason, where MPI cannot
start."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dlcore.distributed import find_mpiexec

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def test_sync_batch_norm_on_two_ranks_equals_whole_batch(tmp_path):
    pytest.importorskip("mpi4py")
    mpiexec = find_mpiexec()
    if mpiexec is None:
        pytest.skip("no mpiexec next to this Python or on PATH")
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("DLCORE_DIST_TIMEOUT", "120")
    out = tmp_path / "res.json"
    r = subprocess.run([mpiexec, "-n", "2", sys.executable,
                        os.path.join(HERE, "_sync_bn_ranks.py"), str(out)], env=env,
                       capture_output=True, text=True, timeout=300, check=False)
    errors = "".join(p.read_text() for p in tmp_path.glob("res.json.rank*"))
    if not out.exists() and r.returncode != 0 and "error" not in errors and \
            ("mpi" in (r.stderr + r.stdout).lower()):
        pytest.skip(f"MPI cannot start 2 ranks here: {(r.stdout + r.stderr)[-300:]}")
    assert r.returncode == 0 and out.exists(), (r.stdout[-2000:], r.stderr[-2000:], errors)
    res = json.loads(out.read_text())
    assert "error" not in res, res["error"]
    assert res["world"] == 2 and res["batches"] == 2
    for name, diff in res["diffs"].items():
        assert diff < 1e-12, (name, diff)
