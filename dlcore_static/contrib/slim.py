"""``tf.contrib.slim``: TF-Slim's model-definition API, which is ``tf.contrib.layers`` plus
``arg_scope`` and the variable helpers of ``tf.contrib.framework``::

    slim = tf.contrib.slim
    with slim.arg_scope([slim.conv2d, slim.fully_connected], activation_fn=tf.nn.relu,
                        weights_regularizer=slim.l2_regularizer(0.0005)):
        net = slim.repeat(images, 2, slim.conv2d, 64, [3, 3], scope="conv1")
        net = slim.max_pool2d(net, [2, 2], scope="pool1")
        net = slim.flatten(net)
        net = slim.fully_connected(net, 10, activation_fn=None, scope="fc")

Slim's training loop (``slim.learning``), its losses module and its nets are not provided.
"""

from __future__ import annotations

from .framework import (add_arg_scope, arg_scope, arg_scoped_arguments,  # noqa: F401
                        current_arg_scope, get_global_step, get_model_variables,
                        get_or_create_global_step, get_trainable_variables, get_variables,
                        get_variables_by_name, has_arg_scope)
from .layers import (avg_pool2d, batch_norm, bias_add, conv2d,  # noqa: F401
                     conv2d_transpose, convolution2d, convolution2d_transpose, dropout,
                     embed_sequence, flatten, fully_connected, l1_l2_regularizer, layer_norm,
                     max_pool2d, one_hot_encoding, optimize_loss, repeat, softmax, stack,
                     sum_regularizer, unit_norm, variance_scaling_initializer,
                     xavier_initializer, xavier_initializer_conv2d)


def __getattr__(name: str):
    # the regularizers are installed on tf.contrib.layers after import (tf_namespaces)
    from . import layers
    if name in ("l1_regularizer", "l2_regularizer", "apply_regularization"):
        return getattr(layers, name)
    raise AttributeError(f"module 'tf.contrib.slim' has no attribute '{name}'")
