"""The lane's one-frame entries (``dlcore_eager._lane_entries``): the second call of a form
(the one that finds the parse's plan) gives the first call's and the general entry's values
bit for bit, dtypes, grad_fn names and gradients, as PyTorch 2.13's; the forms they refuse
(a bool or float dim, keyword forms, subclasses, other dtypes) still give the general entry's
results and errors.  And max's row gather (``x.take`` of flat indices) is the kernel's."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import _lane, _lane_max

torch = pytest.importorskip("torch")
F, TF = dl.nn.functional, None

CALLS = [
    ("F.log_softmax(dim=1)", lambda T, x: T.nn.functional.log_softmax(x, dim=1)),
    ("log_softmax(x, 0)", lambda T, x: T.log_softmax(x, 0)),
    ("x.softmax(-1)", lambda T, x: x.softmax(-1)),
    ("F.softmax(dim=0)", lambda T, x: T.nn.functional.softmax(x, dim=0)),
    ("x.sum()", lambda T, x: x.sum()),
    ("x.sum(1)", lambda T, x: x.sum(1)),
    ("torch.sum(x, 0)", lambda T, x: T.sum(x, 0)),
    ("x.argmax()", lambda T, x: x.argmax()),
    ("x.argmax(1)", lambda T, x: x.argmax(1)),
    ("x.max(1)", lambda T, x: x.max(1)),
    ("x.max(0)", lambda T, x: x.max(0)),
    ("torch.max(x, -1)", lambda T, x: T.max(x, -1)),
]
SHAPES = [(1, 32), (4, 8), (3,), (2, 3, 4)]


def _x(T, shape, dtype, rg, transposed=False):
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape)
    if a.ndim == 2:
        a[0, 1] = a[0, 3] = a.max() + 1.0                 # a tie: the first index wins
    x = T.tensor(a.T.copy(), dtype=getattr(T, dtype)).t() if transposed else \
        T.tensor(a, dtype=getattr(T, dtype))
    return x.requires_grad_(True) if rg else x


def _outs(r):
    return list(r) if isinstance(r, tuple) else [r]


def _applies(name, shape):
    return len(shape) > 1 or name not in ("F.log_softmax(dim=1)", "x.sum(1)", "x.argmax(1)",
                                          "x.max(1)")


@pytest.mark.parametrize("name, f", CALLS, ids=[c[0] for c in CALLS])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rg", [True, False], ids=["grad", "no_grad"])
def test_second_call_is_the_first_and_torchs(name, f, shape, dtype, rg):
    if not _applies(name, shape):
        pytest.skip("dim out of range for a vector")
    for transposed in (False, True) if len(shape) == 2 else (False,):
        grads = []
        results = []
        for _ in range(3):                                  # plan made, then the entry's
            x = _x(dl, shape, dtype, rg, transposed)
            r = f(dl, x)
            results.append(r)
            if rg and _outs(r)[0].requires_grad:
                g = np.random.default_rng(2).standard_normal(tuple(_outs(r)[0].shape))
                _outs(r)[0].backward(dl.tensor(g, dtype=_outs(r)[0].dtype))
                grads.append(x.grad.numpy().copy())
        xt = _x(torch, shape, dtype, rg, transposed)
        rt = f(torch, xt)
        assert type(rt).__name__ == type(results[-1]).__name__
        for r in results:
            for a, b, c in zip(_outs(rt), _outs(r), _outs(results[0])):
                assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape)
                assert b.detach().numpy().tobytes() == c.detach().numpy().tobytes()  # bits
                np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(),
                                           rtol=1e-6, atol=1e-6)
                assert a.requires_grad == b.requires_grad
                if a.grad_fn is not None:
                    assert type(a.grad_fn).__name__ == b.grad_fn.name()
        if grads:
            v = _outs(rt)[0]
            g = np.random.default_rng(2).standard_normal(tuple(v.shape))
            v.backward(torch.tensor(g, dtype=v.dtype))
            for gd in grads:
                assert gd.tobytes() == grads[0].tobytes()
                np.testing.assert_allclose(gd, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_the_entry_takes_the_second_call():
    """The plan the first call made is what the second runs (the parse is not called)."""
    x = dl.tensor(np.arange(8.0, dtype=np.float32).reshape(2, 4), requires_grad=True)
    x.sum()
    calls = []
    parse = dl.Tensor.sum.__lane_parse__
    entry = dl.Tensor.sum
    try:
        dl.Tensor.sum = _lane._entry(entry.__wrapped__, _counting(parse, calls))
        r = x.sum()
        assert not calls and r.grad_fn.name() == "SumBackward0"
        _lane._PLANS.clear()                           # no plan: the parse runs
        x.sum()
        assert calls
    finally:
        dl.Tensor.sum = entry


def _counting(parse, calls):
    def p(args, kw):
        calls.append(1)
        return parse(args, kw)
    p.entry = parse.entry
    return p


@pytest.mark.parametrize("name, args, kw", [
    ("sum", (True,), {}), ("sum", (1.0,), {}), ("softmax", (True,), {}),
    ("softmax", (1.0,), {}), ("log_softmax", (), {"dim": True}), ("argmax", (True,), {}),
    ("max", (True,), {}), ("max", (5,), {}), ("sum", (5,), {}), ("softmax", (2,), {}),
    ("argmax", (-3,), {}), ("max", (1.0,), {}), ("sum", (1,), {"keepdim": 0}),
    ("sum", ((True, 0),), {}), ("mean", (True,), {}), ("transpose", (True, 0), {}),
])
def test_refused_dims_are_the_general_entrys(name, args, kw):
    """A bool or float dim (equal to 1 as a dict key), dims out of range: the general
    entry's result or error (type and message), after the int form has made its plan."""
    x = dl.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    for _ in range(2):
        x.sum(1), x.softmax(1), x.log_softmax(dim=1), x.argmax(1), x.max(1)
        x.sum((1, 0)), x.mean(1), x.transpose(1, 0)
    entry = getattr(dl.Tensor, name)
    general = inspect.unwrap(entry)
    assert general is not entry
    try:
        want = general(x, *args, **kw)
    except Exception as e:  # noqa: BLE001
        # (the outermost layer words a refusal PyTorch's parser makes as PyTorch does:
        # _arg_words, applied to the general entry's error here too)
        from dlcore_eager._arg_words import torch_words
        e = torch_words(name, (x,) + args, kw, True) or e
        with pytest.raises(type(e)) as info:
            entry(x, *args, **kw)
        assert str(info.value) == str(e)
        return
    got = entry(x, *args, **kw)
    for a, b in zip(_outs(want), _outs(got)):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()
        assert (a.grad_fn is None) == (b.grad_fn is None)
        if a.grad_fn is not None:
            assert a.grad_fn.name() == b.grad_fn.name()


def test_other_dtypes_and_subclasses():
    """int and bool tensors, half floats and a Parameter: the general entry's results."""
    for dt in ("int64", "int32", "bool", "float16"):
        xt = torch.tensor([[1, 0, 3], [2, 5, 1]]).to(getattr(torch, dt))
        xd = dl.tensor([[1, 0, 3], [2, 5, 1]]).to(getattr(dl, dt))
        for f in (lambda x: x.sum(), lambda x: x.sum(1), lambda x: x.argmax(),
                  lambda x: x.argmax(1), lambda x: x.max(1)[0]):
            for _ in range(2):
                try:
                    rt = f(xt)
                except Exception as e:  # noqa: BLE001
                    with pytest.raises(type(e)):
                        f(xd)
                    continue
                rd = f(xd)
                assert str(rt.dtype) == str(rd.dtype)
                np.testing.assert_array_equal(rd.numpy(), rt.numpy())
    p = dl.nn.Parameter(dl.ones(2, 3))
    for _ in range(2):
        assert p.sum().grad_fn.name() == "SumBackward0"
        assert F.log_softmax(p, dim=1).grad_fn.name() == "LogSoftmaxBackward0"


@pytest.mark.parametrize("shape", [(1, 7), (4, 8), (3, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_gather_is_the_kernels(shape, dtype):
    """max's gather over a matrix's rows (``x.take`` of flat indices) against
    ``np.take_along_axis``, bit for bit, with NaN, -0.0/+0.0 ties and infinities, on C- and
    F-ordered buffers."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(dtype)
    x.flat[::3] = -0.0
    x.flat[1::7] = 0.0
    x[0, -1] = np.nan
    x[-1, 0] = np.inf
    for b in (x, np.asfortranarray(x)):
        i = np.argmax(b, 1, keepdims=True)
        got = _lane_max._row_take(b.shape)(b, i)
        want = np.take_along_axis(b, i, 1)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert got.tobytes() == want.tobytes()


UNARY = [("sigmoid", lambda T: T.sigmoid), ("relu", lambda T: T.relu),
         ("x.sigmoid", lambda T: T.Tensor.sigmoid), ("x.relu", lambda T: T.Tensor.relu),
         ("F.sigmoid", lambda T: T.nn.functional.sigmoid),
         ("F.relu", lambda T: T.nn.functional.relu)]


@pytest.mark.parametrize("name, op", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(1, 32), (4, 8), (), (0, 3), (3, 4, 2)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_entry_is_the_general_entry_and_torchs(name, op, shape, dtype):
    """sigmoid/relu through the unary entry (second and third calls) against the general
    entry bit for bit, and torch: values (NaN, infinities, -0.0, the far tail sigmoid
    clamps), dtype, grad_fn name, gradient; C-ordered and transposed buffers."""
    rng = np.random.default_rng(4)
    a = rng.standard_normal(shape) * 40
    if a.size >= 6:
        a.flat[:6] = [np.nan, np.inf, -np.inf, -0.0, -95.0, 0.0]
    for transposed in (False, True) if len(shape) == 2 else (False,):
        def make(T):
            x = T.tensor(a.T.copy(), dtype=getattr(T, dtype)).t() if transposed else \
                T.tensor(a, dtype=getattr(T, dtype))
            return x.requires_grad_(True)
        general = inspect.unwrap(op(dl))
        assert general is not op(dl)
        xg = make(dl)
        want = general(xg)
        for _ in range(3):
            xd = make(dl)
            got = op(dl)(xd)
            assert got.dtype == want.dtype and got.shape == want.shape
            assert got.detach().numpy().tobytes() == want.detach().numpy().tobytes()
            assert got.grad_fn.name() == want.grad_fn.name()
            got.sum().backward()
        want.sum().backward()
        assert xd.grad.numpy().tobytes() == xg.grad.numpy().tobytes()
        xt = make(torch)
        rt = op(torch)(xt)
        assert type(rt.grad_fn).__name__ == got.grad_fn.name()
        np.testing.assert_allclose(got.detach().numpy(), rt.detach().numpy(), rtol=3e-7,
                                   atol=1e-37)
        rt.sum().backward()
        ok = ~np.isnan(xt.detach().numpy())     # (relu's gradient at NaN: 1 in torch, 0 here,
        np.testing.assert_allclose(xd.grad.numpy()[ok], xt.grad.numpy()[ok],   # general too)
                                   rtol=1e-6, atol=1e-30)


def test_unary_entry_other_calls_are_the_general_entrys():
    """Other dtypes, keywords (out=, inplace=), no_grad, a Parameter: the general entry's."""
    for dt in ("int64", "bool", "float16"):
        for f in (dl.sigmoid, dl.relu):
            xd = dl.tensor([[1, 0, 3]]).to(getattr(dl, dt))
            xt = torch.tensor([[1, 0, 3]]).to(getattr(torch, dt))
            try:
                rt = getattr(torch, f.__name__)(xt)
            except Exception as e:  # noqa: BLE001
                with pytest.raises(type(e)):
                    f(xd)
                continue
            rd = f(xd)
            assert str(rd.dtype) == str(rt.dtype)
            np.testing.assert_allclose(rd.numpy().astype(float), rt.numpy().astype(float),
                                       rtol=1e-3)
    x = dl.tensor([[-1.0, 2.0]], requires_grad=True)
    out = dl.empty(1, 2)
    with dl.no_grad():
        dl.sigmoid(x.detach(), out=out)
        assert dl.sigmoid(x).grad_fn is None and not dl.relu(x).requires_grad
    assert out.numpy().tobytes() == dl.sigmoid(x).detach().numpy().tobytes()
    y = x.detach().clone()
    assert dl.nn.functional.relu(y, inplace=True) is y and y.numpy().tolist() == [[0.0, 2.0]]
    p = dl.nn.Parameter(dl.ones(2, 3))
    assert dl.sigmoid(p).grad_fn.name() == "SigmoidBackward0"


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_small_form_compiled_call(log, dtype):
    """The last-axis small form's compiled call (``compiled_form``, after its first call) gives
    the kernel's bits on C-contiguous buffers, and read-only, unaligned and F-ordered buffers
    (which take the typed call or the kernel) do too; NaN and infinite lines included."""
    from dlcore.kernels.cpu import softmax as S
    kernel = S.log_softmax if log else S.softmax
    shape = (3, 7)
    run = kernel.small(shape, np.dtype(dtype), axis=1)
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape).astype(dtype) * 30
    x[1, 2] = np.nan
    x[2, 0] = np.inf
    want = kernel(x, axis=1)
    raw = np.zeros(x.nbytes + 1, np.uint8)
    unaligned = np.frombuffer(raw.data, dtype, x.size, offset=1).reshape(shape)
    unaligned[...] = x
    ro = x.copy()
    ro.setflags(write=False)
    for b in (x, x, ro, unaligned, np.asfortranarray(x), x, x.copy()):
        got = run(b)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("kind", ["sum", "max", "min"])
@pytest.mark.parametrize("shape, axes", [((1, 32), (0, 1)), ((4, 8), (1,)), ((2, 3, 4), (1, 2)),
                                         ((5,), (0,))])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_reduce_small_form_compiled_call(kind, shape, axes, keepdims, dtype):
    """The row reductions' small form with its compiled call (``compiled_form``, after the
    first call) against the kernel bit for bit, on C-contiguous, read-only, unaligned and
    F-ordered buffers, NaN and infinities included."""
    import numba  # noqa: F401 - (the small form runs the loop once Numba is loaded)

    from dlcore.kernels.cpu import reduce as R
    kernel = getattr(R, kind)
    run = kernel.small(shape, np.dtype(dtype), axes=axes, keepdims=keepdims)
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 10).astype(dtype)
    x.flat[3] = np.inf
    want = kernel(x, axes=axes, keepdims=keepdims)
    xn = x.copy()
    xn.flat[1] = np.nan
    want_n = kernel(xn, axes=axes, keepdims=keepdims)
    raw = np.zeros(x.nbytes + 1, np.uint8)
    unaligned = np.frombuffer(raw.data, dtype, x.size, offset=1).reshape(shape)
    unaligned[...] = x
    ro = x.copy()
    ro.setflags(write=False)
    for b, w in ((x, want), (x, want), (ro, want), (unaligned, want),
                 (np.asfortranarray(x), None), (xn, want_n), (x.copy(), want)):
        if w is None:                       # (another layout: the kernel's own order)
            w = kernel(b, axes=axes, keepdims=keepdims)
        got = run(b)
        assert got.dtype == w.dtype and got.shape == w.shape
        assert got.tobytes() == w.tobytes()
