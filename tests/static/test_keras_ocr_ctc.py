"""Keras layers called with several positional inputs (tf.keras's ``layer(y_true, y_pred)``)
and the keras.io example "OCR model for reading Captchas" written as the tutorial writes it
(imports renamed, tiny synthetic images instead of the download): a two-input functional
model whose CTC endpoint layer adds ``keras.backend.ctc_batch_cost`` with ``add_loss``,
compiled without a loss, fitted on arrays, then cut into a prediction model decoded with
``keras.backend.ctc_decode``."""

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers
from tests.io.summary_table import summary_rows


class _Combine(layers.Layer):
    """call(a, b, scale): two tensor arguments and a plain number."""

    def call(self, a, b, scale=1.0):
        return a * scale + b


def _combine_oracle(a, b, scale):
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")

    class Combine(k3.layers.Layer):
        def call(self, a, b, scale=1.0):
            return a * scale + b

    ia, ib = k3.Input(shape=(3,)), k3.Input(shape=(3,))
    m = k3.Model([ia, ib], Combine()(ia, ib, scale=scale))   # Keras 3: numbers by keyword
    return np.asarray(m.predict([a, b], verbose=0))


def test_layer_call_with_several_positional_inputs_matches_keras():
    rng = np.random.RandomState(0)
    a, b = rng.randn(4, 3).astype("float32"), rng.randn(4, 3).astype("float32")
    ia, ib = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    h = layers.Activation("linear", name="linear")(ia)
    layer = _Combine(name="combine")
    out = layer(h, ib, 2.0)
    m = keras.models.Model([ia, ib], out)
    got = m.predict([a, b])
    np.testing.assert_allclose(got, a * 2.0 + b, rtol=1e-6)
    np.testing.assert_allclose(got, _combine_oracle(a, b, 2.0), rtol=1e-6)
    # the node holds both tensors, so the model reaches both inputs
    assert [t.name for t in layer._nodes[0].inputs] == [h.name, ib.name]
    assert [lay.name for lay in m.layers][-1] == "combine"
    lines: list = []
    m.summary(print_fn=lines.append)
    assert len(lines) == 1                         # Keras 3: the whole text in one call
    row = next(r for r in summary_rows(lines[0]) if r[0] == "combine (_Combine)")
    assert row[3].startswith("linear[0][0], input_layer")     # (ellipsised at the width)
    # the model used as a layer calls the node again with the same argument structure
    ja, jb = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    outer = keras.models.Model([ja, jb], m([ja, jb]))
    np.testing.assert_allclose(outer.predict([b, a]), b * 2.0 + a, rtol=1e-6)


def test_disconnected_second_argument_is_still_an_error():
    ia = layers.Input(shape=(3,), name="a")
    other = layers.Input(shape=(3,), name="other")
    out = _Combine(name="combine")(ia, other)
    with pytest.raises(ValueError, match=r'Graph disconnected: cannot obtain value for tensor '
                       r'.*other.* at layer "combine"\. The following previous layers were '
                       r"accessed without issue: \['a'\]"):
        keras.models.Model(ia, out)


# ============================================================== the OCR captcha tutorial
def _ocr_program(epochs: int):
    """The keras.io OCR tutorial's code (model sizes shrunk), on synthetic captchas."""
    tf.set_random_seed(1)
    characters = sorted(list("abcd"))  # noqa: C414 - as the tutorial
    batch_size = 4
    img_width = 32
    img_height = 8
    max_length = 3

    char_to_num = {c: i for i, c in enumerate(characters)}
    num_to_char = {i: c for i, c in enumerate(characters)}

    rng = np.random.RandomState(0)
    labels_txt = ["".join(rng.choice(characters, max_length)) for _ in range(8)]
    images = np.zeros((8, img_width, img_height, 1), np.float32)
    for k, lab in enumerate(labels_txt):
        for j, c in enumerate(lab):
            i = char_to_num[c]
            images[k, 10 * j:10 * j + 8, 2 * i:2 * i + 2, 0] = 1.0
    images += 0.05 * rng.rand(*images.shape).astype(np.float32)
    y = np.array([[char_to_num[c] for c in lab] for lab in labels_txt], np.float32)

    class CTCLayer(layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.backend.ctc_batch_cost

        def call(self, y_true, y_pred):
            # Compute the training-time loss value and add it
            # to the layer using `self.add_loss()`.
            batch_len = tf.cast(tf.shape(y_true)[0], dtype="int64")
            input_length = tf.cast(tf.shape(y_pred)[1], dtype="int64")
            label_length = tf.cast(tf.shape(y_true)[1], dtype="int64")

            input_length = input_length * tf.ones(shape=(batch_len, 1), dtype="int64")
            label_length = label_length * tf.ones(shape=(batch_len, 1), dtype="int64")

            loss = self.loss_fn(y_true, y_pred, input_length, label_length)
            self.add_loss(loss)

            # At test time, just return the computed predictions
            return y_pred

    def build_model():
        # Inputs to the model
        input_img = layers.Input(
            shape=(img_width, img_height, 1), name="image", dtype="float32"
        )
        labels = layers.Input(name="label", shape=(None,), dtype="float32")

        # First conv block
        x = layers.Conv2D(
            8, (3, 3), activation="relu", kernel_initializer="he_normal",
            padding="same", name="Conv1",
        )(input_img)
        x = layers.MaxPooling2D((2, 2), name="pool1")(x)

        # Second conv block
        x = layers.Conv2D(
            8, (3, 3), activation="relu", kernel_initializer="he_normal",
            padding="same", name="Conv2",
        )(x)
        x = layers.MaxPooling2D((2, 2), name="pool2")(x)

        # Two max pools with pool size and strides 2: feature maps 4x smaller
        new_shape = ((img_width // 4), (img_height // 4) * 8)
        x = layers.Reshape(target_shape=new_shape, name="reshape")(x)
        x = layers.Dense(16, activation="relu", name="dense1")(x)
        x = layers.Dropout(0.2)(x)

        # RNNs
        x = layers.Bidirectional(layers.LSTM(8, return_sequences=True, dropout=0.25))(x)
        x = layers.Bidirectional(layers.LSTM(8, return_sequences=True, dropout=0.25))(x)

        # Output layer
        x = layers.Dense(len(characters) + 1, activation="softmax", name="dense2")(x)

        # Add CTC layer for calculating CTC loss at each step
        output = CTCLayer(name="ctc_loss")(labels, x)

        # Define the model
        model = keras.models.Model(
            inputs=[input_img, labels], outputs=output, name="ocr_model_v1"
        )
        # Optimizer
        opt = keras.optimizers.Adam(learning_rate=0.01)
        # Compile the model and return
        model.compile(optimizer=opt)
        return model

    model = build_model()
    data = {"image": images, "label": y}
    before = model.evaluate(data, batch_size=batch_size, verbose=0)
    history = model.fit(data, batch_size=batch_size, epochs=epochs, verbose=0)

    # the tutorial's input pipeline: tf.data batches of {"image", "label"} (no targets: the
    # loss is the CTC layer's), validation data and early stopping
    train_dataset = tf.data.Dataset.from_tensor_slices(data).batch(batch_size)
    validation_dataset = tf.data.Dataset.from_tensor_slices(
        {"image": images[:4], "label": y[:4]}).batch(batch_size)
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=1, restore_best_weights=True
    )
    history_ds = model.fit(
        train_dataset,
        validation_data=validation_dataset,
        epochs=2,
        callbacks=[early_stopping],
        verbose=0,
    )
    after = model.evaluate(data, batch_size=batch_size, verbose=0)

    prediction_model = keras.models.Model(
        model.get_layer(name="image").input, model.get_layer(name="dense2").output
    )

    def decode_batch_predictions(pred):
        input_len = np.ones(pred.shape[0]) * pred.shape[1]
        # Use greedy search. For complex tasks, you can use beam search
        results = keras.backend.ctc_decode(pred, input_length=input_len, greedy=True)[0][0][
            :, :max_length
        ]
        # Iterate over the output and map back to text
        output_text = []
        for res in keras.backend.get_value(results):
            res = "".join(num_to_char.get(int(r), "") for r in res)
            output_text.append(res)
        return output_text, results

    preds = prediction_model.predict(images[:batch_size])
    texts, results = decode_batch_predictions(preds)
    return {"model": model, "prediction_model": prediction_model, "before": before,
            "after": after, "history": history, "history_ds": history_ds, "preds": preds, "texts": texts,
            "results": results, "characters": characters}


def test_ocr_captcha_tutorial_trains_and_decodes():
    r = _ocr_program(epochs=3)
    model, pm = r["model"], r["prediction_model"]
    assert [t.name.split(":")[0] for t in model.inputs] == ["image", "label"]
    assert model.get_layer("ctc_loss").input[0] is model.inputs[1]
    assert len(r["history"].history["loss"]) == 3
    assert np.isfinite(r["before"]) and r["after"] < r["before"]
    hd = r["history_ds"].history
    assert len(hd["loss"]) == len(hd["val_loss"]) >= 1 and np.all(np.isfinite(hd["val_loss"]))
    # the prediction model shares the trained weights and gives softmax rows
    assert len(pm.weights) == len(model.weights)
    assert r["preds"].shape == (4, 8, 5)
    np.testing.assert_allclose(r["preds"].sum(-1), 1.0, rtol=1e-5)
    # greedy decode: (batch, longest) int64 padded with -1, as keras.backend.ctc_decode
    res = keras.backend.get_value(r["results"])
    assert res.dtype == np.int64 and res.shape[0] == 4 and res.shape[1] <= 3
    best = r["preds"].argmax(-1)
    for row, path, text in zip(res, best, r["texts"]):
        merged = [int(c) for k, c in enumerate(path) if c != 4 and (k == 0 or c != path[k - 1])]
        assert [int(c) for c in row if c >= 0] == merged[:3]
        assert text == "".join(r["characters"][c] for c in merged[:3])
