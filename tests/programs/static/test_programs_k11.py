"""keras.io programs of the Keras 3 API (in this folder as keras3_*.py; tiny sizes, synthetic
data) run as scripts on dlcore_static.keras and, where Keras 3's NumPy backend can run them
(building, summaries, inference), as the same source on real Keras 3: the "Sequential model"
guide (printed text compared line by line up to its training part), "Timeseries
classification with a Transformer model" (summary text and predictions with the trained
weights compared with Keras 3's), "Knowledge Distillation" (the Keras 3 version's Distiller
overriding compile, compute_loss and call; its evaluation loss recomputed in NumPy), the
"Training & evaluation with the built-in methods" guide's first sections (custom losses,
add_loss, an endpoint layer; each model's evaluation recomputed in NumPy), the Functional API
guide's toy ResNet (summary text as Keras 3's) and its registered custom layer rebuilt by
from_config."""

from __future__ import annotations

import os

import numpy as np
from test_programs_keras import HERE, keras3, run_program  # noqa: F401


def _keras3_stdout(k3, source: str, capsys) -> str:
    """What the program prints on Keras 3: its imports renamed back (``dlcore_static`` as
    ``tf`` -> ``keras.ops``, whose ``ones`` it calls), Keras 3's names counted from zero."""
    source = (source.replace("import dlcore_static as tf", "from keras import ops as tf")
              .replace("from dlcore_static import keras", "import keras")
              .replace("from dlcore_static.keras import layers", "from keras import layers"))
    k3.backend.clear_session()
    capsys.readouterr()
    exec(compile(source, "<keras 3>", "exec"), {"__name__": "__main__"})  # noqa: S102
    return capsys.readouterr().out


def test_sequential_model_guide(capsys, tmp_path, keras3, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "80")
    out, env = run_program("keras3_sequential_model_guide.py", capsys, [tmp_path])
    src = open(os.path.join(HERE, "keras3_sequential_model_guide.py")).read()
    head = src[:src.index('"""\n## Transfer learning')]      # (NumPy Keras 3 cannot fit)
    want = _keras3_stdout(keras3, head, capsys).splitlines()
    got = out.splitlines()
    assert got[:len(want)] == want
    assert "y shape: (3, 4)" in want and "2" in want and "Number of weights after calling " \
        "the model: 6" in want and "weight shapes: [(4, 3), (3,)]" in want
    assert "feature shapes: [(1, 123, 123, 32), (1, 121, 121, 32), (1, 119, 119, 32)]" in want
    rest = got[len(want):]
    assert rest[:2] == ["frozen layers unchanged: True", "trainable weights: 2"]
    losses = [float(v.strip("'")) for v in rest[2].split("[")[1].rstrip("]").split(", ")]
    assert len(losses) == 2 and np.isfinite(losses).all()
    assert os.path.exists(tmp_path / "pretrained.weights.h5")
    model = env["model"]
    assert [w.shape for w in model.trainable_weights] == [(8, 1000), (1000,)]
    assert "Non-trainable params: 136 (544.00 B)" in out and "base (Sequential)" in out


def _keras3_functions(k3, name: str, start: str, end: str) -> dict:
    """The program's model-building functions (from ``start`` to ``end``), defined on Keras
    3 (``keras``/``layers`` in their namespace)."""
    src = open(os.path.join(HERE, name)).read()
    ns = {"keras": k3, "layers": k3.layers, "np": np}
    exec(compile(src[src.index(start):src.index(end)], name, "exec"), ns)  # noqa: S102
    return ns


def test_timeseries_classification_transformer(capsys, tmp_path, keras3, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "100")
    out, env = run_program("keras3_timeseries_transformer.py", capsys, [tmp_path])
    first, last = (float(v) for v in out.split("loss ")[1].split("\n")[0].split(" -> "))
    assert last < 0.7 * first
    model, x_test, y_test = env["model"], env["x_test"], env["y_test"]
    assert x_test.shape == (32, 32, 1) and set(y_test) == {0, 1}
    test_loss, test_acc = env["test_loss"], env["test_acc"]
    probs = env["probs"]
    assert probs.shape == (32, 2) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    nll = -np.mean(np.log(probs[np.arange(32), y_test].astype(np.float64)))
    assert abs(nll - test_loss) < 1e-4
    assert abs((probs.argmax(axis=1) == y_test).mean() - test_acc) < 1e-6
    # (no accuracy threshold: it depends on the seed; the loss drop above, the accuracy
    # recomputed from the probabilities and the predictions == Keras 3's below are the checks)
    ns = _keras3_functions(keras3, "keras3_timeseries_transformer.py",
                           "def transformer_encoder", '"""\n## Train and evaluate')
    ns["n_classes"] = 2
    keras3.backend.clear_session()
    ref = ns["build_model"]((32, 1), head_size=8, num_heads=2, ff_dim=4,
                            num_transformer_blocks=2, mlp_units=[16], mlp_dropout=0.1,
                            dropout=0.1)
    assert ref.count_params() == model.count_params() == 326
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(x_test, verbose=0), probs, rtol=1e-4, atol=1e-5)
    summary = out[:out.index("epochs run:")]
    capsys.readouterr()
    ref.summary()                               # (the same names: both counted from zero)
    assert summary == capsys.readouterr().out
    assert "Total params: 326 (1.27 KB)" in summary and "add_3 (Add)" in summary


def test_knowledge_distillation_compute_loss_override(capsys, keras3):  # noqa: F811
    """Keras 3's Distiller: ``compile``, ``compute_loss`` and ``call`` overridden; fit and
    evaluate run Keras 3's default steps through them.  (Keras 3.15 with JAX, same program:
    the same history keys, and the teacher's weights change too: they are the Distiller's
    trainable weights and the distillation loss reaches them.)"""
    out, env = run_program("keras3_knowledge_distillation.py", capsys)
    assert "distiller history keys: ['loss', 'sparse_categorical_accuracy']" in out
    h = env["history"].history["loss"]
    assert len(h) == 3 and h[-1] < 0.9 * h[0]
    assert "teacher unchanged: False" in out
    distiller, x, y = env["distiller"], env["x_test"], env["y_test"]
    t = env["teacher"].predict(x, verbose=0).astype(np.float64)
    s = env["student"].predict(x, verbose=0).astype(np.float64)
    np.testing.assert_allclose(distiller.predict(x, verbose=0), s, rtol=1e-5, atol=1e-6)

    def log_softmax(z):
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    ce = -np.mean(log_softmax(s)[np.arange(len(y)), y])
    pt, ps = np.exp(log_softmax(t / 10)), np.exp(log_softmax(s / 10))
    kl = np.mean(np.sum(pt * (np.log(np.clip(pt, 1e-7, 1)) - np.log(np.clip(ps, 1e-7, 1))), 1))
    loss, acc = env["distilled_results"]
    assert abs(loss - (0.1 * ce + 0.9 * kl * 100)) < 1e-4 * max(1.0, loss)
    assert abs(acc - (s.argmax(axis=1) == y).mean()) < 1e-6
    L = keras3.layers                           # the trained student in Keras 3
    ref = keras3.Sequential([keras3.Input((14, 14, 1)), L.Conv2D(4, 3, strides=2, padding="same"),
                             L.LeakyReLU(negative_slope=0.2),
                             L.MaxPooling2D(2, strides=1, padding="same"),
                             L.Conv2D(8, 3, strides=2, padding="same"), L.Flatten(), L.Dense(5)])
    ref.set_weights(env["student"].get_weights())
    np.testing.assert_allclose(ref.predict(x, verbose=0), s, rtol=1e-4, atol=1e-5)


def _ce(probs, y):
    return -np.mean(np.log(probs[np.arange(len(y)), y.astype(int)].astype(np.float64)))


def test_training_with_builtin_methods_guide(capsys, keras3):  # noqa: F811
    out, env = run_program("keras3_training_builtin_methods.py", capsys)
    keys = "['loss', 'sparse_categorical_accuracy', 'val_loss', 'val_sparse_categorical_accuracy']"
    assert f"history keys: {keys}" in out and f"validation_split history keys: {keys}" in out
    assert "predictions shape: (3, 10)" in out and "endpoint history keys: ['loss']" in out
    x, y, xv = env["x_test"], env["y_test"], env["x_val"]
    p = env["model_split"].predict(x, verbose=0)            # (get_compiled_model's)
    loss, acc = env["model_split"].evaluate(x, y, batch_size=100, verbose=0)
    assert abs(loss - _ce(p, y)) < 1e-4 and abs(acc - (p.argmax(1) == y).mean()) < 1e-6
    L = keras3.layers                           # get_uncompiled_model in Keras 3
    inp = keras3.Input((20,))
    h = L.Dense(64, activation="relu")(L.Dense(64, activation="relu")(inp))
    ref = keras3.Model(inp, L.Dense(10, activation="softmax")(h))
    ref.set_weights(env["model_split"].get_weights())
    np.testing.assert_allclose(ref.predict(x, verbose=0), p, rtol=1e-4, atol=1e-6)
    onehot = np.eye(10, dtype=np.float32)[env["y_val"].astype(int)]
    pm = env["model_mse"].predict(xv, verbose=0).astype(np.float64)
    assert abs(env["model_mse"].evaluate(xv, onehot, batch_size=100, verbose=0) -
               np.mean((onehot - pm) ** 2)) < 1e-5
    pc = env["model_custom"].predict(xv, verbose=0).astype(np.float64)
    want = np.mean(np.mean((onehot - pc) ** 2, -1) + 0.1 * np.mean((0.5 - pc) ** 2, -1))
    assert abs(env["model_custom"].evaluate(xv, onehot, batch_size=100, verbose=0) - want) < 1e-5
    m = env["model_reg"]                        # CE from logits + 0.1 * sum of dense_1's output
    w1, b1 = m.get_layer("dense_1").get_weights()
    act = np.maximum(xv.astype(np.float64) @ w1 + b1, 0)
    logits = m.predict(xv, verbose=0).astype(np.float64)
    z = logits - logits.max(1, keepdims=True)
    ce = _ce(np.exp(z) / np.exp(z).sum(1, keepdims=True), env["y_val"])
    got = m.evaluate(xv, env["y_val"], batch_size=100, verbose=0)
    assert abs(got - (ce + 0.1 * act.sum())) < 1e-4 * max(1.0, got)
    data = env["data"]                          # the endpoint model: BCE from logits as its loss
    me = env["model_end"]
    pe = me.predict(data, verbose=0)
    w, b = next(ly for ly in me.layers if type(ly).__name__ == "Dense").get_weights()
    lg = data["inputs"] @ w + b
    t = data["targets"]
    bce = np.mean(np.maximum(lg, 0) - lg * t + np.log1p(np.exp(-np.abs(lg))))
    np.testing.assert_allclose(pe, np.exp(lg) / np.exp(lg).sum(1, keepdims=True), rtol=1e-4)
    assert abs(me.evaluate(data, verbose=0) - bce) < 1e-4


def test_functional_guide_toy_resnet_and_custom_layer(capsys, keras3, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "100")
    out, env = run_program("keras3_functional_toy_resnet.py", capsys)
    assert "history keys: ['acc', 'loss', 'val_acc', 'val_loss']" in out
    assert "rebuilt: ['InputLayer', 'CustomDense'] (None, 10)" in out
    src = open(os.path.join(HERE, "keras3_functional_toy_resnet.py")).read()
    head = src[:src.index("rng = np.random")]          # the model and its summary
    want = _keras3_stdout(keras3, head, capsys)
    assert out.startswith(want) and "add_1 (Add)" in want and "Connected to" in want
    ref = keras3.Model.from_config(env["model"].get_config())   # dlcore's config in Keras 3
    ref.set_weights(env["model"].get_weights())
    x = env["x_test"]
    np.testing.assert_allclose(ref.predict(x, verbose=0), env["model"].predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)
    new, old = env["new_model"], env["model_custom"]
    assert new.get_config()["layers"][1]["config"]["units"] == 10   # (Keras 3: no "name")
    new.set_weights(old.get_weights())
    a = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    w, b = old.get_weights()
    np.testing.assert_allclose(new.predict(a, verbose=0), a @ w + b, rtol=1e-5, atol=1e-6)
