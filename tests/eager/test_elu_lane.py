"""F.elu's lane entry (``dlcore_eager._lane_entries.slope_entry`` for the elu primitive, as
nn.ELU calls it): the calls it takes give PyTorch 2.13's values, grad_fn names
(``EluBackward0``, in place ``EluBackward1``), saved values, next_functions and gradients, the
lane's call as the general entry's; the calls it refuses reach the general entry."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops.activations import elu_p
from dlcore_eager import _lane_entries

torch = pytest.importorskip("torch")

FORMS = [("F.elu(x)", lambda T, x: T.nn.functional.elu(x)),
         ("F.elu(x, 0.5)", lambda T, x: T.nn.functional.elu(x, 0.5)),
         ("F.elu(x, alpha=2)", lambda T, x: T.nn.functional.elu(x, alpha=2)),
         ("F.elu(x, 1.0, False)", lambda T, x: T.nn.functional.elu(x, 1.0, False)),
         ("nn.ELU(0.3)", lambda T, x: T.nn.ELU(0.3)(x)),
         ("F.elu(y, inplace=True)", lambda T, x: T.nn.functional.elu(x * 1, inplace=True)),
         ("nn.ELU(inplace=True)", lambda T, x: T.nn.ELU(inplace=True)(x * 1))]


def _saved(node) -> dict:
    return {k: getattr(node, k) for k in dir(node) if k.startswith("_saved_") and
            not hasattr(getattr(node, k), "shape")}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rg", [False, True], ids=["no_grad", "grad"])
@pytest.mark.parametrize("name,f", FORMS, ids=[n for n, _ in FORMS])
def test_lane_gives_torchs(dtype, rg, name, f):
    a = np.linspace(-3, 3, 12).astype(dtype).reshape(3, 4)
    a[0, 0] = -0.0
    xt, xd = torch.tensor(a, requires_grad=rg), dl.tensor(a, requires_grad=rg)
    rt = f(torch, xt)
    for _ in range(2):
        rd = f(dl, xd)
        np.testing.assert_allclose(rd.detach().numpy(), rt.detach().numpy(), rtol=3e-7)
        assert np.signbit(rd.detach().numpy()[0, 0]) == np.signbit(rt.detach().numpy()[0, 0])
        assert rd.requires_grad == rt.requires_grad
        if not rg:
            assert rd.grad_fn is None
            continue
        assert type(rd.grad_fn).__name__ == type(rt.grad_fn).__name__
        assert _saved(rd.grad_fn) == _saved(rt.grad_fn)
        g = np.random.default_rng(4).standard_normal((3, 4)).astype(dtype)
        (gd,) = dl.autograd.grad(rd, xd, dl.tensor(g))
        (gt,) = torch.autograd.grad(rt, xt, torch.tensor(g), retain_graph=True)
        # (in place, PyTorch's gradient comes from the result: see test_elu_prims)
        np.testing.assert_allclose(gd.numpy(), gt.numpy(), rtol=1e-5, atol=1e-7)


def test_taken_and_refused_calls():
    calls = []

    def general(*args, **kw):
        calls.append((args, kw))
        return "general"
    elu = _lane_entries.slope_entry(elu_p, "elu", "alpha", 1.0,
                                    {"scale": 1.0, "input_scale": 1.0},
                                    ("EluBackward0", "EluBackward1"))(general, None)
    x = dl.randn(4, 8)
    for call in (lambda: elu(x), lambda: elu(x, 0.5), lambda: elu(x, alpha=2),
                 lambda: elu(x, float("nan")),                # (torch's NaN below 0 too)
                 lambda: elu(x, 1.0, False), lambda: elu(x.double(), inplace=False)):
        out = call()
        assert isinstance(out, dl.Tensor) and out.grad_fn is None
    xg = dl.randn(4, 8, requires_grad=True)
    y = elu(xg, 0.5)
    assert y.grad_fn.prim is elu_p and type(y.grad_fn).__name__ == "EluBackward0"
    assert y.grad_fn._saved_alpha == 0.5 and y.grad_fn._saved_scale == 1
    assert calls == []
    refused = [((x, 1e39),), ((x, True),), ((x.half(),),),
               ((x.long(),),), ((x, dl.tensor(1.0)),), ((x, 1.0, None),),
               ((x, 1.0, False, 3),)]
    for (args,) in refused:
        assert elu(*args) == "general"
    assert elu(x, negative_slope=0.1) == "general" and elu(x, 1.0, alpha=1.0) == "general"
    assert len(calls) == len(refused) + 2
