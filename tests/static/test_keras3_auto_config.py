"""Keras 3's automatic ``Layer.get_config()`` for a user's layer class that writes none
(keras/_auto_config.py): the constructor arguments when they are simple values, Keras 3's
``NotImplementedError`` otherwise; compared with Keras 3.15 (numpy backend) class by class, and
``model.save`` / ``load_model`` round trips of such a layer."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

from dlcore_static import keras
from tests.io.real_keras import keras3


def _classes(K: Any) -> dict:
    class A(K.layers.Layer):                  # **kwargs: name kept
        def __init__(self, units=3, scale=1.5, acts=("relu",), opts=None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.scale = units, scale

        def call(self, x):
            return x * self.scale

    class B(K.layers.Layer):                  # neither name nor **kwargs: name left out
        def __init__(self, units):
            super().__init__()
            self.units = units

    class C(K.layers.Layer):                  # an array argument: not automatic
        def __init__(self, arr, **kwargs):
            super().__init__(**kwargs)

    class D(K.layers.Layer):                  # *args
        def __init__(self, *args, **kw):
            super().__init__(**kw)

    class E(A):                               # a user's base with get_config: not automatic
        def get_config(self):
            return {**super().get_config(), "units": self.units}
    return {"A": A, "B": B, "C": C, "D": D, "E": E}


CASES = [("A", (), {}), ("A", (4,), {"trainable": False, "opts": {"k": [1, 2.5]}}),
         ("A", (), {"activity_regularizer": "l2"}), ("B", (2,), {}),
         ("D", (), {}), ("E", (), {"units": 7})]


def _norm(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k != "name"} | {"has_name": "name" in cfg}


@pytest.mark.parametrize("cls,args,kw", CASES)
def test_auto_config_equals_keras3(cls, args, kw):
    k3 = keras3()
    ours = _classes(keras)[cls](*args, **kw).get_config()
    theirs = _classes(k3)[cls](*args, **kw).get_config()
    assert _norm(ours) == _norm(theirs)


@pytest.mark.parametrize("cls,args", [("C", (np.zeros(2),)), ("D", (1,))])
def test_not_automatic_raises_keras3_error(cls, args, tmp_path):
    k3 = keras3()
    with pytest.raises(NotImplementedError) as theirs:
        _classes(k3)[cls](*args).get_config()
    with pytest.raises(NotImplementedError) as ours:
        _classes(keras)[cls](*args).get_config()
    assert str(ours.value) == str(theirs.value)
    m = keras.Sequential([_classes(keras)[cls](*args, input_shape=(2,))])
    with pytest.raises(NotImplementedError, match=f"Object {cls} was created by passing"):
        m.save(str(tmp_path / "m.keras"))
    assert not os.path.exists(tmp_path / "m.keras")


def test_save_and_load_with_automatic_config(tmp_path):
    A = _classes(keras)["A"]
    m = keras.Sequential([keras.Input((2,)), A(scale=3.0), keras.layers.Dense(1)])
    x = np.array([[1.0, 2.0]], "float32")
    want = m.predict(x, verbose=0)
    for suffix in (".keras", ".h5"):
        path = str(tmp_path / ("m" + suffix))
        m.save(path)
        r = keras.models.load_model(path, custom_objects={"A": A})
        assert r.layers[0].scale == 3.0
        np.testing.assert_allclose(r.predict(x, verbose=0), want, rtol=1e-6)
    again = A.from_config(A(units=5).get_config())
    assert again.units == 5
