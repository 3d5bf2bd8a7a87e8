"""The tiny dense fast paths of the eager front end (issue 19) against PyTorch 2.13 and against
the general path they stand in for:

* ``F.linear`` of a tiny product (``_dense_lane.linear``): values bit for bit equal to the
  general path (the same kernels: ``np.dot`` then addmm's bias row), close to PyTorch's; the
  gradients, grad_fn names (AddmmBackward0/MmBackward0 over TBackward0 and AccumulateGrad),
  requires_grad of every operand combination, no_grad, a strided bias or weight, a Parameter
  weight, the in-place check at backward, autocast, and every case on its boundary (other
  dtypes, ranks, shapes, a replaced kernel, a product above the tiny size) through the general
  path with PyTorch's errors;
* ``mm``/``matmul`` of tiny matrices (``_dispatch.matrix_product``'s inline ``np.dot``): the
  same against the kernel's own result;
* float32 sigmoid (the Numba pass writing into an output allocated outside): the far tail,
  strided, 0-d and empty inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as torch
from dlcore_eager import _dense_lane
from dlcore.ops import linalg as _la
from dlcore.ops import shape as _shape

T = pytest.importorskip("torch")
_ACC = "torch::autograd::AccumulateGrad"


def _arrays(m, k, n, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((n, k)).astype(dtype),
            rng.standard_normal(n).astype(dtype))


def _names(t):
    """grad_fn's name and those of its next functions (None for a missing one)."""
    fn = t.grad_fn
    if fn is None:
        return None
    return fn.name(), tuple(
        None if f is None else f.name() for f, _ in fn.next_functions)


def _run(lib, x, w, b, rg=(True, True, True), grad=True):
    xs = [lib.from_numpy(a.copy()) for a in (x, w)]
    bt = None if b is None else lib.from_numpy(b.copy())
    ts = xs + ([bt] if bt is not None else [])
    for t, r in zip(ts, rg):
        t.requires_grad_(r)
    y = lib.nn.functional.linear(xs[0], xs[1], bt)
    if grad and y.requires_grad:
        (y * y).sum().backward()
    return y, ts


@pytest.fixture
def general_linear(monkeypatch):
    """Send F.linear to its general path: a stand-in transpose kernel (the same function
    behind another object) makes the tiny lane step aside."""
    k = _shape.transpose_p.kernels["cpu"]
    monkeypatch.setitem(_shape.transpose_p.kernels, "cpu", lambda x, **p: k(x, **p))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mkn", [(1, 32, 32), (4, 8, 3), (1, 1, 1), (0, 4, 3), (3, 0, 2)])
def test_linear_matches_torch(dtype, bias, mkn):
    x, w, b = _arrays(*mkn, dtype=dtype)
    b = b if bias else None
    got, gts = _run(torch, x, w, b)
    want, wts = _run(T, x, w, b)
    assert got.dtype == getattr(torch, str(want.dtype).split(".")[1])
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert _names(got) == ("AddmmBackward0" if bias else "MmBackward0",
                           (_ACC, _ACC, "TBackward0") if bias else
                           (_ACC, "TBackward0"))
    assert got.grad_fn.next_functions[-1][0].next_functions[0][0].name() == _ACC
    assert _names(want)[0] == _names(got)[0]
    for g, t in zip(gts, wts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mkn", [(1, 32, 32), (5, 7, 3)])
def test_linear_fast_equals_general_bit_for_bit(bias, mkn, request):
    x, w, b = _arrays(*mkn)
    b = b if bias else None
    fast, fts = _run(torch, x, w, b)
    args = [torch.from_numpy(a) for a in (x, w)] + ([torch.from_numpy(b)] if bias else [None])
    assert _dense_lane.linear(*args) is not None            # (the lane takes these)
    request.getfixturevalue("general_linear")
    assert _dense_lane.linear(*args) is None
    slow, sts = _run(torch, x, w, b)
    np.testing.assert_array_equal(fast.detach().numpy(), slow.detach().numpy())
    assert _names(fast) == _names(slow)
    for f, s in zip(fts, sts):
        np.testing.assert_array_equal(f.grad.numpy(), s.grad.numpy())


@pytest.mark.parametrize("rg", [(True, False, False), (False, True, False), (False, False, True),
                                (False, False, False), (True, True, False)])
def test_linear_requires_grad_of_each_operand(rg):
    x, w, b = _arrays(2, 3, 4)
    got, gts = _run(torch, x, w, b, rg)
    want, wts = _run(T, x, w, b, rg)
    assert got.requires_grad == want.requires_grad == any(rg)
    assert (got.grad_fn is None) == (want.grad_fn is None)
    if got.grad_fn is not None:
        assert [f is None for f, _ in got.grad_fn.next_functions] == \
            [f is None for f, _ in want.grad_fn.next_functions]
    for g, t in zip(gts, wts):
        assert (g.grad is None) == (t.grad is None)
        if g.grad is not None:
            np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_linear_no_grad_and_views():
    x, w, b = _arrays(1, 4, 3)
    for lib in (torch, T):
        xt, wt, bt = (lib.from_numpy(a).requires_grad_() for a in (x, w, b))
        with lib.no_grad():
            y = lib.nn.functional.linear(xt, wt, bt)
        assert not y.requires_grad and y.grad_fn is None
    # a strided bias, a transposed (non-contiguous) weight and input, a Parameter weight
    big = np.arange(12, dtype=np.float32)
    wT = np.ascontiguousarray(w.T)
    outs = []
    for lib in (torch, T):
        bias = lib.from_numpy(big)[::4]
        weight = lib.nn.Parameter(lib.from_numpy(wT).t())
        xin = lib.from_numpy(np.ascontiguousarray(x.T)).t()
        y = lib.nn.functional.linear(xin, weight, bias)
        y.sum().backward()
        outs.append((y.detach().numpy(), weight.grad.numpy(), y.grad_fn.name()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-6)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-6)
    assert outs[0][2] == outs[1][2] == "AddmmBackward0"


def test_linear_weight_changed_in_place_fails_at_backward():
    x, w, b = _arrays(1, 4, 3)
    for lib in (torch, T):
        xt, bt = lib.from_numpy(x).requires_grad_(), lib.from_numpy(b).requires_grad_()
        wt = lib.from_numpy(w.copy()).requires_grad_()
        y = lib.nn.functional.linear(xt, wt, bt)
        with lib.no_grad():
            wt.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_linear_non_leaf_weight_changed_in_place():
    """The weight's transpose view shares its version counter (the inline view1): a non-leaf
    weight changed in place after linear makes backward fail, and a fresh linear works."""
    x, w, b = _arrays(2, 4, 3)
    grads = []
    for lib in (torch, T):
        wl = lib.from_numpy(w.copy()).requires_grad_()
        xt = lib.from_numpy(x).requires_grad_()
        for bias in (None, lib.from_numpy(b)):
            wn = wl * 1.0
            y = lib.nn.functional.linear(xt, wn, bias)
            wn.add_(1.0)
            with pytest.raises(RuntimeError, match=r"modified by an inplace operation: "
                                                   r"\[torch.FloatTensor \[4, 3\]\]"):
                y.sum().backward()
        y = lib.nn.functional.linear(xt, wn, lib.from_numpy(b))
        y.sum().backward()
        grads.append(wl.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


@pytest.mark.parametrize("case", ["dtypes", "bias_dtype", "inner", "bias_shape", "rank1",
                                  "rank3", "int"])
def test_linear_boundary_cases_take_the_general_path(case):
    x, w, b = _arrays(2, 3, 4)
    args = {"dtypes": (x.astype(np.float64), w, b), "bias_dtype": (x, w, b.astype(np.float64)),
            "inner": (x[:, :2], w, b), "bias_shape": (x, w, b[:3]),
            "rank1": (x[0], w, b), "rank3": (x[None], w, b),
            "int": (x.astype(np.int64), w.astype(np.int64), b.astype(np.int64))}[case]
    res = []
    for lib in (torch, T):
        ts = [lib.from_numpy(np.ascontiguousarray(a)) for a in args]
        try:
            res.append(lib.nn.functional.linear(*ts))
        except RuntimeError as e:
            res.append(str(e))
    if isinstance(res[1], str):
        assert res[0] == res[1]
    else:
        np.testing.assert_allclose(res[0].numpy(), res[1].numpy(), rtol=1e-5, atol=1e-5)


def test_linear_above_the_tiny_size_and_autocast():
    x, w, b = _arrays(128, 128, 80)          # m k n over kernels.cpu.linalg.TINY_MKN
    got, _ = _run(torch, x, w, b)
    want, _ = _run(T, x, w, b)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-4,
                               atol=1e-4)
    assert got.grad_fn.name() == "AddmmBackward0"
    x, w, b = _arrays(2, 8, 4)
    outs = []
    for lib in (torch, T):
        with lib.autocast("cpu", dtype=lib.bfloat16):
            y = lib.nn.functional.linear(*(lib.from_numpy(a) for a in (x, w, b)))
        outs.append(y)
    assert str(outs[0].dtype) == str(outs[1].dtype) == "torch.bfloat16"


@pytest.fixture
def general_matmul(monkeypatch):
    k = _la.matmul_p.kernels["cpu"]
    monkeypatch.setitem(_la.matmul_p.kernels, "cpu", lambda a, b: k(a, b))


@pytest.mark.parametrize("op", ["mm", "matmul", "@"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shapes", [((1, 32), (32, 32)), ((3, 5), (5, 2)), ((0, 3), (3, 2)),
                                    ((2, 0), (0, 3))])
def test_mm_matmul_match_torch_and_general(op, dtype, shapes, request):
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes)

    def run(lib):
        ta, tb = lib.from_numpy(a.copy()).requires_grad_(), lib.from_numpy(b.copy())
        y = ta @ tb if op == "@" else getattr(lib, op)(ta, tb)
        (y * y).sum().backward()
        return y, ta.grad
    got, ga = run(torch)
    want, wa = run(T)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ga.numpy(), wa.numpy(), rtol=1e-4, atol=1e-5)
    assert got.grad_fn.name() == want.grad_fn.name() == "MmBackward0"
    assert got.grad_fn.next_functions[1][0] is None
    request.getfixturevalue("general_matmul")
    slow, gs = run(torch)
    np.testing.assert_array_equal(got.detach().numpy(), slow.detach().numpy())
    np.testing.assert_array_equal(ga.numpy(), gs.numpy())
    with torch.no_grad():
        assert not torch.mm(torch.from_numpy(a).requires_grad_(), torch.from_numpy(b)) \
            .requires_grad


@pytest.mark.parametrize("case", ["x", "inner", "dtype", "strided"])
def test_matmul_boundary_errors_and_strides(case):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 4)).astype(np.float32), \
        rng.standard_normal((4, 2)).astype(np.float32)
    if case == "inner":
        b = b[:3]
    elif case == "dtype":
        b = b.astype(np.float64)
    res = []
    for lib in (torch, T):
        ta, tb = lib.from_numpy(a), lib.from_numpy(np.ascontiguousarray(b))
        if case == "strided":
            ta, tb = lib.from_numpy(np.ascontiguousarray(a.T)).t(), tb[:, ::1]
        try:
            res.append(lib.matmul(ta, tb).numpy())     # (dlcore's mm promotes two dtypes)
        except RuntimeError as e:
            res.append(str(e))
    if isinstance(res[1], str):
        assert res[0] == res[1]
    else:
        np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


def test_sigmoid_kernel_float32_form_and_other_dtypes():
    """The sigmoid CPU kernel hands a float32 ndarray to its float32 form first
    (``transcendental.sigmoid32``, through the complex wrapper); float64 and complex64 take
    the other paths, as torch computes them."""
    from dlcore.kernels.cpu import transcendental as _tr
    from dlcore.ops.elementwise import sigmoid_p
    assert sigmoid_p.kernels["cpu"].float32 is _tr.sigmoid32
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 5)) * 4
    for arr in (x.astype(np.float64), (x + 1j * x[::-1]).astype(np.complex64)):
        got = torch.sigmoid(torch.from_numpy(arr)).numpy()
        want = T.sigmoid(T.from_numpy(arr)).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("case", ["tail", "strided", "0d", "empty", "grad"])
def test_sigmoid_float32_boundaries(case):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 16)) * 30).astype(np.float32)
    x[0, :4] = [-87.0, -87.5, -95.0, -120.0]            # around sigmoid32's clamp
    res = []
    for lib in (torch, T):
        t = lib.from_numpy(x.copy())
        if case == "strided":
            t = t[:, ::3]
        elif case == "0d":
            t = t[0, 2]
        elif case == "empty":
            t = t[:0]
        elif case == "grad":
            t.requires_grad_()
        y = lib.sigmoid(t)
        if case == "grad":
            y.sum().backward()
            assert y.grad_fn.name() == "SigmoidBackward0"
            res.append((y.detach().numpy(), t.grad.numpy()))
        else:
            res.append((y.numpy(),))
    for g, w in zip(*res):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=3e-7 * 8, atol=1e-38)   # (torch flushes e^-95)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((1, 32), 1), ((4, 8), -1), ((4, 8, 1), 1), ((3, 4, 5), 2),
                                       ((3, 4, 5), 1), ((6,), 0), ((2, 3), 0)])
@pytest.mark.parametrize("strided", [False, True])
def test_softmax_last_axis_loop(fn, shape, dim, strided):
    """The two-argument loop of the last axis (``_jit_softmax.softmax_last``) against the
    kernel's general view and against PyTorch; other axes, trailing size-1 axes and strided
    inputs keep the general loop."""
    from dlcore.kernels.cpu import softmax as _sm
    rng = np.random.default_rng(4)
    full = rng.standard_normal(shape[:-1] + (shape[-1] * 2,)).astype(np.float32)
    x = full[..., ::2] if strided else np.ascontiguousarray(full[..., :shape[-1]])
    got = getattr(torch.nn.functional, fn)(torch.from_numpy(x), dim=dim).numpy()
    want = getattr(T.nn.functional, fn)(T.from_numpy(x), dim=dim).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    axis = dim % len(shape)
    general = _sm._run(x, axis, fn == "log_softmax")
    plan = getattr(_sm, fn).small(shape, x.dtype, axis=axis)
    assert plan.__name__ == ("run_last" if axis == len(shape) - 1 else "run")
    np.testing.assert_array_equal(got, general)


def test_binary_lane_quiet_in_threads():
    """The binary lane's ufunc runs in a per-thread context whose NumPy error state ignores
    floating-point errors: no warning (as torch), the caller's error state unchanged, and
    threads calling it at once (a large ufunc releases the GIL) each in their own context."""
    import threading
    import warnings
    big = np.full((4, 8), 3e38, np.float32)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        got = (torch.from_numpy(big) + torch.from_numpy(big)).numpy()
        want = (T.from_numpy(big) + T.from_numpy(big)).numpy()
        np.testing.assert_array_equal(got, want)                       # inf, no warning
        assert np.geterr()["over"] == "raise"
        with pytest.raises(FloatingPointError):
            np.add(big, big)
    errors: list = []
    rng = np.random.default_rng(5)
    a = rng.standard_normal(300_000).astype(np.float32)
    b = rng.standard_normal(300_000).astype(np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)

    def work():
        try:
            for _ in range(20):
                np.testing.assert_array_equal((ta * tb).numpy(), a * b)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
