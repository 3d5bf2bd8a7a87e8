"""``layer.get_config()`` / ``from_config`` of the built-in Keras layers and models, vs Keras 3.15.

Keras 3 (numpy backend) builds the same layers with the same constructor arguments; the configs
must be equal (the layer name aside).  ``from_config(get_config())`` must give the same config,
for layers, ``Sequential`` and functional models, and ``clone_model`` must keep initializers and
regularizers.  The model-file writer takes its values from ``get_config()`` (one config).
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")
keras = pytest.importorskip("keras")

import dlcore_static.keras as dk

# (class name, args, kwargs): every one of these has Keras 3.15's exact config in dlcore
SAME = [
    ("Dense", (3,), {"activation": "relu", "kernel_initializer": "he_normal",
                     "kernel_regularizer": "l2", "kernel_constraint": "max_norm"}),
    ("Conv2D", (2, 3), {"strides": 2, "padding": "same", "bias_initializer": "ones"}),
    ("Conv1D", (4, 5), {"activation": "tanh", "kernel_initializer": "orthogonal"}),
    ("Embedding", (10, 4), {"mask_zero": True}),
    ("LSTM", (4,), {"recurrent_activation": "sigmoid", "return_sequences": True,
                    "recurrent_regularizer": "l2"}),
    ("SimpleRNN", (3,), {"go_backwards": True}),
    ("Activation", ("relu",), {}),
    ("MaxPooling2D", ((3, 3),), {"padding": "same"}),
    ("Reshape", ((2, 3),), {}), ("Permute", ((2, 1),), {}), ("RepeatVector", (3,), {}),
    ("Concatenate", (), {"axis": 1}), ("Add", (), {}), ("Softmax", (), {}), ("ELU", (), {}),
    ("ReLU", (), {"max_value": 6.0}), ("GaussianNoise", (0.1,), {}), ("Masking", (), {}),
    ("ZeroPadding2D", ((1, 2),), {}), ("Cropping2D", (), {}), ("UpSampling2D", (), {}),
    ("Rescaling", (0.5,), {"offset": 1.0}), ("UnitNormalization", (), {}),
    ("CenterCrop", (4, 4), {}), ("Resizing", (4, 5), {}), ("PReLU", (), {}),
]


def _strip(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k not in ("name", "quantization_config")}


@pytest.mark.parametrize("cls,args,kw", SAME, ids=[s[0] for s in SAME])
def test_layer_config_equals_keras3(cls, args, kw):
    ours = getattr(dk.layers, cls)(*args, **kw)
    theirs = getattr(keras.layers, cls)(*args, **kw)
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()


def test_keras_reads_our_layer_config():
    cfg = dk.layers.Dense(3, activation="relu", kernel_initializer="he_normal").get_config()
    layer = keras.layers.Dense.from_config(cfg)
    assert _strip(layer.get_config()) == _strip(cfg)


def test_models_get_config_and_from_config_round_trip():
    m = dk.Sequential([dk.layers.Dense(3, input_shape=(4,), kernel_initializer="he_normal",
                                       kernel_regularizer="l2"), dk.layers.Dense(2)])
    cfg = m.get_config()
    assert [r["class_name"] for r in cfg["layers"]] == ["InputLayer", "Dense", "Dense"]
    kd = keras.layers.Dense(3, kernel_initializer="he_normal", kernel_regularizer="l2")
    assert _strip(cfg["layers"][1]["config"]) == _strip(kd.get_config())
    assert dk.Sequential.from_config(cfg).get_config() == cfg
    clone = dk.models.clone_model(m)
    assert clone.get_config() == cfg
    x = dk.layers.Input((4,))
    f = dk.Model(x, dk.layers.Dense(2, bias_initializer="ones")(x))
    fc = f.get_config()
    assert fc["input_layers"] and fc["output_layers"]
    assert dk.Model.from_config(fc).get_config() == fc


def test_a_sequential_never_called_is_saved(tmp_path):
    import numpy as np
    m = dk.Sequential()
    m.add(dk.layers.Dense(3, input_shape=(4,), activation="relu"))
    m.add(dk.layers.Dense(2))
    m.save(str(tmp_path / "m.keras"))          # was: "Layer dense_1 is not connected"
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    theirs = keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(theirs.predict(x, verbose=0), m.predict(x), atol=1e-6)
