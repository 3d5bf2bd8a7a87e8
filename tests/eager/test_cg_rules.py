"""create_graph through the core vjp rules' branches for concrete values (dlcore/ops,
``_fastpath.lean`` and ``LEAN_VJPS``, with the eager lanes of dlcore_eager/autograd/_cg_rules.py)
against the same rules' general paths (promotion, AVals, bind, sum_to; no lanes registered):
the same first and second derivatives bit for bit, the same recorded graph (grad_fn names
along next_functions) but for three PyTorch-shaped forms, and PyTorch's values and graph
shapes where torch is installed.  ``cg_vjp``'s direct call of a ``LEAN_VJPS`` entry against
``Node.vjp``'s call of the rule (which calls that entry): identical, graphs included."""

from collections import Counter

import numpy as np
import pytest

import dlcore_eager as T
from dlcore.registry import CONCRETE
from dlcore_eager.autograd import engine


#: a whole sum's cotangent: one broadcast_to here (PyTorch's ExpandBackward0), two views in
#: the rule (expand_dims, then broadcast_like)
_BROADCASTS = {"ExpandBackward0", "UnsqueezeBackward0", "BroadcastLikeBackward0"}


def _names(fn):
    """The grad_fn names of the graph behind ``fn``, each node once, less the broadcasts."""
    out, seen, todo = Counter(), set(), [fn]
    while todo:
        f = todo.pop()
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        if type(f).__name__ not in _BROADCASTS:
            out[type(f).__name__] += 1
        todo.extend(n for n, _ in f.next_functions)
    return out


CASES = {
    "mul": lambda T, x, w: (x * w).sum(),
    "square": lambda T, x, w: (x * x).mean() + w.sum(),
    "number": lambda T, x, w: ((x * 3.0 + 1.0 - 2.0) / 4.0).sum() * (w * w).sum(),
    "div_add_sub": lambda T, x, w: ((x + w) * (x - w) / 7.0).mean(),
    "pow": lambda T, x, w: (x ** 2 + (w ** 3) * x).sum(),
    # a 0-d exponent equal to 2 that needs a gradient: no square shortcut (its d/dp term)
    "pow_exp_grad": lambda T, x, w: ((x * x + 0.5) ** (w[0, 0] * 0.0 + 2.0)).sum(),
    "sum_axis": lambda T, x, w: (x.sum(1) ** 2).sum() + (w.sum(0, keepdim=True) * 2.0).sum(),
    "tanh": lambda T, x, w: (T.tanh(x * w) ** 2).mean(),
    "broadcast": lambda T, x, w: (x * w[:1] + w[0, 0]).sum(),       # (falls back: sum_to)
    "linear": lambda T, x, w: T.tanh(T.nn.functional.linear(x, w, w[:, 0])).pow(2).sum(),
    "linear_nobias": lambda T, x, w: (T.nn.functional.linear(x, w) ** 2).mean(),
    "activations": lambda T, x, w: (T.relu(x * w) ** 2).sum() + (T.sigmoid(x) * w).sum() + (
        T.exp(x * 0.5) * w).mean() + (T.log(w * w + 1.0) * x).sum() + (
        T.nn.functional.leaky_relu(x - w, 0.1) ** 2).sum(),
    "xent": lambda T, x, w: T.nn.functional.cross_entropy(x * w, T.tensor([1, 0, 3])) * 2.0 + (
        T.nn.functional.cross_entropy(x, T.tensor([2, 2, 0]), reduction="sum") * w).sum(),
    "softmax": lambda T, x, w: (T.softmax(x * w, 1) ** 2).sum() + (T.softmax(x, 0) * w).sum(),
    "log_softmax": lambda T, x, w: (T.log_softmax(x * w, 1) ** 2).mean() + (
        T.nn.functional.log_softmax(x, 0) * w).sum(),
    "mm": lambda T, x, w: (x.t().mm(w) * x.mm(w.t())[0, 0]).sum(),
    "mlp": lambda T, x, w: ((T.nn.functional.linear(T.tanh(T.nn.functional.linear(
        x.t(), w.t(), w[0])), w, w[:, 1]) - 1.0) ** 2).mean(),
}


def _run(lib, case, dtype):
    rng = np.random.default_rng(3)
    x = lib.from_numpy(rng.standard_normal((3, 4)).astype(dtype)).requires_grad_(True)
    w = lib.from_numpy(rng.standard_normal((3, 4)).astype(dtype)).requires_grad_(True)
    gx, gw = lib.autograd.grad(CASES[case](lib, x, w), (x, w), create_graph=True)
    second = lib.autograd.grad((gx * gx).sum() + (gw ** 2).sum(), (x, w), allow_unused=True)
    return gx, gw, second


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_cg_vjp_equals_node_vjp(case, dtype, monkeypatch):
    fast = _run(T, case, dtype)
    monkeypatch.setattr(engine, "_cg_vjp", lambda node, g, retain: None)
    slow = _run(T, case, dtype)
    for a, b in zip(fast[:2] + fast[2], slow[:2] + slow[2]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    for a, b in zip(fast[:2], slow[:2]):
        assert _names(a.grad_fn) == _names(b.grad_fn)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_lean_rules_equal_the_rules(case, dtype, monkeypatch):
    fast = _run(T, case, dtype)
    monkeypatch.setattr(engine, "_cg_vjp", lambda node, g, retain: None)
    monkeypatch.delitem(CONCRETE, T.Tensor)        # (the rules' general paths)
    slow = _run(T, case, dtype)
    for a, b in zip(fast[:2], slow[:2]):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    for a, b in zip(fast[2], slow[2]):
        assert (a is None) == (b is None)
        if a is None:
            continue
        if case == "softmax":               # (the node's own vjp: the same maths, its sums
            np.testing.assert_allclose(     # in another order)
                a.numpy(), b.numpy(), rtol=1e-5 if dtype == np.float32 else 1e-12,
                atol=1e-6 if dtype == np.float32 else 1e-15)
        else:
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    if case != "softmax":                # (one SoftmaxBackwardData node for the rule's four)
        for a, b in zip(fast[:2], slow[:2]):
            # the same nodes, but for the square's lane naming its mul by the exponent
            # MulBackward1 (torch's) where the rule's is a MulBackward0: each name compared,
            # the two muls as one count, and only MulBackward0 -> MulBackward1 renamings
            fa, fb = _names(a.grad_fn), _names(b.grad_fn)
            assert _muls_merged(fa) == _muls_merged(fb)
            renamed = fa["MulBackward1"] - fb["MulBackward1"]
            assert renamed == fb["MulBackward0"] - fa["MulBackward0"] >= 0


def _muls_merged(names: Counter) -> Counter:
    out = Counter(names)
    out["MulBackward0"] += out.pop("MulBackward1", 0)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_lean_rules_vs_torch(case):
    torch = pytest.importorskip("torch")
    d, t = _run(T, case, np.float64), _run(torch, case, np.float64)
    for a, b in zip(d[:2], t[:2]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    for a, b in zip(d[2], t[2]):
        if a is not None and b is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_lean_rule_sees_an_in_place_change():
    x = T.ones(3, requires_grad=True)
    y = x * 2.0
    z = y * y
    y.mul_(3.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        T.autograd.grad(z.sum(), x, create_graph=True)


def test_whole_sum_cotangent_is_expand_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (T, torch):
        x = lib.ones(2, 3, requires_grad=True)
        g, = lib.autograd.grad(x.sum() ** 2, x, create_graph=True)
        assert type(g.grad_fn).__name__ == "ExpandBackward0"
        assert type(g.grad_fn.next_functions[0][0]).__name__ == "MulBackward0"


def test_softmax_gradient_is_one_node_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (T, torch):
        x = lib.ones(2, 3, requires_grad=True)
        g, = lib.autograd.grad((lib.softmax(x * 2.0, 1) ** 2).sum(), x, create_graph=True)
        node = g.grad_fn.next_functions[0][0]           # (MulBackward0 of the 2.0)
        assert type(node).__name__ == "SoftmaxBackwardDataBackward0", lib.__name__


def test_square_gradient_has_torchs_pow_node_same_values_as_torch():
    # PyTorch's pow_backward: g (2 x ** (2 - 1)), its x ** 1 in the graph (so that a third
    # derivative of x ** 2 reaches x: zeros, as PyTorch's; the shortcut g (2 x) lost it)
    torch = pytest.importorskip("torch")
    res = {}
    for lib in (T, torch):
        x = lib.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad((x ** 2).sum(), x, create_graph=True)
        gg, = lib.autograd.grad((g ** 3).sum(), x)
        res[lib] = g.detach().numpy(), gg.numpy(), _names(g.grad_fn)
    assert res[T][2]["PowBackward0"] == 1 and res[torch][2]["PowBackward0"] == 1
    np.testing.assert_array_equal(res[T][0], res[torch][0])
    np.testing.assert_allclose(res[T][1], res[torch][1], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("grad_mode", [True, False])
def test_quick_lane_entries_equal_apply(dtype, grad_mode):
    """The lanes' entries ``expand`` (0-d broadcast_to), ``swap`` (a matrix's transpose),
    ``mm`` and ``pair`` (softmax_backward_data) against ``apply`` of the same primitive: the same values, strides, view recipe,
    version counter and node (prim, params, parents, inputs), in grad mode and without."""
    from dlcore.ops.broadcast import broadcast_to_p
    from dlcore.ops.linalg import matmul_p
    from dlcore.ops.shape import transpose_p
    from dlcore.ops.softmax_prims import softmax_backward_data_p
    from dlcore_eager.autograd._cg_rules import _Lanes
    rng = np.random.default_rng(5)
    s = T.from_numpy(np.array(1.5, dtype)).requires_grad_(True) * 2.0
    m = T.from_numpy(rng.standard_normal((3, 4)).astype(dtype)).requires_grad_(True)
    k = T.from_numpy(rng.standard_normal((4, 2)).astype(dtype))
    y = T.softmax(T.from_numpy(rng.standard_normal((3, 4)).astype(dtype)).requires_grad_(True),
                  1)
    pairs = [
        (lambda: _Lanes.expand(s, (3, 4)),
         lambda: _Lanes.apply(broadcast_to_p, (s,), {"shape": (3, 4)})),
        (lambda: _Lanes.swap(m), lambda: _Lanes.apply(transpose_p, (m,), {"perm": (1, 0)})),
        (lambda: _Lanes.mm(m, k), lambda: _Lanes.apply(matmul_p, (m, k), {})),
        (lambda: _Lanes.pair(softmax_backward_data_p, m, y, {"axis": 1}),
         lambda: _Lanes.apply(softmax_backward_data_p, (m, y), {"axis": 1})),
    ]
    for quick, full in pairs:
        with T.set_grad_enabled(grad_mode):
            a, b = quick(), full()
        assert a._buf.strides == b._buf.strides and a._buf.dtype is b._buf.dtype
        assert a._buf.flags.writeable == b._buf.flags.writeable
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert a.requires_grad == b.requires_grad
        assert a._vc is b._vc or (a._view is None and b._view is None)
        assert (a._view is None) == (b._view is None)
        if a._view is not None:
            assert a._view[1:] == b._view[1:] and a._view[0] is b._view[0]
        na, nb = a._node, b._node
        assert (na is None) == (nb is None)
        if na is not None:
            assert na.prim is nb.prim and na.params == nb.params
            assert na.parents == nb.parents and na.inputs == nb.inputs
            assert na.versions == nb.versions and na.out_ver0 == nb.out_ver0
            assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__


@pytest.mark.parametrize("shape", [(4, 8), (3,), (2, 0, 3), (64, 64), (70, 70)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_spread_of_a_whole_reductions_cotangent(shape, dtype):
    """``reduce._spread``: broadcast_like's values; below SPREAD_BELOW elements a fresh
    C-contiguous writeable array, from it on the read-only stride-0 view of g."""
    from dlcore.kernels.cpu.shape import broadcast_like
    from dlcore.ops.reduce import SPREAD_BELOW, _spread
    g = np.array(2.5, dtype)
    x = np.ones(shape, dtype)
    got = _spread(g, x.shape, x.size)
    want = broadcast_like(g, x)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    if x.size < SPREAD_BELOW:
        assert got.flags.c_contiguous and got.flags.writeable and got.base is None
    else:
        assert got.strides == (0,) * len(shape) and not got.flags.writeable and got.base is g


@pytest.mark.parametrize("shape", [(4, 8), (70, 70)])
def test_mean_backward_spreads_its_cotangent(shape):
    """A whole mean's backward (the buffer pass's ``_whole_mean``): x.grad is 1/n everywhere,
    twice accumulated, as torch; a small one is the spread array itself, C-contiguous."""
    x = T.from_numpy(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))
    x.requires_grad_(True)
    (x * 2.0).mean().backward()
    n = np.float32(np.prod(shape))
    want = np.full(shape, np.float32(1.0) / n * np.float32(2.0), np.float32)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6)
    assert x.grad.numpy().flags.c_contiguous
    first = x.grad.numpy().copy()
    (x * 2.0).mean().backward()
    np.testing.assert_array_equal(x.grad.numpy(), first + first)
    torch = pytest.importorskip("torch")
    tx = torch.from_numpy(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))
    tx.requires_grad_(True)
    (tx * 2.0).mean().backward()
    np.testing.assert_array_equal(first, tx.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis,transposed", [
    ((4, 8), 1, False), ((4, 8), 0, False), ((3, 5, 7), 2, False), ((3, 5, 7), 1, False),
    ((8, 4), 1, True), ((1, 59), 1, False), ((300, 300), 1, False), ((6,), 0, False)])
def test_row_sum_equals_the_sum_kernel(shape, axis, transposed, dtype):
    """softmax_prims._row_sum (the sum kernel's small plan, cached per shape) against sum's
    CPU kernel bit for bit: trailing and other axes, a transposed (non-contiguous) buffer, a
    size above the small plan's, twice (the cached run)."""
    from dlcore.ops.reduce import sum_p
    from dlcore.ops.softmax_prims import _row_sum
    m = np.random.default_rng(7).standard_normal(shape).astype(dtype)
    if transposed:
        m = m.T
    want = sum_p.kernels["cpu"](m, axes=(axis,), keepdims=True)
    for _ in range(2):
        got = _row_sum(m, axis)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_square_by_an_exponent_that_needs_grad_keeps_its_second_derivative():
    """x ** p, p a 0-d tensor equal to 2 that requires grad: d/dp of the create_graph gradient
    is sum x^(p-1) (1 + p ln x) (torch 2.13: 14.1711...), which the square's shortcut
    g (p x) lost (5.5); a constant exponent has PyTorch's graph too (x ** 1, PowBackward0)."""
    x = T.tensor([0.5, 2.0, 3.0], dtype=T.float64, requires_grad=True)
    p = T.tensor(2.0, dtype=T.float64, requires_grad=True)
    gx, = T.autograd.grad((x ** p).sum(), x, create_graph=True)
    xs = np.array([0.5, 2.0, 3.0])
    want = np.sum(xs * (1.0 + 2.0 * np.log(xs)))
    np.testing.assert_allclose(T.autograd.grad(gx.sum(), p)[0].item(), want, rtol=1e-14)
    np.testing.assert_allclose(gx.detach().numpy(), 2.0 * xs, rtol=0)
    assert any(n.startswith("PowBackward") for n in _names(gx.grad_fn))
    gc, = T.autograd.grad((x ** 2).sum(), x, create_graph=True)
    assert any(n.startswith("PowBackward") for n in _names(gc.grad_fn))
    np.testing.assert_array_equal(gc.detach().numpy(), 2.0 * xs)


def test_reads_out_sees_merged_and_method_loads(monkeypatch):
    """``_code_reads._reads_out`` (review of fb06e48, item 2): Python 3.13 merges two loads into
    LOAD_FAST_LOAD_FAST with a tuple argval ('g', 'y'): still a read of y (the rule would
    get None for its output: exp/tanh/sigmoid's create_graph AttributeError); a store of two
    locals is no read; a bound method's self shifts the index."""
    from collections import namedtuple

    from dlcore_eager import _code_reads
    Ins = namedtuple("Ins", "opname argval")

    def rule(g, y, x):
        return (g * y,)

    def other(g, y, x):
        return (g * x,)

    class Holder:
        def reads(self, g, y, x):
            return (g * y,)

        def skips(self, g, y, x):
            return (g * x,)

    # the running Python's own bytecode
    assert _code_reads._reads_out(rule, 1) and not _code_reads._reads_out(other, 1)
    assert _code_reads._reads_out(Holder().reads, 1)
    assert not _code_reads._reads_out(Holder().skips, 1)
    # 3.13's merged instructions, whatever Python runs the test
    streams = {
        "merged": [Ins("LOAD_FAST_LOAD_FAST", ("g", "y")), Ins("BINARY_OP", 5),
                   Ins("RETURN_VALUE", None)],
        "store_load": [Ins("STORE_FAST_LOAD_FAST", ("x", "y")), Ins("RETURN_VALUE", None)],
        "stores": [Ins("LOAD_FAST", "g"), Ins("STORE_FAST_STORE_FAST", ("y", "x")),
                   Ins("RETURN_VALUE", None)],
    }
    for kind, want in (("merged", True), ("store_load", True), ("stores", False)):
        monkeypatch.setattr(_code_reads._dis, "get_instructions",
                            lambda code, s=streams[kind]: iter(s))
        assert _code_reads._reads_out(other, 1) is want, kind


def test_parameters_take_the_lean_rules():
    """nn.Parameter operands (review of fb06e48, item 3) take the same lanes as Tensors after a
    create_graph pass: lean3 accepts them, cg_vjp's direct call runs for their nodes, and the
    gradients and graphs equal those of plain tensors that require grad."""
    from dlcore.ops._fastpath import lean3
    from dlcore_eager.autograd import _cg_rules
    rng = np.random.default_rng(11)
    xv, pv = rng.standard_normal((4, 8)), rng.standard_normal((4, 8))

    def run(make_p):
        x = T.from_numpy(xv.copy()).requires_grad_(True)
        p = make_p(T.from_numpy(pv.copy()))
        g, = T.autograd.grad((T.tanh(x * p) * p).sum(), p, create_graph=True)
        h, = T.autograd.grad((g * g).sum(), x)
        return g, h, p

    calls = []
    real = _cg_rules.cg_vjp

    def spy(node, g, retain):
        calls.append(any(type(t) is T.nn.Parameter for t in node.inputs or ()))
        return real(node, g, retain)

    g0, h0, _ = run(lambda t: t.requires_grad_(True))
    engine_vjp = engine._cg_vjp
    try:
        engine._cg_vjp = spy
        g1, h1, p = run(T.nn.Parameter)
    finally:
        engine._cg_vjp = engine_vjp
    assert type(p) is T.nn.Parameter and CONCRETE[T.nn.Parameter] is CONCRETE[T.Tensor]
    assert any(calls)
    np.testing.assert_array_equal(g0.detach().numpy(), g1.detach().numpy())
    np.testing.assert_array_equal(h0.numpy(), h1.numpy())
    assert _names(g0.grad_fn) == _names(g1.grad_fn)
    assert lean3(g1.detach(), p, p) is CONCRETE[T.Tensor]
    assert 1 <= len(_cg_rules._LEAN_TYPES) <= 2 and T.nn.Parameter in _cg_rules._LEAN_TYPES


def test_lean_table_follows_a_rule_registered_later(monkeypatch):
    """cg_vjp's per-primitive cache (_LEAN, review item 5) is refreshed once per create_graph
    pass when EAGER_VJPS grows: an eager rule registered after a pass is used by the next."""
    from dlcore.ops.elementwise import mul_p
    from dlcore_eager._graph import EAGER_VJPS
    from dlcore_eager.autograd import _cg_rules
    x = T.tensor([1.0, 2.0], requires_grad=True)
    T.autograd.grad((x * x).sum(), x, create_graph=True)
    assert _cg_rules._LEAN[mul_p]
    seen = []

    def rule(g, y, a, b):
        seen.append(1)
        return (g * b, g * a)

    monkeypatch.setitem(EAGER_VJPS, mul_p, rule)
    g, = T.autograd.grad((x * x).sum(), x, create_graph=True)
    assert seen and _cg_rules._LEAN[mul_p] == ()
    np.testing.assert_array_equal(g.detach().numpy(), [2.0, 4.0])
