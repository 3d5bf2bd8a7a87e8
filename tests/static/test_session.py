"""Session.run: fetch structures, feeds, pruning, one value per run, errors, plan cache."""

import collections
import re

import numpy as np
import pytest

import dlcore_static as tf


def ran(sess, fetches, feed=None):
    md = tf.RunMetadata()
    out = sess.run(fetches, feed, run_metadata=md)
    return out, md.executed_ops


def test_nested_fetch_structures_keep_their_shape():
    a, b = tf.constant(1.0), tf.constant([2.0, 3.0])
    Pair = collections.namedtuple("Pair", "x y")
    with tf.Session() as sess:
        out = sess.run({"a": a, "nested": [b, (a, Pair(a, b))],
                        "od": collections.OrderedDict(z=b)})
    assert set(out) == {"a", "nested", "od"}
    assert isinstance(out["nested"], list) and isinstance(out["nested"][1], tuple)
    assert isinstance(out["nested"][1][1], Pair)
    assert isinstance(out["od"], collections.OrderedDict)
    assert out["a"] == 1.0 and isinstance(out["a"], np.float32)
    np.testing.assert_array_equal(out["nested"][1][1].y, [2.0, 3.0])


def test_fetched_op_gives_none_and_names_work():
    a = tf.constant(1.0, name="a")
    op = tf.no_op(name="nothing")
    with tf.Session() as sess:
        assert sess.run(op) is None
        assert sess.run("a:0") == 1.0
        assert sess.run(["nothing", "a:0"]) == [None, 1.0]


def test_a_tensor_fetched_twice_runs_once():
    x = tf.placeholder(tf.float32, (2,))
    y = tf.exp(x, name="y")
    with tf.Session() as sess:
        (v1, v2, v3), names = ran(sess, [y, y, (y,)], {x: [0.0, 1.0]})
    assert names.count("y") == 1
    np.testing.assert_array_equal(v1, v2)


def test_fetching_a_fed_tensor_returns_the_feed_and_any_tensor_can_be_fed():
    x = tf.placeholder(tf.float32, (2,))
    h = tf.multiply(x, 2.0, name="h")
    y = tf.add(h, 1.0, name="y")
    with tf.Session() as sess:
        (hv, yv), names = ran(sess, [h, y], {h: [10.0, 20.0]})
    np.testing.assert_array_equal(hv, [10.0, 20.0])
    np.testing.assert_array_equal(yv, [11.0, 21.0])
    assert "h" not in names                    # x was not needed: h was fed


def test_only_the_needed_subgraph_runs():
    x = tf.placeholder(tf.float32, (3,))
    unused = tf.placeholder(tf.float32, (3,))
    a = tf.exp(x, name="a")
    b = tf.log(unused, name="b")                # needs `unused`, which is not fed
    c = tf.add(a, 1.0, name="c")
    with tf.Session() as sess:
        out, names = ran(sess, c, {x: np.zeros(3)})
        plan = sess.plan(c, {x: np.zeros(3)})
    assert sorted(names) == sorted(["a", "Const", "c"])
    assert [op.name for op in plan.ops] == ["a", "Const", "c"]
    assert b.op not in plan.ops
    np.testing.assert_array_equal(out, [2.0, 2.0, 2.0])


def test_each_tensor_has_one_value_per_run():
    r = tf.random_uniform((5,))
    out1, out2 = r + 0.0, r * 1.0
    with tf.Session() as sess:
        a1, a2 = sess.run([out1, out2])
        b1, b2 = sess.run([out1, out2])
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    assert not np.array_equal(a1, b1)


def test_plan_is_cached_per_fetches_and_feed_shapes():
    x = tf.placeholder(tf.float32, (None, 2))
    y = tf.reduce_sum(x)
    with tf.Session() as sess:
        p1 = sess.plan(y, {x: np.ones((3, 2))})
        sess.run(y, {x: np.ones((3, 2))})
        p2 = sess.plan(y, {x: np.ones((3, 2))})
        p3 = sess.plan(y, {x: np.ones((4, 2))})
        assert sess.run(y, {x: np.ones((4, 2))}) == 8.0
    assert p1 is p2 and p1 is not p3


def test_feeds_are_cast_and_checked_against_static_shapes():
    x = tf.placeholder(tf.float32, shape=(None, 3))
    y = x * 2
    with tf.Session() as sess:
        out = sess.run(y, {x: np.ones((2, 3), dtype=np.float64)})
        assert out.dtype == np.float32
        assert sess.run(y, {x: [[1, 2, 3]]}).tolist() == [[2.0, 4.0, 6.0]]
        with pytest.raises(ValueError, match=re.escape(
                "Cannot feed value of shape (2, 4) for Tensor 'Placeholder:0', which has shape "
                "'(?, 3)'")):
            sess.run(y, {x: np.ones((2, 4))})


def test_feed_errors():
    x = tf.placeholder(tf.float32, (2,))
    i = tf.placeholder(tf.int32, ())
    c = tf.constant([1.0, 2.0])
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="The value of a feed cannot be a tf.Tensor object"):
            sess.run(x + 1, {x: c})
        with pytest.raises(TypeError, match="Cannot interpret feed_dict key as Tensor"):
            sess.run(x + 1, {3: [1.0, 2.0]})
        with pytest.raises(TypeError, match=r"Type of feed value 4294967296 with type <class "
                           r"'int'> is not compatible with Tensor type tf.int32. Try "
                           r"explicitly setting the type of the feed tensor to a larger type "
                           r"\(e.g. int64\)."):
            sess.run(i + 1, {i: 2 ** 32})
        assert sess.run(x + 1, {"Placeholder:0": [1.0, 2.0]}).tolist() == [2.0, 3.0]


def test_fetch_errors():
    tf.constant(1.0)
    with tf.Session() as sess:
        with pytest.raises(TypeError, match=re.escape(
                "Fetch argument None has invalid type <class 'NoneType'>")):
            sess.run(None)
        with pytest.raises(ValueError, match="Fetch argument 'nope:0' cannot be interpreted as "
                           "a Tensor"):
            sess.run("nope:0")


def test_missing_feed_is_an_invalid_argument_error_naming_the_node():
    x = tf.placeholder(tf.float32, shape=(None, 784))
    y = x * 2
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "You must feed a value for placeholder tensor 'Placeholder' with dtype float "
            "and shape [?,784]")) as e:
        sess.run(y)
    assert re.search(r"\[\[node Placeholder \(defined at test_session.py:\d+\) \]\]",
                     str(e.value))
    assert e.value.op is x.op


def test_uninitialized_variable_is_a_failed_precondition():
    with tf.name_scope("dense_93"):
        b = tf.Variable(tf.zeros((3,)), name="bias")
    with tf.Session() as sess, pytest.raises(tf.errors.FailedPreconditionError, match=re.escape(
            "Attempting to use uninitialized value dense_93/bias")) as e:
        sess.run(b + 1)
    assert "[[node dense_93/bias/read (defined at test_session.py:" in str(e.value)


def test_closed_and_empty_sessions():
    with tf.Session() as sess, pytest.raises(RuntimeError, match=re.escape(
            "The Session graph is empty.  Add operations to the graph before calling "
            "run().")):
        sess.run([])
    c = tf.constant(1.0)
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
        sess.run(c)


def test_variables_persist_per_session():
    v = tf.Variable(1.0)
    inc = v.assign_add(1.0)
    init = tf.global_variables_initializer()
    s1, s2 = tf.Session(), tf.Session()
    s1.run(init)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0
    with pytest.raises(tf.errors.FailedPreconditionError):
        s2.run(v)
    s2.run(init)
    assert s2.run(v) == 1.0 and s1.run(v) == 3.0


def test_a_failed_run_leaves_every_variable_as_it_was():
    v = tf.Variable(1.0, name="v")
    x = tf.placeholder(tf.float32, (None,))
    upd = v.assign(5.0)
    with tf.control_dependencies([upd]):
        bad = tf.matmul(tf.reshape(x, (1, -1)), tf.ones((3, 1)))    # fails at run time
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[\[node MatMul"):
            sess.run(bad, {x: np.ones(4)})
        assert sess.run(v) == 1.0
        sess.run(upd)
        assert sess.run(v) == 5.0


def test_default_session_eval_and_op_run():
    v = tf.Variable(2.0)
    with tf.Session():
        tf.global_variables_initializer().run()
        assert (v * 3).eval() == 6.0
        assert v.eval() == 2.0
    with pytest.raises(ValueError, match="No default session"):
        v.eval()


def test_fetched_arrays_are_independent_copies():
    v = tf.Variable(np.zeros(3, np.float32))
    with tf.Session() as sess:
        sess.run(v.initializer)
        a = sess.run(v)
        a[0] = 9.0
        np.testing.assert_array_equal(sess.run(v), [0.0, 0.0, 0.0])


def test_scalars_come_back_as_numpy_scalars():
    with tf.Session() as sess:
        s = sess.run(tf.reduce_sum(tf.ones((2, 2))))
    assert type(s) is np.float32 and s == 4.0


def test_unknown_rank_placeholder_takes_scalars_and_arrays():
    # Issue 14: TF1 programs feed shape=None placeholders both ways (the classic linear
    # regression feeds one sample, then the whole training set).
    z = tf.placeholder(tf.float32, shape=None)
    assert str(z.shape) == "<unknown>"
    s = tf.reduce_sum(z * 2)
    with tf.Session() as sess:
        assert sess.run(s, {z: 10}) == 20.0
        assert sess.run(s, {z: [1.0, 2.0]}) == 6.0
        assert sess.run(s, {z: [[1.0], [2.0], [4.0]]}) == 14.0
