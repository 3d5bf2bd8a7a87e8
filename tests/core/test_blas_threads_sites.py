"""Every GEMM and LAPACK call of the CPU kernels goes through the BLAS thread policy
(``dlcore.kernels.cpu.blas_threads``: ``matmul``, ``for_gemm``, ``for_lapack``), so none runs
with whatever thread count the previous large GEMM left (a 64x64 ``eigh`` after a large GEMM
took 15-20 ms of CPU time on two threads against 0.6 ms on one, on a loaded 2-core machine).

One source check (no bare ``np.matmul``/``np.dot``/``@``/``np.linalg`` call in a kernel function
that does not ask the policy) and one run in a fresh process (the suite pins BLAS to one thread,
tests/conftest.py) that watches the pool's size around each kind of site."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CPU = ROOT / "dlcore" / "kernels" / "cpu"
POLICY = {"for_gemm", "for_lapack", "_gemm", "matmul"}


def _bare_blas_calls(fn: ast.FunctionDef) -> list[str]:
    hits = []
    for node in ast.walk(fn):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            hits.append(f"@ at line {node.lineno}")
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("np.matmul", "np.dot", "np.einsum", "np.tensordot") or \
                    name.startswith("np.linalg."):
                hits.append(f"{name} at line {node.lineno}")
    return hits


def _asks_policy(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Call) and ast.unparse(n.func) in POLICY for n in ast.walk(fn))


def _called_names(fn: ast.FunctionDef) -> set[str]:
    return {ast.unparse(n.func).rsplit(".", 1)[-1] for n in ast.walk(fn)
            if isinstance(n, ast.Call)}


def test_no_cpu_kernel_calls_blas_without_the_policy():
    """A kernel function with a GEMM or LAPACK call asks the policy itself, or is called only
    from functions that do (``conv_rows``, the ``conv_grid`` routes: their caller asks once
    for the whole convolution's flops)."""
    funcs = []                                  # (file, function node)
    for path in sorted(CPU.glob("*.py")):
        if path.name != "blas_threads.py":
            funcs += [(path.name, fn) for fn in ast.walk(ast.parse(path.read_text()))
                      if isinstance(fn, ast.FunctionDef)]
    def covered(fn, seen=()) -> bool:
        if _asks_policy(fn):
            return True
        callers = [c for _, c in funcs if fn.name in _called_names(c) and c is not fn]
        return bool(callers) and all(c not in seen and covered(c, seen + (fn,))
                                     for c in callers)

    bad = []
    for fname, fn in funcs:
        if any("jit" in ast.unparse(d) for d in fn.decorator_list):
            continue                     # np.dot in Numba: SciPy's BLAS, not NumPy's pool
        hits = _bare_blas_calls(fn)
        if hits and not covered(fn):
            bad.append(f"{fname}:{fn.name}: {', '.join(hits)}")
    assert not bad, "GEMM/LAPACK calls that skip the BLAS thread policy:\n" + "\n".join(bad)


PROGRAM = textwrap.dedent("""
    import json
    import numpy as np
    from threadpoolctl import threadpool_info
    from dlcore.kernels.cpu import blas_threads, decompositions, linalg, linalg_solve, rnn
    from dlcore_static.compiler.accumulators import stacked_product
    blas_threads.SMALL_GEMM_FLOPS = 1e4          # "large" at a toy size, for speed
    def pool():
        return [i["num_threads"] for i in threadpool_info()
                if i["internal_api"] == "openblas" and "numpy" in i["filepath"]][0]
    def big():
        linalg.matmul(np.ones((40, 50)), np.ones((50, 30)))
        return pool()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    sites = {
        "solve": lambda: linalg_solve.solve(a, a),
        "cholesky": lambda: linalg_solve.cholesky(a @ a.T),
        "qr": lambda: linalg_solve.qr(a, part="Q", mode="reduced"),
        "eigh": lambda: linalg_solve.eigh(a, part="V", lower=True),
        "det": lambda: linalg_solve.det(a),
        "slogdet": lambda: linalg_solve.slogdet(a, part="sign"),
        "inv": lambda: decompositions.inv(a),
        "svd": lambda: decompositions.svd(a, part="S", full_matrices=False),
        "lstm_seq": lambda: rnn.lstm_seq(np.zeros((2, 3, 8)), np.ones((2, 8)),
                                         np.zeros((3, 2)), np.zeros((3, 2))),
        "stacked_product": lambda: stacked_product([np.ones((3, 2))], [np.ones((3, 2))],
                                                   np.zeros((2, 2))),
    }
    seen = {}
    for name, f in sites.items():
        before = big()
        f()
        seen[name] = [before, pool()]
    n = 60                                        # 2 * 60^2 * 60 = 432,000 flops: large
    linalg.matmul(np.ones((2, 2)), np.ones((2, 2)))
    linalg_solve.solve(np.eye(n) * 2, np.ones((n, n)))
    seen["large_solve"] = pool()
    print(json.dumps(seen))
""")


def test_each_site_sets_its_own_thread_count():
    pytest.importorskip("threadpoolctl")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, text=True,
                         capture_output=True, timeout=120, env={**env, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    pool = seen.pop("large_solve")
    if pool == 1:
        pytest.skip("one core for this process: the pool and one thread are the same")
    for name, (before, after) in seen.items():
        assert (before, after) == (pool, 1), name
