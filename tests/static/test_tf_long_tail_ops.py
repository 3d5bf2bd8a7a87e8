"""TensorFlow 1 long-tail ops: ``tf.py_func``/``tf.numpy_function`` (and ``Tensor.set_shape``),
``unique``/``unique_with_counts``, ``bincount``, ``dynamic_partition``/``dynamic_stitch``,
``histogram_fixed_width``, ``space_to_depth``/``depth_to_space``, ``tensor_scatter_nd_*``.
Values against NumPy, gradients against central differences, errors by type and message."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf

RNG = np.random.default_rng(7)


def check_grad(build, ref, x):
    """d sum(build(p) * w)/dp against central differences of ``ref`` (float64)."""
    check_value_and_gradient(build, ref, x, RNG, rtol=1e-12, atol=0)


# ============================================================================ py_func
def test_py_func_calls_python_each_run():
    calls = []

    def f(a, b):
        calls.append(1)
        return (a * b).astype(np.float32)

    x = tf.placeholder(tf.float32, [None])
    y = tf.py_func(f, [x, tf.constant(2.0)], tf.float32)
    assert y.shape.ndims is None                      # unknown, rank included
    y.set_shape([None])
    z = tf.reduce_sum(y + 1.0)
    with tf.Session() as s:
        assert s.run(z, {x: [1.0, 2.0]}) == pytest.approx(8.0)
        np.testing.assert_allclose(s.run(y, {x: [3.0]}), [6.0])
    assert len(calls) == 2


def test_py_func_several_outputs_and_gradient_is_none():
    x = tf.placeholder(tf.float64, [3])
    a, b = tf.numpy_function(lambda v: (np.cumsum(v), np.int32(v.size)), [x],
                             [tf.float64, tf.int32])
    a.set_shape([3])
    assert a.shape.as_list() == [3] and b.shape.ndims is None       # one by one
    loss = tf.reduce_sum(a * x)
    (g,) = tf.gradients(loss, [x])              # only the direct path: d/dx (a * x) = a
    (ga,) = tf.gradients(tf.reduce_sum(a), [x])
    assert ga is None
    with tf.Session() as s:
        av, bv, gv = s.run([a, b, g], {x: [1.0, 2.0, 3.0]})
    np.testing.assert_allclose(av, [1, 3, 6])
    assert bv == 3
    np.testing.assert_allclose(gv, av)


def test_py_function_gets_eager_style_values_and_converts_results():
    seen = []

    def f(t, k):
        seen.append((type(t).__name__, t.numpy().dtype))
        return t.numpy() * 2, int(k) + 1                 # a Python int for tf.int32: converted

    x = tf.placeholder(tf.float32, [None])
    a, b = tf.py_function(f, [x, tf.constant(4)], [tf.float32, tf.int32])
    with tf.Session() as s:
        av, bv = s.run([a, b], {x: [1.0, 2.0]})
    np.testing.assert_array_equal(av, [2.0, 4.0])
    assert bv == 5 and bv.dtype == np.int32 and seen == [("EagerValue", np.float32)]
    assert tf.gradients(tf.reduce_sum(a), [x]) == [None]       # no tape here (TF has one)
    same = tf.py_function(lambda t: t, [tf.constant([1.0])], tf.float64)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                          match="is float, but expects double"):
        s.run(same)


def test_py_func_with_no_outputs_is_an_op():
    seen = []
    op = tf.py_func(lambda v: seen.append(float(v)), [tf.constant(4.0)], [])
    assert isinstance(op, tf.Operation)
    with tf.Session() as s:
        assert s.run(op) is None
    assert seen == [4.0]


def test_py_func_inside_a_while_loop():
    i0 = tf.constant(0)
    acc0 = tf.constant(0.0, tf.float64)

    def body(i, acc):
        v = tf.py_func(lambda k: np.float64(k) ** 2, [i], tf.float64)
        v.set_shape([])
        return i + 1, acc + v

    _, total = tf.while_loop(lambda i, a: i < 4, body, [i0, acc0])
    with tf.Session() as s:
        assert s.run(total) == 0 + 1 + 4 + 9


@pytest.mark.parametrize("ret, err, text", [
    (lambda v: v.astype(np.float64), tf.errors.InvalidArgumentError,
     r"0-th value returned by pyfunc_\d+ is double, but expects float"),
    (lambda v: (v, v), tf.errors.InvalidArgumentError,
     r"pyfunc_\d+ returns 2 values, but expects to see 1 values"),
    (lambda v: int("x"), tf.errors.InvalidArgumentError,
     "ValueError: invalid literal for int"),
    (lambda v: next(iter([])), tf.errors.OutOfRangeError, "StopIteration"),
    (lambda v: {}["k"], tf.errors.UnknownError, "KeyError: 'k'"),
])
def test_py_func_errors_name_the_node(ret, err, text):
    x = tf.placeholder(tf.float32, [1])
    y = tf.py_func(ret, [x], tf.float32, name="my_func")
    with tf.Session() as s, pytest.raises(err, match=text) as info:
        s.run(y, {x: [1.0]})
    assert "[[node my_func (defined at" in str(info.value)


def test_py_func_and_set_shape_argument_errors():
    with pytest.raises(TypeError, match="func must be callable"):
        tf.py_func(3, [1.0], tf.float32)
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(ValueError, match=r"Shapes \(\?, 3\) and \(2, 4\) are incompatible"):
        x.set_shape([2, 4])
    x.set_shape([2, None])
    assert x.shape.as_list() == [2, 3]


# ============================================================================ unique
def _np_unique_first(x):
    _, first, inv, counts = np.unique(x, return_index=True, return_inverse=True,
                                      return_counts=True)
    order = np.argsort(first, kind="stable")
    new_id = np.argsort(order)
    return x[np.sort(first)], new_id[inv.reshape(-1)], counts[order]


@pytest.mark.parametrize("x", [np.array([3, 1, 3, 2, 1, 1, 7], np.int32),
                               RNG.integers(0, 5, 40).astype(np.int64),
                               np.array([2.5, -1.0, 2.5, 0.0], np.float32),
                               np.zeros(0, np.int32), np.array([9], np.int32)])
def test_unique_matches_numpy_first_occurrence_order(x):
    p = tf.placeholder(tf.as_dtype(x.dtype), [None])
    y, idx, count = tf.unique_with_counts(p, out_idx=tf.int64)
    y2, idx2 = tf.unique(p)
    with tf.Session() as s:
        yv, iv, cv, y2v, i2v = s.run([y, idx, count, y2, idx2], {p: x})
    ey, ei, ec = _np_unique_first(x)
    np.testing.assert_array_equal(yv, ey)
    np.testing.assert_array_equal(iv, ei)
    np.testing.assert_array_equal(cv, ec)
    np.testing.assert_array_equal(y2v, ey)
    assert iv.dtype == np.int64 and i2v.dtype == np.int32 and yv.dtype == x.dtype
    np.testing.assert_array_equal(yv[iv], x)


def test_unique_errors():
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2 for 'Unique' "
                                         r"\(op: 'Unique'\) with input shapes: \[2,2\]"):
        tf.unique([[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="'out_idx' has DataType float32 not in list"):
        tf.unique([1, 2], out_idx=tf.float32)


# ============================================================================ bincount, histogram
def test_bincount_values():
    arr = RNG.integers(0, 6, 30).astype(np.int32)
    w = RNG.standard_normal(30)
    p = tf.placeholder(tf.int32, [None])
    outs = [tf.bincount(p), tf.bincount(p, minlength=9), tf.bincount(p, maxlength=3),
            tf.math.bincount(p, weights=w), tf.bincount(p, dtype=tf.float32)]
    assert outs[3].dtype == tf.float64 and outs[4].dtype == tf.float32
    with tf.Session() as s:
        a, b, c, d, e = s.run(outs, {p: arr})
        np.testing.assert_array_equal(s.run(outs[0], {p: np.zeros(0, np.int32)}), [])
        with pytest.raises(tf.errors.InvalidArgumentError, match="must be non-negative"):
            s.run(outs[0], {p: [1, -1]})
    np.testing.assert_array_equal(a, np.bincount(arr))
    np.testing.assert_array_equal(b, np.bincount(arr, minlength=9))
    np.testing.assert_array_equal(c, np.bincount(arr)[:3])
    np.testing.assert_allclose(d, np.bincount(arr, weights=w))
    assert a.dtype == np.int32 and e.dtype == np.float32
    with pytest.raises(TypeError, match="arr must be an integer tensor"):
        tf.bincount([1.0, 2.0])


def test_histogram_fixed_width_matches_numpy_bins():
    v = RNG.uniform(-2, 12, 200)
    h = tf.histogram_fixed_width(v, [0.0, 10.0], nbins=7)
    with tf.Session() as s:
        got = s.run(h)
    edges = np.linspace(0, 10, 8)
    expected, _ = np.histogram(np.clip(v, 0, 10 - 1e-9), bins=edges)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.int32 and got.sum() == 200
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                          match="nbins should be a positive number"):
        s.run(tf.histogram_fixed_width(v, [0.0, 1.0], nbins=0))


# ============================================================================ partition / stitch
def test_dynamic_partition_values_and_gradient():
    parts = np.array([1, 0, 2, 1, 1], np.int32)
    x = RNG.standard_normal((5, 3))

    def ref(v):               # each partition weighted by its own row (a size-free summary)
        return np.stack([np.sum(v[parts == i] ** 2 * (i + 1), 0) for i in range(3)])

    def build(p):
        return tf.stack([tf.reduce_sum(q ** 2 * (i + 1), 0)
                         for i, q in enumerate(tf.dynamic_partition(p, parts, 3))])
    check_grad(build, ref, x)
    outs = tf.dynamic_partition(tf.constant(x), parts, 4)
    with tf.Session() as s:
        vals = s.run(outs)
    assert [v.shape for v in vals] == [(1, 3), (3, 3), (1, 3), (0, 3)]
    with pytest.raises(ValueError, match="data.shape must start with partitions.shape"):
        tf.dynamic_partition(x, np.zeros(4, np.int32), 2)
    with pytest.raises(TypeError, match="'partitions' has DataType int64"):
        tf.dynamic_partition(x, parts.astype(np.int64), 2)


def test_dynamic_stitch_round_trip_and_gradient():
    parts = np.array([0, 1, 0, 2, 1, 0], np.int32)
    x = RNG.standard_normal((6, 2))
    pos = np.arange(6, dtype=np.int32)

    def build(p):
        ds = tf.dynamic_partition(p, parts, 3)
        ids = tf.dynamic_partition(pos, parts, 3)
        return tf.dynamic_stitch(ids, ds) * 1.5
    check_grad(build, lambda v: v * 1.5, x)
    later = tf.dynamic_stitch([[0, 1], [1, 3]], [[1.0, 2.0], [5.0, 7.0]])   # later wins, gap 0
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(later), [1.0, 5.0, 0.0, 7.0])
    assert later.shape.as_list() == [None]
    with pytest.raises(ValueError, match=r"data\[1\].shape = \[3\] does not start with "
                                         r"indices\[1\].shape = \[2\]"):
        tf.dynamic_stitch([[0], [1, 2]], [[1.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="must match length 2 of argument 'indices'"):
        tf.dynamic_stitch([[0], [1]], [[1.0]])


# ============================================================================ space / depth
def _np_space_to_depth(x, b):
    n, h, w, c = x.shape
    y = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h // b, w // b, b * b * c)


def test_space_to_depth_and_back():
    x = RNG.standard_normal((2, 4, 6, 3))
    check_grad(lambda p: tf.space_to_depth(p, 2), lambda v: _np_space_to_depth(v, 2), x)
    y = _np_space_to_depth(x, 2)
    check_grad(lambda p: tf.nn.depth_to_space(p, 2), lambda v: x if v is y else
               _np_depth_to_space(v, 2), y)
    p = tf.placeholder(tf.float32, [None, 4, 4, 8])
    assert tf.depth_to_space(p, 2).shape.as_list() == [None, 8, 8, 2]
    assert tf.space_to_depth(p, 2).shape.as_list() == [None, 2, 2, 32]


def _np_depth_to_space(x, b):
    n, h, w, c = x.shape
    y = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h * b, w * b, c // (b * b))


def test_space_depth_errors():
    with pytest.raises(ValueError, match="Image width 5 and height 4 should be divisible by "
                                         "block_size: 2"):
        tf.space_to_depth(np.zeros((1, 4, 5, 1), np.float32), 2)
    with pytest.raises(ValueError, match="must be evenly divisible by 4 but is 6"):
        tf.depth_to_space(np.zeros((1, 2, 2, 6), np.float32), 2)
    with pytest.raises(ValueError, match="'block_size' of 1 must be at least minimum 2"):
        tf.space_to_depth(np.zeros((1, 2, 2, 1), np.float32), 1)
    with pytest.raises(ValueError, match="Shape must be rank 4 but is rank 3"):
        tf.space_to_depth(np.zeros((2, 2, 1), np.float32), 2)
    with pytest.raises(NotImplementedError, match="only data_format='NHWC'"):
        tf.space_to_depth(np.zeros((1, 1, 2, 2), np.float32), 2, data_format="NCHW")


# ============================================================================ tensor_scatter_nd
def test_tensor_scatter_nd_values_and_gradients():
    ind = np.array([[0, 1], [2, 0]])
    t = RNG.standard_normal((3, 2))
    u = RNG.standard_normal(2)

    def upd_ref(tv, uv=u):
        out = tv.copy()
        out[ind[:, 0], ind[:, 1]] = uv
        return out
    check_grad(lambda p: tf.tensor_scatter_nd_update(p, ind, u), upd_ref, t)
    check_grad(lambda p: tf.tensor_scatter_nd_update(t, ind, p), lambda v: upd_ref(t, v), u)

    def add_ref(tv):
        out = tv.copy()
        np.add.at(out, (ind[:, 0], ind[:, 1]), u)
        return out
    check_grad(lambda p: tf.tensor_scatter_nd_add(p, ind, u), add_ref, t)
    rows = tf.tensor_scatter_nd_sub(t, [[1]], [[1.0, 2.0]])        # whole slices
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(rows), t - [[0, 0], [1, 2], [0, 0]])
    with pytest.raises(ValueError, match="updates .* must have shape indices.shape"):
        tf.tensor_scatter_nd_update(t, ind, np.ones(3))
    with pytest.raises(TypeError, match="Input 'updates' of 'TensorScatterUpdate' Op has type "
                                        "int32 that does not match type float64"):
        tf.tensor_scatter_nd_update(t, ind, tf.constant([1, 2]))


# ============================================================================ examples
@pytest.mark.parametrize("module", ["dlcore_static.array_extra", "dlcore_static.script_ops"])
def test_docstring_examples_run(module):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in doctest.DocTestFinder().find(importlib.import_module(module))
             if t.examples]
    assert tests
    for t in tests:
        with tf.Graph().as_default():
            runner.run(t)
    assert runner.failures == 0


# ============================================================================ plans and devices
def _programs():
    x = RNG.standard_normal((1, 4, 4, 8)).astype(np.float32)
    v = np.array([3, 1, 3, 2, 1], np.int32)
    return [tf.unique_with_counts(v)[0], tf.unique(v)[1],
            tf.histogram_fixed_width(x.reshape(-1), [-1.0, 1.0], nbins=4),
            tf.space_to_depth(x, 2), tf.depth_to_space(x, 2),
            tf.tensor_scatter_nd_update(x[0, 0], [[1, 2]], [5.0]),
            tf.bincount(v), tf.dynamic_stitch([[1, 0]], [[1.0, 2.0]]),
            tf.py_func(lambda a: a * 2, [v], tf.int32)]


def test_compiled_plans_give_the_interpreters_values():
    """The default Session compiles a plan on its second run: the same values every run."""
    outs = _programs()
    with tf.Session(passes=()) as s:
        ref = s.run(outs)
    with tf.Session() as s:
        for _ in range(3):
            for a, b in zip(s.run(outs), ref):
                np.testing.assert_array_equal(a, b)


@pytest.mark.cuda
def test_host_nodes_and_composites_on_cuda_match_cpu():
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("no CUDA (real or simulated)")
    outs = _programs()
    with tf.Session(passes=()) as s:
        ref = s.run(outs)
    with tf.Session(device="cuda", passes=()) as s:
        got = s.run(outs)
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a, b)
