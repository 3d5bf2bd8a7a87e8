"""keras.io examples run on dlcore_static.keras (imports renamed; shrunk synthetic data):
"Classification with Gated Residual and Variable Selection Networks" (CSV datasets, dict
inputs of shape (), StringLookup, instance weights) and "Node Classification with Graph
Neural Networks" (a subclassed model holding a graph, tf.gather and segment aggregation,
called on a list of node ids)."""

from __future__ import annotations

import csv

import numpy as np
from test_programs_keras import run_program


def test_grn_vsn_classification(capsys):
    # (seeded: unseeded, test accuracy ranged 66-86% over 25 graph seeds against the > 0.6 check)
    out, env = run_program("keras_grn_vsn_classification.py", capsys, graph_seed=1)
    assert "Model training finished." in out
    hist = env["history"].history
    assert sorted(hist) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(hist["loss"]) >= 6 and hist["loss"][-1] < hist["loss"][0]
    model = env["model"]
    assert sorted(model.input_names) == sorted(env["FEATURE_NAMES"])
    # evaluate's accuracy is the share of right answers on the test file (compile's metrics
    # are not weighted by the instance weights in tf.keras 2; the loss is)
    with open(env["test_data_file"]) as f:
        rows = list(csv.reader(f))
    x = {"age": np.array([float(r[0]) for r in rows], "float32"),
         "education": np.array([r[1] for r in rows]),
         "hours_per_week": np.array([float(r[2]) for r in rows], "float32"),
         "occupation": np.array([r[3] for r in rows])}
    w = np.array([float(r[4]) for r in rows])
    y = np.array([float(r[5]) for r in rows])
    p = model.predict(x, verbose=0)[:, 0]
    want = np.mean((p > 0.5) == (y > 0.5))
    bce = -(y * np.log(np.clip(p, 1e-7, 1)) + (1 - y) * np.log(np.clip(1 - p, 1e-7, 1)))
    loss = model.evaluate(env["get_dataset_from_csv"](env["test_data_file"], batch_size=64),
                          verbose=0)[0]
    np.testing.assert_allclose(loss, np.mean(bce * w), rtol=2e-3)     # (batches: weighted)
    reported = float(out.split("Test accuracy: ")[1].split("%")[0])
    assert abs(reported - round(want * 100, 2)) < 0.02, (reported, want)
    assert want > 0.6
    # the variable selection weights of each row are a softmax over the 4 features
    vsn = next(ly for ly in model.layers if type(ly).__name__ == "VariableSelection")
    assert len(vsn.grns) == 4


def test_gnn_node_classification(capsys):
    # (unseeded, 1 run in 8 of this shrunk example stayed near the majority class: 37%)
    out, env = run_program("keras_gnn_node_classification.py", capsys, graph_seed=1)
    assert "GNN output shape: <tf.Tensor" in out and "shape=(3, 3)" in out
    assert out.count("Instance ") == 6
    gnn = env["gnn_model"]
    test_ids, y_test = env["test_ids"], env["y_test"]
    logits = gnn.predict(test_ids, verbose=0)
    acc = float(np.mean(np.argmax(logits, -1) == y_test))
    reported = float(out.split("GNN test accuracy: ")[1].split("%")[0])
    assert abs(reported - round(acc * 100, 2)) < 0.02 and acc > 0.5
    # a graph layer's aggregation is NumPy's segment sum / mean / max of the messages
    import dlcore_static as tf
    from dlcore_static.keras import backend as K
    layer_cls = env["GraphConvLayer"]
    msgs = np.random.default_rng(1).standard_normal((6, 4)).astype("float32")
    ids = np.array([0, 2, 2, 1, 0, 2])
    for kind, fn in (("sum", np.add), ("max", np.maximum)):
        layer = layer_cls([4], aggregation_type=kind)
        got = K.get_value(layer.aggregate(tf.constant(ids), tf.constant(msgs),
                                          tf.zeros((3, 4))))
        want = np.full((3, 4), 0.0 if kind == "sum" else -np.inf, "float32")
        fn.at(want, ids, msgs)
        np.testing.assert_allclose(got, want, rtol=1e-6)
    layer = layer_cls([4], aggregation_type="mean")
    got = K.get_value(layer.aggregate(tf.constant(ids), tf.constant(msgs), tf.zeros((3, 4))))
    np.testing.assert_allclose(got, [msgs[ids == k].mean(0) for k in range(3)], rtol=1e-6)


def _tree_numpy(tree, f):
    """A NeuralDecisionTree's forward pass in NumPy (the example's breadth-first routing)."""
    from dlcore_static.keras import backend as K
    w, b = tree.decision_fn.get_weights()
    pi = K.get_value(tree.pi)
    d = 1 / (1 + np.exp(-((f @ tree.used_features_mask.T) @ w + b)))
    dec = np.stack([d, 1 - d], axis=2)
    mu = np.ones((len(f), 1, 1))
    begin, end = 1, 2
    for level in range(tree.depth):
        mu = np.tile(mu.reshape(len(f), -1, 1), (1, 1, 2)) * dec[:, begin:end, :]
        begin, end = end, end + 2 ** (level + 1)
    p = np.exp(pi - pi.max(1, keepdims=True))
    return mu.reshape(len(f), -1) @ (p / p.sum(1, keepdims=True))


def test_neural_decision_forests(capsys):
    import dlcore_static as tf
    from dlcore_static.keras import backend as K
    out, env = run_program("keras_neural_decision_forests.py", capsys, graph_seed=1)
    assert out.count("Model training finished") == 2 and out.count("Test accuracy: ") == 2
    for name in ("tree", "forest"):
        hist = env["results"][name].history
        assert sorted(hist) == ["loss", "sparse_categorical_accuracy"]
        assert hist["loss"][-1] < hist["loss"][0]
    forest = next(ly for ly in env["forest_model"].layers
                  if type(ly).__name__ == "NeuralDecisionForest")
    tree = next(ly for ly in env["tree_model"].layers
                if type(ly).__name__ == "NeuralDecisionTree")
    assert len(forest.ensemble) == 5 and tree.depth == 4 and tree.num_leaves == 16
    f = np.random.default_rng(3).standard_normal((6, tree.used_features_mask.shape[1]))
    got = K.get_value(tree(tf.constant(f.astype("float32"))))
    np.testing.assert_allclose(got, _tree_numpy(tree, f), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got.sum(1), 1.0, rtol=1e-5)    # (a distribution per row)
    want = np.mean([_tree_numpy(t, f) for t in forest.ensemble], axis=0)
    got = K.get_value(forest(tf.constant(f.astype("float32"))))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    assert all(t.used_features_mask.shape[0] == t.used_features_mask.shape[1] // 2
               for t in forest.ensemble)


def _census_rows(path, header):
    with open(path) as f:
        rows = list(csv.reader(f))[1 if header else 0:]
    x = {"age": np.array([float(r[0]) for r in rows], "float32"),
         "education": np.array([r[1] for r in rows]),
         "hours_per_week": np.array([float(r[2]) for r in rows], "float32"),
         "occupation": np.array([r[3] for r in rows]),
         "instance_weight": np.array([float(r[4]) for r in rows], "float32")}
    return x, np.array([int(r[5]) for r in rows])


def test_wide_deep_cross(capsys):
    out, env = run_program("keras_wide_deep_cross.py", capsys, graph_seed=1)
    assert out.count("Model training finished") == 3
    reported = [float(s.split("%")[0]) for s in out.split("Test accuracy: ")[1:]]
    x, y = _census_rows(env["test_data_file"], header=True)
    for name, (history, acc), shown in zip(
            ("baseline_model", "wide_and_deep_model", "deep_and_cross_model"), env["results"],
            reported):
        assert history.history["loss"][-1] < history.history["loss"][0]
        p = env[name].predict(x, verbose=0)
        assert p.shape == (len(y), 2)
        np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
        want = np.mean(np.argmax(p, 1) == y)
        assert abs(acc - want) < 1e-6 and abs(shown - round(want * 100, 2)) < 0.02
        assert want > 0.7, (name, want)
    # the one-hot part: StringLookup(output_mode="binary"), tf.keras 2.5's multi_hot
    from dlcore_static.keras.layers import StringLookup
    lk = StringLookup(vocabulary=["a", "b", "c"], mask_token=None, num_oov_indices=0,
                      output_mode="binary")
    assert lk.get_config()["output_mode"] == "multi_hot"
    import dlcore_static.keras as dk
    np.testing.assert_array_equal(dk.ops.convert_to_numpy(lk(np.array([["b"], ["c"]]))),
                                  [[0, 1, 0], [0, 0, 1]])


def test_tabtransformer(capsys):
    out, env = run_program("keras_tabtransformer.py", capsys, graph_seed=1)
    counts = [int(s.split("\n")[0]) for s in out.split("Total model weights: ")[1:]]
    assert counts == [env["baseline_model"].count_params(),
                      env["tabtransformer_model"].count_params()]
    x, y = _census_rows(env["test_data_file"], header=True)
    shown = [float(s.split("%")[0]) for s in out.split("Validation accuracy: ")[1:]]
    for name, hist_name, acc in (("baseline_model", "baseline_history", shown[0]),
                                 ("tabtransformer_model", "history", shown[1])):
        hist = env[hist_name].history
        assert sorted(hist) == ["accuracy", "loss", "val_accuracy", "val_loss"]
        assert hist["loss"][-1] < hist["loss"][0]
        p = env[name].predict(x, verbose=0)[:, 0]
        assert abs(acc - round(np.mean((p > 0.5) == (y > 0.5)) * 100, 2)) < 0.02
    names = [ly.name for ly in env["tabtransformer_model"].layers]
    assert "multihead_attention_0" in names and "multihead_attention_1" in names
    mha = env["tabtransformer_model"].get_layer("multihead_attention_0")
    assert mha.output.shape.as_list() == [None, 2, 8]        # (2 categorical columns)
