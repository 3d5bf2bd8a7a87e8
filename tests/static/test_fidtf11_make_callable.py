"""TF 1.15's ``Session.make_callable(fetches, feed_list=None, accept_options=False)``."""

import numpy as np
import pytest

import dlcore_static as tf


@pytest.fixture(autouse=True)
def _graph():
    with tf.Graph().as_default() as g:
        yield g


def test_feed_list_positional_in_order_and_run_structure():
    a = tf.placeholder(tf.float32, [None], name="a")
    b = tf.placeholder(tf.float32, [], name="b")
    y = a * b - 1.0
    with tf.Session() as s:
        f = s.make_callable({"y": y, "pair": (a, [b])}, feed_list=[b, a])
        out = f(2.0, [1.0, 3.0])
        assert set(out) == {"y", "pair"}
        np.testing.assert_allclose(out["y"], [1.0, 5.0])
        assert isinstance(out["pair"], tuple) and isinstance(out["pair"][1], list)
        np.testing.assert_allclose(out["pair"][0], [1.0, 3.0])
        assert out["pair"][1][0] == 2.0
        # names as feeds, one tensor fetched: its value, as run gives it
        g = s.make_callable(y, feed_list=("a:0", "b:0"))
        np.testing.assert_allclose(g(np.array([4.0], np.float32), 0.5), [1.0])
        # keywords go to run
        md = tf.RunMetadata()
        np.testing.assert_allclose(g([1.0], 3.0, run_metadata=md), [2.0])


def test_feed_list_zip_pairing_and_late_errors():
    a = tf.placeholder(tf.float32, [], name="a")
    b = tf.placeholder(tf.float32, [], name="b")
    with tf.Session() as s:
        f = s.make_callable(a + b, [a, b])
        assert f(1.0, 2.0, 99.0) == 3.0         # an extra value: ignored (zip)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="You must feed a value for placeholder tensor 'b'"):
            f(1.0)
        bad = s.make_callable(None, [a])        # a fetch error: at the call with a feed_list
        with pytest.raises(TypeError, match="Fetch argument None has invalid type"):
            bad(1.0)
    with pytest.raises(TypeError, match="^`feed_list` must be a list or tuple.$"):
        tf.Session().make_callable(a, feed_list=a)


def test_no_feed_list_checks_fetches_now():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 2.0)
    with tf.Session() as s:
        s.run(v.initializer)
        with pytest.raises(TypeError, match="Fetch argument None has invalid type"):
            s.make_callable(None)
        with pytest.raises(ValueError, match="cannot be interpreted as a Tensor"):
            s.make_callable("nope:0")
        step = s.make_callable(inc.op)
        assert step() is None and step() is None
        assert s.run(v) == 5.0
        read = s.make_callable([inc, {"v": inc}])
        assert read() == [7.0, {"v": 7.0}]
        with pytest.raises(TypeError):
            read(1.0)                               # no feeds: no argument
        opt = s.make_callable(v, accept_options=True)
        md = tf.RunMetadata()
        assert opt(options=tf.RunOptions(), run_metadata=md) == s.run(v)
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
        read()
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
        s.make_callable(v)


def test_interactive_session_has_it():
    x = tf.constant([1, 2])
    s = tf.InteractiveSession()
    try:
        assert s.make_callable(x * 2)().tolist() == [2, 4]
    finally:
        s.close()
