"""tf.gradients' products carry TensorFlow's MatMul flags (transpose_a / transpose_b, as
TensorFlow's _MatMulGrad builds them) instead of Transpose nodes: values against NumPy in the
interpreter and the compiled plan, second derivatives against finite differences, ONNX."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.ops.linalg import matmul_p


def _net(dtype=tf.float32, rows=4):
    x = tf.placeholder(dtype, (rows, 3), name="x")
    w1 = tf.placeholder(dtype, (3, 5), name="w1")
    w2 = tf.placeholder(dtype, (5, 2), name="w2")
    z = tf.matmul(x, w1)
    h = z * z
    y = tf.matmul(h, w2)
    return x, w1, w2, h, tf.reduce_sum(y * y)


def _numpy_grads(xv, w1v, w2v):
    z = xv @ w1v
    h = z * z
    y = h @ w2v
    gy = 2 * y
    gh = gy @ w2v.T
    gw2 = h.T @ gy
    gz = gh * 2 * z
    return gz @ w1v.T, xv.T @ gz, gw2


@pytest.mark.parametrize("passes", [(), "all"])
def test_gradients_are_flagged_matmuls_with_numpys_values(passes):
    g = tf.Graph()
    with g.as_default():
        x, w1, w2, _, loss = _net()
        first = len(g.get_operations())
        grads = tf.gradients(loss, [x, w1, w2])
        new = g.get_operations()[first:]
        assert "Transpose" not in {op.type for op in new}
        flags = [(op.params.get("transpose_a", False), op.params.get("transpose_b", False))
                 for op in new if op.type == "MatMul"]
        assert (False, True) in flags and (True, False) in flags
        rng = np.random.default_rng(0)
        vals = [rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (3, 5), (5, 2))]
        want = _numpy_grads(*[v.astype(np.float64) for v in vals])
        with tf.Session(passes=passes) as s:
            for _ in range(3):              # the plan as built, then optimised and compiled
                got = s.run(grads, dict(zip((x, w1, w2), vals)))
                for a, b in zip(got, want):
                    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_second_derivatives_through_flagged_products_match_finite_differences():
    g = tf.Graph()
    with g.as_default():
        x, w1, w2, _, loss = _net(tf.float64, 2)
        gx, gw1, gw2 = tf.gradients(loss, [x, w1, w2])
        assert gw1.op.type == "MatMul" and gw1.op.params["transpose_a"]
        inner = tf.reduce_sum(gw1 * gw1) + tf.reduce_sum(gx * gw2[0, 1])
        hx, = tf.gradients(inner, [x])
        rng = np.random.default_rng(1)
        xv, w1v, w2v = (rng.standard_normal(s) for s in ((2, 3), (3, 5), (5, 2)))
        with tf.Session() as s:
            got = s.run(hx, {x: xv, w1: w1v, w2: w2v})

    def f(xa):                                  # the same function in NumPy
        ngx, ngw1, ngw2 = _numpy_grads(xa, w1v, w2v)
        return np.sum(ngw1 * ngw1) + np.sum(ngx * ngw2[0, 1])
    eps, num = 1e-6, np.zeros_like(xv)
    for i in np.ndindex(xv.shape):
        d = np.zeros_like(xv)
        d[i] = eps
        num[i] = (f(xv + d) - f(xv - d)) / (2 * eps)
    np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ta,tb", [(True, False), (False, True), (True, True)])
def test_flagged_matmul_rule_and_kernel(ta, tb):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 4, 3) if ta else (2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((5, 4) if tb else (4, 5)).astype(np.float32)
    got = matmul_p.bind(a, b, transpose_a=ta, transpose_b=tb)
    want = (np.swapaxes(a, -1, -2) if ta else a) @ (b.T if tb else b)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(Exception, match="Dimensions must be equal, but are 3 and 4"):
        matmul_p.bind(a, b, transpose_a=not ta, transpose_b=tb)


def test_flagged_gradient_exports_to_onnx():
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from dlcore_static.onnx_export import export
    g = tf.Graph()
    with g.as_default():
        x, w1, w2, _, loss = _net()
        grads = tf.gradients(loss, [x, w1, w2])
        rng = np.random.default_rng(3)
        vals = [rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (3, 5), (5, 2))]
        feed = dict(zip((x, w1, w2), vals))
        with tf.Session() as s:
            want = s.run(grads, feed)
            proto = export(s, fetches=grads, feeds=[x, w1, w2])
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"x": vals[0], "w1": vals[1], "w2": vals[2]})
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ta,tb", [(False, True), (True, False), (True, True)])
def test_forward_matmul_flags_are_one_node_as_tf1_builds_it(ta, tb):
    """tf.matmul(a, b, transpose_a=..., transpose_b=...) of matrices is one MatMul node with
    its attributes (TF1's graph), values and gradients as NumPy's in the interpreted first
    run and the compiled later runs."""
    rng = np.random.default_rng(7)
    av = rng.standard_normal((3, 4) if ta else (4, 3)).astype(np.float32)
    bv = rng.standard_normal((5, 3) if tb else (3, 5)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, av.shape)
        b = tf.placeholder(tf.float32, bv.shape)
        y = tf.matmul(a, b, transpose_a=ta, transpose_b=tb, name="mm")
        assert [o.type for o in g.get_operations()] == ["Placeholder", "Placeholder", "MatMul"]
        assert (y.op.get_attr("transpose_a"), y.op.get_attr("transpose_b")) == (ta, tb)
        assert y.op.name == "mm" and y.shape.as_list() == [4, 5]
        ga, gb = tf.gradients(tf.reduce_sum(y * y), [a, b])
        with tf.Session(graph=g) as s:
            runs = [s.run([y, ga, gb], {a: av, b: bv}) for _ in range(3)]
    A, B = (av.T if ta else av), (bv.T if tb else bv)
    Y = A @ B
    GA, GB = 2 * Y @ B.T, A.T @ (2 * Y)
    for yv, gav, gbv in runs:
        np.testing.assert_allclose(yv, Y, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(gav, GA.T if ta else GA, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(gbv, GB.T if tb else GB, rtol=1e-5, atol=1e-4)


def test_forward_matmul_flags_in_cond_and_errors():
    """Inside a cond branch the transposes stay nodes (the compiled branches read them); a
    wrong inner size names both shapes; get_attr of a missing attribute is TF's ValueError."""
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, (2, 3))
        b = tf.placeholder(tf.float32, (4, 3))
        p = tf.placeholder(tf.bool, ())
        y = tf.cond(p, lambda: tf.matmul(a, b, transpose_b=True), lambda: tf.zeros((2, 4)))
        with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 4"):
            tf.matmul(a, b)
        with pytest.raises(ValueError, match=r"Dimensions must be equal"):
            tf.matmul(a, b, transpose_a=True, transpose_b=True)
        mm = [o for o in g.get_operations() if o.type == "MatMul"]
        with pytest.raises(ValueError, match=r"^Operation '.*' has no attr named 'foo'\.$"):
            mm[0].get_attr("foo")
        av, bv = np.ones((2, 3), np.float32), np.arange(12, dtype=np.float32).reshape(4, 3)
        with tf.Session(graph=g) as s:
            for _ in range(3):
                np.testing.assert_allclose(s.run(y, {a: av, b: bv, p: True}), av @ bv.T)


def test_get_attr_answers_as_tf1():
    """T is the input's type (Equal's float32, not its bool output), dtype of ops without
    inputs is the output's, Cast has SrcT/DstT (no dtype), dtype-valued params are tf.DTypes."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3,), name="x")
        c = tf.constant([1, 2], dtype=tf.int32)
        e = tf.equal(x, x)
        k = tf.cast(x, tf.int32)
        assert e.op.get_attr("T") == tf.float32 and x.op.get_attr("dtype") == tf.float32
        assert c.op.get_attr("dtype") == tf.int32
        assert (k.op.get_attr("SrcT"), k.op.get_attr("DstT")) == (tf.float32, tf.int32)
        assert isinstance(k.op.get_attr("DstT"), tf.DType)
        with pytest.raises(ValueError, match=r"^Operation 'Cast' has no attr named 'dtype'\.$"):
            k.op.get_attr("dtype")


@pytest.mark.parametrize("complex_", [False, True])
def test_adjoint_flags(complex_):
    """tf.matmul(adjoint_a=, adjoint_b=): the conjugate transpose (a transpose for reals);
    with transpose_x also set, TF's ValueError."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 3))
    b = rng.standard_normal((2, 4))
    if complex_:
        a, b = a + 1j * rng.standard_normal(a.shape), b + 1j * rng.standard_normal(b.shape)
    dt = np.complex64 if complex_ else np.float32
    a, b = a.astype(dt), b.astype(dt)
    g = tf.Graph()
    with g.as_default():
        y = tf.matmul(tf.constant(a), tf.constant(b), adjoint_a=True, adjoint_b=True)
        with pytest.raises(ValueError, match="Only one of transpose_a and adjoint_a can be True"):
            tf.matmul(tf.constant(a), tf.constant(b), transpose_a=True, adjoint_a=True)
        with tf.Session(graph=g) as s:
            np.testing.assert_allclose(s.run(y), a.conj().T @ b.conj().T, rtol=1e-5, atol=1e-5)


def test_a_session_is_not_reentrant_and_leaves_the_graph_stack_as_it_was():
    g1 = tf.Graph()
    s = tf.Session(graph=g1)
    before = tf.get_default_graph()
    with pytest.raises(RuntimeError, match=r"^Session context managers are not re-entrant\. "
                                           r"Use `Session\.as_default\(\)`"):
        with s:
            with s:
                pass
    assert tf.get_default_graph() is before
