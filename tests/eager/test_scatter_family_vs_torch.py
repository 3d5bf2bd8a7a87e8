"""The indexing/scatter long tail against PyTorch 2.13: index_put(_), index_copy(_),
index_fill(_), masked_scatter(_), scatter(_), scatter_reduce(_), index_reduce(_), select/slice/diagonal_scatter, diagflat,
put(_), cartesian_prod, combinations, vander, tensordot, max_unpool with repeated indices and
``x[idx] = v`` with repeated indices: values, gradients (vs torch where the indices are unique,
vs float64 finite differences where they repeat) and errors (type and message)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as D

T = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))
S8 = RNG.standard_normal((2, 4))

# (id, f(lib, x) -> tensor): x is a (3, 4) float64 tensor from that library
VALUE_CASES = [
    ("index_put", lambda t, x: x.index_put((t.tensor([0, 2, 0]),), t.arange(4.0).double())),
    ("index_put_2d", lambda t, x: x.index_put((t.tensor([0, 2, 0]), t.tensor([1, -1, 1])),
                                              t.tensor([7.0, 8, 9]).double())),
    ("index_put_acc", lambda t, x: x.index_put((t.tensor([0, 2, 0]), t.tensor([1, 1, 1])),
                                               t.tensor([7.0, 8, 9]).double(), accumulate=True)),
    ("index_put_mask", lambda t, x: x.index_put((x > 0,), t.tensor(5.0).double())),
    ("index_copy", lambda t, x: x.index_copy(1, t.tensor([3, 0, 3]),
                                             t.tensor(X[:, :3] * 2))),
    ("index_fill", lambda t, x: x.index_fill(1, t.tensor([3, -4]), -1.5)),
    ("masked_scatter", lambda t, x: x.masked_scatter(t.tensor([True, False, True, True]),
                                                     t.arange(20.0).double())),
    ("select_scatter", lambda t, x: t.select_scatter(x, t.ones(4).double(), 0, -1)),
    ("slice_scatter", lambda t, x: t.slice_scatter(x, t.ones(3, 2).double(), 1, 1, None, 2)),
    ("diagonal_scatter", lambda t, x: t.diagonal_scatter(x, t.ones(2).double() * 9, 2)),
    ("diagonal_scatter_3d", lambda t, x: t.diagonal_scatter(
        x.reshape(2, 3, 2), t.ones(3, 2).double(), 0, 0, 2)),
    ("diagflat", lambda t, x: t.diagflat(x[:2, :2], -1)),
    ("put", lambda t, x: x.put(t.tensor([0, -1, 0]), t.tensor([5.0, 6, 7]).double())),
    ("put_acc", lambda t, x: x.put(t.tensor([0, -1, 0]), t.tensor([5.0, 6, 7]).double(),
                                   accumulate=True)),
    ("cartesian_prod", lambda t, x: t.cartesian_prod(x[0, :2], x[1, :3], x[2, :2])),
    ("combinations", lambda t, x: t.combinations(x[0], 3)),
    ("combinations_repl", lambda t, x: t.combinations(x[0, :3], 2, with_replacement=True)),
    ("combinations_r0", lambda t, x: t.combinations(x[0], 0)),
    ("combinations_big_r", lambda t, x: t.combinations(x[0], 5)),
    ("vander", lambda t, x: t.vander(x[0], 5)),
    ("vander_inc", lambda t, x: t.vander(x[1], increasing=True)),
    ("vander_int", lambda t, x: t.vander(t.tensor([1, 2, 3]), 4)),
    ("tensordot_int", lambda t, x: t.tensordot(x, x.reshape(4, 3), 1)),
    ("tensordot_lists", lambda t, x: t.tensordot(x.reshape(2, 3, 2), x.reshape(2, 3, 2),
                                                 ([1, 2], [1, 2]))),
]
for _red in ("sum", "prod", "mean", "amax", "amin"):
    for _inc in (True, False):
        VALUE_CASES.append((f"scatter_reduce_{_red}_{_inc}", lambda t, x, r=_red, i=_inc:
                            x.scatter_reduce(0, t.tensor([[0, 1, 0, 2], [0, 0, 0, 1]]),
                                             t.tensor(S8), r, include_self=i)))
for _red in ("prod", "mean", "amax", "amin"):
    for _inc in (True, False):
        VALUE_CASES.append((f"index_reduce_{_red}_{_inc}", lambda t, x, r=_red, i=_inc:
                            x.index_reduce(1, t.tensor([2, 0, 2]), t.tensor(X[:, :3] * 2),
                                           r, include_self=i)))
VALUE_CASES += [
    ("scatter_repeated", lambda t, x: x.scatter(1, t.tensor([[1, 1, 1], [0, 2, 0]]), x * 3)),
    ("scatter_value", lambda t, x: x.scatter(0, t.tensor([[2, 2, 0, 2]]), -2.0)),
    ("scatter_multiply", lambda t, x: x.scatter(1, t.tensor([[1, 1], [0, 0]]), x * 3,
                                                reduce="multiply")),
    ("scatter_add_src_block", lambda t, x: x.scatter_add(1, t.tensor([[0, 0]]), x * 3)),
    ("scatter_reduce_dim1_small_index", lambda t, x: x.scatter_reduce(
        1, t.tensor([[0, 1], [1, 1]]), t.tensor(X), "amax")),
    ("scatter_reduce_int_mean", lambda t, x: (x * 10).long().scatter_reduce(
        0, t.tensor([[0, 1, 0, 2]]), t.tensor([[5, -7, 3, 2]]), "mean", include_self=False)),
]


def _np(t):
    return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("name,f", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_match_torch(name, f):
    want = f(T, T.tensor(X))
    got = f(D, D.tensor(X))
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-12, atol=1e-12)


INPLACE = [
    ("index_put_", lambda t: ((t.tensor([2, 0, 2]),), t.tensor(S8[0]))),
    ("index_copy_", lambda t: (0, t.tensor([1]), t.tensor(S8[:1]))),
    ("index_fill_", lambda t: (0, t.tensor([1, 1]), 3.0)),
    ("masked_scatter_", lambda t: (t.tensor(X > 0), t.tensor(S8))),
    ("scatter_reduce_", lambda t: (1, t.tensor([[3, 3], [0, 3], [1, 1]]), t.tensor(X), "prod")),
    ("put_", lambda t: (t.tensor([11, 2]), t.tensor(S8[0, :2]))),
]


@pytest.mark.parametrize("name,args", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_variants(name, args):
    a, b = T.tensor(X), D.tensor(X)
    ra = getattr(a, name)(*args(T))
    rb = getattr(b, name)(*args(D))
    assert ra is a and rb is b
    np.testing.assert_allclose(_np(b), _np(a), rtol=1e-12)


# ----------------------------------------------------------------------------- gradients
GRAD_CASES = [   # unique indices: equal to torch's gradients
    ("index_put", lambda t, x, v: x.index_put((t.tensor([0, 2]), t.tensor([1, 3])), v[0, :2])),
    ("index_put_acc", lambda t, x, v: x.index_put((t.tensor([0, 0]),), v[:2],
                                                  accumulate=True)),
    ("index_copy", lambda t, x, v: x.index_copy(1, t.tensor([3, 0]), v[:, :2])),
    ("masked_scatter", lambda t, x, v: x.masked_scatter(x > 0, v * 2)),
    ("scatter_reduce_amax", lambda t, x, v: x.scatter_reduce(
        0, t.tensor([[0, 1, 0, 2], [0, 0, 0, 1]]), v[:2], "amax")),
    ("scatter_reduce_amin_noself", lambda t, x, v: x.scatter_reduce(
        0, t.tensor([[0, 1, 0, 2], [0, 0, 0, 1]]), v[:2], "amin", include_self=False)),
    ("scatter_reduce_mean", lambda t, x, v: x.scatter_reduce(
        1, t.tensor([[0, 1, 0, 0], [3, 3, 3, 1], [2, 2, 2, 2]]), v, "mean")),
    ("scatter_reduce_prod_zero", lambda t, x, v: (x * t.tensor([1.0, 0, 1, 1]).double())
        .scatter_reduce(0, t.tensor([[0, 1, 0, 2], [0, 0, 0, 1]]), v[:2], "prod")),
    ("index_reduce_prod", lambda t, x, v: x.index_reduce(0, t.tensor([2, 0, 2]), v, "prod")),
    ("index_reduce_amin", lambda t, x, v: x.index_reduce(1, t.tensor([3, 1]), v[:, :2], "amin",
                                                         include_self=False)),
    ("select_scatter", lambda t, x, v: t.select_scatter(x, v[1], 0, 1)),
    ("slice_scatter", lambda t, x, v: t.slice_scatter(x, v[:, :2], 1, 0, 4, 2)),
    ("diagonal_scatter", lambda t, x, v: t.diagonal_scatter(x, v[0, :3], 1)),
    ("diagflat", lambda t, x, v: t.diagflat(x[0], 1) * 2 + t.diagflat(v[0, :3]).sum()),
    ("put", lambda t, x, v: x.put(t.tensor([5, -1]), v[0, :2])),
    ("cartesian_prod", lambda t, x, v: t.cartesian_prod(x[0, :2], v[0, :3])),
    ("combinations", lambda t, x, v: t.combinations(x[1], 2, with_replacement=True)),
    ("tensordot", lambda t, x, v: t.tensordot(x, v, ([0, 1], [0, 1]))),
]


def _grads(lib, f, x, v, seed=3):
    xt = lib.tensor(x, requires_grad=True)
    vt = lib.tensor(v, requires_grad=True)
    out = f(lib, xt, vt)
    g = np.random.default_rng(seed).standard_normal(tuple(out.shape))
    (out * lib.tensor(g)).sum().backward()
    return [np.zeros_like(a) if t.grad is None else _np(t.grad) for a, t in ((x, xt), (v, vt))]


@pytest.mark.parametrize("name,f", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_match_torch(name, f):
    v = RNG.standard_normal((3, 4))
    want = _grads(T, f, X, v)
    got = _grads(D, f, X, v)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _fd(fun, arrays, k, g, eps=1e-6):
    out = np.zeros_like(arrays[k])
    for idx in np.ndindex(*arrays[k].shape):
        hi = [a.copy() for a in arrays]
        lo = [a.copy() for a in arrays]
        hi[k][idx] += eps
        lo[k][idx] -= eps
        out[idx] = ((fun(*hi) - fun(*lo)) * g).sum() / (2 * eps)
    return out


REPEATED = [   # repeated positions: the last write wins; gradients are the derivative
    ("index_put", lambda t, x, v: x.index_put((t.tensor([0, 2, 0]),), v)),
    ("index_copy", lambda t, x, v: x.index_copy(0, t.tensor([1, 1, 1]), v)),
    ("setitem", None),
    ("scatter", lambda t, x, v: x.scatter(1, t.tensor([[1, 1, 3], [0, 2, 0], [3, 3, 3]]), v)),
    ("max_unpool1d", lambda t, x, v: t.nn.functional.max_unpool1d(
        v.reshape(1, 3, 4), t.tensor(POOL_IDX), 3, 2, output_size=[9])),
    ("vander_zero", lambda t, x, v: t.vander(x[0] * t.tensor([1.0, 0, 1, 1]).double(), 4)),
]
# max_pool1d(kernel 3, stride 2) indices of 9 samples: neighbouring windows share maxima
POOL_IDX = T.nn.functional.max_pool1d(T.tensor(
    [[[0.0, 1, 5, 0, 2, 0, 1, 0, 3], [4, 0, 0, 0, 1, 0, 2, 0, 0], [0, 0, 1, 0, 0, 2, 0, 1, 0]]]),
    3, 2, return_indices=True)[1].numpy()
assert (np.diff(POOL_IDX, axis=-1) == 0).any()


def _setitem(t, x, v):
    y = x.clone()
    y[t.tensor([2, 0, 2])] = v
    return y


@pytest.mark.parametrize("name,f", REPEATED, ids=[c[0] for c in REPEATED])
def test_repeated_indices_last_write_wins(name, f):
    f = f or _setitem
    v = RNG.standard_normal((3, 4))
    want = _np(f(T, T.tensor(X), T.tensor(v)))
    got = _np(f(D, D.tensor(X), D.tensor(v)))
    np.testing.assert_array_equal(got, want)
    # gradients: finite differences (PyTorch's backward gathers g for the overwritten writes
    # too; dlcore gives the derivative, 0 there)
    g = np.random.default_rng(5).standard_normal(want.shape)
    grads = _grads(D, f, X, v, seed=5)

    def fun(a, b):
        return _np(f(D, D.tensor(a), D.tensor(b)))
    for k in (0, 1):
        np.testing.assert_allclose(grads[k], _fd(fun, [X.copy(), v], k, g), atol=1e-7)


def test_max_unpool2d_after_overlapping_max_pool():
    x = np.random.default_rng(1).integers(0, 3, (2, 2, 7, 7)).astype(np.float32)
    _, i = T.nn.functional.max_pool2d(T.tensor(x), 3, 2, return_indices=True)
    assert (np.bincount(i.numpy().ravel()) > 1).any()          # repeated indices
    v = np.random.default_rng(2).standard_normal(tuple(i.shape)).astype(np.float32)
    want = T.nn.functional.max_unpool2d(T.tensor(v), i, 3, 2, output_size=(7, 7))
    got = D.nn.functional.max_unpool2d(D.tensor(v), D.tensor(i.numpy()), 3, 2,
                                       output_size=(7, 7))
    np.testing.assert_array_equal(_np(got), _np(want))
    got1 = D.nn.MaxUnpool2d(3, 2)(D.tensor(v), D.tensor(i.numpy()), output_size=(7, 7))
    np.testing.assert_array_equal(_np(got1), _np(want))


# ----------------------------------------------------------------------------- errors
ERRORS = [
    ("put_range", lambda t, x: x.put(t.tensor([12]), t.tensor([1.0]).double())),
    ("index_put_range", lambda t, x: x.index_put((t.tensor([0]), t.tensor([7])),
                                                 t.tensor(1.0).double())),
    ("index_copy_range", lambda t, x: x.index_copy(0, t.tensor([5]), t.ones(1, 4).double())),
    ("index_copy_count", lambda t, x: x.index_copy(0, t.tensor([0]), t.ones(2, 4).double())),
    ("index_fill_value", lambda t, x: x.index_fill(0, t.tensor([1]),
                                                   t.tensor([1.0, 2]).double())),
    ("masked_scatter_short", lambda t, x: x.masked_scatter(x > -100, t.ones(4).double())),
    ("scatter_reduce_name", lambda t, x: x.scatter_reduce(0, t.tensor([[0]]),
                                                          t.ones(1, 1).double(), "foo")),
    ("select_scatter_size", lambda t, x: t.select_scatter(x, t.ones(3).double(), 0, 0)),
    ("slice_scatter_size", lambda t, x: t.slice_scatter(x, t.ones(3, 3).double(), 1, 0, 4)),
    ("diagonal_scatter_size", lambda t, x: t.diagonal_scatter(x, t.ones(4).double())),
    ("combinations_2d", lambda t, x: t.combinations(x, 2)),
    ("vander_2d", lambda t, x: t.vander(x)),
    ("tensordot_sizes", lambda t, x: t.tensordot(x, t.ones(3, 5).double(), 1)),
    ("tensordot_lists", lambda t, x: t.tensordot(x, x, ([1], [0, 1]))),
    ("tensordot_dtype", lambda t, x: t.tensordot(x, t.ones(4, 2), 1)),
    ("cartesian_dtype", lambda t, x: t.cartesian_prod(x[0], t.tensor([1, 2]))),
    ("index_copy_negative", lambda t, x: x.index_copy(0, t.tensor([-1]), t.ones(1, 4).double())),
    ("scatter_negative", lambda t, x: x.scatter(1, t.tensor([[-1]]), 2.0)),
    ("scatter_reduce_range", lambda t, x: x.scatter_reduce(0, t.tensor([[3]]),
                                                           t.ones(1, 1).double(), "sum")),
    ("scatter_dtype", lambda t, x: x.scatter(1, t.tensor([[1]]), t.ones(1, 1))),
    ("index_put_dtype", lambda t, x: x.index_put((t.tensor([1]),), t.tensor(5))),
    ("index_copy_dtype", lambda t, x: x.index_copy(0, t.tensor([1]), t.ones(1, 4))),
    ("masked_scatter_dtype", lambda t, x: x.masked_scatter(x > 0, t.ones(12).long())),
    ("put_dtype", lambda t, x: x.put(t.tensor([1]), t.ones(1))),
    ("index_reduce_name", lambda t, x: x.index_reduce(0, t.tensor([0]), x[:1], "sum")),
    ("index_reduce_range", lambda t, x: x.index_reduce(0, t.tensor([-1]), x[:1], "amax")),
    ("index_reduce_count", lambda t, x: x.index_reduce(0, t.tensor([0, 1]), x[:1], "amax")),
]


@pytest.mark.parametrize("name,f", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(name, f):
    with pytest.raises(Exception) as want:
        f(T, T.tensor(X))
    before = X.copy()
    x = D.tensor(X)
    with pytest.raises(want.type) as got:
        f(D, x)
    assert str(got.value) == str(want.value)
    np.testing.assert_array_equal(_np(x), before)


def test_cuda_simulator_index_put_and_scatter_reduce():
    if not D.cuda.is_available():
        pytest.skip("no CUDA device or simulator")
    x = D.tensor(X).cuda()
    y = x.index_put((D.tensor([2, 0, 2]).cuda(),), D.tensor(S8[0]).cuda())
    want = T.tensor(X).index_put((T.tensor([2, 0, 2]),), T.tensor(S8[0]))
    np.testing.assert_array_equal(_np(y), _np(want))
    z = x.scatter_reduce(0, D.tensor([[0, 1, 0, 2]]).cuda(), D.tensor(S8[:1]).cuda(), "amin")
    want = T.tensor(X).scatter_reduce(0, T.tensor([[0, 1, 0, 2]]), T.tensor(S8[:1]), "amin")
    np.testing.assert_array_equal(_np(z), _np(want))


def test_max_unpool3d_and_module():
    x = np.random.default_rng(4).integers(0, 3, (1, 2, 5, 5, 5)).astype(np.float64)
    _, i = T.nn.functional.max_pool3d(T.tensor(x), 3, 2, return_indices=True)
    assert (np.bincount(i.numpy().ravel()) > 1).any()
    v = np.random.default_rng(6).standard_normal(tuple(i.shape))
    want = T.nn.functional.max_unpool3d(T.tensor(v), i, 3, 2, output_size=(5, 5, 5))
    got = D.nn.functional.max_unpool3d(D.tensor(v), D.tensor(i.numpy()), 3, 2,
                                       output_size=[1, 2, 5, 5, 5])
    np.testing.assert_array_equal(_np(got), _np(want))
    m, tm = D.nn.MaxUnpool3d(3, 2), T.nn.MaxUnpool3d(3, 2)
    assert repr(m) == repr(tm)
    np.testing.assert_array_equal(_np(m(D.tensor(v[0]), D.tensor(i.numpy()[0]))),
                                  _np(tm(T.tensor(v[0]), i[0])))          # unbatched, default size
    for size in ((7, 5, 5), (5, 5)):
        with pytest.raises(ValueError) as w:
            T.nn.functional.max_unpool3d(T.tensor(v), i, 3, 2, output_size=size)
        with pytest.raises(ValueError) as g:
            D.nn.functional.max_unpool3d(D.tensor(v), D.tensor(i.numpy()), 3, 2,
                                         output_size=size)
        assert str(g.value) == str(w.value)
