"""F.interpolate's 'nearest-exact' and 'bicubic' modes, scale factors used for the source
coordinates (``recompute_scale_factor``), and nn.Upsample, against real PyTorch 2.13: values,
dtypes, gradients (random cotangent), grad_fn names, and the errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest
from error_of import error_of

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [((1, 2, 5), "nearest-exact", {"scale_factor": 1.7}),
         ((1, 2, 4, 5), "nearest-exact", {"size": (7, 3)}),
         ((1, 1, 2, 3, 5), "nearest-exact", {"scale_factor": (1.5, 2, 0.6)}),
         ((2, 1, 4, 5), "bicubic", {"size": (9, 7)}),
         ((2, 1, 4, 5), "bicubic", {"scale_factor": 1.6}),
         ((2, 1, 6, 5), "bicubic", {"size": (3, 2)}),
         ((1, 2, 4, 5), "bicubic", {"size": (9, 7), "align_corners": True}),
         ((1, 1, 5, 5), "bilinear", {"scale_factor": 1.5}),
         ((1, 1, 5), "linear", {"scale_factor": 1.5, "recompute_scale_factor": True}),
         ((1, 1, 5), "nearest", {"scale_factor": 2.6})]


@pytest.mark.parametrize(("shape", "mode", "kw"), CASES)
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_interpolate_modes_are_torchs(shape, mode, kw, dt):
    a = np.random.default_rng(0).standard_normal(shape).astype(dt)
    got = {}
    for lib in (torch, dl):
        x = lib.tensor(a, requires_grad=True)
        y = lib.nn.functional.interpolate(x, mode=mode, **kw)
        c = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(dt)
        y.backward(lib.tensor(c))
        got[lib] = (y.detach().numpy(), x.grad.numpy(), y.grad_fn.name(), str(y.dtype))
    tol = 1e-5 if dt == "float32" else 1e-12
    np.testing.assert_allclose(got[dl][0], got[torch][0], rtol=tol, atol=tol)
    np.testing.assert_allclose(got[dl][1], got[torch][1], rtol=tol, atol=tol)
    assert got[dl][2:] == got[torch][2:]


@pytest.mark.parametrize(("mode", "kw"), [("bicubic", {"scale_factor": 2}),
                                          ("nearest-exact", {"size": (3, 2)})])
def test_upsample_module(mode, kw):
    a = np.random.default_rng(2).standard_normal((1, 2, 3, 4)).astype(np.float32)
    outs = [lib.nn.Upsample(mode=mode, **kw)(lib.tensor(a)).numpy() for lib in (torch, dl)]
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("shape", "mode", "kw"), [
    ((1, 1, 5), "bicubic", {"scale_factor": 2}),          # bicubic needs 4-D
    ((1, 1, 5, 5), "bogus", {"size": 2}),
    ((1, 1, 5, 5), "nearest-exact", {"size": 2, "align_corners": True}),
    ((1, 1, 5, 5), "bicubic", {"size": (2, 3, 4)}),
    ((1, 1, 5, 5), "bicubic", {"scale_factor": (2.0,)})])
def test_interpolate_errors_are_torchs(shape, mode, kw):
    errs = [error_of(lambda lib=lib: lib.nn.functional.interpolate(lib.ones(*shape), mode=mode,
                                                                   **kw)) for lib in (torch, dl)]
    assert errs[1] == errs[0]
