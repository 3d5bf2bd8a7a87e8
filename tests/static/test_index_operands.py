"""NumPy index and mask arrays in a static graph keep their integer/bool dtype.

A NumPy array or list next to a graph tensor is converted as ``tf.convert_to_tensor`` converts
it: integer data stays integer (a NumPy array its own dtype, a Python list int32) and bool data
stays bool, whatever the other operand's dtype; only floating data takes a floating tensor's
dtype.  Operands that share one dtype in TensorFlow (both sides of ``+``) still take the
tensor's dtype.  This once went wrong in the core's ``bind`` for graphs (an index array next to a
float32 tensor became a float32 constant: ``take`` refused it and composites indexed with
floats), and front-end functions each carried their own pre-conversion to work around it.
Values and gradients are checked against NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore import ops
from dlcore_static.frontend import to_tensor

X = np.arange(12, dtype=np.float32).reshape(4, 3) / 4.0


@pytest.fixture
def graph():
    g = tf.Graph()
    with g.as_default():
        yield g


def _run(fetches, feed):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def test_core_ops_take_numpy_indices_as_integers(graph):
    x = tf.placeholder(tf.float32, (4, 3))
    idx = np.array([2, 0, 2])
    taken = ops.take(x, idx)                                    # the core's bind, directly
    assert taken.op.inputs[1].dtype == tf.int64
    cols = ops.index_select(x, 1, np.array([2, 0]))
    added = ops.scatter_add(tf.ones((2, 3)), np.array([0, 2]), x)
    rep = ops.repeat_interleave(x, [1, 0, 2, 1], 0)
    got = _run([taken, cols, added, rep], {x: X})
    np.testing.assert_array_equal(got[0], X[idx])
    np.testing.assert_array_equal(got[1], X[:, [2, 0]])
    want = np.zeros_like(X)
    want[[0, 2]] = 1.0
    np.testing.assert_array_equal(got[2], want)
    np.testing.assert_array_equal(got[3], np.repeat(X, [1, 0, 2, 1], 0))


def test_tf_gather_one_hot_boolean_mask_scatter_with_numpy_arrays(graph):
    x = tf.placeholder(tf.float32, (4, 3))
    idx = np.array([[3, 0], [1, 1]])
    fetches = {
        "gather": tf.gather(x, idx),
        "gather_axis1": tf.gather(x, np.array([2, 0]), axis=1),
        "gather_list": tf.gather(x, [3, 1]),
        "one_hot": tf.one_hot(np.array([0, 2, 1]), 3),
        "mask": tf.boolean_mask(x, np.array([True, False, True, True])),
        "mask2d": tf.boolean_mask(x, X > 1.0),
        "gather_nd": tf.gather_nd(x, np.array([[0, 1], [3, 2]])),
        "scatter_nd": tf.scatter_nd(np.array([[0], [2], [0]]), x[:3], [4, 3]),
        "embedding": tf.nn.embedding_lookup(x, np.array([[1, 0], [2, 2]])),
        "xent": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, 2, 1, 1]),
                                                               logits=x),
    }
    got = _run(fetches, {x: X})
    np.testing.assert_array_equal(got["gather"], X[idx])
    np.testing.assert_array_equal(got["gather_axis1"], X[:, [2, 0]])
    np.testing.assert_array_equal(got["gather_list"], X[[3, 1]])
    np.testing.assert_array_equal(got["one_hot"], np.eye(3, dtype=np.float32)[[0, 2, 1]])
    np.testing.assert_array_equal(got["mask"], X[[0, 2, 3]])
    np.testing.assert_array_equal(got["mask2d"], X[X > 1.0])
    np.testing.assert_array_equal(got["gather_nd"], X[[0, 3], [1, 2]])
    want = np.zeros_like(X)
    np.add.at(want, [0, 2, 0], X[:3])
    np.testing.assert_array_equal(got["scatter_nd"], want)
    np.testing.assert_array_equal(got["embedding"], X[[[1, 0], [2, 2]]])
    z = X - X.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    np.testing.assert_allclose(got["xent"], -logp[np.arange(4), [0, 2, 1, 1]], rtol=1e-6)


def test_gradients_flow_through_numpy_indexed_gathers(graph):
    x = tf.placeholder(tf.float64, (4, 3))
    idx = np.array([2, 0, 2, 2])
    w = np.random.default_rng(0).standard_normal((4, 3))
    y = tf.reduce_sum(tf.gather(x, idx) * w) + tf.reduce_sum(tf.boolean_mask(
        x, np.array([False, True, False, True])))
    gx, = tf.gradients(y, [x])
    got = _run(gx, {x: X.astype(np.float64)})
    want = np.zeros((4, 3))
    np.add.at(want, idx, w)
    want[[1, 3]] += 1.0
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_conversion_keeps_the_kind_of_numpy_data(graph):
    f32 = np.dtype(np.float32)
    assert to_tensor(np.array([0, 2]), None, f32).dtype == tf.int64
    assert to_tensor([0, 2], None, f32).dtype == tf.int32         # a Python list: TF's int32
    assert to_tensor(np.array([True, False]), None, f32).dtype == tf.bool
    assert to_tensor(np.array([0.5, 2.0]), None, f32).dtype == tf.float32   # float takes it
    assert to_tensor(2, None, f32).dtype == tf.float32                      # weak scalar
    assert tf.convert_to_tensor(np.array([1, 2], np.int32)).dtype == tf.int32
    # Operands that share one dtype in TensorFlow take the tensor's dtype (NumPy's astype).
    x = tf.placeholder(tf.float32, (3,))
    shared = [x + np.array([1, 2, 3]), x * np.array([True, False, True]),
              tf.maximum(x, np.array([1, 5, 0])), tf.concat([x, np.array([7, 8])], 0),
              tf.where(np.array([True, False, True]), x, np.array([4, 5, 6]))]
    assert all(t.dtype == tf.float32 for t in shared)
    got = _run(shared, {x: np.array([0.5, 1.5, 9.0], np.float32)})
    np.testing.assert_array_equal(got[0], [1.5, 3.5, 12.0])
    np.testing.assert_array_equal(got[1], [0.5, 0.0, 9.0])
    np.testing.assert_array_equal(got[2], [1.0, 5.0, 9.0])
    np.testing.assert_array_equal(got[3], [0.5, 1.5, 9.0, 7.0, 8.0])
    np.testing.assert_array_equal(got[4], [0.5, 5.0, 9.0])
    # Float data never becomes an integer tensor's dtype: TensorFlow's type error instead.
    n = tf.placeholder(tf.int32, (2,))
    with pytest.raises(TypeError, match="Input 'y' of 'Add' Op has type float"):
        n + np.array([0.5, 1.5])
