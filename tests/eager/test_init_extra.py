"""nn.init.orthogonal_, trunc_normal_, eye_, dirac_, sparse_ (used by RNN and GAN examples):
the properties PyTorch documents, and dirac_ equal to torch's."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def test_orthogonal_tall_wide_and_conv_shapes():
    w = dt.empty(5, 3)
    dt.nn.init.orthogonal_(w, gain=2.0)
    a = w.numpy()
    np.testing.assert_allclose(a.T @ a, 4 * np.eye(3), atol=1e-5)
    w = dt.empty(3, 8)
    dt.nn.init.orthogonal_(w)
    np.testing.assert_allclose(w.numpy() @ w.numpy().T, np.eye(3), atol=1e-5)
    c = dt.empty(4, 2, 3)
    dt.nn.init.orthogonal_(c)
    f = c.numpy().reshape(4, 6)
    np.testing.assert_allclose(f @ f.T, np.eye(4), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        dt.nn.init.orthogonal_(dt.empty(3))


def test_trunc_normal_eye_sparse_and_no_recording():
    dt.manual_seed(0)
    w = dt.empty(4000)
    dt.nn.init.trunc_normal_(w, mean=0.5, std=2.0, a=-1.0, b=1.0)
    v = w.numpy()
    import math

    def phi(z):
        return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def cdf(z):
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))
    lo, hi = (-1 - 0.5) / 2, (1 - 0.5) / 2            # the truncated normal's mean
    want = 0.5 + 2 * (phi(lo) - phi(hi)) / (cdf(hi) - cdf(lo))
    assert v.min() >= -1 and v.max() <= 1 and abs(v.mean() - want) < 0.05
    e = dt.empty(3, 4)
    dt.nn.init.eye_(e)
    np.testing.assert_array_equal(e.numpy(), np.eye(3, 4))
    s = dt.empty(10, 4)
    dt.nn.init.sparse_(s, 0.3)
    np.testing.assert_array_equal((s.numpy() == 0).sum(0), [3, 3, 3, 3])
    p = dt.nn.Linear(3, 3).weight
    dt.nn.init.orthogonal_(p)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((4, 4, 3, 3), 2),
                                          ((2, 2, 3, 3, 3), 1), ((6, 2, 5), 3)])
def test_dirac_matches_torch(shape, groups):
    a, b = dt.empty(*shape), torch.empty(*shape)
    dt.nn.init.dirac_(a, groups)
    torch.nn.init.dirac_(b, groups)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
