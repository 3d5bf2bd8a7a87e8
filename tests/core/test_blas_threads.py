"""dlcore's default BLAS thread policy (``dlcore.kernels.cpu.blas_threads``): one OpenBLAS
thread for a small GEMM, the pool (at most the cores this process may use) for a large one,
and never more than the user chose.  Each case runs in a fresh process: the test suite itself
pins BLAS to one thread (tests/conftest.py), which the policy must respect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("threadpoolctl")
ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    from threadpoolctl import threadpool_info
    from dlcore.kernels.cpu import blas_threads, linalg
    blas_threads.SMALL_GEMM_FLOPS = 1e4          # "large" at a toy size, for speed
    def pool():
        return [i["num_threads"] for i in threadpool_info()
                if i["internal_api"] == "openblas" and "numpy" in i["filepath"]][0]
    seen = {"start": pool()}
    small = linalg.matmul(np.ones((4, 5)), np.ones((5, 3)))          # 120 flops
    seen["small"] = pool()
    big = linalg.matmul(np.ones((40, 50)), np.ones((50, 30)))        # 120,000 flops
    seen["large"] = pool()
    assert (small == 5).all() and (big == 50).all()
    if sys.argv[1] == "ceiling":
        import dlcore_eager as torch
        torch.set_num_threads(1)
        linalg.matmul(np.ones((40, 50)), np.ones((50, 30)))
        seen["after_set_num_threads_1"] = pool()
    seen["cores"] = len(os.sched_getaffinity(0))
    print(json.dumps(seen))
""")


def _run(case: str, **env) -> dict:
    base = {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", PROGRAM, case], cwd=ROOT, text=True,
                         capture_output=True, timeout=120, env={**base, **env,
                                                                "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_small_gemm_one_thread_large_gemm_the_pool_and_set_num_threads_lowers_it():
    seen = _run("ceiling")
    assert seen["small"] == 1
    assert seen["large"] == min(seen["start"], seen["cores"])
    assert seen["after_set_num_threads_1"] == 1


def test_the_users_setting_is_a_ceiling_and_the_policy_can_be_switched_off():
    seen = _run("plain", OPENBLAS_NUM_THREADS="1")
    assert seen == {**seen, "start": 1, "small": 1, "large": 1}
    off = _run("plain", DLCORE_BLAS_POLICY="0")
    assert off["small"] == off["large"] == off["start"]
