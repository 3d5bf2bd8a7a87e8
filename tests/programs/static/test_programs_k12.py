"""keras.io programs of the Keras 3 API (tiny sizes, random data) run on dlcore_static.keras and
compared with real Keras 3 (NumPy backend) where it can run them: "Image classification with
ConvMixer" (its depthwise convolution written as ``Conv2D(groups=filters)``; summary text,
parameter counts and predictions from the trained weights as Keras 3's), and the "Training &
evaluation with the built-in methods" guide's ``CategoricalTruePositives`` metric (a
``keras.metrics.Metric`` subclass in compile: logged per epoch, reset at each epoch's start;
evaluate's value recounted from the predictions and equal to Keras 3's on the same weights)."""

from __future__ import annotations

import os

import numpy as np
from test_programs_keras import HERE, keras3, run_program  # noqa: F401

import dlcore_static.keras as dk


def _keras3_functions(k3, name: str, start: str, end: str) -> dict:
    src = open(os.path.join(HERE, name)).read()
    ns = {"keras": k3, "layers": k3.layers, "np": np}
    exec(compile(src[src.index(start):src.index(end)], name, "exec"), ns)  # noqa: S102
    return ns


def test_convmixer(capsys, tmp_path, keras3, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "80")
    out, env = run_program("keras3_convmixer.py", capsys, [tmp_path])
    model = env["conv_mixer_model"]
    assert "epochs run: 2" in out and os.path.exists(tmp_path / "checkpoint.keras")
    grouped = [ly for ly in model.layers if getattr(ly, "groups", 1) > 1]
    assert len(grouped) == 2 and all(ly.kernel.shape.as_list() == [3, 3, 1, 8] for ly in grouped)
    acc = float(out.split("Test accuracy: ")[1].split("%")[0])
    p = model.predict(env["x_test"], verbose=0)
    assert abs(acc - round(100 * (p.argmax(1) == env["y_test"][:, 0]).mean(), 2)) < 1e-9
    ns = _keras3_functions(keras3, "keras3_convmixer.py", "def activation_block",
                           '"""\n## Model training and evaluation utility')
    keras3.backend.clear_session()
    ref = ns["get_conv_mixer_256_8"](image_size=16, filters=8, depth=2, kernel_size=3,
                                     patch_size=2)
    assert ref.count_params() == model.count_params() == 658
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(env["x_test"], verbose=0), p, rtol=1e-4, atol=1e-5)
    capsys.readouterr()
    ref.summary()
    theirs = capsys.readouterr().out
    ours = out[out.index('Model: "'):out.index(" Non-trainable params")]
    assert ours.split("\n", 1)[1] == theirs[theirs.index('Model: "'):theirs.index(
        " Non-trainable params")].split("\n", 1)[1]      # (the model's own name aside)


# keras.io's class, ``==`` written as ops.equal: dlcore_static's Tensor ``==`` is TF1's
# identity test (Python False: the count would stay 0)
CTP = '''
class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.equal(ops.cast(y_true, "int32"), ops.cast(y_pred, "int32"))
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def get_uncompiled_model():
    inputs = keras.Input(shape=(20,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model
'''


def test_training_guide_categorical_true_positives(keras3):  # noqa: F811
    dk.backend.clear_session()
    dk.utils.set_random_seed(3)
    ns = {"keras": dk, "layers": dk.layers, "ops": dk.ops}
    exec(CTP, ns)                                                     # noqa: S102
    rng = np.random.default_rng(0)
    protos = rng.normal(size=(10, 20))
    y_train = rng.integers(0, 10, 500)
    x_train = ((protos[y_train] + 0.8 * rng.normal(size=(500, 20))) * 0.5).astype("float32")
    model = ns["get_uncompiled_model"]()
    model.compile(
        optimizer=dk.optimizers.RMSprop(learning_rate=1e-3),
        loss=dk.losses.SparseCategoricalCrossentropy(),
        metrics=[ns["CategoricalTruePositives"]()],
    )
    h = model.fit(x_train, y_train, batch_size=64, epochs=3, verbose=0)
    ctp = h.history["categorical_true_positives"]
    assert len(ctp) == 3 and all(0 <= v <= 500 for v in ctp)
    assert ctp[2] > ctp[0] and ctp[2] > 250         # (reset per epoch: never above 500)
    hits = float((model.predict(x_train, verbose=0).argmax(1) == y_train).sum())
    res = model.evaluate(x_train, y_train, batch_size=64, verbose=0, return_dict=True)
    assert res["categorical_true_positives"] == hits
    k3 = keras3
    k3.backend.clear_session()
    ns3 = {"keras": k3, "layers": k3.layers, "ops": k3.ops}
    exec(CTP, ns3)                                                    # noqa: S102
    ref = ns3["get_uncompiled_model"]()
    ref.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                metrics=[ns3["CategoricalTruePositives"]()])
    ref.set_weights(model.get_weights())
    # (targets as (n, 1): tf.keras 2 expands a (n,) target to the (n, 1) argmax, Keras 3
    # broadcasts the two to (n, n))
    got = ref.evaluate(x_train, y_train.reshape(-1, 1), batch_size=64, verbose=0,
                       return_dict=True)
    assert got["categorical_true_positives"] == hits
    assert abs(got["loss"] - res["loss"]) < 1e-4
