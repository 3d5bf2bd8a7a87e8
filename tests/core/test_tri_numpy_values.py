"""``ops.tril``/``ops.triu`` of concrete NumPy values (eager backward's buffers: cholesky's vjp
rule calls tril twice) take NumPy's own triangle (issue 19: nine kernel calls a triangle, a
Gaussian-process tutorial 93 -> 83 ms): the composite's values for every dtype,
offset and batch, NaN and -0.0 included; graph and eager tensors keep the composite."""

import numpy as np
import pytest

import dlcore_eager as T
from dlcore import ops
from dlcore.ops import linalg_extra


def _cases():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 5)).astype(np.float32)
    x[0, 0, 3] = np.nan
    x[1, 3, 0] = -0.0
    yield x
    yield rng.standard_normal((5, 3))
    yield (rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))).astype(np.complex64)
    yield rng.random((4, 4)) > 0.5
    yield rng.integers(-5, 5, (3, 6))


@pytest.mark.parametrize("k", [0, 1, -1, 3, -4])
@pytest.mark.parametrize("lower", [True, False])
def test_numpy_values_equal_the_composites(monkeypatch, k, lower):
    f = ops.tril if lower else ops.triu
    real_grid = linalg_extra._grid
    for x in _cases():
        monkeypatch.setattr(linalg_extra, "_grid", lambda x: pytest.fail("the composite ran"))
        got = f(x, k)
        monkeypatch.setattr(linalg_extra, "_grid", real_grid)
        assert type(got) is np.ndarray and got.dtype == x.dtype
        want = f(T.tensor(x), k).numpy()          # (an eager tensor: the composite)
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got.real), np.signbit(want.real))


def test_a_vector_keeps_the_composites_error():
    with pytest.raises(Exception, match="tril: input tensor must have at least 2 dimensions"):
        ops.tril(np.ones(3))


def test_choleskys_gradient_is_pytorchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 4))
    spd = a @ a.T + 4 * np.eye(4)
    x = T.tensor(spd, requires_grad=True)
    T.linalg.cholesky(x).sum().backward()
    tx = torch.tensor(spd, requires_grad=True)
    torch.linalg.cholesky(tx).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("k", [0, 1, -1, 3, -4, 10, -10])
@pytest.mark.parametrize("lower", [True, False])
def test_the_cpu_kernel_with_its_kept_masks_equals_numpys_triangles(k, lower):
    """dlcore/kernels/cpu/shape.py's ``tri`` keeps each shape's mask (NumPy builds its own on
    every call): NumPy's values for every dtype, batch and offset, twice (the kept mask)."""
    from dlcore.kernels.cpu import shape as cpu_shape
    for x in list(_cases()) + [np.zeros((0, 3), np.float32), np.ones((2, 0, 3))]:
        want = np.tril(x, k) if lower else np.triu(x, k)
        for _ in range(2):
            got = cpu_shape.tri(x, k=k, lower=lower)
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)
            assert np.signbit(got).tolist() == np.signbit(want).tolist() if \
                x.dtype.kind == "f" else True
