"""Shared by the getitem fast-path tests: a key taken by the fast path and by the general entry
(``Tensor.__getitem__.__wrapped__``) on the same (3, 4, 5) tensor, compared in values, node
name, node params (views), gradients and whether the result is a view."""

import numpy as np

import dlcore_eager as T


def run(key, general: bool):
    """``x[key]`` through one path, with a weighted sum's backward: (x, y)."""
    x = T.tensor(np.arange(60, dtype=np.float32).reshape(3, 4, 5), requires_grad=True)
    y = T.Tensor.__getitem__.__wrapped__(x, key) if general else x[key]
    (y * T.arange(y.numel(), dtype=T.float32).reshape(y.shape)).sum().backward()
    return x, y


def assert_as_general(key, make=lambda k: k) -> tuple:
    """The fast path's result equals the general entry's for ``make(key)`` (``make`` builds
    fresh tensors in the key per run); returns the fast path's (x, y)."""
    x, y = run(make(key), False)
    gx, gy = run(make(key), True)
    np.testing.assert_array_equal(y.detach().numpy(), gy.detach().numpy())
    assert y.shape == gy.shape
    assert y.grad_fn.name() == gy.grad_fn.name()
    if y.grad_fn.name() != "IndexBackward0":           # (a view: its params, its memory)
        assert y._node.params == gy._node.params
        assert np.shares_memory(y._buf, x._buf) == np.shares_memory(gy._buf, gx._buf)
    np.testing.assert_array_equal(x.grad.numpy(), gx.grad.numpy())
    return x, y
