"""clamp/clip/clamp_min/clamp_max's lane entry (``dlcore_eager._lane_clamp``): the one NumPy
loop it runs (``CLIP_UFUNC``) is maximum's then minimum's kernel bit for bit; the calls it
takes give PyTorch 2.13's values (signed zeros, NaN, min > max), dtypes, grad_fn names,
next_functions and gradients (1 on [min, max] inclusive), second call as the first; the calls
it refuses reach the general entry (so its errors are torch's)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.kernels.cpu.elementwise import CLIP_UFUNC
from dlcore.ops import elementwise as ew
from dlcore.registry import scalar_buffer
from dlcore_eager import _lane_clamp
from _lane_probe import probe  # noqa: E402 - tests/eager/_lane_probe.py

torch = pytest.importorskip("torch")

VALUES = [-0.0, 0.0, float("nan"), -1.5, 2.0, 0.3, -0.5, 0.5, 1.0, -1.0]
BOUNDS = [(0.0, 1.0), (-0.0, 0.0), (-1.0, -0.0), (0.0, -0.0), (-0.5, 0.5), (1.0, -1.0),
          (None, 0.0), (0.0, None), (None, -0.0), (-0.0, None), (-1, 1), (0, None)]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and \
        np.array_equal(np.signbit(a), np.signbit(b)) and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 7, 32, 33, 129, 4099])
def test_clip_ufunc_is_the_kernels(dtype, n):
    d = np.dtype(dtype)
    km, kn = ew.maximum_p.kernels["cpu"], ew.minimum_p.kernels["cpu"]
    x = np.random.default_rng(n).choice(np.array(VALUES, d), size=n)
    inf = float("inf")
    for lo, hi in BOUNDS:
        for v in (x, x[::2], x.reshape(-1, 1)):
            ref = v
            if lo is not None:
                ref = km(ref, scalar_buffer(lo, d))
            if hi is not None:
                ref = kn(ref, scalar_buffer(hi, d))
            got = CLIP_UFUNC(v, scalar_buffer(-inf if lo is None else lo, d),
                             scalar_buffer(inf if hi is None else hi, d))
            assert _same(np.asarray(got), ref), (lo, hi, v.shape)


def _forms(lo, hi):
    """(name, call) pairs for bounds lo/hi, each form written for torch and dlcore alike."""
    out = [("x.clamp(lo, hi)", lambda T, x: x.clamp(lo, hi)),
           ("torch.clamp(x, min=, max=)", lambda T, x: T.clamp(x, min=lo, max=hi)),
           ("torch.clip(x, lo, hi)", lambda T, x: T.clip(x, lo, hi)),
           ("x.clip(max=hi, min=lo)", lambda T, x: x.clip(max=hi, min=lo))]
    if lo is not None:
        out += [("x.clamp_min(lo)", lambda T, x: x.clamp_min(lo)),
                ("torch.clamp_min(x, min=lo)", lambda T, x: T.clamp_min(x, min=lo)),
                ("x.clamp(lo)", lambda T, x: x.clamp(lo))]
    if hi is not None:
        out += [("x.clamp_max(hi)", lambda T, x: x.clamp_max(hi)),
                ("torch.clamp_max(x, hi)", lambda T, x: T.clamp_max(x, hi)),
                ("x.clamp(max=hi)", lambda T, x: x.clamp(max=hi))]
    return out


def _pair(shape, dtype, rg):
    a = np.random.default_rng(3).choice(np.array(VALUES, dtype), size=shape)
    xs = [T.tensor(a.copy()) for T in (torch, dl)]
    if rg:
        for x in xs:
            x.requires_grad_(True)
    return xs


def _check(name, f, shape, dtype, rg):
    xt, xd = _pair(shape, dtype, rg)
    rt = f(torch, xt)
    for _ in range(2):                      # the first call (general), then the lane's
        rd = f(dl, xd)
        assert _same(rd.detach().numpy(), rt.detach().numpy()), name
        assert rd.requires_grad == rt.requires_grad, name
        if rg:
            assert type(rd.grad_fn).__name__ == type(rt.grad_fn).__name__, name
            assert [type(n).__name__ for n, _ in rd.grad_fn.next_functions] == \
                [type(n).__name__ for n, _ in rt.grad_fn.next_functions], name
            g = np.random.default_rng(4).standard_normal(shape).astype(dtype)
            (gd,) = dl.autograd.grad(rd, xd, dl.tensor(g))
            (gt,) = torch.autograd.grad(rt, xt, torch.tensor(g), retain_graph=True)
            assert _same(gd.numpy(), gt.numpy()), name
        else:
            assert rd.grad_fn is None


@pytest.mark.parametrize("lo, hi", BOUNDS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rg", [False, True], ids=["no_grad", "grad"])
def test_lane_gives_torchs(lo, hi, dtype, rg):
    for shape in ((4, 8), (1,), ()):
        for name, f in _forms(lo, hi):
            if lo is None and hi is None:
                continue
            _check(name, f, shape, dtype, rg)


def test_no_grad_mode_and_inference():
    xt, xd = _pair((3, 4), np.float32, True)
    with torch.no_grad():
        rt = xt.clamp(-0.5, 0.5)
    with dl.no_grad():
        xd.clamp(-0.5, 0.5)
        rd = xd.clamp(-0.5, 0.5)
    assert not rd.requires_grad and rd.grad_fn is None
    assert _same(rd.numpy(), rt.numpy())
    with dl.inference_mode():
        ri = xd.detach().clamp_min(0.0)
    assert ri.is_inference() and _same(ri.numpy(), xt.detach().clamp_min(0.0).numpy())


def test_inplace_after_clamp_still_refused():
    """The lane's nodes save x as apply's do: modifying it in place fails backward as torch."""
    x = dl.tensor([0.2, -3.0, 4.0], requires_grad=True)
    y = x * 1.0
    y.clamp(-1, 1)
    z = y.clamp(-1.0, 1.0)
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def _entry(name):
    return probe(_lane_clamp.clamp_entry(name))


def test_taken_and_refused_calls():
    clamp, calls = _entry("clamp")
    clamp_min, calls_min = _entry("clamp_min")
    x = dl.randn(4, 8)
    dl.clamp(x, -0.5, 0.5)              # (the rules checked for float32)
    for call in (lambda: clamp(x, -0.5, 0.5), lambda: clamp(x, max=1), lambda: clamp(x, 0.0),
                 lambda: clamp_min(x, 0.0), lambda: clamp_min(x, min=-2)):
        assert isinstance(call(), dl.Tensor)
    assert calls == [] and calls_min == []
    refused = [((x,), {}), ((x, float("nan")), {}), ((x, None, float("inf")), {}),
               ((x, -1e39), {}), ((x, True), {}), ((x, dl.tensor(0.0)), {}),
               ((x, 0.0, 1.0), {"out": dl.empty(4, 8)}), ((x.long(), 0, 1), {}),
               ((x, 0.0), {"min": 1.0}), ((x, 0.0, 1.0, 2.0), {}),
               ((x, 2 ** 64), {})]
    for args, kw in refused:
        assert clamp(*args, **kw) == "general"
    assert len(calls) == len(refused)
    assert clamp_min(x) == "general" and clamp_min(x, max=1.0) == "general"


@pytest.mark.parametrize("call", [
    lambda T, x: x.clamp(),
    lambda T, x: T.clamp(x),
    lambda T, x: x.clamp(max=1e39),
    lambda T, x: x.clamp_min(-1e39),
], ids=["no bounds", "torch no bounds", "f32 overflow", "clamp_min overflow"])
def test_errors_are_torchs(call):
    xt, xd = torch.ones(3), dl.ones(3)
    with pytest.raises(Exception) as et:
        call(torch, xt)
    for _ in range(2):
        with pytest.raises(type(et.value)) as ed:
            call(dl, xd)
        assert str(ed.value) == str(et.value)


def test_nan_bound_and_large_inputs_as_torch():
    xt, xd = _pair((5,), np.float64, False)
    for f in (lambda T, x: x.clamp(min=float("nan")), lambda T, x: x.clamp(-1.0, float("inf"))):
        assert _same(f(dl, xd).numpy(), f(torch, xt).numpy())
    big = np.linspace(-3, 3, 1 << 21, dtype=np.float32)      # (past the lane's size)
    assert _same(dl.tensor(big).clamp(-1, 1).numpy(), torch.tensor(big).clamp(-1, 1).numpy())


@pytest.mark.parametrize("version", [0, 3])
def test_recorded_node_has_node_init_fields(version):
    """The lane's node (Node.__init__'s stores written inline) sets every slot Node(...)
    sets, as apply's node for one tensor and the clamp primitive's params."""
    from test_inline_node_fields import _same_fields

    from dlcore.ops.clamp import clamp_p
    from dlcore_eager._graph import Node, leaf_node

    x = dl.from_numpy(np.linspace(-1, 1, 6, dtype=np.float32)).requires_grad_(True)
    x._vc[0] = version
    params = {"lo": -0.5, "hi": None}
    out = clamp_p.kernels["cpu"](x._buf, **params)
    t = _lane_clamp._recorded(x, out, params, None)
    ref = Node(clamp_p, params, (leaf_node(x),), (x,), (version,), out, [0])
    _same_fields(t._node, ref, Node, skip=("out_version",))
    assert t._node.inputs[0] is x and t._node.params is params
    assert t._node.out_version is t._vc and t._vc == [0] and t.requires_grad
    assert t._node.parents[0] is ref.parents[0]
    assert getattr(t._node, "label", None) is None and t.grad_fn.name() == "ClampBackward1"
    labelled = _lane_clamp._recorded(x, out, params, "ClampMinBackward0")
    assert labelled.grad_fn.name() == "ClampMinBackward0"


def test_one_node_per_clamp_with_grad():
    """Number bounds: one tape node of the clamp primitive (the lane's and the general
    entry's alike), whose backward is one clamp_grad kernel."""
    from dlcore.ops.clamp import clamp_p
    x = dl.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
    for y in (x.clamp(-0.5, 0.5), x.clamp(-0.5, 0.5), dl.clamp(x, min=-0.5, max=0.5),
              x.clip(-0.5, 0.5), x.clamp(min=-0.5),
              x.clamp_min(-0.5), x.clamp_max(0.5), x.double().clamp(-0.5, 0.5),
              x.half().clamp(-0.5, 0.5)):
        node = y.grad_fn
        assert node.prim is clamp_p
        assert node.next_functions[0][0] is not None and len(node.next_functions) == 1
        src = node.next_functions[0][0]
        assert type(src).__name__ in ("AccumulateGrad", "ToCopyBackward0")


INPLACE = [
    ("x.clamp_(lo, hi)", lambda T, x: x.clamp_(-0.5, 0.5)),
    ("x.clip_(min=lo)", lambda T, x: x.clip_(min=0.25)),
    ("x.clamp_(max=hi)", lambda T, x: x.clamp_(max=-0.0)),
    ("torch.clamp_(x, lo, hi)", lambda T, x: T.clamp_(x, 1.0, -1.0)),
]


@pytest.mark.parametrize("name, f", INPLACE, ids=[c[0] for c in INPLACE])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inplace_lane_gives_torchs(name, f, dtype):
    for shape in ((4, 8), (1,), ()):
        xt, xd = _pair(shape, dtype, False)
        rt = f(torch, xt)
        for _ in range(2):
            xd2 = _pair(shape, dtype, False)[1]
            v0 = xd2._version
            rd = f(dl, xd2)
            assert rd is xd2 and xd2._version == v0 + 1
            assert _same(xd2.numpy(), rt.numpy()), name
        assert rt is xt


def test_inplace_lane_views_no_grad_and_refusals():
    for T in (torch, dl):
        base = T.zeros(3, 4) + T.arange(12.0).reshape(3, 4)
        v = base[1]                     # (a view: the write is seen through both)
        for _ in range(2):
            base.clamp_(0.0, 10.0)
        v.clamp_(max=5.0)
        assert base[1].tolist() == [4.0, 5.0, 5.0, 5.0] and v.tolist() == [4.0, 5.0, 5.0, 5.0]
        assert base[2].tolist() == [8.0, 9.0, 10.0, 10.0]
        w = T.ones(2, 3, requires_grad=True)
        with T.no_grad():               # (weight clipping: the leaf written, no history)
            for _ in range(2):
                w.clamp_(-0.5, 0.5)
        assert w.requires_grad and w.grad_fn is None and w.tolist() == [[0.5] * 3] * 2
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w.clamp_(-0.1, 0.1)
        y = w * 2.0
        z = y.sum() * y                 # (y saved by the mul: a later write fails backward)
        with T.no_grad():
            y.clamp_(-0.25, 0.25)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
    e = [T.zeros(1, 3).expand(2, 3) for T in (torch, dl)]
    with pytest.raises(RuntimeError) as et:
        e[0].clamp_(0.0, 1.0)
    with pytest.raises(RuntimeError) as ed:
        e[1].clamp_(0.0, 1.0)
    assert str(ed.value) == str(et.value)


def test_recorded_inplace_is_the_general_entrys():
    for T in (torch, dl):
        w = T.tensor([-2.0, 0.2, 3.0], requires_grad=True)
        y = w * 1.0
        y.clamp_(-1.0, 1.0)
        assert type(y.grad_fn).__name__ == "ClampBackward1"
        y.sum().backward()
        assert w.grad.tolist() == [0.0, 1.0, 0.0]


def test_parameter_taken_result_plain_tensor():
    pt = torch.nn.Parameter(torch.tensor([-1.0, 0.0, 2.0]))
    pd = dl.nn.Parameter(dl.tensor([-1.0, 0.0, 2.0]))
    clamp, calls = _entry("clamp")
    pd.clamp(min=0.0)
    rd = clamp(pd, 0.0)
    assert calls == [] and type(rd) is dl.Tensor and rd.requires_grad
    rt = pt.clamp(0.0)
    assert type(rt) is torch.Tensor and type(rd.grad_fn).__name__ == type(rt.grad_fn).__name__
    assert rd.tolist() == rt.tolist()


def test_layout_of_a_strided_input_is_torchs():
    """The loop keeps a transposed input's layout (NumPy's K order), as torch's
    TensorIterator and the general entry's kernels do: strides and is_contiguous as torch."""
    for rg in (False, True):
        xt = torch.arange(12.0).reshape(3, 4).t().requires_grad_(rg)
        xd = dl.arange(12.0).reshape(3, 4).t().requires_grad_(rg)
        for f in (lambda x: x.clamp(1, 5), lambda x: x.clamp_min(2.0)):
            rt = f(xt)
            for _ in range(2):
                rd = f(xd)
                assert rd.stride() == rt.stride() and not rd.is_contiguous()
                assert rd.tolist() == rt.tolist()
