"""The first lines of ``view``/``reshape``/``t``/``x[i]``/``x[a:b]``/``cat``/``stack`` (issue 19:
a call seen before on the same shape and dtype is one table lookup, ``_shape_ops._VIEWS``/
``_TS``, the getitem entry's plans, the joins' two-tensor entry) give what PyTorch 2.13
gives, and what the general path gives, at the boundary of what they take: values, gradients,
grad_fn names, memory shared with the base, version counters, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops import shape as _shape
from dlcore.ops.indexing import getitem_p
from dlcore.ops.stacking import stack_p
from dlcore_eager import _lane, _views
from dlcore_eager import _shape_ops as S

torch = pytest.importorskip("torch")

_A = np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)


def _pair(a=_A, rg=True):
    return (dl.from_numpy(a.copy()).requires_grad_(rg),
            torch.from_numpy(a.copy()).requires_grad_(rg))


def _same(d, t, base_d=None, base_t=None):
    """``d`` (dlcore) as ``t`` (torch): value, dtype, requires_grad, grad_fn name, and, for a
    view, memory and version counter shared with its base."""
    np.testing.assert_array_equal(d.detach().numpy(), t.detach().numpy())
    assert str(d.dtype) == str(t.dtype) and d.requires_grad == t.requires_grad
    assert (d.grad_fn is None) == (t.grad_fn is None)
    if t.grad_fn is not None:
        assert d.grad_fn.name() == type(t.grad_fn).__name__
    if base_t is not None:
        shares = t.untyped_storage().data_ptr() == base_t.untyped_storage().data_ptr()
        assert (d._vc is base_d._vc) == shares
        if d._buf.size:                     # (an empty view shares no bytes in NumPy's sense)
            assert np.shares_memory(d._buf, base_d._buf) == shares


def _errors(fd, ft):
    """The error of ``fd()`` (dlcore) is ``ft()``'s (torch): type and message."""
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(Exception) as ed:
        fd()
    assert type(ed.value).__name__ == type(et.value).__name__ or \
        isinstance(ed.value, type(et.value)), (ed.value, et.value)
    assert str(ed.value).split("\n")[0] == str(et.value).split("\n")[0]


VIEW_CALLS = [
    ("view(-1)", lambda x: x.view(-1)),
    ("view(2, -1)", lambda x: x.view(2, -1)),
    ("view((8, 4))", lambda x: x.view((8, 4))),
    ("reshape(-1)", lambda x: x.reshape(-1)),
    ("reshape(32, 1)", lambda x: x.reshape(32, 1)),
    ("torch.reshape", lambda x: (dl if isinstance(x, dl.Tensor) else torch).reshape(x, (2, 16))),
    ("t()", lambda x: x.t()),
    ("[2]", lambda x: x[2]),
    ("[-1]", lambda x: x[-1]),
    ("[1:3]", lambda x: x[1:3]),
    ("[:2]", lambda x: x[:2]),
    ("[3:]", lambda x: x[3:]),
    ("[3:1]", lambda x: x[3:1]),
]


@pytest.mark.parametrize("name, f", VIEW_CALLS, ids=[c[0] for c in VIEW_CALLS])
@pytest.mark.parametrize("rg", [True, False])
def test_views_seen_before_are_torchs(name, f, rg):
    xd, xt = _pair(rg=rg)
    for _ in range(3):                      # the first call learns, the later ones look up
        yd, yt = f(xd), f(xt)
        _same(yd, yt, xd, xt)
    if rg:
        g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
        yd.backward(dl.from_numpy(g))
        yt.backward(torch.from_numpy(g))
        np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())
    # an in-place change through the view is seen in the base (and bumps both versions)
    with dl.no_grad():
        yd = f(xd)
        v0 = xd._version
        yd.add_(1.0)
        assert xd._version == v0 + 1 and yd._vc is xd._vc
    with torch.no_grad():
        f(xt).add_(1.0)
    np.testing.assert_array_equal(xd.detach().numpy(), xt.detach().numpy())


@pytest.mark.parametrize("name, f", VIEW_CALLS, ids=[c[0] for c in VIEW_CALLS])
def test_views_seen_before_in_no_grad_mode_and_of_int_tensors(name, f):
    # (in no_grad mode PyTorch's view of a tensor that requires grad has requires_grad=True
    # and no grad_fn, a leaf, as dlcore's)
    xd, xt = _pair()
    f(xd)
    f(xd)
    with dl.no_grad(), torch.no_grad():
        yd, yt = f(xd), f(xt)
        np.testing.assert_array_equal(yd.detach().numpy(), yt.detach().numpy())
        assert yd.grad_fn is None and yt.grad_fn is None
        assert yd.requires_grad == yt.requires_grad and yd.is_leaf == yt.is_leaf
        assert yd._vc is xd._vc
    a = np.arange(32, dtype=np.int64).reshape(4, 8)
    xd, xt = _pair(a, rg=False)
    for _ in range(3):
        _same(f(xd), f(xt), xd, xt)


def test_the_tables_are_what_ran():
    S._VIEWS.clear()
    S._TS.clear()
    x = dl.from_numpy(_A.copy())
    x.view(-1)
    x.view(2, 16)
    x.reshape((8, 4))
    x.t()
    keys = set(S._VIEWS)
    assert ((4, 8), x._buf.dtype, -1) in keys
    assert ((4, 8), x._buf.dtype, (2, 16)) in keys
    assert ((4, 8), x._buf.dtype, ((8, 4),)) in keys
    assert ((4, 8), x._buf.dtype) in S._TS
    x.view(4, 8)                            # (the same shape: an alias, no plan)
    assert ((4, 8), x._buf.dtype, (4, 8)) not in S._VIEWS


def _outcome(f):
    """What ``f()`` gives: ("value", shape, dtype, grad_fn name, values) or ("error", type,
    message)."""
    try:
        r = f()
    except Exception as e:                  # noqa: BLE001 - compared by the caller
        return ("error", type(e).__name__, str(e))
    return ("value", tuple(r.shape), str(r.dtype), r.grad_fn and r.grad_fn.name(),
            r.detach().numpy().tolist())


@pytest.mark.parametrize("args", [(32.0,), (True, 32), (2.0, 16), ((2.0, 16),), ([2, 16],),
                                  (np.int64(32),), ((np.int64(2), 16),), (-1, -1), (5, -1),
                                  (33,), (dl.float32,), ((32,), 1)])
@pytest.mark.parametrize("op", ["view", "reshape"])
def test_sizes_that_compare_equal_to_a_plans_find_no_plan(op, args):
    """Sizes equal to a plan's (32.0 == 32, True == 1, np.int64(32) == 32) but not Python
    ints give what the general path gives without any plan (PyTorch refuses floats and
    bools; where dlcore's general path differs from PyTorch it is not the fast path's
    doing: view(True, 32) is accepted by both paths)."""
    xd = dl.from_numpy(_A.copy()).requires_grad_(True)
    S._VIEWS.clear()
    _lane._PLANS.clear()
    general = _outcome(lambda: getattr(xd, op)(*args))
    for plain in [(32,), (1, 32), (2, 16), ((2, 16),), (-1,)]:
        getattr(xd, op)(*plain)             # plans whose keys 32.0, True, [2, 16] ... equal
        getattr(xd, op)(*plain)
    assert S._VIEWS
    assert _outcome(lambda: getattr(xd, op)(*args)) == general
    if op == "view" and args in [(-1, -1), (5, -1), (33,)]:
        xt = torch.from_numpy(_A.copy())
        _errors(lambda: xd.view(*args), lambda: xt.view(*args))


def test_a_non_contiguous_tensor_of_a_plans_shape():
    xd = dl.from_numpy(_A.copy()).requires_grad_(True)     # (4, 8) contiguous: plans made
    for _ in range(2):
        xd.view(-1)
        xd.reshape(-1)
        xd.t()
    nd, nt = _pair(_A.T.copy())             # (8, 4), transposed to a (4, 8) view
    nd, nt = nd.t(), nt.t()
    _errors(lambda: nd.view(-1), lambda: nt.view(-1))
    rd, rt = nd.reshape(-1), nt.reshape(-1)             # (a copy: UnsafeViewBackward0)
    _same(rd, rt)
    assert not np.shares_memory(rd._buf, nd._buf)
    _same(nd.t(), nt.t(), nd, nt)
    _same(nd.t().t(), nt.t().t(), nd, nt)


def _counting(prim, seen: list):
    """``prim``'s CPU kernel, noting its name in ``seen`` at each call."""
    kernel = prim.kernels["cpu"]

    def counted(*xs, **params):
        seen.append(prim.name)
        return kernel(*xs, **params)
    return counted


def test_a_replaced_kernel_is_not_bypassed(monkeypatch):
    x = dl.from_numpy(_A.copy()).requires_grad_(True)
    for _ in range(2):
        x.view(-1)
        x.t()
        x[1]
        x[1:2]
    seen: list = []
    for prim in (_shape.reshape_p, _shape.transpose_p, getitem_p):
        monkeypatch.setitem(prim.kernels, "cpu", _counting(prim, seen))
    assert x.view(-1).grad_fn.name() == "ViewBackward0"
    assert x.t().grad_fn.name() == "TBackward0"
    assert x[1].grad_fn.name() == "SelectBackward0"
    assert x[1:2].grad_fn.name() == "SliceBackward0"
    assert seen == ["reshape", "transpose", "getitem", "getitem"]


def test_view_of_matches_view1():
    """``_views.view_of`` (the entries' wrapping) makes what ``_dispatch_finish.view1`` makes:
    every Tensor slot set, the same node, recipe, version counter and weak reference."""
    from dlcore_eager._dispatch_finish import view1
    from dlcore_eager.tensor import Tensor
    slots = [s for s in Tensor.__slots__ if s != "__weakref__"]
    for rg in (True, False):
        x = dl.from_numpy(_A.copy()).requires_grad_(rg)
        params = {"shape": (-1,)}
        a = view1(_shape.reshape_p, x, params, x._buf.reshape(-1), True)
        b = _views.view_of(x, _shape.reshape_p, params, x._buf.reshape(-1))
        for s in slots:
            va, vb = getattr(a, s), getattr(b, s)
            if s == "_buf":
                np.testing.assert_array_equal(va, vb)
            elif s == "_node":
                assert (va is None) == (vb is None)
                if va is not None:
                    assert (va.prim, va.params, va.parents, va.inputs, va.versions,
                            va.shape, va.dtype) == (vb.prim, vb.params, vb.parents, vb.inputs,
                                                    vb.versions, vb.shape, vb.dtype)
                    assert va.out_version is vb.out_version and va.out_ver0 == vb.out_ver0
            elif s == "_view":
                assert va[0] is vb[0] and va[1:] == vb[1:]
            elif s == "_vc":
                assert va is vb
            else:
                assert va == vb, s
        assert x._vc[-2]() is a and x._vc[-1]() is b


def test_getitem_plans_at_the_boundary():
    xd, xt = _pair()
    getitem = type(xd).__getitem__
    for _ in range(2):
        xd[3], xd[1:3], xd[-4], xd[1:]
    assert getitem.plans
    key: object
    for key in [4, -5]:                     # out of bounds, after in-bound plans
        _errors(lambda k=key: xd[k], lambda k=key: xt[k])
    for key in [np.int64(3), slice(1, 3, 1), slice(np.int64(1), 3), slice(None, None, -1),
                slice(1, None, None)]:
        try:
            yt = xt[key]
        except Exception:                   # noqa: BLE001 - torch's error, then ours
            _errors(lambda k=key: xd[k], lambda k=key: xt[k])
            continue
        _same(xd[key], yt, xd, xt)
    # keys equal to a plan's (True == 1, 1.0 == 1) but of another type: the general entry's
    # outcome (dlcore refuses x[True] and takes x[1.0:3], PyTorch the other way round: not
    # the fast path's doing)
    for key in [True, slice(1.0, 3), slice(True, 3), slice(1, 3.0)]:
        getitem.plans.clear()
        general = _outcome(lambda k=key: xd[k])
        xd[1], xd[1:3], xd[1], xd[1:3]
        assert getitem.plans
        assert _outcome(lambda k=key: xd[k]) == general
    x3d, x3t = _pair(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    for _ in range(2):                      # another shape: its own plans
        _same(x3d[1], x3t[1], x3d, x3t)
        _same(x3d[0:1], x3t[0:1], x3d, x3t)
    v = dl.zeros(3)                         # a vector: x[i] is a 0-d view
    for _ in range(2):
        r = v[1]
        assert r.shape == () and np.shares_memory(r._buf, v._buf)


JOIN_CALLS = [
    ("cat([a, b], 1)", lambda T, a, b: T.cat([a, b], 1)),
    ("cat((a, b))", lambda T, a, b: T.cat((a, b))),
    ("cat([a, b], dim=-1)", lambda T, a, b: T.cat([a, b], dim=-1)),
    ("concat([a, b], 0)", lambda T, a, b: T.concat([a, b], 0)),
    ("stack([a, b])", lambda T, a, b: T.stack([a, b])),
    ("stack((a, b), 2)", lambda T, a, b: T.stack((a, b), 2)),
    ("stack([a, b], dim=-1)", lambda T, a, b: T.stack([a, b], dim=-1)),
    ("cat([a, a], 1)", lambda T, a, b: T.cat([a, a], 1)),
]


@pytest.mark.parametrize("name, f", JOIN_CALLS, ids=[c[0] for c in JOIN_CALLS])
@pytest.mark.parametrize("rg", [(True, True), (True, False), (False, True), (False, False)])
def test_two_tensor_joins_are_torchs(name, f, rg):
    b_ = np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32)
    ad, at = _pair(rg=rg[0])
    bd, bt = _pair(b_, rg=rg[1])
    for _ in range(3):
        rd, rt = f(dl, ad, bd), f(torch, at, bt)
        _same(rd, rt)
        assert not np.shares_memory(rd._buf, ad._buf)
    if rt.requires_grad:
        g = np.random.default_rng(3).standard_normal(tuple(rt.shape)).astype(np.float32)
        rd.backward(dl.from_numpy(g))
        rt.backward(torch.from_numpy(g))
        for d, t in ((ad, at), (bd, bt)):
            assert (d.grad is None) == (t.grad is None)
            if t.grad is not None:
                np.testing.assert_array_equal(d.grad.numpy(), t.grad.numpy())
    with dl.no_grad(), torch.no_grad():
        _same(f(dl, ad, bd), f(torch, at, bt))


def _join_env(T):
    return {"T": T, "a": T.from_numpy(_A.copy()), "b": T.from_numpy(_A.copy() + 1),
            "c": T.from_numpy(np.arange(32).reshape(4, 8)),
            "d": T.from_numpy(np.ones((3, 8), np.float32)), "s": T.tensor(1.0),
            "o": T.empty(4, 16), "e": T.from_numpy(np.ones((4, 2), np.float64)),
            "f": T.from_numpy(_A.astype(np.float64) * 3),
            "p": T.nn.Parameter(T.from_numpy(_A.copy()))}


def _join_outcome(T, expr):
    env = _join_env(T)
    try:
        r = eval(expr, env)
    except Exception as e:                  # noqa: BLE001 - compared by the caller
        return ("error", type(e).__name__, str(e).split("\n")[0])
    name = None if r.grad_fn is None else \
        getattr(r.grad_fn, "name", lambda: type(r.grad_fn).__name__)()
    return ("value", str(r.dtype), r.detach().numpy().tolist(), r.requires_grad, name)


def _make_join_plans(T):
    a = T.from_numpy(_A.copy())
    for _ in range(2):
        T.cat([a, a], 1), T.cat([a, a], 0), T.stack([a, a]), T.stack([a, a], 2)


TORCHS = ["T.cat([a, c], 1)", "T.stack([a, c])", "T.cat([a, d], 0)", "T.cat([a, d], 1)",
          "T.stack([a, d])", "T.cat([a, b], 2)", "T.cat([a, b], -3)", "T.cat([s, s])",
          "T.stack([s, s])", "T.cat([a, 1.0])", "T.cat([a, b], dim=1, axis=1)",
          "T.cat([a, b], 1, out=o)", "T.cat(tensors=[a, b], dim=1)", "T.stack([p, b])",
          "T.cat([a, e], 1)", "T.stack((a, b), dim=1)", "T.cat([a, f], 1)", "T.stack([f, a])",
          "T.cat([c, a], 0)"]


@pytest.mark.parametrize("expr", TORCHS)
def test_two_tensor_joins_at_the_boundary_are_torchs(expr):
    """After plans for (4, 8) float32 pairs exist: other dtypes (promotion), shapes that do
    not join, dims out of range, 0-d tensors, non-tensors, other keywords, a Parameter and
    a float64 tensor: torch's values or errors."""
    _make_join_plans(torch)
    _make_join_plans(dl)
    assert _join_outcome(dl, expr) == _join_outcome(torch, expr)


@pytest.mark.parametrize("expr", ["T.cat([a, b], True)", "T.cat([a, b], 1.0)",
                                  "T.stack([a, b], True)", "T.stack([a, b], 3)",
                                  "T.cat([a, b], dim=True)"])
def test_dims_equal_to_a_plans_find_no_plan(expr):
    """A dim equal to a plan's (True == 1, 1.0 == 1) but not an int, or out of range: what the
    general path gives without any plan (where that differs from PyTorch, cat(dim=True)
    accepted, stack's AxisError, it is not the fast path's doing)."""
    from dlcore_eager import _lane_joins as J
    cat_plans = J._cat_parse.entry.plans       # type: ignore[attr-defined]
    stack_plans = J._stack_parse.entry.plans   # type: ignore[attr-defined]
    cat_plans.clear()
    stack_plans.clear()
    _lane._PLANS.clear()                    # (the lane's plans, which the joins' learn from)
    general = _join_outcome(dl, expr)
    _make_join_plans(dl)
    assert cat_plans and stack_plans
    assert _join_outcome(dl, expr) == general


def test_joins_under_autocast_and_a_replaced_kernel(monkeypatch):
    x = dl.from_numpy(_A.copy())
    tx = torch.from_numpy(_A.copy())
    for _ in range(2):
        dl.cat([x, x], 1)
        dl.stack([x, x])
    with dl.autocast("cpu", dtype=dl.bfloat16), torch.autocast("cpu", dtype=torch.bfloat16):
        assert str(dl.cat([x, x], 1).dtype) == str(torch.cat([tx, tx], 1).dtype)
        assert str(dl.stack([x, x]).dtype) == str(torch.stack([tx, tx]).dtype)
    seen: list = []
    for prim in (_shape.concatenate_p, stack_p):
        monkeypatch.setitem(prim.kernels, "cpu", _counting(prim, seen))
    np.testing.assert_array_equal(dl.cat([x, x], 1).numpy(), torch.cat([tx, tx], 1).numpy())
    np.testing.assert_array_equal(dl.stack([x, x]).numpy(), torch.stack([tx, tx]).numpy())
    assert seen == ["concatenate", "stack"]


@pytest.mark.parametrize("op", [lambda x: x.reshape(-1), lambda x: x.reshape(2, 16),
                                lambda x: x.flatten(), lambda x: x.contiguous().view(-1)],
                         ids=["reshape(-1)", "reshape(2, 16)", "flatten", "contiguous.view"])
def test_reshape_copy_of_a_non_contiguous_tensor_is_no_view(op):
    """NumPy's reshape of a non-contiguous array is a view of a fresh copy (its ``base`` that
    copy): not a view of the input, so no shared version counter, and an in-place change of
    it is no change of its input (was: CopySlices into the input and a wrong gradient)."""
    a = np.arange(32, dtype=np.float32).reshape(8, 4) / 10
    res = []
    for T in (dl, torch):
        x = T.from_numpy(a.copy()).requires_grad_(True)
        n = x.t() * 1.0                     # non-leaf, non-contiguous
        for _ in range(2):                  # (the second call: the lane's plan)
            r = op(n)
        v0 = n._version
        r.mul_(2)
        v1 = n._version
        ((n * 3).sum() + r.sum()).backward()
        name = r.grad_fn.name() if T is dl else type(r.grad_fn).__name__
        nname = n.grad_fn.name() if T is dl else type(n.grad_fn).__name__
        res.append((v1 - v0, name, nname, x.grad.numpy().tolist(), r.detach().numpy().tolist()))
    assert res[0] == res[1]
