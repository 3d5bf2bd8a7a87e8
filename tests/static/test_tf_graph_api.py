"""The everyday TensorFlow 1 graph API (issue 14): values against NumPy, gradients against
central differences, errors by type and message."""

from __future__ import annotations

import io
import sys
import warnings

import numpy as np
import pytest

import dlcore_static as tf

RNG = np.random.default_rng(14)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def run(fetches, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(fetches, feed)


def numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def check_grad(build, x0):
    """build(tensor) -> tensor; compares d sum(build(x) * c) / dx with central differences."""
    x = tf.placeholder(tf.float64, x0.shape)
    y = build(x)
    if y.shape.is_fully_defined():
        loss = tf.reduce_sum(y * RNG.standard_normal(tuple(y.shape.as_list())))
    else:                                   # a run-time sized result: a non-linear loss
        loss = tf.reduce_sum(tf.square(y) * 0.5 + y)
    (g,) = tf.gradients(loss, [x])
    with tf.Session() as s:
        got = s.run(g, {x: x0})
        want = numeric_grad(lambda v: s.run(loss, {x: v}), x0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


# ============================================================================ placeholders
def test_unknown_rank_placeholder_takes_any_array_and_reduces_all_of_it():
    x = tf.placeholder("float")
    assert x.shape.ndims is None and (x * 2.0).shape.ndims is None
    s, m, mx = tf.reduce_sum(x * 2.0), tf.reduce_mean(x), tf.reduce_max(x)
    (g,) = tf.gradients(tf.reduce_mean(tf.square(x)), [x])
    a = np.arange(6.0).reshape(2, 3)
    out = run([s, m, mx, g], {x: a})
    np.testing.assert_allclose(out[:3], [30.0, 2.5, 5.0])
    np.testing.assert_allclose(out[3], 2 * a / 6, rtol=1e-6)
    assert run(s, {x: 4.0}) == 8.0
    assert list(run(tf.shape(x), {x: a})) == [2, 3]
    assert run(tf.size(x), {x: a}) == 6 and run(tf.rank(x), {x: a}) == 2


def test_int_shape_and_dynamic_shape():
    x = tf.placeholder(tf.float32, shape=784)
    assert x.shape.as_list() == [784]
    y = tf.placeholder(tf.float32, [None, 3])
    assert y.get_shape().as_list() == [None, 3]
    out = run([tf.shape(y), tf.size(y), tf.shape(y)[0]], {y: np.zeros((5, 3))})
    assert list(out[0]) == [5, 3] and out[1] == 15 and out[2] == 5


def test_narrow_dtypes_compute_wide():
    # the core has the first three; uint16/32/64 are held as they are too (dtypes.STORED_UNSIGNED)
    for dt in (tf.int8, tf.int16, tf.uint8, tf.uint16, tf.uint32, tf.uint64):
        p = tf.placeholder(dt, [2])
        assert p.dtype == dt and tf.cast(tf.constant([1.7, 2.2]), dt).dtype == dt
        # (TF 1.15's AddV2 has no uint16/32/64: a TypeError, tests/static/test_fidtf11_dtypes.py;
        # Sum takes them)
        add = p + 1 if dt in (tf.int8, tf.int16, tf.uint8) else \
            tf.reduce_sum(tf.stack([p, tf.ones_like(p)]), 0)
        got = run(add, {p: np.array([1, 2])})
        assert got.dtype == dt.as_numpy_dtype and got.tolist() == [2, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dt, wide in ((tf.float16, np.float32),):
            p = tf.placeholder(dt, [2])
            assert p.dtype == wide
            c = tf.cast(tf.constant([1.7, 2.2]), dt)
            v = tf.Variable(tf.zeros([2], dtype=dt))
            assert c.dtype == wide and v.dtype == wide
            np.testing.assert_allclose(run(p + 1, {p: np.array([1, 2])}), [2, 3])
    assert tf.float16.name == "float16" and str(tf.uint8) == "<dtype: 'uint8'>"


def test_random_normal_with_tensor_mean_and_stddev():
    tf.set_random_seed(3)
    sd = tf.placeholder(tf.float32, ())
    r = tf.random_normal((40000,), mean=tf.constant(3.0), stddev=sd)
    v = run(r, {sd: 2.0})
    assert abs(v.mean() - 3.0) < 0.05 and abs(v.std() - 2.0) < 0.05


def test_ndarray_on_the_left_gives_a_graph_tensor():
    t = tf.constant([1.0, 2.0])
    v = tf.Variable([1.0, 1.0])
    for y in (np.ones(2) + t, np.ones(2) * v, np.ones(2) - t):
        assert isinstance(y, tf.Tensor)
    np.testing.assert_allclose(run(np.array([5.0, 5.0]) - t), [4.0, 3.0])


# ============================================================================ variables
def test_get_variable_uniquifies_after_tf_variable_and_auto_reuse():
    a = tf.Variable(1.0, name="scalar")
    b = tf.get_variable("scalar", (), initializer=tf.zeros_initializer())
    assert a.name == "scalar:0" and b.name == "scalar_1:0"

    def layer(x):
        with tf.variable_scope("lin", reuse=tf.AUTO_REUSE):
            w = tf.get_variable("w", (2, 2), initializer=tf.ones_initializer(),
                                regularizer=lambda v: tf.reduce_sum(v * v))
            return tf.matmul(x, w), w
    (_, w1), (_, w2) = layer(tf.ones((1, 2))), layer(tf.ones((1, 2)))
    assert w1 is w2 and w1.name == "lin/w:0"
    regs = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(regs) == 1 and run(regs[0]) == 4.0
    with pytest.raises(ValueError, match="Variable lin/w already exists, disallowed"):
        with tf.variable_scope("lin"):
            tf.get_variable("w", (2, 2))
    with pytest.raises(ValueError, match="Variable zz/w does not exist"):
        with tf.variable_scope("zz", reuse=True):
            tf.get_variable("w", (2, 2))
    with tf.variable_scope("lin") as sc:
        sc.reuse_variables()
        assert tf.get_variable("w") is w1
    c = tf.get_variable("c", [3], trainable=False)
    assert c not in tf.trainable_variables() and c in tf.global_variables()


# ============================================================================ slicing
def test_split_slice_strided_slice_reverse():
    a = RNG.standard_normal((4, 6, 3)).astype(np.float32)
    x = tf.constant(a)
    parts = tf.split(x, 3, axis=1)
    parts2 = tf.split(x, [1, -1, 2], 1)
    got = run(parts + parts2 + [tf.slice(x, [1, 2, 0], [2, -1, 2]),
                                tf.strided_slice(x, [0, 1], [4, 6], [2, 2]),
                                x[1:3, ..., tf.newaxis], x[::-1, 2, None, 1:], x[..., 0],
                                tf.reverse(x, [0, -1])])
    for g, w in zip(got[:3], np.split(a, 3, 1)):
        np.testing.assert_array_equal(g, w)
    for g, w in zip(got[3:6], np.split(a, [1, 4], 1)):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(got[6], a[1:3, 2:, 0:2])
    np.testing.assert_array_equal(got[7], a[0:4:2, 1:6:2])
    np.testing.assert_array_equal(got[8], a[1:3, ..., None])
    np.testing.assert_array_equal(got[9], a[::-1, 2, None, 1:])
    np.testing.assert_array_equal(got[10], a[..., 0])
    np.testing.assert_array_equal(got[11], a[::-1, :, ::-1])
    with pytest.raises(ValueError, match="evenly divisible by 4"):
        tf.split(x, 4, axis=1)


def test_tile_pad_and_their_gradients():
    a = RNG.standard_normal((2, 3))
    x = tf.constant(a)
    got = run([tf.tile(x, [2, 3]), tf.pad(x, [[1, 2], [0, 1]], constant_values=7.0),
               tf.pad(x, [[1, 1], [2, 2]], "REFLECT"), tf.pad(x, [[1, 1], [2, 2]], "SYMMETRIC")])
    np.testing.assert_array_equal(got[0], np.tile(a, (2, 3)))
    np.testing.assert_array_equal(got[1], np.pad(a, [[1, 2], [0, 1]], constant_values=7.0))
    np.testing.assert_array_equal(got[2], np.pad(a, [[1, 1], [2, 2]], "reflect"))
    np.testing.assert_array_equal(got[3], np.pad(a, [[1, 1], [2, 2]], "symmetric"))
    check_grad(lambda v: tf.tile(v, [3, 2]), a)
    check_grad(lambda v: tf.pad(v, [[1, 0], [2, 1]]), a)
    check_grad(lambda v: tf.pad(v, [[1, 1], [2, 2]], "REFLECT"), a)


def test_gather_nd_scatter_nd_boolean_mask_where():
    a = RNG.standard_normal((3, 4, 2))
    idx = np.array([[0, 1], [2, 3], [0, 1]])
    x = tf.constant(a)
    upd = np.array([1.0, 2.0, 3.0])
    mask = np.array([[True, False, True, True], [False] * 4, [True, False, False, True]])
    got = run([tf.gather_nd(x, idx), tf.scatter_nd(idx, upd, [3, 4]),
               tf.boolean_mask(x, mask), tf.where(mask),
               tf.where([True, False, True], tf.ones((3, 2)), tf.zeros((3, 2)))])
    np.testing.assert_array_equal(got[0], a[idx[:, 0], idx[:, 1]])
    ref = np.zeros((3, 4))
    np.add.at(ref, (idx[:, 0], idx[:, 1]), upd)
    np.testing.assert_array_equal(got[1], ref)
    np.testing.assert_array_equal(got[2], a[mask])
    np.testing.assert_array_equal(got[3], np.argwhere(mask))
    np.testing.assert_array_equal(got[4], [[1, 1], [0, 0], [1, 1]])
    check_grad(lambda v: tf.gather_nd(v, idx), a)
    check_grad(lambda v: tf.boolean_mask(v, mask), a)


# ============================================================================ constructors
def test_constructors_and_matrix_helpers():
    a = RNG.standard_normal((4, 4))
    got = run([tf.linspace(0.0, 1.0, 5), tf.fill([2, 3], 9), tf.eye(3, 2), tf.diag([1., 2.]),
               tf.matrix_band_part(tf.constant(a), 1, 0), tf.zeros_like(tf.constant(a)),
               tf.ones_like(tf.constant(a), dtype=tf.int32), tf.linalg.diag_part(a)])
    np.testing.assert_allclose(got[0], np.linspace(0, 1, 5), rtol=1e-6)
    np.testing.assert_array_equal(got[1], np.full((2, 3), 9))
    np.testing.assert_array_equal(got[2], np.eye(3, 2))
    np.testing.assert_array_equal(got[3], np.diag([1.0, 2.0]))
    np.testing.assert_array_equal(got[4], np.tril(a) - np.tril(a, -2))
    assert got[6].dtype == np.int32 and got[6].sum() == 16
    np.testing.assert_allclose(got[7], np.diag(a))


def test_einsum_and_tensordot():
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 5))
    c = RNG.standard_normal((4, 5))
    got = run([tf.einsum("bij,bjk->bik", a, b), tf.einsum("bij->jb", a),
               tf.einsum("ij,ij->", c, c), tf.tensordot(a, c, 1),
               tf.tensordot(a, b, [[0, 2], [0, 1]])])
    np.testing.assert_allclose(got[0], np.einsum("bij,bjk->bik", a, b), rtol=1e-10)
    np.testing.assert_allclose(got[1], np.einsum("bij->jb", a), rtol=1e-10)
    np.testing.assert_allclose(got[2], np.einsum("ij,ij->", c, c), rtol=1e-10)
    np.testing.assert_allclose(got[3], np.tensordot(a, c, 1), rtol=1e-10)
    np.testing.assert_allclose(got[4], np.tensordot(a, b, [[0, 2], [0, 1]]), rtol=1e-10)
    check_grad(lambda v: tf.einsum("bij,bjk->bik", v, b), a)


# ============================================================================ math
def test_reductions_args_and_clipping():
    a = RNG.standard_normal((3, 4))
    x = tf.constant(a)
    b = a > 0
    got = run([tf.reduce_prod(x, 1), tf.reduce_any(b, 1), tf.reduce_all(b, 0, keepdims=True),
               tf.argmin(x, 1), tf.arg_min(x, 0), tf.arg_max(x, 1),
               tf.squared_difference(x, 1.0), tf.clip_by_value(x, -0.5, 0.5),
               tf.clip_by_norm(x, 1.0), tf.to_int32(x * 3), tf.to_int64(x), tf.to_float(x),
               tf.count_nonzero(b)])
    np.testing.assert_allclose(got[0], a.prod(1))
    np.testing.assert_array_equal(got[1], b.any(1))
    np.testing.assert_array_equal(got[2], b.all(0, keepdims=True))
    np.testing.assert_array_equal(got[3], a.argmin(1))
    np.testing.assert_array_equal(got[4], a.argmin(0))
    np.testing.assert_array_equal(got[5], a.argmax(1))
    np.testing.assert_allclose(got[6], (a - 1) ** 2)
    np.testing.assert_allclose(got[7], np.clip(a, -0.5, 0.5))
    np.testing.assert_allclose(got[8], a / max(np.linalg.norm(a), 1.0))
    assert got[9].dtype == np.int32 and got[10].dtype == np.int64
    np.testing.assert_array_equal(got[9], (a * 3).astype(np.int32))
    assert got[11].dtype == np.float32 and got[12] == b.sum()
    check_grad(lambda v: tf.reduce_prod(v, 0), a)


def test_clip_by_global_norm_and_in_top_k():
    a, b = RNG.standard_normal((3,)) * 4, RNG.standard_normal((2, 2)) * 4
    (ca, cb), n = tf.clip_by_global_norm([tf.constant(a), tf.constant(b)], 2.0)
    g = np.sqrt((a ** 2).sum() + (b ** 2).sum())
    got = run([ca, cb, n])
    np.testing.assert_allclose(got[2], g)
    np.testing.assert_allclose(got[0], a * 2.0 / max(g, 2.0))
    np.testing.assert_allclose(got[1], b * 2.0 / max(g, 2.0))
    p = np.array([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]], np.float32)
    top = run(tf.nn.in_top_k(p, [2, 2], 2))
    np.testing.assert_array_equal(top, [True, False])


# ============================================================================ debugging & case
def test_print_assert_and_case(capsys):
    x = tf.placeholder(tf.float32, [3])
    y = tf.Print(x, [x, tf.reduce_sum(x)], message="x and sum: ")
    p = tf.print("value:", tf.reduce_max(x), output_stream=sys.stdout)
    check = tf.assert_positive(x, message="must be positive")
    with tf.control_dependencies([check, p]):
        z = tf.identity(y * 2.0)
    out = run(z, {x: np.array([1.0, 2.0, 3.0])})
    np.testing.assert_allclose(out, [2.0, 4.0, 6.0])
    cap = capsys.readouterr()
    assert "x and sum: [1.0 2.0 3.0]6.0" in cap.err
    assert "value: 3.0" in cap.out
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be positive"):
        run(z, {x: np.array([1.0, -2.0, 3.0])})
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Condition x == y"):
        run(tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3])))
    assert run(tf.assert_less(tf.constant(1), tf.constant(2))) is None

    k = tf.placeholder(tf.int32, ())
    r = tf.case([(tf.equal(k, 0), lambda: tf.constant(10)),
                 (tf.equal(k, 1), lambda: tf.constant(20))], default=lambda: tf.constant(-1))
    assert [run(r, {k: i}) for i in range(3)] == [10, 20, -1]


def test_stream_arg_of_print_is_honoured():
    buf = io.StringIO()
    op = tf.print("n =", tf.constant(5), output_stream=buf)
    run(op)
    assert buf.getvalue() == "n = 5\n"


def test_reshape_with_shape_tensors():
    x = tf.placeholder(tf.float32, [None, 4, 4])
    y = tf.reshape(x, [tf.shape(x)[0], -1])
    z = tf.reshape(x, tf.shape(x))
    w = tf.reshape(x, [-1, tf.shape(x)[2]])
    assert y.shape.as_list() == [None, 16] and w.shape.as_list() == [None, 4]
    a = RNG.standard_normal((3, 4, 4)).astype(np.float32)
    got = run([y, z, w], {x: a})
    np.testing.assert_array_equal(got[0], a.reshape(3, 16))
    np.testing.assert_array_equal(got[1], a)
    np.testing.assert_array_equal(got[2], a.reshape(12, 4))
    ph = tf.placeholder(tf.int32, [3])              # TF1: read at run time, dims unknown
    v = tf.reshape(x, ph)
    assert v.shape.as_list() == [None, None, None]
    np.testing.assert_array_equal(run([v], {x: a, ph: [4, -1, 2]})[0], a.reshape(4, 6, 2))
