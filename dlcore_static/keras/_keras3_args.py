"""Keras 3 constructor arguments that dlcore's layers take only at values it can honour.

Programs written for Keras 3 pass its newer arguments, often at their defaults
(``LSTM(8, use_cudnn="auto")``, ``Dense(4, lora_rank=None)``);
those were refused as unknown keywords.  Each entry of ``ARGS`` names the layer classes (by
name, anywhere in the layer's class hierarchy) whose Keras 3 signature has the argument, the
values dlcore computes exactly as Keras 3 does, those values in words, and the value Keras 3's
``get_config`` writes for it (``_layer_config`` reads it: one table for the constructors and
the configurations).  Any other value raises ``NotImplementedError`` naming the layer and the
argument, never silently ignored.

``weights=`` (Keras 2 on every layer; Keras 3's ``Embedding``) is kept as the layer's initial
weights, set right after the layer is built (``after_build``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..graph import Tensor

_NONE: tuple[Callable[[Any], bool], str] = (lambda v: v is None, "None")
_FALSE: tuple[Callable[[Any], bool], str] = (lambda v: v is False, "False")
_ANY_BOOL: tuple[Callable[[Any], bool], str] = (lambda v: v in (True, False), "True or False")
_ANY: tuple[Callable[[Any], bool], str] = (lambda v: True, "any value")
_LORA = ("Dense", "Embedding")
_BN = ("BatchNormalization",)
_MHA = ("MultiHeadAttention",)
_RNN = ("RNN", "LSTM", "GRU", "SimpleRNN")
_LOOKUP = ("StringLookup", "IntegerLookup")
#: ``Arg.written`` of an argument Keras 3's ``get_config`` does not write
UNWRITTEN: Any = type("Unwritten", (), {"__repr__": lambda self: "UNWRITTEN"})()


class Arg(NamedTuple):
    """A Keras 3 argument dlcore's layers honour only at some values: the layer classes that
    have it (class names), the test of an accepted value, those values in words, and the value
    ``get_config`` writes for it (``UNWRITTEN``: Keras 3 does not write it)."""

    owners: tuple[str, ...]
    ok: Callable[[Any], bool]
    words: str
    written: Any = UNWRITTEN


#: argument -> ``Arg``: the one table of them, read by ``absorb`` (constructors) and by
#: ``_layer_config`` (``get_config`` writes ``written``, ``from_config`` accepts only it); a
#: class whose constructor takes the argument itself (BatchNormalization's ``renorm``, the
#: transposed convolutions' ``output_padding``) checks it there with its own message
ARGS: dict[str, Arg] = {
    "lora_rank": Arg(_LORA, *_NONE),
    "lora_alpha": Arg(_LORA, *_NONE),
    "quantization_config": Arg(_LORA, *_NONE, None),
    "output_padding": Arg(("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"), *_NONE, None),
    "renorm": Arg(_BN, *_FALSE, False),
    "renorm_clipping": Arg(_BN, *_NONE, None),
    # meaningful only with renorm=True, which BatchNormalization refuses itself
    "renorm_momentum": Arg(_BN, *_ANY, 0.99),
    # one device: the batch's statistics are the global batch's (Keras 3 reads it on TF only)
    "synchronized": Arg(_BN, *_ANY_BOOL, False),
    "rms_scaling": Arg(("LayerNormalization",), *_FALSE, False),
    # the same computation either way; True demands cuDNN (Keras 3 raises without it)
    "use_cudnn": Arg(("LSTM", "GRU"), lambda v: v in ("auto", False), "'auto' or False"),
    # dlcore has no mixed-precision policy, so a layer never casts its inputs either way
    "autocast": Arg(("Layer",), *_ANY_BOOL),
    "use_gate": Arg(_MHA, *_FALSE, False),
    "sliding_window": Arg(_MHA, *_NONE, None),
    "flash_attention": Arg(_MHA, lambda v: v in (None, False), "None or False"),
    # masked steps repeat the previous output (Keras 3's default)
    "zero_output_for_mask": Arg(_RNN + ("ConvLSTM2D",), *_FALSE, False),
    "salt": Arg(_LOOKUP, *_NONE),
    "oov_method": Arg(_LOOKUP, lambda v: v == "floormod", "'floormod'"),
    # ConvLSTM2D refuses dropout, so its seed draws nothing (as Keras 3's at rate 0)
    "seed": Arg(("ConvLSTM2D",), *_ANY, None),
    "unroll": Arg(("ConvLSTM2D",), *_FALSE, False),
    "ragged": Arg(("InputLayer",), lambda v: v in (None, False), "None or False"),
    "optional": Arg(("InputLayer",), *_FALSE),
}


def written(class_names: set) -> dict:
    """The arguments ``get_config`` writes for a layer whose built-in classes have these
    names: argument -> the value written (and the only one ``from_config`` accepts)."""
    return {a: spec.written for a, spec in ARGS.items()
            if spec.written is not UNWRITTEN and class_names & set(spec.owners)}


def check(cls: str, arg: str, value) -> None:
    """Refuse ``value`` of ``arg`` where ``ARGS`` does not accept it (NotImplementedError)."""
    spec = ARGS[arg]
    if not spec.ok(value):
        raise NotImplementedError(f"{cls}: `{arg}={value!r}` is not supported by dlcore "
                                  f"(only {spec.words}, which computes as Keras 3)")


def absorb(layer, kwargs: dict) -> dict:
    """``kwargs`` less the Keras 3 arguments of ``ARGS`` that ``layer``'s class takes, each
    checked; ``weights=`` kept as ``layer._initial_weights``; Keras 2's ``input_length``
    dropped (the input's shape gives it)."""
    names = {c.__name__ for c in type(layer).__mro__}
    cls = type(layer).__name__
    for arg in [a for a in kwargs if a in ARGS and names & set(ARGS[a][0])]:
        value = kwargs.pop(arg)
        check(cls, arg, value)
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


def model_call_training(name, args, training, kwargs):
    """``Model.__call__``'s ``training`` from its extra positional arguments (Keras 3's
    ``(inputs, training, mask)``) and keywords, checked: a stray array is a TypeError (it
    was dropped), a mask tensor NotImplementedError (it was ignored)."""
    if len(args) > 2:
        raise TypeError(f"Model {name} takes its inputs as one tensor or one list, "
                        f"got {1 + len(args)} positional arguments")
    if args:
        if training is not None:
            raise TypeError(f"Model {name}.__call__() got multiple values for argument "
                            f"'training'")
        training = args[0]
    mask = args[1] if len(args) > 1 else kwargs.pop("mask", None)
    if kwargs:
        raise TypeError(f"Model {name}.__call__() got an unexpected keyword argument "
                        f"'{next(iter(kwargs))}'")
    if isinstance(training, np.ndarray) and training.ndim > 0:
        # (keras.io's tf.keras 2 masking guide calls model(x, array): tf.keras 2 ran it with
        # the array unused by its layers; Keras 3 raises TypeError)
        import warnings
        warnings.warn(f"Model {name}: a {training.shape} array given as `training` (the "
                      f"second positional argument) is not used; Keras 3 raises TypeError",
                      stacklevel=3)
        training = None
    elif not (training is None or isinstance(training, (bool, np.bool_, Tensor))
              or (type(training) is int and training in (0, 1))):
        raise TypeError(f"Model {name}: `training` must be a bool, None or a boolean tensor, "
                        f"got {type(training).__name__} (the model takes its inputs as one "
                        f"tensor or one list)")
    if isinstance(mask, Tensor):
        raise NotImplementedError(f"Model {name}: a `mask` argument is not supported by dlcore "
                                  f"(the model's layers compute their own masks)")
    if mask is not None:
        raise TypeError(f"Model {name}: `mask` must be None or a tensor, got "
                        f"{type(mask).__name__}")
    return training


#: Keras 3's compile arguments that change nothing on the static engine at these values
_COMPILE_EXTRAS = {"run_eagerly": None, "jit_compile": None, "auto_scale_loss": None,
                   "steps_per_execution": 1}


def compile_rest(kwargs: dict, weighted_metrics=None) -> None:
    """``compile``'s extra keyword arguments: Keras 3's ``run_eagerly``, ``jit_compile``,
    ``auto_scale_loss`` (any value: the graph is built once and run; no mixed precision
    scaling here) and ``steps_per_execution=1`` are taken; anything else is TypeError as
    Keras 3.  ``weighted_metrics`` not a list, tuple or dict: ValueError, as Keras 3."""
    extra = {k: kwargs.pop(k) for k in list(kwargs) if k in _COMPILE_EXTRAS}
    if kwargs:
        raise TypeError(f"Invalid keyword argument(s) in `compile`: {sorted(kwargs)}")
    steps = extra.get("steps_per_execution", 1)
    if steps not in (1, None):
        raise NotImplementedError(f"compile: `steps_per_execution={steps}` is not supported "
                                  "by dlcore (one batch per run)")
    if weighted_metrics is not None and not isinstance(weighted_metrics, (list, tuple, dict)):
        raise ValueError("Expected `weighted_metrics` argument to be a list, tuple, or dict. "
                         f"Received instead: weighted_metrics={weighted_metrics!r} of type "
                         f"{type(weighted_metrics)}")
