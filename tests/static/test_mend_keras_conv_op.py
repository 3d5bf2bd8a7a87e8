"""Keras 3's convolution_op hook: on Conv1D/2D/3D (what Conv2D/3D's call uses, a subclass
may change it; Keras 3's Conv1D.call does not use it), absent from the transposed
convolutions (Keras 3 has none there)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from tests.io.real_keras import keras3 as _real_keras3


@pytest.mark.parametrize("name", ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
                                  "Conv1D", "Conv2D", "Conv3D"])
def test_which_layers_have_the_hook_as_keras3(name):
    k3 = _real_keras3()
    ours, theirs = getattr(keras.layers, name), getattr(k3.layers, name)
    assert hasattr(ours, "convolution_op") == hasattr(theirs, "convolution_op")
    assert hasattr(ours, "convolution_op") == ("Transpose" not in name)
    layer = ours(2, 2)
    if "Transpose" in name:
        with pytest.raises(AttributeError, match="convolution_op"):
            getattr(layer, "convolution_op")
    assert issubclass(keras.layers.Conv3DTranspose, keras.layers.Conv3D) == \
        issubclass(k3.layers.Conv3DTranspose, k3.layers.Conv3D)


def _scaled(base):
    class Scaled(base):                      # keras.io's pattern: change the kernel used
        def convolution_op(self, inputs, kernel):
            return super().convolution_op(inputs, kernel * 2.0)
    return Scaled


@pytest.mark.parametrize("rank,groups", [(1, 1), (2, 1), (3, 1), (3, 2), (1, 2)])
def test_overridden_convolution_op_as_keras3(rank, groups):
    k3 = _real_keras3()
    rng = np.random.default_rng(rank)
    shape = (2,) + (5,) * rank + (4,)
    x = rng.standard_normal(shape).astype("float32")
    outs = []
    weights = None
    for k in (keras, k3):
        base = getattr(k.layers, f"Conv{rank}D")
        m = k.Sequential([k.Input(shape[1:]),
                          _scaled(base)(4, 3, padding="same", strides=2, groups=groups,
                                        bias_initializer="ones")])
        if weights is None:
            weights = [rng.standard_normal(w.shape).astype("float32") for w in m.get_weights()]
        m.set_weights(weights)
        outs.append(np.asarray(m.predict(x, verbose=0)))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-5)
    plain = keras.Sequential([keras.Input(shape[1:]),
                              getattr(keras.layers, f"Conv{rank}D")(
                                  4, 3, padding="same", strides=2, groups=groups)])
    # Keras 3's Conv1D.call convolves itself (its convolution_op is there, not used)
    plain.set_weights([(1.0 if rank == 1 else 2.0) * weights[0], weights[1]])
    np.testing.assert_allclose(plain.predict(x, verbose=0), outs[0], rtol=1e-5, atol=1e-5)
