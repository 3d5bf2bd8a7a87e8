"""tf.nn.embedding_lookup over partitioned tables ("mod" and "div", ids of any shape):
values and gradients equal to the unpartitioned lookup's (and to finite differences), and
the lookup gathers from each part and stitches (TF's dynamic_partition + gather +
dynamic_stitch), with no op reading the whole table."""

import numpy as np
import pytest

import dlcore_static as tf


def _split(table, n, strategy):
    """The parts TF's strategy puts rows in: "mod" row i in part i % n at i // n; "div"
    contiguous blocks, the first len % n one row longer."""
    if strategy == "mod":
        return [table[i::n] for i in range(n)]
    return np.array_split(table, n)


IDS = [np.int64(7), np.zeros(0, np.int64), np.array([0, 12, 5, 5, 3, 11, 1]),
       np.array([[[4, 0], [9, 9]], [[12, 2], [6, 10]]])]


@pytest.mark.parametrize("strategy", ["mod", "div"])
@pytest.mark.parametrize("n", [2, 5])
@pytest.mark.parametrize("k", range(len(IDS)))
def test_values_and_gradients_match_the_unpartitioned_lookup(strategy, n, k):
    rng = np.random.default_rng(n * 10 + k)
    table = rng.standard_normal((13, 4))
    ids = IDS[k]
    full = tf.Variable(table)
    parts = [tf.Variable(p) for p in _split(table, n, strategy)]
    w = rng.standard_normal(np.shape(ids) + (4,))
    got = tf.nn.embedding_lookup(parts, tf.constant(ids), partition_strategy=strategy)
    want = tf.nn.embedding_lookup(full, tf.constant(ids))
    assert got.shape.as_list() == list(np.shape(ids)) + [4]
    g_parts = tf.gradients(tf.reduce_sum(got * w), parts)
    g_full = tf.gradients(tf.reduce_sum(want * w), full)[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        v_got, v_want, gp, gf = sess.run([got, want, g_parts, g_full])
    np.testing.assert_array_equal(v_got, table[ids])
    np.testing.assert_array_equal(v_got, v_want)
    assert all(isinstance(g, np.ndarray) for g in gp)      # dense, as one variable's
    dense = np.zeros_like(table)
    np.add.at(dense, np.reshape(ids, -1), np.reshape(w, (-1, 4)))
    for got_g, want_g in zip(gp, _split(np.asarray(gf), n, strategy)):
        np.testing.assert_allclose(got_g, want_g, rtol=1e-12, atol=1e-12)
    for got_g, want_g in zip(gp, _split(dense, n, strategy)):
        np.testing.assert_allclose(got_g, want_g, rtol=1e-12, atol=1e-12)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    table = rng.standard_normal((7, 2))
    ids = np.array([[6, 1], [1, 3]])
    pv = tf.get_variable("pv", initializer=table, partitioner=tf.fixed_size_partitioner(3))
    loss = tf.reduce_sum(tf.sin(tf.nn.embedding_lookup(pv, ids, partition_strategy="div")))
    grads = tf.gradients(loss, list(pv))
    eps = 1e-6
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        g = np.concatenate(sess.run(grads), 0)

    def f(t):
        return np.sin(t[ids]).sum()
    num = np.zeros_like(table)
    for i in np.ndindex(table.shape):
        d = np.zeros_like(table)
        d[i] = eps
        num[i] = (f(table + d) - f(table - d)) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


def test_lookup_never_reads_the_whole_table():
    parts = [tf.Variable(np.ones((4, 3))) for _ in range(3)]
    before = set(tf.get_default_graph().get_operations())
    out = tf.nn.embedding_lookup(parts, tf.constant([[1, 2], [7, 0]]))
    new = [op for op in tf.get_default_graph().get_operations() if op not in before]
    assert not [op.type for op in new if "Concat" in op.type]
    assert "DynamicStitch" in {op.type for op in new}
    # no op takes two parts' values: each gather reads one part
    reads = [op for op in tf.get_default_graph().get_operations() if op.type == "VariableRead"]
    assert reads
    for op in new:
        assert sum(t.op in reads for t in op.inputs) <= 1, op.type
    assert out.shape.as_list() == [2, 2, 3]


def test_unknown_id_shape_and_out_of_range_ids():
    parts = [tf.Variable(np.arange(10.).reshape(5, 2)), tf.Variable(np.arange(8.).reshape(4, 2))]
    ph = tf.placeholder(tf.int32)
    out = tf.nn.embedding_lookup(parts, ph, partition_strategy="div")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        table = np.concatenate([np.arange(10.).reshape(5, 2), np.arange(8.).reshape(4, 2)])
        ids = np.array([[8, 0, 4], [5, 5, 1]])
        np.testing.assert_array_equal(sess.run(out, {ph: ids}), table[ids])
        with pytest.raises(tf.errors.InvalidArgumentError, match="is not in"):
            sess.run(out, {ph: [9]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="is not in"):
            sess.run(tf.nn.embedding_lookup(parts, ph), {ph: [-1]})
    with pytest.raises(ValueError, match="the parts' shapes past the first dimension differ"):
        tf.nn.embedding_lookup([tf.zeros([2, 3]), tf.zeros([2, 4])], [0])
