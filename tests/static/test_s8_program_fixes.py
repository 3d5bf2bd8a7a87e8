"""What the S8 tutorial programs needed (tests/programs/static/test_programs_s8.py):
class labels fed through ``placeholder(tf.int64, shape=(None))`` (Hands-On ML's spelling of an
unknown-rank placeholder) into the sparse cross-entropies and in_top_k; Dataset.from_generator
handing 0-d ``args`` to the generator as scalars (a tf.string as bytes), as TensorFlow's
py_func does; History's learning rate read as Keras 3's 'learning_rate' or Keras 2's 'lr'."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _xent(logits, labels):
    z = logits - logits.max(1, keepdims=True)
    lse = np.log(np.exp(z).sum(1))
    return lse - z[np.arange(len(labels)), labels]


def test_unknown_rank_labels_in_sparse_xent_and_in_top_k():
    logits = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.int64, shape=(None))
    per = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    mean = tf.losses.sparse_softmax_cross_entropy(y, logits)
    top = tf.nn.in_top_k(logits, y, 1)
    assert per.shape.as_list() == [None] and top.shape.as_list() == [None]
    grad = tf.gradients(tf.reduce_sum(per), logits)[0]
    lg = np.random.RandomState(0).randn(5, 3).astype(np.float32)
    lb = np.array([0, 2, 1, 1, 0])
    with tf.Session() as sess:
        p, m, t, g = sess.run([per, mean, top, grad], {logits: lg, y: lb})
    ref = _xent(lg.astype(np.float64), lb)
    np.testing.assert_allclose(p, ref, rtol=1e-5)
    assert m == pytest.approx(ref.mean(), rel=1e-5)
    np.testing.assert_array_equal(t, lg.argmax(1) == lb)
    sm = np.exp(lg) / np.exp(lg).sum(1, keepdims=True)
    np.testing.assert_allclose(g, sm - np.eye(3)[lb], atol=1e-6)


def test_from_generator_args_arrive_as_scalars():
    which = tf.placeholder(tf.string, shape=[])
    k = tf.placeholder(tf.int32, shape=[])
    table = {b"a": [1, 2], b"b": [7, 8, 9]}
    got = []

    def gen(name, n):
        got.append((type(name), name, int(n)))
        yield from table[name][:n]      # a bytes key: hashable, as in TensorFlow

    ds = tf.data.Dataset.from_generator(gen, tf.int64, tf.TensorShape([]), args=(which, k))
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(it.initializer, {which: "b", k: 2})
        vals = [sess.run(nxt), sess.run(nxt)]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(nxt)
    assert vals == [7, 8]
    assert got[0][1] == b"b" and isinstance(got[0][1], bytes) and got[0][2] == 2


def test_history_learning_rate_under_both_names():
    from dlcore_static.keras.callbacks import _HistoryDict
    h = _HistoryDict(loss=[1.0], lr=[0.1, 0.05])
    assert h["learning_rate"] == [0.1, 0.05] and list(h.keys()) == ["loss", "lr"]
    h3 = _HistoryDict(learning_rate=[0.2])
    assert h3["lr"] == [0.2]
    with pytest.raises(KeyError):
        _HistoryDict(loss=[1.0])["learning_rate"]


def test_subclassed_call_with_tf_ops_between_layers(tmp_path):
    from dlcore_static import keras

    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1, self.d2 = keras.layers.Dense(4), keras.layers.Dense(2)

        def call(self, x):
            return tf.nn.softmax(self.d2(tf.nn.relu(self.d1(x))))

    m = M()
    m.compile("sgd", "mse")
    x = np.random.RandomState(0).randn(3, 5).astype("float32")
    m.fit(x, np.ones((3, 2), "float32"), verbose=0)     # was: ValueError 'Output tensors to
    w1, b1, w2, b2 = m.get_weights()                    # a Model must be ... Relu:0'
    z = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    ref = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    np.testing.assert_allclose(m.predict(x), ref, atol=1e-6)
    assert [ly.name for ly in m.layers] == [m.d1.name, m.d2.name]
    inp = keras.Input((5,))                             # called on a new tensor: call() again
    outer = keras.Model(inp, m(inp))
    np.testing.assert_allclose(outer.predict(x), ref, atol=1e-6)
    with pytest.raises(NotImplementedError, match="does not work for subclassed models"):
        m.save(str(tmp_path / "m.h5"))
    assert not (tmp_path / "m.h5").exists()
