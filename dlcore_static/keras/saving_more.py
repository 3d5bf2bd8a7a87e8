"""Keras model files for the layers beyond ``saving.py``'s first list: normalisation and noise
layers, attention, ``ConvLSTM2D``, padding/cropping/upsampling, transposed, depthwise and
separable convolutions, ``Masking`` and the advanced activations.

Each class lists the constructor arguments its configuration holds (Keras's names; the layer
keeps them as attributes of the same name).  ``fix`` turns dlcore's attribute values into the
values Keras writes where they differ (a 1-D padding ``((1, 1),)`` is Keras's ``[1, 1]``) and
writes the constant arguments dlcore supports only one value of (``dropout=0.0``,
``data_format='channels_last'`` of ``ConvLSTM2D``, ...), so that a loaded layer is rebuilt with
them and Keras 3 reads the file.  Loading passes these keys to the class of that name in
``dlcore_static.keras.layers`` (nothing else is looked up).

Weights in Keras 3's layout (``var_groups``): ``MultiHeadAttention`` nests its projections as
``query_dense/vars``, ``key_dense/vars``, ``value_dense/vars``, ``output_dense/vars`` (kernel,
then bias), ``ConvLSTM2D`` its kernel, recurrent kernel and bias as ``cell/vars``, as Keras 3's
saver does; every other layer writes ``vars/<i>`` in its weights' order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_CONVT = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
          "activation", "use_bias")
_SEP = _CONVT + ("depth_multiplier",)
_DROP = ("rate", "seed")

LAYERS: dict[str, tuple] = {
    "LayerNormalization": ("axis", "epsilon", "center", "scale"),
    "UnitNormalization": ("axis",),
    "GaussianNoise": ("stddev", "seed"),
    "GaussianDropout": _DROP,
    "AlphaDropout": _DROP + ("noise_shape",),
    "SpatialDropout1D": _DROP,                    # Keras 3's has no data_format argument
    "SpatialDropout2D": _DROP + ("data_format",),
    "SpatialDropout3D": _DROP + ("data_format",),
    "ActivityRegularization": ("l1", "l2"),
    "Rescaling": ("scale", "offset"),
    "Identity": (),
    "Attention": ("use_scale", "score_mode", "dropout", "seed"),
    "AdditiveAttention": ("use_scale", "dropout"),
    "MultiHeadAttention": ("num_heads", "key_dim", "value_dim", "dropout", "use_bias",
                           "output_shape", "attention_axes"),
    "ConvLSTM2D": ("filters", "kernel_size", "strides", "padding", "data_format",
                   "dilation_rate", "activation", "recurrent_activation", "use_bias",
                   "unit_forget_bias", "return_sequences", "return_state", "go_backwards",
                   "stateful", "dropout", "recurrent_dropout"),
    "Conv1DTranspose": _CONVT, "Conv2DTranspose": _CONVT, "Conv3DTranspose": _CONVT,
    "DepthwiseConv2D": ("kernel_size", "strides", "padding", "depth_multiplier",
                        "data_format", "dilation_rate", "activation", "use_bias"),
    "SeparableConv1D": _SEP, "SeparableConv2D": _SEP,
    "Cropping1D": ("cropping",), "Cropping2D": ("cropping", "data_format"),
    "Cropping3D": ("cropping", "data_format"),
    "ZeroPadding1D": ("padding",), "ZeroPadding2D": ("padding", "data_format"),
    "ZeroPadding3D": ("padding", "data_format"),
    "UpSampling1D": ("size",), "UpSampling2D": ("size", "data_format", "interpolation"),
    "UpSampling3D": ("size", "data_format"),
    "Masking": ("mask_value",),
    "ELU": ("alpha",), "LeakyReLU": ("negative_slope",), "ThresholdedReLU": ("theta",),
    "ReLU": ("max_value", "negative_slope", "threshold"), "Softmax": ("axis",),
    "PReLU": ("shared_axes",),
    # Keras 3's preprocessing layers (layers/preprocessing.py, layers/image_augment.py)
    "Normalization": ("axis", "invert", "mean", "variance"),
    "Discretization": ("bin_boundaries", "num_bins", "epsilon", "output_mode", "sparse"),
    "CategoryEncoding": ("num_tokens", "output_mode", "sparse"),
    "Resizing": ("height", "width", "interpolation", "crop_to_aspect_ratio",
                 "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias", "data_format"),
    "CenterCrop": ("height", "width", "data_format"),
    "RandomFlip": ("mode", "seed", "data_format"),
    "RandomContrast": ("factor", "value_range", "seed", "data_format"),
    "RandomRotation": ("factor", "fill_mode", "interpolation", "seed", "fill_value",
                       "data_format"),
    "RandomZoom": ("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                   "fill_value", "data_format"),
    "RandomTranslation": ("height_factor", "width_factor", "fill_mode", "interpolation",
                          "seed", "fill_value", "data_format"),
    # layers/text_preprocessing.py: the vocabulary is written into the configuration
    "StringLookup": ("max_tokens", "num_oov_indices", "mask_token", "oov_token", "vocabulary",
                     "idf_weights", "invert", "output_mode", "pad_to_max_tokens", "sparse",
                     "encoding"),
    "IntegerLookup": ("max_tokens", "num_oov_indices", "mask_token", "oov_token",
                      "vocabulary", "vocabulary_dtype", "idf_weights", "invert",
                      "output_mode", "sparse", "pad_to_max_tokens"),
    "TextVectorization": ("max_tokens", "standardize", "split", "ngrams", "output_mode",
                          "output_sequence_length", "pad_to_max_tokens", "vocabulary",
                          "idf_weights", "sparse", "ragged", "encoding"),
    "Hashing": ("num_bins", "mask_value", "salt", "output_mode", "sparse"),
}

# arguments dlcore accepts one value of only (the layer keeps no attribute for them)
_FIXED: dict[str, dict[str, Any]] = {
    "Attention": {"dropout": 0.0}, "AdditiveAttention": {"dropout": 0.0},
    "MultiHeadAttention": {"dropout": 0.0, "output_shape": None, "attention_axes": None},
    "ConvLSTM2D": {"data_format": "channels_last", "stateful": False, "dropout": 0.0,
                   "recurrent_dropout": 0.0},
    "ReLU": {"threshold": 0.0},
    "Resizing": {"fill_mode": "constant", "antialias": False},
}
_ONE_D = {"Cropping1D": "cropping", "ZeroPadding1D": "padding", "UpSampling1D": "size"}


def fix(layer, cfg: dict) -> None:
    """Corrects ``cfg`` (name, trainable and the attributes of ``layer`` named in ``LAYERS``)
    in place so that it holds Keras's values."""
    cls = type(layer).__name__
    out: dict[str, Any] = {}
    if cls == "SpatialDropout1D":         # Keras 3's refuses the key (its config has none)
        cfg.pop("trainable", None)
    out.update(_FIXED.get(cls, {}))     # (Layer.output_shape is the layer's output's shape)
    if cls == "Attention" and not hasattr(layer, "seed"):
        out["seed"] = None
    if cls == "AlphaDropout" and not hasattr(layer, "noise_shape"):
        out["noise_shape"] = None
    if cls in _ONE_D:                              # ((1, 1),) -> [1, 1]; (2,) -> 2
        k = _ONE_D[cls]
        v = cfg[k]
        out[k] = v[0] if isinstance(v, list) and len(v) == 1 else v
    if cls == "PReLU" and not cfg.get("shared_axes"):
        out["shared_axes"] = None
    if cls == "Normalization":                     # given values, or None when adapted
        out["mean"] = None if layer.input_mean is None else np.array(layer.input_mean).tolist()
        out["variance"] = None if layer.input_variance is None else \
            np.array(layer.input_variance).tolist()
    if cls in ("StringLookup", "IntegerLookup", "TextVectorization"):
        out["vocabulary"] = layer.get_vocabulary(include_special_tokens=False) or None
        out["idf_weights"] = None if layer._idf_tokens is None else \
            [float(w) for w in layer._idf_tokens]
        if cls == "TextVectorization":
            n = layer.ngrams
            out.update({"ngrams": list(n) if isinstance(n, tuple) else n, "ragged": False})
        if cls == "IntegerLookup":
            out["vocabulary_dtype"] = "int64"
            cfg.pop("encoding", None)
        if cls == "TextVectorization":
            for k in ("num_oov_indices", "mask_token", "oov_token", "invert"):
                cfg.pop(k, None)
    if cls == "MultiHeadAttention" and cfg.get("value_dim") is None:
        out["value_dim"] = cfg.get("key_dim")
    cfg.update(out)


def var_groups(layer) -> list[tuple[str, list]] | None:
    """Keras 3's nested weight paths of ``layer`` (None: the plain ``vars`` group)."""
    cls = type(layer).__name__
    if cls == "MultiHeadAttention":
        def pair(wb):
            return [w for w in wb if w is not None]
        out_wb = (layer.output_kernel, layer.output_bias)
        return [("query_dense/vars", pair(layer.query_dense)),
                ("key_dense/vars", pair(layer.key_dense)),
                ("value_dense/vars", pair(layer.value_dense)),
                ("output_dense/vars", pair(out_wb))]
    if cls == "ConvLSTM2D":
        return [("cell/vars", list(layer.weights))]
    return None
