"""TF1 pooling (max/avg, 'SAME'/'VALID', strides 1 and 2; 1-D, 2-D, 3-D) on an input whose
spatial size is unknown when the graph is built (a ``[None, None, None, C]`` placeholder, the
classic any-size CNN).  TensorFlow builds it (static shape ``[None, None, None, C]``) and works
the sizes out at run time; so does dlcore (``dlcore.ops.pool.pool_axis``, the one size rule of
the shape rules and the kernels).  Values and gradients equal those of the same pool on a
known-size placeholder for two sizes fed to one graph, the gradient also against central finite
differences in float64, interpreted and compiled (``passes='all'``, second run)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

SIZES = ((2, 5, 7, 2), (1, 6, 4, 2))


def _pool(kind, x, k, s, pad, nd=2):
    if nd == 1:
        fn = tf.nn.max_pool1d if kind == "max" else tf.nn.avg_pool1d
        return fn(x, k, s, pad)
    if nd == 3:
        fn = tf.nn.max_pool3d if kind == "max" else tf.nn.avg_pool3d
        return fn(x, [1, k, k, k, 1], [1, s, s, s, 1], pad)
    fn = tf.nn.max_pool if kind == "max" else tf.nn.avg_pool
    return fn(x, [1, k, k, 1], [1, s, s, 1], pad)


def _loss_and_grad(kind, x, k, s, pad, nd, cot):
    y = _pool(kind, tf.tanh(x), k, s, pad, nd)      # tanh: a node the compiler compiles
    c = tf.placeholder(tf.float64, [None] * (nd + 1) + [2])
    return y, c, tf.gradients(tf.reduce_sum(y * c), x)[0]


CASES = [(kind, pad, s) for kind in ("max", "avg") for pad in ("SAME", "VALID") for s in (1, 2)]


def _check(sizes, nd, cases, passes=()):
    """Every case of ``cases`` on one any-size graph against a known-size graph per size."""
    rs = np.random.RandomState(0)
    g = tf.Graph()
    with g.as_default():
        x_any = tf.placeholder(tf.float64, [None] * (nd + 1) + [2])
        nodes = [_loss_and_grad(kind, x_any, 3, s, pad, nd, None) for kind, pad, s in cases]
        for y, _, _ in nodes:
            assert y.shape.as_list() == [None] * (nd + 1) + [2]
        known = {}
        for shape in sizes:
            xk = tf.placeholder(tf.float64, shape)
            known[shape] = xk, [_loss_and_grad(kind, xk, 3, s, pad, nd, None)
                                for kind, pad, s in cases]
    with tf.Session(graph=g, passes=passes) as sess:
        for rep in range(2 if passes else 1):     # compiled: the second run reuses the plan
            for shape in sizes:
                x = rs.randn(*shape)
                xk, knodes = known[shape]
                for (y, c, gx), (yk, ck, gxk) in zip(nodes, knodes):
                    b = sess.run(yk, {xk: x})
                    cot = rs.randn(*b.shape)
                    a, ga = sess.run([y, gx], {x_any: x, c: cot})
                    if rep:
                        assert sess.plan([y, gx], {x_any: x, c: cot}).compiled_run is not None
                    gb = sess.run(gxk, {xk: x, ck: cot})
                    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
                    np.testing.assert_allclose(ga, gb, rtol=1e-12, atol=1e-12)
        return sess


def test_2d_pools_of_unknown_size_equal_known_size():
    _check(SIZES, 2, CASES)


def test_1d_and_3d_pools_of_unknown_size_equal_known_size():
    _check(((2, 7, 2), (1, 4, 2)), 1, [("max", "SAME", 2), ("avg", "SAME", 2)])
    _check(((1, 3, 5, 4, 2), (1, 4, 3, 3, 2)), 3, [("max", "SAME", 2), ("avg", "VALID", 1)])


def test_compiled_plan_second_run(monkeypatch):
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "1")
    _check(SIZES, 2, [("max", "SAME", 2), ("avg", "SAME", 2)], passes="all")


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_gradient_by_finite_differences(kind):
    rs = np.random.RandomState(1)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [None, None, None, 1])
        y = _pool(kind, x, 3, 2, "SAME")
        c = tf.placeholder(tf.float64, [None, None, None, 1])
        loss = tf.reduce_sum(y * c)
        gx = tf.gradients(loss, x)[0]
    with tf.Session(graph=g) as sess:
        for shape in ((1, 4, 5, 1), (1, 5, 3, 1)):
            xv = rs.randn(*shape)
            cot = rs.randn(*sess.run(y, {x: xv}).shape)
            got = sess.run(gx, {x: xv, c: cot})
            num = np.zeros_like(xv)
            eps = 1e-6
            for i in np.ndindex(*shape):
                d = np.zeros_like(xv)
                d[i] = eps
                num[i] = (sess.run(loss, {x: xv + d, c: cot}) -
                          sess.run(loss, {x: xv - d, c: cot})) / (2 * eps)
            np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-7)


def test_static_shapes_and_run_time_sizes():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 6, None, 3])
        y = tf.layers.max_pooling2d(x, 3, 2, padding="same")
        z = tf.layers.average_pooling2d(x, 2, 2)
        assert y.shape.as_list() == [None, 3, None, 3]
        assert z.shape.as_list() == [None, 3, None, 3]
        with tf.Session() as sess:
            for w, wy, wz in ((7, 4, 3), (4, 2, 2), (1, 1, 0)):
                if wz == 0:     # VALID pool of a window larger than the fed input
                    with pytest.raises(tf.errors.InvalidArgumentError,
                                       match="Output size is too small"):
                        sess.run(z, {x: np.ones((1, 6, w, 3), np.float32)})
                    continue
                a, b = sess.run([tf.shape(y), tf.shape(z)], {x: np.ones((2, 6, w, 3))})
                assert a.tolist() == [2, 3, wy, 3] and b.tolist() == [2, 3, wz, 3]


@pytest.mark.cuda
def test_cuda_session_pools_unknown_size():
    """The CUDA kernels get complete sizes too (tiny: runs under Numba's CUDA simulator)."""
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    rs = np.random.RandomState(2)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, None, None, 1])
        c = tf.placeholder(tf.float32, [None, None, None, 1])
        ys = [_pool(kind, x, 3, 2, "SAME") for kind in ("max", "avg")]
        gx = tf.gradients(tf.add_n([tf.reduce_sum(y * c) for y in ys]), x)[0]
    with tf.Session(graph=g, device="cuda") as s, tf.Session(graph=g) as s_cpu:
        for shape in ((1, 5, 4, 1), (1, 3, 6, 1)):
            xv = rs.randn(*shape).astype(np.float32)
            cot = rs.randn(1, (shape[1] + 1) // 2, (shape[2] + 1) // 2, 1).astype(np.float32)
            got = s.run(ys + [gx], {x: xv, c: cot})
            want = s_cpu.run(ys + [gx], {x: xv, c: cot})
            for a, b in zip(got, want):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_onnx_export_of_unknown_size_pools_runs_in_onnxruntime():
    """A strided 'SAME' pool of unknown size exports as ONNX's auto_pad SAME_UPPER."""
    ort = pytest.importorskip("onnxruntime")
    from dlcore_static.onnx_export import export as export_graph
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, None, None, 2], name="x")
        ys = [_pool("max", x, 3, 2, "SAME"), _pool("avg", x, 3, 2, "SAME"),
              _pool("max", x, 2, 2, "VALID"), _pool("avg", x, 3, 1, "SAME")]
        with tf.Session() as sess:
            proto = export_graph(sess, ys, [x])
            o = ort.InferenceSession(proto.SerializeToString(),
                                     providers=["CPUExecutionProvider"])
            for shape in ((1, 5, 7, 2), (2, 6, 4, 2)):
                f = np.random.RandomState(3).randn(*shape).astype(np.float32)
                for got, want in zip(o.run(None, {"x": f}), sess.run(ys, {x: f})):
                    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_gradient_of_the_gradient(kind):
    """The vjps of plane_scatter / avg_pool_grad with the input-size operand (second order)."""
    rs = np.random.RandomState(4)
    g = tf.Graph()
    with g.as_default():
        outs = {}
        for key, shape in (("any", [None, None, None, 1]), ("known", [1, 5, 4, 1])):
            x = tf.placeholder(tf.float64, shape)
            c = tf.placeholder(tf.float64, [None, None, None, 1])
            r = tf.placeholder(tf.float64, [None, None, None, 1])
            gx = tf.gradients(tf.reduce_sum(_pool(kind, x, 3, 2, "SAME") * c), x)[0]
            outs[key] = x, c, r, tf.gradients(tf.reduce_sum(gx * r), c)[0]
    xv, cv, rv = rs.randn(1, 5, 4, 1), rs.randn(1, 3, 2, 1), rs.randn(1, 5, 4, 1)
    with tf.Session(graph=g) as sess:
        got = [sess.run(gc, {x: xv, c: cv, r: rv}) for x, c, r, gc in outs.values()]
    np.testing.assert_allclose(got[0], got[1], rtol=1e-12, atol=1e-12)
