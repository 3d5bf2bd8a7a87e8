"""``gemm_in_numba``: float32 products of direct shape written into the compiled segments
(OpenBLAS's unpacked SkylakeX kernel called from Numba; issue 19, the control-flow step).

The control-flow step (a data-dependent ``cond`` and a counted ``while_loop`` of ``tanh(h @ W)``
with their gradients, SGD on every weight) compiled with the products in the segments gives the
interpreter's values bit for bit, on both branches and for loops of 0 to 3 trips (the loop
weight's gradient summed per iteration in the gradient body's segment); its ``cond``
and the cond's gradient then compile whole (no cond executor left in the glue), the loop body
and its gradient body are one segment each, and a weight gradient's ``x^T`` is the tiled
copy.  Where NumPy's OpenBLAS does not run its SkylakeX kernels the products stay in the glue
(the last test runs this file again in a child process without ``OPENBLAS_CORETYPE`` where
only that setting keeps the kernel away: ``openblas_child.py``)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import gemm_in_numba

from .openblas_child import run_without_coretype


@pytest.fixture(autouse=True)
def _openblas_products(monkeypatch):
    """These products are OpenBLAS's (its direct kernel, W^T copies): MKL (``gemm_mkl``, where
    installed) would take those of 2^20 multiply-adds and up first."""
    from dlcore.kernels.cpu import gemm_mkl
    monkeypatch.setattr(gemm_mkl, "_STATE", [False])


needs_kernel = pytest.mark.skipif(not gemm_in_numba.available(),
                                  reason="NumPy's OpenBLAS does not run its SkylakeX kernels")
N, D, H, O = 64, 256, 128, 10


def _program(rng):
    x = tf.placeholder(tf.float32, (N, D))
    y = tf.placeholder(tf.float32, (N, O))
    depth = tf.placeholder(tf.int32, ())
    w = {k: tf.Variable((rng.standard_normal(s) / np.sqrt(s[0])).astype(np.float32), name=k)
         for k, s in (("w_in", (D, H)), ("w_a", (H, H)), ("w_b", (H, H)), ("w_r", (H, H)),
                      ("w_out", (H, O)))}
    h = tf.nn.relu(tf.matmul(x, w["w_in"]))
    h = tf.cond(tf.greater(tf.reduce_mean(x), 0.0),
                lambda: tf.matmul(h, w["w_a"]), lambda: tf.matmul(h, w["w_b"]))
    _, h = tf.while_loop(lambda i, h: tf.less(i, depth),
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w["w_r"]))),
                         [tf.constant(0), h])
    loss = tf.reduce_sum((tf.matmul(h, w["w_out"]) - y) ** 2)
    train = tf.train.GradientDescentOptimizer(1e-3).minimize(loss)
    return x, y, depth, w, loss, train


def _run(passes, monkeypatch, enabled: bool):
    monkeypatch.setattr(gemm_in_numba, "ENABLED", enabled)
    rng = np.random.default_rng(11)
    g = tf.Graph()
    with g.as_default():
        x, y, depth, w, loss, train = _program(rng)
        init = tf.global_variables_initializer()
    feeds = []
    for k, d in enumerate((2, 1, 0, 3, 2, 3)):
        shift = 0.5 if k % 2 == 0 else -0.5
        feeds.append({x: (rng.standard_normal((N, D)) + shift).astype(np.float32),
                      y: rng.standard_normal((N, O)).astype(np.float32), depth: d})
    out = []
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        for f in feeds:
            out.append(sess.run([loss, train], f)[0])
        out.append(sess.run(list(w.values())))
        report = compiler.explain(sess, [loss, train], feeds[0]) if passes else None
    return out, report


@needs_kernel
def test_products_in_segments_give_the_interpreters_values(monkeypatch):
    plain, _ = _run((), monkeypatch, True)
    glue, rep_glue = _run("all", monkeypatch, False)
    inside, rep = _run("all", monkeypatch, True)
    # in the segments: the interpreter's losses and trained weights bit for bit (w_r's gradient
    # summed per iteration as the interpreter sums it); in the glue, w_r's gradient is one
    # stacked product after the loop (another summation order): equal up to float32 rounding
    assert len(set(plain[:-1])) == len(plain) - 1        # (the steps train: losses change)
    for a, b, c in zip(plain[:-1], glue[:-1], inside[:-1]):
        assert np.isfinite(a)
        assert c == a
        np.testing.assert_allclose(b, a, rtol=1e-5)
    for a, b, c in zip(plain[-1], glue[-1], inside[-1]):
        np.testing.assert_array_equal(c, a)
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    src = rep.codegen["source"]
    assert "gemm32(" in src and "tcopy32(" in src
    assert "gemm32(" not in rep_glue.codegen["source"]
    # the cond and its gradient compiled whole; the loop and its gradient keep their
    # executors (the history), each body one segment calling the kernel
    kinds = {st.type for st in rep.codegen["control"].values()}
    assert kinds == {"While", "WhileGrad"}
    assert {st.type for st in rep_glue.codegen["control"].values()} == \
        {"Cond", "While", "WhileGrad"}
    for st in rep.codegen["control"].values():
        for r in st.programs.values():
            body = r.codegen["source"]
            if "gemm32(" in body:
                assert "_gd(" not in body and "_dot(" not in body
    # the gradient body: g @ W_r^T, and W_r's gradient h^T @ g added to its running sum in
    # the same segment (accumulators._summed_in_segment: no stacked product after the loop)
    grad = [r.codegen["source"] for st in rep.codegen["control"].values()
            if st.type == "WhileGrad" for r in st.programs.values()
            ]
    assert any(b.count("gemm32(") == 2 and "tcopy32(" in b for b in grad)


@needs_kernel
def test_kernel_functions_equal_numpy():
    # called from Numba code, as the segments call them
    from numba import njit
    gemm32, tcopy32 = gemm_in_numba.gemm32, gemm_in_numba.tcopy32

    @njit
    def product(a, b):
        return gemm32(a, b)

    @njit
    def transposed(x):
        return tcopy32(x)

    rng = np.random.default_rng(5)
    a = rng.standard_normal((64, 128)).astype(np.float32)
    b = rng.standard_normal((128, 128)).astype(np.float32)
    np.testing.assert_array_equal(product(a, b), np.dot(a, b))
    # a transposed (F-ordered) operand is made C-contiguous first
    np.testing.assert_array_equal(product(b.T, b), np.dot(b.T, b))
    t = transposed(a)
    assert t.flags.c_contiguous
    np.testing.assert_array_equal(t, a.T)
    np.testing.assert_array_equal(transposed(a[:, 3:70]), a[:, 3:70].T)


def test_switched_off_or_without_the_kernel_no_product_is_direct(monkeypatch):
    from dlcore.ops.linalg import matmul_p
    from dlcore.registry import AVal
    from dlcore_static.compiler.ir import Node
    f32 = np.dtype(np.float32)
    a = Node("feed", "a", "Feed", avals=[AVal((64, 128), f32)])
    b = Node("feed", "b", "Feed", avals=[AVal((128, 128), f32)])
    mm = Node("prim", "mm", "matmul", prim=matmul_p, inputs=[a.out(), b.out()],
              avals=[AVal((64, 128), f32)])
    assert gemm_in_numba.direct_product(mm) == gemm_in_numba.available()
    monkeypatch.setattr(gemm_in_numba, "ENABLED", False)
    assert not gemm_in_numba.direct_product(mm)
    monkeypatch.setattr(gemm_in_numba, "ENABLED", True)
    c = Node("feed", "c", "Feed", avals=[AVal((128, 10), f32)])
    mm10 = Node("prim", "mm", "matmul", prim=matmul_p, inputs=[a.out(), c.out()],
                avals=[AVal((64, 10), f32)])
    assert not gemm_in_numba.direct_product(mm10)          # n = 10: not a direct shape


def test_direct_operands_is_the_one_test_for_segment_products(monkeypatch):
    """``direct_operands`` (used by ``direct_product`` and ``accumulators._summed_in_segment``):
    float32, 2-D, known and matching shapes of direct shape, the kernel there, switched on."""
    from dlcore_static.compiler import accumulators
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    ok = gemm_in_numba.available()
    assert gemm_in_numba.direct_operands((64, 128), f32, (128, 128), f32) == ok
    assert not gemm_in_numba.direct_operands((64, 128), f64, (128, 128), f32)
    assert not gemm_in_numba.direct_operands((64, 128), f32, (128, 128), f64)
    assert not gemm_in_numba.direct_operands((None, 128), f32, (128, 128), f32)
    assert not gemm_in_numba.direct_operands((64, 128), f32, (64, 128), f32)    # K differs
    assert not gemm_in_numba.direct_operands((64, 128), f32, (128, 10), f32)    # n = 10
    assert not gemm_in_numba.direct_operands((2, 64, 128), f32, (128, 128), f32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (64, 128))
        d = tf.placeholder(tf.float32, (64, 128))
        d10 = tf.placeholder(tf.float32, (64, 10))
    # x^T @ d: (128, 64) @ (64, 128)
    assert accumulators._summed_in_segment(x, d) == ok
    assert not accumulators._summed_in_segment(x, d10)
    monkeypatch.setattr(gemm_in_numba, "ENABLED", False)
    assert not gemm_in_numba.direct_operands((64, 128), f32, (128, 128), f32)
    assert not accumulators._summed_in_segment(x, d)


def test_kernel_callers_are_cached_with_all_they_call():
    """Numba's disk cache of a function is keyed on its own file (with ``NUMBA_CACHE_DIR``),
    and a caller holds its callees' code: ``gemm32`` is cached in ``gemm_direct.py`` with
    ``_call``, ``tcopy32`` in ``transpose.py`` with the tiles it calls by symbol (an edit of
    another file would otherwise leave their old code in the cache).  The generated segments
    that call them carry ``import_line``'s hash of the three files."""
    import inspect

    from numba.core.caching import NullCache

    from dlcore_static.compiler import gemm_direct, transpose
    for fn, mod, callee in ((gemm_in_numba.gemm32, gemm_direct, "_call("),
                            (gemm_in_numba.tcopy32, transpose, "call_into(")):
        assert not isinstance(fn._cache, NullCache)
        assert inspect.getsourcefile(fn.py_func) == inspect.getsourcefile(mod)
        assert callee in inspect.getsource(fn.py_func)
    if gemm_in_numba.available():                # registers the tiles' C function
        from llvmlite import binding as llvm
        assert llvm.address_of_symbol(transpose._SYMBOL)
    line = gemm_in_numba.import_line("m1 = gemm32(p0, p1)")
    assert gemm_in_numba._tag() in line and "import gemm32, tcopy32" in line
    assert gemm_in_numba.import_line("m1 = p0 + p1") == ""


def test_source_of_a_module_without_file_name(tmp_path):
    """``_source`` (the text hashed by ``_tag``): ``__file__``, else the spec's origin, else
    ``inspect``."""
    import importlib.machinery
    import types
    f = tmp_path / "m.py"
    f.write_text("X = 1\n")
    mod = types.ModuleType("m")
    mod.__file__ = None                                      # type: ignore[assignment]
    mod.__spec__ = importlib.machinery.ModuleSpec("m", None, origin=str(f))
    assert gemm_in_numba._source(mod) == b"X = 1\n"
    mod.__file__ = str(f)
    assert gemm_in_numba._source(mod) == b"X = 1\n"
    mod.__spec__ = None
    mod.__file__ = None                                      # type: ignore[assignment]
    with pytest.raises(TypeError, match="built-in module"):
        gemm_in_numba._source(mod)


def test_the_kernel_tests_run_where_openblas_picks_its_own_kernels():
    """As tests/compiler/test_gemm_direct.py: where only OPENBLAS_CORETYPE keeps the kernel
    away (this project's CI sets it to Haswell on an AVX-512 CPU), the tests above run in a
    child process without it."""
    run_without_coretype(__file__, gemm_in_numba.available(),
                         "from dlcore_static.compiler import gemm_in_numba; "
                         "print(gemm_in_numba.available())",
                         "openblas_picks_its_own")
