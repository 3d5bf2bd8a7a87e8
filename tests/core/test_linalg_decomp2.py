"""The solver and factorization kernels (dlcore/kernels/{cpu,cuda}/linalg_solve.py) beyond the
op table: the CUDA kernels (Numba's simulator in CI, a GPU when at hand) against NumPy's LAPACK
for the modes and flags the table does not run (eigh's upper triangle, QR's complete and 'r'
modes, batches, singular and empty input), the failures they flag on the device (PyTorch's
messages), and the CPU kernels' edge cases."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore import ops
from dlcore.errors import LinAlgError

RNG = np.random.default_rng(3)


def dev(x):
    return dlcore.to_device(np.ascontiguousarray(x), "cuda")


def host(x):
    return np.asarray(dlcore.to_host(x))


def _spd(shape):
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


@pytest.fixture(scope="module", autouse=True)
def _cuda():
    if not dlcore.cuda_available():
        pytest.fail("numba.cuda is not usable (tests/conftest.py sets NUMBA_ENABLE_CUDASIM=1)")


@pytest.mark.parametrize("shape,mode", [((4, 3), "complete"), ((2, 3, 4), "reduced"),
                                        ((3, 2), "r")])
def test_cuda_qr_has_lapack_signs(shape, mode):
    a = RNG.standard_normal(shape)
    q, r = ops.qr(dev(a), mode)
    want = np.linalg.qr(a, mode)
    want_r = want if mode == "r" else want[1]
    np.testing.assert_allclose(host(r), np.triu(want_r), atol=1e-12)
    if mode != "r":
        np.testing.assert_allclose(host(q), want[0], atol=1e-12)


@pytest.mark.parametrize("lower", [True, False])
def test_cuda_eigh_reads_one_triangle(lower):
    s = _spd((2, 3, 3)) + np.triu(RNG.standard_normal((3, 3)), 1) * lower \
        + np.tril(RNG.standard_normal((3, 3)), -1) * (not lower)
    lam, v = ops.eigh(dev(s), lower)
    want_l, want_v = np.linalg.eigh(s, "L" if lower else "U")
    np.testing.assert_allclose(host(lam), want_l, rtol=1e-12)
    np.testing.assert_allclose(np.abs(host(v)), np.abs(want_v), atol=1e-10)


def test_cuda_solvers_and_determinants():
    a = RNG.uniform(-0.9, 0.9, (2, 3, 3)) + 3 * np.eye(3)
    b = RNG.standard_normal((2, 3, 2))
    np.testing.assert_allclose(host(ops.linalg_solve(dev(a), dev(b))), np.linalg.solve(a, b),
                               rtol=1e-12)
    np.testing.assert_allclose(host(ops.cholesky(dev(_spd((3, 3)) * 0 + np.eye(3) * 4))),
                               2 * np.eye(3))
    sing = np.stack([a[0], [[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]])
    np.testing.assert_allclose(host(ops.det(dev(sing))), np.linalg.det(sing), atol=1e-12)
    sign, logabs = (host(t) for t in ops.slogdet(dev(sing)))
    np.testing.assert_array_equal(sign, np.linalg.slogdet(sing)[0])
    assert logabs[1] == -np.inf
    assert host(ops.det(dev(np.zeros((2, 0, 0))))).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 3), (3, 5)])
def test_cuda_lu_parts_equal_lapack(shape):
    from dlcore.ops.linalg_factor import lu_p
    a = RNG.standard_normal(shape)
    for part in ("P", "L", "U", "pivots", "perm"):
        got, want = host(lu_p.bind(dev(a), part=part)), lu_p.bind(a, part=part)
        assert got.dtype == want.dtype, part
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=part)


def test_cuda_failures_read_as_torch():
    not_pd = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]])
    with pytest.raises(LinAlgError, match=r"^linalg.cholesky: \(Batch element 1\): The "
                       r"factorization .* leading minor of order 2 is not positive-definite"):
        ops.cholesky(dev(not_pd))
    with pytest.raises(LinAlgError, match=r"^torch.linalg.solve: The solver failed because the "
                       "input matrix is singular"):
        ops.linalg_solve(dev(np.array([[1.0, 2.0], [2.0, 4.0]])), dev(np.ones((2, 1))))


def test_cpu_edges():
    # a zero on a triangular system's diagonal gives inf/nan as LAPACK's trtrs (and PyTorch)
    x = ops.solve_triangular(np.zeros((2, 2)), np.ones((2, 1)), upper=True)
    assert np.isnan(x[0, 0]) and np.isinf(x[1, 0])
    assert ops.linalg_solve(np.zeros((0, 0)), np.zeros((0, 3))).shape == (0, 3)
    assert ops.cholesky(np.zeros((2, 0, 0))).shape == (2, 0, 0)
    q, r = ops.qr(np.zeros((0, 3, 2)))
    assert q.shape == (0, 3, 2) and r.shape == (0, 2, 2)
    assert ops.eigvalsh(np.zeros((0, 0))).shape == (0,)
    with pytest.raises(LinAlgError, match="leading minor of order 1"):
        ops.cholesky(-np.eye(2))


def test_shape_rules_with_unknown_dims():
    from dlcore.ops.linalg_factor import eigh_p, qr_p
    from dlcore.ops.linalg_systems import solve_p
    from dlcore.registry import AVal
    f = np.dtype("float32")
    assert solve_p.abstract_eval(AVal((None, 3, 3), f), AVal((None, 3, 2), f)).shape == \
        (None, 3, 2)
    assert qr_p.abstract_eval(AVal((None, 5, None), f), part="Q", mode="reduced").shape == \
        (None, 5, None)
    assert eigh_p.abstract_eval(AVal((2, None, 4), f), part="L", lower=True).shape == (2, 4)
    with pytest.raises(ValueError, match="square"):
        solve_p.abstract_eval(AVal((3, 2), f), AVal((3, 1), f))
