"""The math API under TensorFlow's names, against NumPy."""

import numpy as np
import pytest

import dlcore_static as tf

A = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.5]], np.float32)
B = np.array([[1.5, 2.0, -1.0], [0.5, 4.0, 2.0]], np.float32)
P = np.abs(A) + 0.5

TABLE = {
    "add": (lambda a, b: tf.add(a, b), lambda a, b: a + b),
    "subtract": (lambda a, b: tf.subtract(a, b), lambda a, b: a - b),
    "multiply": (lambda a, b: tf.multiply(a, b), lambda a, b: a * b),
    "divide": (lambda a, b: tf.divide(a, b), lambda a, b: a / b),
    "pow": (lambda a, b: tf.pow(tf.abs(a), b), lambda a, b: np.abs(a) ** b),
    "exp": (lambda a, b: tf.exp(a), lambda a, b: np.exp(a)),
    "log": (lambda a, b: tf.log(tf.abs(a)), lambda a, b: np.log(np.abs(a))),
    "sqrt": (lambda a, b: tf.sqrt(tf.abs(a)), lambda a, b: np.sqrt(np.abs(a))),
    "tanh": (lambda a, b: tf.tanh(a), lambda a, b: np.tanh(a)),
    "sigmoid": (lambda a, b: tf.sigmoid(a), lambda a, b: 1 / (1 + np.exp(-a))),
    "nn.sigmoid": (lambda a, b: tf.nn.sigmoid(a), lambda a, b: 1 / (1 + np.exp(-a))),
    "abs": (lambda a, b: tf.abs(a), lambda a, b: np.abs(a)),
    "maximum": (lambda a, b: tf.maximum(a, b), np.maximum),
    "minimum": (lambda a, b: tf.minimum(a, b), np.minimum),
    "less": (lambda a, b: tf.less(a, b), np.less),
    "greater": (lambda a, b: tf.greater(a, b), np.greater),
    "equal": (lambda a, b: tf.equal(a, a), lambda a, b: a == a),
    "where": (lambda a, b: tf.where(a > b, a, b), lambda a, b: np.where(a > b, a, b)),
    "cast": (lambda a, b: tf.cast(a, tf.int32), lambda a, b: a.astype(np.int32)),
    "reshape": (lambda a, b: tf.reshape(a, (3, 2)), lambda a, b: a.reshape(3, 2)),
    "reshape-1": (lambda a, b: tf.reshape(a, [-1]), lambda a, b: a.reshape(-1)),
    "transpose": (lambda a, b: tf.transpose(a), lambda a, b: a.T),
    "matmul": (lambda a, b: tf.matmul(a, b, transpose_b=True), lambda a, b: a @ b.T),
    "reduce_sum": (lambda a, b: tf.reduce_sum(a, axis=1), lambda a, b: a.sum(1)),
    "reduce_sum_keep": (lambda a, b: tf.reduce_sum(a, axis=0, keepdims=True),
                        lambda a, b: a.sum(0, keepdims=True)),
    "reduce_mean": (lambda a, b: tf.reduce_mean(a), lambda a, b: a.mean()),
    "reduce_max": (lambda a, b: tf.reduce_max(a, axis=1), lambda a, b: a.max(1)),
    "reduce_min": (lambda a, b: tf.reduce_min(a, axis=[0, 1]), lambda a, b: a.min()),
    "argmax": (lambda a, b: tf.argmax(a, axis=1), lambda a, b: a.argmax(1)),
    "concat": (lambda a, b: tf.concat([a, b], axis=0), lambda a, b: np.concatenate([a, b])),
    "stack": (lambda a, b: tf.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1)),
    "expand_dims": (lambda a, b: tf.expand_dims(a, 1), lambda a, b: a[:, None]),
    "squeeze": (lambda a, b: tf.squeeze(tf.expand_dims(a, 0)), lambda a, b: a),
    "zeros": (lambda a, b: tf.zeros((2, 3)), lambda a, b: np.zeros((2, 3))),
    "ones": (lambda a, b: tf.ones((2, 3), tf.int32), lambda a, b: np.ones((2, 3), np.int32)),
    "fill": (lambda a, b: tf.fill((2, 2), 7.0), lambda a, b: np.full((2, 2), 7.0)),
    "constant": (lambda a, b: tf.constant([[1, 2]], dtype=tf.float64),
                 lambda a, b: np.array([[1.0, 2.0]])),
    "zeros_like": (lambda a, b: tf.zeros_like(a), lambda a, b: np.zeros_like(a)),
    "nn.relu": (lambda a, b: tf.nn.relu(a), lambda a, b: np.maximum(a, 0)),
    "nn.softmax": (lambda a, b: tf.nn.softmax(a),
                   lambda a, b: np.exp(a) / np.exp(a).sum(-1, keepdims=True)),
    "nn.log_softmax": (lambda a, b: tf.nn.log_softmax(a),
                       lambda a, b: a - np.log(np.exp(a).sum(-1, keepdims=True))),
    "softmax_ce_v2": (lambda a, b: tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=tf.nn.softmax(b), logits=a), lambda a, b: -(
        np.exp(b) / np.exp(b).sum(-1, keepdims=True) *
        (a - np.log(np.exp(a).sum(-1, keepdims=True)))).sum(-1)),
    "slice": (lambda a, b: a[1, 1:], lambda a, b: a[1, 1:]),
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_math_api_matches_numpy(name):
    build, ref = TABLE[name]
    a = tf.placeholder(tf.float32, A.shape)
    b = tf.placeholder(tf.float32, B.shape)
    out = build(a, b)
    with tf.Session() as sess:
        got = sess.run(out, {a: A, b: B})
    expect = np.asarray(ref(A, B))
    np.testing.assert_allclose(got, expect, rtol=1e-5, atol=1e-6)
    assert np.asarray(got).dtype == expect.dtype or expect.dtype == np.float64


def test_random_uniform_with_seed_and_dtype():
    r = tf.random_uniform((1000,), 0, 10, dtype=tf.int32, seed=1)
    with tf.Session() as sess:
        v = sess.run(r)
    assert v.dtype == np.int32 and v.min() >= 0 and v.max() < 10
