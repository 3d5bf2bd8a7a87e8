"""The hardtanh primitive and its gradient (dlcore/ops/clamp.py, kernels in
dlcore/kernels/cpu/clamp.py): relu6 and hardtanh are one node each way, the value clamp's bit
for bit (the composite of comparisons and ``where`` they replace: -0.0 kept at a 0.0 bound, NaN
kept), the gradient PyTorch's hardtanh_backward (g strictly inside (lo, hi), 0 at the bounds and
at NaN), against NumPy, central finite differences and PyTorch (eager: values, gradients, grad_fn
names, saved values, in place and not, the lane and the general entry), and the static front
end's tf.nn.relu6 (TensorFlow's Relu6 op type)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore import ops
from dlcore.kernels.cpu import clamp as K
from dlcore.ops.clamp import hardtanh_grad_p, hardtanh_p

VALUES = np.array([-0.0, 0.0, np.nan, -1.5, 2.0, 0.3, -0.5, 0.5, 1.0, -1.0, np.inf, -np.inf,
                   6.0, 5.99, 7.0, 1e-8])
BOUNDS = [(-1.0, 1.0), (0.0, 6.0), (-0.5, 0.5), (0.3, 0.3), (-2, 3)]


def _reference_grad(g, x, lo, hi):
    with np.errstate(invalid="ignore"):
        return np.where((x > lo) & (x < hi), g, 0).astype(g.dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lo,hi", BOUNDS)
def test_value_is_clip_and_gradient_passes_strictly_inside(dtype, lo, hi):
    x = VALUES.astype(dtype)
    y = ops.nn_functional.hardtanh(x, lo, hi)
    with np.errstate(invalid="ignore"):
        ref = np.where(x < lo, dtype(lo), np.where(x > hi, dtype(hi), x))
    assert y.dtype == dtype and y.tobytes() == ref.astype(dtype).tobytes()   # (-0.0, NaN)
    g = np.arange(1, x.size + 1, dtype=dtype)
    got = hardtanh_grad_p.kernels["cpu"](g, x, lo=lo, hi=hi)
    np.testing.assert_array_equal(got, _reference_grad(g, x, lo, hi))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_gradient_kernel_layouts_and_a_broadcast_cotangent(dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 8)) * 4).astype(dtype)
    g = rng.standard_normal((6, 8)).astype(dtype)
    ref = _reference_grad(g, x, -1.0, 2.0)
    for gx, xx, r in ((g, x, ref), (np.asfortranarray(g), np.asfortranarray(x), ref),
                      (g.T, x.T, ref.T), (g[:, ::2], x[:, ::2], ref[:, ::2]),
                      (np.asfortranarray(g), x, ref)):
        np.testing.assert_array_equal(K.hardtanh_grad(gx, xx, lo=-1.0, hi=2.0), r)
    one = np.broadcast_to(dtype(3.0), x.shape)          # (a sum's cotangent)
    np.testing.assert_array_equal(K.hardtanh_grad(one, x, lo=-1.0, hi=2.0),
                                  _reference_grad(np.full(x.shape, 3.0, dtype), x, -1.0, 2.0))
    # clamp's gradient through the same loop keeps its bounds inclusive
    edge = np.array([-1.0, 2.0, 0.5, 3.0], dtype)
    np.testing.assert_array_equal(K.clamp_grad(np.ones(4, dtype), edge, lo=-1.0, hi=2.0),
                                  [1, 1, 1, 0])
    np.testing.assert_array_equal(K.hardtanh_grad(np.ones(4, dtype), edge, lo=-1.0, hi=2.0),
                                  [0, 0, 1, 0])


def test_finite_differences_away_from_the_kinks():
    rng = np.random.default_rng(1)
    x0 = rng.uniform(-3, 9, 40)
    x0 = x0[(np.abs(x0) > 1e-3) & (np.abs(x0 - 6) > 1e-3)]
    c = rng.standard_normal(x0.size)
    x = dl.tensor(x0, requires_grad=True)
    (ops.relu6(x) * dl.tensor(c)).sum().backward()
    eps = 1e-6
    fd = ((np.clip(x0 + eps, 0, 6) - np.clip(x0 - eps, 0, 6)) / (2 * eps)) * c
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=1e-6, atol=1e-9)


def test_one_node_each_way_and_double_backward():
    x = dl.tensor([-1.0, 0.0, 3.0, 6.0, 7.0, 2.0], requires_grad=True)
    y = ops.relu6(x)
    assert type(y.grad_fn).__name__ == "HardtanhBackward0" and y.grad_fn.prim is hardtanh_p
    assert [type(n).__name__ for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad"]
    gg = dl.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], requires_grad=True)
    g, = dl.autograd.grad(y, x, gg, create_graph=True)
    assert type(g.grad_fn).__name__ == "HardtanhBackwardBackward0"
    assert g.grad_fn.prim is hardtanh_grad_p
    np.testing.assert_array_equal(g.detach().numpy(), [0, 0, 3, 0, 0, 6])
    g.sum().backward()
    np.testing.assert_array_equal(gg.grad.numpy(), [0, 0, 1, 0, 0, 1])


def test_static_relu6_is_tensorflows_relu6_op():
    import dlcore_static as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4])
        y = tf.nn.relu6(x)
        dx = tf.gradients(tf.reduce_sum(y * 2.0), x)[0]
        assert y.op.type == "Relu6"
        with tf.Session() as s:
            xv = np.array([[-1, 0, 3, 6], [7, np.nan, -0.0, 5.5]], np.float32)
            yv, dv = s.run([y, dx], {x: xv})
    np.testing.assert_array_equal(yv, [[0, 0, 3, 6], [6, np.nan, -0.0, 5.5]])
    assert np.signbit(yv[1, 2])
    np.testing.assert_array_equal(dv, [[0, 0, 2, 0], [0, 0, 0, 2]])
