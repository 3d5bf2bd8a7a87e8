"""keras.io programs of session 21 (keras8) run on dlcore_static.keras with their imports
renamed: the "endpoint layer pattern" (a layer that adds its loss and updates its own metric
from targets given as call arguments; functional, inference-only and subclassed models)."""

from __future__ import annotations

import numpy as np
from test_programs_keras import run_program


def _bce_logits(logits, t):
    return np.maximum(logits, 0) - logits * t + np.log1p(np.exp(-np.abs(logits)))


def test_endpoint_layer_pattern(capsys):
    out, env = run_program("keras_endpoint_layer_keras8.py", capsys, graph_seed=1)
    assert out.count("Epoch 2/2") == 2 and "32/32" in out
    # the layer's BinaryAccuracy is logged as Keras 3 logs it (Keras 3.15, torch backend:
    # {'accuracy': [0.0, 0.0], 'loss': [...]}; the page's targets are uniform in (0, 1),
    # never equal to a thresholded prediction)
    for h in (env["history"].history, env["history2"].history):
        assert sorted(h) == ["accuracy", "loss"] and h["accuracy"] == [0.0, 0.0]
        # (two epochs on random targets, shuffled unseeded as the page's fit does: the second
        # epoch's loss is not always lower; a suite run found 0.3572 -> 0.3588. The loss's
        # value is checked against NumPy below.)
        assert len(h["loss"]) == 2 and all(np.isfinite(h["loss"])) and h["loss"][0] > 0
    # the added loss: BinaryCrossentropy(from_logits) weighted by the sample weights, summed
    # over the batch and divided by its size (NumPy, the trained weights, the whole data)
    model, data = env["model"], env["data"]
    w, b = model.get_weights()
    logits = data["inputs"] @ w + b
    want = np.mean(data["sample_weight"][:, 0] * _bce_logits(logits, data["targets"])[:, 0])
    loss, acc = model.evaluate(data, verbose=0)
    np.testing.assert_allclose(loss, want, rtol=1e-5)
    assert acc == 0.0
    # the inference-only model: the same weights; the softmax over one logit is 1
    inf = env["inference_model"]
    assert [x.name for x in inf.inputs] and len(inf.inputs) == 1
    for a, c in zip(inf.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, c)
    assert env["preds"].shape == (1000, 1) and np.all(env["preds"] == 1.0)
    # the subclassed LogReg: built on the dict, its inputs named by its keys
    m2 = env["model2"]
    assert m2.input_names == ["inputs", "targets", "sample_weight"]
    assert [v.shape for v in m2.get_weights()] == [(764, 1), (1,)]
    w2, b2 = m2.get_weights()
    d2 = env["data2"]
    want2 = np.mean(d2["sample_weight"][:, 0] *
                    _bce_logits(d2["inputs"] @ w2 + b2, d2["targets"])[:, 0])
    np.testing.assert_allclose(m2.evaluate(d2, verbose=0)[0], want2, rtol=1e-5)


def test_pretrained_word_embeddings(capsys):
    import collections
    import re

    from dlcore_static.keras import backend as K

    out, env = run_program("keras_pretrained_embeddings_keras8.py", capsys, graph_seed=1)
    assert "Number of directories: 4" in out and "Number of samples: 120" in out
    assert "Processing comp.graphics, 30 files found" in out
    # the vocabulary: "" and "[UNK]", then the training texts' words by falling count
    voc = env["voc"]
    counts = collections.Counter(w for s in env["train_samples"]
                                 for w in re.findall(r"[a-z0-9]+", s.lower()))
    assert voc[:2] == ["", "[UNK]"] and set(voc[2:]) == set(counts)
    assert all(counts[a] >= counts[b] for a, b in zip(voc[2:], voc[3:]))
    # "the cat sat on the mat": known words by their index, the others OOV (1), padded to 200
    vec = env["vectorizer"]
    seq = K.batch_get_value([vec(np.array([["the cat sat on the mat"]]))])[0]
    wi = env["word_index"]
    assert seq.shape == (1, 200) and list(seq[0, :6]) == [wi.get(w, 1) for w in
                                                          "the cat sat on the mat".split()]
    assert not seq[0, 6:].any()
    hits, misses = env["hits"], env["misses"]
    assert f"Converted {hits} words ({misses} misses)" in out and hits + misses == len(voc)
    assert misses == 2 + 4          # ("", [UNK] and the 4 common words left out of the file)
    # the frozen embedding keeps the GloVe matrix through fit
    model = env["model"]
    emb = env["embedding_layer"]
    np.testing.assert_allclose(K.get_value(emb.embeddings), env["embedding_matrix"],
                               rtol=1e-6)
    assert "Non-trainable params: 1,152" in out and "Total params: 5,380" in out
    h = env["history"].history
    assert sorted(h) == ["acc", "loss", "val_acc", "val_loss"] and len(h["loss"]) == 6
    assert h["loss"][-1] < h["loss"][0] and h["val_loss"][-1] < h["val_loss"][0]
    assert h["val_acc"][-1] >= 0.5                                  # (4 classes: chance 0.25)
    # the end-to-end model on raw strings = the model on the vectorized strings
    texts = np.array([[s] for s in env["val_samples"][:5]])
    e2e = env["end_to_end_model"].predict(texts, verbose=0)
    np.testing.assert_allclose(e2e, model.predict(env["x_val"][:5], verbose=0), rtol=1e-5,
                               atol=1e-6)
    probs = K.batch_get_value([env["probabilities"]])[0]
    assert out.rstrip().splitlines()[-1] == env["class_names"][int(np.argmax(probs[0]))]


def test_siamese_contrastive(capsys):
    out, env = run_program("keras_siamese_contrastive_keras8.py", capsys, graph_seed=1)
    assert "(120, 2, 28, 28) (120,)" in out
    # the embedding network is one layer of the siamese model, used twice (shared weights)
    assert "Total params: 5,324" in out and "Non-trainable params: 516" in out
    siamese, emb = env["siamese"], env["embedding_network"]
    assert len(emb._nodes) >= 2 and len(siamese.get_weights()) == len(emb.get_weights()) + 6
    # pairs: one positive (0) and one negative (1) per image, as make_pairs writes them
    ys, labels = env["y_train"], env["labels_train"]
    assert list(labels[:4]) == [0.0, 1.0, 0.0, 1.0] and labels.sum() == len(ys)
    h = env["history"].history
    assert sorted(h) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(h["loss"]) == 3 and h["loss"][-1] < h["loss"][0]
    # (n, 28, 28) images fed to Input((28, 28, 1)): Keras 3 adds the channel axis
    x1, x2, y = env["x_test_1"], env["x_test_2"], env["labels_test"]
    assert x1.shape == (60, 28, 28)
    p = siamese.predict([x1, x2], verbose=0)[:, 0].astype(np.float64)
    np.testing.assert_allclose(p, siamese.predict([x1[..., None], x2[..., None]],
                                                  verbose=0)[:, 0], rtol=1e-6)
    np.testing.assert_allclose(p, env["predictions"][:, 0], rtol=1e-5, atol=1e-6)
    # the contrastive loss and the (binary) accuracy against NumPy, one batch of 60
    want = np.mean((1 - y) * p ** 2 + y * np.maximum(1 - p, 0) ** 2)
    loss, acc = siamese.evaluate([x1, x2], y, batch_size=60, verbose=0)
    np.testing.assert_allclose(loss, want, rtol=1e-5)
    np.testing.assert_allclose(acc, np.mean((p > 0.5) == y), rtol=1e-6)
    assert "test loss, test acc:" in out
