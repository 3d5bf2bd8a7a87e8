"""Session 21 (keras8): a Keras 2 ``.h5`` model file keeps the optimizer's state, as tf.keras
2's ``optimizer_weights`` (``saving_optimizer_h5``): training resumed after ``load_model``
goes on as if never saved; tf.keras 2's names and order; a Keras 3 ``.h5`` read in Keras 3's
order; an optimizer that does not fit loads fresh with Keras 2's warning; a damaged file is
refused."""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras.saving import KerasFileError
from tests.io.real_keras import keras3

R = np.random.default_rng(821)
XS = R.random((8, 3)).astype("float32")
YS = R.random((8, 2)).astype("float32")


def _model(opt):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
    m.compile(optimizer=opt, loss="mse")
    return m


CASES = [("Adam", {"learning_rate": 0.01, "amsgrad": True, "use_ema": True}),
         ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.5}),
         ("Nadam", {}),
         ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "gradient_accumulation_steps": 3})]


@pytest.mark.parametrize("cls,kw", CASES, ids=[f"{c}{len(k)}" for c, k in CASES])
def test_h5_file_keeps_the_optimizer_state(cls, kw, tmp_path):
    """fit, save('m.h5'), fit on; load_model in a new graph and fit the same: the same
    weights (with a fresh optimizer, as before this session, they differ)."""
    m = _model(getattr(keras.optimizers, cls)(**kw))
    m.fit(XS, YS, batch_size=4, epochs=1, verbose=0, shuffle=False)
    path = str(tmp_path / "m.h5")
    m.save(path)
    saved = K.batch_get_value(m.optimizer.variables)
    m.fit(XS, YS, batch_size=4, epochs=1, verbose=0, shuffle=False)
    with tf.Graph().as_default():
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)     # (no 'freshly initialized')
            m2 = keras.models.load_model(path)
        got = K.batch_get_value(m2.optimizer.variables)
        assert len(got) == len(saved) and int(got[0]) == 2
        for a, b in zip(got, saved):
            np.testing.assert_array_equal(a, b)
        m2.fit(XS, YS, batch_size=4, epochs=1, verbose=0, shuffle=False)
        for a, b in zip(m2.get_weights(), m.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_h5_optimizer_weights_names_and_order_are_tf_keras2s(tmp_path):
    m = _model(keras.optimizers.Adam(0.01))
    m.fit(XS, YS, batch_size=8, epochs=1, verbose=0)
    m.save(str(tmp_path / "m.h5"))
    m.save(str(tmp_path / "bare.h5"), include_optimizer=False)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        g = f["optimizer_weights"]
        names = [n.decode() for n in g.attrs["weight_names"]]
        assert names == ["Adam/iter:0", "Adam/dense/kernel/m:0", "Adam/dense/bias/m:0",
                         "Adam/dense/kernel/v:0", "Adam/dense/bias/v:0"]
        assert g["Adam/iter:0"][()] == 1 and g["Adam/iter:0"].dtype == np.int64
        m_kernel = K.get_value(m.optimizer._slots["m"][0])
        np.testing.assert_array_equal(g["Adam/dense/kernel/m:0"][()], m_kernel)
    with h5py.File(tmp_path / "bare.h5", "r") as f:
        assert "optimizer_weights" not in f


def test_keras3_h5_optimizer_state_is_read_in_its_order(tmp_path):
    """Keras 3's legacy .h5 (optimizer.variables by path: iteration, learning_rate, each
    variable's momentum and velocity): dlcore reads its values into the same variables."""
    k3 = keras3()
    r = k3.Sequential([k3.Input((3,)), k3.layers.Dense(2)])
    r.compile(optimizer=k3.optimizers.Adam(0.01), loss="mse")
    for _ in range(3):
        r.optimizer.apply([R.standard_normal(v.shape).astype("float32")
                           for v in r.trainable_variables], r.trainable_variables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                   # (Keras 3: 'legacy' format)
        r.save(str(tmp_path / "r.h5"))
    want = [np.asarray(v.numpy()) for v in r.optimizer.variables]
    with tf.Graph().as_default():
        m = keras.models.load_model(str(tmp_path / "r.h5"))
        got = K.batch_get_value(m.optimizer.variables)
    assert len(got) == len(want) == 6 and int(got[0]) == 3
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def _saved(tmp_path):
    m = _model(keras.optimizers.Adam(0.01))
    m.fit(XS, YS, batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / "m.h5")
    m.save(path)
    return path


def test_h5_optimizer_that_does_not_fit_loads_fresh_with_keras2s_warning(tmp_path):
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:                       # one weight fewer
        g = f["optimizer_weights"]
        g.attrs["weight_names"] = g.attrs["weight_names"][:-1]
    with tf.Graph().as_default():
        with pytest.warns(UserWarning, match="Error in loading the saved optimizer state. As a "
                          "result, your model is starting with a freshly initialized "
                          "optimizer. \\(the file has 4 optimizer weights, Adam has 5\\)"):
            m = keras.models.load_model(path)
        assert all(not np.any(v) for v in K.batch_get_value(m.optimizer.variables[2:]))
        assert int(K.get_value(m.optimizer.iterations)) == 0
    with h5py.File(path, "a") as f:                       # all there, one of another shape
        g = f["optimizer_weights"]
        g.attrs["weight_names"] = [n.encode() for n in ("Adam/iter:0", "Adam/dense/kernel/m:0",
                                   "Adam/dense/bias/m:0", "Adam/dense/kernel/v:0",
                                   "Adam/dense/bias/v:0")]
        del g["Adam/dense/bias/v:0"]
        g["Adam/dense/bias/v:0"] = np.zeros(5, "float32")
    with tf.Graph().as_default():
        with pytest.warns(UserWarning, match="Adam/dense/bias/v:0 has shape \\(5,\\) in the "
                                             "file, \\(2,\\) in the optimizer"):
            m = keras.models.load_model(path)
        assert int(K.get_value(m.optimizer.iterations)) == 0   # (nothing set: iter checked too)


def test_h5_optimizer_weight_listed_but_missing_is_a_damaged_file(tmp_path):
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        del f["optimizer_weights/Adam/dense/kernel/v:0"]
    with tf.Graph().as_default(), pytest.raises(
            KerasFileError, match="lists the optimizer weights \\['Adam/dense/kernel/v:0'\\] "
                                  "in optimizer_weights/weight_names but has no such datasets"):
        keras.models.load_model(path)


@pytest.mark.parametrize("damage", ["dataset", "names_int", "names_2d", "group_entry",
                                    "string_value"])
def test_h5_optimizer_weights_malformed_are_refused(tmp_path, damage):
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        g = f["optimizer_weights"]
        if damage == "dataset":
            del f["optimizer_weights"]
            f["optimizer_weights"] = np.zeros(3)
        elif damage == "names_int":
            g.attrs["weight_names"] = 7
        elif damage == "string_value":         # (review21 K1: NumPy's int() error before)
            del g["Adam/iter:0"]
            g["Adam/iter:0"] = np.bytes_(b"abc")
        elif damage == "names_2d":
            g.attrs["weight_names"] = np.array([[b"a", b"b"]], dtype="S")
        else:
            g.attrs["weight_names"] = np.array([b"Adam"], dtype="S")     # (a group)
    with tf.Graph().as_default(), pytest.raises(KerasFileError, match="a damaged file"):
        keras.models.load_model(path)
