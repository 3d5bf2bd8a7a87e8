"""A Keras layer's ``dtype=``: Keras 3 computes in it (weights and outputs of that dtype, inputs
cast; ``'mixed_float16'`` policies compute in float16 with float32 weights).  dlcore's layers
compute in floatx() and used to ignore the argument (``Dense(2, dtype='float64')`` computed in
float32 and its config said float32), so a floating dtype other than floatx, or a mixed policy,
is refused with NotImplementedError naming the layer; floatx itself (as a string, a numpy
dtype, a DTypePolicy or its config dict) is accepted, and the config says it as Keras 3 does."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3


@pytest.mark.parametrize("dtype,what", [
    ("float64", "dtype='float64'"), (np.float16, "dtype='float16'"),
    ("bfloat16", "dtype='bfloat16'"), ("mixed_float16", "policy 'mixed_float16'"),
    ({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float64"},
      "registered_name": None}, "dtype='float64'")])
def test_a_dtype_that_would_compute_differently_is_refused(dtype, what):
    with pytest.raises(NotImplementedError, match=rf"^(Dense|LSTM): .*{what}.* not supported by "
                                                  r"dlcore.*floatx\(\) \(float32\)"):
        L.Dense(2, dtype=dtype)
    with pytest.raises(NotImplementedError, match=r"^LSTM: "):
        L.LSTM(2, dtype=dtype)


def test_keras3_computes_in_the_dtype_it_is_given():
    """What the refusal protects: Keras 3.15 makes float64 weights / computes in float16 with
    float32 weights under mixed_float16 (so ignoring the argument would be a silent difference)."""
    k3 = keras3()
    d = k3.layers.Dense(2, dtype="float64")
    d.build((None, 3))
    assert d.kernel.dtype == "float64" and d.get_config()["dtype"]["config"]["name"] == "float64"
    m = k3.layers.Dense(2, dtype="mixed_float16")
    assert m(np.ones((1, 3), np.float32)).dtype == np.float16 and m.kernel.dtype == "float32"


def test_floatx_dtype_is_accepted_and_written_as_keras3_does():
    k3 = keras3()
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
              "registered_name": None}
    for dt in (None, "float32", np.float32, policy, k3.DTypePolicy("float32")):
        cfg = L.Dense(2, dtype=dt).get_config()
        assert cfg["dtype"] == k3.layers.Dense(2, dtype="float32").get_config()["dtype"]
    # a Keras 3 config with its float32 policy loads
    assert L.Dense.from_config(k3.layers.Dense(2).get_config()).units == 2
