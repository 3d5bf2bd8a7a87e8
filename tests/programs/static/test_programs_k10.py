"""keras.io programs of the Keras 3 API (in this folder as keras3_*.py; tiny sizes, synthetic
data) run as scripts on dlcore_static.keras: the "Variational AutoEncoder" example (a
subclassed Model whose train_step uses tf.GradientTape, apply_gradients and Mean trackers;
keras.random.normal with a SeedGenerator), the Functional API guide's ticket model (dict
outputs, dict losses and loss weights, named dict inputs, a feature-extraction model).
Checked by their printed properties, against NumPy, and against real Keras 3 (NumPy backend,
inference only) given the same weights."""

from __future__ import annotations

import numpy as np
import pytest
from test_programs_keras import keras3, run_program  # noqa: F401


def _vae_parts(k):
    L = k.layers
    inp = k.Input((8, 8, 1))
    x = L.Conv2D(8, 3, activation="relu", strides=2, padding="same")(inp)
    x = L.Conv2D(16, 3, activation="relu", strides=2, padding="same")(x)
    x = L.Dense(16, activation="relu")(L.Flatten()(x))
    enc = k.Model(inp, [L.Dense(2)(x), L.Dense(2)(x)])
    lat = k.Input((2,))
    y = L.Reshape((2, 2, 16))(L.Dense(64, activation="relu")(lat))
    y = L.Conv2DTranspose(16, 3, activation="relu", strides=2, padding="same")(y)
    y = L.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(y)
    return enc, k.Model(lat, L.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(y))


def test_keras3_vae_custom_train_step(capsys, keras3):  # noqa: F811
    out, env = run_program("keras3_vae_train_step.py", capsys)
    assert "history keys: ['kl_loss', 'loss', 'reconstruction_loss']" in out
    h = env["history"].history
    loss = np.array(h["loss"])
    assert len(loss) == 4 and loss[-1] < loss[0] - 2
    np.testing.assert_allclose(loss, np.add(h["reconstruction_loss"], h["kl_loss"]), rtol=1e-4)
    vae, x = env["vae"], env["mnist_digits"]
    from dlcore_static.keras import backend as K
    t = vae.total_loss_tracker                  # the epoch's running mean over its 4 batches
    assert K.eval(t._count) == 4 and K.eval(t.result()) == pytest.approx(loss[-1], rel=1e-5)
    enc, dec = _vae_parts(keras3)               # the trained encoder/decoder in Keras 3
    enc.set_weights(env["encoder"].get_weights())
    dec.set_weights(env["decoder"].get_weights())
    zm = env["z_mean_test"]
    np.testing.assert_allclose(enc.predict(x[:16], verbose=0)[0], zm, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dec.predict(zm, verbose=0), env["x_decoded"], atol=1e-5)


def test_functional_api_ticket_model_dict_outputs(capsys, keras3):  # noqa: F811
    out, env = run_program("keras3_functional_api_tickets.py", capsys)
    assert "history keys: ['department_loss', 'loss', 'priority_loss']" in out
    assert "prediction keys: ['department', 'priority']" in out
    assert "feature shapes: [(4, 16), (4, 8)]" in out
    h = env["history"].history
    assert h["loss"][-1] < h["loss"][0] - 0.1
    np.testing.assert_allclose(h["loss"], np.add(h["priority_loss"],
                                                 0.2 * np.array(h["department_loss"])),
                               rtol=1e-4)
    model = env["model"]
    L = keras3.layers
    ins = [keras3.Input((None,)), keras3.Input((None,)), keras3.Input((6,))]
    a = L.LSTM(16)(L.Embedding(50, 8)(ins[0]))
    b = L.LSTM(8)(L.Embedding(50, 8)(ins[1]))
    x = L.concatenate([a, b, ins[2]])
    ref = keras3.Model(ins, {"priority": L.Dense(1)(x), "department": L.Dense(3)(x)})
    ref.set_weights(model.get_weights())
    data = [env["title_data"][:32], env["body_data"][:32], env["tags_data"][:32]]
    want = ref.predict(data, verbose=0)
    got = env["preds"]
    for k in ("priority", "department"):
        np.testing.assert_allclose(got[k], want[k], atol=1e-5)
    z = want["priority"][:, 0].astype(np.float64)             # BCE from logits, by hand
    t = env["priority_targets"][:32, 0]
    bce = np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
    ev = dict(zip(model.metrics_names, model.evaluate(data, {
        "priority": env["priority_targets"][:32],
        "department": env["dept_targets"][:32]}, verbose=0)))
    assert ev["priority_loss"] == pytest.approx(bce, abs=1e-5)


def test_timeseries_weather_forecasting(capsys, tmp_path, keras3):  # noqa: F811
    out, env = run_program("keras3_timeseries_weather.py", capsys, [tmp_path])
    assert "Input shape: (64, 12, 7)" in out and "Target shape: (64, 1)" in out
    h = env["history"].history
    assert len(h["loss"]) == 4 and h["loss"][-1] < 0.2 * h["loss"][0]
    x_train, feats = env["x_train"], env["features"]
    first = env["inputs_np"]                     # window i: rows i + 6k; target row 84 + i
    np.testing.assert_array_equal(first, x_train[np.arange(64)[:, None] + 6 * np.arange(12)])
    y, x = env["y"], env["x"]
    np.testing.assert_array_equal(y[:, 0], feats[env["label_start"]:][:64, 1])
    ckpt = tmp_path / "model_checkpoint.weights.h5"
    best = int(np.argmin(h["val_loss"])) + 1
    assert ckpt.exists() and f"Epoch {best}: val_loss improved" in out
    model = env["model"]
    model.load_weights(str(ckpt))                  # the best epoch's weights, in Keras 3 too
    L = keras3.layers
    inp = keras3.Input((12, 7))
    ref = keras3.Model(inp, L.Dense(1)(L.LSTM(8)(inp)))
    ref.load_weights(str(ckpt))
    p = ref.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x), p, atol=1e-5)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(np.mean((p - y) ** 2), rel=1e-4)


def test_timeseries_dataset_from_array_windows():
    import dlcore_static as tf
    from dlcore_static import keras
    d = np.arange(40, dtype="float32").reshape(20, 2)
    ds = keras.utils.timeseries_dataset_from_array(d, np.arange(20) * 10, 3, sequence_stride=2,
                                                   sampling_rate=2, batch_size=None,
                                                   start_index=1, end_index=15)
    nxt = tf.data.make_one_shot_iterator(ds).get_next()
    got = []
    with tf.Session() as s:
        try:
            while True:
                got.append(s.run(nxt))
        except tf.errors.OutOfRangeError:
            pass
    pos = np.arange(0, 14 - 4, 2)                   # Keras 3: end - start - (3 - 1) * 2
    assert len(got) == len(pos)
    for (w, t), p in zip(got, pos):
        np.testing.assert_array_equal(w, d[1 + p + np.arange(3) * 2])
        assert t == 10 * (1 + p)
    with pytest.raises(ValueError, match="`sampling_rate` must be higher than 0"):
        keras.utils.timeseries_dataset_from_array(d, None, 3, sampling_rate=0)


def test_simple_mnist_convnet(capsys, keras3):  # noqa: F811
    out, env = run_program("keras3_mnist_convnet.py", capsys)
    assert "x_train shape: (300, 14, 14, 1)" in out and "Total params: 1,573" in out
    h = env["history"].history
    assert sorted(h) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert h["loss"][-1] < h["loss"][0] and h["val_accuracy"][-1] > 0.5
    model, x, y = env["model"], env["x_test"], env["y_test"]
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((14, 14, 1)), L.Conv2D(8, 3, activation="relu"),
                             L.MaxPooling2D(2), L.Conv2D(16, 3, activation="relu"),
                             L.MaxPooling2D(2), L.Flatten(), L.Dropout(0.5),
                             L.Dense(5, activation="softmax")])
    ref.set_weights(model.get_weights())
    p = ref.predict(x, verbose=0).astype(np.float64)
    np.testing.assert_allclose(model.predict(x), p, atol=1e-5)
    loss, acc = env["score"]
    assert loss == pytest.approx(-np.mean(np.sum(y * np.log(p), 1)), abs=1e-4)
    assert acc == pytest.approx(np.mean(p.argmax(1) == y.argmax(1)), abs=1e-6)
    assert f"Test accuracy: {acc}" in out
