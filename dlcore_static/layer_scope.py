"""The variable scope a ``tf.layers`` layer builds in: its ``kernel`` and ``bias`` made on the
first call as TF1 makes them (``get_variable`` inside ``variable_scope``), so ``reuse`` shares
them.  Used by ``layers`` (dense) and ``layers_conv``."""

from __future__ import annotations

import contextlib

from . import initializers as _init
from .graph import get_default_graph
from .variable_scopes import VariableScope, get_variable, variable_scope


def take_regularizers(layer, kw: dict, op: str) -> None:
    """Keep a layer's ``kernel_regularizer``/``bias_regularizer`` (from its keyword arguments)
    and refuse what would change the numbers but is not done here: an
    ``activity_regularizer`` or a kernel/bias ``constraint``."""
    layer.kernel_regularizer = kw.pop("kernel_regularizer", None)
    layer.bias_regularizer = kw.pop("bias_regularizer", None)
    for k in ("activity_regularizer", "kernel_constraint", "bias_constraint"):
        if kw.get(k) is not None:
            raise NotImplementedError(f"{op}: {k}={kw[k]!r} is not supported by dlcore_static's "
                                      "tf.layers")


def unique_scope(name, default: str, reuse=None, given: bool = False):
    """TF1 ``Layer._set_scope``: a layer object built with ``reuse`` (or given a captured
    VariableScope) opens its name as given; otherwise its name (or ``default``) is a
    default_name, made unique in the enclosing scope (``Dense(2, name="fc")`` twice: ``fc``,
    ``fc_1``; a reopened scope restarts them, so a network rebuilt under ``reuse=True`` shares
    its variables).  ``given``: the functional ``tf.layers.dense(x, 2, name="fc")``, whose
    ``_scope=name`` opens ``fc`` itself (a second one without reuse: 'already exists')."""
    if reuse or isinstance(name, VariableScope) or (given and name):
        return variable_scope(name or default, reuse=reuse or None)
    return variable_scope(None, default_name=name or default)


def functional_layer(layer, name):
    """The layer object of a functional ``tf.layers`` call: TF1 builds it with
    ``_scope=name`` (its scope is the name as given, not made unique)."""
    layer._scope_given = bool(name)
    return layer


@contextlib.contextmanager
def layer_scope(layer, default: str, kernel_shape: tuple, bias_size: int, dtype):
    """The scope a layer's ops are built in.  On its first call the layer's ``kernel`` and
    ``bias`` are made as TF1's ``tf.layers`` makes them: ``get_variable`` inside
    ``variable_scope(name, default_name=default)``, so a layer built in an enclosing
    ``variable_scope(..., reuse=True)`` (a GAN's discriminator applied twice) shares the
    variables of the first one, and unnamed layers are ``dense``, ``dense_1``, ...
    A ``kernel_regularizer``/``bias_regularizer`` of the layer is get_variable's
    ``regularizer``: its loss (``dense/kernel/Regularizer/l2_regularizer``) goes to the
    REGULARIZATION_LOSSES collection."""
    g = get_default_graph()
    if layer.kernel is not None:
        with g.name_scope(layer.name) as scope:
            yield scope
        return
    reuse = getattr(layer, "reuse", None) or None
    # TF1 Layer._set_scope: a layer built with reuse opens its name as given; otherwise the
    # name (or the default) is a default_name, made unique in the enclosing scope
    # (memory_layer, memory_layer_1; a reopened scope restarts them, so reuse=True shares)
    with unique_scope(layer.name, default, reuse, getattr(layer, "_scope_given", False)) as vs:
        kinit = _init.get(layer.kernel_initializer) or _init.GlorotUniform()
        kernel = get_variable("kernel", tuple(kernel_shape), dtype=dtype, initializer=kinit,
                              trainable=layer.trainable,
                              regularizer=getattr(layer, "kernel_regularizer", None))
        bias = None
        if layer.use_bias:
            binit = _init.get(layer.bias_initializer) or _init.Zeros()
            bias = get_variable("bias", (bias_size,), dtype=dtype, initializer=binit,
                                trainable=layer.trainable,
                                regularizer=getattr(layer, "bias_regularizer", None))
        layer.kernel, layer.bias = kernel, bias
        layer.name = vs.original_name_scope[:-1]
        yield vs.original_name_scope


class LayerWeights:
    """TF1 ``tf.layers.Layer``'s weight lists: ``trainable_weights`` are the layer's variables
    when ``self.trainable`` (else ``[]``), ``non_trainable_weights`` are them when it is not,
    and ``weights``/``variables`` are all of them."""

    def _own_variables(self) -> list:
        return [v for v in (self.kernel, self.bias) if v is not None]   # type: ignore[attr-defined]

    @property
    def variables(self) -> list:
        return self._own_variables()

    weights = variables

    @property
    def trainable_variables(self) -> list:
        return self._own_variables() if self.trainable else []         # type: ignore[attr-defined]

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self) -> list:
        return [] if self.trainable else self._own_variables()         # type: ignore[attr-defined]

    non_trainable_weights = non_trainable_variables
