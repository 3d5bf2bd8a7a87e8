"""The buffer pass finds an eager node's vjp rule by one lookup, ``_graph.eager_vjp`` (the
``EAGER_VJPS`` table, then the primitive's own rule), for nodes with and without params."""

import numpy as np
import pytest

import dlcore_eager as T
from dlcore.ops.activations import leaky_relu_p
from dlcore.ops.elementwise import relu_p
from dlcore_eager import _graph


def test_relu_at_nan_vs_torch():
    torch = pytest.importorskip("torch")
    got = []
    for lib in (torch, T):
        x = lib.tensor([float("nan"), -1.0, 0.0, 2.0], requires_grad=True)
        (lib.relu(x) * lib.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        got.append(x.grad.numpy())
    np.testing.assert_array_equal(got[1], got[0])


@pytest.mark.parametrize("prim,fn", [(relu_p, lambda x: x.relu()),
                                     (leaky_relu_p,
                                      lambda x: T.nn.functional.leaky_relu(x, 0.1))])
def test_the_table_is_read_with_and_without_params(prim, fn, monkeypatch):
    used = []
    real = _graph.eager_vjp(prim)            # (relu: PyTorch's threshold_backward)

    def rule(g, out, *xs, **params):
        used.append(params)
        return real(g, out, *xs, **params)
    monkeypatch.setitem(_graph.EAGER_VJPS, prim, rule)   # (the one table, changed in place)
    x = T.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    fn(x).sum().backward()
    assert len(used) == 1                    # (leaky_relu's node has params: alpha)
    expect = np.where(x.detach().numpy() > 0, 1.0, 0.0 if prim is relu_p else 0.1)
    np.testing.assert_allclose(x.grad.numpy(), expect)
