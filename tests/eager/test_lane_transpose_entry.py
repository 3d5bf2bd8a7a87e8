"""transpose/swapaxes' one-frame lane entry (``_lane_entries.transpose_entry``): the call that
finds the parse's plan gives what the first call (the parse) gave and torch 2.13 gives: the
values, a view sharing memory and version counter with its base (an in-place change of either
seen in the other; backward after it refused), grad_fn names and gradients; in no_grad and
for integer tensors too; the forms it does not take (keywords, a bool dim, out of range) are
the general entry's, errors included (their types; the texts of a bool or float dim are
the general entry's own, not torch's argument-parser texts)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import _lane

torch = pytest.importorskip("torch")

CALLS = [("x.transpose(0, 1)", lambda T, x: x.transpose(0, 1)),
         ("torch.transpose(x, -1, 0)", lambda T, x: T.transpose(x, -1, 0)),
         ("x.swapaxes(1, 0)", lambda T, x: x.swapaxes(1, 0)),
         ("x.transpose(2, 0)", lambda T, x: x.transpose(2, 0) if x.dim() == 3 else x.t())]


def _pair(shape, dtype, rg):
    a = np.random.default_rng(1).standard_normal(shape)
    xs = [T.tensor(a, dtype=getattr(T, dtype)) for T in (torch, dl)]
    return [x.requires_grad_(True) for x in xs] if rg else xs


@pytest.mark.parametrize("name, f", CALLS, ids=[c[0] for c in CALLS])
@pytest.mark.parametrize("shape", [(4, 8), (2, 3, 4), (1, 1)], ids=str)
@pytest.mark.parametrize("dtype, rg", [("float32", True), ("float64", False),
                                       ("float32", False), ("int64", False)])
def test_entry_gives_the_parse_and_torch(name, f, shape, dtype, rg, monkeypatch):
    # a matrix's x.t() seen before takes _shape_ops' own table (_TS) and makes no plan: an
    # empty table, so that the lookup below does not hang on what ran before on this worker
    # (a test that cleared _lane._PLANS after another one filled _TS failed it)
    from dlcore_eager import _shape_ops
    monkeypatch.setattr(_shape_ops, "_TS", {})
    xt, xd = _pair(shape, dtype, rg)
    rt = f(torch, xt)
    for _ in range(3):                          # the parse's call, then the entry's
        rd = f(dl, xd)
        assert rd.shape == rt.shape and rd.dtype.__str__() == str(rt.dtype)
        np.testing.assert_array_equal(rd.detach().numpy(), rt.detach().numpy())
        assert (rd.grad_fn is None) == (rt.grad_fn is None)
        if rg:
            assert type(rd.grad_fn).__name__ == type(rt.grad_fn).__name__
            g = np.arange(rd.numel(), dtype=np.float32).reshape(tuple(rd.shape))
            (gd,) = dl.autograd.grad(rd, xd, dl.tensor(g))
            (gt,) = torch.autograd.grad(rt, xt, torch.tensor(g), retain_graph=True)
            np.testing.assert_array_equal(gd.numpy(), gt.numpy())
    prim = _lane._transpose_p
    plan = _lane._PLANS.get((prim, prim.kernels["cpu"], tuple(shape), xd._buf.dtype,
                             _key(name, len(shape))))
    assert plan is not None                     # (the entry's lookup finds a plan)


def _key(name, nd):
    return {"x.transpose(0, 1)": (0, 1), "torch.transpose(x, -1, 0)": (-1, 0),
            "x.swapaxes(1, 0)": (1, 0), "x.transpose(2, 0)": (2, 0) if nd == 3 else (0, 1)}[name]


def test_entry_view_shares_memory_and_version():
    for T in (torch, dl):
        x = T.zeros(3, 4)
        for _ in range(3):
            y = x.transpose(0, 1)
        x.add_(1.0)
        assert float(y[0, 0]) == 1.0
        y.mul_(3.0)
        assert float(x[0, 0]) == 3.0
        w = T.ones(3, 4, requires_grad=True)
        z = w * 1.0
        for _ in range(3):
            v = z.transpose(0, 1)
        s = (v * v).sum()
        z.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            s.backward()
    for T in (torch, dl):                       # (torch: a view made in no_grad of a
        with T.no_grad():                       # tensor that requires grad requires grad)
            w = T.ones(2, 3, requires_grad=True)
            for _ in range(3):
                r = w.transpose(0, 1)
        assert r.requires_grad and r.grad_fn is None


@pytest.mark.parametrize("call", [lambda T, x: x.transpose(0, 5),
                                  lambda T, x: x.transpose(True, 0),
                                  lambda T, x: x.transpose(dim0=0, dim1=1),
                                  lambda T, x: T.transpose(x, 0, 1.0)],
                         ids=["out of range", "bool dim", "keywords", "float dim"])
def test_other_forms_are_the_general_entrys(call):
    xt, xd = torch.zeros(2, 3), dl.zeros(2, 3)
    for _ in range(2):
        xd.transpose(0, 1)
    try:
        want = call(torch, xt)
    except Exception as e:  # noqa: BLE001 - torch's error, compared below
        with pytest.raises(type(e)) as ed:
            call(dl, xd)
        if isinstance(e, IndexError):
            assert str(ed.value) == str(e)
    else:
        got = call(dl, xd)
        assert tuple(got.shape) == tuple(want.shape)
