"""A second derivative through relu / leaky_relu counts their input as used, as PyTorch.

PyTorch's ``threshold_backward`` and ``leaky_relu_backward`` give their ``self`` a zero
gradient (``zeros_like``), so ``autograd.grad(g.sum(), x)`` of ``g = grad(relu(x).sum(), x,
create_graph=True)`` is zeros; dlcore's vjp returned no gradient there and refused with
"appears to not have been used in the graph" (found by the twenty-third session's probe).
"""

import numpy as np
import pytest
import torch

import dlcore_eager as dl


def _second(lib, f):
    x = lib.tensor([[1.0, -2.0], [3.0, float("nan")]], requires_grad=True)
    g, = lib.autograd.grad((f(lib, x) * x).sum(), x, create_graph=True)
    h, = lib.autograd.grad(g.sum(), x)
    return g.detach().numpy(), h.numpy()


FUNCS = {
    "relu": lambda lib, x: lib.relu(x),
    "F.relu": lambda lib, x: lib.nn.functional.relu(x),
    "leaky_relu": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1),
    "nn.ReLU": lambda lib, x: lib.nn.ReLU()(x),
}


@pytest.mark.parametrize("name", FUNCS)
def test_second_derivative_through_relu_is_torchs(name):
    want, got = _second(torch, FUNCS[name]), _second(dl, FUNCS[name])
    for w, g in zip(want, got):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("lib", [torch, dl], ids=["torch", "dlcore"])
def test_the_relu_input_counts_as_used_and_gets_zeros(lib):
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    g, = lib.autograd.grad(lib.relu(x).sum(), x, create_graph=True)
    assert g.grad_fn is not None
    h, = lib.autograd.grad(g.sum(), x)
    assert h.tolist() == [0.0, 0.0, 0.0]


def test_static_second_derivative_through_relu_is_zeros_as_tf():
    # TF 1.15's _ReluGradGrad returns zeros for ReluGrad's features input, so tf.gradients of a
    # gradient through relu reaches relu's input with zeros (dlcore returned [None])
    import dlcore_static as tf
    with tf.Graph().as_default():
        x = tf.constant(np.array([1.0, -2.0, 3.0], np.float32))
        g0, = tf.gradients(tf.reduce_sum(tf.nn.relu(x)), x)
        h0, = tf.gradients(tf.reduce_sum(g0), x)          # only through ReluGrad's features
        assert h0 is not None
        g, = tf.gradients(tf.reduce_sum(tf.nn.relu(x) * x), x)
        h, = tf.gradients(tf.reduce_sum(g), x)
        with tf.Session() as s:
            h0v, gv, hv = s.run([h0, g, h])
    np.testing.assert_array_equal(h0v, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(gv, [2.0, 0.0, 6.0])         # d(relu(x) x) = 2x where x > 0
    np.testing.assert_array_equal(hv, [2.0, 0.0, 2.0])
