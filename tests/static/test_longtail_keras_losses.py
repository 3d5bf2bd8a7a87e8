"""Keras's loss and metric classes (``keras.losses.SparseCategoricalCrossentropy(from_logits=
True)``, ``keras.metrics.SparseCategoricalAccuracy()``, ...), the functions Keras 2.3+/3 added,
and Embedding's refusal of ids outside [0, input_dim) (Keras on TensorFlow: embedding_lookup's
InvalidArgumentError; Keras 3's numpy backend silently wraps a negative id).  Values against
Keras 3 (numpy backend) or NumPy; gradients by central differences."""

from __future__ import annotations

import os

import numpy as np
import pytest
from static_gradcheck import numeric_grad

import dlcore_static as tf
from dlcore_static import keras as dk

RNG = np.random.default_rng(0)
YT = RNG.uniform(0.05, 0.95, (4, 3))
YP = RNG.uniform(0.05, 0.95, (4, 3))
LOGITS = RNG.standard_normal((4, 3))
ONEHOT = np.eye(3)[[0, 2, 1, 2]]
IDS = np.array([0, 2, 1, 2])
SW = np.array([1.0, 0.5, 0.0, 2.0])


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")
    return k3


def _run(t):
    with tf.Session() as s:
        return s.run(t)


CASES = [("MeanSquaredError", {}, YT, YP), ("MeanAbsoluteError", {}, YT, YP),
         ("MeanAbsolutePercentageError", {}, YT, YP), ("MeanSquaredLogarithmicError", {}, YT, YP),
         ("BinaryCrossentropy", {}, ONEHOT, YP),
         ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, ONEHOT, LOGITS),
         ("CategoricalCrossentropy", {}, ONEHOT, YP),
         ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, ONEHOT,
          LOGITS),
         ("SparseCategoricalCrossentropy", {"from_logits": True}, IDS, LOGITS),
         ("SparseCategoricalCrossentropy", {}, IDS, YP / YP.sum(1, keepdims=True)),
         ("Hinge", {}, 2 * ONEHOT - 1, LOGITS), ("SquaredHinge", {}, 2 * ONEHOT - 1, LOGITS),
         ("CategoricalHinge", {}, ONEHOT, LOGITS), ("Huber", {"delta": 0.5}, YT, LOGITS),
         ("LogCosh", {}, YT, LOGITS), ("KLDivergence", {}, YT, YP), ("Poisson", {}, YT, YP),
         ("CosineSimilarity", {}, YT, LOGITS)]


@pytest.mark.parametrize("name,kw,yt,yp", CASES, ids=[f"{c[0]}{len(c[1])}" for c in CASES])
def test_loss_classes_match_keras3(name, kw, yt, yp):
    k3 = _keras3()
    want = [float(getattr(k3.losses, name)(**kw)(yt, yp)),
            float(getattr(k3.losses, name)(**kw, reduction="sum")(yt, yp, sample_weight=SW)),
            np.asarray(getattr(k3.losses, name)(**kw, reduction=None)(yt, yp))]
    ours = getattr(dk.losses, name)
    got = _run([ours(**kw)(yt, yp), ours(**kw, reduction="sum")(yt, yp, sample_weight=SW),
                ours(**kw, reduction=None)(yt, yp)])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-5, atol=1e-6)
    assert ours().name == getattr(k3.losses, name)().name


@pytest.mark.parametrize("fn", ["huber", "log_cosh", "kl_divergence", "cosine_similarity",
                                "categorical_crossentropy", "binary_crossentropy"])
def test_loss_functions_match_keras3(fn):
    k3 = _keras3()
    kw = {"from_logits": True} if "crossentropy" in fn else {}
    yt = ONEHOT if "crossentropy" in fn else YT
    want = np.asarray(getattr(k3.losses, fn)(yt, LOGITS if kw else YP, **kw))
    got = _run(getattr(dk.losses, fn)(yt, LOGITS if kw else YP, **kw))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda: dk.losses.Huber(delta=0.7),
                                  lambda: dk.losses.CategoricalCrossentropy(from_logits=True,
                                                                            label_smoothing=0.1)])
def test_loss_class_gradient_by_finite_differences(make):
    x = tf.placeholder(tf.float64, LOGITS.shape)
    y = make()(ONEHOT, x, sample_weight=SW)
    (g,) = tf.gradients(y, [x])
    with tf.Session() as s:
        gv = s.run(g, {x: LOGITS})

        def f(v):
            return s.run(y, {x: v})
        np.testing.assert_allclose(gv, numeric_grad(f, LOGITS), rtol=1e-6, atol=1e-8)


def test_bad_reduction_and_keyword_are_refused_as_keras():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        dk.losses.MeanSquaredError(reduction="average")
    with pytest.raises(TypeError, match="unexpected keyword argument 'from_logit'"):
        dk.losses.CategoricalCrossentropy(from_logit=True)


def _model():
    from dlcore_static.keras.layers import Dense
    from dlcore_static.keras.models import Sequential
    np.random.seed(0)
    return Sequential([Dense(3, input_shape=(4,))])


def test_compile_with_loss_and_metric_objects():
    x = RNG.standard_normal((8, 4)).astype(np.float32)
    y = RNG.integers(0, 3, 8)
    m = _model()
    m.compile("sgd", loss=dk.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy", dk.metrics.SparseCategoricalAccuracy(name="acc2"),
                       dk.metrics.SparseTopKCategoricalAccuracy(k=2)])
    assert m.metrics_names == ["loss", "accuracy", "acc2", "sparse_top_k_categorical_accuracy"]
    logits = m.predict(x)
    loss, acc, acc2, top2 = m.evaluate(x, y, verbose=0)
    z = logits - logits.max(1, keepdims=True)
    want = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(8), y])
    np.testing.assert_allclose(loss, want, rtol=1e-5)
    assert acc == acc2 == pytest.approx(np.mean(logits.argmax(1) == y))
    second = np.argsort(-logits, 1)[:, :2]
    assert top2 == pytest.approx(np.mean([y[i] in second[i] for i in range(8)]))
    h = m.fit(x, y, epochs=1, verbose=0, batch_size=8)
    assert set(h.history) == {"loss", "accuracy", "acc2", "sparse_top_k_categorical_accuracy"}


def test_metric_objects_stream_in_a_graph():
    k3 = _keras3()
    acc = dk.metrics.BinaryAccuracy(threshold=0.6)
    mean = dk.metrics.Mean()
    yt = tf.placeholder(tf.float32, [None, 3])
    yp = tf.placeholder(tf.float32, [None, 3])
    up = acc.update_state(yt, yp, sample_weight=[1.0, 2.0])
    up2 = mean.update_state([1.0, 3.0], sample_weight=[1.0, 3.0])
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        assert s.run(acc.result()) == 0.0
        s.run([up, up2], {yt: ONEHOT[:2], yp: YP[:2]})
        s.run(up, {yt: ONEHOT[2:], yp: YP[2:]})
        got, got_mean = s.run([acc.result(), mean.result()])
    ref = k3.metrics.BinaryAccuracy(threshold=0.6)
    ref.update_state(ONEHOT[:2], YP[:2], sample_weight=[1.0, 2.0])
    ref.update_state(ONEHOT[2:], YP[2:], sample_weight=[1.0, 2.0])
    np.testing.assert_allclose(got, float(ref.result()), rtol=1e-6)
    assert got_mean == pytest.approx(2.5)
    assert acc.name == "binary_accuracy" and dk.metrics.CategoricalAccuracy().name == \
        k3.metrics.CategoricalAccuracy().name


def test_embedding_refuses_ids_outside_input_dim_as_keras_on_tf():
    from dlcore_static.keras.layers import Dense, Embedding, Flatten
    from dlcore_static.keras.models import Sequential
    m = Sequential([Embedding(5, 2, input_length=2), Flatten(), Dense(1)])
    m.compile("sgd", "mse")
    before = [w.copy() for w in m.get_weights()]
    for bad, text in (([[1, -1]], "indices[0,1] = -1 is not in [0, 5)"),
                      ([[5, 0]], "indices[0,0] = 5 is not in [0, 5)")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=text.replace("[", r"\[")
                           .replace("(", r"\(").replace(")", r"\)")):
            m.fit(np.array(bad), np.zeros((1, 1)), verbose=0)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)                 # a failed step changes nothing
    assert m.predict(np.array([[0, 4]])).shape == (1, 1)
