"""The eager lanes for vector products, diagonals, strided slices, unsqueeze/squeeze and
``x.T`` (``_shape_lanes``, ``_fast_paths``, ``_shape_ops``): the same values, gradients,
grad_fn names and views (writes reach the base) as PyTorch's, and the general path's errors
where the lane does not apply."""
import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
A = RNG.standard_normal((4, 5)).astype(np.float32)
V4 = RNG.standard_normal(4).astype(np.float32)
V5 = RNG.standard_normal(5).astype(np.float32)


def _run(L, fn):
    a = L.tensor(A, requires_grad=True)
    u = L.tensor(V4, requires_grad=True)
    w = L.tensor(V5, requires_grad=True)
    out = fn(L, a * 1.0, u * 1.0, w * 1.0)
    (out * out).sum().backward()
    return (np.asarray(out.detach().tolist()), out.grad_fn.name(),
            [None if t.grad is None else np.asarray(t.grad.tolist()) for t in (a, u, w)])


@pytest.mark.parametrize("name,fn", [
    ("dot", lambda L, a, u, w: w @ w),
    ("mv", lambda L, a, u, w: a @ w),
    ("vm", lambda L, a, u, w: u @ a),
    ("matmul fn", lambda L, a, u, w: L.matmul(u, a)),
    ("diag", lambda L, a, u, w: a.diagonal()),
    ("diag +2", lambda L, a, u, w: L.diagonal(a, 2)),
    ("diag -1", lambda L, a, u, w: a.diagonal(-1)),
    ("diag dims", lambda L, a, u, w: a.diagonal(0, 1, 0)),
    ("step slice", lambda L, a, u, w: a[:, 1::2]),
    ("step rows", lambda L, a, u, w: a[::3]),
    ("unsqueeze", lambda L, a, u, w: u.unsqueeze(-1)),
    ("squeeze", lambda L, a, u, w: u.unsqueeze(0).squeeze(0)),
    ("T", lambda L, a, u, w: a.T),
])
def test_values_gradients_and_names_match_torch(name, fn):
    got, want = _run(dt, fn), _run(torch, fn)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    assert got[1] == want[1]
    for g, w in zip(got[2], want[2]):
        assert (g is None) == (w is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("view", [
    lambda x: x.diagonal(), lambda x: x.diagonal(1), lambda x: x[:, ::2], lambda x: x.T,
    lambda x: x[1].unsqueeze(0), lambda x: x[1:2].squeeze(0)])
def test_writes_through_the_views_reach_the_base(view):
    outs = []
    for L in (dt, torch):
        x = L.tensor(A.copy())
        v = view(x)
        v.mul_(0).add_(7)
        outs.append(np.asarray(x.tolist()))
    np.testing.assert_array_equal(outs[0], outs[1])


def test_the_general_paths_errors_remain():
    x = dt.tensor(A)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(RuntimeError, match="size mismatch|cannot be multiplied|shapes"):
        x @ dt.tensor(V4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.unsqueeze(3)


def test_float64_and_integer_vectors_as_torch():
    for dtype in ("float64", "int64"):
        got = (dt.arange(5, dtype=getattr(dt, dtype)) @ dt.arange(5, dtype=getattr(dt, dtype)))
        want = torch.arange(5, dtype=getattr(torch, dtype)) @ \
            torch.arange(5, dtype=getattr(torch, dtype))
        assert got.item() == want.item() and str(got.dtype) == str(want.dtype)


def test_views_of_strided_pieces_as_torch():
    """``view`` of split's pieces (strided, viewable without a copy) takes the lane; a
    ``reshape`` of them keeps PyTorch's ReshapeAliasBackward0, a transposed tensor's view
    PyTorch's error, and writes through a view of a piece reach the base."""
    outs = []
    data = RNG.standard_normal((2, 3, 12)).astype(np.float32)
    for L in (dt, torch):
        base = L.tensor(data)
        x = base.clone().requires_grad_()
        q, k, _ = (x * 1.0).split(4, dim=2)
        for _ in range(2):                              # (the second call: the plan)
            a = q.view(2, 3, 2, 2)
        b = k.reshape(2, 3, 2, 2)
        (a * b).sum().backward()
        try:
            x.detach().transpose(1, 2).view(-1)
            err = None
        except RuntimeError as e:
            err = str(e)[:60]
        plain = base.clone()
        plain.split(4, dim=2)[1].view(2, 3, 2, 2).mul_(0)
        outs.append((a.grad_fn.name(), b.grad_fn.name(), err, x.grad.tolist(),
                     plain.tolist()))
    assert outs[0] == outs[1]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("k", [-2, 0, 1, 4])
def test_triangles_without_grad_as_torch(dtype, k):
    data = RNG.standard_normal((2, 3, 4)) * 3
    data[0, 0, 1] = np.inf
    data[1, 2, 0] = np.nan
    outs = []
    for L in (dt, torch):
        x = L.tensor(data).to(getattr(L, dtype))
        for _ in range(2):                              # (the second call: the cached mask)
            r = [L.triu(x, k), L.tril(x, diagonal=k), x.triu(k), x[0].tril(k)]
        outs.append([(str(t.dtype), np.asarray(t.tolist()).tobytes()) for t in r])
    assert outs[0] == outs[1]


def test_type_as_returns_self_for_the_same_dtype():
    x, y = dt.randn(3), dt.randn(3).double()
    assert x.type_as(x) is x
    assert x.type_as(y).dtype == dt.float64 and y.type_as(x).dtype == dt.float32


def test_a_0d_operand_keeps_matmuls_error():
    for a, b in ((dt.tensor(2.0), dt.randn(3)), (dt.randn(3), dt.tensor(2.0))):
        with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least"):
            a @ b


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64"])
def test_integer_and_bool_sums_as_torch(dtype):
    data = RNG.integers(-3, 200, (3, 4, 5))
    data[0, 0, 0] = 2 ** 40
    outs = []
    for L in (dt, torch):
        x = L.tensor(data).to(getattr(L, dtype))
        r = [x.sum(), x.sum(0), x.sum(-1), L.sum(x, 1), x[0, 0].sum(0)]
        outs.append([(str(t.dtype), t.tolist()) for t in r])
        with pytest.raises(IndexError, match="Dimension out of range"):
            x.sum(3)
    assert outs[0] == outs[1]


@pytest.mark.parametrize("shapes", [((5, 3), (4, 3)), ((2, 5, 3), (2, 4, 3)),
                                    ((1, 5, 3), (2, 4, 3)), ((5, 3), (5, 3))])
@pytest.mark.parametrize("p", [2.0, 1.0])
def test_cdist_as_torch(shapes, p):
    data = [RNG.standard_normal(s) for s in shapes]
    outs = []
    for L in (dt, torch):
        a, b = (L.tensor(x, requires_grad=True) for x in data)
        same = L.cdist(a, a, p=p)               # (zero distances: a zero gradient)
        o = L.cdist(a, b, p)
        (o.sum() + same.sum()).backward()
        outs.append((o.detach().numpy(), a.grad.numpy(), b.grad.numpy(), o.grad_fn.name()))
    for g, w in zip(outs[0][:3], outs[1][:3]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    assert outs[0][3] == outs[1][3]


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "complex64"])
def test_nonzero_as_torch(dtype):
    data = RNG.integers(-1, 2, (3, 4, 2))
    outs = []
    for L in (dt, torch):
        x = L.tensor(data).to(getattr(L, dtype))
        r = [L.nonzero(x), x.nonzero(), L.argwhere(x), x[0, :, 0].nonzero()]
        tup = L.nonzero(x, as_tuple=True) + x[1].nonzero(as_tuple=True)
        outs.append([(str(t.dtype), t.tolist()) for t in r + list(tup)])
    assert outs[0] == outs[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_var_std_values_and_gradients_as_torch(dtype):
    data = RNG.standard_normal((6, 5, 4)).astype(dtype)
    outs = []
    for L in (dt, torch):
        x = L.tensor(data, requires_grad=True)
        r = [x.var(0), x.var(-1), x.var(), x.std(1), x.var(1, keepdim=True), x.var((0, 2)),
             L.var(x, 2, unbiased=False), x.std(), x.var(0, correction=0)]
        sum(o.sum() for o in r).backward()
        outs.append(([o.detach().numpy() for o in r], x.grad.numpy(),
                     [o.grad_fn.name() for o in r]))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for g, w in zip(outs[0][0] + [outs[0][1]], outs[1][0] + [outs[1][1]]):
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)
    assert outs[0][2] == outs[1][2]


@pytest.mark.parametrize("src", ["bool", "uint8", "int8", "int32", "int64"])
def test_integer_to_float_casts_as_torch(src):
    data = RNG.integers(-2 ** 40, 2 ** 40, 12)
    data[0] = 2 ** 62 + 1
    outs = []
    for L in (dt, torch):
        x = L.tensor(data).to(getattr(L, src))
        r = [x.float(), x.double(), x.to(L.float32), x.type(L.float64), x.long().float()]
        outs.append([(str(t.dtype), t.numpy().tobytes(), t.requires_grad) for t in r])
    assert outs[0] == outs[1]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
@pytest.mark.parametrize("shape,dim", [((9,), 0), ((4, 9), 1), ((4, 9), -1), ((9, 4), 0),
                                       ((3, 9, 2), 1), ((3, 2, 9), -1)])
def test_topk_without_grad_as_torch(dtype, shape, dim):
    data = RNG.integers(-3, 4, shape).astype(np.float64)          # (many ties)
    if dtype.startswith("float"):
        data.flat[::5] = np.nan
    outs = []
    for L in (dt, torch):
        x = L.tensor(data).to(getattr(L, dtype))
        res = []
        for k, largest, srt in ((3, True, True), (9, False, True), (0, True, True),
                                (4, True, False)):
            if k > x.shape[dim]:
                continue
            r = x.topk(k, dim, largest, srt)
            f = L.topk(x, k, dim=dim, largest=largest, sorted=srt)
            res.append((type(r).__name__, r.values.dtype == x.dtype,
                        r.values.numpy().tobytes(), r.indices.tolist(), f.indices.tolist(),
                        r.values.is_contiguous()))
        res.append(x.topk(2).indices.tolist() if x.shape[-1] >= 2 else None)
        outs.append(res)
    assert outs[0] == outs[1]


def test_topk_with_grad_and_bad_k_as_torch():
    outs = []
    for L in (dt, torch):
        x = L.tensor([[1.0, 5.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
        v, i = x.topk(2)
        (v * L.tensor([[1.0, 10.0]])).sum().backward()
        errs = []
        for args in ((4,), (-1,), (1, 2)):
            try:
                x.detach().topk(*args)
                errs.append(None)
            except (RuntimeError, IndexError) as e:
                errs.append(type(e).__name__)
        outs.append((v.grad_fn.name(), x.grad.tolist(), i.tolist(), errs))
    assert outs[0] == outs[1]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "bfloat16"])
@pytest.mark.parametrize("shape,dim,ishape", [((6,), 0, (9,)), ((4, 5), 1, (4, 7)),
                                              ((4, 5), 0, (2, 5)), ((3, 4, 2), -2, (3, 6, 2)),
                                              ((4, 5), 1, (2, 3))])        # (the last: a crop)
def test_gather_values_gradients_and_nodes_as_torch(dtype, shape, dim, ishape):
    data = RNG.standard_normal(shape) * 4
    idx = RNG.integers(0, shape[dim], ishape)
    outs = []
    for L in (dt, torch):
        x = L.tensor(data).to(getattr(L, dtype))
        if dtype.startswith("float") or dtype == "bfloat16":
            x.requires_grad_()
        y = x.gather(dim, L.tensor(idx))
        z = L.gather(x, dim=dim, index=L.tensor(idx))
        res = [y.dtype == x.dtype, y.detach().float().numpy().tobytes(),
               z.detach().float().numpy().tobytes()]
        if x.requires_grad:
            (y * L.arange(float(y.numel())).reshape(y.shape).to(y.dtype)).sum().backward()
            fn = y.grad_fn
            res += [fn.name(), [type(f).__name__ for f, _ in fn.next_functions],
                    x.grad.float().numpy().tobytes()]
        outs.append(res)
    assert outs[0] == outs[1]


def test_gather_errors_take_the_general_path_as_torch():
    outs = []
    for L in (dt, torch):
        x = L.zeros(3, 4)
        res = []
        for idx in ([[4]], [[-1]], [[0]] * 5):
            try:
                x.gather(1, L.tensor(idx))
                res.append(None)
            except (RuntimeError, IndexError) as e:
                res.append(type(e).__name__)
        outs.append(res)
    assert outs[0] == outs[1]


SORT_CALLS = [{}, {"descending": True}, {"dim": 0}, {"dim": 0, "descending": True, "stable": True},
              {"stable": None}, {"stable": False, "dim": -1}]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("kw", SORT_CALLS)
def test_sort_values_indices_gradients_and_nodes_as_torch(dtype, kw):
    a = RNG.integers(-3, 3, (6, 7)).astype(dtype)      # (ties: the stable order, as torch's)
    if dtype != "int64":
        a[1, 2] = a[4, 0] = np.nan                     # (NaN sorts as the largest)
    got = {}
    for L in (dt, torch):
        for form in ("method", "function"):
            x = L.tensor(a, requires_grad=dtype != "int64")
            v, i = x.sort(**kw) if form == "method" else L.sort(x, **kw)
            assert type(v).__name__ == "Tensor" and v.dtype == x.dtype
            grads = None
            if x.requires_grad:
                v.backward(L.tensor(np.arange(v.numel(), dtype=dtype).reshape(v.shape)))
                grads = np.asarray(x.grad.tolist())
            got[(L.__name__, form)] = (np.asarray(v.detach().tolist()), np.asarray(i.tolist()),
                                       grads, type(v.grad_fn).__name__ if x.requires_grad
                                       else None, type(L.sort(x, **kw)).__name__)
    for form in ("method", "function"):
        mine, want = got[("dlcore_eager", form)], got[("torch", form)]
        np.testing.assert_array_equal(mine[0], want[0])
        np.testing.assert_array_equal(mine[1], want[1])
        if want[2] is not None:
            np.testing.assert_array_equal(mine[2], want[2])
        assert mine[3:] == want[3:]


def test_topk_and_sorts_front_entries_leave_other_calls_to_the_general_entry():
    # (_shape_lanes._front: a 0-d input, a bool tensor, out=, input= and axis= take the
    # general entry, with PyTorch's results and errors)
    for L in (dt, torch):
        with pytest.raises(RuntimeError, match="topk does not support bool dtypes on CPU"):
            L.tensor([True, False]).topk(1)
        v, i = L.tensor(2.5).topk(1)
        assert v.item() == 2.5 and i.item() == 0 and v.dim() == 0
        v, i = L.sort(L.tensor(1.5))
        assert v.item() == 1.5 and i.item() == 0
        x = L.tensor([[3.0, 1.0, 2.0]])
        out = (L.empty(1, 2), L.empty(1, 2, dtype=L.int64))
        r = L.topk(x, 2, out=out)
        assert r[0] is out[0] and out[0].tolist() == [[3.0, 2.0]] and out[1].tolist() == [[0, 2]]
        v, i = L.sort(input=x, descending=True)
        assert v.tolist() == [[3.0, 2.0, 1.0]] and type(L.sort(x)).__name__ == "sort"
    assert dt.Tensor.topk.__front__ and dt.sort.__front__


DIAG_DATA = [[1., 2., 3.], [[1., 2.], [3., 4.], [5., 6.]], [1, 2], [True, False], [],
             [[1 + 2j, 3]], 5.0, [[[1.]]]]


@pytest.mark.parametrize("k", [0, 1, -1, 2, -3, 5])
def test_diag_lane_is_torch_s(k):
    """(the lane: a vector or matrix that records nothing, by NumPy's diag; with grad the
    composite, its DiagBackward0 and gradient)"""
    torch = pytest.importorskip("torch")

    def outcome(m, data, grad):
        x = m.tensor(data, requires_grad=grad)
        try:
            y = m.diag(x, k) if k % 2 else x.diag(diagonal=k)
        except Exception as e:  # noqa: BLE001 - the error is the outcome compared
            return type(e).__name__
        out = [str(y.dtype), tuple(y.shape), y.tolist(), y.is_contiguous()]
        if grad:
            (y * m.arange(float(y.numel())).reshape(y.shape)).sum().backward()
            out += [type(y.grad_fn).__name__, x.grad.tolist()]
        return out
    for data in DIAG_DATA:
        for grad in (False, True):
            if grad and not isinstance(np.asarray(data).flat[0] if np.size(data) else 1.0,
                                       float):
                continue
            if grad and data == [] and k:   # (the composite: an empty vector gives (0, 0)
                continue                    # whatever k, PyTorch's zeros (|k|, |k|))
            assert outcome(dt, data, grad) == outcome(torch, data, grad), (data, grad)


UNIQUE_DATA = [[3, 1, 2, 3, 1], [[2, 2], [0, 5]], [True, False, True], 7, [], [5, -1, 5],
               np.array([3, 1, 3], np.uint8), np.array([[1, 2], [1, 3]], np.int32),
               [1.5, float("nan"), 1.5, float("nan"), -0.0, 0.0]]


@pytest.mark.parametrize("kw", [{}, {"return_inverse": True}, {"return_counts": True},
                                {"return_inverse": True, "return_counts": True},
                                {"sorted": False}, {"dim": 0}])
def test_unique_is_torch_s(kw):
    """(the lane: integer and bool CPU tensors by NumPy's unique; floats the composite)"""
    torch = pytest.importorskip("torch")

    def outcome(m):
        out = []
        for data in UNIQUE_DATA:
            if kw in ({"sorted": False}, {"dim": 0}) and isinstance(data, list) and \
                    1.5 in data:    # (PyTorch's unsorted and dim-wise float unique leave
                continue            # NaNs' neighbours apart)
            x = m.from_numpy(data.copy()) if isinstance(data, np.ndarray) else m.tensor(data)
            for call in (lambda: m.unique(x, **kw), lambda: x.unique(**kw)):
                try:
                    o = call()
                except Exception as e:  # noqa: BLE001 - the error is the outcome compared
                    out.append(type(e).__name__)
                    continue
                out.append([(str(t.dtype).split(".")[-1], tuple(t.shape), repr(t.tolist()))
                            for t in (o if isinstance(o, tuple) else (o,))])
        return out
    assert outcome(dt) == outcome(torch)


def test_repeat_interleave_is_torch_s():
    """(the lane: an int count on a CPU tensor that records nothing; the rest, and with a
    gradient, the composite)"""
    torch = pytest.importorskip("torch")

    def outcome(m):
        out = []
        for data in ([1., 2., 3.], [[1, 2], [3, 4]], [True, False], 5.0, []):
            for grad in (False, True):
                if grad and not isinstance(np.asarray(data).flat[0] if np.size(data) else 1,
                                           float):
                    continue
                for args, kw in [((2,), {}), ((0,), {}), ((3, 0), {}), ((2,), {"dim": -1}),
                                 ((), {"repeats": 2, "dim": 1}), ((-1,), {}), ((2, 5), {}),
                                 ((m.tensor([1, 2]),), {"dim": 0}),
                                 ((2,), {"output_size": 4})]:
                    for how in ("method", "function"):
                        x = m.tensor(data, requires_grad=grad)
                        try:
                            t = x.repeat_interleave(*args, **kw) if how == "method" else \
                                m.repeat_interleave(x, *args, **kw)
                        except Exception as e:  # noqa: BLE001 - compared
                            out.append(type(e).__name__)
                            continue
                        out.append((str(t.dtype), tuple(t.shape), t.tolist(),
                                    t.is_contiguous(), t.requires_grad))
        return out
    assert outcome(dt) == outcome(torch)
