"""keras.ops (the Keras 3 operations keras.io's layer subclasses call): each function's value
and dtype on a graph tensor equal Keras 3's (NumPy backend) on the same array, including the
defaults that differ from Keras 2's backend (concatenate/stack on axis 0, int32 arange and
argmax, float32 zeros), and ops.shape gives ints for static dimensions and scalar tensors for
unknown ones."""

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import ops

os.environ.setdefault("KERAS_BACKEND", "numpy")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "numpy":
    pytest.skip("Keras 3 is loaded with another backend", allow_module_level=True)
K3 = keras.ops

A = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
I = np.array([[0, 2, 1], [3, 0, 2]], np.int32)
CASES = [
    ("sum", lambda o, x: o.sum(x, axis=1)), ("mean", lambda o, x: o.mean(x, axis=(0, 2))),
    ("max keepdims", lambda o, x: o.max(x, axis=-1, keepdims=True)),
    ("min all", lambda o, x: o.min(x)),
    ("argmax flat", lambda o, x: o.argmax(x)), ("argmax axis", lambda o, x: o.argmax(x, 1)),
    ("argmin keepdims", lambda o, x: o.argmin(x, axis=2, keepdims=True)),
    ("concatenate", lambda o, x: o.concatenate([x, x])),
    ("stack", lambda o, x: o.stack([x, x])),
    ("reshape", lambda o, x: o.reshape(x, (4, -1))),
    ("transpose", lambda o, x: o.transpose(x, (2, 0, 1))),
    ("transpose default", lambda o, x: o.transpose(x)),
    ("expand/squeeze", lambda o, x: o.squeeze(o.expand_dims(x, 1), axis=1)),
    ("softmax", lambda o, x: o.softmax(x)), ("log_softmax", lambda o, x: o.log_softmax(x, 1)),
    ("matmul", lambda o, x: o.matmul(x, o.transpose(x, (0, 2, 1)))),
    ("clip", lambda o, x: o.clip(x, -0.5, 0.5)),
    ("where", lambda o, x: o.where(x > 0, x, o.zeros((2, 3, 4)))),
    ("binary", lambda o, x: o.divide(o.subtract(o.multiply(o.add(x, 1.0), x), 0.5), 2.0)),
    ("max/min", lambda o, x: o.maximum(o.minimum(x, 0.3), -0.3)),
    ("unary", lambda o, x: o.sqrt(o.abs(o.tanh(x)) + o.sigmoid(o.relu(x))) +
     o.log(o.exp(o.square(x)) + 1.0)),
    ("cast", lambda o, x: o.cast(x * 3, "int32")),
    ("ones", lambda o, x: o.ones((2, 2)) + o.convert_to_tensor([1.0, 2.0])),
]


def _run(t):
    with tf.Session() as sess:
        return sess.run(t)


@pytest.mark.parametrize("name,f", CASES, ids=[c[0] for c in CASES])
def test_values_and_dtypes_equal_keras3(name, f):
    want = np.asarray(f(K3, A))
    got = _run(f(ops, tf.constant(A)))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("args", [(5,), (1, 7, 2), (0.5, 3), (2, 4, 0.5)])
def test_arange_dtype_and_values(args):
    want = np.asarray(K3.arange(*args))
    got = _run(ops.arange(*args))
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want)


def test_one_hot_and_nonzero():
    got, want = _run(ops.one_hot(tf.constant(I), 4)), np.asarray(K3.one_hot(I, 4))
    assert got.dtype == want.dtype and np.array_equal(got, want)
    got = _run(ops.where(tf.constant(I) > 0))
    want = K3.where(I > 0)
    assert len(got) == len(want) == 2
    for g, w in zip(got, want):
        assert g.dtype == np.asarray(w).dtype and np.array_equal(g, w)


def test_shape_static_and_unknown():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    s = ops.shape(x)
    assert s[1:] == (3, 4) and isinstance(s[0], tf.Tensor)
    with tf.Session() as sess:
        assert sess.run(s[0], {x: np.zeros((5, 3, 4))}) == 5
    assert ops.shape(tf.constant(A)) == (2, 3, 4)
    with pytest.raises(ValueError, match="`x1` and `x2` either both should be `None`"):
        ops.where(x > 0, x)
