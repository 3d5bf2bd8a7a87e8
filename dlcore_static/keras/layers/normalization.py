"""``keras.layers.normalization``: Keras 2's module path of ``BatchNormalization`` (defined in
convolutional.py)."""

from .convolutional import BatchNormalization

__all__ = ["BatchNormalization"]
