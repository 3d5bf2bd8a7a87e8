"""TF 1.15's checks of the keyword arguments of ``tf.layers``' classes and functions."""

from __future__ import annotations

# Layer.__init__'s other keyword arguments in TF 1.15 (base_layer's allowed_kwargs), and the
# constraints (refused by take_regularizers when set)
_LAYER_KW = frozenset({"input_shape", "batch_input_shape", "batch_size", "weights",
                       "activity_regularizer", "autocast", "dtype", "dynamic", "_scope", "_reuse",
                       "kernel_constraint", "bias_constraint", "depthwise_constraint",
                       "pointwise_constraint"})
# tf.layers.dense/conv*'s keyword arguments taken through ``**kw``
_FN_KW = frozenset({"kernel_regularizer", "bias_regularizer", "activity_regularizer",
                    "kernel_constraint", "bias_constraint"})


def refuse_kwargs(kw: dict, layer: str) -> None:
    """TF1's Layer: an unknown keyword argument is ``TypeError('Keyword argument not
    understood:', name)`` (generic_utils.validate_kwargs)."""
    for k, v in kw.items():
        if k not in _LAYER_KW:
            raise TypeError("Keyword argument not understood:", k)
        if k.endswith("_constraint") and v is not None:
            raise NotImplementedError(f"{layer}: {k}={v!r} is not supported by dlcore_static's "
                                      "tf.layers")


def refuse_fn_kwargs(fn: str, kw: dict, allowed=_FN_KW) -> None:
    """TF1's functional ``tf.layers.*`` have no ``**kwargs``: Python's TypeError."""
    for k in kw:
        if k not in allowed:
            raise TypeError(f"{fn}() got an unexpected keyword argument '{k}'")
