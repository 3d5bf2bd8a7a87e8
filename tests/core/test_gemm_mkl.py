"""``gemm_mkl``: Intel MKL's sequential sgemm for the float32 products of one BLAS thread
(issue 19).  The shape rule; values against a float64 NumPy reference for every operand layout
the vjps make (C order, transposed views, row slices, other strides); the fused SGD update;
results NumPy owns; and the routing: ``linalg.matmul``, ``blas_threads.matmul``,
``gemm_update`` and the compiled glue take MKL for its shapes when it is there, and
``DLCORE_GEMM=openblas`` switches it off.  Where the ``mkl`` package is not installed (or the
CPU is not an Intel one) the tests that need it are skipped and the rule says no."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from dlcore.kernels.cpu import blas_threads, gemm_mkl, gemm_update, linalg

RNG = np.random.default_rng(2025)
needs_mkl = pytest.mark.skipif(not gemm_mkl.available() or gemm_mkl.NT_ONLY,
                               reason="MKL not installed here (or not an Intel CPU)")
#: the Intel rules apply (MKL available, not only for ``x @ W.T``)
INTEL_RULES = gemm_mkl.available() and not gemm_mkl.NT_ONLY


def _ref(a, b):
    return a.astype(np.float64) @ b.astype(np.float64)


def _layouts(x):
    """The same matrix as C order, a transposed view, a slice of rows' columns and a
    strided view (copied inside)."""
    m, k = x.shape
    wide = np.zeros((m, k + 3), np.float32)
    wide[:, :k] = x
    every_other = np.zeros((m, 2 * k), np.float32)
    every_other[:, ::2] = x
    return {"C": x, "T-view": np.ascontiguousarray(x.T).T, "row-slice": wide[:, :k],
            "strided": every_other[:, ::2]}


@pytest.mark.parametrize("m,k,n,want", [
    (16, 1000, 100, True), (1000, 16, 100, True), (64, 1000, 100, True),
    (100, 200, 2000, True), (20, 100, 400, False), (100, 100, 100, False),
    (64, 1000, 10, False), (0, 1000, 100, False),
    (64, 128, 128, True), (16, 1024, 64, True), (10, 1024, 128, False), (128, 1024, 10, False),
    (10, 1500, 100, True)])
def test_shape_rule(m, k, n, want):
    """From 2^20 multiply-adds (16 rows and columns) or 1.5M (any) up to the one-thread limit
    (2 m k n < SMALL_GEMM_FLOPS)."""
    assert gemm_mkl.takes(m, k, n) == (want and INTEL_RULES)


@pytest.mark.parametrize("m,k,n,want", [
    (8, 200, 800, True), (8, 800, 200, True), (20, 100, 400, True), (20, 400, 100, True),
    (4, 256, 1024, True), (4, 200, 800, False), (16, 64, 256, False), (32, 32, 128, False),
    (4, 128, 512, False), (64, 1000, 100, True), (7, 100, 400, False)])
def test_step_rule(monkeypatch, m, k, n, want):
    """A recurrent layer's per-step products (``takes_step``): ``takes``' rule, and below it
    from 8 rows and 100 inner and output columns, or 2^20 multiply-adds; never on an AMD CPU
    with AVX-512 (``NT_ONLY``)."""
    assert gemm_mkl.takes_step(m, k, n) == (want and INTEL_RULES)
    monkeypatch.setattr(gemm_mkl, "NT_ONLY", True)
    monkeypatch.setattr(gemm_mkl, "_STATE", [True])
    assert not gemm_mkl.takes_step(m, k, n)


@needs_mkl
def test_the_lstm_layers_step_products_take_mkl_in_the_band_with_numpys_values(monkeypatch):
    """``rnn._step_product`` of an (8, 200) @ (200, 800) step (below ``takes``) runs MKL's
    product (the C symbol's caller watched), equal to NumPy's to float32 rounding; the layer's
    forward and gradient through it agree with the float64 reference loop."""
    from dlcore.kernels.cpu import rnn
    seen = []
    real = gemm_mkl._jit()

    def spy(a, b, out, alpha, beta):
        seen.append((a.shape, b.shape))
        return real(a, b, out, alpha, beta)
    monkeypatch.setattr(gemm_mkl, "_JIT", spy)
    a = RNG.standard_normal((8, 200)).astype(np.float32)
    b = RNG.standard_normal((200, 800)).astype(np.float32)
    out = np.empty((8, 800), np.float32)
    rnn._step_product(8, 200, 800, np.dtype(np.float32))(a, b, out)
    assert seen == [((8, 200), (200, 800))]
    np.testing.assert_allclose(out, _ref(a, b), rtol=1e-4, atol=1e-4)
    seen.clear()
    rnn._step_product(16, 64, 256, np.dtype(np.float32))(a[:, :64].copy(),
                                                          b[:64, :256].copy(), out[:, :256])
    assert seen == []                                            # (64 columns: OpenBLAS)
    xw = RNG.standard_normal((5, 8, 800)).astype(np.float32)
    u = (RNG.standard_normal((200, 800)) * 0.1).astype(np.float32)
    h0 = RNG.standard_normal((8, 200)).astype(np.float32)
    c0 = RNG.standard_normal((8, 200)).astype(np.float32)
    y = rnn.lstm_seq(xw, u, h0, c0)
    y64 = rnn.lstm_seq(xw.astype(np.float64), u.astype(np.float64), h0.astype(np.float64),
                       c0.astype(np.float64))
    np.testing.assert_allclose(y, y64, rtol=2e-4, atol=2e-4)
    assert seen                                                  # (the layer's steps: MKL)


def test_rule_ends_where_blas_threads_goes_parallel():
    assert gemm_mkl._MAX_MKN == gemm_mkl.BIG_MKN == blas_threads.SMALL_GEMM_FLOPS / 2


@pytest.mark.parametrize("m,k,n,bt,want", [
    (512, 1024, 1024, False, True), (1024, 512, 1024, False, True), (256, 1024, 2048, False, True),
    (128, 2048, 2048, False, False), (128, 2048, 2048, True, True), (64, 1024, 1024, True, True),
    (64, 1024, 1024, False, False), (2048, 64, 2048, False, True),
    (192, 700, 2048, False, True), (176, 700, 4096, False, False)])
def test_large_products_go_to_mkl_only_on_one_blas_thread(monkeypatch, m, k, n, bt, want):
    """From SMALL_GEMM_FLOPS on, MKL (sequential) only where BLAS is held to one thread, and
    then for ``x @ W.T`` or at least BIG_MIN_ROWS rows (it lost 1.5x at 128x2048x2048 NN)."""
    for one_thread, expect in ((True, want), (False, False)):
        monkeypatch.setattr(gemm_mkl, "ONE_BLAS_THREAD", [one_thread])
        assert gemm_mkl.takes(m, k, n, bt) == (expect and INTEL_RULES), one_thread


def test_the_one_thread_flag_follows_the_blas_ceiling(monkeypatch):
    blas_threads.current()                                   # (resolved)
    if blas_threads._state[0] is None:
        pytest.skip("no OpenBLAS found: the policy is off, the flag stays False")
    monkeypatch.setattr(blas_threads, "_state", list(blas_threads._state))
    monkeypatch.setattr(gemm_mkl, "ONE_BLAS_THREAD", list(gemm_mkl.ONE_BLAS_THREAD))
    blas_threads.set_ceiling(1)
    assert gemm_mkl.ONE_BLAS_THREAD[0] is True
    blas_threads.set_ceiling(2)
    assert gemm_mkl.ONE_BLAS_THREAD[0] is False


@needs_mkl
def test_a_large_product_on_one_blas_thread_is_routed_to_mkl(monkeypatch, calls):
    monkeypatch.setattr(gemm_mkl, "ONE_BLAS_THREAD", [True])
    a = RNG.standard_normal((256, 512)).astype(np.float32)          # 6.7e7 multiply-adds
    b = RNG.standard_normal((512, 512)).astype(np.float32)
    np.testing.assert_allclose(linalg.matmul(a, b), _ref(a, b), rtol=1e-4, atol=1e-3)
    x = RNG.standard_normal((64, 1024)).astype(np.float32)           # x @ W.T, 64 rows
    w = RNG.standard_normal((1024, 1024)).astype(np.float32)
    np.testing.assert_allclose(linalg.matmul(x, w, transpose_b=True), _ref(x, w.T),
                               rtol=1e-4, atol=1e-3)
    assert calls == [((256, 512), (512, 512)), ((64, 1024), (1024, 1024))]
    linalg.matmul(x, w)                                              # NN with 64 rows: OpenBLAS
    gemm_mkl.ONE_BLAS_THREAD[0] = False
    linalg.matmul(a, b)                                              # a pool of two: OpenBLAS
    assert len(calls) == 2


@needs_mkl
@pytest.mark.parametrize("m,k,n", [(16, 1000, 100), (1000, 16, 100), (3, 5, 7), (1, 9, 1),
                                   (7, 1, 5), (33, 130, 17)])
def test_values_every_layout(m, k, n):
    a = RNG.standard_normal((m, k)).astype(np.float32)
    b = RNG.standard_normal((k, n)).astype(np.float32)
    want = _ref(a, b)
    for la, xa in _layouts(a).items():
        for lb, xb in _layouts(b).items():
            got = gemm_mkl.sgemm(xa, xb)
            assert got.shape == (m, n) and got.dtype == np.float32, (la, lb)
            assert got.flags.c_contiguous and got.flags.owndata, (la, lb)
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.sqrt(k),
                                       err_msg=f"{la} @ {lb}")


@needs_mkl
def test_special_values_and_read_only():
    a = RNG.standard_normal((16, 1000)).astype(np.float32)
    b = RNG.standard_normal((1000, 100)).astype(np.float32)
    a[3, 7], b[5, 9] = np.nan, np.inf
    a.flags.writeable = b.flags.writeable = False
    got = gemm_mkl.sgemm(a, b)
    ref = np.dot(a, b)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-4, atol=1e-3)


@needs_mkl
def test_fused_update():
    a = RNG.standard_normal((64, 1000)).astype(np.float32)
    g = RNG.standard_normal((64, 100)).astype(np.float32)
    w = RNG.standard_normal((1000, 100)).astype(np.float32)
    before = w.copy()
    out = np.empty_like(w)
    assert gemm_update.available()
    got = gemm_update.sgemm_update(out, w, a.T, g, np.float32(0.01))
    assert got is out
    np.testing.assert_allclose(out, w - 0.01 * _ref(a.T, g), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(w, before)            # the weight itself is untouched


@pytest.fixture
def calls(monkeypatch):
    """The (a.shape, b.shape) of each product given to MKL (``gemm_mkl.sgemm`` watched)."""
    seen: list = []
    real = gemm_mkl.sgemm

    def spy(a, b):
        seen.append((a.shape, b.shape))
        return real(a, b)
    monkeypatch.setattr(gemm_mkl, "sgemm", spy)
    return seen


@needs_mkl
def test_routing_takes_mkl(calls):
    a = RNG.standard_normal((16, 1000)).astype(np.float32)
    b = RNG.standard_normal((1000, 100)).astype(np.float32)
    np.testing.assert_allclose(linalg.matmul(a, b), _ref(a, b), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(linalg.matmul(a, b.T.copy(), transpose_b=True), _ref(a, b),
                               rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(blas_threads.matmul(a, b), _ref(a, b), rtol=1e-4, atol=1e-3)
    assert len(calls) == 3
    small = RNG.standard_normal((20, 100)).astype(np.float32)
    linalg.matmul(small, RNG.standard_normal((100, 400)).astype(np.float32))   # 0.8M: OpenBLAS
    linalg.matmul(a.astype(np.float64), b.astype(np.float64))                  # float64: OpenBLAS
    assert len(calls) == 3


@needs_mkl
@pytest.mark.parametrize("n,d,h,call", [(16, 1000, 100, "_mk("),       # in the glue
                                        (64, 256, 128, "mkl32(")])   # inside a segment
def test_compiled_plan_takes_mkl(n, d, h, call):
    """The static front end's compiled plan calls MKL for such a product (from the glue, or
    inside a Numba segment for the shapes segments hold), with the interpreter's values bit
    for bit (both take MKL) and NumPy's within float32 rounding, gradients included."""
    import dlcore_static as tf
    from dlcore_static import compiler
    x0 = RNG.standard_normal((n, d)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (n, d))
        w = tf.Variable((RNG.standard_normal((d, h)) / np.sqrt(d)).astype(np.float32))
        loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w)))
        grads = tf.gradients(loss, [w])
        init = tf.global_variables_initializer()
    out = {}
    for passes in ((), "all"):
        with tf.Session(graph=g, passes=passes) as sess:
            sess.run(init)
            for _ in range(3):                         # compiled on the second run
                got = sess.run([loss] + grads, {x: x0})
            src = compiler.explain(sess, [loss] + grads, {x: x0}).codegen.get("source", "")
            out[passes] = (got, src, sess.run(w))
    (plain, _, w0), (comp, src, _) = out[()], out["all"]
    assert call in src
    for a, b in zip(plain, comp):
        np.testing.assert_array_equal(b, a)
    hh = _ref(x0, w0)
    np.testing.assert_allclose(comp[0], np.tanh(hh).sum(), rtol=1e-4)
    np.testing.assert_allclose(comp[1], _ref(x0.T, 1 - np.tanh(hh) ** 2), rtol=1e-4,
                               atol=1e-4)


def test_env_switches_it_off():
    code = ("from dlcore.kernels.cpu import gemm_mkl, linalg\n"
            "print(gemm_mkl.available(), gemm_mkl.takes(16, 1000, 100))\n")
    env = dict(os.environ, DLCORE_GEMM="openblas")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("m,k,n,bt,want", [
    (20, 100, 400, True, True), (20, 100, 400, False, False), (64, 128, 128, True, True),
    (256, 400, 4, True, False), (20, 1000, 20, True, False), (1, 400, 1000, True, False),
    (4, 100, 400, True, True), (32, 32, 256, True, True), (8, 64, 256, True, True),
    (32, 32, 256, False, False), (8, 128, 128, True, False), (16, 64, 64, True, False),
    (1, 100, 2000, True, False), (128, 64, 8, True, False)])
def test_transposed_b_rule(m, k, n, bt, want):
    """``x @ W.T`` (B a transposed view) goes to MKL from 300k multiply-adds at the NT_*
    shapes, and from 131k with at most 100 inner columns: OpenBLAS is slow there."""
    assert gemm_mkl.takes(m, k, n, bt) == (want and gemm_mkl.available() and
                                           (m >= gemm_mkl.NT_ONLY_MIN_M or not gemm_mkl.NT_ONLY))


@pytest.mark.skipif(not gemm_mkl.available(), reason="MKL not installed here (or not a CPU "
                    "it is used on)")
def test_eager_linear_and_mm_take_mkl_for_x_at_w_t(calls):
    """The eager front end's inline product paths (F.linear's lane, ``mm``, ``@``) and the
    kernel give ``x @ W.t()`` to MKL by the same rule, with the values of the float64
    reference."""
    import dlcore_eager as torch
    x0 = RNG.standard_normal((20, 100)).astype(np.float32)
    w0 = RNG.standard_normal((400, 100)).astype(np.float32)
    want = _ref(x0, w0.T)
    x, w = torch.from_numpy(x0), torch.from_numpy(w0)
    for y in (torch.nn.functional.linear(x, w), x.mm(w.t()), x @ w.t(),
              linalg.matmul(x0, w0.T), linalg.small_product(x0, w0.T)):
        got = y.numpy() if hasattr(y, "numpy") else y
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    assert calls == [((20, 100), (100, 400))] * 5
    calls.clear()
    linalg.small_product(x0, np.ascontiguousarray(w0.T))       # a C-ordered W^T: OpenBLAS
    assert calls == []


@pytest.mark.parametrize("bias", [False, True])
def test_weight_gradient_of_x_at_w_t_is_c_ordered(bias):
    """The weight of ``F.linear`` gets a C-ordered gradient (its own layout: accumulating a
    transposed view into ``.grad`` read it with strides), with the values of ``g^T x``."""
    import dlcore_eager as torch
    x0 = RNG.standard_normal((16, 256)).astype(np.float32)
    w = torch.from_numpy(RNG.standard_normal((64, 256)).astype(np.float32)).requires_grad_(True)
    b = torch.zeros(64, requires_grad=True) if bias else None
    g0 = RNG.standard_normal((16, 64)).astype(np.float32)
    for step in range(2):                                    # set, then accumulated
        y = torch.nn.functional.linear(torch.from_numpy(x0), w, b)
        y.backward(torch.from_numpy(g0))
        gw = w.grad.numpy()
        assert gw.flags.c_contiguous
        np.testing.assert_allclose(gw, (step + 1) * _ref(g0.T, x0), rtol=1e-4, atol=1e-3)
    xt = torch.from_numpy(x0).requires_grad_(True)            # a transposed left operand
    w0 = RNG.standard_normal((16, 64)).astype(np.float32)
    g1 = RNG.standard_normal((256, 64)).astype(np.float32)
    (xt.t() @ torch.from_numpy(w0)).backward(torch.from_numpy(g1))
    assert xt.grad.numpy().flags.c_contiguous
    np.testing.assert_allclose(xt.grad.numpy(), _ref(g1, w0.T).T, rtol=1e-4, atol=1e-3)


@needs_mkl
@pytest.mark.parametrize("m,k,n", [(16, 1000, 100), (33, 517, 129), (128, 64, 128)])
def test_same_bits_at_any_alignment(m, k, n):
    """Run-to-run reproducible: MKL's result does not depend on where NumPy placed the operands
    and the output (offsets of 0-15 floats; MKL documents alignment as a condition of its
    reproducibility, and sequential sgemm met it unasked here)."""
    a0 = RNG.standard_normal((m, k)).astype(np.float32)
    b0 = RNG.standard_normal((k, n)).astype(np.float32)
    want = gemm_mkl.sgemm(a0, b0)
    for off in (1, 3, 7, 15):
        a = np.empty(m * k + 16, np.float32)[off:off + m * k].reshape(m, k)
        b = np.empty(k * n + 16, np.float32)[16 - off:16 - off + k * n].reshape(k, n)
        a[...], b[...] = a0, b0
        out = np.empty(m * n + 16, np.float32)[off:off + m * n].reshape(m, n)
        np.testing.assert_array_equal(gemm_mkl.sgemm(a, b), want)
        gemm_mkl.sgemm_update(out, np.zeros((m, n), np.float32), a, b, -1.0)
        np.testing.assert_array_equal(out, want)


def test_sgemm_without_mkl_raises_instead_of_crashing():
    """With MKL switched off the Numba function's symbol is never bound: ``sgemm`` called
    anyway (no caller does: each asks ``takes`` first) raises, where the call crashed the
    process before (a segmentation fault at the unbound address)."""
    code = ("import numpy as np\n"
            "from dlcore.kernels.cpu import gemm_mkl\n"
            "a = np.ones((4, 4), np.float32)\n"
            "try:\n"
            "    gemm_mkl.sgemm(a, a)\n"
            "except RuntimeError as e:\n"
            "    print('raised:', e)\n")
    env = dict(os.environ, DLCORE_GEMM="openblas")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "raised: dlcore: MKL's sgemm is not available here" in out.stdout


@pytest.mark.parametrize("m,k,n,bt,want", [
    (16, 1000, 100, True, True), (16, 1000, 100, False, False), (64, 1000, 100, True, True),
    (64, 1000, 100, False, False), (1000, 64, 100, False, False), (20, 100, 400, True, True),
    (4, 100, 400, True, True), (2, 400, 512, True, False), (3, 1000, 100, True, False),
    (64, 128, 128, True, True), (100, 200, 2000, False, False), (256, 400, 4, True, False),
    (512, 1024, 1024, True, False), (512, 1024, 1024, False, False)])
def test_amd_with_avx512_takes_only_x_at_w_t(monkeypatch, m, k, n, bt, want):
    """On an AMD CPU with AVX-512 (NT_ONLY) MKL takes ``x @ W.T`` from 4 rows by the NT rules
    and nothing else: OpenBLAS is ahead with B C-ordered or A transposed there, slow with B a
    transposed view (gemm_mkl's NT_ONLY measurements).  The rule alone: MKL is taken as
    available, no product runs."""
    monkeypatch.setattr(gemm_mkl, "NT_ONLY", True)
    monkeypatch.setattr(gemm_mkl, "_STATE", [True])
    for one_thread in (False, True):
        monkeypatch.setattr(gemm_mkl, "ONE_BLAS_THREAD", [one_thread])
        assert gemm_mkl.takes(m, k, n, bt) == want, one_thread


def test_the_cpu_decides_the_rule(monkeypatch):
    """Intel: every layout; AMD with AVX-512: ``x @ W.T`` only; other CPUs: OpenBLAS."""
    cases = {("GenuineIntel", frozenset({"avx2"})): (True, False),
             ("AuthenticAMD", frozenset({"avx2", "avx512f"})): (False, True),
             ("AuthenticAMD", frozenset({"avx2"})): (False, False),
             ("", frozenset()): (False, False)}
    for (vendor, flags), (intel, amd512) in cases.items():
        monkeypatch.setattr(gemm_mkl, "_cpuinfo", lambda v=vendor, f=flags: (v, f))
        assert (gemm_mkl._intel_cpu(), gemm_mkl._amd_avx512()) == (intel, amd512), vendor


def test_the_machines_cpu_is_read():
    vendor, flags = gemm_mkl._cpuinfo()
    if not os.path.exists("/proc/cpuinfo"):
        assert (vendor, flags) == ("", set())
        return
    text = open("/proc/cpuinfo").read()
    assert vendor in text
    if vendor:                           # (an x86 CPU: its flags line; Arm lists "Features")
        assert flags and "flags" in text
    assert gemm_mkl.NT_ONLY == (gemm_mkl._amd_avx512() and
                                os.environ.get("DLCORE_GEMM", "auto").lower() != "mkl")


@pytest.mark.skipif(not (gemm_mkl.available() and gemm_mkl.NT_ONLY),
                    reason="not an AMD CPU with AVX-512 and MKL")
def test_on_amd_the_linear_layer_takes_mkl_and_plain_products_do_not(calls):
    """16x1000x100, the seed's batch-16 first layer: ``F.linear`` (``x @ W.T``) goes to MKL
    (OpenBLAS took 77 us there against MKL's 43), ``x @ W`` with W C-ordered stays with
    OpenBLAS; both with the float64 reference's values."""
    import dlcore_eager as torch
    x0 = RNG.standard_normal((16, 1000)).astype(np.float32)
    w0 = RNG.standard_normal((100, 1000)).astype(np.float32)
    y = torch.nn.functional.linear(torch.from_numpy(x0), torch.from_numpy(w0))
    np.testing.assert_allclose(y.numpy(), _ref(x0, w0.T), rtol=1e-4, atol=1e-3)
    assert calls == [((16, 1000), (1000, 100))]
    wt = np.ascontiguousarray(w0.T)
    z = torch.from_numpy(x0) @ torch.from_numpy(wt)
    np.testing.assert_allclose(z.numpy(), _ref(x0, wt), rtol=1e-4, atol=1e-3)
    assert len(calls) == 1


@pytest.mark.skipif(not gemm_mkl.available(), reason="MKL not installed here (or not a CPU "
                    "it is used on)")
def test_one_compiled_signature_takes_every_layout_and_flag():
    """``gemm_any`` (what ``sgemm`` calls): C, F and strided operands through one 'A' signature
    per read-only pattern (no compilation per layout), read-only and unaligned operands
    included, each equal to NumPy's product."""
    from dlcore.kernels.cpu import _gemm_mkl_jit as J
    a = RNG.standard_normal((24, 40)).astype(np.float32)
    b = RNG.standard_normal((40, 18)).astype(np.float32)
    ro = b.copy()
    ro.flags.writeable = False
    raw = np.zeros(a.size * 4 + 1, np.uint8)                    # a float32 copy at an odd
    odd = np.frombuffer(raw.data, np.float32, a.size, 1).reshape(a.shape)   # byte offset
    raw[1:] = a.view(np.uint8).ravel()
    assert not odd.flags.aligned
    pairs = [(a, b), (np.asfortranarray(a), b), (a, b.T.copy().T), (a[:, ::2], b[::2]),
             (a, ro), (ro.T.copy(), a.T), (odd, b), (a[:, ::2], b[::2, ::2]),
             (a, b[:, ::2]), (a[::3, ::2], ro[::2, ::3])]
    for xa, xb in pairs:
        out = np.full((xa.shape[0], xb.shape[1]), np.nan, np.float32)
        J.gemm_any(xa, xb, out, 1.0, 0.0)
        np.testing.assert_allclose(out, np.dot(xa.astype(np.float64), xb), rtol=1e-4,
                                   atol=1e-4)
        # the same operands through the Numba-side form (``mkl32``, inside compiled plans):
        # an operand cblas cannot read is copied there, the other read as it is: same bits
        assert np.array_equal(J.mkl32(xa, xb), out)
    compiled = {sig[:2] for f in J._BY_FLAGS.values() for sig in f.signatures}
    assert all(t.layout == "A" for pair in compiled for t in pair)
    assert len(J._BY_FLAGS) <= 3                 # (writeable, read-only a, read-only b)


@needs_mkl
def test_the_numba_side_compiles_one_gemm_status_for_every_operand_type(tmp_path):
    """``gemm_into`` (``mkl32``'s, in compiled plans) passes ``gemm_status`` its operands typed
    'A' and read-only, copies included: one compiled signature for read-only, writable and
    copied operands (each mix compiled its own, up to four per caller), with NumPy's values.
    In a fresh process with an empty cache, so that the signatures are compiled here."""
    code = """if True:
        import json
        import numpy as np
        from dlcore.kernels.cpu import gemm_mkl
        assert gemm_mkl.available()
        from dlcore.kernels.cpu import _gemm_mkl_jit as J
        rng = np.random.default_rng(0)
        a = rng.standard_normal((24, 40)).astype(np.float32)
        b = rng.standard_normal((40, 18)).astype(np.float32)
        ro = b.copy()
        ro.flags.writeable = False
        for xa, xb in [(a, b), (a, ro), (a[:, ::2], b[::2]), (a[::3, ::2], ro[::2, ::3]),
                       (a, b[:, ::2]), (ro.T, a.T)]:
            out = np.full((xa.shape[0], xb.shape[1]), np.nan, np.float32)
            J.gemm_into(xa, xb, out, 1.0, 0.0)
            ref = xa.astype(np.float64) @ xb
            assert np.abs(out - ref).max() < 1e-4 * (1 + np.abs(ref).max()), (xa.shape, xb.shape)
        print(json.dumps([len(J.gemm_into.signatures), [str(s) for s in J.gemm_status.signatures]]))
    """
    env = dict(os.environ, DLCORE_CACHE_DIR=str(tmp_path), NUMBA_CACHE_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    n_into, sigs = json.loads(proc.stdout.strip().splitlines()[-1])
    assert n_into >= 4                          # (the callers' types differ...)
    assert len(sigs) == 1, sigs                  # (...the callee's do not)
    assert sigs[0].count("'A', True") == 2 and "'A', False" in sigs[0]


def test_rows_of_a_larger_matrix_count_as_c_ordered_for_x_at_w_t():
    """``b_transposed``: ``a`` every few rows of a C-ordered array (a decoder step's (B, 1, H)
    slice of its (B, T, H) outputs) reads as rows with a stride; columns with a stride, a
    transposed ``a`` or a C-ordered ``b`` do not."""
    big = RNG.standard_normal((32, 4, 128)).astype(np.float32)
    w = RNG.standard_normal((300, 128)).astype(np.float32)
    assert gemm_mkl.b_transposed(big[:, 0, :], w.T)
    assert gemm_mkl.b_transposed(big[:, 1, :], w.T)
    assert not gemm_mkl.b_transposed(big[:, 0, ::2], w[:, ::2].T)
    assert not gemm_mkl.b_transposed(big[:, 0, :], np.ascontiguousarray(w.T))
    assert not gemm_mkl.b_transposed(big[:, 0, :].T.copy().T, w.T)      # an F-ordered a


@pytest.mark.skipif(not gemm_mkl.available(), reason="MKL not installed here (or not a CPU "
                    "it is used on)")
def test_a_stack_times_a_transposed_weight_takes_mkl_with_strided_rows(calls):
    """(B, 1, H) @ W.T, the stride of B's rows kept: one product, MKL's (the rows' stride read
    in place), the float64 reference's values."""
    big = RNG.standard_normal((32, 4, 128)).astype(np.float32)
    x = big[:, 1:2, :]
    w = RNG.standard_normal((2803, 128)).astype(np.float32)
    y = linalg.matmul(x, w.T)
    assert y.shape == (32, 1, 2803)
    np.testing.assert_allclose(y[:, 0], _ref(big[:, 1], w.T), rtol=1e-4, atol=1e-3)
    assert calls == [((32, 128), (128, 2803))]
