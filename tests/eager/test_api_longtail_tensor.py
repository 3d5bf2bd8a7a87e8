"""Tensor methods from the long tail (dlcore_eager/_api_longtail.py) against real PyTorch 2.13:
swapdims/swapdims_/swapaxes_, adjoint, ger, vdot, new, split_with_sizes,
narrow_copy, dim_order, cfloat/cdouble, is_neg/resolve_neg, to_dense, xlogy_/sinc_, prelu and the
always-false device and layout properties; values, dtypes, gradients, grad_fn names, errors."""

from __future__ import annotations

import numpy as np
import pytest
from error_of import error_of

import dlcore_eager as dl

torch = pytest.importorskip("torch")

A = np.random.default_rng(0).standard_normal((2, 3, 4))


def _run(lib, fn, a=A):
    x = lib.tensor(a, requires_grad=True)
    y = fn(x)
    ys = y if isinstance(y, tuple) else (y,)
    total = sum((t * lib.tensor(np.random.default_rng(i).standard_normal(tuple(t.shape)))).sum()
                for i, t in enumerate(ys))
    total.backward()
    return [t.detach().numpy() for t in ys], x.grad.numpy(), [t.grad_fn.name() for t in ys], \
        [str(t.dtype) for t in ys]


CASES = {
    "swapdims": lambda x: x.swapdims(0, 2),
    "adjoint": lambda x: x.adjoint(),
    "split_with_sizes": lambda x: x.split_with_sizes([1, 2], 1),
    "narrow_copy": lambda x: x.narrow_copy(2, 1, 2),
    "ger": lambda x: x[0, 0].ger(x[1, 1]),
    "vdot": lambda x: x[0, 0].vdot(x[1, 2]),
    "prelu": lambda x: x.prelu(x[0, 0, :1] * 0 + 0.25),
    "to_dense": lambda x: x.to_dense() * 2,
    "torch.adjoint": lambda x: __import__(type(x).__module__.split(".")[0]).adjoint(x),
    "torch.split_with_sizes": lambda x: __import__(type(x).__module__.split(".")[0])
    .split_with_sizes(x, [3, 1], -1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_method_is_torchs(name):
    got = [_run(lib, CASES[name]) for lib in (torch, dl)]
    for a, b in zip(got[0][0], got[1][0]):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[1][1], got[0][1], rtol=1e-12, atol=1e-12)
    assert got[1][3] == got[0][3]
    if name not in ("ger", "vdot", "prelu", "to_dense"):      # (composites; values checked)
        assert got[1][2] == got[0][2]


def test_inplace_swaps_and_ops():
    for name, fn in [("swapdims_", lambda t: t.swapdims_(0, 1)),
                     ("swapaxes_", lambda t: t.swapaxes_(1, 0)),
                     ("xlogy_", lambda t: t.xlogy_(t.new([2.0, 3.0, 4.0]))),
                     ("sinc_", lambda t: t.sinc_())]:
        outs = []
        for lib in (torch, dl):
            t = lib.tensor([[0.0, 1.0, 2.0]]) if name.startswith("swap") else \
                lib.tensor([0.0, 0.5, 2.0])
            r = fn(t)
            assert r is t
            outs.append(t.numpy())
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6, err_msg=name)
    for lib in (torch, dl):                   # in-place on a leaf that requires grad refuses
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            x.sinc_()
    x, w = dl.tensor([0.5, 1.5], requires_grad=True), dl.tensor([2.0, 3.0])
    y = x * 1.0
    y.xlogy_(w)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.log([2.0, 3.0]), rtol=1e-6)


def test_new_cfloat_dim_order_queries():
    for lib in (torch, dl):
        t = lib.ones(2, dtype=lib.float64)
        assert t.new(2, 3).shape == (2, 3) and str(t.new(2, 3).dtype).endswith("float64")
        assert t.new([1, 2]).tolist() == [1.0, 2.0] and t.new().shape == (0,)
        assert str(t.cfloat().dtype).endswith("complex64")
        assert str(t.cdouble().dtype).endswith("complex128")
        assert lib.ones(2, 3).t().dim_order() == (1, 0)
        assert lib.ones(2, 3, 4).permute(2, 0, 1).dim_order() == (1, 2, 0)
        assert lib.ones(2, 3).dim_order() == (0, 1)
        assert t.is_neg() is False and t.resolve_neg() is t and t.to_dense() is t
        for p in ("is_meta", "is_xpu", "is_mps", "is_mkldnn", "is_quantized", "is_nested",
                  "is_sparse_csr", "is_vulkan", "is_ipu", "is_maia", "is_mtia"):
            assert getattr(t, p) is False, p


@pytest.mark.parametrize("fn", [lambda lib: lib.ones(2, 2).vdot(lib.ones(2)),
                                lambda lib: lib.ones(2).adjoint(),
                                lambda lib: lib.ones(5).split_with_sizes([2, 2]),
                                lambda lib: lib.ones(2).new(lib.tensor([1, 2]))])
def test_errors_are_torchs(fn):
    theirs, ours = error_of(lambda: fn(torch)), error_of(lambda: fn(dl))
    assert ours[0] is theirs[0]
    if theirs[0] is not TypeError:             # (TensorOptions spelled out: type only)
        assert ours == theirs
