"""Moving statistics of the static front end's batch normalisation after a few training steps,
against NumPy references written from the sources they follow:

- TF1's ``tf.layers.batch_normalization``: ``v -= (v - batch) * (1 - momentum)``; a 4-D input
  with channels on axis 1 or 3 runs TF's fused kernel, whose batch variance is the unbiased
  one (``n / (n - 1)``, n values per channel) and whose epsilon is at least 1.001e-5; other
  ranks (or ``fused=False``) average the biased variance.
- Keras 3's ``BatchNormalization`` (checked against Keras 3.15 itself, NumPy backend):
  ``moving = moving * momentum + batch * (1 - momentum)`` with the batch's biased variance,
  whatever the rank (Keras 2.2.4's n/(n-1-eps) factor and zero-debiasing are gone).
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


@pytest.mark.parametrize("input_shape,axis", [((6,), -1), ((3, 2, 4), -1), ((4, 3, 2), 1)])
def test_keras_moving_statistics_match_keras3(input_shape, axis):
    """Three training steps (train_on_batch here; the layer called with training=True in
    Keras 3, whose NumPy backend does not train): the same moving statistics within 1e-6, the
    same inference outputs."""
    from dlcore_static.initializers import Constant
    from dlcore_static.keras import backend as K
    from dlcore_static.keras.layers import BatchNormalization
    from dlcore_static.keras.models import Sequential
    from tests.io.real_keras import keras3
    k3 = keras3()
    K.clear_session()
    kw = {"axis": axis, "momentum": 0.8, "epsilon": 0.01}
    m = Sequential([BatchNormalization(**kw, moving_mean_initializer=Constant(0.5),
                                       moving_variance_initializer=Constant(2.0),
                                       input_shape=input_shape)])
    m.compile("sgd", "mse")
    bn = m.layers[0]
    kbn = k3.layers.BatchNormalization(**kw, moving_mean_initializer=k3.initializers.Constant(
        0.5), moving_variance_initializer=k3.initializers.Constant(2.0))
    kbn.build((None,) + input_shape)
    batches = _batches((4,) + input_shape, seed=1)
    for x in batches:
        m.train_on_batch(x, np.zeros_like(x))
        kbn(x, training=True)
    gamma, beta, mm, mv = bn.get_weights()
    np.testing.assert_allclose(mm, np.asarray(kbn.moving_mean), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(mv, np.asarray(kbn.moving_variance), rtol=1e-6, atol=1e-6)
    kbn.set_weights([gamma, beta, mm, mv])
    np.testing.assert_allclose(m.predict(batches[0]), np.asarray(kbn(batches[0])), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_array_equal(bn.get_weights()[3], mv)  # predict moved nothing
    assert len(bn.weights) == 4
    assert bn.get_config()["momentum"] == 0.8


def test_keras_issue_10443_values_are_keras3s():
    """keras-team/keras#10443's case (momentum 0, zero initial moving statistics, [1, 2, 3,
    4]): Keras 3 gives moving_mean 2.5 and the biased moving_variance 1.25 (Keras 2.2.0 gave
    1.6672224, 1.25 * 4 / (4 - 1.001))."""
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
    np.testing.assert_allclose(w[3], [1.25], rtol=1e-6)


def test_keras_initial_moving_values_count_and_epsilon_as_given():
    """No zero-debiasing: after one step the average is 0.9 * init + 0.1 * batch; a 4-D
    channels-last training output uses epsilon as given (1e-6, no fused 1.001e-5 floor)."""
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
    mean, var, _ = _moments(x, -1)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-6), rtol=1e-4, atol=1e-5)
    mm, mv = bn.get_weights()[2:]
    np.testing.assert_allclose(mm, 0.9 * 5.0 + 0.1 * mean, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(mv, 0.9 * 7.0 + 0.1 * var, rtol=1e-6, atol=1e-6)
