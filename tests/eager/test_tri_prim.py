"""tril/triu as one primitive (``tri``, dlcore/ops/triangle.py) against PyTorch: values for
every diagonal offset, batched and non-square, integer and bool tensors, NaN and inf outside
the triangle (zeros), gradients and their node names, second derivatives, a static graph
with unknown sizes."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_static as tf
from dlcore import ops

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("k", [-2, -1, 0, 1, 3])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 5, 3)])
def test_values_gradients_and_names_match_torch(name, k, shape):
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    x.flat[-1] = np.inf
    x.flat[shape[-1] - 1] = np.nan
    res = []
    for T in (dt, torch):
        a = T.tensor(x, requires_grad=True)
        y = getattr(a, name)(k)
        (y.nan_to_num(posinf=7.0) * T.tensor(np.cos(np.arange(y.numel())).reshape(shape))
         ).sum().backward()
        res.append((y.detach().numpy(), a.grad.numpy(), y.grad_fn.name()))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])
    assert res[0][2] == res[1][2]


@pytest.mark.parametrize("dtype", ["int64", "bool", "float16"])
def test_other_dtypes_match_torch(dtype):
    x = (np.arange(20).reshape(4, 5) % 3).astype(dtype)
    for name, k in (("tril", 0), ("triu", 1), ("tril", -1)):
        got = getattr(dt, name)(dt.tensor(x), k)
        want = getattr(torch, name)(torch.tensor(x), k)
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_second_derivative_and_rank_error():
    x = np.random.default_rng(1).standard_normal((3, 3))
    res = []
    for T in (dt, torch):
        a = T.tensor(x, requires_grad=True)
        (g,) = T.autograd.grad((a.tril() ** 3).sum(), a, create_graph=True)
        (h,) = T.autograd.grad((g.triu() * g).sum(), a)
        res.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-14)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-14)
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        dt.tril(dt.zeros(3))


def test_static_graph_with_unknown_sizes():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (None, None))
        y = ops.tril(x)
        (dx,) = tf.gradients(tf.reduce_sum(y * y), [x])
    v = np.arange(12.0).reshape(3, 4)
    with tf.Session(graph=g) as s:
        got, gx = s.run([y, dx], {x: v})
    np.testing.assert_array_equal(got, np.tril(v))
    np.testing.assert_array_equal(gx, 2 * np.tril(v))
