"""Small Keras/TF1 leftovers, checked against Keras 3 (numpy backend) where installed and against
TensorFlow 1.15's documented behaviour: Bidirectional layer names, the Keras initializer names
(``identity``, ``orthogonal``, ``lecun_*``, the class names) and
``tf.train.import_meta_graph(import_scope=...)``."""

import os

import numpy as np
import pytest

import dlcore_static as tf
import dlcore_static.keras as dkeras
from dlcore_static import initializers as inits
from dlcore_static.keras import backend as K
from dlcore_static.keras import layers


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")
    return k3


def _names(lib):
    b1 = lib.layers.Bidirectional(lib.layers.LSTM(4))
    b2 = lib.layers.Bidirectional(lib.layers.GRU(3, name="g"), merge_mode="sum")
    b3 = lib.layers.Bidirectional(lib.layers.LSTM(2), name="mine")
    return [(b.name, b.forward_layer.name, b.backward_layer.name) for b in (b1, b2, b3)]


def test_bidirectional_names_as_keras():
    k3 = _keras3()
    k3.backend.clear_session()
    want = _names(k3)
    assert want == [("bidirectional", "forward_lstm", "backward_lstm"),
                    ("bidirectional_1", "forward_g", "backward_g"),
                    ("mine", "forward_lstm_1", "backward_lstm_1")]
    K.clear_session()
    assert _names(dkeras) == want                  # Keras 3's counters: lstm, lstm_1, ...


def test_every_keras_initializer_name_resolves():
    k3 = _keras3()
    from keras.src.initializers import ALL_OBJECTS_DICT
    names = [n for n in ALL_OBJECTS_DICT if n.lower() not in ("initializer", "stft",
                                                                 "stftinitializer")]
    assert len(names) >= 30
    for name in names:
        assert callable(inits.get(name)), name
    # Keras' defaults for the named random initializers
    assert inits.get("RandomNormal").stddev == k3.initializers.get("RandomNormal").stddev
    assert inits.get("truncated_normal").stddev == 0.05
    for name in ("lecun_normal", "lecun_uniform", "variance_scaling", "he_uniform"):
        mine, theirs = inits.get(name), k3.initializers.get(name)
        assert (mine.scale, mine.mode, mine.distribution) == (
            theirs.scale, theirs.mode, theirs.distribution), name
    with pytest.raises(ValueError, match="Unknown initializer: foo"):
        inits.get("foo")
    # the keras.initializers module: Keras' classes with Keras' defaults
    kinit = dkeras.initializers
    public = [n for n in dir(k3.initializers) if not n.startswith("_") and n[0].isupper()
              and n not in ("Initializer", "STFT", "STFTInitializer")]
    assert set(public) <= set(dir(kinit)), set(public) - set(dir(kinit))
    for cls, attrs in (("RandomNormal", ("mean", "stddev")), ("RandomUniform", ("minval",
                       "maxval")), ("TruncatedNormal", ("mean", "stddev")),
                       ("VarianceScaling", ("scale", "mode")), ("HeUniform", ("scale", "mode",
                       "distribution")), ("LecunNormal", ("scale", "mode", "distribution"))):
        mine, theirs = getattr(kinit, cls)(), getattr(k3.initializers, cls)()
        assert [getattr(mine, a) for a in attrs] == [getattr(theirs, a) for a in attrs], cls
    assert tf.keras.initializers.get("he_normal").scale == 2.0
    assert tf.orthogonal_initializer is inits.Orthogonal


def test_identity_and_orthogonal_as_keras():
    k3 = _keras3()
    with tf.Graph().as_default(), tf.Session() as sess:
        for shape, gain in (((2, 3), 1.0), ((3, 2), 2.5)):
            got = sess.run(inits.Identity(gain)(shape))
            np.testing.assert_array_equal(got, k3.initializers.Identity(gain)(shape))
        np.testing.assert_array_equal(sess.run(inits.get("identity")((2, 2))), np.eye(2))
        for shape in ((4, 3), (2, 5), (2, 3, 4)):
            q = sess.run(inits.Orthogonal(gain=1.5, seed=3)(shape)).reshape(-1, shape[-1])
            gram = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
            np.testing.assert_allclose(gram, 2.25 * np.eye(len(gram)), atol=1e-5)
        x = np.array([[1.0, 2.0, 3.0]], np.float32)
        dense = layers.Dense(3, kernel_initializer="identity")
        y = dense(tf.constant(x))
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y), x)
    for mine, theirs, shape in ((inits.Identity(), k3.initializers.Identity(), (2, 3, 4)),
                                (inits.Orthogonal(), k3.initializers.Orthogonal(), (3,))):
        with pytest.raises(ValueError) as want:
            theirs(shape)
        with pytest.raises(ValueError) as got:
            mine(shape)
        assert str(got.value) == str(want.value)


def test_import_meta_graph_import_scope(tmp_path):
    with tf.Graph().as_default():
        w = tf.Variable(np.ones((2, 2), np.float32), name="w")
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        tf.add_to_collection("outs", tf.matmul(x, w, name="y"))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(w.assign(w * 3))
            path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    with tf.Graph().as_default() as g:
        plain = tf.train.import_meta_graph(path + ".meta")
        first = tf.train.import_meta_graph(path + ".meta", import_scope="imp")
        second = tf.train.import_meta_graph(path + ".meta", import_scope="imp")
        names = {op.name for op in g.get_operations()}
        assert {"w", "x", "y", "imp/w", "imp/x", "imp/y", "imp_1/w", "imp_1/y"} <= names
        assert [v.name for v in tf.global_variables()] == ["w:0", "imp/w:0", "imp_1/w:0"]
        assert [v.name for v in tf.trainable_variables()] == ["w:0", "imp/w:0", "imp_1/w:0"]
        assert [t.name for t in tf.get_collection("outs")] == ["y:0", "imp/y:0", "imp_1/y:0"]
        with tf.Session() as sess:
            plain.restore(sess, path)
            first.restore(sess, path)                  # checkpoint keys stay unscoped ('w')
            second.restore(sess, path)
            for scope in ("", "imp/", "imp_1/"):
                np.testing.assert_array_equal(
                    sess.run(f"{scope}y:0", {f"{scope}x:0": [[1.0, 2.0]]}), [[9.0, 9.0]])
            path2 = first.save(sess, str(tmp_path / "again"))
        from dlcore_static.checkpoint_reader import NewCheckpointReader
        assert sorted(NewCheckpointReader(path2).get_variable_to_shape_map()) == ["w"]


def test_tf_initializers_namespace_holds_initializers():
    """tf.initializers.constant / random_normal / ... are initializers in TF 1.15 (they were
    the graph ops of the same names here)."""
    with tf.Graph().as_default():
        c = tf.get_variable("c", [2], initializer=tf.initializers.constant(3.0))
        w = tf.get_variable("w", [50, 40], initializer=tf.initializers.random_normal(
            stddev=0.1, seed=1))
        u = tf.get_variable("u", [50, 40], initializer=tf.initializers.random_uniform(-1, 1))
        t = tf.get_variable("t", [50, 40], initializer=tf.initializers.truncated_normal(0, 1))
        o = tf.get_variable("o", [3, 3], initializer=tf.initializers.orthogonal())
        i = tf.get_variable("i", [2, 3], initializer=tf.initializers.identity(2.0))
        v = tf.get_variable("v", [4, 4], initializer=tf.initializers.variance_scaling(2.0))
        with tf.Session() as sess:
            sess.run(tf.initializers.global_variables())
            cv, wv, uv, tv, ov, iv, vv = sess.run([c, w, u, t, o, i, v])
    np.testing.assert_array_equal(cv, [3.0, 3.0])
    assert 0.08 < wv.std() < 0.12 and -1 <= uv.min() and uv.max() <= 1 and abs(tv).max() <= 2
    np.testing.assert_allclose(ov.T @ ov, np.eye(3), atol=1e-5)
    np.testing.assert_array_equal(iv, 2 * np.eye(2, 3))
    assert vv.shape == (4, 4)
