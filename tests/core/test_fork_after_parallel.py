"""A child forked after its parent ran parallel (``prange``) kernels computes, serially.

Numba's ``omp`` threading layer (GNU OpenMP, which dlcore picks by default) terminates a forked
child at its first parallel loop when the parent's pool already ran ("Terminating: fork()
called from a process already using GNU OpenMP, this is unsafe.", SIGTERM): a Hogwild child
(``mp.Process`` over a ``share_memory()`` model, the fork context) died on its first big
operation.  The child now takes every kernel's serial twin and a compiled static plan with
parallel loops runs in the interpreter (``dlcore.kernels.cpu.runtime.parallel_ok``).  Each case
runs in a fresh interpreter (the parent's OpenMP state is the test's own), with the parallel
threshold lowered so that small arrays take the parallel loops."""

import os
import subprocess
import sys
import textwrap

import pytest

_PRELUDE = """
import sys
import numpy as np
import dlcore_eager as torch
import dlcore_eager.multiprocessing as mp
from dlcore.kernels.cpu import runtime

def check(name, got, want):
    got = np.asarray(got)
    if got.shape != np.shape(want) or not np.allclose(got, want, rtol=1e-5, atol=1e-5):
        raise SystemExit(f"{name}: {got!r} != {want!r}")

rng = np.random.default_rng(0)
A = rng.standard_normal((64, 128)).astype(np.float32)      # 8192 elements: over the threshold
B = rng.standard_normal((1, 128)).astype(np.float32)

def run_in_child(target, *args):
    p = mp.get_context("fork").Process(target=target, args=args)
    p.start()
    p.join(60)
    if p.exitcode is None:
        p.terminate()
    return p.exitcode
"""


def _run(body: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DLCORE_PARALLEL_THRESHOLD="4096", NUMBA_NUM_THREADS="2")
    env.pop("NUMBA_THREADING_LAYER", None)          # dlcore's default (omp where it exists)
    code = textwrap.dedent(_PRELUDE) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=240)


def test_eager_kernels_run_serially_in_a_child_forked_after_parallel_loops():
    r = _run("""
        a, b = torch.from_numpy(A), torch.from_numpy(B)
        # the parent runs the parallel loops: flat, broadcast (a cached layout plan), unary,
        # reduction, and the layer that ran is reported
        parent = [(a * a).numpy(), (a + b).numpy(), torch.exp(a).numpy(), float(a.sum())]
        import numba
        print("layer", numba.threading_layer(), "parent parallel_ok", runtime.parallel_ok)
        out = torch.zeros(4).share_memory_()

        def child(out):
            gnu_omp = numba.threading_layer() == "omp" and \
                sys.modules["numba.np.ufunc.omppool"].openmp_vendor == "GNU"
            check("parallel_ok", runtime.parallel_ok, not gnu_omp)
            x = torch.from_numpy(A.copy()).requires_grad_()
            check("mul", (x * x).detach().numpy(), A * A)
            check("broadcast add", (x + torch.from_numpy(B)).detach().numpy(), A + B)
            check("exp", torch.exp(x).detach().numpy(), np.exp(A))
            loss = (x * x).sum()
            loss.backward()
            check("grad", x.grad.numpy(), 2 * A)
            out[0] = float(loss)
            out[1] = float(torch.from_numpy(A).max())
            out[2] = 1.0

        code = run_in_child(child, out)
        check("child exit code", code, 0)
        check("shared results", out.numpy()[:3],
              [float((A.astype(np.float64) ** 2).sum()), A.max(), 1.0])
        check("parent still parallel", runtime.parallel_ok, True)
        print("ok")
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok" in r.stdout and "Terminating" not in r.stderr, r.stdout + r.stderr


def test_a_compiled_static_plan_with_parallel_loops_runs_in_a_forked_child():
    r = _run("""
        import dlcore_static as tf
        x = tf.placeholder(tf.float32, [64, 128])
        y = tf.nn.relu(x * 2.0 + 1.0) * x           # one elementwise loop: a parallel one
        sess = tf.Session(passes=("fusion", "compile"))
        want = np.maximum(A * 2 + 1, 0) * A
        check("parent", sess.run(y, {x: A}), want)
        report = sess.plan(y, {x: A}).compiler
        check("the plan has a parallel loop", report.codegen["parallel"], True)
        out = torch.zeros(64, 128).share_memory_()

        def child(out):
            got = sess.run(y, {x: A})               # the parent's plan: interpreted here
            z = tf.reduce_sum(x * x, axis=0)         # a new plan, compiled in the child
            check("new plan", sess.run(z, {x: A}), (A.astype(np.float64) ** 2).sum(axis=0))
            out[:] = torch.from_numpy(got)

        check("child exit code", run_in_child(child, out), 0)
        check("child's run", out.numpy(), want)
        check("parent again", sess.run(y, {x: A}), want)
        print("ok")
    """)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok" in r.stdout and "Terminating" not in r.stderr, r.stdout + r.stderr


@pytest.mark.parametrize("layer", ["workqueue"])
def test_a_fork_safe_layer_keeps_parallel_loops_in_the_child(layer):
    env = dict(os.environ, DLCORE_PARALLEL_THRESHOLD="4096", NUMBA_THREADING_LAYER=layer)
    code = textwrap.dedent(_PRELUDE) + textwrap.dedent("""
        a = torch.from_numpy(A)
        (a * a).numpy()
        flags = torch.zeros(1).share_memory_()

        def child(flags):
            check("mul", (a * a).numpy(), A * A)
            flags[0] = float(runtime.parallel_ok)

        check("child exit code", run_in_child(child, flags), 0)
        check("child kept its parallel loops", flags.numpy(), [1.0])
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr


def test_one_numba_thread_takes_the_serial_loops():
    """With one Numba thread for the whole process (``NUMBA_NUM_THREADS=1``, or one allowed
    core) no parallel loop is compiled or run: eager kernels, reductions and a compiled static
    plan over the threshold take the serial ones (same values), and the report says why."""
    env = dict(os.environ, DLCORE_PARALLEL_THRESHOLD="4096", NUMBA_NUM_THREADS="1")
    code = textwrap.dedent(_PRELUDE) + textwrap.dedent("""
        import numba
        import dlcore_static as tf
        a, b = torch.from_numpy(A), torch.from_numpy(B)
        check("mul", (a * a).numpy(), A * A)
        check("add", (a + b).numpy(), A + B)
        check("exp", torch.exp(a).numpy(), np.exp(A))
        check("sum", float(a.sum()), float(A.astype(np.float64).sum()))
        x = tf.placeholder(tf.float32, A.shape)
        y = tf.tanh(x * 2.0 + 1.0)
        with tf.Session(passes="all") as s:
            for _ in range(3):
                got = s.run(y, {x: A})
        check("plan", got, np.tanh(A * 2 + 1))
        assert runtime.parallel_ok is False
        try:
            layer = numba.threading_layer()
        except ValueError:
            layer = None                # no parallel loop has run in this process
        assert layer is None, layer
        # (the report asks Numba for its thread count, which starts its pool: last)
        assert runtime.runtime_info()["parallel_loops"] == "off (one Numba thread)"
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stdout + r.stderr
