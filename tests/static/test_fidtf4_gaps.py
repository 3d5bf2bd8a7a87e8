"""fidtf4 (session 16): the four TF1 gaps left by the last session.

References: TF 1.15's documented behaviour (tf.Tensor.__eq__ is identity in graph mode;
QueueRunner threads keep a queue filled; tf.contrib.crf.crf_decode; partitioned variables and
embedding_lookup's "mod"/"div" strategies), with values from NumPy (the contrib module's own
NumPy ``viterbi_decode``, TF's reference for crf_decode) and hand-worked index arithmetic."""

import warnings

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static._tensor_eq import TensorEqualityWarning
from dlcore_static.contrib.crf import viterbi_decode


# ------------------------------------------------------------------------ Tensor ==
def test_eq_between_tensors_is_identity_and_warns_where_elementwise_was_meant():
    a, b = tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0])
    with pytest.warns(TensorEqualityWarning, match=r"`==` between tf.Tensor 'Cast:0' \(shape "
                      r"\(2,\), int32\) and tf.Tensor 'Cast_1:0'.*identity.*gives False "
                      r"here.*use tf.equal\(x, y\)"):
        r = tf.cast(a, tf.int32) == tf.cast(b, tf.int32)       # Keras-3-style code
    assert r is False                                           # TF 1.15: `self is other`
    with pytest.warns(TensorEqualityWarning, match=r"`!=` between .* the int 0 .*gives True"
                      r".*tf.not_equal"):
        assert (a != 0) is True
    v = tf.Variable(1.0)
    with pytest.warns(TensorEqualityWarning, match="tf.Variable 'Variable:0'"):
        assert (v == a) is False


def test_eq_in_boolean_context_warns():
    a, b = tf.constant(1), tf.constant(1)
    with pytest.warns(TensorEqualityWarning):
        hit = bool(a == b)
    assert hit is False


def test_identity_uses_of_tensors_stay_silent():
    a, b = tf.constant(1.0), tf.constant(2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = {a: "a", b: "b"}
        assert d[a] == "a" and d[b] == "b"
        assert len({a, b, a}) == 2
        assert a in [b, a] and b not in [a]
        assert [b, a].index(a) == 1
        assert (a == a) is True and (a != a) is False       # noqa: PLR0124
        assert (a == None) is False     # (not a comparison TF 2 changes)
        ops = tf.get_default_graph().get_operations()
        assert a.op in ops


# ------------------------------------------------------------------------ queue size
def _counting_queue(capacity):
    q = tf.FIFOQueue(capacity, [tf.int32], shapes=[[]])
    c = tf.Variable(0)
    qr = tf.train.QueueRunner(q, [q.enqueue(tf.assign_add(c, 1))])
    tf.train.add_queue_runner(qr)
    return q


def test_queue_runner_fed_queue_size_reads_what_its_threads_enqueued():
    q = _counting_queue(5)
    x = q.dequeue()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.start_queue_runners(sess)
        assert sess.run(q.size()) == 5             # TF: the runner fills it to capacity
        assert sess.run(x) == 1
        assert sess.run(q.size()) == 5             # ... and refills it
        assert [sess.run(x) for _ in range(6)] == [2, 3, 4, 5, 6, 7]


def test_queue_size_of_a_finite_producer_is_its_elements_until_dequeued():
    p = tf.train.input_producer(tf.constant([10, 20, 30]), num_epochs=1, shuffle=False,
                                capacity=32)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        tf.train.start_queue_runners(sess)
        assert sess.run(p.size()) == 3
        assert sess.run(p.dequeue()) == 10
        assert sess.run(p.size()) == 2


def test_queue_size_without_runners_counts_the_enqueues():
    q = tf.FIFOQueue(4, [tf.float32], shapes=[[]])
    enq = q.enqueue_many([[1.0, 2.0]])
    with tf.Session() as sess:
        assert sess.run(q.size()) == 0
        sess.run(enq)
        assert sess.run(q.size()) == 2


# ------------------------------------------------------------------------ crf_decode
def _crf_case(seed=0):
    rng = np.random.RandomState(seed)
    pot = rng.randn(5, 6, 4).astype(np.float32)
    trans = rng.randn(4, 4).astype(np.float32)
    lens = np.array([6, 3, 1, 0, 2], np.int32)
    return pot, trans, lens


def _crf_expected(pot, trans, lens):
    tags = np.zeros(pot.shape[:2], np.int32)
    scores = np.zeros(pot.shape[0], np.float32)
    for i, n in enumerate(lens):
        n = max(int(n), 1)                 # TF: length 0 decodes the first step's argmax
        v, s = viterbi_decode(pot[i, :n], trans)
        tags[i, :n] = v                    # TF: 0 past each sequence's length
        scores[i] = s
    return tags, scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_crf_decode_matches_viterbi_decode(seed):
    pot, trans, lens = _crf_case(seed)
    tags, score = tf.contrib.crf.crf_decode(tf.constant(pot), tf.constant(trans),
                                            tf.constant(lens))
    assert tags.dtype == tf.int32 and tags.shape.as_list() == [5, 6]
    assert score.shape.as_list() == [5]
    with tf.Session() as sess:
        t, s = sess.run([tags, score])
    want_t, want_s = _crf_expected(pot, trans, lens)
    np.testing.assert_array_equal(t, want_t)
    np.testing.assert_allclose(s, want_s, rtol=1e-6)


def test_crf_decode_unknown_length_and_single_step():
    pot, trans, lens = _crf_case(3)
    p = tf.placeholder(tf.float32, [None, None, 4])
    n = tf.placeholder(tf.int64, [None])
    tags, score = tf.contrib.crf.crf_decode(p, trans, n)
    with tf.Session() as sess:
        t, s = sess.run([tags, score], {p: pot, n: lens})
        t1, s1 = sess.run([tags, score], {p: pot[:, :1], n: np.ones(5)})
    want_t, want_s = _crf_expected(pot, trans, lens)
    np.testing.assert_array_equal(t, want_t)
    np.testing.assert_allclose(s, want_s, rtol=1e-6)
    # TF's single-step branch: argmax and max of the squeezed potentials
    np.testing.assert_array_equal(t1[:, 0], pot[:, 0].argmax(1))
    np.testing.assert_allclose(s1, pot[:, 0].max(1))


def test_crf_decode_refuses_bad_inputs():
    with pytest.raises(ValueError, match=r"crf_decode: potentials must be \[batch_size, "
                       r"max_seq_len, num_tags\], got shape \(2, 3\)"):
        tf.contrib.crf.crf_decode(tf.zeros([2, 3]), tf.zeros([3, 3]), tf.constant([1, 1]))
    with pytest.raises(TypeError, match="sequence_length must be int32 or int64, got float32"):
        tf.contrib.crf.crf_decode(tf.zeros([2, 3, 3]), tf.zeros([3, 3]), tf.constant([1., 1.]))


# ------------------------------------------------------------------------ partitioned
def test_fixed_size_partitioner_parts_names_shapes_and_values():
    init = np.arange(22 * 3, dtype=np.float32).reshape(22, 3)
    with tf.variable_scope("emb"):
        pv = tf.get_variable("w", initializer=init, partitioner=tf.fixed_size_partitioner(4))
    assert isinstance(pv, tf.PartitionedVariable) and len(pv) == 4
    assert pv.name == "emb/w" and pv.get_shape().as_list() == [22, 3]
    # TF's _compute_slice_dim_and_shape: the first 22 % 4 parts one row longer
    assert [v.name for v in pv] == [f"emb/w/part_{i}:0" for i in range(4)]
    assert [v.shape.as_list()[0] for v in pv] == [6, 6, 5, 5]
    assert [v.name for v in tf.trainable_variables()] == [v.name for v in pv]
    m = tf.matmul(tf.ones([1, 22]), pv)                      # converts to the concatenation
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(pv)), init)
        np.testing.assert_array_equal(sess.run(pv._get_variable_list()[2]), init[12:17])
        np.testing.assert_allclose(sess.run(m)[0], init.sum(0))
        sess.run(pv.assign(init * 2))
        np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(pv)), init * 2)
    with tf.variable_scope("emb", reuse=True):
        assert tf.get_variable("w", [22, 3], partitioner=tf.fixed_size_partitioner(4)) is pv


def test_variable_scope_partitioner_and_callable_initializer():
    with tf.variable_scope("s", partitioner=tf.fixed_size_partitioner(3),
                           initializer=tf.constant_initializer(0.5)):
        pv = tf.get_variable("b", [7, 2])
    assert [v.shape.as_list() for v in pv] == [[3, 2], [2, 2], [2, 2]]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(pv)), np.full((7, 2), .5))


def test_partitioners_follow_tf_formulas():
    # min_max: ceil(22*3*4 bytes / 64) = 5 slices, capped by max_partitions=4
    f = tf.min_max_variable_partitioner(4, min_slice_size=64)
    assert f(shape=tf.TensorShape([22, 3]), dtype=tf.float32) == [4, 1]
    assert tf.min_max_variable_partitioner(8)(shape=tf.TensorShape([10, 3]),
                                              dtype=tf.float32) == [1, 1]
    assert tf.fixed_size_partitioner(5)(shape=tf.TensorShape([3, 2])) == [3, 1]
    assert tf.fixed_size_partitioner(2, axis=1)(shape=tf.TensorShape([3, 4])) == [1, 2]
    # axis size: 10 bytes a shard, 4 bytes a row of one float32: 2 rows a shard, 5 shards
    assert tf.variable_axis_size_partitioner(10)(shape=tf.TensorShape([10]),
                                                 dtype=tf.float32) == [5]
    with pytest.raises(ValueError, match="max_partitions must be >= 1, got 0"):
        tf.min_max_variable_partitioner(0)


def test_embedding_lookup_partition_strategies():
    init = np.arange(22 * 3, dtype=np.float32).reshape(22, 3)
    pv = tf.get_variable("w", initializer=init, partitioner=tf.fixed_size_partitioner(4))
    ids = tf.constant([[0, 5], [21, 7]])
    mod = tf.nn.embedding_lookup(pv, ids)
    div = tf.nn.embedding_lookup(pv, ids, partition_strategy="div")
    assert mod.shape.as_list() == [2, 2, 3]
    grads = tf.gradients(tf.reduce_sum(mod), list(pv))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_mod, got_div, g = sess.run([mod, div, grads])
        # mod: id i is row i // 4 of part i % 4; parts start at rows 0, 6, 12, 17
        np.testing.assert_array_equal(got_mod[..., 0], init[[[0, 6 + 1], [6 + 5, 17 + 1]], 0])
        # div: 22 ids over 4 parts = 5 each, the first 2 parts one more (contiguous)
        np.testing.assert_array_equal(got_div[..., 0], init[[[0, 5], [21, 7]], 0])
        assert [float(x.sum()) for x in g] == [3.0, 6.0, 0.0, 3.0]
        with pytest.raises(tf.errors.InvalidArgumentError, match="is not in"):
            sess.run(tf.nn.embedding_lookup(pv, [22]))
    with pytest.raises(ValueError, match="Unrecognized partition strategy: cyclic"):
        tf.nn.embedding_lookup(list(pv), ids, partition_strategy="cyclic")


def test_partitioned_variable_errors():
    with pytest.raises(ValueError, match=r"Shape of a new variable \(x\) must be "
                       "fully defined"):
        tf.get_variable("x", partitioner=tf.fixed_size_partitioner(2))
    with pytest.raises(ValueError, match="Can only slice a variable along one dimension"):
        tf.get_variable("y", [4, 4], partitioner=lambda shape, dtype: [2, 2])
