"""Reliability probe 8, resources and numerics (helper-R8).

Found by this probe:

* A static node whose output could not be allocated (a feed ten thousand times too big for an
  outer product) raised ``InvalidArgumentError: MemoryError: Unable to allocate ...``:
  TensorFlow raises ``ResourceExhaustedError`` ('OOM when allocating tensor with shape[...]'),
  so ``except tf.errors.ResourceExhaustedError`` (and ``except MemoryError``) missed it.  Now
  the error is both, names the node, the shape, the type and the size, on the interpreted and
  the compiled run alike, and the session keeps working.
* ``torch.autograd.detect_anomaly()`` / ``set_detect_anomaly(True)`` did nothing (a stub): a
  NaN made by a backward function (``sqrt`` at 0 times 0) reached ``.grad`` silently.  Now the
  pass stops with PyTorch's ``Function 'SqrtBackward0' returned nan values in its 0th output.``
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_static as tf


def test_static_out_of_memory_is_resource_exhausted_naming_the_node():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None])
        v = tf.Variable(np.ones(3, np.float32))
        y = tf.reshape(x, [-1, 1]) * tf.reshape(x, [1, -1]) + tf.reduce_sum(v)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for _ in range(3):                 # interpreted, then optimised, then compiled
                assert s.run(y, {x: np.ones(3, np.float32)}).sum() == 36.0
                with pytest.raises(tf.errors.ResourceExhaustedError) as e:
                    s.run(y, {x: np.zeros(300000, np.float32)})
                assert isinstance(e.value, MemoryError)
                assert type(e.value).__name__ == "ResourceExhaustedError"
                msg = str(e.value)
                assert "OOM when allocating tensor with shape[300000,300000] and type float" \
                    in msg and "335.3 GiB" in msg
                assert "[[node " in msg and "test_probe8_resources.py" in msg
                assert e.value.op is not None and "mul" in e.value.op.type.lower()


def _sqrt_at_zero(T):
    x = T.tensor([1.0, 0.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()
    return x


@pytest.mark.parametrize("T", [dl, pytest.importorskip("torch")], ids=["dlcore", "torch"])
@pytest.mark.filterwarnings("ignore:Error detected")      # PyTorch's forward traceback
def test_detect_anomaly_names_the_backward_function(T):
    with T.autograd.detect_anomaly(), \
            pytest.raises(RuntimeError, match=r"^Function 'SqrtBackward0' returned nan values "
                                              r"in its 0th output\.$"):
        _sqrt_at_zero(T)
    x = _sqrt_at_zero(T)                   # mode off again: the NaN goes through, as PyTorch
    assert np.isnan(x.grad.numpy()[1])
    T.autograd.set_detect_anomaly(True)
    try:
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            _sqrt_at_zero(T)
        with T.autograd.detect_anomaly(check_nan=False):
            assert np.isnan(_sqrt_at_zero(T).grad.numpy()[1])
    finally:
        T.autograd.set_detect_anomaly(False)
    x = T.tensor([4.0], requires_grad=True)   # no NaN: the same gradient with the mode on
    with T.autograd.detect_anomaly():
        (x.sqrt() * 3).sum().backward(create_graph=True)
    assert x.grad.item() == pytest.approx(0.75)
