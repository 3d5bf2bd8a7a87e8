"""Silent wrong answers and wrong errors left by the session-5 reliability probe (helper-K):
float floor division by zero, negative indices in TF's gather family, integer negative powers,
out-of-range integer literals and empty/degenerate edges.  Each checked against real torch 2.13
(eager) or TensorFlow 1's documented behaviour (static)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import dlcore
import dlcore_eager as T
import dlcore_static as tf
from dlcore import ops


def _np(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


# ----------------------------------------------------------------------------- 1. float // 0
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_eager_float_floor_divide_by_zero_is_ieee_as_torch(dt):
    a = [1.0, -1.0, 0.0, 7.0, -7.0]
    b = [0.0, -0.0, 0.0, 2.0, 2.0]
    want = torch.tensor(a, dtype=getattr(torch, dt)) // torch.tensor(b, dtype=getattr(torch, dt))
    got = T.tensor(a, dtype=getattr(T, dt)) // T.tensor(b, dtype=getattr(T, dt))
    np.testing.assert_array_equal(_np(got), want.numpy())
    np.testing.assert_array_equal(_np(T.floor_divide(T.tensor(a), 0.0)),
                                  torch.floor_divide(torch.tensor(a), 0.0).numpy())
    # an integer tensor by a float zero promotes to float: IEEE too
    np.testing.assert_array_equal(_np(T.tensor([3, -3, 0]) // 0.0),
                                  (torch.tensor([3, -3, 0]) // 0.0).numpy())


def test_eager_integer_floor_divide_by_zero_still_raises_as_torch():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([1, 2]) // 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        T.tensor([1, 2]) // 0


@pytest.mark.parametrize("passes", [(), "all"])
def test_static_floordiv_by_zero_float_plain_and_compiled(passes):
    a = tf.placeholder(tf.float32, [None])
    b = tf.placeholder(tf.float32, [None])
    y = tf.floordiv(a, b)
    z = a // b * 2.0 + 1.0                       # fused by the compiler
    feed = {a: [1.0, -1.0, 0.0, 7.0], b: [0.0, 0.0, 0.0, 2.0]}
    with tf.Session(passes=passes) as s:
        vy, vz = s.run([y, z], feed)
    np.testing.assert_array_equal(vy, [np.inf, -np.inf, np.nan, 3.0])
    np.testing.assert_array_equal(vz, [np.inf, -np.inf, np.nan, 7.0])


@pytest.mark.cuda
def test_floor_divide_cuda_kernel_ieee_for_floats_zero_for_ints():
    if not dlcore.cuda_available():
        pytest.skip("no CUDA and no simulator")
    for dt, want in ((np.float32, [np.inf, -np.inf, np.nan, 3.0]), (np.int32, [0, 0, 0, 3])):
        a = dlcore.to_device(np.array([1, -1, 0, 7], dt), "cuda")
        b = dlcore.to_device(np.array([0, 0, 0, 2], dt), "cuda")
        with np.errstate(all="ignore"):
            y = ops.floor_divide(a, b)
        np.testing.assert_array_equal(dlcore.to_device(y, "cpu"), np.array(want, dt))


# ----------------------------------------------------------------------------- 3. int ** -1
_NEG_POW = "Integers to negative integer powers are not allowed."


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([2, 3]) ** -1,
    lambda m: m.pow(m.tensor([2]), -2),
    lambda m: m.tensor([1, -1, 2]).pow(-1),
    lambda m: m.tensor([2], dtype=m.uint8) ** -1,
    lambda m: m.tensor([True]) ** -1,
    lambda m: m.tensor([2, 3]).pow_(-1),
], ids=["op", "torch.pow", "method", "uint8", "bool", "pow_"])
def test_integer_tensor_to_negative_int_power_raises_as_torch(make):
    with pytest.raises(RuntimeError, match=_NEG_POW):
        make(torch)
    with pytest.raises(RuntimeError, match=_NEG_POW):
        make(T)


def test_integer_negative_power_cases_torch_computes():
    x = T.tensor([2, 3])
    with pytest.raises(RuntimeError, match=_NEG_POW):
        x **= -1
    np.testing.assert_array_equal(_np(x), [2, 3])           # left as it was
    for make in (lambda m: m.tensor([2, 3, 1, -1]) ** m.tensor([-1, 1, -1, -1]),
                 lambda m: 2 ** m.tensor([-1]),
                 lambda m: m.tensor([2]) ** -1.0,
                 lambda m: m.tensor([2.0]) ** -1,
                 lambda m: m.tensor([2]) ** 2):
        want = make(torch)
        got = make(T)
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_array_equal(_np(got), want.numpy())


# ----------------------------------------------------------------------------- 4. ints > int64
@pytest.mark.parametrize("data", [[1, 2 ** 63], [2 ** 63, -1], [[1], [2 ** 63]], [2 ** 63]])
def test_tensor_of_python_ints_beyond_int64_raises_as_torch(data):
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        torch.tensor(data)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        T.tensor(data)


def test_tensor_of_big_floats_and_ints_is_float_as_torch():
    for data in ([1.5, 2 ** 63], [1, 2.0 ** 63], [2.0 ** 64, 3]):
        want, got = torch.tensor(data), T.tensor(data)
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_array_equal(_np(got), want.numpy())


# ----------------------------------------------------------------------------- 2. TF indices
@pytest.fixture
def graph():
    g = tf.Graph()
    with g.as_default():
        yield g


def _gather_graph():
    p = tf.constant(np.arange(10.0).reshape(5, 2))
    i = tf.placeholder(tf.int32, [None])
    pd = tf.placeholder(tf.float64, [None, 2])
    ys = {"gather": tf.gather(p, i), "embedding_lookup": tf.nn.embedding_lookup(p, i),
          "gather_axis1": tf.gather(tf.transpose(p), i, axis=1),
          "gather_dynamic_rows": tf.gather(pd, i),
          "scatter_nd": tf.scatter_nd(tf.reshape(i, [-1, 1]),
                                      tf.ones_like(tf.cast(i, tf.float32)), [5])}
    return i, pd, ys


@pytest.mark.parametrize("passes", [(), "all"])
def test_static_gather_family_refuses_out_of_range_indices_as_tf(graph, passes):
    i, pd, ys = _gather_graph()
    base = {pd: np.arange(10.0).reshape(5, 2)}
    with tf.Session(passes=passes) as s:
        for name, y in ys.items():
            for bad in (-1, 5):
                want = (f"indices[1] = [{bad}] does not index into shape [5]"
                        if name == "scatter_nd" else f"indices[1] = {bad} is not in [0, 5)")
                with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(want)):
                    s.run(y, {**base, i: [2, bad]})
        got = s.run(ys, {**base, i: [1, 4]})
    np.testing.assert_array_equal(got["gather"], [[2.0, 3.0], [8.0, 9.0]])
    np.testing.assert_array_equal(got["embedding_lookup"], [[2.0, 3.0], [8.0, 9.0]])
    np.testing.assert_array_equal(got["gather_axis1"], [[2.0, 8.0], [3.0, 9.0]])
    np.testing.assert_array_equal(got["gather_dynamic_rows"], [[2.0, 3.0], [8.0, 9.0]])
    np.testing.assert_array_equal(got["scatter_nd"], [0.0, 1.0, 0.0, 0.0, 1.0])


def test_static_scatter_nd_checks_each_coordinate_and_gradients_still_flow(graph):
    i2 = tf.placeholder(tf.int32, [None, 2])
    sc = tf.scatter_nd(i2, tf.constant([1.0]), [5, 5])
    pd = tf.placeholder(tf.float64, [None, 2])
    i = tf.placeholder(tf.int32, [None])
    g = tf.gradients(tf.reduce_sum(tf.gather(pd, i) ** 2), pd)[0]
    with tf.Session() as s:
        # [0, 7] would be row 1, column 2 of the flattened 5x5: TF refuses it
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=re.escape("indices[0] = [0, 7] does not index into shape "
                                           "[5,5]")):
            s.run(sc, {i2: [[0, 7]]})
        assert s.run(sc, {i2: [[1, 1]]})[1, 1] == 1.0
        x = np.arange(10.0).reshape(5, 2)
        np.testing.assert_array_equal(s.run(g, {pd: x, i: [1, 1]}),
                                      [[0, 0], [8, 12], [0, 0], [0, 0], [0, 0]])


# ----------------------------------------------------------------------------- 5. edges
@pytest.mark.parametrize("make", [lambda m: m.nn.Conv2d(0, 3, 3), lambda m: m.nn.Linear(0, 3),
                                  lambda m: m.nn.Conv1d(0, 2, 3)], ids=["conv2d", "linear",
                                                                        "conv1d"])
def test_zero_input_features_build_as_torch_with_its_warning(make):
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        want = make(torch)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        got = make(T)
    assert tuple(got.weight.shape) == tuple(want.weight.shape)
    assert tuple(got.bias.shape) == tuple(want.bias.shape)


@pytest.mark.parametrize("fn", ["median", "nanmedian"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8"])
def test_median_of_an_empty_tensor_as_torch(fn, dtype):
    want = getattr(torch, fn)(torch.zeros(0, 2, dtype=getattr(torch, dtype)))
    got = getattr(T, fn)(T.zeros(0, 2, dtype=getattr(T, dtype)))
    assert str(got.dtype) == str(want.dtype) and tuple(got.shape) == ()
    np.testing.assert_array_equal(_np(got), want.numpy())
    msg = "median(): Expected reduction dim 1 to have non-zero size."
    for m in (torch, T):
        with pytest.raises(IndexError, match=re.escape(msg)):
            getattr(m.zeros(2, 0), fn)(dim=-1)
    v, i = T.zeros(0, 3).median(dim=1)                       # an empty result: fine in torch
    assert tuple(v.shape) == (0,) and tuple(i.shape) == (0,)


def test_static_reduce_max_min_over_an_empty_axis_give_the_lowest_highest_as_tf(graph):
    x = tf.placeholder(tf.int32, [None, 0])
    c = tf.zeros((3, 0))
    ys = [tf.reduce_max(x, axis=1), tf.reduce_min(x, 1, keepdims=True), tf.reduce_max(x),
          tf.reduce_max(c, axis=1), tf.reduce_min(c), tf.reduce_max(c, axis=0)]
    with tf.Session() as s:
        got = s.run(ys, {x: np.zeros((2, 0), np.int32)})
    lo, hi = np.iinfo(np.int32).min, np.iinfo(np.int32).max
    np.testing.assert_array_equal(got[0], [lo, lo])
    np.testing.assert_array_equal(got[1], [[hi], [hi]])
    assert got[2] == lo and got[0].dtype == np.int32
    np.testing.assert_array_equal(got[3], [-np.inf] * 3)
    assert got[4] == np.inf and got[5].shape == (0,)


def test_static_clip_by_value_with_min_above_max_gives_min_as_tf1(graph):
    # TF1: maximum(minimum(t, max), min), so min wins; torch.clamp gives max
    t = tf.constant([0.0, 5.0, 10.0])
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(tf.clip_by_value(t, 6.0, 4.0)), [6.0, 6.0, 6.0])
        np.testing.assert_array_equal(s.run(tf.clip_by_value(t, 4.0, 6.0)), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(_np(T.clamp(T.tensor([0.0, 5.0, 10.0]), 6.0, 4.0)),
                                  torch.clamp(torch.tensor([0.0, 5.0, 10.0]), 6.0, 4.0).numpy())


@pytest.mark.parametrize("passes", [(), "all"])
def test_static_integer_division_by_zero_raises_as_tf(graph, passes):
    a = tf.placeholder(tf.int32, [None])
    b = tf.placeholder(tf.int32, [None])
    ys = [tf.floordiv(a, b), a // b, tf.floormod(a, b), a % b, tf.truncatemod(a, b), 7 // b]
    with tf.Session(passes=passes) as s:
        for y in ys:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="Integer division by zero"):
                s.run(y, {a: [7, -7], b: [1, 0]})
        got = s.run(ys + [a // 2], {a: [7, -7], b: [2, 3]})
    for y, want in zip(got, ([3, -3], [3, -3], [1, 2], [1, 2], [1, -1], [3, 2], [3, -4])):
        np.testing.assert_array_equal(y, want)


def test_static_checks_survive_a_meta_graph_round_trip(tmp_path):
    path = str(tmp_path / "m.meta")
    with tf.Graph().as_default():
        i = tf.placeholder(tf.int32, [None], name="i")
        pd = tf.placeholder(tf.float64, [None, 2], name="pd")
        tf.identity(tf.gather(pd, i), name="y")
        tf.identity(tf.floordiv(i, i), name="z")
        tf.identity(tf.scatter_nd(tf.reshape(i, [-1, 1]), tf.cast(i, tf.float32), [5]), name="w")
        tf.train.export_meta_graph(path)
    with tf.Graph().as_default():
        tf.train.import_meta_graph(path)
        with tf.Session() as s:
            feed = {"pd:0": np.arange(10.0).reshape(5, 2)}
            np.testing.assert_array_equal(s.run("y:0", {**feed, "i:0": [4]}), [[8.0, 9.0]])
            with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape("is not in [0, 5)")):
                s.run("y:0", {**feed, "i:0": [-1]})
            with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
                s.run("z:0", {"i:0": [0]})
            with pytest.raises(tf.errors.InvalidArgumentError, match="does not index into shape"):
                s.run("w:0", {"i:0": [7]})


def test_static_tf_div_of_integers_is_python2_floor_division_as_tf1(graph):
    # TF1's tf.div (_div_python2): FloorDiv for integers, RealDiv otherwise; tf.divide is truediv
    a = tf.placeholder(tf.int32, [None])
    b = tf.placeholder(tf.int32, [None])
    fa = tf.placeholder(tf.float32, [None])
    with tf.Session() as s:
        feed = {a: [7, -7], b: [2, 3], fa: [7.0, -7.0]}
        got = s.run([tf.div(a, b), tf.div(a, 2), tf.div(fa, 2.0), tf.divide(a, b)], feed)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
            s.run(tf.div(a, b), {**feed, b: [0, 1]})
    assert got[0].dtype == np.int32 and got[1].dtype == np.int32
    np.testing.assert_array_equal(got[0], [3, -3])
    np.testing.assert_array_equal(got[1], [3, -4])
    np.testing.assert_array_equal(got[2], [3.5, -3.5])
    np.testing.assert_allclose(got[3], [3.5, -7 / 3])
