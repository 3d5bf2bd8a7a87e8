"""A leaf's first .grad takes the leaf's own dense layout (PyTorch's AccumulateGrad layout
contract): a channels_last weight gets a channels_last gradient, with the same values."""

import numpy as np
import pytest

import dlcore_eager as T


def _step(lib, memory_format):
    torch_like = lib                        # (torch or dlcore_eager: the same calls)
    rng = np.random.default_rng(0)
    conv = torch_like.nn.Conv2d(3, 4, 3)
    with torch_like.no_grad():
        conv.weight.copy_(torch_like.from_numpy(rng.standard_normal((4, 3, 3, 3)).astype(
            np.float32)))
        conv.bias.zero_()
    conv = conv.to(memory_format=memory_format(lib))
    x = torch_like.from_numpy(rng.standard_normal((2, 3, 5, 5)).astype(np.float32))
    for _ in range(2):
        (conv(x) ** 2).sum().backward()
    w = conv.weight
    return (w.grad.is_contiguous(memory_format=memory_format(lib)),
            tuple(w.grad.stride()), w.grad.detach().numpy().copy())


@pytest.mark.parametrize("fmt", ["channels_last", "contiguous_format"])
def test_grad_takes_the_weights_layout(fmt):
    torch = pytest.importorskip("torch")
    d = _step(T, lambda lib: getattr(lib, fmt))
    t = _step(torch, lambda lib: getattr(lib, fmt))
    assert d[:2] == t[:2]
    np.testing.assert_allclose(d[2], t[2], rtol=1e-4, atol=1e-4)


def test_values_unchanged_by_the_layout():
    a = _step(T, lambda lib: lib.channels_last)
    b = _step(T, lambda lib: lib.contiguous_format)
    np.testing.assert_array_equal(a[2], b[2])


@pytest.mark.parametrize("perm", [(0, 2, 3, 1), (2, 0, 3, 1), (3, 0, 1, 2)])
def test_permuted_leaf_grad_strides_vs_torch(perm):
    # a leaf made by permuting a contiguous array (a size-1 axis among them): its first .grad
    # (a C-ordered gradient) takes the leaf's strides, as PyTorch's; _permuted reads the
    # strides only (no allocation: np.empty_like is not called for the test)
    torch = pytest.importorskip("torch")
    base = np.arange(2 * 1 * 3 * 4, dtype=np.float32).reshape(2, 1, 3, 4)
    got = []
    for lib in (torch, T):
        w = lib.from_numpy(base.copy()).permute(*perm).detach().requires_grad_(True)
        (w * lib.from_numpy(np.ones(w.shape, np.float32))).sum().backward()
        got.append((tuple(w.grad.stride()), w.grad.numpy().copy()))
    assert got[1][0] == got[0][0]
    np.testing.assert_array_equal(got[1][1], got[0][1])


def test_permuted_is_dense_from_the_strides():
    from dlcore_eager.autograd._accumulation import _permuted
    a = np.empty((2, 3, 4, 5), np.float32)
    assert _permuted(a.transpose(0, 2, 3, 1)) and _permuted(a.transpose(3, 1, 0, 2))
    assert not _permuted(a.transpose(0, 2, 3, 1)[:, ::2])      # (a gap)
    assert not _permuted(a.transpose(0, 2, 3, 1)[::-1])        # (a negative stride)
    assert not _permuted(np.broadcast_to(a[:1], a.shape))      # (stride 0)
    one = np.empty((3, 5, 4, 1)).transpose(0, 2, 1, 3)        # (a size-1 axis: any stride)
    assert _permuted(np.lib.stride_tricks.as_strided(one, strides=one.strides[:3] + (999,)))
