"""Keras 3 constructor arguments that dlcore's layers take only at values it can honour.

Programs written for Keras 3 pass its newer arguments, often at their defaults
(``Conv2D(8, 3, groups=1)``, ``LSTM(8, use_cudnn="auto")``, ``Dense(4, lora_rank=None)``);
those were refused as unknown keywords.  Each entry of ``ARGS`` names the layer classes (by
name, anywhere in the layer's class hierarchy) whose Keras 3 signature has the argument, the
values dlcore computes exactly as Keras 3 does, and those values in words.  Any other value
raises ``NotImplementedError`` naming the layer and the argument, never silently ignored.

``weights=`` (Keras 2 on every layer; Keras 3's ``Embedding``) is kept as the layer's initial
weights, set right after the layer is built (``after_build``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NONE: tuple[Callable[[Any], bool], str] = (lambda v: v is None, "None")
_ANY_BOOL: tuple[Callable[[Any], bool], str] = (lambda v: v in (True, False), "True or False")
_CONV = ("Conv1D", "Conv2D", "Conv3D")
_LORA = ("Dense", "Embedding")
_BN = ("BatchNormalization",)
_MHA = ("MultiHeadAttention",)
_RNN = ("RNN", "LSTM", "GRU", "SimpleRNN")
_LOOKUP = ("StringLookup", "IntegerLookup")

#: argument -> (layer classes with it, accepted value test, the accepted values in words)
ARGS: dict[str, tuple[tuple[str, ...], Callable[[Any], bool], str]] = {
    "groups": (_CONV, lambda v: v == 1, "1"),
    "lora_rank": (_LORA, *_NONE),
    "lora_alpha": (_LORA, *_NONE),
    "quantization_config": (_LORA, *_NONE),
    "renorm_clipping": (_BN, *_NONE),
    # meaningful only with renorm=True, which BatchNormalization refuses itself
    "renorm_momentum": (_BN, lambda v: True, "any value"),
    # one device: the batch's statistics are the global batch's (Keras 3 reads it on TF only)
    "synchronized": (_BN, *_ANY_BOOL),
    # the same computation either way; True demands cuDNN (Keras 3 raises without it)
    "use_cudnn": (("LSTM", "GRU"), lambda v: v in ("auto", False), "'auto' or False"),
    # dlcore has no mixed-precision policy, so a layer never casts its inputs either way
    "autocast": (("Layer",), *_ANY_BOOL),
    "sliding_window": (_MHA, *_NONE),
    "flash_attention": (_MHA, lambda v: v in (None, False), "None or False"),
    "use_gate": (_MHA, lambda v: v is False, "False"),
    # masked steps repeat the previous output (Keras 3's default)
    "zero_output_for_mask": (_RNN, lambda v: v is False, "False"),
    "salt": (_LOOKUP, *_NONE),
    "oov_method": (_LOOKUP, lambda v: v == "floormod", "'floormod'"),
    # ConvLSTM2D refuses dropout, so its seed draws nothing (as Keras 3's at rate 0)
    "seed": (("ConvLSTM2D",), lambda v: True, "any value"),
    "ragged": (("InputLayer",), lambda v: v in (None, False), "None or False"),
    "optional": (("InputLayer",), lambda v: v is False, "False"),
}


def absorb(layer, kwargs: dict) -> dict:
    """``kwargs`` less the Keras 3 arguments of ``ARGS`` that ``layer``'s class takes, each
    checked; ``weights=`` kept as ``layer._initial_weights``; Keras 2's ``input_length``
    dropped (the input's shape gives it)."""
    names = {c.__name__ for c in type(layer).__mro__}
    cls = type(layer).__name__
    for arg in [a for a in kwargs if a in ARGS and names & set(ARGS[a][0])]:
        _, ok, words = ARGS[arg]
        value = kwargs.pop(arg)
        if not ok(value):
            raise NotImplementedError(f"{cls}: `{arg}={value!r}` is not supported by dlcore "
                                      f"(only {words}, which computes as Keras 3)")
    weights = kwargs.pop("weights", None)
    if weights is not None:
        layer._initial_weights = list(weights)
    kwargs.pop("input_length", None)
    return kwargs


def after_build(layer) -> None:
    """Mark ``layer`` built and give it the ``weights=`` it was constructed with, if any."""
    layer.built = True
    weights = layer.__dict__.pop("_initial_weights", None)
    if weights is not None:
        layer.set_weights(weights)
