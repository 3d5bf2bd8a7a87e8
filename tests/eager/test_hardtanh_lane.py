"""F.hardtanh's and F.relu6's lane entry (``dlcore_eager._lane_clamp.hardtanh_entry``) and the
hardtanh primitive behind both entries: the calls nn.Hardtanh, nn.ReLU6 (in place or not) and
the tutorials make give PyTorch 2.13's values (signed zeros, NaN), grad_fn names, saved values,
next_functions, gradients (strictly inside (min_val, max_val)) and version counters, the lane's
call as the general entry's; the calls it refuses reach the general entry, whose errors are
torch's (min_val > max_val: F.hardtanh's ValueError, not hardtanh_'s; nn.Hardtanh's assert)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import _lane_clamp
from _lane_probe import probe  # noqa: E402 - tests/eager/_lane_probe.py

torch = pytest.importorskip("torch")

# (no NaN among the values: PyTorch's gradient at NaN depends on its position,
# tests/eager/test_relu6_nan_gradient.py)
VALUES = [-0.0, 0.0, -1.5, 2.0, 0.3, -0.5, 0.5, 1.0, -1.0, 6.0, 7.0, 5.5, -7.0, 1e-8]


def _forms():
    """(name, call) pairs written for torch and dlcore alike."""
    return [
        ("F.relu6(x)", lambda T, x: T.nn.functional.relu6(x)),
        ("F.hardtanh(x)", lambda T, x: T.nn.functional.hardtanh(x)),
        ("F.hardtanh(x, -0.5, 0.5)", lambda T, x: T.nn.functional.hardtanh(x, -0.5, 0.5)),
        ("F.hardtanh(x, max_val=2, min_val=0)",
         lambda T, x: T.nn.functional.hardtanh(x, max_val=2, min_val=0)),
        ("F.hardtanh(x, 0.0, 0.0)", lambda T, x: T.nn.functional.hardtanh(x, 0.0, 0.0)),
        ("F.hardtanh(x, -0.0, 0.0)", lambda T, x: T.nn.functional.hardtanh(x, -0.0, 0.0)),
        ("nn.ReLU6()", lambda T, x: T.nn.ReLU6()(x)),
        ("nn.Hardtanh(-2, 2)", lambda T, x: T.nn.Hardtanh(-2, 2)(x)),
    ]


INPLACE = [
    ("F.relu6(y, inplace=True)", lambda T, y: T.nn.functional.relu6(y, inplace=True)),
    ("F.hardtanh(y, -0.5, 0.5, True)", lambda T, y: T.nn.functional.hardtanh(y, -0.5, 0.5,
                                                                               True)),
    ("F.hardtanh_(y, 0.0, 6.0)", lambda T, y: T.nn.functional.hardtanh_(y, 0.0, 6.0)),
    ("nn.ReLU6(inplace=True)", lambda T, y: T.nn.ReLU6(inplace=True)(y)),
    ("nn.Hardtanh(inplace=True)", lambda T, y: T.nn.Hardtanh(inplace=True)(y)),
]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and \
        np.array_equal(np.signbit(a), np.signbit(b)) and np.array_equal(a, b, equal_nan=True)


def _pair(shape, dtype, rg):
    a = np.random.default_rng(3).choice(np.array(VALUES, dtype), size=shape)
    xs = [T.tensor(a.copy()) for T in (torch, dl)]
    if rg:
        for x in xs:
            x.requires_grad_(True)
    return xs


def _saved(node) -> dict:
    return {k: getattr(node, k) for k in ("_saved_min_val", "_saved_max_val")}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rg", [False, True], ids=["no_grad", "grad"])
@pytest.mark.parametrize("name,f", _forms(), ids=[n for n, _ in _forms()])
def test_out_of_place_gives_torchs(dtype, rg, name, f):
    for shape in ((4, 8), (1,), ()):
        xt, xd = _pair(shape, dtype, rg)
        rt = f(torch, xt)
        for _ in range(2):                  # (the first call, then a second alike)
            rd = f(dl, xd)
            assert _same(rd.detach().numpy(), rt.detach().numpy()), name
            assert rd.requires_grad == rt.requires_grad
            if not rg:
                assert rd.grad_fn is None
                continue
            assert type(rd.grad_fn).__name__ == type(rt.grad_fn).__name__ == \
                "HardtanhBackward0"
            assert _saved(rd.grad_fn) == _saved(rt.grad_fn)
            assert _same(rd.grad_fn._saved_self.detach().numpy(), xt.detach().numpy())
            assert [type(n).__name__ for n, _ in rd.grad_fn.next_functions] == \
                [type(n).__name__ for n, _ in rt.grad_fn.next_functions]
            g = np.random.default_rng(4).standard_normal(shape).astype(dtype)
            (gd,) = dl.autograd.grad(rd, xd, dl.tensor(g))
            (gt,) = torch.autograd.grad(rt, xt, torch.tensor(g), retain_graph=True)
            assert _same(gd.numpy(), gt.numpy()), name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rg", [False, True], ids=["no_grad", "grad"])
@pytest.mark.parametrize("name,f", INPLACE, ids=[n for n, _ in INPLACE])
def test_in_place_gives_torchs(dtype, rg, name, f):
    xt, xd = _pair((3, 5), dtype, rg)
    yt, yd = xt * 2.0, xd * 2.0
    vt, vd = yt._version, yd._version
    rt, rd = f(torch, yt), f(dl, yd)
    assert rd is yd and rt is yt
    assert _same(yd.detach().numpy(), yt.detach().numpy()), name
    assert yd._version - vd == yt._version - vt == 1
    if rg:
        assert type(yd.grad_fn).__name__ == type(yt.grad_fn).__name__
        assert _saved(yd.grad_fn) == _saved(yt.grad_fn)
        g = np.random.default_rng(5).standard_normal((3, 5)).astype(dtype)
        yd.backward(dl.tensor(g))
        yt.backward(torch.tensor(g))
        assert _same(xd.grad.numpy(), xt.grad.numpy()), name


def test_in_place_on_a_view_and_under_no_grad():
    base_t, base_d = (T.tensor(np.linspace(-8, 8, 12, dtype=np.float32).reshape(3, 4))
                      for T in (torch, dl))
    for T, base in ((torch, base_t), (dl, base_d)):
        T.nn.functional.relu6(base[1:, ::2], inplace=True)     # (a strided view: the base
        T.nn.ReLU6(inplace=True)(base[0])                       # changes with it)
    assert _same(base_d.numpy(), base_t.numpy())
    xt, xd = _pair((2, 3), np.float32, True)
    with torch.no_grad():
        ht = torch.nn.functional.hardtanh(xt, inplace=True)
    with dl.no_grad():
        hd = dl.nn.functional.hardtanh(xd, inplace=True)
    assert hd is xd and _same(xd.detach().numpy(), xt.detach().numpy())
    assert xd._version == xt._version == ht._version


def test_in_place_on_a_leaf_and_read_only_memory_refused_as_torch():
    for T in (torch, dl):
        x = T.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            T.nn.functional.relu6(x, inplace=True)
    ro = np.ones(4, np.float32)
    ro.flags.writeable = False
    x = dl.from_numpy(ro)
    with pytest.raises(ValueError, match="read-only"):     # (the general entry's _commit's)
        dl.nn.functional.relu6(x, inplace=True)
    assert _same(ro, np.ones(4, np.float32)) and x._version == 0


def test_errors_are_torchs():
    for call in (lambda T, x: T.nn.functional.hardtanh(x, 2.0, 1.0),
                 lambda T, x: T.nn.functional.hardtanh(x, 2.0, 1.0, inplace=True),
                 lambda T, x: T.nn.Hardtanh(1.0, 1.0),
                 lambda T, x: T.nn.functional.relu6(x.bool())):
        with pytest.raises(Exception) as et:
            call(torch, torch.ones(3))
        with pytest.raises(type(et.value)) as ed:
            call(dl, dl.ones(3))
        assert str(ed.value) == str(et.value)
    # hardtanh_ takes min_val > max_val (PyTorch's kernel: max_val everywhere)
    assert _same(dl.nn.functional.hardtanh_(dl.ones(3) * 0.5, 2.0, 1.0).numpy(),
                 torch.nn.functional.hardtanh_(torch.ones(3) * 0.5, 2.0, 1.0).numpy())


def test_integer_and_16_bit_tensors_through_the_general_entry():
    a = np.array([-3, 2, 9], np.int64)
    for f in (lambda T, x: T.nn.functional.relu6(x),
              lambda T, x: T.nn.functional.hardtanh(x, -1.5, 1.5)):
        assert f(dl, dl.tensor(a)).tolist() == f(torch, torch.tensor(a)).tolist()
    for dt, tt in ((dl.float16, torch.float16), (dl.bfloat16, torch.bfloat16)):
        xd = dl.tensor([-1.0, 0.0, 2.5, 6.0, 9.0], dtype=dt, requires_grad=True)
        xt = torch.tensor([-1.0, 0.0, 2.5, 6.0, 9.0], dtype=tt, requires_grad=True)
        yd, yt = dl.nn.functional.relu6(xd), torch.nn.functional.relu6(xt)
        yd.sum().backward()
        yt.sum().backward()
        assert yd.dtype == dt and yd.tolist() == yt.tolist()
        assert xd.grad.tolist() == xt.grad.tolist()


def _entry(name):
    return probe(_lane_clamp.hardtanh_entry(name))


def test_taken_and_refused_calls():
    hardtanh, calls = _entry("hardtanh")
    relu6, calls6 = _entry("relu6")
    x = dl.randn(4, 8)
    for call in (lambda: hardtanh(x), lambda: hardtanh(x, -0.5, 0.5),
                 lambda: hardtanh(x, 0, 6, False), lambda: hardtanh(x, max_val=2.0),
                 lambda: hardtanh(x, -1.0, inplace=False), lambda: relu6(x),
                 lambda: relu6(x, inplace=False), lambda: relu6(x.double(), False)):
        assert isinstance(call(), dl.Tensor)
    assert calls == [] and calls6 == []
    refused = [((x, float("nan")), {}), ((x, -1e39, 1.0), {}), ((x, True), {}),
               ((x, dl.tensor(0.0)), {}), ((x, 2.0, 1.0), {}), ((x.long(),), {}),
               ((x.half(),), {}), ((x, 0.0), {"min_val": 1.0}), ((x,), {"out": x}),
               ((x, 0.0, 1.0, 1), {}), ((x, 0.0, 1.0, False, 3), {}), ((x, None), {}),
               ((dl.nn.Parameter(x),), {})]
    for args, kw in refused:
        assert hardtanh(*args, **kw) == "general"
    assert len(calls) == len(refused)
    assert relu6(x, 0.5) == "general" and relu6(x, inplace=None) == "general"
    assert relu6(x, False, inplace=True) == "general" and relu6() == "general"
