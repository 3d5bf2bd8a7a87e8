"""keras.ops inside Keras models (a functional model's ops on symbolic inputs, a Lambda layer,
a custom Layer's call, K.function) equal the same ops of Keras 3 (NumPy backend) on arrays;
finite-difference checks of the gradients of a sample of the differentiable ops; bad inputs
refused with a clear error naming the op."""

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import ops

from tests.static._keras_ops_table import keras3_ops

K3 = keras3_ops()
R = np.random.default_rng(2)
X = R.standard_normal((5, 4, 6)).astype(np.float32)


def _pipeline(o, x):
    """A keras.io style block: attention-ish mixing, normalization, activations, losses."""
    s = o.swapaxes(x, 1, 2)
    y = o.einsum("bij,bjk->bik", x, s) / o.sqrt(6.0)
    y = o.layer_normalization(o.gelu(y) + o.silu(y), epsilon=1e-5)
    y = o.logsumexp(y, axis=-1) + o.std(y, axis=-1) + o.cumsum(o.absolute(y), axis=1)[..., -1]
    z = o.take_along_axis(x, o.argsort(x, axis=-1), axis=-1)
    z = o.pad(o.flip(z, 1), ((0, 0), (1, 0), (0, 0)))[:, :4]
    z = o.softplus(o.moveaxis(z, 2, 1))
    return y + o.sum(z, axis=1)[:, :4] + o.norm(x, axis=-1)


def test_functional_model_and_k_function_equal_keras3():
    want = np.asarray(_pipeline(K3, X))
    inp = keras.Input((4, 6))
    out = _pipeline(ops, inp)
    model = keras.Model(inp, out)
    np.testing.assert_allclose(model.predict(X, verbose=0), want, rtol=1e-4, atol=1e-5)
    f = K.function([inp], [out])
    np.testing.assert_allclose(f([X])[0], want, rtol=1e-4, atol=1e-5)


def test_lambda_layer_and_custom_layer_call():
    class Mix(keras.layers.Layer):
        def call(self, x):
            w = ops.sparse_categorical_crossentropy(ops.argmax(x, axis=-1), ops.softmax(x))
            return ops.expand_dims(w, -1) * ops.repeat(ops.hard_sigmoid(x), 2, axis=-1)

    inp = keras.Input((4, 6))
    lam = keras.layers.Lambda(lambda v: ops.clip(ops.round(v * 2.0), -2.0, 2.0))(inp)
    out = Mix()(lam)
    model = keras.Model(inp, out)
    v = np.clip(np.round(X * 2.0), -2.0, 2.0)
    w = np.asarray(K3.sparse_categorical_crossentropy(K3.argmax(v, axis=-1), K3.softmax(v)))
    want = w[..., None] * np.asarray(K3.repeat(K3.hard_sigmoid(v), 2, axis=-1))
    np.testing.assert_allclose(model.predict(X, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_trains_through_the_new_ops():
    inp = keras.Input((6,))
    h = keras.layers.Dense(8)(inp)
    out = ops.sum(ops.elu(h) * ops.sigmoid(h), axis=-1, keepdims=True)
    model = keras.Model(inp, out)
    model.compile("sgd", "mse")
    y = R.standard_normal((32, 1)).astype(np.float32)
    xs = R.standard_normal((32, 6)).astype(np.float32)
    first = model.evaluate(xs, y, verbose=0)
    model.fit(xs, y, epochs=20, verbose=0)
    assert model.evaluate(xs, y, verbose=0) < first


GRADS = [
    ("gelu", lambda x: ops.sum(ops.gelu(x) ** 2)),
    ("elu/selu", lambda x: ops.sum(ops.elu(x) * ops.selu(x))),
    ("logsumexp", lambda x: ops.sum(ops.logsumexp(x, axis=1))),
    ("std", lambda x: ops.sum(ops.std(x, axis=0))),
    ("cumprod", lambda x: ops.sum(ops.cumprod(x, axis=1))),
    ("norm", lambda x: ops.norm(x)),
    ("layer_norm", lambda x: ops.sum(ops.layer_normalization(x) * ops.arange(4.0))),
    ("cce", lambda x: ops.sum(ops.categorical_crossentropy(ops.one_hot([0, 3, 1], 4), x,
                                                           from_logits=True))),
    ("take_along_axis", lambda x: ops.sum(ops.take_along_axis(x, ops.argsort(x, -1), -1)
                                          * ops.arange(4.0))),
    ("erf/log1p", lambda x: ops.sum(ops.erf(x) * ops.log1p(ops.square(x)))),
    ("pad/roll", lambda x: ops.sum(ops.roll(ops.pad(x, 1, mode="reflect"), 1, axis=0) *
                                   ops.arange(30.0).reshape((5, 6)) if hasattr(ops.arange(1.0), "reshape")
                                   else ops.roll(ops.pad(x, 1, mode="reflect"), 1, axis=0) *
                                   ops.reshape(ops.arange(30.0), (5, 6)))),
    ("inv", lambda x: ops.sum(ops.inv(x[:, :3][:3] + 3.0 * ops.eye(3)))),
    ("dot_product_attention", lambda x: ops.sum(ops.dot_product_attention(
        ops.reshape(x, (1, 3, 2, 2)), ops.reshape(x, (1, 3, 2, 2)),
        ops.reshape(x, (1, 3, 2, 2)) * 2.0) ** 2)),
]


@pytest.mark.parametrize("name,f", GRADS, ids=[g[0] for g in GRADS])
def test_gradients_match_finite_differences(name, f):
    x0 = R.standard_normal((3, 4)).astype(np.float64) * 0.8
    x = tf.placeholder(tf.float32, (3, 4))
    y = f(x)
    (g,) = tf.gradients(y, [x])
    with tf.Session() as sess:
        got = sess.run(g, {x: x0.astype(np.float32)})
        eps, num = 1e-2, np.zeros_like(x0)
        for i in np.ndindex(x0.shape):
            d = np.zeros_like(x0)
            d[i] = eps
            hi = sess.run(y, {x: (x0 + d).astype(np.float32)})
            lo = sess.run(y, {x: (x0 - d).astype(np.float32)})
            num[i] = (float(hi) - float(lo)) / (2 * eps)
    np.testing.assert_allclose(got, num, rtol=3e-2, atol=3e-2)


def test_bad_inputs_name_the_op_and_shapes():
    x = tf.constant(X)
    with pytest.raises(ValueError, match=r"Arguments `target` and `output` must have the same "
                                         r"shape. Received: target.shape=\(5, 4\)"):
        ops.binary_crossentropy(tf.zeros((5, 4)), x)
    with pytest.raises(ValueError, match=r"only supports 4D inputs. Received: "
                                         r"query.shape=\(5, 4, 6\)"):
        ops.dot_product_attention(x, x, x)
    with pytest.raises(ValueError, match=r"keras.ops.pad: mode must be 'constant', 'reflect' "
                                         r"or 'symmetric', got 'wrap'"):
        ops.pad(x, 1, mode="wrap")
    with pytest.raises(ValueError, match=r"keras.ops.glu: axis 0 must have an even length, "
                                         r"got shape \[5, 4, 6\]"):
        ops.glu(x, axis=0)
    with pytest.raises(ValueError, match=r"keras.ops.segment_sum: num_segments must be given"):
        ops.segment_sum(x, tf.placeholder(tf.int32, (5,)))
    with pytest.raises(ValueError, match=r"keras.ops.qr: .*Received: mode=full"):
        ops.qr(x[0], mode="full")
    with pytest.raises(ValueError, match=r"keras.ops.solve: expects square matrices in the "
                                         r"last two axes, got shape \(4, 6\)"):
        ops.solve(x[0], x[0])
    with pytest.raises(TypeError, match=r"keras.ops.ldexp: x2 must be an integer tensor"):
        ops.ldexp(x, x)
    # Keras 3 refuses the same inputs
    with pytest.raises(ValueError, match="must have the same shape"):
        K3.binary_crossentropy(np.zeros((5, 4)), X)
    with pytest.raises(ValueError, match="only supports 4D inputs"):
        K3.dot_product_attention(X, X, X)
