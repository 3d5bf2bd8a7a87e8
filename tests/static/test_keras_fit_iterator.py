"""Keras ``fit``/``evaluate``/``predict`` on a dataset iterator, as tf.keras 1.13+ takes one
(``model.fit(dataset.make_one_shot_iterator(), steps_per_epoch=...)``): the same training as
the same batches given as arrays, the iterator continuing across epochs and calls, and
TensorFlow's errors and warning."""

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K


def _data(n=12):
    rng = np.random.RandomState(0)
    x = rng.randn(n, 3).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype("float32")
    return x, y


def _model(seed_weights=None):
    m = keras.models.Sequential([keras.layers.Dense(4, activation="tanh", input_shape=(3,)),
                                 keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    if seed_weights is not None:
        m.set_weights(seed_weights)
    return m


def test_fit_on_one_shot_iterator_equals_fit_on_the_same_batches():
    x, y = _data()
    ref = _model()
    w0 = ref.get_weights()
    # 2 epochs x 3 steps of batch 4 from a repeated dataset = the 12 samples twice, in order
    h_ref = ref.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    m = _model(w0)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat()
    it = ds.make_one_shot_iterator()
    h = m.fit(it, steps_per_epoch=3, epochs=2, verbose=0)
    np.testing.assert_allclose(h.history["loss"], h_ref.history["loss"], rtol=1e-5)
    for a, b in zip(m.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert h.params["steps"] == 3
    # the iterator goes on where fit stopped: evaluate's batch is the first one again (12 = 3x4)
    np.testing.assert_allclose(m.evaluate(it, steps=1, verbose=0),
                               m.evaluate(x[:4], y[:4], verbose=0), rtol=1e-5)
    # and the next one: predict on an iterator of (x, y) elements reads x
    np.testing.assert_allclose(m.predict(it, steps=2), m.predict(x[4:12]), rtol=1e-5,
                               atol=1e-6)


def test_initializable_iterator_started_in_the_keras_session_and_validation():
    x, y = _data()
    m = _model()
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(6)
    it = ds.make_initializable_iterator()
    K.get_session().run(it.initializer)
    val = tf.data.Dataset.from_tensor_slices((x, y)).batch(12).repeat()
    vit = val.make_one_shot_iterator()
    h = m.fit(it, steps_per_epoch=2, epochs=1, verbose=0, validation_data=vit,
              validation_steps=1)
    np.testing.assert_allclose(h.history["val_loss"], [m.evaluate(x, y, verbose=0)], rtol=1e-5)
    # the data ran out: training stops with TensorFlow's warning
    K.get_session().run(it.initializer)
    with pytest.warns(UserWarning, match=r"Your dataset iterator ran out of data; interrupting "
                      r"training\. .*at least `steps_per_epoch \* epochs` batches \(in this "
                      r"case, 6 batches\)"):
        h = m.fit(it, steps_per_epoch=3, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 1


def test_iterator_without_steps_is_tensorflows_error_and_changes_nothing():
    x, y = _data()
    m = _model()
    it = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).make_one_shot_iterator()
    w = m.get_weights()
    with pytest.raises(ValueError, match=r"^When using a Dataset iterator as input to a model, "
                       r"you should specify the `steps_per_epoch` argument\.$"):
        m.fit(it, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="specify the `steps` argument"):
        m.evaluate(it, verbose=0)
    with pytest.raises(ValueError, match="specify the `steps` argument"):
        m.predict(it)
    vit = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).make_one_shot_iterator()
    with pytest.raises(ValueError, match="specify the `validation_steps` argument"):
        m.fit(it, steps_per_epoch=1, validation_data=vit, verbose=0)
    with pytest.raises(ValueError, match="you should not specify a target"):
        m.fit(it, y, steps_per_epoch=1, verbose=0)
    for a, b in zip(m.get_weights(), w):
        np.testing.assert_array_equal(a, b)
    # nothing was read: the iterator's first batch is still the first
    np.testing.assert_allclose(m.predict(it, steps=1), m.predict(x[:4]), rtol=1e-5, atol=1e-6)
