"""``tf.layers`` and ``tf.get_variable``/``variable_scope``: variables created for you.

``tf.layers.dense(x, units)`` creates ``dense/kernel`` (default initializer glorot_uniform, like
``get_variable``) and ``dense/bias`` (zeros), then adds ``matmul(x, kernel) + bias`` and the
activation.  The kernel's shape needs the input's static last dimension.
"""

from __future__ import annotations

from dlcore import ops as _ops

from ._layer_kwargs import refuse_fn_kwargs, refuse_kwargs
from .frontend import rename, to_tensor
from .graph import get_default_graph
from .layer_scope import LayerWeights, functional_layer, layer_scope, take_regularizers
from .unknown_rank import unknown
from .variable_scopes import (  # noqa: F401
    AUTO_REUSE,
    VariableScope,
    get_variable,
    get_variable_scope,
    variable_scope,
)


class Dense(LayerWeights):
    """A fully connected layer object: ``Dense(units)(x)``; variables made on first call."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=None, name=None, trainable=True, reuse=None, **kw):
        take_regularizers(self, kw, "dense")
        refuse_kwargs(kw, "dense")
        self.units = int(units)
        self.reuse = reuse
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.name = name
        self.trainable = trainable
        self.kernel = self.bias = None

    def __call__(self, inputs):
        g = get_default_graph()
        x = to_tensor(inputs, g)
        d_in = x.aval.shape[-1]
        if d_in is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                             "Found `None`.")
        with layer_scope(self, "dense", (d_in, self.units), self.units, x.dtype):
            y = _ops.matmul(x, self.kernel)
            if self.bias is not None:
                first = len(g._ops)       # (TF1: nn.bias_add's BiasAdd, dense/BiasAdd)
                y = rename(_ops.add(y, self.bias), "BiasAdd", first)
            if self.activation is not None:
                y = self.activation(y)
        return y


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=None, name=None, trainable=True, reuse=None, **kw):
    """``activation(inputs @ kernel + bias)`` with new variables ``dense/kernel``, ``dense/bias``."""
    refuse_fn_kwargs("dense", kw)
    layer = Dense(units, activation, use_bias, kernel_initializer, bias_initializer, name,
                  trainable, reuse=reuse, **kw)
    return functional_layer(layer, name)(inputs)


def flatten(inputs, name=None):
    from .array_ops import reshape
    x = to_tensor(inputs)
    if unknown(x):              # (TF1: the batch dimension read at run time, the rest -1)
        with get_default_graph().name_scope(name or "flatten"):
            return _ops.reshape_dynamic(x, [_ops.getitem(_ops.shape_of(x), 0), -1])
    rest = 1
    for d in x.aval.shape[1:]:
        if d is None:
            raise ValueError("flatten needs the non-batch dimensions to be known")
        rest *= d
    with get_default_graph().name_scope(name or "flatten"):    # TF1: flatten/Reshape
        return reshape(x, (-1, rest))


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    from .control_flow import cond
    from .nn import dropout as _nn_dropout
    if isinstance(training, bool):
        return _nn_dropout(inputs, rate=rate, noise_shape=noise_shape, seed=seed,
                           name=name) if training else to_tensor(inputs)
    x = to_tensor(inputs)
    dropped = _nn_dropout(x, rate=rate, noise_shape=noise_shape, seed=seed, name=name)
    return cond(training, lambda: dropped, lambda: x)


# convolution, pooling and batch normalisation layers for images
from .layers_conv import (  # noqa: F401
    average_pooling1d,
    average_pooling2d,
    batch_normalization,
    conv1d,
    conv2d,
    conv2d_transpose,
    max_pooling1d,
    max_pooling2d,
)
from .layers_conv3d import (  # noqa: F401
    average_pooling3d,
    conv3d,
    conv3d_transpose,
    max_pooling3d,
    separable_conv1d,
    separable_conv2d,
)
