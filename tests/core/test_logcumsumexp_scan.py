"""logcumsumexp as a primitive (dlcore/ops/scan.py ``logcumsumexp_p``): a running
log-add-exp per line, PyTorch's, where the composite shifted every line by its maximum, so an
element far below a later maximum came out -inf (``[-200., 0.]`` in float32) and a line holding
+inf came out NaN.  Values, first and second derivatives against PyTorch (infinities and NaN
included), every axis, a 0-d input, float32, and the CUDA kernel (simulator) against the
CPU's."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops import scan

torch = pytest.importorskip("torch")

EDGES = np.array([[0.0, 0, 0], [1, np.inf, 2], [1, -np.inf, 2], [-np.inf, -np.inf, 1],
                  [np.inf, np.inf, 1], [np.nan, 1, 2], [-1000, 0, -5], [-200, 0, 3]])


def _both(a, axis, second=True):
    res = []
    for L in (dt, torch):
        x = L.tensor(a, requires_grad=True)
        y = x.logcumsumexp(axis)
        c = L.tensor(np.linspace(-1.5, 2.0, a.size).reshape(a.shape))
        (g,) = L.autograd.grad((y * c).sum(), x, create_graph=second)
        out = [y.detach().numpy(), g.detach().numpy()]
        if second:
            out.append(L.autograd.grad((g * g).sum(), x)[0].numpy())
        res.append(out)
    return res


def test_edges_as_torch():
    got, want = _both(EDGES, 1, second=False)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=0, equal_nan=True)
        assert np.array_equal(np.isnan(g), np.isnan(w))
    assert got[0][7, 0] == -200.0                # (the composite: -inf)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_values_and_two_derivatives_along_each_axis(axis):
    a = np.random.default_rng(axis + 5).standard_normal((3, 6, 4)) * 5
    got, want = _both(a, axis)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_float32_far_below_a_later_maximum_and_a_0d_input():
    for L in (dt, torch):
        assert L.tensor([-200.0, 0.0]).logcumsumexp(0).tolist() == [-200.0, 0.0]
        assert L.tensor(3.0).logcumsumexp(0).item() == 3.0
    x = np.random.default_rng(1).standard_normal((5, 300)).astype(np.float32) * 30
    np.testing.assert_allclose(dt.tensor(x).logcumsumexp(1).numpy(),
                               torch.tensor(x).logcumsumexp(1).numpy(), rtol=2e-6, atol=2e-6)


def test_cuda_simulator_kernel_equals_cpu():
    for a, axis in ((EDGES, 1), (np.random.default_rng(2).standard_normal((2, 5, 3)), 1)):
        want = scan.logcumsumexp(a, axis)
        got = scan.logcumsumexp(dt.tensor(a).cuda(), axis).cpu().numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)
