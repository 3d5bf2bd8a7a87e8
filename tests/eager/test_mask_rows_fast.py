"""``x[mask]`` with a bool tensor mask (``_fast_paths._mask_rows``: NumPy's mask indexing when
nothing is recorded) against PyTorch: values, shapes, dtypes, a copy never a view, the
recorded path (IndexBackward0 and its gradient) and the shape error."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape,mshape", [((100, 4), (100,)), ((5, 6), (5, 6)),
                                          ((3, 4, 2), (3, 4)), ((4,), (4,)), ((0, 3), (0,))])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_values_match_torch_and_are_a_copy(shape, mshape, dtype):
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    m = rng.random(mshape) < 0.4
    got = dt.tensor(x)[dt.tensor(m)]
    want = torch.tensor(x)[torch.tensor(m)]
    assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if got.numel():
        src = dt.tensor(x)
        out = src[dt.tensor(m)]
        out.zero_() if dtype != "bool" else out.logical_not_()
        np.testing.assert_array_equal(src.numpy(), x)          # (x untouched)


def test_all_and_none_selected():
    x = np.arange(12.0).reshape(4, 3)
    for m in (np.ones(4, bool), np.zeros(4, bool), np.ones((4, 3), bool)):
        np.testing.assert_array_equal(dt.tensor(x)[dt.tensor(m)].numpy(),
                                      torch.tensor(x)[torch.tensor(m)].numpy())


def test_recorded_path_and_no_grad():
    x = np.arange(12.0).reshape(4, 3)
    m = np.array([True, False, True, True])
    a = dt.tensor(x, requires_grad=True)
    y = a[dt.tensor(m)]
    assert y.grad_fn.name() == "IndexBackward0"
    (y * dt.arange(9.0).reshape(3, 3)).sum().backward()
    b = torch.tensor(x, requires_grad=True)
    (b[torch.tensor(m)] * torch.arange(9.0, dtype=torch.float64).reshape(3, 3)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    with dt.no_grad():
        z = a[dt.tensor(m)]
    assert z.grad_fn is None and not z.requires_grad
    np.testing.assert_array_equal(z.numpy(), x[m])


def test_wrong_mask_shape_is_torchs_index_error():
    x = dt.zeros(4, 3)
    with pytest.raises(IndexError) as got:
        x[dt.tensor(np.ones(3, bool))]
    with pytest.raises(IndexError) as want:
        torch.zeros(4, 3)[torch.tensor(np.ones(3, bool))]
    assert str(got.value) == str(want.value)
