"""The sparse cross-entropy gradient kernel's direct path (C-contiguous 2-D float logits, int64
labels, a per-row cotangent of the logits' dtype) gives the general path's values, dtype and
label error (``dlcore.kernels.cpu.softmax.sparse_xent_grad``)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import softmax as S


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_direct_path_equals_the_general_path(dtype):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((7, 5)).astype(dtype)
    labels = rng.integers(0, 5, 7)
    g = rng.standard_normal(7).astype(dtype)
    got = S.sparse_xent_grad(g, x, labels)
    want = S.sparse_xent_grad(g, np.asfortranarray(x), labels.astype(np.int32))   # general
    assert got.dtype == x.dtype and got.shape == x.shape
    np.testing.assert_array_equal(got, want)
    p = np.exp(x.astype(np.float64) - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(7), labels] -= 1.0
    np.testing.assert_allclose(got, p * g[:, None], rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-6 if dtype == np.float32 else 1e-14)


def test_direct_path_reports_a_bad_label():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(IndexError, match=r"Received a label value of 4 which is outside the "
                                         r"valid range of \[0, 4\)\.  Label values: 0 4 1"):
        S.sparse_xent_grad(np.ones(3, np.float32), x, np.array([0, 4, 1]))
