"""Reliability probe 8, Keras layer arguments (helper-R8).

Found by this probe: Keras layers took bad constructor arguments silently, where Keras 3 refuses
them when the layer is made: ``Dense(0)`` built an empty layer and ``Dense(2.5)`` one of 2 units,
``Dropout(1.5)`` scaled the kept inputs by 1 / (1 - 1.5) = -2 while training, ``Dropout(-0.1)``
was taken, ``Conv2D(2, 0)``/``Conv2D(2, (3, 3, 3))``/``MaxPooling2D(0)`` failed (or not) later in
an op's words, and ``Reshape((-1, -1))`` only when called.  ``Dropout(1.0)`` (valid) gave NaN in
training (0 / 0), where Keras gives zeros.  Each now raises Keras 3's ValueError with Keras 3's
words, when made (``dlcore_static/keras/layers/_arg_checks.py``).

Also: ``Reshape((2, 2))`` of samples of 3 values was built (Keras refuses it): at run time its
batch came out as N * 3 / 4 (4 samples gave 3), a silently wrong shape; a ``Conv2D`` or
``MaxPooling2D`` given a rank-2 input failed with a 'transpose' ShapeError that named no layer.
Both now raise Keras 3's ValueError naming the layer, when the layer is called.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from dlcore_static import keras as dk

os.environ.setdefault("KERAS_BACKEND", "numpy")
k3 = pytest.importorskip("keras")

CASES = {
    "dense_0": (lambda k: k.layers.Dense(0), "units=0"),
    "dense_neg": (lambda k: k.layers.Dense(-3), "units=-3"),
    "dense_frac": (lambda k: k.layers.Dense(2.5), "units=2.5"),
    "conv_filters": (lambda k: k.layers.Conv2D(-1, 3), "Received filters=-1"),
    "conv_kernel0": (lambda k: k.layers.Conv2D(2, 0), "kernel_size=0, including values {0}"),
    "conv_kernel3": (lambda k: k.layers.Conv2D(2, (3, 3, 3)), "tuple of 2 integers"),
    "conv_strides": (lambda k: k.layers.Conv1D(2, 3, strides=0), "strides=0"),
    "conv_dilation": (lambda k: k.layers.Conv2D(2, 3, dilation_rate=-1), "dilation_rate=-1"),
    "pool0": (lambda k: k.layers.MaxPooling2D(0), "pool_size=0"),
    "dropout_big": (lambda k: k.layers.Dropout(1.5), "rate=1.5"),
    "dropout_neg": (lambda k: k.layers.Dropout(-0.1), "rate=-0.1"),
    "reshape_two_unknown": (lambda k: k.layers.Reshape((-1, -1)),
                            "at most one unknown dimension"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_layer_argument_refused_when_made_as_keras3(case):
    make, words = CASES[case]
    for k in (dk, k3):
        with pytest.raises(ValueError) as e:
            make(k)
        assert words in str(e.value), (k.__name__, str(e.value))
    with pytest.raises(ValueError) as a:
        make(dk)
    with pytest.raises(ValueError) as b:
        make(k3)
    assert str(a.value).startswith(str(b.value))     # (Reshape adds Keras 2's words)


def test_good_arguments_still_accepted():
    # Keras 2 took int(units) (Keras 3 refuses a NumPy integer and a float)
    for units, want in ((np.int64(3), 3), (4.0, 4)):
        got = dk.layers.Dense(units).units
        assert type(got) is int and got == want
    # the others as Keras 3 makes them (the same normalised sizes, strides and rates)
    for make, keys in ((lambda k: k.layers.Conv2D(2, (3, 1), strides=(1, 2), dilation_rate=1),
                        ("kernel_size", "strides", "dilation_rate")),
                       (lambda k: k.layers.MaxPooling2D((2, 2), strides=1),
                        ("pool_size", "strides")),
                       (lambda k: k.layers.Reshape((2, -1)), ("target_shape",)),
                       (lambda k: k.layers.Dropout(0.0), ("rate",))):
        a, b = make(dk).get_config(), make(k3).get_config()
        assert [a[n] for n in keys] == [b[n] for n in keys], keys


def test_dropout_rate_one_gives_zeros_in_training():
    x = np.ones((2, 3), np.float32)
    for k in (dk, k3):
        out = k.layers.Dropout(1.0)(x, training=True)
        out = np.asarray(out if k is k3 else dk.backend.eval(out))
        assert np.array_equal(out, np.zeros((2, 3), np.float32)), k.__name__


@pytest.mark.parametrize("case", ["reshape_size", "conv_rank", "conv1d_rank", "pool_rank"])
def test_wrong_input_refused_when_the_layer_is_called_as_keras3(case):
    make = {"reshape_size": lambda k: k.layers.Reshape((2, 2), name="resh"),
            "conv_rank": lambda k: k.layers.Conv2D(2, 3, name="conv_on_2d"),
            "conv1d_rank": lambda k: k.layers.Conv1D(2, 3, name="c1"),
            "pool_rank": lambda k: k.layers.MaxPooling2D(name="p")}[case]
    msgs = []
    for k in (dk, k3):
        x = k.layers.Dense(3)(k.Input((4,)))
        with pytest.raises(ValueError) as e:
            make(k)(x)
        msgs.append(str(e.value).replace("with name 'None' ", ""))
    if case == "reshape_size":          # tf.keras 2's words (as Reshape's -1 case); Keras 3's
        assert msgs[0] == "total size of new array must be unchanged, input_shape = [3], " \
                          "output_shape = [2, 2]"
        assert "total size of the tensor must be unchanged" in msgs[1]
    else:
        assert msgs[0] in msgs[1], msgs
