"""A fused operand whose static shape has unknown dimensions, broadcast at run time.

``tf.reshape(c, computed_shape)`` is ``(?, ?)`` statically; added to a ``(4, 4)`` value it may
be ``(4, 1)``, ``(1, 4)``, ``(1, 1)`` or ``(4, 4)`` at run time.  The first run (interpreter)
was right; the optimised plan's fused kernel (runs 2+) read it as ``(4, 4)``: a wrong result
and a read past its elements.  Every run here is compared with NumPy, in the default plan and
with every pass (``DLCORE_PASSES=all DLCORE_OPTIMIZE_AFTER=1``), on the CPU and (Numba's
simulator or a GPU) on CUDA."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore_static as tf
from dlcore_static.compiler import run_time_broadcast

RUNS = 4


@pytest.fixture(params=["default", "all"])
def passes(request, monkeypatch):
    if request.param == "all":
        monkeypatch.setenv("DLCORE_PASSES", "all")
        monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "1")
    else:
        monkeypatch.delenv("DLCORE_PASSES", raising=False)
        monkeypatch.delenv("DLCORE_OPTIMIZE_AFTER", raising=False)
    return request.param


def _unknown(shape_value):
    """A float placeholder reshaped to a fed shape: every dimension unknown statically."""
    flat = tf.placeholder(tf.float32, (None,))
    dims = tf.placeholder(tf.int32, (len(shape_value),))
    return flat, dims, tf.reshape(flat, dims)


def _runs(sess, fetch, feeds):
    return [sess.run(fetch, feeds) for _ in range(RUNS)]


def test_the_reported_equal_cast_add(passes):
    c = tf.placeholder(np.int32, (4,))
    shape = tf.concat([tf.shape(c), tf.ones([1], "int32")], 0)
    r = tf.reshape(c, shape)
    assert r.shape.as_list() == [None, None]
    e = tf.cast(tf.equal(r, 0), tf.float32)
    x = tf.placeholder(np.float32, (4, 4))
    y = e + x * 0
    cv = np.array([0, 2, 2, 0], np.int32)
    want = (cv.reshape(4, 1) == 0).astype(np.float32) + np.zeros((4, 4), np.float32)
    with tf.Session() as sess:
        for k, out in enumerate(_runs(sess, y, {c: cv, x: np.zeros((4, 4), np.float32)})):
            np.testing.assert_array_equal(out, want, err_msg=f"run {k + 1}")


@pytest.mark.parametrize("run_shape", [(1, 4), (4, 1), (1, 1), (4, 4)])
def test_a_2d_unknown_operand_of_each_run_time_shape(passes, run_shape):
    flat, dims, u = _unknown(run_shape)
    x = tf.placeholder(tf.float32, (4, 4))
    y = tf.exp(u) * x - u * 2.0                        # one fused group reading u twice
    rng = np.random.default_rng(0)
    uv = rng.standard_normal(run_shape).astype(np.float32)
    xv = rng.standard_normal((4, 4)).astype(np.float32)
    want = np.exp(uv) * xv - uv * np.float32(2.0)
    with tf.Session() as sess:
        feeds = {flat: uv.ravel(), dims: np.array(run_shape, np.int32), x: xv}
        for k, out in enumerate(_runs(sess, y, feeds)):
            assert out.shape == (4, 4)
            np.testing.assert_allclose(out, want, rtol=1e-6, atol=1e-6,
                                       err_msg=f"run {k + 1}")


@pytest.mark.parametrize("run_shape", [(2, 1, 4), (1, 3, 1), (2, 3, 4), (1, 1, 1)])
def test_a_3d_unknown_operand(passes, run_shape):
    flat, dims, u = _unknown(run_shape)
    x = tf.placeholder(tf.float32, (2, 3, 4))
    y = tf.nn.relu(x + u) * u
    rng = np.random.default_rng(1)
    uv = rng.standard_normal(run_shape).astype(np.float32)
    xv = rng.standard_normal((2, 3, 4)).astype(np.float32)
    want = np.maximum(xv + uv, 0) * uv
    with tf.Session() as sess:
        feeds = {flat: uv.ravel(), dims: np.array(run_shape, np.int32), x: xv}
        for k, out in enumerate(_runs(sess, y, feeds)):
            np.testing.assert_allclose(out, want, rtol=1e-6, atol=1e-6,
                                       err_msg=f"run {k + 1}")


@pytest.mark.parametrize("run_shape", [(4, 1), (1, 4), (4, 4)])
def test_a_where_with_an_unknown_condition_and_value(passes, run_shape):
    flat, dims, u = _unknown(run_shape)
    x = tf.placeholder(tf.float32, (4, 4))
    y = tf.where(tf.broadcast_to(u > 0, (4, 4)), x * 3.0, tf.broadcast_to(u, (4, 4)) + x)
    z = tf.compat.v1.where_v2(u > 0, x * 3.0, u + x)      # (broadcasting select)
    rng = np.random.default_rng(2)
    uv = rng.standard_normal(run_shape).astype(np.float32)
    xv = rng.standard_normal((4, 4)).astype(np.float32)
    want = np.where(uv > 0, xv * np.float32(3), uv + xv)
    with tf.Session() as sess:
        feeds = {flat: uv.ravel(), dims: np.array(run_shape, np.int32), x: xv}
        for k, (a, b) in enumerate(_runs(sess, [y, z], feeds)):
            np.testing.assert_allclose(a, want, rtol=1e-6, err_msg=f"run {k + 1}")
            np.testing.assert_allclose(b, want, rtol=1e-6, err_msg=f"run {k + 1}")


def test_the_run_time_shape_may_change_between_runs_of_one_plan(passes):
    flat, dims, u = _unknown((4, 1))
    x = tf.placeholder(tf.float32, (4, 4))
    y = u * x + u
    xv = np.arange(16, dtype=np.float32).reshape(4, 4)
    with tf.Session() as sess:
        for shape in [(4, 1), (1, 4), (4, 4), (1, 1), (4, 1), (4, 4)]:
            uv = np.arange(1, 1 + int(np.prod(shape)), dtype=np.float32).reshape(shape)
            out = sess.run(y, {flat: uv.ravel(), dims: np.array(shape, np.int32), x: xv})
            np.testing.assert_allclose(out, uv * xv + uv, err_msg=str(shape))


def test_a_shape_that_does_not_broadcast_is_refused_on_every_run(passes):
    flat, dims, u = _unknown((4, 1))
    x = tf.placeholder(tf.float32, (4, 4))
    y = u * x + u
    xv = np.ones((4, 4), np.float32)
    with tf.Session() as sess:
        good = {flat: np.ones(4, np.float32), dims: np.array([4, 1], np.int32), x: xv}
        bad = {flat: np.ones(3, np.float32), dims: np.array([3, 1], np.int32), x: xv}
        for k in range(RUNS):
            np.testing.assert_allclose(sess.run(y, good), 2 * xv, err_msg=f"run {k + 1}")
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"Incompatible shapes: \[3,1\] vs\. \[4,4\]"):
                sess.run(y, bad)


def test_unsure_operands_are_only_those_with_an_unknown_dimension():
    from dlcore.registry import AVal
    from dlcore_static.compiler.ir import Node

    def val(shape):
        return Node("feed", "f", "Placeholder", inputs=[],
                    avals=[AVal(shape, np.dtype(np.float32))]).out()

    n = Node("fused", "g", "Fused", inputs=[val((4, 4)), val((None, None)), val((4,)),
                                           val((None, 1)), val(())],
             avals=[AVal((4, 4), np.dtype(np.float32))],
             params={"loop_shape": (4, 4), "outputs": []})
    assert run_time_broadcast.unsure_operands(n) == [(1, (4, 4)), (3, (4, 1))]
    assert run_time_broadcast.needs_view((4, 1), (4, 4), (4, 4)) is True
    assert run_time_broadcast.needs_view((4, 4), (4, 4), (4, 4)) is False
    with pytest.raises(ValueError, match=r"Incompatible shapes: \[2,4\] vs\. \[4,4\] "
                                         r"\(a fused operand read as \[4,4\]\)"):
        run_time_broadcast.needs_view((2, 4), (4, 4), (4, 4))


@pytest.mark.cuda
@pytest.mark.parametrize("run_shape", [(4, 1), (1, 4), (4, 4)])
def test_cuda_fused_operand_broadcast_at_run_time(run_shape):
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    flat, dims, u = _unknown(run_shape)
    x = tf.placeholder(tf.float32, (4, 4))
    y = tf.nn.relu(u * x + 1.0) - u
    rng = np.random.default_rng(3)
    uv = rng.standard_normal(run_shape).astype(np.float32)
    xv = rng.standard_normal((4, 4)).astype(np.float32)
    want = np.maximum(uv * xv + np.float32(1), 0) - uv
    feeds = {flat: uv.ravel(), dims: np.array(run_shape, np.int32), x: xv}
    for passes in (["fusion"], "all"):
        with tf.Session(device="cuda", passes=passes) as sess:
            for k, out in enumerate(_runs(sess, y, feeds)):
                np.testing.assert_allclose(np.asarray(out), want, rtol=1e-5, atol=1e-6,
                                           err_msg=f"{passes} run {k + 1}")
