"""``keras.layers.noise``: Keras 2's module path of the noise layers (defined in
noise_norm.py)."""

from .noise_norm import AlphaDropout, GaussianDropout, GaussianNoise

__all__ = ["AlphaDropout", "GaussianDropout", "GaussianNoise"]
