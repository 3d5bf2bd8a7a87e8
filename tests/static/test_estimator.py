"""tf.estimator and tf.feature_column: the programs TF1 tutorials write, checked against NumPy
computations from the checkpointed weights (Estimator state lives only in model_dir)."""

import contextlib
import logging

import numpy as np
import pytest

import dlcore_static as tf


@contextlib.contextmanager
def _info_logs():
    """tf.logging's INFO messages (its logger does not propagate, as TensorFlow's)."""
    lines: list = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    log = tf.logging.get_logger()
    old = tf.logging.get_verbosity()
    tf.logging.set_verbosity(tf.logging.INFO)
    log.addHandler(handler)
    try:
        yield lines
    finally:
        log.removeHandler(handler)
        tf.logging.set_verbosity(old)


def _data(n=96, d=6, k=3, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, d).astype(np.float32)
    y = np.argmax(x @ rng.randn(d, k), 1).astype(np.int64)
    return x, y


def _model_fn(features, labels, mode, params):
    """The TensorFlow-Examples neural_network.py model_fn (one hidden layer)."""
    h = tf.layers.dense(features["images"], params["hidden"], activation=tf.nn.relu)
    logits = tf.layers.dense(h, params["classes"])
    pred_classes = tf.argmax(logits, axis=1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"class": pred_classes,
                                                             "logits": logits})
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        logits=logits, labels=tf.cast(labels, tf.int32)))
    train_op = tf.train.GradientDescentOptimizer(0.2).minimize(
        loss, global_step=tf.train.get_global_step())
    acc = tf.metrics.accuracy(labels=labels, predictions=pred_classes)
    return tf.estimator.EstimatorSpec(mode, predictions=pred_classes, loss=loss,
                                      train_op=train_op, eval_metric_ops={"accuracy": acc})


def _forward(est, x):
    v = est.get_variable_value
    h = np.maximum(x @ v("dense/kernel") + v("dense/bias"), 0)
    return h @ v("dense_1/kernel") + v("dense_1/bias")


def _ce(logits, y):
    z = logits - logits.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return -logp[np.arange(len(y)), y]


def test_custom_estimator_train_evaluate_predict(tmp_path):
    x, y = _data()
    est = tf.estimator.Estimator(_model_fn, model_dir=str(tmp_path),
                                 params={"hidden": 16, "classes": 3})
    train_fn = tf.estimator.inputs.numpy_input_fn(x={"images": x}, y=y, batch_size=32,
                                                  num_epochs=None, shuffle=True)
    est.train(train_fn, steps=60)
    assert est.get_variable_value("global_step") == 60
    logits = _forward(est, x)
    # evaluate: metrics over all batches (32, 32, 32) with the checkpoint's weights
    ev = est.evaluate(tf.estimator.inputs.numpy_input_fn(x={"images": x}, y=y, batch_size=32,
                                                         shuffle=False))
    assert ev["global_step"] == 60
    np.testing.assert_allclose(ev["accuracy"], np.mean(logits.argmax(1) == y), rtol=1e-6)
    np.testing.assert_allclose(ev["loss"], _ce(logits, y).reshape(3, 32).mean(1).mean(),
                               rtol=1e-4)
    assert ev["accuracy"] > 0.8
    # predict: one dict per example, in order, equal to the NumPy forward pass
    preds = list(est.predict(tf.estimator.inputs.numpy_input_fn(
        x={"images": x[:10]}, batch_size=4, shuffle=False)))
    assert len(preds) == 10 and set(preds[0]) == {"class", "logits"}
    np.testing.assert_allclose(np.stack([p["logits"] for p in preds]), logits[:10], rtol=1e-4,
                               atol=1e-5)
    assert [int(p["class"]) for p in preds] == list(logits[:10].argmax(1))
    only = list(est.predict(tf.estimator.inputs.numpy_input_fn(
        x={"images": x[:3]}, shuffle=False), predict_keys=["class"]))
    assert [set(p) for p in only] == [{"class"}] * 3


def test_training_resumes_from_model_dir_and_max_steps(tmp_path):
    x, y = _data(40)
    fn = tf.estimator.inputs.numpy_input_fn(x={"images": x}, y=y, batch_size=8,
                                            num_epochs=None, shuffle=False)
    params = {"hidden": 4, "classes": 3}
    tf.estimator.Estimator(_model_fn, str(tmp_path), params=params).train(fn, steps=3)
    other = tf.estimator.Estimator(_model_fn, str(tmp_path), params=params)
    other.train(fn, steps=2)
    assert other.get_variable_value("global_step") == 5
    other.train(fn, max_steps=7)
    assert other.get_variable_value("global_step") == 7
    w = other.get_variable_value("dense/kernel")
    with _info_logs() as logs:
        other.train(fn, max_steps=6)                       # already past: nothing runs
    assert "Skipping training since max_steps has already saved." in logs
    np.testing.assert_array_equal(other.get_variable_value("dense/kernel"), w)
    # one epoch of 40 rows in batches of 8: the data's end stops training after 5 steps
    once = tf.estimator.inputs.numpy_input_fn(x={"images": x}, y=y, batch_size=8,
                                              num_epochs=1, shuffle=False)
    other.train(once)
    assert other.get_variable_value("global_step") == 12
    assert sorted(n for n, _ in tf.train.list_variables(str(tmp_path))) == \
        other.get_variable_names()
    np.testing.assert_array_equal(tf.train.load_variable(str(tmp_path), "dense/kernel:0"),
                                  other.get_variable_value("dense/kernel"))


def test_evaluate_without_checkpoint_initialises(tmp_path):
    x, y = _data(16)
    est = tf.estimator.Estimator(_model_fn, str(tmp_path), params={"hidden": 4, "classes": 3})
    fn = tf.estimator.inputs.numpy_input_fn(x={"images": x}, y=y, batch_size=8, shuffle=False)
    with _info_logs() as logs:
        ev = est.evaluate(fn, steps=1)
    assert any("running initialization to evaluate" in m for m in logs)
    assert ev["global_step"] == 0 and 0 <= ev["accuracy"] <= 1
    with pytest.raises(ValueError, match="Could not find trained model in model_dir"):
        est.get_variable_names()


def test_numpy_input_fn_batches_and_errors():
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    fn = tf.estimator.inputs.numpy_input_fn(x={"a": x}, y=np.arange(5), batch_size=2,
                                            num_epochs=2, shuffle=False)
    with tf.Graph().as_default():
        feats, labels = fn()
        sizes = []
        with tf.Session() as sess:
            with pytest.raises(tf.errors.OutOfRangeError):
                while True:
                    f, lb = sess.run([feats, labels])
                    np.testing.assert_array_equal(f["a"][:, 0] / 2, lb)
                    sizes.append(len(lb))
    assert sizes == [2, 2, 2, 2, 2]               # 10 rows over two epochs
    with pytest.raises(ValueError, match="shuffle must be provided explicitly as a bool"):
        tf.estimator.inputs.numpy_input_fn(x={"a": x})
    with pytest.raises(ValueError, match="Length of tensors in x and y is mismatched"):
        tf.estimator.inputs.numpy_input_fn(x={"a": x}, y=np.arange(4), shuffle=False)


def test_spec_and_constructor_errors(tmp_path):
    with tf.Graph().as_default():
        loss = tf.constant(1.0)
        with pytest.raises(ValueError, match="Missing train_op"):
            tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.TRAIN, loss=loss)
        with pytest.raises(ValueError, match="Missing loss"):
            tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.EVAL)
        with pytest.raises(ValueError, match="Missing predictions"):
            tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.PREDICT)
        with pytest.raises(ValueError, match="Loss must be scalar"):
            tf.estimator.EstimatorSpec("eval", loss=tf.constant([1.0, 2.0]))
        with pytest.raises(TypeError, match="eval_metric_ops must be"):
            tf.estimator.EstimatorSpec("eval", loss=loss, eval_metric_ops={"m": loss})

    def no_params(features, labels, mode):
        return None
    with pytest.raises(ValueError, match="does not include params argument"):
        tf.estimator.Estimator(no_params, str(tmp_path), params={"a": 1})
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        tf.estimator.Estimator(no_params, str(tmp_path)).train(lambda: None, steps=1,
                                                                max_steps=2)
    with pytest.raises(ValueError, match="save_checkpoints_steps and save_checkpoints_secs"):
        tf.estimator.RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)
    assert tf.estimator.ModeKeys.PREDICT == "infer"


def test_feature_columns_input_layer_in_name_order():
    rng = np.random.RandomState(3)
    age = rng.uniform(0, 80, 7).astype(np.float32)
    pos = rng.randn(7, 2).astype(np.float32)
    kind = rng.randint(0, 4, 7)
    fc = tf.feature_column
    cols = [fc.numeric_column("pos", shape=2),
            fc.bucketized_column(fc.numeric_column("age"), [18, 40, 65]),
            fc.indicator_column(fc.categorical_column_with_identity("kind", 4)),
            fc.embedding_column(fc.categorical_column_with_identity("kind", 4), 3)]
    with tf.Graph().as_default():
        feats = {"age": tf.constant(age), "pos": tf.constant(pos), "kind": tf.constant(kind)}
        out = fc.input_layer(feats, cols)
        table = [v for v in tf.global_variables() if "embedding_weights" in v.name][0]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            got, emb = sess.run([out, table])
    assert table.name == "input_layer/kind_embedding/embedding_weights:0"
    # names sorted: age_bucketized, kind_embedding, kind_indicator, pos
    expect = np.concatenate([np.eye(4)[np.searchsorted([18, 40, 65], age, side="right")],
                             emb[kind], np.eye(4)[kind], pos], 1)
    np.testing.assert_allclose(got, expect, rtol=1e-6)
    with pytest.raises(ValueError, match="must be a _DenseColumn"):
        fc.input_layer({"kind": kind}, [fc.categorical_column_with_identity("kind", 4)])
    with pytest.raises(TypeError, match="must be integer ids"):
        fc.input_layer({"c": np.ones(2, np.float32)},
                       [fc.indicator_column(fc.categorical_column_with_identity("c", 4))])


def test_vocabulary_list_and_identity_default():
    fc = tf.feature_column
    col = fc.indicator_column(fc.categorical_column_with_vocabulary_list(
        "c", [10, 20, 30], num_oov_buckets=2))
    ident = fc.indicator_column(fc.categorical_column_with_identity("d", 3, default_value=0))
    with tf.Graph().as_default():
        out = fc.input_layer({"c": tf.constant(np.array([20, 10, 7, 30])),
                              "d": tf.constant(np.array([2, 5, 1, -1]))}, [col, ident])
        with tf.Session() as sess:
            got = sess.run(out)
    # 7 is out of the vocabulary: 3 + Fingerprint64('7') % 2 = 3 + 0, as TensorFlow
    np.testing.assert_array_equal(got[:, :5], np.eye(5)[[1, 0, 3, 2]])
    np.testing.assert_array_equal(got[:, 5:], np.eye(3)[[2, 0, 1, 0]])


def _iris_like(n=120, seed=1):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, n)
    names = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]
    feats = {k: (rng.randn(n) * 0.3 + y * (i + 1) * 0.5).astype(np.float32)
             for i, k in enumerate(names)}
    return feats, y


def _ds(features, labels, batch, repeat=False):
    inputs = dict(features) if labels is None else (dict(features), labels)
    ds = tf.data.Dataset.from_tensor_slices(inputs)
    return ds.shuffle(1000).repeat().batch(batch) if repeat else ds.batch(batch)


def test_premade_dnn_classifier_tutorial(tmp_path):
    """The TF 1.x "Premade Estimators" tutorial (iris), data synthesized."""
    feats, y = _iris_like()
    cols = [tf.feature_column.numeric_column(key=k) for k in feats]
    clf = tf.estimator.DNNClassifier(feature_columns=cols, hidden_units=[10, 10], n_classes=3,
                                     model_dir=str(tmp_path))
    clf.train(input_fn=lambda: _ds(feats, y, 32, repeat=True), steps=150)
    ev = clf.evaluate(input_fn=lambda: _ds(feats, y, 40))
    names = clf.get_variable_names()
    assert {"dnn/hiddenlayer_0/kernel", "dnn/hiddenlayer_1/bias", "dnn/logits/kernel",
            "dnn/logits/bias", "global_step"} <= set(names)
    # NumPy forward pass from the checkpoint (input_layer sorts the columns by name)
    v = clf.get_variable_value
    x = np.stack([feats[k] for k in sorted(feats)], 1)
    h = np.maximum(x @ v("dnn/hiddenlayer_0/kernel") + v("dnn/hiddenlayer_0/bias"), 0)
    h = np.maximum(h @ v("dnn/hiddenlayer_1/kernel") + v("dnn/hiddenlayer_1/bias"), 0)
    logits = h @ v("dnn/logits/kernel") + v("dnn/logits/bias")
    per = _ce(logits, y)
    np.testing.assert_allclose(ev["average_loss"], per.mean(), rtol=1e-4)
    np.testing.assert_allclose(ev["loss"], per.reshape(3, 40).sum(1).mean(), rtol=1e-4)
    np.testing.assert_allclose(ev["accuracy"], np.mean(logits.argmax(1) == y))
    assert ev["accuracy"] > 0.9
    preds = list(clf.predict(input_fn=lambda: _ds({k: a[:3] for k, a in feats.items()}, None,
                                                  32)))
    for p, row in zip(preds, logits[:3]):
        assert p["class_ids"].shape == (1,) and p["class_ids"][0] == row.argmax()
        e = np.exp(row - row.max())
        np.testing.assert_allclose(p["probabilities"], e / e.sum(), rtol=1e-4)
        np.testing.assert_array_equal(p["all_class_ids"], [0, 1, 2])


def _tf_auc(p, y, n=200):
    """TensorFlow 1's bucketed ROC AUC, written plainly."""
    thr = [-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7]
    tp = np.array([np.sum((p > t) & y) for t in thr], np.float64)
    fp = np.array([np.sum((p > t) & ~y) for t in thr], np.float64)
    fn = np.array([np.sum((p <= t) & y) for t in thr], np.float64)
    tn = np.array([np.sum((p <= t) & ~y) for t in thr], np.float64)
    tpr = (tp + 1e-7) / (tp + fn + 1e-7)
    fpr = fp / (fp + tn + 1e-7)
    return np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2)


def test_linear_binary_classifier_metrics(tmp_path):
    feats, y = _iris_like(seed=2)
    rng = np.random.RandomState(0)
    yb = ((y > 0) ^ (rng.rand(len(y)) < 0.15)).astype(np.int64)      # noisy labels
    cols = [tf.feature_column.numeric_column(key=k) for k in feats]
    clf = tf.estimator.LinearClassifier(feature_columns=cols, model_dir=str(tmp_path))
    clf.train(input_fn=lambda: _ds(feats, yb, 30, repeat=True), steps=40)
    ev = clf.evaluate(input_fn=lambda: _ds(feats, yb, 40))
    v = clf.get_variable_value
    z = sum(feats[k] * v(f"linear/linear_model/{k}/weights")[0, 0] for k in feats) + \
        v("linear/linear_model/bias_weights")[0]
    p = 1 / (1 + np.exp(-z))
    lb = yb.astype(bool)
    pred = z > 0
    np.testing.assert_allclose(ev["accuracy"], np.mean(pred == lb), rtol=1e-6)
    np.testing.assert_allclose(ev["precision"], np.sum(pred & lb) / np.sum(pred), rtol=1e-5)
    np.testing.assert_allclose(ev["recall"], np.sum(pred & lb) / np.sum(lb), rtol=1e-5)
    np.testing.assert_allclose(ev["label/mean"], yb.mean(), rtol=1e-6)
    np.testing.assert_allclose(ev["prediction/mean"], p.mean(), rtol=1e-4)
    np.testing.assert_allclose(ev["accuracy_baseline"], max(yb.mean(), 1 - yb.mean()),
                               rtol=1e-6)
    np.testing.assert_allclose(ev["auc"], _tf_auc(p, lb), rtol=1e-3)
    bce = np.maximum(z, 0) - z * yb + np.log1p(np.exp(-np.abs(z)))
    np.testing.assert_allclose(ev["average_loss"], bce.mean(), rtol=1e-4)


def test_train_and_evaluate_checkpoints_and_regressor(tmp_path):
    rng = np.random.RandomState(5)
    a = rng.randn(64).astype(np.float32)
    target = (2 * a + 1).astype(np.float32)
    cols = [tf.feature_column.numeric_column("a")]
    cfg = tf.estimator.RunConfig(save_checkpoints_steps=4, tf_random_seed=7)
    reg = tf.estimator.LinearRegressor(cols, model_dir=str(tmp_path), config=cfg,
                                       optimizer=lambda: tf.train.GradientDescentOptimizer(
                                           0.005))
    train = tf.estimator.TrainSpec(lambda: _ds({"a": a}, target, 16, repeat=True),
                                   max_steps=10)
    evals = tf.estimator.EvalSpec(lambda: _ds({"a": a}, target, 64), steps=1)
    result, exports = tf.estimator.train_and_evaluate(reg, train, evals)
    assert result["global_step"] == 10 and exports == []
    state = open(tmp_path / "checkpoint").read()
    assert "model.ckpt-4" in state and "model.ckpt-8" in state and "model.ckpt-10" in state
    w = reg.get_variable_value("linear/linear_model/a/weights")[0, 0]
    b = reg.get_variable_value("linear/linear_model/bias_weights")[0]
    err = (w * a + b - target) ** 2
    np.testing.assert_allclose(result["average_loss"], err.mean(), rtol=1e-4)
    np.testing.assert_allclose(result["loss"], err.sum(), rtol=1e-4)
    assert abs(w - 2) < 0.5


def _strings(values):
    a = np.empty(len(values), dtype=object)
    a[:] = [v.encode() for v in values]
    return a


def test_string_vocabulary_columns_and_label_vocabulary(tmp_path):
    """Census-style: a string categorical feature and string labels (label_vocabulary)."""
    rng = np.random.RandomState(4)
    n = 90
    colors = rng.choice(["red", "green", "blue", "teal"], n)        # 'teal' is not in vocab
    size = rng.randn(n).astype(np.float32)
    good = (colors == "red") | (size > 0.5)
    labels = _strings(np.where(good, "yes", "no"))
    fc = tf.feature_column
    color = fc.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"])
    cols = [fc.indicator_column(color), fc.embedding_column(color, 2),
            fc.numeric_column("size")]
    feats = {"color": _strings(colors), "size": size}
    clf = tf.estimator.DNNClassifier([6], cols, model_dir=str(tmp_path), n_classes=2,
                                     label_vocabulary=["no", "yes"])
    clf.train(lambda: _ds(feats, labels, 30, repeat=True), steps=120)
    ev = clf.evaluate(lambda: _ds(feats, labels, 45))
    # NumPy forward pass: sorted columns color_embedding, color_indicator, size
    v = clf.get_variable_value
    ids = np.array([{"red": 0, "green": 1, "blue": 2}.get(c, -1) for c in colors])
    table = v("dnn/input_from_feature_columns/input_layer/color_embedding/embedding_weights")
    emb = np.where(ids[:, None] >= 0, table[np.maximum(ids, 0)], 0)
    onehot = np.where(ids[:, None] >= 0, np.eye(3)[np.maximum(ids, 0)], 0)
    x = np.concatenate([emb, onehot, size[:, None]], 1)
    h = np.maximum(x @ v("dnn/hiddenlayer_0/kernel") + v("dnn/hiddenlayer_0/bias"), 0)
    z = (h @ v("dnn/logits/kernel") + v("dnn/logits/bias"))[:, 0]
    np.testing.assert_allclose(ev["accuracy"], np.mean((z > 0) == good), rtol=1e-6)
    preds = list(clf.predict(lambda: _ds({k: a[:5] for k, a in feats.items()}, None, 5)))
    assert [p["classes"][0] for p in preds] == [b"yes" if zi > 0 else b"no" for zi in z[:5]]
    assert list(preds[0]["all_classes"]) == [b"no", b"yes"]
    np.testing.assert_allclose([p["logistic"][0] for p in preds], 1 / (1 + np.exp(-z[:5])),
                               rtol=1e-4)
    oov = fc.categorical_column_with_vocabulary_list("c", ["a"], num_oov_buckets=2)
    assert oov.num_buckets == 3
    with pytest.raises(ValueError, match="Length of label_vocabulary must be n_classes"):
        tf.estimator.DNNClassifier([2], cols, n_classes=3, label_vocabulary=["a", "b"],
                                   model_dir=str(tmp_path))


def test_integer_classes_as_strings(tmp_path):
    feats, y = _iris_like(30)
    cols = [tf.feature_column.numeric_column(k) for k in feats]
    clf = tf.estimator.LinearClassifier(cols, n_classes=3, model_dir=str(tmp_path))
    clf.train(lambda: _ds(feats, y, 10), steps=3)
    p = next(clf.predict(lambda: _ds({k: a[:2] for k, a in feats.items()}, None, 2)))
    assert p["classes"][0] == str(p["class_ids"][0]).encode()
    assert list(p["all_classes"]) == [b"0", b"1", b"2"]
