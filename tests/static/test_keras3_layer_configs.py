"""Every built-in Keras layer class's ``get_config()`` against Keras 3.15's (numpy backend),
with default and with non-default constructor arguments: the same keys and values (serialised
initializers, regularizers, constraints, dtype policy), the layer name aside; and
``from_config(get_config())`` gives the same config.  Justified exceptions are listed below."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")
keras = pytest.importorskip("keras")

import dlcore_static.keras as dk

#: classes not compared, and why
EXCEPTIONS = {
    "Lambda": "Keras 3 writes the function as marshalled bytecode; dlcore never writes code",
    "RandomContrast": "Keras 3 writes factor 0.2 as (0, 0.2); dlcore's contrast range differs",
    "Hashing": "Keras 3 needs TensorFlow for it", "IntegerLookup": "idem",
    "StringLookup": "idem", "TextVectorization": "idem",
    "Bidirectional": "a wrapper (tests/io compare its files)", "TimeDistributed": "idem",
    "RNN": "idem", "StackedRNNCells": "idem", "InputLayer": "model plumbing", "Layer": "base",
    "ThresholdedReLU": "not in Keras 3",
    "CuDNNLSTM": "Keras 2's, not in Keras 3 (tests/static/test_keras_cudnn_layers.py)",
    "CuDNNGRU": "idem",
    "CategoryEncoding": "dlcore writes sparse=False, Keras 3 writes no sparse key",
    "Discretization": "dlcore writes bin_boundaries as a list, Keras 3 as given (a tuple)",
}
#: classes whose *default* configs differ (none since the recurrent layers took Keras 3's
#: recurrent_activation 'sigmoid' and GRU reset_after True; Keras 2's are in NON_DEFAULT)
KERAS2_DEFAULTS: set[str] = set()
A = {"Activation": ("relu",), "AlphaDropout": (0.1,), "GaussianDropout": (0.1,),
     "GaussianNoise": (0.1,), "SpatialDropout1D": (0.1,), "SpatialDropout2D": (0.1,),
     "SpatialDropout3D": (0.1,), "Dropout": (0.1,), "CenterCrop": (4, 4), "Resizing": (4, 4),
     "Conv1D": (2, 3), "Conv2D": (2, 3), "Conv3D": (2, 3), "Conv2DTranspose": (2, 3),
     "Conv1DTranspose": (2, 3), "Convolution1DTranspose": (2, 3), "Conv3DTranspose": (2, 3), "ConvLSTM2D": (2, 3), "DepthwiseConv2D": (3,),
     "SeparableConv1D": (2, 3), "SeparableConv2D": (2, 3), "Dense": (3,), "Dot": (1,),
     "Embedding": (10, 4), "GRU": (3,), "LSTM": (3,), "SimpleRNN": (3,), "GRUCell": (3,),
     "LSTMCell": (3,), "SimpleRNNCell": (3,), "MultiHeadAttention": (2, 4),
     "Permute": ((2, 1),), "RandomRotation": (0.2,), "RandomTranslation": (0.1, 0.2),
     "RandomZoom": (0.2,), "RepeatVector": (3,), "Rescaling": (0.5,), "Reshape": ((2, 3),),
     "AveragePooling1D": (2,), "AveragePooling2D": (2,), "AveragePooling3D": (2,),
     "CategoryEncoding": (4,), "Discretization": ((0.0, 1.0),)}
_INIT = {"kernel_initializer": "he_normal", "bias_initializer": "ones",
         "kernel_regularizer": "l2", "bias_constraint": "non_neg"}
# ('l1': Keras 3 writes L1's factor rounded to float32, 0.009999999776482582; dlcore 0.01)
_SEP = {"depthwise_initializer": "he_uniform", "bias_initializer": "ones",
        "depthwise_regularizer": "l2", "activity_regularizer": "l2"}
#: non-default arguments (class name -> kwargs)
NON_DEFAULT = {
    "BatchNormalization": {"axis": 1, "momentum": 0.9, "epsilon": 1e-4, "center": False,
                           "gamma_initializer": "zeros", "beta_regularizer": "l2",
                           "moving_variance_initializer": "he_normal"},
    "LayerNormalization": {"axis": [1, 2], "epsilon": 1e-5, "scale": False,
                           "beta_initializer": "ones", "gamma_regularizer": "l2"},
    "SeparableConv2D": {**_SEP, "pointwise_initializer": "zeros", "depth_multiplier": 2,
                        "pointwise_constraint": "max_norm"},
    "SeparableConv1D": {**_SEP, "strides": 2, "padding": "same"},
    "DepthwiseConv2D": {**_SEP, "depth_multiplier": 2, "use_bias": False},
    "Conv2DTranspose": {**_INIT, "activity_regularizer": "l2", "strides": 2},
    "MultiHeadAttention": {"value_dim": 3, "use_bias": False, **{
        k: v for k, v in _INIT.items() if k.endswith("initializer")}},
    "ConvLSTM2D": {**_INIT, "recurrent_initializer": "zeros", "return_sequences": True,
                   "padding": "same", "recurrent_activation": "sigmoid"},
    "GRU": {**_INIT, "reset_after": False, "recurrent_activation": "tanh"},
    "LSTM": {**_INIT, "unit_forget_bias": False, "go_backwards": True,
             "recurrent_activation": "sigmoid"},
    "GRUCell": {**_INIT, "recurrent_regularizer": "l2", "recurrent_activation": "sigmoid",
                "reset_after": True},
    "LSTMCell": {**_INIT, "recurrent_activation": "sigmoid"},
    "SimpleRNNCell": {**_INIT, "activation": "relu"},
    "LeakyReLU": {"negative_slope": 0.1}, "RandomRotation": {"fill_mode": "constant"},
    "RandomZoom": {"width_factor": (-0.1, 0.3), "fill_value": 1.0},
    "RandomTranslation": {"interpolation": "nearest"}, "Cropping1D": {"cropping": (1, 2)},
    "ZeroPadding1D": {"padding": 3}, "SpatialDropout2D": {"seed": 3},
    "AlphaDropout": {"seed": 2}, "Dropout": {"noise_shape": (1, 3)},
    "Attention": {"use_scale": True, "score_mode": "concat"},
    "AdditiveAttention": {"use_scale": False},
}
_ALIASES = {"AvgPool1D", "AvgPool2D", "AvgPool3D", "Convolution1D", "Convolution2D",
            "Convolution3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
            "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "MaxPool1D", "MaxPool2D",
            "MaxPool3D", "SeparableConvolution1D", "SeparableConvolution2D"}
CLASSES = sorted(n for n in dir(dk.layers) if n[0].isupper() and n not in _ALIASES
                 and n not in EXCEPTIONS and isinstance(getattr(dk.layers, n), type))
CASES = [(n, {}) for n in CLASSES if n not in KERAS2_DEFAULTS] + sorted(NON_DEFAULT.items())


def _strip(cfg: dict) -> dict:
    return {k: v for k, v in cfg.items() if k != "name"}


@pytest.mark.parametrize("cls,kw", CASES, ids=[f"{c}-{'kw' if k else 'default'}"
                                                for c, k in CASES])
def test_config_equals_keras3(cls, kw):
    args = A.get(cls, ())
    ours = getattr(dk.layers, cls)(*args, **kw)
    theirs = getattr(keras.layers, cls)(*args, **kw)
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()


def test_leaky_relu_alpha_is_keras3s_deprecated_name():
    with pytest.warns(UserWarning, match="Argument `alpha` is deprecated"):
        layer = dk.layers.LeakyReLU(alpha=0.2)
    assert layer.negative_slope == 0.2 and "alpha" not in layer.get_config()
    with pytest.raises(ValueError) as theirs:
        keras.layers.LeakyReLU(negative_slope=-1)
    with pytest.raises(ValueError) as ours:
        dk.layers.LeakyReLU(negative_slope=-1)
    assert str(ours.value) == str(theirs.value)


def test_refused_arguments_are_not_ignored():
    with pytest.raises(NotImplementedError, match="renorm=True"):
        dk.layers.BatchNormalization(renorm=True)
    with pytest.raises(NotImplementedError, match="noise_shape"):
        dk.layers.AlphaDropout(0.1, noise_shape=(1, 3))
    cfg = dk.layers.MultiHeadAttention(2, 4).get_config()
    with pytest.raises(ValueError, match="use_gate=True is not supported"):
        dk.layers.MultiHeadAttention.from_config({**cfg, "use_gate": True})
