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
