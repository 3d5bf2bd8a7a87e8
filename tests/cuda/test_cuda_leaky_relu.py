"""leaky_relu and leaky_relu_grad on CUDA (dlcore/kernels/cuda/leaky_relu.py: the elementwise
factory's kernels with the slope as a host scalar) against their CPU kernels bit for bit:
float32 stays float32 (one rounding of x * alpha), NaN (its payload aside: _cuda_bits), signed
zeros and infinities, every slope through one compiled kernel, a strided device view.  Numba's
CUDA simulator in CI."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore

from _cuda_bits import dev as _dev  # noqa: E402 - tests/cuda/_cuda_bits.py
from _cuda_bits import same as _same  # noqa: E402
from _cuda_bits import same_bits  # noqa: E402
from dlcore.ops import activations as A

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]


def _sample(dtype, shape=(3, 5), seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    a.flat[:5] = [np.nan, -0.0, 0.0, np.inf, -np.inf]
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_grad_match_the_cpu_bit_for_bit(dtype):
    x, g = _sample(dtype), _sample(dtype, seed=1)
    for alpha in (0.01, 0.2, -0.5):
        _same(A.leaky_relu(_dev(x), alpha), A.leaky_relu(x, alpha))
        _same(A.leaky_relu_grad(_dev(g), _dev(x), alpha), A.leaky_relu_grad(g, x, alpha))


def test_strided_device_view():
    x = _sample(np.float32, (4, 6))
    _same(A.leaky_relu(_dev(x)[:, ::2], 0.2), A.leaky_relu(x[:, ::2], 0.2))


def test_static_graph_on_cuda_matches_the_cpu_interpreter():
    import dlcore_static as tf
    from dlcore_static.compiler import Pipeline
    a = _sample(np.float32, (4, 6))
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 6))
        y = tf.nn.leaky_relu(x * 2.0 + 1.0, alpha=0.2)
        (gx,) = tf.gradients(tf.reduce_sum(y * y), [x])
    with tf.Session(graph=g, passes=()) as s:
        want = s.run([y, gx], {x: a})
    with tf.Session(graph=g, device="cuda", pipeline=Pipeline("all", after=1)) as s:
        got = s.run([y, gx], {x: a})
    for u, v in zip(got, want):
        same_bits(u, v)
