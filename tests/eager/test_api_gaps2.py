"""PyTorch API gaps, second round: einsum with ellipsis/diagonals/broadcasting, matrix inverse and
SVD-based norms, unique over a dim and unique_consecutive, exact gradients of cumprod and of
norms/cdist at zero.  Values, gradients and error messages against the real PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _pair(values, grad=True):
    return (dt.tensor(values, requires_grad=grad), torch.tensor(values, requires_grad=grad))


def _compare(f, *arrays, rtol=1e-9, atol=1e-11, grad=True):
    """f(module, *tensors) in both libraries: values, then gradients with a random cotangent."""
    ours = [dt.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ya, yb = f(dt, *ours), f(torch, *theirs)
    assert tuple(ya.shape) == tuple(yb.shape)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=rtol, atol=atol)
    if grad and yb.requires_grad:
        g = RNG.standard_normal(tuple(yb.shape))
        ya.backward(dt.tensor(g))
        yb.backward(torch.tensor(g))
        for a, b in zip(ours, theirs):
            if b.requires_grad:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol * 10,
                                           atol=atol * 10)
    return ya


# ----------------------------------------------------------------------------- einsum
EINSUM = [
    ("...ij,...jk", [(4, 2, 3), (5, 1, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 3), (4, 3, 2)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("...ij->ij", [(4, 2, 3)]),
    ("...ij->...", [(4, 2, 3)]),
    ("...,...->...", [(2, 3), (3,)]),
    ("ij,ij->ij", [(2, 1), (2, 3)]),
    ("ij,jk", [(2, 1), (3, 2)]),
    ("bi,bi->b", [(3, 4), (3, 4)]),
    ("i,j", [(3,), (4,)]),
    ("ij->j...", [(2, 3)]),
    ("Ba,aB", [(2, 3), (3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("abc,cd,a->bd", [(2, 3, 4), (4, 5), (2,)]),
    ("i...,i...->...", [(3, 2, 2), (3, 2)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("ij,->ij", [(2, 3), ()]),
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_matches_torch(eq, shapes):
    xs = [RNG.standard_normal(s) for s in shapes]
    _compare(lambda m, *ts: m.einsum(eq, *ts), *xs)


def test_einsum_forms_and_dtypes():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
    ours = dt.einsum(dt.tensor(a), [0, 1], dt.tensor(b), [1, 2], [0, 2])
    np.testing.assert_allclose(ours.numpy(), a @ b)
    ours = dt.einsum("ij,jk", [dt.tensor(a), dt.tensor(b)])
    np.testing.assert_allclose(ours.numpy(), a @ b)
    i = dt.einsum("ij,jk", dt.ones(2, 3, dtype=dt.int32), dt.ones(3, 2, dtype=dt.int32))
    assert i.dtype == dt.int32 and i.tolist() == [[3, 3], [3, 3]]
    f = dt.einsum("ij,jk", dt.ones(2, 3), dt.ones(3, 2))
    assert f.dtype == dt.float32


@pytest.mark.parametrize("eq,shapes,exc", [
    ("ij,jk", [(2, 3)], RuntimeError),
    ("ij", [(2, 3), (3, 4)], RuntimeError),
    ("ijk", [(2, 3)], RuntimeError),
    ("i...j", [(2,)], RuntimeError),
    ("ij->k", [(2, 3)], RuntimeError),
    ("ij->ii", [(2, 3)], RuntimeError),
    ("ij,ij->ij", [(2, 3), (3, 4)], RuntimeError),
    ("ii->i", [(2, 3)], RuntimeError),
    ("i.j", [(2, 3)], RuntimeError),
    ("...i...", [(2, 3)], RuntimeError),
    ("i1", [(2, 3)], RuntimeError),
    ("ij->i->j", [(2, 3)], RuntimeError),
])
def test_einsum_errors_read_as_torch(eq, shapes, exc):
    with pytest.raises(exc) as theirs:
        torch.einsum(eq, *[torch.ones(s) for s in shapes])
    with pytest.raises(exc) as ours:
        dt.einsum(eq, *[dt.ones(*s) for s in shapes])
    assert str(ours.value).startswith(str(theirs.value).splitlines()[0])


def test_einsum_operand_type_errors():
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        dt.einsum("ij,jk", dt.ones(2, 3), dt.ones(3, 2, dtype=dt.float64))
    with pytest.raises(TypeError, match="expected Tensor as element 1 in argument 1, but got int"):
        dt.einsum("ij,jk", dt.ones(2, 3), 3)


# ----------------------------------------------------------------------------- grads at zero
def _with_zeros(shape=(4, 6)):
    x = RNG.standard_normal(shape)
    x[0, 2] = x[1, 0] = x[1, 3] = x[2, -1] = x[3, 1] = x[3, 2] = 0.0
    return x


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_with_zeros_is_exact_to_second_order(dim):
    x = _with_zeros()
    a, b = _pair(x)
    g = RNG.standard_normal(x.shape)
    ga, = dt.autograd.grad(dt.cumprod(a, dim), a, dt.tensor(g), create_graph=True)
    gb, = torch.autograd.grad(torch.cumprod(b, dim), b, torch.tensor(g), create_graph=True)
    assert np.isfinite(ga.detach().numpy()).all()
    np.testing.assert_allclose(ga.detach().numpy(), gb.detach().numpy(), rtol=1e-12, atol=1e-12)
    h = RNG.standard_normal(x.shape)
    (ga * dt.tensor(h)).sum().backward()
    (gb * torch.tensor(h)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [2, 1, 3, 1.5, 0.5, float("inf"), -1])
def test_vector_norm_gradient_at_zero_matches_torch(p):
    x = _with_zeros((4, 5))
    x[1] = 0.0
    for dim in (1, None):
        _compare(lambda m, t: m.linalg.vector_norm(t, p, dim), x)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, float("inf")])
def test_cdist_gradient_at_zero_distance_is_zero(p):
    y = RNG.standard_normal((3, 4))
    z = np.concatenate([y[:2], RNG.standard_normal((2, 4))])
    out = _compare(lambda m, a, b: m.cdist(a, b, p), y, z)
    assert out.detach().numpy()[0, 0] == 0.0
    _compare(lambda m, a: m.dist(a, a * 1.0), y)


# ----------------------------------------------------------------------------- inv, svd, norms
def _well_conditioned(shape):
    return RNG.uniform(-0.9, 0.9, shape) + 3.0 * np.eye(shape[-1])


@pytest.mark.parametrize("n", [-1, -2, -3, 2])
def test_matrix_power_negative_and_inverse_match_torch(n):
    a = _well_conditioned((2, 3, 3))
    _compare(lambda m, t: m.linalg.matrix_power(t, n), a, rtol=1e-9)
    _compare(lambda m, t: m.linalg.inv(t), a[0])
    _compare(lambda m, t: t.inverse(), a)
    _compare(lambda m, t: m.inverse(t), a[1])


def test_inverse_errors_read_as_torch():
    cases = [np.ones((2, 3)), np.ones(3), np.array([[1.0, 2.0], [2.0, 4.0]]),
             np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]), np.ones((2, 2), np.int64)]
    for x in cases:
        with pytest.raises(RuntimeError) as theirs:
            torch.linalg.inv(torch.tensor(x))
        with pytest.raises(RuntimeError) as ours:
            dt.linalg.inv(dt.tensor(x))
        assert str(ours.value).startswith(str(theirs.value).splitlines()[0]), x
    with pytest.raises(dt.linalg.LinAlgError):
        dt.linalg.matrix_power(dt.tensor([[1.0, 2.0], [2.0, 4.0]]), -1)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf")])
def test_matrix_norms_match_torch(ord):
    a = RNG.standard_normal((2, 3, 4))
    _compare(lambda m, t: m.linalg.matrix_norm(t, ord), a)
    _compare(lambda m, t: m.linalg.matrix_norm(t, ord, dim=(0, 2), keepdim=True), a)
    _compare(lambda m, t: m.linalg.norm(t, ord), a[0])
    _compare(lambda m, t: m.linalg.norm(t, ord, dim=(-1, 0)), a)


def test_norm_errors_read_as_torch():
    for f in [lambda m: m.linalg.matrix_norm(m.ones(2, 3), 3),
              lambda m: m.linalg.matrix_norm(m.ones(3)),
              lambda m: m.linalg.matrix_norm(m.ones(2, 3), dim=(0, 0)),
              lambda m: m.linalg.norm(m.ones(2, 3, 4), "nuc"),
              lambda m: m.linalg.matrix_norm(m.ones(2, 3, dtype=m.int64))]:
        with pytest.raises(RuntimeError) as theirs:
            f(torch)
        with pytest.raises(RuntimeError) as ours:
            f(dt)
        assert str(ours.value).startswith(str(theirs.value).splitlines()[0])


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
def test_svd_matches_torch(shape):
    a = RNG.standard_normal(shape)
    _compare(lambda m, t: m.linalg.svdvals(t), a)
    # sign-invariant functions of U and Vh (their signs are LAPACK's choice), with gradients
    _compare(lambda m, t: (lambda r: r.U @ r.U.mT)(m.linalg.svd(t, full_matrices=False)), a,
             rtol=1e-8)
    _compare(lambda m, t: (lambda r: r.Vh.mT @ r.Vh)(m.linalg.svd(t, full_matrices=False)), a,
             rtol=1e-8)
    _compare(lambda m, t: (lambda r: (r.U * r.S.unsqueeze(-2)) @ r.V.mT)(m.svd(t)), a)
    u, s, vh = dt.linalg.svd(dt.tensor(a))            # full_matrices=True by default
    k = min(shape[-2:])
    assert u.shape == shape[:-1] + (shape[-2],) and vh.shape == shape[:-2] + (shape[-1],) * 2
    np.testing.assert_allclose((u[..., :k] * s.unsqueeze(-2) @ vh[..., :k, :]).numpy(), a,
                               atol=1e-12)
    np.testing.assert_allclose((u.mT @ u).numpy(), np.broadcast_to(np.eye(shape[-2]),
                                                                  u.shape), atol=1e-12)
    r = dt.svd(dt.tensor(a), compute_uv=False)
    assert float(r.U.abs().sum()) == 0.0 and r.V.shape[-1] == shape[-1]


def test_svd_and_inverse_on_cuda_simulator():
    x = _well_conditioned((2, 3, 3)).astype(np.float32)
    y = dt.linalg.inv(dt.tensor(x).cuda())
    np.testing.assert_allclose(y.cpu().numpy(), np.linalg.inv(x), rtol=1e-5, atol=1e-6)
    with pytest.raises(dt.linalg.LinAlgError, match=r"\(Batch element 1\): The diagonal "
                                                    r"element 2 is zero"):
        dt.linalg.inv(dt.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]]).cuda())
    for a in [RNG.standard_normal((4, 2)), RNG.standard_normal((2, 3)),
              np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])]:          # rank 1: completion
        for full in (False, True):
            u, s, vh = (t.cpu().numpy() for t in dt.linalg.svd(dt.tensor(a).cuda(), full))
            k = min(a.shape)
            np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-12)
            np.testing.assert_allclose((u[:, :k] * s) @ vh[:k], a, atol=1e-12)
            np.testing.assert_allclose(u.T @ u, np.eye(u.shape[1]), atol=1e-12)
            np.testing.assert_allclose(vh @ vh.T, np.eye(vh.shape[0]), atol=1e-12)


# ----------------------------------------------------------------------------- unique
UNIQUE_INPUTS = [np.array([[1, 2, 1], [0, 3, 0], [1, 2, 1], [0, 3, 0], [1, 1, 1]]),
                 np.random.default_rng(3).integers(0, 2, (6, 3, 2)),
                 np.array([3, 3, 1, 2, 2, 3, 1]), np.zeros((0, 3), np.int64),
                 np.array([[1.0, np.nan], [1.0, np.nan], [0.0, 1.0]])]


@pytest.mark.parametrize("fn", ["unique", "unique_consecutive"])
@pytest.mark.parametrize("k", range(len(UNIQUE_INPUTS)))
def test_unique_with_dim_and_consecutive_match_torch(fn, k):
    x = UNIQUE_INPUTS[k]
    for dim in [None] + [d for d in range(-x.ndim, x.ndim) if x.size or x.shape[d] == 0]:
        for kw in ({}, {"return_inverse": True}, {"return_counts": True},
                   {"return_inverse": True, "return_counts": True}):
            a = getattr(dt, fn)(dt.tensor(x), dim=dim, **kw)
            b = getattr(torch, fn)(torch.tensor(x), dim=dim, **kw)
            a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
            assert len(a) == len(b)
            for u, v in zip(a, b):
                assert tuple(u.shape) == tuple(v.shape) and u.numpy().dtype == v.numpy().dtype
                np.testing.assert_array_equal(u.numpy(), v.numpy())
    assert dt.tensor(x).unique(dim=0).shape == torch.tensor(x).unique(dim=0).shape


def test_unique_dim_errors():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range "
                                         r"of \[-2, 1\], but got 2\)"):
        dt.unique(dt.ones(2, 3), dim=2)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no "
                                         "dimensions"):
        dt.unique(dt.tensor(5), dim=0)
    with pytest.raises(RuntimeError, match="There are 0 sized dimensions, and they aren't "
                                           "selected, so unique cannot be applied"):
        dt.unique_consecutive(dt.zeros(0, 3), dim=1)
