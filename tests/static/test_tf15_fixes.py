"""Fixes found by the TF1 programs of tests/programs/static/test_programs_tf15.py: tf.scan and
tf.foldl/foldr over a length known only at run time, AddN's shape merging (no broadcasting),
tf.layers' kernel/bias regularizers, py_func(stateful=False)'s op type."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def test_scan_and_folds_over_a_run_time_length():
    x = tf.placeholder(tf.float32, [None, 2])
    v = np.arange(1, 7, dtype=np.float32).reshape(3, 2)
    outs = [tf.scan(lambda a, e: a + e, x), tf.scan(lambda a, e: a + e, x, reverse=True),
            tf.scan(lambda a, e: a * e, x, initializer=tf.ones([2])),
            tf.foldl(lambda a, e: a + e, x), tf.foldr(lambda a, e: a - e, x),
            tf.foldr(lambda a, e: a - e, x, initializer=tf.zeros([2]))]
    c = outs[2]
    g = tf.gradients(tf.reduce_sum(c), x)[0]
    with tf.Session() as sess:
        got = sess.run(outs + [g], {x: v})
        got4 = sess.run(outs[0], {x: np.ones((4, 2), np.float32)})
    np.testing.assert_allclose(got[0], np.cumsum(v, 0))
    np.testing.assert_allclose(got[1], np.cumsum(v[::-1], 0)[::-1])
    np.testing.assert_allclose(got[2], np.cumprod(v, 0))
    np.testing.assert_allclose(got[3], v.sum(0))
    np.testing.assert_allclose(got[4], v[2] - v[1] - v[0])
    np.testing.assert_allclose(got[5], -v.sum(0))
    # d/dv of sum(cumprod): for row i, sum over t >= i of prod_{s<=t, s!=i} v[s]
    ref = np.zeros_like(v)
    for i in range(3):
        for t in range(i, 3):
            ref[i] += np.prod(np.delete(v[:t + 1], i, 0), 0)
    np.testing.assert_allclose(got[6], ref)
    np.testing.assert_allclose(got4, np.cumsum(np.ones((4, 2)), 0))


def test_add_n_merges_shapes_as_tf1():
    with pytest.raises(ValueError) as e:
        tf.add_n([tf.constant(1.), tf.constant([1., 2.])])
    assert str(e.value) == ("Shapes must be equal rank, but are 0 and 1\n\tFrom merging shape 0 "
                            "with other shapes. for 'AddN' (op: 'AddN') with input shapes: [], "
                            "[2].")
    with pytest.raises(ValueError) as e:
        tf.add_n([tf.ones([2]), tf.ones([3])], name="total")
    assert str(e.value) == ("Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes "
                            "are [2] and [3].\n\tFrom merging shape 0 with other shapes. for "
                            "'total' (op: 'AddN') with input shapes: [2], [3].")
    with pytest.raises(ValueError, match="inputs must be an iterable of at least one "
                                         "Tensor/IndexedSlices with the same dtype and shape"):
        tf.add_n([])
    p = tf.placeholder(tf.float32, [None, 2])
    s = tf.add_n([p, tf.ones([3, 2]), p])
    assert s.shape.as_list() == [3, 2]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(s, {p: np.full((3, 2), 2.0)}), np.full((3, 2), 5.))


def test_layers_kernel_and_bias_regularizers_reach_the_collection():
    x = tf.placeholder(tf.float32, [None, 4])
    im = tf.placeholder(tf.float32, [None, 5, 5, 2])
    with tf.variable_scope("net"):
        tf.layers.dense(x, 3, kernel_regularizer=tf.contrib.layers.l1_regularizer(0.5),
                        name="logits")
        tf.layers.dense(x, 3, kernel_regularizer=tf.contrib.layers.l2_regularizer(0.25),
                        bias_regularizer=tf.nn.l2_loss,
                        bias_initializer=tf.constant_initializer(3.0))
        tf.layers.conv2d(im, 3, 3, kernel_regularizer=tf.contrib.layers.l2_regularizer(0.1))
        tf.layers.Conv2D(3, 3, kernel_regularizer=tf.contrib.layers.l2_regularizer(0.1))(im)
    regs = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in regs] == [
        "net/logits/kernel/Regularizer/l1_regularizer:0",
        "net/dense/kernel/Regularizer/l2_regularizer:0", "net/dense/bias/Regularizer/L2Loss:0",
        "net/conv2d/kernel/Regularizer/l2_regularizer:0",
        "net/conv2d_1/kernel/Regularizer/l2_regularizer:0"]
    total = tf.losses.get_regularization_loss()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        vals = sess.run(regs + [total])
        k1, k2, c1, c2 = sess.run([tf.get_default_graph().get_tensor_by_name(n) for n in (
            "net/logits/kernel:0", "net/dense/kernel:0", "net/conv2d/kernel:0",
            "net/conv2d_1/kernel:0")])
    ref = [0.5 * np.abs(k1).sum(), 0.25 * (k2 ** 2).sum() / 2, 9 * 3 / 2,
           0.1 * (c1 ** 2).sum() / 2, 0.1 * (c2 ** 2).sum() / 2]
    np.testing.assert_allclose(vals[:5], ref, rtol=1e-5)
    np.testing.assert_allclose(vals[5], sum(ref), rtol=1e-5)


def test_layers_refuse_what_they_would_ignore():
    x = tf.placeholder(tf.float32, [None, 4])
    with pytest.raises(NotImplementedError, match="dense: activity_regularizer=.* is not "
                                                  "supported by dlcore_static's tf.layers"):
        tf.layers.dense(x, 3, activity_regularizer=tf.nn.l2_loss)
    with pytest.raises(NotImplementedError, match="conv2d: kernel_constraint="):
        tf.layers.conv2d(tf.ones([1, 4, 4, 1]), 2, 3, kernel_constraint=lambda w: w)


def test_py_func_stateless_op_type():
    a = tf.py_func(lambda v: v * 2, [tf.constant([1.0])], tf.float32, stateful=False)
    b = tf.py_func(lambda v: v * 3, [tf.constant([1.0])], tf.float32)
    assert (a.op.type, a.op.name, b.op.type, b.op.name) == \
        ("PyFuncStateless", "PyFuncStateless", "PyFunc", "PyFunc")
    with tf.Session() as sess:
        assert sess.run([a, b]) == [pytest.approx([2.0]), pytest.approx([3.0])]


def test_sparse_placeholder_names_and_feeds():
    a = tf.sparse_placeholder(tf.float32)
    b = tf.sparse_placeholder(tf.float32, shape=[3, 4], name="x")
    c = tf.sparse_placeholder(tf.int64, shape=[None, 4], name="y")
    assert [t.name for t in (a.indices, a.values, a.dense_shape)] == \
        ["Placeholder_2:0", "Placeholder_1:0", "Placeholder:0"]
    assert [t.name for t in (b.indices, b.values, b.dense_shape)] == \
        ["x/indices:0", "x/values:0", "x/shape:0"]
    assert b.dense_shape.op.type == "Const" and c.dense_shape.op.type == "Placeholder"
    assert c.indices.shape.as_list() == [None, 2] and c.dense_shape.shape.as_list() == [2]
    v = tf.SparseTensorValue([[0, 0], [2, 3]], [1.0, 2.0], [3, 4])
    with tf.Session() as sess:
        got = sess.run(b, {b: v})
        dense = sess.run(tf.sparse.to_dense(a), {a: ([[1, 1]], [7.0], [2, 2])})
        with pytest.raises(TypeError, match="The value fed to a SparseTensor must be a "
                                            "SparseTensorValue or a tuple"):
            sess.run(a.values, {a: np.zeros(3)})
    np.testing.assert_array_equal(got.indices, [[0, 0], [2, 3]])
    np.testing.assert_array_equal(got.values, [1.0, 2.0])
    np.testing.assert_array_equal(dense, [[0, 0], [0, 7.0]])


def _dense(v):
    d = np.zeros(v.dense_shape)
    np.add.at(d, tuple(np.asarray(v.indices).T), v.values)
    return d


def test_sparse_tensor_dense_matmul_values_gradients_and_adjoints():
    sp = tf.sparse_placeholder(tf.float32, shape=[3, 4], name="a")
    W0 = np.arange(8, dtype=np.float32).reshape(4, 2)
    W = tf.Variable(W0)
    y = tf.sparse_tensor_dense_matmul(sp, W)
    ya = tf.sparse.sparse_dense_matmul(sp, tf.transpose(W), adjoint_b=True)
    yt = tf.sparse.matmul(sp, tf.ones([3, 2]), adjoint_a=True)
    gW, gv = tf.gradients(tf.reduce_sum(y * y), [W, sp.values])
    assert y.shape.as_list() == [3, 2] and yt.shape.as_list() == [4, 2]
    v = tf.SparseTensorValue([[0, 0], [0, 3], [2, 1], [2, 1]], [1.0, 2.0, 3.0, 0.5], [3, 4])
    A = _dense(v)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r = sess.run([y, ya, yt, gW, gv], {sp: v})
    np.testing.assert_allclose(r[0], A @ W0)                    # repeated index: added
    np.testing.assert_allclose(r[1], A @ W0)
    np.testing.assert_allclose(r[2], A.T @ np.ones((3, 2)))
    np.testing.assert_allclose(r[3], 2 * A.T @ (A @ W0))
    ref_gv = [2 * (A @ W0)[i] @ W0[j] for i, j in v.indices]
    np.testing.assert_allclose(r[4], ref_gv)
    with pytest.raises(ValueError, match=r"Cannot multiply A and B because inner dimension "
                                         r"does not match: 4 vs\. 3\."):
        tf.sparse_tensor_dense_matmul(sp, tf.ones([3, 2]))
    with pytest.raises(TypeError, match="sp_a must be a SparseTensor, got Tensor"):
        tf.sparse_tensor_dense_matmul(tf.ones([3, 4]), W)


def test_sparse_reduce_sum_to_dense_and_embedding_lookup_sparse():
    sp = tf.sparse_placeholder(tf.float32, shape=[3, 4])
    v = tf.SparseTensorValue([[0, 0], [0, 3], [2, 1]], [1.0, 2.0, 3.0], [3, 4])
    r0, r1 = tf.sparse_reduce_sum(sp), tf.sparse_reduce_sum(sp, axis=1)
    r2 = tf.sparse.reduce_sum(sp, 0, keepdims=True)
    g1 = tf.gradients(tf.reduce_sum(r1 * [1.0, 2.0, 3.0]), sp.values)[0]
    params = tf.constant(np.arange(8, dtype=np.float32).reshape(4, 2))
    ids = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([1, 3, 2], tf.int64), [3, 2])
    wts = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], [1.0, 2.0, 3.0], [3, 2])
    e_mean = tf.nn.embedding_lookup_sparse(params, ids, None)
    e_sum = tf.nn.embedding_lookup_sparse(params, ids, wts, combiner="sum")
    e_sqrtn = tf.nn.embedding_lookup_sparse(params, ids, wts, combiner="sqrtn")
    std = tf.sparse_to_dense([[0, 1], [2, 3]], [3, 4], [5.0, 6.0])
    std2 = tf.sparse_to_dense([1, 2], [4], 1, default_value=-1)
    with tf.Session() as sess:
        r = sess.run([r0, r1, r2, g1, e_mean, e_sum, e_sqrtn, std, std2], {sp: v})
    assert r[0] == 6.0
    np.testing.assert_array_equal(r[1], [3.0, 0.0, 3.0])
    np.testing.assert_array_equal(r[2], [[1.0, 3.0, 0.0, 2.0]])
    np.testing.assert_array_equal(r[3], [1.0, 1.0, 3.0])
    P = np.arange(8, dtype=np.float32).reshape(4, 2)
    np.testing.assert_allclose(r[4], [(P[1] + P[3]) / 2, [0, 0], P[2]])     # empty row: 0
    np.testing.assert_allclose(r[5], [P[1] + 2 * P[3], [0, 0], 3 * P[2]])
    np.testing.assert_allclose(r[6][[0, 2]], [(P[1] + 2 * P[3]) / np.sqrt(5), P[2]], rtol=1e-6)
    assert np.isnan(r[6][1]).all()                # weighted, empty row: 0/0 as TF's div
    np.testing.assert_array_equal(r[7], [[0, 5, 0, 0], [0, 0, 0, 0], [0, 0, 0, 6]])
    np.testing.assert_array_equal(r[8], [-1, 1, 1, -1])
    with pytest.raises(ValueError, match="combiner must be one of 'mean', 'sqrtn' or 'sum'"):
        tf.nn.embedding_lookup_sparse(params, ids, None, combiner="max")


def test_hessians_values_shapes_and_limits():
    x = tf.constant([1.0, 2.0])
    h, = tf.hessians(x[0] ** 2 * x[1], x)
    W = tf.Variable(np.array([[1., 2.], [3., 4.]], np.float32))
    b = tf.Variable([0.5, 0.25])
    u = tf.Variable([1.0])
    y = tf.reduce_sum(tf.exp(tf.matmul(tf.constant([[1., -1.]]), W))) + tf.reduce_sum(b ** 3)
    hW, hb, hu = tf.hessians(y, [W, b, u])
    assert hW.shape.as_list() == [2, 2, 2, 2] and hu is None         # u: no gradient
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r = sess.run([h, hW, hb])
    np.testing.assert_allclose(r[0], [[4.0, 2.0], [2.0, 0.0]])
    a, e = np.array([1.0, -1.0]), np.exp(-2.0)
    ref = np.einsum("i,j,kl->ikjl", a, a, np.eye(2)) * e
    np.testing.assert_allclose(r[1], ref, rtol=1e-6)
    np.testing.assert_allclose(r[2], np.diag([3.0, 1.5]))
    with pytest.raises(NotImplementedError, match="hessians: the shape of Placeholder:0 must be "
                                                  r"known when the graph is built, got \[None\]"):
        p = tf.placeholder(tf.float32, [None])
        tf.hessians(tf.reduce_sum(p * p), p)


def test_crf_log_likelihood_and_gradients_vs_brute_force():
    import itertools
    rs = np.random.RandomState(0)
    B, T, K = 3, 4, 3
    u = rs.randn(B, T, K).astype(np.float32)
    tags = rs.randint(0, K, (B, T)).astype(np.int32)
    lengths = np.array([4, 2, 1], np.int32)
    tr = rs.randn(K, K).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, None, K])
    t = tf.placeholder(tf.int32, [None, None])
    n = tf.placeholder(tf.int32, [None])
    trans = tf.Variable(tr)
    ll, same = tf.contrib.crf.crf_log_likelihood(x, t, n, trans)
    gx, gt = tf.gradients(tf.reduce_sum(ll), [x, trans])
    assert same is trans

    def score(b, seq, uu=u, trr=tr):
        m = len(seq)
        return sum(uu[b, i, seq[i]] for i in range(m)) + \
            sum(trr[seq[i], seq[i + 1]] for i in range(m - 1))

    def ref(uu, trr):
        out = []
        for b in range(B):
            m = lengths[b]
            z = np.log(sum(np.exp(score(b, s, uu, trr))
                           for s in itertools.product(range(K), repeat=m)))
            out.append(score(b, tags[b, :m], uu, trr) - z)
        return np.array(out)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r = sess.run([ll, gx, gt], {x: u, t: tags, n: lengths})
        one = sess.run(ll, {x: u[:, :1], t: tags[:, :1], n: [1, 1, 1]})
    np.testing.assert_allclose(r[0], ref(u, tr), rtol=1e-5)
    eps = 1e-3                                      # central differences of sum(ll)
    u64, tr64 = u.astype(np.float64), tr.astype(np.float64)
    for idx in [(0, 1, 2), (1, 1, 0), (1, 3, 1), (2, 0, 1)]:
        up, dn = u64.copy(), u64.copy()
        up[idx] += eps
        dn[idx] -= eps
        fd = (ref(up, tr64).sum() - ref(dn, tr64).sum()) / (2 * eps)
        assert r[1][idx] == pytest.approx(fd, abs=1e-3)
    for idx in [(0, 1), (2, 2)]:
        up, dn = tr64.copy(), tr64.copy()
        up[idx] += eps
        dn[idx] -= eps
        fd = (ref(u64, up).sum() - ref(u64, dn).sum()) / (2 * eps)
        assert r[2][idx] == pytest.approx(fd, abs=1e-3)
    np.testing.assert_allclose(one, [u[b, 0, tags[b, 0]] - np.log(np.exp(u[b, 0]).sum())
                                     for b in range(B)], rtol=1e-5)
    seq, best = tf.contrib.crf.viterbi_decode(u[0], tr)
    brute = max(itertools.product(range(K), repeat=T), key=lambda s: score(0, s))
    assert [int(v) for v in seq] == list(brute)
    assert best == pytest.approx(score(0, brute), rel=1e-6)


def test_slices_with_run_time_bounds():
    t = tf.placeholder(tf.int32, [None, None])
    n = tf.shape(t)[1] - 1
    outs = [t[:, :n], t[:, 1:], t[:, n:], t[:, -n:], t[n - 1:, ::1], t[0, :n], t[:, :n:2],
            t[:, :tf.constant(10)], tf.slice(t, [0, 1], [-1, n]),
            tf.slice(t, tf.stack([1, n]), [1, -1])]
    x = tf.placeholder(tf.float32, [None, 4])
    g = tf.gradients(tf.reduce_sum(x[:, 1:tf.shape(x)[1] - 1] * 2.0), x)[0]
    v = np.arange(8).reshape(2, 4)
    with tf.Session() as sess:
        got = sess.run(outs, {t: v})
        gv = sess.run(g, {x: np.ones((2, 4))})
    m = 3
    refs = [v[:, :m], v[:, 1:], v[:, m:], v[:, -m:], v[m - 1:], v[0, :m], v[:, :m:2],
            v[:, :10], v[:, 1:1 + m], v[1:2, m:]]
    for a, r in zip(got, refs):
        np.testing.assert_array_equal(a, r)
    np.testing.assert_array_equal(gv, [[0, 2, 2, 0]] * 2)
    with pytest.raises(NotImplementedError, match="takes a positive int step"):
        t[:, :n:-1]
    with pytest.raises(TypeError, match="slice indices must be integers or None"):
        t[:, :tf.constant(1.5)]


def test_edit_distance_as_tf_docs_and_sparse_cast():
    hypothesis = tf.SparseTensor([[0, 0, 0], [1, 0, 0]], ["a", "b"], (2, 1, 1))
    truth = tf.SparseTensor([[0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]], ["a", "b", "c", "a"],
                            (2, 2, 2))
    d = tf.edit_distance(hypothesis, truth, normalize=True)
    d2 = tf.edit_distance(hypothesis, truth, normalize=False)
    c = tf.cast(tf.SparseTensor([[0, 1]], [3], [1, 2]), tf.float32)
    assert type(c).__name__ == "SparseTensor" and c.dtype == tf.float32
    with tf.Session() as sess:
        r, r2, cv = sess.run([d, d2, c])
    np.testing.assert_array_equal(r, [[np.inf, 1.0], [0.5, 1.0]])     # the TF docs' output
    np.testing.assert_array_equal(r2, [[1.0, 1.0], [1.0, 1.0]])
    assert cv.values.tolist() == [3.0] and cv.indices.tolist() == [[0, 1]]
    with pytest.raises(TypeError, match="Hypothesis and truth must have the same type"):
        tf.edit_distance(tf.SparseTensor([[0, 0]], [1], [1, 1]), truth)


def test_variable_of_a_python_number_takes_convert_to_tensor_dtypes():
    assert tf.Variable(0, trainable=False, name="global_step").dtype == tf.int32
    assert tf.Variable(2 ** 40).dtype == tf.int64
    assert tf.Variable(1.5).dtype == tf.float32 and tf.Variable(True).dtype == tf.bool
    assert tf.Variable(0, dtype=tf.int64).dtype == tf.int64
    v = tf.Variable(3)
    assert v.initial_value.name == "Variable_4/initial_value:0"
    step = tf.placeholder(tf.int32, [])
    with pytest.raises(TypeError, match="Input 'value' of 'Assign' Op has type int32 that does "
                                        "not match type int64 of argument 'ref'"):
        tf.assign(tf.Variable(0, dtype=tf.int64), step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(tf.assign(v, step), {step: 7}) == 7
