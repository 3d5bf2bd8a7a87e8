"""tf.data in graph mode (TensorFlow 1.15 semantics): the TF1 guide's patterns against NumPy.

Element order, batch shapes and the remainder, shuffle (a permutation, seeded and repeatable,
TensorFlow's buffer semantics), repeat/take/skip/filter/map values, the OutOfRangeError loop
(nothing else of the last run is applied), initializable iterators re-initialised with other
feeds, the reinitializable train/validation iterator, iterator state per Session, a model
trained from a Dataset, and errors by type and message.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

import dlcore_static as tf

Dataset = tf.data.Dataset


def drain(sess, fetch, feed_dict=None, limit=10_000):
    out = []
    for _ in range(limit):
        try:
            out.append(sess.run(fetch, feed_dict))
        except tf.errors.OutOfRangeError:
            return out
    raise AssertionError("no OutOfRangeError")


def values(ds, passes=None):
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session(passes=passes) as sess:
        return drain(sess, nxt)


# -------------------------------------------------------------------------- sources
def test_from_tensor_slices_tuple_order_dtypes_and_static_shapes():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    ds = Dataset.from_tensor_slices((x, y))
    assert ds.output_types == (tf.float32, tf.int64)
    assert [s.as_list() for s in ds.output_shapes] == [[2], []]
    assert ds.output_classes == (tf.Tensor, tf.Tensor)
    a, b = ds.make_one_shot_iterator().get_next()
    assert a.shape.as_list() == [2] and b.shape.as_list() == []
    with tf.Session() as sess:
        got = drain(sess, (a, b))
    assert len(got) == 6
    for i, (ga, gb) in enumerate(got):
        np.testing.assert_array_equal(ga, x[i])
        assert gb == y[i] and ga.dtype == np.float32


def test_dict_and_nested_elements_keep_their_structure():
    Point = collections.namedtuple("Point", "u v")
    ds = Dataset.from_tensor_slices({"a": np.arange(3), "b": (np.ones((3, 2)),
                                                                Point(np.zeros(3), [1, 2, 3]))})
    nxt = ds.make_one_shot_iterator().get_next()
    assert set(nxt) == {"a", "b"} and isinstance(nxt["b"][1], Point)
    with tf.Session() as sess:
        got = drain(sess, nxt)
    assert [g["a"] for g in got] == [0, 1, 2]
    assert [int(g["b"][1].v) for g in got] == [1, 2, 3]
    assert got[0]["b"][1].v.dtype == np.int32            # Python ints: int32, as in TF


def test_python_lists_are_data_not_structure():
    got = values(Dataset.from_tensor_slices([[1, 2], [3, 4]]))
    np.testing.assert_array_equal(np.stack(got), [[1, 2], [3, 4]])


def test_from_tensors_range_zip_concatenate():
    got = values(Dataset.from_tensors(np.arange(3)))
    assert len(got) == 1 and got[0].tolist() == [0, 1, 2]
    assert values(Dataset.range(5)) == [0, 1, 2, 3, 4]
    assert values(Dataset.range(2, 11, 3)) == [2, 5, 8]
    assert values(Dataset.range(5, 0, -2)) == [5, 3, 1]
    assert Dataset.range(3).output_types == tf.int64
    z = Dataset.zip((Dataset.range(3), Dataset.range(10, 20)))
    assert values(z) == [(0, 10), (1, 11), (2, 12)]
    z = Dataset.zip({"i": Dataset.range(2), "p": Dataset.zip((Dataset.range(2),
                                                              Dataset.range(5)))})
    assert values(z) == [{"i": 0, "p": (0, 0)}, {"i": 1, "p": (1, 1)}]
    c = Dataset.range(3).concatenate(Dataset.range(7, 9))
    assert values(c) == [0, 1, 2, 7, 8]


def test_from_generator_with_args_and_shapes():
    def gen(n):
        for i in range(int(n)):
            yield (i, [i] * 2)
    ds = Dataset.from_generator(gen, (tf.int64, tf.float32), ((), (2,)), args=(3,))
    assert [s.as_list() for s in ds.output_shapes] == [[], [2]]
    got = values(ds.batch(2))
    assert [g[0].tolist() for g in got] == [[0, 1], [2]]
    np.testing.assert_array_equal(got[0][1], [[0, 0], [1, 1]])
    assert got[0][1].dtype == np.float32


def test_from_generator_without_shapes_has_unknown_rank_and_is_called_per_initialisation():
    calls = []

    def gen():
        calls.append(1)
        yield np.ones((2, 3), np.float32)
        yield np.zeros((1, 3), np.float32)
    ds = Dataset.from_generator(gen, tf.float32)
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    assert nxt.shape.ndims is None
    with tf.Session() as sess:
        for _ in range(2):
            sess.run(it.initializer)
            got = drain(sess, tf.reduce_sum(nxt))
            assert got == [6.0, 0.0]
    assert len(calls) == 2


# -------------------------------------------------------------------------- transformations
def test_batch_shapes_and_remainder():
    ds = Dataset.from_tensor_slices(np.arange(20, dtype=np.float32).reshape(10, 2))
    b = ds.batch(4)
    assert b.output_shapes.as_list() == [None, 2]
    got = values(b)
    assert [g.shape for g in got] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate(got), np.arange(20).reshape(10, 2))
    d = ds.batch(4, drop_remainder=True)
    assert d.output_shapes.as_list() == [4, 2]
    assert d.make_one_shot_iterator().get_next().shape.as_list() == [4, 2]
    assert [g.shape for g in values(d)] == [(4, 2), (4, 2)]


def test_padded_batch_pads_to_the_longest_and_to_fixed_shapes():
    ds = Dataset.from_generator(lambda: ([n] * n for n in range(1, 5)), tf.int64, [None])
    got = values(ds.padded_batch(2, padded_shapes=[None]))
    np.testing.assert_array_equal(got[0], [[1, 0], [2, 2]])
    np.testing.assert_array_equal(got[1], [[3, 3, 3, 0], [4, 4, 4, 4]])
    got = values(ds.padded_batch(3, padded_shapes=[5], padding_values=np.int64(-1)))
    np.testing.assert_array_equal(got[1], [[4, 4, 4, 4, -1]])


def test_shuffle_is_a_seeded_repeatable_permutation_with_buffer_semantics():
    n = 50
    ds = Dataset.range(n).shuffle(10, seed=3)
    a, b = values(ds), values(ds)
    assert sorted(a) == list(range(n)) and a != list(range(n))
    assert a == b                                    # a new Session: the same order
    # buffer of 10: the first output is one of the first 10 inputs; element k comes out no
    # earlier than position k - 9
    assert a[0] < 10 and all(pos >= v - 9 for pos, v in enumerate(a))
    assert values(Dataset.range(n).shuffle(1, seed=3)) == list(range(n))
    # a graph-level seed makes the op seed deterministic too
    tf.set_random_seed(7)
    c = values(Dataset.range(n).shuffle(n))
    assert sorted(c) == list(range(n))


def test_shuffle_reshuffles_each_repeat_unless_told_not_to():
    ds = Dataset.range(20).shuffle(20, seed=1).repeat(2)
    got = values(ds)
    assert sorted(got[:20]) == sorted(got[20:]) == list(range(20)) and got[:20] != got[20:]
    ds = Dataset.range(20).shuffle(20, seed=1, reshuffle_each_iteration=False).repeat(2)
    got = values(ds)
    assert got[:20] == got[20:]


def test_repeat_take_skip_filter_map_values():
    assert values(Dataset.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert values(Dataset.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert values(Dataset.range(10).skip(7)) == [7, 8, 9]
    assert values(Dataset.range(10).take(-1).skip(-1)) == []
    assert values(Dataset.range(10).filter(lambda x: tf.equal(x % 3, 0))) == [0, 3, 6, 9]
    assert values(Dataset.range(0).repeat()) == []        # an empty input ends repeat()
    x = np.arange(8, dtype=np.float32)
    ds = Dataset.from_tensor_slices((x, x.astype(np.int64))).map(
        lambda a, b: {"sq": a * a, "b": b + 1})
    assert ds.output_types == {"b": tf.int64, "sq": tf.float32}
    got = values(ds.batch(8))
    np.testing.assert_allclose(got[0]["sq"], x * x)
    np.testing.assert_array_equal(got[0]["b"], np.arange(1, 9))


def test_map_with_python_values_lists_and_a_captured_placeholder():
    scale = tf.placeholder(tf.float32, [])
    ds = Dataset.from_tensor_slices(np.arange(4, dtype=np.float32)).map(
        lambda v: [v * scale, 1.0], num_parallel_calls=4).prefetch(2)
    assert ds.output_types == (tf.float32, tf.float32)      # a returned list is a tuple
    it = ds.make_initializable_iterator()
    a, one = it.get_next()
    with tf.Session() as sess:
        sess.run(it.initializer, {scale: 3.0})
        got = drain(sess, a)
        sess.run(it.initializer, {scale: -1.0})
        again = drain(sess, (a, one))
    assert got == [0.0, 3.0, 6.0, 9.0]
    assert [g[0] for g in again] == [0.0, -1.0, -2.0, -3.0] and again[0][1] == 1.0


def test_cache_flat_map_interleave():
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)
    ds = Dataset.from_generator(gen, tf.int64, ()).cache().repeat(3)
    assert values(ds) == [0, 1, 2] * 3 and len(calls) == 1
    fm = Dataset.range(1, 4).flat_map(lambda n: Dataset.range(n).map(lambda i: i + 10 * n))
    assert values(fm) == [10, 20, 21, 30, 31, 32]
    il = Dataset.range(1, 4).interleave(lambda n: Dataset.from_tensors(n).repeat(n),
                                        cycle_length=2, block_length=1)
    assert values(il) == [1, 2, 2, 3, 3, 3]           # TF docs' interleave order
    il = Dataset.range(1, 6).interleave(lambda n: Dataset.from_tensors(n).repeat(6),
                                        cycle_length=2, block_length=4)
    assert values(il)[:12] == [1] * 4 + [2] * 4 + [1] * 2 + [2] * 2


# -------------------------------------------------------------------------- iterators
@pytest.mark.parametrize("passes", [None, ()])
def test_get_next_advances_once_per_run_and_is_shared_by_its_consumers(passes):
    nxt = Dataset.range(5).make_one_shot_iterator().get_next()
    double, plus = nxt * 2, nxt + 100
    with tf.Session(passes=passes) as sess:
        got = drain(sess, [nxt, double, plus])
        assert got == [[i, 2 * i, i + 100] for i in range(5)]
        with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
            sess.run(double)                    # stays exhausted
        assert sess.run(tf.constant(1.0)) == 1.0     # runs without get_next are unaffected


@pytest.mark.parametrize("passes", [None, ()])
def test_out_of_range_run_applies_nothing(passes):
    x = np.arange(5, dtype=np.float32)
    nxt = Dataset.from_tensor_slices(x).batch(2).make_one_shot_iterator().get_next()
    total = tf.Variable(0.0)
    steps = tf.Variable(0)
    count = tf.assign_add(steps, 1)             # created before get_next's consumers
    add = tf.assign_add(total, tf.reduce_sum(nxt))
    with tf.Session(passes=passes) as sess:
        sess.run(tf.global_variables_initializer())
        n = 0
        while True:
            try:
                sess.run([count, add])
                n += 1
            except tf.errors.OutOfRangeError:
                break
        assert n == 3
        assert sess.run(total) == x.sum() and sess.run(steps) == 3


def test_initializable_iterator_reinitialised_with_different_feeds():
    max_value = tf.placeholder(tf.int64, shape=[])
    it = Dataset.range(max_value).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(it.initializer, feed_dict={max_value: 10})
        assert drain(sess, nxt) == list(range(10))
        sess.run(it.initializer, feed_dict={max_value: 3})
        assert drain(sess, nxt) == [0, 1, 2]


def test_initializable_iterator_over_placeholders_as_in_the_guide():
    features = tf.placeholder(tf.float32, [None, 2])
    labels = tf.placeholder(tf.int64, [None])
    ds = Dataset.from_tensor_slices((features, labels)).batch(2)
    assert [s.as_list() for s in ds.output_shapes] == [[None, 2], [None]]
    it = ds.make_initializable_iterator()
    fx, fy = it.get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="not been initialized"):
            sess.run(fx)
        x = np.arange(10, dtype=np.float32).reshape(5, 2)
        sess.run(it.initializer, {features: x, labels: np.arange(5)})
        got = drain(sess, fx)
        np.testing.assert_array_equal(np.concatenate(got), x)
        sess.run(it.initializer, {features: x[:1], labels: [7]})
        assert drain(sess, fy)[0].tolist() == [7]
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="same size in their first dimension"):
            sess.run(it.initializer, {features: x, labels: np.arange(4)})


def test_reinitializable_train_validation_iterator():
    train = Dataset.range(100).map(lambda x: x + tf.random_uniform([], -10, 10, tf.int64))
    validation = Dataset.range(50)
    it = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    nxt = it.get_next()
    train_init, val_init = it.make_initializer(train), it.make_initializer(validation)
    with pytest.raises(tf.errors.FailedPreconditionError), tf.Session() as sess:
        sess.run(nxt)
    with tf.Session() as sess:
        for _ in range(2):
            sess.run(train_init)
            got = [sess.run(nxt) for _ in range(100)]
            assert all(-10 <= g - i < 10 for i, g in enumerate(got))
            sess.run(val_init)
            assert drain(sess, nxt) == list(range(50))


def test_module_level_iterator_functions_and_output_helpers():
    ds = Dataset.from_tensor_slices((np.zeros((3, 2), np.float32), np.arange(3)))
    it = tf.data.make_initializable_iterator(ds)
    assert tf.data.get_output_shapes(it)[0].as_list() == [2]
    assert tf.data.get_output_types(ds) == (tf.float32, tf.int64)
    assert tf.data.get_output_classes(ds) == (tf.Tensor, tf.Tensor)
    one = tf.data.make_one_shot_iterator(Dataset.range(2)).get_next()
    with tf.Session() as sess:
        sess.run(it.initializer)
        assert len(drain(sess, it.get_next())) == 3
        assert drain(sess, one) == [0, 1]


def test_iterator_state_lives_in_the_session():
    it = Dataset.range(4).make_initializable_iterator()
    one = Dataset.range(3).make_one_shot_iterator().get_next()
    nxt = it.get_next()
    s1, s2 = tf.Session(), tf.Session()
    s1.run(it.initializer)
    s2.run(it.initializer)
    assert [s1.run(nxt), s1.run(nxt), s2.run(nxt)] == [0, 1, 0]
    assert [s1.run(one), s2.run(one), s2.run(one), s1.run(one)] == [0, 0, 1, 1]
    s1.run(it.initializer)
    assert [s1.run(nxt), s2.run(nxt)] == [0, 1]
    s1.close()
    s2.close()


def test_shuffled_dataset_reinitialised_with_a_seed_repeats_its_order():
    it = Dataset.range(30).shuffle(30, seed=5).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(it.initializer)
        a = drain(sess, nxt)
        sess.run(it.initializer)
        b = drain(sess, nxt)
    assert a == b and sorted(a) == list(range(30))


def test_a_small_model_trained_from_a_dataset():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    w_true = np.array([[1.5], [-2.0], [0.5]], np.float32)
    Y = X @ w_true
    ds = Dataset.from_tensor_slices((X, Y)).batch(16).repeat(5)
    x, y = ds.make_one_shot_iterator().get_next()
    w = tf.Variable(tf.zeros([3, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    w_ref = np.zeros((3, 1), np.float32)
    for _ in range(5):
        for i in range(0, 64, 16):
            xb, yb = X[i:i + 16], Y[i:i + 16]
            w_ref = w_ref - 0.1 * (2 / 16) * xb.T @ (xb @ w_ref - yb)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        steps = len(drain(sess, train))
        np.testing.assert_allclose(sess.run(w), w_ref, rtol=1e-4, atol=1e-5)
    assert steps == 20


# -------------------------------------------------------------------------- errors
def test_bad_input_errors_by_type_and_message():
    with pytest.raises(ValueError, match="Dimensions 3 and 4 are not compatible"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="at least one dimension"):
        Dataset.from_tensor_slices(np.float32(1))
    with pytest.raises(TypeError, match="must return a tensor or a nested tuple/dict"):
        Dataset.range(3).map(lambda x: None)
    with pytest.raises(TypeError, match="must return a tensor"):
        Dataset.range(3).map(lambda x: (x, "label"))
    with pytest.raises(TypeError, match="use flat_map"):
        Dataset.range(3).map(lambda x: Dataset.range(x))
    with pytest.raises(TypeError, match="must return a `Dataset` object"):
        Dataset.range(3).flat_map(lambda x: x)
    with pytest.raises(ValueError, match="scalar boolean tensor"):
        Dataset.range(3).filter(lambda x: x * 2)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        Dataset.range(3).batch(0)
    with pytest.raises(TypeError, match="different types"):
        Dataset.range(3).concatenate(Dataset.from_tensor_slices(np.zeros(3, np.float32)))
    it = tf.data.Iterator.from_structure(tf.int64, [])
    with pytest.raises(TypeError, match=r"Expected output types tf.int64 but got dataset with "
                                        r"output types \(tf.int64, tf.int64\)"):
        it.make_initializer(Dataset.zip((Dataset.range(2), Dataset.range(2))))
    with pytest.raises(TypeError, match="Expected output shapes compatible"):
        it.make_initializer(Dataset.range(4).batch(2))
    ph = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="Cannot capture a placeholder"):
        Dataset.from_tensor_slices(ph).make_one_shot_iterator()
    with pytest.raises(RuntimeError, match="only supported when eager execution"):
        iter(Dataset.range(2))


def test_run_time_errors_name_the_get_next_node():
    def gen():
        yield np.zeros(2, np.float32)
        yield np.zeros(3, np.float32)
    nxt = Dataset.from_generator(gen, tf.float32, [2]).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        sess.run(nxt)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"yielded an element of shape \(3,\) where an element of "
                                 r"shape \(2,\) was expected(.|\n)*IteratorGetNext"):
            sess.run(nxt)

    def bad():
        yield (1, 2)
    nxt = Dataset.from_generator(bad, tf.int64).make_one_shot_iterator().get_next()
    nxt2 = Dataset.from_generator(bad, (tf.int64, tf.int64, tf.int64)) \
        .make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt).tolist() == [1, 2]
        with pytest.raises(tf.errors.InvalidArgumentError, match="did not match the expected "
                                                                 "structure"):
            sess.run(nxt2)
    unequal = Dataset.from_generator(lambda: iter([np.zeros(2), np.zeros(3)]), tf.float64)
    nxt = unequal.batch(2).make_one_shot_iterator().get_next()
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                             match="Cannot batch tensors with different"):
        sess.run(nxt)


# -------------------------------------------------------------------------- runs and devices
def test_concurrent_runs_take_distinct_elements():
    import threading
    nxt = Dataset.range(200).map(lambda v: v * 10).make_one_shot_iterator().get_next()
    got: list = []
    with tf.Session() as sess:
        def work():
            got.extend(drain(sess, nxt))
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(got) == list(range(0, 2000, 10))


def test_compiled_plan_failing_after_get_next_does_not_skip_an_element():
    """The compiler cannot compile a reduction of an element of unknown rank (it sees a
    scalar); its step-by-step re-run must reuse the element the failed attempt took."""
    def gen():
        for k in range(1, 5):
            yield np.full((k, 2), k, np.float32)
    nxt = Dataset.from_generator(gen, tf.float32).make_one_shot_iterator().get_next()
    with tf.Session(passes="all") as sess:
        assert drain(sess, tf.reduce_sum(nxt)) == [2.0, 8.0, 18.0, 32.0]


@pytest.mark.parametrize("passes", [None, "compile"])
def test_sum_of_an_element_of_unknown_rank_after_the_plan_compiles(passes):
    """The compiler's shape inference must not re-derive the flattened element's length from
    its stand-in scalar aval (it made it (1,), and the compiled sum read one element: the
    default Session gave 2, 2, 3, 4 once the plan compiled on its second run)."""
    def gen():
        for k in range(1, 5):
            yield np.full((k, 2), k, np.float32)
    nxt = Dataset.from_generator(gen, tf.float32).make_one_shot_iterator().get_next()
    with tf.Session(passes=passes) as sess:
        assert drain(sess, tf.reduce_sum(nxt)) == [2.0, 8.0, 18.0, 32.0]


@pytest.mark.cuda
def test_iterator_on_a_cuda_session():
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    it = Dataset.from_tensor_slices(x).batch(2).make_initializable_iterator()
    nxt = it.get_next()
    sess = tf.Session(device="cuda")
    try:
        sess.run(it.initializer)
        got = drain(sess, nxt * 2.0)
    except NotImplementedError as e:
        pytest.skip(f"a CUDA kernel is not written yet: {str(e).splitlines()[0]}")
    finally:
        sess.close()
    np.testing.assert_array_equal(np.concatenate(got), x * 2)


def test_saver_saves_variables_of_a_graph_with_an_iterator(tmp_path):
    """Host ops (iterators) cannot be written to the .meta graph file: Saver.save warns and
    still writes the checkpoint (it raised NotImplementedError)."""
    x = Dataset.from_tensor_slices(np.ones((4, 2), np.float32)).batch(2) \
        .make_one_shot_iterator().get_next()
    w = tf.Variable(tf.ones([2, 1]))
    y = tf.matmul(x, w)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(w, [[2.0], [3.0]]))
        with pytest.warns(UserWarning, match="IteratorGetNext"):
            path = saver.save(sess, str(tmp_path / "model"))
    with tf.Session() as sess:
        saver.restore(sess, path)
        assert sess.run(y).tolist() == [[5.0], [5.0]]


def test_output_types_given_as_lists_and_seeds_from_the_graph_seed():
    ds = Dataset.from_generator(lambda: iter([(1, 2.0)]), [tf.int64, tf.float32], [[], []])
    assert ds.output_types == (tf.int64, tf.float32)
    assert values(ds) == [(1, 2.0)]
    it = tf.data.Iterator.from_structure([tf.int64, tf.float32], ([], []))
    assert [s.as_list() for s in it.output_shapes] == [[], []]
    tf.set_random_seed(3)
    a = Dataset.range(40).shuffle(40)
    b = Dataset.range(40).shuffle(40)               # no op in between: still another seed
    got_a, got_b = values(a), values(b)
    assert got_a != got_b and sorted(got_a) == sorted(got_b) == list(range(40))
    assert values(a) == got_a                          # graph seed: repeatable


def test_shard_and_the_experimental_fused_transformations():
    assert values(Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    with pytest.raises(ValueError, match=r"^Index must be between 0 and 2 \(currently index = "
                                         r"3\)\.$"):     # (TF 1.15's ShardDatasetOp words)
        Dataset.range(10).shard(3, 3)
    ds = Dataset.range(4).apply(tf.data.experimental.shuffle_and_repeat(4, count=2, seed=0))
    got = values(ds)
    assert sorted(got[:4]) == sorted(got[4:]) == [0, 1, 2, 3]
    ds = Dataset.range(5).apply(tf.data.experimental.map_and_batch(lambda x: x * x, 2))
    assert [g.tolist() for g in values(ds)] == [[0, 1], [4, 9], [16]]
    assert tf.data.experimental.AUTOTUNE == tf.data.AUTOTUNE == -1


def test_map_arguments_follow_the_element_structure():
    xy = Dataset.from_tensor_slices((np.arange(3), np.arange(3) * 10))
    assert values(xy.map(lambda x, y: (y, x))) == [(0, 0), (10, 1), (20, 2)]
    assert values(Dataset.range(2).map(lambda x: (x,))) == [(0,), (1,)]
    d = Dataset.from_tensor_slices({"a": np.arange(2)})
    assert values(d.map(lambda e: e["a"] + 1)) == [1, 2]
    with pytest.raises(TypeError, match=r"map: `map_func` cannot be called with the dataset's "
                                        r"element \(tf.int64, tf.int64\) \(a tuple of 2 "
                                        r"components, passed as 2 arguments\)"):
        xy.map(lambda x: x)
    with pytest.raises(TypeError, match="one value, passed as one argument"):
        d.filter(lambda a, b: True)


def test_inner_datasets_of_flat_map_start_afresh_per_element():
    fm = Dataset.range(3).flat_map(lambda n: Dataset.from_tensors(n).repeat(2).cache())
    assert values(fm) == [0, 0, 1, 1, 2, 2]


def test_an_exception_in_a_generator_becomes_the_get_next_nodes_error():
    def gen():
        yield 1
        raise ValueError("bad record 7")
    nxt = Dataset.from_generator(gen, tf.int64, []).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt) == 1
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"ValueError: bad record 7(.|\n)*node IteratorGetNext"):
            sess.run(nxt)
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(nxt)
