"""``tf.contrib``: the pieces of TensorFlow 1's contrib that the seed notes use."""

from . import layers
