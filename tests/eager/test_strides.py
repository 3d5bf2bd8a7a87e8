"""Tensor.stride() and .contiguous() against the real PyTorch: the word-language-model example
(``batchify``: ``data.view(bsz, -1).t().contiguous()``, then ``source[i:j].view(-1)``) failed
because ``contiguous()`` kept the transposed layout."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

VIEWS = {
    "plain": lambda x: x,
    "t": lambda x: x.t(),
    "t.contiguous": lambda x: x.t().contiguous(),
    "rows": lambda x: x[1:3],
    "cols": lambda x: x[:, 1:3],
    "step": lambda x: x[::2],
    "t.contiguous rows": lambda x: x.t().contiguous()[1:3],
    "permute3": lambda x: x.reshape(2, 3, 2).permute(2, 0, 1),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "scalar": lambda x: x[0, 0],
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_strides_and_contiguity_match_torch(name):
    f = VIEWS[name]
    a = f(dt.arange(12, dtype=dt.float32).view(3, 4))
    b = f(torch.arange(12, dtype=torch.float32).view(3, 4))
    assert a.is_contiguous() == b.is_contiguous()
    if name != "unsqueeze":          # a size-1 dimension's stride is arbitrary
        assert a.stride() == b.stride()
    c = a.contiguous()
    assert c.is_contiguous() and c.stride() == b.contiguous().stride()
    np.testing.assert_array_equal(c.view(-1).numpy(), b.contiguous().view(-1).numpy())


def test_contiguous_copy_passes_gradients_and_stride_errors():
    x = dt.arange(6.0).view(2, 3).requires_grad_()
    y = x.t().contiguous()
    assert y.is_contiguous() and y.stride() == (2, 1)
    (y * dt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 3, 5], [2, 4, 6]])
    assert x.t().stride(0) == 1 and x.stride(-1) == 1
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.stride(2)
