"""torch.linalg's solvers and factorizations (solve, solve_triangular, cholesky(_ex), qr, eigh,
eigvalsh, det, slogdet, logdet, lstsq, pinv, matrix_rank, multi_dot, cholesky_solve/inverse,
triangular_solve, Tensor methods) against the real PyTorch 2.13: values, gradients for a random
cotangent (float64), double backward where natural, and error types and messages."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)


def _spd(shape):
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _well(shape):
    return RNG.uniform(-0.9, 0.9, shape) + 3.0 * np.eye(shape[-1])


def _leaves(f, mod, arrays):
    ts = [mod.tensor(a, requires_grad=True) for a in arrays]
    return ts, f(mod, *ts)


def _compare(f, *arrays, rtol=1e-9, atol=1e-10, grad=True):
    """f(module, *tensors) in both libraries: values, then gradients for a random cotangent."""
    ours, ya = _leaves(f, dt, arrays)
    theirs, yb = _leaves(f, torch, arrays)
    ya = ya if isinstance(ya, tuple) else (ya,)
    yb = yb if isinstance(yb, tuple) else (yb,)
    for a, b in zip(ya, yb):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    if not grad:
        return
    ga = gb = 0
    for a, b in zip(ya, yb):
        if b.requires_grad and b.dtype.is_floating_point:
            g = RNG.standard_normal(tuple(b.shape))
            ga = ga + (a * dt.tensor(g)).sum()
            gb = gb + (b * torch.tensor(g)).sum()
    ga.backward()
    gb.backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol * 100,
                                   atol=atol * 100)


# ----------------------------------------------------------------------------- values, grads
def test_solve_forms():
    a, b = _well((2, 3, 3)), RNG.standard_normal((2, 3, 2))
    _compare(lambda m, x, y: m.linalg.solve(x, y), a, b)
    _compare(lambda m, x, y: m.linalg.solve(x, y), a, b[..., 0])           # batch of vectors
    _compare(lambda m, x, y: m.linalg.solve(x, y), a, b[0, :, 0])          # one vector
    _compare(lambda m, x, y: m.linalg.solve(x, y), a[0], b)                # broadcast A
    _compare(lambda m, x, y: m.linalg.solve(x, y, left=False), a, np.swapaxes(b, -1, -2))


@pytest.mark.parametrize("upper,left,unit", [(True, True, False), (False, True, True),
                                             (False, False, False)])
def test_solve_triangular(upper, left, unit):
    a = _well((2, 3, 3))
    b = RNG.standard_normal((2, 3, 2) if left else (2, 2, 3))
    _compare(lambda m, x, y: m.linalg.solve_triangular(x, y, upper=upper, left=left,
                                                      unitriangular=unit), a, b)


def test_triangular_solve_legacy_and_cholesky_helpers():
    a, b, s = _well((3, 3)), RNG.standard_normal((3, 2)), _spd((2, 3, 3))
    _compare(lambda m, y, x: m.triangular_solve(y, x)[0], b, a)
    _compare(lambda m, y, x: m.triangular_solve(y, x, upper=False, transpose=True)[0], b, a)
    lo = np.linalg.cholesky(s)
    _compare(lambda m, y, x: m.cholesky_solve(y, x), b, lo)
    _compare(lambda m, y, x: m.cholesky_solve(y, x, upper=True), b,
             np.swapaxes(lo, -1, -2))
    _compare(lambda m, x: m.cholesky_inverse(x), lo[0])
    r = dt.triangular_solve(dt.tensor(b), dt.tensor(a))
    assert r._fields == ("solution", "cloned_coefficient")


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(upper):
    s = _spd((2, 3, 3))
    _compare(lambda m, x: m.linalg.cholesky(x, upper=upper), s)
    _compare(lambda m, x: x.cholesky(upper=upper), s[0])
    # only the lower triangle is read, and the gradient is PyTorch's symmetric one
    _compare(lambda m, x: m.linalg.cholesky(x), np.tril(s) + np.triu(RNG.standard_normal(
        (3, 3)), 1))


@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((3, 3), "complete"),
                                        ((2, 3, 5), "reduced"), ((3, 5), "complete"),
                                        ((4, 2), "r")])
def test_qr(shape, mode):
    a = RNG.standard_normal(shape)
    _compare(lambda m, x: m.linalg.qr(x, mode=mode), a, grad=mode != "r")


def test_qr_legacy_and_method():
    a = RNG.standard_normal((4, 3))
    _compare(lambda m, x: m.qr(x), a)
    _compare(lambda m, x: x.qr(some=False), a, grad=False)


def _reconstruct_squared(r):
    return (r.eigenvectors * r.eigenvalues.unsqueeze(-2) ** 2) @ r.eigenvectors.mT


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(uplo):
    s = _spd((2, 4, 4)) + np.triu(RNG.standard_normal((4, 4)), 1)    # only one triangle read
    _compare(lambda m, x: m.linalg.eigvalsh(x, UPLO=uplo), s)
    # eigenvectors up to sign: compare V diag(L^2) V^T and |V|
    _compare(lambda m, x: _reconstruct_squared(m.linalg.eigh(x, UPLO=uplo)), s)
    _compare(lambda m, x: m.linalg.eigh(x, UPLO=uplo).eigenvectors.abs(), s)


def test_determinants():
    a = RNG.standard_normal((2, 3, 3))
    _compare(lambda m, x: m.linalg.det(x), a)
    _compare(lambda m, x: x.det(), a[0])
    _compare(lambda m, x: m.linalg.slogdet(x), a)
    _compare(lambda m, x: m.slogdet(x)[1], a)
    _compare(lambda m, x: m.logdet(x), _spd((2, 3, 3)))
    _compare(lambda m, x: x.logdet(), a, grad=False)                 # NaN where det < 0
    r = dt.linalg.slogdet(dt.tensor(a))
    assert r._fields == ("sign", "logabsdet")
    # a singular matrix in a batch: det's gradient is 0 there, as PyTorch's
    _compare(lambda m, x: m.linalg.det(x), np.array([[[1.0, 2], [2, 4]], [[1.0, 0.5], [0, 3]]]))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_pinv_rank(shape):
    a = RNG.standard_normal(shape)
    _compare(lambda m, x: m.linalg.pinv(x), a, rtol=1e-8)
    _compare(lambda m, x: x.pinverse(), a, rtol=1e-8)
    _compare(lambda m, x: m.linalg.matrix_rank(x), a, grad=False)
    if shape[-1] == shape[-2]:
        _compare(lambda m, x: m.linalg.pinv(x, hermitian=True), _spd(shape), rtol=1e-8)
    low = RNG.standard_normal(shape[:-1] + (1,)) @ RNG.standard_normal((1, shape[-1]))
    _compare(lambda m, x: m.linalg.matrix_rank(x), low, grad=False)
    _compare(lambda m, x: m.linalg.matrix_rank(x, atol=1.0, rtol=0.0), a, grad=False)
    _compare(lambda m, x: m.linalg.pinv(x), low, rtol=1e-7, grad=False)


TOLERANCES = [   # atol / rtol as tensors: broadcast against the batch (atol.unsqueeze(-1))
    {"atol": [0.1, 2.5]}, {"atol": [0.0, -1.0]}, {"rtol": [0.5, 0.01]},
    {"atol": 0.5, "rtol": [0.3, 0.9]}, {"atol": [[0.1], [3.0]]}, {"rtol": 0.4}]


@pytest.mark.parametrize("kw", TOLERANCES)
@pytest.mark.parametrize("hermitian", [False, True])
def test_pinv_rank_tensor_tolerances(kw, hermitian):
    a = _spd((2, 3, 3)) - 3.5 * np.eye(3) if hermitian else RNG.standard_normal((2, 3, 3))
    a[1, 2] = a[1, 0] + 1e-9 if not hermitian else a[1, 2]
    for f in (lambda m, x: m.linalg.pinv(x, hermitian=hermitian, **{
                  k: m.tensor(v) for k, v in kw.items()}),
              lambda m, x: m.linalg.matrix_rank(x, hermitian=hermitian, **{
                  k: m.tensor(v) for k, v in kw.items()})):
        _compare(f, a, rtol=1e-6, atol=1e-6, grad=False)


def test_cholesky_of_empty_inputs():
    """Empty batches factor to empty results; the legacy torch.cholesky returns any empty
    input's shape (0x3 included: no square check), linalg.cholesky refuses it."""
    for shape in [(0, 3, 3), (2, 0, 0), (0, 0)]:
        _compare(lambda m, x: m.linalg.cholesky(x), np.zeros(shape), grad=False)
        _compare(lambda m, x: m.linalg.cholesky_ex(x), np.zeros(shape), grad=False)
    for shape in [(0, 3), (3, 0), (2, 0, 3)]:
        _compare(lambda m, x: m.cholesky(x), np.zeros(shape), grad=False)
        assert dt.zeros(shape, dtype=dt.int64).cholesky().dtype == dt.int64


LINSPACE = [(0, 1, 10), (-3.3, 7.1, 17), (1e-3, 5, 100), (2, -5, 33), (-1, 1, 1000),
            (0.1, 7.3, 9), (0.5, 10.7, 4), (-9208, 572, 137), (3, 3, 1), (0, 1, 0)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64",
                                   "uint8"])
def test_linspace_logspace_bit_for_bit(dtype):
    """PyTorch's kernel: the second half counted back from ``end``, fused multiply-adds."""
    for start, end, n in LINSPACE:
        if dtype == "uint8" and min(start, end) < 0:
            continue
        want = torch.linspace(start, end, n, dtype=getattr(torch, dtype)).float().numpy()
        got = dt.linspace(start, end, n, dtype=getattr(dt, dtype)).float().numpy()
        np.testing.assert_array_equal(got, want, err_msg=f"linspace{start, end, n}")
        if dtype in ("float32", "float64", "float16", "bfloat16") and \
                max(abs(start), abs(end)) < 10:
            for base in (2.0, 10.0):         # (float64: the C library's pow, as torch's)
                want = torch.logspace(start, end, n, base, dtype=getattr(torch, dtype))
                got = dt.logspace(start, end, n, base, dtype=getattr(dt, dtype))
                np.testing.assert_array_equal(got.double().numpy(), want.double().numpy(),
                                              err_msg=f"logspace{start, end, n, base}")
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        dt.linspace(0, 1, -1)


@pytest.mark.parametrize("driver", [None, "gelsd", "gels"])
def test_lstsq(driver):
    a, b = RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5, 2))
    _compare(lambda m, x, y: m.linalg.lstsq(x, y, driver=driver).solution, a, b, rtol=1e-8)
    ours = dt.linalg.lstsq(dt.tensor(a), dt.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for f in ("residuals", "rank", "singular_values"):
        x, y = getattr(ours, f), getattr(theirs, f)
        assert tuple(x.shape) == tuple(y.shape), f
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-8, err_msg=f)
    _compare(lambda m, x, y: m.linalg.lstsq(x, y).solution, a[0, :3], b[0, :3, 0])  # vector


def test_lstsq_underdetermined():
    a, b = RNG.standard_normal((3, 5)), RNG.standard_normal((3, 2))
    _compare(lambda m, x, y: m.linalg.lstsq(x, y).solution, a, b, rtol=1e-8)


def test_multi_dot():
    xs = [RNG.standard_normal(s) for s in [(4,), (4, 2), (2, 6), (6, 3), (3,)]]
    _compare(lambda m, *t: m.linalg.multi_dot(t), *xs)
    _compare(lambda m, *t: m.linalg.multi_dot(t), *xs[1:4])


def test_double_backward_of_solve_and_cholesky():
    a, s = _well((3, 3)), _spd((3, 3))
    for f in (lambda m, x: m.linalg.solve(x, x[:, :1]).sum(),
              lambda m, x: m.linalg.cholesky(x).pow(2).sum(),
              lambda m, x: m.linalg.slogdet(x).logabsdet):
        for arr in (a, s):
            if f is not None:
                res = []
                for mod in (dt, torch):
                    x = mod.tensor(arr, requires_grad=True)
                    (g,) = mod.autograd.grad(f(mod, x), x, create_graph=True)
                    (gg,) = mod.autograd.grad((g * g).sum(), x)
                    res.append(gg.detach().numpy())
                np.testing.assert_allclose(res[0], res[1], rtol=1e-7, atol=1e-9)
            break


def test_cholesky_ex_and_linalgerror():
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    for arr in (bad, np.array([[4.0, 2, 1], [2, 1, 3], [1, 3, 5]]), _spd((3, 3))):
        ours = dt.linalg.cholesky_ex(dt.tensor(arr))
        theirs = torch.linalg.cholesky_ex(torch.tensor(arr))
        np.testing.assert_allclose(ours.L.numpy(), theirs.L.numpy(), rtol=1e-12)
        assert ours.info.dtype == dt.int32 and int(ours.info) == int(theirs.info)
    assert issubclass(dt.linalg.LinAlgError, RuntimeError)
    with pytest.raises(dt.linalg.LinAlgError, match=r"^linalg.cholesky_ex: The factorization"):
        dt.linalg.cholesky_ex(dt.tensor(bad), check_errors=True)


@pytest.mark.parametrize("scale", [0.1, 8.0])
def test_matrix_exp(scale):
    a = RNG.standard_normal((2, 3, 3)) * scale           # 8.0: several squarings
    _compare(lambda m, x: m.linalg.matrix_exp(x), a, rtol=1e-12)
    _compare(lambda m, x: x.matrix_exp(), a[0], rtol=1e-12)


def test_inv_ex():
    sing = np.array([[[1.0, 2, 3], [2, 4, 6], [1, 0, 1]], np.eye(3) * 2])
    ours, theirs = dt.linalg.inv_ex(dt.tensor(sing)), torch.linalg.inv_ex(torch.tensor(sing))
    np.testing.assert_array_equal(ours.inverse.numpy(), theirs.inverse.numpy())
    assert ours.info.tolist() == theirs.info.tolist() and ours.info.dtype == dt.int32
    _compare(lambda m, x: m.linalg.inv_ex(x).inverse, _well((2, 3, 3)))
    with pytest.raises(dt.linalg.LinAlgError, match=r"^linalg.inv_ex: \(Batch element 0\): "
                       "The diagonal element 3 is zero"):
        dt.linalg.inv_ex(dt.tensor(sing), check_errors=True)


@pytest.mark.parametrize("shape", [(2, 3, 3), (3, 5), (5, 3)])
def test_lu(shape):
    a = RNG.standard_normal(shape)
    _compare(lambda m, x: m.linalg.lu(x), a)
    _compare(lambda m, x: m.linalg.lu_factor(x), a)
    sing = np.array([[[1.0, 2], [3, 4]], [[1.0, 2], [2, 4]]])
    ours, theirs = dt.linalg.lu_factor_ex(dt.tensor(sing)), torch.linalg.lu_factor_ex(
        torch.tensor(sing))
    for x, y in zip(ours, theirs):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
        assert str(x.dtype) == str(y.dtype)


@pytest.mark.parametrize("kw", [{}, {"adjoint": True}, {"left": False},
                                {"left": False, "adjoint": True}])
def test_lu_solve_through_lu_factor(kw):
    a, b = _well((2, 4, 4)), RNG.standard_normal((2, 4, 3))
    b = b if kw.get("left", True) else np.swapaxes(b, -1, -2)
    _compare(lambda m, x, y: m.linalg.lu_solve(*m.linalg.lu_factor(x), y, **kw), a, b)


@pytest.mark.parametrize("shape", [(2, 3, 5), (5, 3)])
def test_lu_unpack_and_legacy_lu_solve(shape):
    a = RNG.standard_normal(shape)
    _compare(lambda m, x: m.lu_unpack(*m.linalg.lu_factor(x)), a)
    b = RNG.standard_normal((3, 2))
    _compare(lambda m, x, y: m.lu_solve(y, *m.linalg.lu_factor(x)), _well((3, 3)), b)


def test_solve_ex():
    sing = np.array([[1.0, 2], [2, 4]])
    for a, b, kw in [(np.stack([np.eye(2), sing]), np.ones((2, 2)), {}), (sing, np.ones(2), {}),
                     (np.stack([2 * np.eye(2), sing]), np.ones((2, 1, 2)), {"left": False})]:
        ours = dt.linalg.solve_ex(dt.tensor(a), dt.tensor(b), **kw)
        theirs = torch.linalg.solve_ex(torch.tensor(a), torch.tensor(b), **kw)
        np.testing.assert_array_equal(ours.result.numpy(), theirs.result.numpy())
        assert ours.info.tolist() == theirs.info.tolist()
    _compare(lambda m, x, y: m.linalg.solve_ex(x, y).result, _well((2, 3, 3)),
             RNG.standard_normal((2, 3)))
    with pytest.raises(dt.linalg.LinAlgError, match="^torch.linalg.solve_ex: The solver"):
        dt.linalg.solve_ex(dt.tensor(sing), dt.tensor(np.ones(2)), check_errors=True)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, float("inf")])
def test_cond(p):
    # torch 2.13 cannot differentiate its norm-based cond (an in-place write to inv_ex's
    # saved output): gradients are compared for the singular-value forms only
    _compare(lambda m, x: m.linalg.cond(x, p), RNG.standard_normal((2, 3, 3)), rtol=1e-8,
             grad=p in (None, 2, -2))
    singular = np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])
    if p in (None, 2, -2):
        # the singular-value forms divide by a singular value that is rounding noise (~1e-16):
        # its exact value depends on the LAPACK build (NumPy's OpenBLAS 3.09e16, torch's
        # 1.59e16 on an AMD EPYC; they agreed on an Intel machine), so only its size is TF's
        # and torch's contract: huge for 2 and None, tiny for -2
        got = float(dt.linalg.cond(dt.tensor(singular), p))
        assert (got < 1e-15) if p == -2 else (got > 1e15), (p, got)
    elif p != "nuc":   # torch's nuclear-norm cond of an exactly singular matrix is 1.8e16
        _compare(lambda m, x: m.linalg.cond(x, p), singular, grad=False)


def test_tensorinv_tensorsolve():
    _compare(lambda m, x: m.linalg.tensorinv(x, ind=1), RNG.standard_normal((6, 2, 3)))
    _compare(lambda m, x, y: m.linalg.tensorsolve(x, y), RNG.standard_normal((2, 3, 6)),
             RNG.standard_normal((2, 3)))
    _compare(lambda m, x, y: m.linalg.tensorsolve(x, y, dims=(0,)),
             RNG.standard_normal((6, 2, 3)), RNG.standard_normal((2, 3)), rtol=1e-8)


def test_vander_vecdot_diagonal_matmul():
    x = RNG.standard_normal((2, 3))
    _compare(lambda m, t: m.linalg.vander(t), x)
    _compare(lambda m, t: m.linalg.vander(t, N=4), x[0])
    assert dt.linalg.vander(dt.tensor([1, 2, 3])).dtype == dt.int64
    _compare(lambda m, a, b: m.linalg.vecdot(a, b), x, x[0])
    _compare(lambda m, a, b: m.linalg.vecdot(a, b, dim=0), x, x)
    _compare(lambda m, t: m.linalg.diagonal(t, offset=1), RNG.standard_normal((2, 3, 4)))
    _compare(lambda m, a, b: m.linalg.matmul(a, b), x, x[0])


# ----------------------------------------------------------------------------- errors
SING = np.array([[1.0, 2.0], [2.0, 4.0]])
NPD = np.array([[1.0, 2.0], [2.0, 1.0]])
ERRORS = [
    lambda m, T: m.linalg.cholesky(T(NPD)),
    lambda m, T: m.linalg.cholesky(T(np.stack([np.eye(2), NPD]))),
    lambda m, T: m.cholesky(T(NPD)),
    lambda m, T: m.linalg.cholesky(T(np.ones((2, 3)))),
    lambda m, T: m.linalg.cholesky(T(np.ones(3))),
    lambda m, T: m.linalg.cholesky(T(np.ones((2, 2), np.int64))),
    lambda m, T: m.linalg.solve(T(SING), T(np.ones(2))),
    lambda m, T: m.linalg.solve(T(np.stack([np.eye(2), SING])), T(np.ones((2, 2)))),
    lambda m, T: m.linalg.solve(T(np.ones((2, 3))), T(np.ones(2))),
    lambda m, T: m.linalg.solve(T(np.eye(3)), T(np.ones(2))),
    lambda m, T: m.linalg.solve(T(np.eye(3)), T(np.ones((2, 4)))),
    lambda m, T: m.linalg.solve(T(np.eye(3, dtype=np.float32)), T(np.ones(3))),
    lambda m, T: m.linalg.solve(T(np.eye(3)), T(np.ones(3)), left=False),
    lambda m, T: m.linalg.solve_triangular(T(np.ones((2, 3))), T(np.ones((2, 2))), upper=True),
    lambda m, T: m.linalg.solve_triangular(T(np.eye(3)), T(np.ones((2, 2))), upper=True),
    lambda m, T: m.linalg.solve_triangular(T(np.eye(3)), T(np.ones(3)), upper=True),
    lambda m, T: m.linalg.qr(T(np.ones((3, 2))), mode="x"),
    lambda m, T: m.linalg.qr(T(np.ones(3))),
    lambda m, T: m.linalg.eigh(T(np.ones((2, 3)))),
    lambda m, T: m.linalg.eigh(T(np.eye(2)), UPLO="X"),
    lambda m, T: m.linalg.det(T(np.ones((2, 3)))),
    lambda m, T: m.linalg.det(T(np.ones((2, 2), np.int64))),
    lambda m, T: m.det(T(np.ones(3))),
    lambda m, T: m.linalg.slogdet(T(np.ones((2, 3)))),
    lambda m, T: m.logdet(T(np.ones((2, 3)))),
    lambda m, T: m.linalg.lstsq(T(np.ones((3, 2))), T(np.ones((4, 1)))),
    lambda m, T: m.linalg.lstsq(T(np.ones(3)), T(np.ones(3))),
    lambda m, T: m.linalg.pinv(T(np.ones(3, np.float32))),
    lambda m, T: m.linalg.matrix_rank(T(np.ones(3))),
    lambda m, T: m.linalg.multi_dot([T(np.ones((3, 3)))]),
    lambda m, T: m.linalg.multi_dot([T(np.ones((3, 3))), T(np.ones((2, 3, 3)))]),
    lambda m, T: m.linalg.multi_dot([T(np.ones((3, 3))), T(np.ones((2, 3)))]),
    lambda m, T: m.linalg.multi_dot([T(np.ones((3, 3), np.float32)), T(np.ones((3, 3)))]),
    lambda m, T: m.linalg.multi_dot([T(np.ones((3, 3))), T(np.ones(3)), T(np.ones(3))]),
    lambda m, T: m.cholesky_solve(T(np.ones((3, 1))), T(np.ones((2, 2)))),
    lambda m, T: m.cholesky_inverse(T(np.ones((2, 3)))),
    lambda m, T: m.linalg.matrix_exp(T(np.ones((2, 3)))),
    lambda m, T: m.linalg.inv_ex(T(SING), check_errors=True),
    lambda m, T: m.linalg.lu_factor(T(np.stack([np.eye(2), SING]))),
    lambda m, T: m.linalg.lu_factor(T(SING)),
    lambda m, T: m.linalg.lu(T(SING), pivot=False),
    lambda m, T: m.linalg.lu_solve(*m.linalg.lu_factor(T(np.eye(3))), T(np.ones((4, 2)))),
    lambda m, T: m.linalg.lu_solve(*m.linalg.lu_factor(T(np.eye(3))), T(np.ones(3))),
    lambda m, T: m.linalg.cond(T(np.ones((2, 3))), "fro"),
    lambda m, T: m.linalg.tensorinv(T(np.ones((6, 2, 2))), ind=1),
    lambda m, T: m.linalg.vander(T(np.ones(3)), N=1),
    lambda m, T: m.linalg.cholesky(T(np.ones((0, 3)))),
    lambda m, T: m.linalg.cholesky_ex(T(np.ones((0, 3)))),
    lambda m, T: m.linalg.cholesky_ex(T(np.ones(3))),
    lambda m, T: m.norm(T(np.ones((2, 2, 2))), "nuc"),
    lambda m, T: m.linspace(0, 1, -2),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_read_as_torch(case):
    f = ERRORS[case]
    with pytest.raises(RuntimeError) as theirs:
        f(torch, torch.tensor)
    with pytest.raises(RuntimeError) as ours:
        f(dt, dt.tensor)
    assert str(ours.value).startswith(str(theirs.value).splitlines()[0])
    assert isinstance(ours.value, dt.linalg.LinAlgError) == \
        isinstance(theirs.value, torch.linalg.LinAlgError)


def test_qr_backward_errors():
    for mode, shape in (("r", (3, 2)), ("complete", (3, 2))):
        msgs = []
        for m in (torch, dt):
            x = m.tensor(RNG.standard_normal(shape), requires_grad=True)
            q, r = m.linalg.qr(x, mode=mode)
            with pytest.raises(RuntimeError) as e:
                (r.sum() + (q.sum() if mode != "r" else 0)).backward()
            msgs.append(str(e.value))
        assert msgs[1].startswith(msgs[0].splitlines()[0])
