"""Moving statistics of the static front end's batch normalisation after a few training steps,
against NumPy references written from the sources they follow:

- TF1's ``tf.layers.batch_normalization``: ``v -= (v - batch) * (1 - momentum)``; a 4-D input
  with channels on axis 1 or 3 runs TF's fused kernel, whose batch variance is the unbiased
  one (``n / (n - 1)``, n values per channel) and whose epsilon is at least 1.001e-5; other
  ranks (or ``fused=False``) average the biased variance.
- Keras 2.2.4 (TensorFlow backend, CPU): ``BatchNormalization.call`` multiplies the batch
  variance by ``n / (n - (1 + epsilon))``; for 4-D channels-last inputs the backend's
  ``normalize_batch_in_training`` is the fused kernel (so ``n / (n - 1)`` too); and the
  backend's ``moving_average_update`` is ``assign_moving_average(zero_debias=True)``.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _moments(x, axis):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    x = x.astype(np.float64)
    return x.mean(axes), x.var(axes), x.size // x.shape[axis]


def _tf1_reference(batches, axis, momentum, fused):
    c = batches[0].shape[axis]
    mm, mv = np.zeros(c), np.ones(c)
    for x in batches:
        mean, var, n = _moments(x, axis)
        if fused:
            var = var * n / max(n - 1, 1)
        mm = mm - (mm - mean) * (1 - momentum)
        mv = mv - (mv - var) * (1 - momentum)
    return mm, mv


def _keras_reference(batches, axis, momentum, eps, fused):
    c = batches[0].shape[axis]
    bm, bv = np.zeros(c), np.zeros(c)
    for t, x in enumerate(batches, 1):
        mean, var, n = _moments(x, axis)
        if fused:
            var = var * n / (n - 1)
        var = var * n / (n - (1.0 + eps))
        bm = bm - (bm - mean) * (1 - momentum)
        bv = bv - (bv - var) * (1 - momentum)
        mm, mv = bm / (1 - momentum ** t), bv / (1 - momentum ** t)
    return mm, mv


def _batches(shape, k=3, seed=0, scale=2.0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(shape) * scale + rng.uniform(-1, 1)).astype(np.float32)
            for _ in range(k)]


@pytest.mark.parametrize("shape,axis,fused,batch_dim", [
    ((5, 3, 2, 4), -1, None, None),     # NHWC, fused: unbiased; batch size fed at run time
    ((5, 4, 3, 2), 1, None, 5),         # NCHW, fused
    ((5, 3, 2, 4), 3, False, 5),        # fused=False: biased
    ((3, 4), -1, None, None),           # 2-D: not fused, biased (n = 3)
    ((3, 2, 4), -1, None, 3),           # 3-D: not fused
])
def test_tf_layers_moving_statistics(shape, axis, fused, batch_dim):
    xp = tf.placeholder(tf.float32, (batch_dim,) + shape[1:])
    training = tf.placeholder_with_default(False, ())
    kw = {} if fused is None else {"fused": fused}
    y = tf.layers.batch_normalization(xp, axis=axis, momentum=0.7, training=training, **kw)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    mm, mv = (next(v for v in tf.global_variables() if v.name.endswith(k + ":0"))
              for k in ("moving_mean", "moving_variance"))
    batches = _batches(shape)
    is_fused = fused is None and len(shape) == 4
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for x in batches:
            s.run([y, updates], {xp: x, training: True})
        want_m, want_v = _tf1_reference(batches, axis, 0.7, is_fused)
        np.testing.assert_allclose(s.run(mm), want_m, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(s.run(mv), want_v, rtol=1e-5, atol=1e-6)
        s.run([y, updates], {xp: batches[0]})           # inference: nothing moves
        np.testing.assert_allclose(s.run(mv), want_v, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [{"adjustment": lambda shape: (1.0, 0.0)},
                                {"virtual_batch_size": 2},
                                {"beta_regularizer": lambda v: v}])
def test_tf_layers_refuses_options_it_would_ignore(kw):
    x = tf.placeholder(tf.float32, (4, 3))
    with pytest.raises(NotImplementedError, match=f"batch_normalization: {next(iter(kw))}="):
        tf.layers.batch_normalization(x, training=True, **kw)
    assert not tf.global_variables() and not tf.get_collection(tf.GraphKeys.UPDATE_OPS)


def test_tf_layers_fused_epsilon_floor():
    """The fused kernel raises epsilon to 1.001e-5 (visible when the variance is tiny); the
    non-fused path keeps the given one."""
    x = _batches((4, 3, 3, 2), k=1, scale=0.01)[0]
    mean, var, _ = _moments(x, -1)
    for fused, eps in ((None, 1.001e-5), (False, 1e-6)):
        kw = {} if fused is None else {"fused": fused}
        y = tf.layers.batch_normalization(tf.constant(x), epsilon=1e-6, training=True, **kw)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            np.testing.assert_allclose(s.run(y), (x - mean) / np.sqrt(var + eps), rtol=1e-4,
                                       atol=1e-5)


@pytest.mark.parametrize("input_shape,axis,fused", [
    ((6,), -1, False),                  # 2-D: the layer's factor only
    ((3, 2, 4), -1, True),              # 4-D channels-last: fused kernel's n/(n-1) as well
    ((4, 3, 2), 1, False),              # 4-D channels-first on CPU: broadcast path
])
def test_keras_moving_statistics_follow_keras_2_2_4(input_shape, axis, fused):
    from dlcore_static.keras import backend as K
    from dlcore_static.keras.layers import BatchNormalization
    from dlcore_static.keras.models import Sequential
    K.clear_session()
    m = Sequential([BatchNormalization(axis=axis, momentum=0.8, epsilon=0.01,
                                       input_shape=input_shape)])
    m.compile("sgd", "mse")
    bn = m.layers[0]
    batches = _batches((4,) + input_shape, seed=1)
    for x in batches:
        m.train_on_batch(x, np.zeros_like(x))
    want_m, want_v = _keras_reference(batches, axis, 0.8, 0.01, fused)
    gamma, beta, mm, mv = bn.get_weights()
    np.testing.assert_allclose(mm, want_m, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(mv, want_v, rtol=2e-5, atol=1e-6)
    out = m.predict(batches[0])                          # inference: the moving statistics
    shape = [1] * (len(input_shape) + 1)
    shape[axis] = -1
    ref = ((batches[0] - mm.reshape(shape)) / np.sqrt(mv.reshape(shape) + 0.01)
           * gamma.reshape(shape) + beta.reshape(shape))
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(bn.get_weights()[3], mv)  # predict moved nothing
    assert len(bn.weights) == 4                              # the debias state is not a weight
    names = {v.name for v in m.graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)}
    base = bn.name + "/moving_variance/"
    assert {base + "biased:0", base + "local_step:0"} <= names


def test_keras_issue_10443_values():
    """keras-team/keras#10443 (Keras 2.2.0, TensorFlow): momentum 0 and zero initial moving
    statistics on [1, 2, 3, 4] give moving_mean 2.5 and moving_variance 1.6672224
    (1.25 * 4 / (4 - 1.001)), not the biased 1.25."""
    from dlcore_static.initializers import Constant
    from dlcore_static.keras import backend as K
    from dlcore_static.keras.layers import BatchNormalization
    from dlcore_static.keras.models import Sequential
    K.clear_session()
    m = Sequential([BatchNormalization(momentum=0, moving_mean_initializer=Constant(0),
                                       moving_variance_initializer=Constant(0),
                                       input_shape=(1,))])
    m.compile("sgd", "mse")
    x = np.array([1, 2, 3, 4], np.float32)[:, None]
    m.fit(x, 2 * x, batch_size=4, epochs=1, verbose=0)
    w = m.layers[0].get_weights()
    np.testing.assert_allclose(w[2], [2.5], rtol=1e-6)
    np.testing.assert_allclose(w[3], [1.6672224], rtol=1e-6)


def test_keras_zero_debias_forgets_the_initial_moving_values_and_fused_epsilon():
    """After one step the debiased average is the batch statistic itself whatever the initial
    moving values (momentum 0.9 without debiasing would give 0.9 * init + 0.1 * batch); a
    4-D channels-last training output uses epsilon >= 1.001e-5, as the fused kernel."""
    from dlcore_static.initializers import Constant
    from dlcore_static.keras import backend as K
    from dlcore_static.keras.layers import BatchNormalization, Input
    from dlcore_static.keras.models import Model
    K.clear_session()
    inp = Input((3, 3, 2))
    bn = BatchNormalization(momentum=0.9, epsilon=1e-6, moving_mean_initializer=Constant(5.0),
                            moving_variance_initializer=Constant(7.0))
    model = Model(inp, bn(inp, training=True))
    x = _batches((4, 3, 3, 2), k=1, scale=0.01)[0]
    out = model.predict(x)
    mean, var, n = _moments(x, -1)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1.001e-5), rtol=1e-4, atol=1e-5)
    mm, mv = bn.get_weights()[2:]
    np.testing.assert_allclose(mm, mean, rtol=1e-5, atol=1e-7)
    # 7 - (7 - 1e-4) in float32, as TensorFlow computes it: absolute error ~ulp(7)
    np.testing.assert_allclose(mv, var * n / (n - 1) * n / (n - (1 + 1e-6)), rtol=1e-4, atol=1e-6)
