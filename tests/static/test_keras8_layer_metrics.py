"""Session 21 (keras8), found running keras.io's endpoint layer pattern: a metric a layer owns
and updates in ``call`` is in ``fit``/``evaluate``'s logs (Keras 3), reset each epoch and
evaluation; a layer called with its inputs by keyword (``layer(logits=x, targets=t)``); a
loss class's (n, 1) sample weights on (n,) per-sample losses multiplied sample by sample, as
Keras 3 (they made an (n, n) outer product: mean(w) * mean(loss))."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import backend as K
from tests.io.real_keras import keras3

R = np.random.default_rng(218)


class Endpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_metric = keras.metrics.BinaryAccuracy(name="accuracy")

    def call(self, logits, targets=None, sample_weight=None):
        if targets is not None:
            self.add_loss(self.loss_fn(targets, logits, sample_weight))
            self.accuracy_metric.update_state(targets, keras.activations.sigmoid(logits),
                                              sample_weight)
        return logits


def _model(by_keyword=False):
    x = keras.Input((3,), name="x")
    t = keras.Input((1,), name="t")
    w = keras.Input((1,), name="w")
    logits = keras.layers.Dense(1, name="dense")(x)
    out = Endpoint()(logits=logits, targets=t, sample_weight=w) if by_keyword else \
        Endpoint()(logits, t, w)
    m = keras.Model([x, t, w], out)
    m.compile(keras.optimizers.SGD(0.0))              # (fixed weights: predictable values)
    return m


def _numpy(m, d):
    k, b = m.get_weights()
    logits = d["x"] @ k + b
    t, w = d["t"][:, 0], d["w"][:, 0]
    hit = ((logits[:, 0] > 0) == (t > 0.5)).astype(float)
    bce = np.maximum(logits, 0)[:, 0] - logits[:, 0] * t + np.log1p(np.exp(-np.abs(logits[:, 0])))
    return (w * bce).mean(), (w * hit).sum() / w.sum()


@pytest.mark.parametrize("by_keyword", [False, True])
def test_layer_metric_logged_over_the_epoch_and_reset(by_keyword):
    d = {"x": R.standard_normal((8, 3)).astype("float32"),
         "t": (R.random((8, 1)) > 0.5).astype("float32"),
         "w": R.random((8, 1)).astype("float32")}
    m = _model(by_keyword)
    assert m.metrics_names == ["loss", "accuracy"]
    h = m.fit(d, batch_size=4, epochs=2, verbose=0, shuffle=False).history
    loss, acc = _numpy(m, d)
    assert sorted(h) == ["accuracy", "loss"]
    np.testing.assert_allclose(h["accuracy"], [acc, acc], rtol=1e-6)   # (epoch 2 reset)
    np.testing.assert_allclose(h["loss"], [loss, loss], rtol=1e-5)
    half = {k: v[:4] for k, v in d.items()}
    got = m.evaluate(half, batch_size=2, verbose=0)
    np.testing.assert_allclose(got, _numpy(m, half), rtol=1e-5)        # (its own 4 only)
    # the layer called without targets (the inference model) builds no update
    x = keras.Input((3,))
    inf = keras.Model(x, Endpoint()(keras.layers.Dense(1)(x), targets=None))
    inf.compile(keras.optimizers.SGD(0.0), loss="mse")
    assert inf.metrics_names == ["loss"]


def test_layer_called_without_inputs_is_refused():
    with pytest.raises(TypeError, match="Layer endpoint_x: __call__\\(\\) missing the inputs"):
        Endpoint(name="endpoint_x")(targets=keras.Input((1,)))


@pytest.mark.parametrize("shape", [(6, 1), (6,)])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_loss_class_sample_weight_ranks_as_keras3(shape, reduction):
    k3 = keras3()
    t = R.random((6, 1)).astype("float32")
    p = (R.standard_normal((6, 1)) * 2).astype("float32")
    w = R.random(shape).astype("float32")
    for name, kw in (("BinaryCrossentropy", {"from_logits": True}), ("MeanSquaredError", {})):
        want = np.asarray(getattr(k3.losses, name)(reduction=reduction, **kw)(t, p, w))
        got = K.get_value(getattr(keras.losses, name)(reduction=reduction, **kw)(t, p, w))
        assert np.shape(got) == want.shape, (name, reduction, shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=f"{name} {reduction}")


def test_input_rank_adjusted_as_keras3():
    """An (n, 4) array for Input((4, 1)) gets its last axis, an (n, 4, 1) array for Input((4,))
    loses it (Keras 3's Functional._adjust_input_rank); other ranks keep Keras 2's error."""
    x = keras.Input((4, 1))
    m = keras.Model(x, keras.layers.Flatten()(x))
    a = R.random((3, 4)).astype("float32")
    np.testing.assert_array_equal(m.predict(a, verbose=0), a)
    y = keras.Input((4,))
    m2 = keras.Model(y, keras.layers.Dense(2)(y))
    np.testing.assert_allclose(m2.predict(a[..., None], verbose=0), m2.predict(a, verbose=0))
    with pytest.raises(ValueError, match="Error when checking input: expected .* to have 3 "
                                         "dimensions, but got array with shape \\(3, 4, 2, 2\\)"):
        m.predict(R.random((3, 4, 2, 2)).astype("float32"), verbose=0)
