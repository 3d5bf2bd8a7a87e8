"""keras.io guides run on dlcore_static.keras (imports renamed) and, where Keras 3's NumPy
backend can run them, compared with Keras 3: "Working with RNNs" (summaries, stateful LSTM
states and their reuse as another layer's initial state, LSTM vs RNN(LSTMCell), a cell with
nested inputs and states)."""

from __future__ import annotations

import os

import numpy as np
from test_programs_keras import HERE, keras3, run_program  # noqa: F401


def _keras3_run(k3, source: str, capsys) -> tuple[str, dict]:
    """What a program prints on Keras 3 and its globals: imports renamed back."""
    source = (source.replace("import dlcore_static as tf\n", "")
              .replace("from dlcore_static import keras", "import keras")
              .replace("from dlcore_static.keras import layers", "from keras import layers"))
    k3.backend.clear_session()
    capsys.readouterr()
    ns: dict = {"__name__": "__main__"}
    exec(compile(source, "<keras 3>", "exec"), ns)                 # noqa: S102
    return capsys.readouterr().out, ns


def test_working_with_rnns_guide(capsys, keras3, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "80")
    out, env = run_program("keras_working_with_rnns.py", capsys)
    # tf.keras 2's Embedding has the input shape (None,): both Sequentials are built, with
    # the guide's parameter counts (Keras 3 leaves them unbuilt)
    assert out.count("Total params: 164,106") == 1 and out.count("Total params: 361,866") == 1
    assert "│ gru (GRU)                       │ (None, None, 256)      │       247,296 │" in out
    src = open(os.path.join(HERE, "keras_working_with_rnns.py")).read()
    theirs, ns3 = _keras3_run(keras3, src[:src.index("# ## Performance optimization")], capsys)
    # from the seq2seq model on, Keras 3 prints the same (its model counted from zero)
    ours = out[out.index("┃ Layer (type)        ┃ Output Shape      ┃"):]
    theirs = theirs[theirs.index("┃ Layer (type)        ┃ Output Shape      ┃"):]
    assert ours[:len(theirs)] == theirs and "encoder[0][1]," in theirs
    assert "seq2seq output shape: (3, 10)\nstates after reset are zero: True\n" in theirs
    assert "bidirectional_1 (Bidirectional) │ (None, 64)             │        41,216" in theirs
    # state reuse: the stateful layer's states after two batches, and the new layer started
    # from them, equal Keras 3's with the same weights
    L3 = keras3.layers
    ref = L3.LSTM(64, stateful=True)
    ref.build((20, 10, 50))
    ref.set_weights(env["lstm_layer"].get_weights())
    ref(env["paragraph1"])
    ref(env["paragraph2"])
    for a, b in zip(env["saved_states"], ref.states):
        np.testing.assert_allclose(a, keras3.ops.convert_to_numpy(b), rtol=1e-4, atol=1e-5)
    ref2 = L3.LSTM(64)
    ref2.build((20, 10, 50))
    ref2.set_weights(env["new_lstm_layer"].get_weights())
    want = ref2(env["paragraph3"], initial_state=[keras3.ops.convert_to_numpy(s)
                                                 for s in ref.states])
    got = env["new_lstm_layer"](env["paragraph3"], initial_state=env["saved_states"])
    import dlcore_static.keras as dk
    np.testing.assert_allclose(dk.ops.convert_to_numpy(got), keras3.ops.convert_to_numpy(want),
                               rtol=1e-4, atol=1e-5)
    # LSTM and RNN(LSTMCell) with the same weights; training lowers the loss
    assert "same predictions with RNN(LSTMCell): True" in out
    h = env["history"].history
    assert h["loss"][1] < h["loss"][0] and len(h["val_accuracy"]) == 2
    model, sample = env["model"], env["sample"]
    pred = int(np.argmax(model.predict(sample[None], verbose=0)))
    assert f"Predicted result is: [{pred}], target result is: {env['sample_label']}" in out
    # the nested cell: its outputs are the last step's inputs times their kernels (its states
    # the sums over the steps)
    nested, cell = env["nested"], env["cell"]
    x1, x2 = env["input_data"]
    k1 = dk.ops.convert_to_numpy(cell.kernel_1).astype(np.float64)
    k23 = dk.ops.convert_to_numpy(cell.kernel_2_3).astype(np.float64)
    o1, o23 = nested.predict([x1, x2], verbose=0)
    np.testing.assert_allclose(o1, x1[:, -1] @ k1, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(o23, np.einsum("bij,ijkl->bkl", x2[:, -1], k23), rtol=1e-4,
                               atol=1e-6)
    import dlcore_static as tf
    inp = [dk.Input((None, 32)), dk.Input((None, 64, 32))]
    seq = dk.layers.RNN(env["NestedCell"](10, 20, 30), return_state=True)
    outs = seq(tuple(inp))
    assert len(outs) == 4 and outs[3].shape.as_list() == [None, 20, 30]
    states = dk.Model(inp, outs).predict([x1[:4], x2[:4]], verbose=0)[2:]
    k1b, k23b = (dk.ops.convert_to_numpy(w).astype(np.float64) for w in seq.cell.weights)
    np.testing.assert_allclose(states[0], x1[:4].sum(1) @ k1b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(states[1], np.einsum("bij,ijkl->bkl", x2[:4].sum(1), k23b),
                               rtol=1e-4, atol=1e-4)
    assert tf is not None
    losses = env["nested_history"].history["loss"]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert [w.name for w in nested.weights] == ["nested_cell/kernel_1:0",
                                                "nested_cell/kernel_2_3:0"]


def _grams(text: str, n: int = 1) -> list:
    """tf.keras 2's default standardize (lower case, ASCII punctuation removed) and split,
    and with ``n=2`` the bigrams after the words."""
    import string
    words = "".join(c for c in text.lower() if c not in string.punctuation).split()
    return words + [" ".join(p) for p in zip(words, words[1:])] if n == 2 else words


def test_preprocessing_layers_guide(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_preprocessing_layers.py", capsys)
    assert out.startswith("Features mean: 0.00\nFeatures std: 1.00\n")
    data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]])
    ref = keras3.layers.Normalization()
    ref.adapt(data)
    x = np.array([[0.1, 2.0, -1.0]])
    import dlcore_static.keras as dk
    ours = dk.layers.Normalization()
    ours.adapt(data)
    np.testing.assert_allclose(dk.ops.convert_to_numpy(ours(x)), ref(x), rtol=1e-5)
    # Greek lines: index 0 padding, 1 OOV, the rest by falling frequency; decoding gives back
    # each standardized line
    v = env["vectorized_text"]
    assert v.shape == (8, 9) and "vocabulary size: 54" in out
    vocab = env["greek_vocab"]
    assert vocab[:2] == ["", "[UNK]"] and len(vocab) == 54
    lines = [_grams(t) for t in env["greek"]]
    for row, words in zip(v, lines):
        assert [vocab[i] for i in row if i] == words
    counts = [sum(ws.count(t) for ws in lines) for t in vocab[2:]]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    # the guide's printed results (tf.keras 2)
    assert "[[1 3 4]\n [4 0 2]]" in out
    onehot = np.eye(4)[[1, 2, 3, 0, 0, 0]]
    assert str(onehot) in out
    assert "[[0. 0. 1. 0. 0.]\n [0. 0. 1. 0. 0.]\n [0. 1. 0. 0. 0.]\n [1. 0. 0. 0. 0.]\n" \
        " [1. 0. 0. 0. 0.]\n [0. 0. 0. 0. 1.]]" in out
    assert "integer vocabulary: [-1, 20, 10, 30, 0]" in out
    assert "(10000, 64)" in out
    # Discretization: the fixed boundaries as Keras 3; adapted ones near the quartiles
    d3 = keras3.layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0])
    xd = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
    assert str(np.asarray(d3(xd))) in out
    np.testing.assert_allclose(env["quantiles"].bin_boundaries,
                               np.quantile(np.arange(100), [0.25, 0.5, 0.75]), atol=1.0)
    # token indices, multi-hot bigrams and TF-IDF recomputed from the adapted vocabularies
    docs = list(env["adapt_data"])
    sentence = "The Brain is deeper than the sea"
    assert "Encoded text:\n [[ 2 19 14  1  9  2  1]]" in out
    tv = env["text_vectorizer"]                           # (the TF-IDF one)
    vocab = tv.get_vocabulary()
    assert vocab[0] == "[UNK]"
    df = {t: sum(t in set(_grams(d, 2)) for d in docs) for t in vocab[1:]}
    idf = {t: np.log(1 + len(docs) / (1 + df[t])) for t in vocab[1:]}
    grams = _grams(sentence, 2)
    want = np.zeros(len(vocab))
    for g in grams:
        if g in idf:
            want[vocab.index(g)] += idf[g]
        else:
            want[0] += np.mean(list(idf.values()))
    got = dk.ops.convert_to_numpy(tv([sentence]))[0]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    assert sum(g not in idf for g in grams) == 5
    multi = np.array([g in set(grams) for g in vocab[1:]], dtype=float)
    printed = out.split("Encoded text:\n")[2].split("Model output")[0]
    vals = np.array([float(t) for t in printed.replace("[", " ").replace("]", " ").split()])
    np.testing.assert_array_equal(vals, np.concatenate([[1.0], multi]))
    for name in ("seq_history", "multi_hot_history", "tfidf_history"):
        loss = env[name].history["loss"]
        assert len(loss) == 2 and np.isfinite(loss).all()
    assert out.count("Model output: (1, 1)") == 3
    e2e, model = env["end_to_end_model"], env["model"]
    vec = dk.ops.convert_to_numpy(tv(["The one the other will absorb"]))
    np.testing.assert_allclose(e2e.predict(env["test_data"], verbose=0),
                               model.predict(vec, verbose=0), rtol=1e-5)


def test_making_new_layers_and_models_guide(capsys):
    out, env = run_program("keras_making_new_layers.py", capsys)
    import dlcore_static.keras as dk
    show = dk.ops.convert_to_numpy
    # the guide's printed results (tf.keras 2, eager): ComputeSum's total moves on per call
    assert out.startswith("(2, 4)\n[2. 2.]\n[4. 4.]\nweights: 1\nnon-trainable weights: 1\n"
                          "trainable_weights: []\nbuilt on first call: [(2, 32), (32,)]\n"
                          "weights: 6\ntrainable weights: 6\nlosses: [0.0]\n"
                          "kernel regularization losses: 1\n{'units': 64}\n")
    layer = env["layer"]
    assert "from_config units: 64\ndropout training: 1 inference: 1\n" in out
    reg = env["OuterLayerWithKernelRegularizer"]()
    reg(np.zeros((1, 1), "float32"))
    k = show(reg.dense.kernel).astype(np.float64)
    assert len(reg.losses) == 1 and abs(float(show(reg.losses[0])) - 1e-3 * (k ** 2).sum()) \
        < 1e-6
    outer = env["OuterLayer"]()
    outer(np.full((2, 1), 3.0, "float32"))
    assert [float(show(v)) for v in outer.losses] == [np.float32(0.06)]
    x, y = env["x_reg"], env["y_reg"]
    assert abs(env["reg_history"].history["loss"][0] - (((x - y) ** 2).mean() + 0.01 * x.sum())) \
        < 1e-5
    assert abs(env["reg_only"].history["loss"][0] - 0.01 * x.sum()) < 1e-5
    vae = env["vae"]
    losses = env["vae_history"].history["loss"]
    assert losses[1] < losses[0] and len(vae.weights) == 10 and len(vae.losses) == 1
    assert [w.shape for w in vae.get_weights()][:2] == [(784, 64), (64,)]
    assert layer.units == 64


def test_training_builtin_methods_guide_part2(capsys, tmp_path, keras3, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "80")
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out, env = run_program("keras3_training_builtin_methods_part2.py", capsys, [tmp_path])
    # an output compiled without a loss: tf.keras 2's warning, its weights left out
    msg = [str(w.message) for w in caught if "Gradients do not exist" in str(w.message)]
    assert msg == ["Gradients do not exist for variables ['score_output/kernel:0', "
                   "'score_output/bias:0'] when minimizing the loss. If you're using "
                   "`model.compile()`, did you forget to provide a `loss` argument?"]
    # class_weight == the same weights given per sample
    for a, b in zip(env["class_weight_model"].get_weights(),
                    env["sample_weight_model"].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert env["class_weight_history"].history["loss"] == \
        env["sample_weight_history"].history["loss"]
    # the multi-input, multi-output model: summary and evaluation as Keras 3's
    multi = env["multi_model"]
    k3, L = keras3, keras3.layers
    k3.backend.clear_session()
    img, ts = k3.Input((16, 16, 3), name="img_input"), k3.Input((None, 4), name="ts_input")
    x = L.concatenate([L.GlobalMaxPooling2D()(L.Conv2D(3, 3)(img)),
                       L.GlobalMaxPooling1D()(L.Conv1D(3, 3)(ts))])
    ref = k3.Model([img, ts], [L.Dense(1, name="score_output")(x),
                               L.Dense(5, name="class_output")(x)])
    capsys.readouterr()
    ref.summary()
    theirs = capsys.readouterr().out
    assert out[out.index("┏"):out.index(" Total params")] == \
        theirs[theirs.index("┏"):theirs.index(" Total params")]
    ref.set_weights(multi.get_weights())
    ref.compile(optimizer="rmsprop",
                loss={"score_output": k3.losses.MeanSquaredError(),
                      "class_output": k3.losses.CategoricalCrossentropy()},
                metrics={"score_output": [k3.metrics.MeanAbsolutePercentageError(),
                                          k3.metrics.MeanAbsoluteError()],
                         "class_output": [k3.metrics.CategoricalAccuracy()]},
                loss_weights={"score_output": 2.0, "class_output": 1.0})
    data = {"img_input": env["img_data"], "ts_input": env["ts_data"]}
    targets = {"score_output": env["score_targets"], "class_output": env["class_targets"]}
    want = ref.evaluate(data, targets, verbose=0, return_dict=True)
    # (the model was compiled again with one loss since: the dict compile once more)
    import dlcore_static.keras as dk
    multi.compile(optimizer="rmsprop",
                  loss={"score_output": dk.losses.MeanSquaredError(),
                        "class_output": dk.losses.CategoricalCrossentropy()},
                  metrics={"score_output": [dk.metrics.MeanAbsolutePercentageError(),
                                            dk.metrics.MeanAbsoluteError()],
                           "class_output": [dk.metrics.CategoricalAccuracy()]},
                  loss_weights={"score_output": 2.0, "class_output": 1.0})
    got = multi.evaluate(data, targets, verbose=0, return_dict=True)
    assert sorted(got) == sorted(want) == sorted(env["dict_history"].history)
    for k in want:
        assert abs(got[k] - want[k]) < 1e-3 * max(1.0, abs(want[k])), k
    score, cls = multi.predict(data, verbose=0)
    p = np.clip(cls / cls.sum(1, keepdims=True), 1e-7, 1 - 1e-7)  # (Keras' normalising)
    cce = float(-(env["class_targets"] * np.log(p)).sum(1).mean())
    assert np.allclose(env["one_loss"], [cce, cce], rtol=1e-4)   # (loss, class_output_loss)
    # EarlyStopping: it stopped exactly where 2 epochs in a row gained less than 1e-2
    val = env["early_history"].history["val_loss"]
    best, wait, stop = val[0], 0, None
    for i, v in enumerate(val[1:], start=1):
        if v < best - 1e-2:
            best, wait = v, 0
        else:
            wait += 1
            if wait >= 2:
                stop = i
                break
    assert len(val) == (20 if stop is None else stop + 1)
    assert ("Epoch %d: early stopping" % len(val) in out) == (stop is not None)
    # checkpoints: one per improved epoch, the last reloads the trained weights
    vl = env["ckpt_history"].history["val_loss"]
    names = sorted(os.listdir(tmp_path))
    assert names == ["model_1.keras"] + (["model_2.keras"] if vl[1] < vl[0] else [])
    assert "Epoch 1: val_loss improved from None to %.5f, saving model to %s" % (
        vl[0], os.path.join(tmp_path, "model_1.keras")) in out
    if vl[1] < vl[0]:
        xv = env["x_val"]
        for a, b in zip(env["restored"].get_weights(), env["ckpt_model"].get_weights()):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(env["restored"].predict(xv, verbose=0),
                                   env["ckpt_model"].predict(xv, verbose=0), rtol=1e-6)
    assert "lr at step 0 and 200000: 0.10000000149011612 0.09216" in out
    assert "batch losses: 5" in out


def test_conv2d_convolution_op_override(capsys, keras3, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "80")
    out, env = run_program("keras3_conv2d_convolution_op.py", capsys)
    model, x = env["model"], env["x_train"][:32]
    h = env["history"].history
    assert len(h["loss"]) == 2 and np.isfinite(h["loss"]).all()
    src = open(os.path.join(HERE, "keras3_conv2d_convolution_op.py")).read()
    ns = {"keras": keras3, "layers": keras3.layers, "ops": keras3.ops, "np": np}
    exec(compile(src[src.index("class StandardizedConv2DWithOverride"):
                     src.index("num_classes = 10")], "<keras 3>", "exec"), ns)  # noqa: S102
    keras3.backend.clear_session()
    L = keras3.layers
    ref = keras3.Sequential([
        keras3.layers.Input(shape=(16, 16, 1)),
        ns["StandardizedConv2DWithCall"](8, kernel_size=(3, 3), activation="relu"),
        L.MaxPooling2D(pool_size=(2, 2)),
        ns["StandardizedConv2DWithOverride"](16, kernel_size=(3, 3), activation="relu"),
        L.MaxPooling2D(pool_size=(2, 2)), L.Flatten(), L.Dropout(0.5),
        L.Dense(10, activation="softmax")])
    capsys.readouterr()
    ref.summary()
    theirs = capsys.readouterr().out
    assert out[out.index("┏"):out.index("Epoch 1/2")] == theirs[theirs.index("┏"):]
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-6)
    # keras.ops.conv / moments as Keras 3's (strides, 'same', channels_first, 1-D)
    import dlcore_static.keras as dk
    rng = np.random.default_rng(1)
    for xs, ks, kw in [((2, 9, 9, 3), (3, 3, 3, 4), {"strides": 2, "padding": "same"}),
                       ((2, 3, 9, 9), (3, 3, 3, 4), {"data_format": "channels_first"}),
                       ((2, 10, 3), (4, 3, 5), {"dilation_rate": 2})]:
        a, k = rng.normal(size=xs).astype("float32"), rng.normal(size=ks).astype("float32")
        np.testing.assert_allclose(dk.ops.convert_to_numpy(dk.ops.conv(a, k, **kw)),
                                   keras3.ops.conv(a, k, **kw), rtol=1e-4, atol=1e-5)
        for got, want in zip(dk.ops.moments(a, axes=[0, 1], keepdims=True),
                             keras3.ops.moments(a, axes=[0, 1], keepdims=True)):
            np.testing.assert_allclose(dk.ops.convert_to_numpy(got), want, rtol=1e-5,
                                       atol=1e-6)


def test_trainer_pattern(capsys):
    out, env = run_program("keras3_trainer_pattern.py", capsys)
    h1, h2 = env["history_1"].history, env["history_2"].history
    keys = ["sparse_categorical_accuracy", "val_sparse_categorical_accuracy"]
    assert sorted(h1) == sorted(h2) == keys
    acc = h2["sparse_categorical_accuracy"]
    assert len(acc) == 3 and acc[2] > acc[0]
    # test_step: the wrapped model in inference mode, the metric counted over the test set
    model_b, x_test, y_test = env["model_b"], env["x_test"], env["y_test"]
    w1, b1, w2, b2 = (w.astype(np.float64) for w in model_b.get_weights())
    logits = np.maximum(x_test @ w1 + b1, 0) @ w2 + b2
    assert h2["val_sparse_categorical_accuracy"][-1] == \
        np.float32(np.mean(logits.argmax(1) == y_test))
    assert "model_b test accuracy: %.4f" % np.mean(logits.argmax(1) == y_test) in out
    # the trainer's weights are its model's (each trainer trained its own)
    t2 = env["trainer_2"]
    assert [v.name for v in t2.trainable_variables] == \
        [v.name for v in model_b.trainable_variables]
    assert not set(v.name for v in env["model_a"].weights) & set(v.name for v in model_b.weights)
    np.testing.assert_allclose(t2.predict(x_test, verbose=0), model_b.predict(x_test, verbose=0),
                               rtol=1e-6)


def test_serialization_and_saving_guide(capsys, tmp_path, keras3):  # noqa: F811
    out, env = run_program("keras3_serialization_and_saving.py", capsys, [tmp_path])
    assert "members: ['config.json', 'metadata.json', 'model.weights.h5']" in out
    assert "layer weights copied: True" in out and "pretrained layers transferred: True" in out
    assert "clone has new weights: True" in out
    assert np.isfinite(env["history"].history["loss"]).all()
    x = env["test_input"]
    # the files and the JSON as Keras 3 reads them
    ref = keras3.models.load_model(str(tmp_path / "my_model.keras"))
    np.testing.assert_allclose(ref.predict(x, verbose=0), env["model"].predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert ref.optimizer.__class__.__name__ == "Adam"
    # (to_json writes Keras 2's JSON, which Keras 3's model_from_json refuses; Keras 3's
    # JSON reads here)
    assert [tuple(w.shape) for w in env["new_from_json"].get_weights()] == [(32, 1), (1,)]
    i3 = keras3.Input((32,))
    j3 = keras3.Model(i3, keras3.layers.Dense(1)(i3)).to_json()
    import dlcore_static.keras as dk
    assert [w.shape for w in dk.models.model_from_json(j3).get_weights()] == [(32, 1), (1,)]
    L = keras3.layers
    inp = keras3.Input((784,), name="digits")
    h = L.Dense(64, activation="relu", name="dense_1")(inp)
    h = L.Dense(64, activation="relu", name="dense_2")(h)
    mlp = keras3.Model(inp, L.Dense(10, name="predictions")(h), name="3_layer_mlp")
    mlp.load_weights(str(tmp_path / "pretrained.weights.h5"))
    xd = env["x_digits"]
    np.testing.assert_allclose(mlp.predict(xd, verbose=0),
                               env["functional_model"].predict(xd, verbose=0),
                               rtol=1e-5, atol=1e-5)
    want = L.Dense(3, activation="relu").get_config()
    got = env["layer_config"]
    assert sorted(got) == sorted(want)
    assert {k: got[k] for k in want if k != "name"} == {k: want[k] for k in want if k != "name"}


def test_functional_guide_mix_and_match(capsys, keras3):  # noqa: F811
    out, env = run_program("keras3_functional_mix_and_match.py", capsys)
    src = open(os.path.join(HERE, "keras3_functional_mix_and_match.py")).read()
    src3 = src.replace("from dlcore_static import keras", "import keras").replace(
        "from dlcore_static.keras import layers, ops", "from keras import layers, ops")
    theirs, ns3 = _keras3_run(keras3, src3, capsys)
    assert out == "(1, 10, 32)\nrnn weights: 6\nmixed model output: (16, 8, 1)\n"
    assert theirs == "(1, 10, 32)\n" + out   # (Keras 3 runs call once more, symbolically,
    #                                            to build the layer: tf.keras 2 prints once)
    ours, ref = env["model"], ns3["model"]
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in ref.get_weights()]
    ref.set_weights(ours.get_weights())
    x = env["x_data"].astype("float32")
    np.testing.assert_allclose(ref.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)
