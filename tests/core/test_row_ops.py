"""A matrix and a row vector (``elementwise.row_op``, ``_jit_rows``): add/sub/mul/div of a
C-contiguous float (m, n) and (n,) through the row loops, and addmm's bias added in place,
bit for bit NumPy's broadcast result (x / 0 silent), the eager lane's nodes and gradients
against PyTorch, and every other layout on NumPy's path."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as T
from dlcore import ops
from dlcore.kernels.cpu import _jit_rows

torch = pytest.importorskip("torch")

_OPS = [("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("div", np.true_divide)]


def _operands(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = (rng.standard_normal(shape) * 4).astype(dtype)
    b = (rng.standard_normal(shape[-1:]) * 4).astype(dtype)
    if b.size >= 4:
        b[:4] = [0.0, -0.0, np.inf, np.nan]
    if a.size >= 3:
        a.flat[:3] = [np.inf, -0.0, 0.0]
    return a, b


@pytest.mark.parametrize("name,ufunc", _OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 64), (1, 10), (5, 1), (0, 3), (3, 0)])
def test_kernel_is_numpy_bit_for_bit(name, ufunc, dtype, shape):
    a, b = _operands(shape, dtype)
    kernel = getattr(ops.elementwise, name + "_p").kernels["cpu"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = kernel(a, b)
    with np.errstate(all="ignore"):
        ref = ufunc(a, b)
    assert out.dtype == ref.dtype and out.shape == ref.shape and out.flags.c_contiguous
    assert out.tobytes() == ref.tobytes()


@pytest.mark.parametrize("name,ufunc", _OPS)
def test_other_layouts_take_numpy(name, ufunc):
    kernel = getattr(ops.elementwise, name + "_p").kernels["cpu"]
    a, b = _operands((6, 4), np.float32, 1)
    with np.errstate(all="ignore"):
        for x, y in ((a.T.copy().T, b), (a, np.repeat(b, 2)[::2]), (a[:, None, :], b),
                     (b, a), (a, b[None, :]), (a.astype(np.float64), b.astype(np.float64)),
                     (a.astype(np.int64), b.astype(np.int64))):
            if name == "div" and x.dtype.kind == "i":
                continue
            np.testing.assert_array_equal(kernel(x, y), ufunc(x, y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_eager_bias_ops_values_grads_vs_torch(dtype):
    rng = np.random.default_rng(2)
    h = rng.standard_normal((8, 5)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype) + 3.0
    for op in ("add", "sub", "mul", "div"):
        x, v = T.tensor(h, requires_grad=True), T.tensor(b, requires_grad=True)
        tx, tv = torch.tensor(h, requires_grad=True), torch.tensor(b, requires_grad=True)
        y = getattr(T, op)(x * 1, v)
        ty = getattr(torch, op)(tx * 1, tv)
        assert y.grad_fn.name() == ty.grad_fn.name()
        tol = 1e-6 if dtype == np.float32 else 1e-13
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        g = rng.standard_normal((8, 5)).astype(dtype)
        y.backward(T.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        T.tensor(h) + T.tensor(b[:3])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 64, 10), (1, 7, 3), (4, 3, 1)])
def test_addmm_bias_in_place(dtype, shape):
    m, k, n = shape
    rng = np.random.default_rng(3)
    a = rng.standard_normal((m, k)).astype(dtype)
    w = rng.standard_normal((n, k)).astype(dtype)
    c = rng.standard_normal(n).astype(dtype)
    kernel = ops.linalg.addmm_p.kernels["cpu"]
    out = kernel(c, a, w.T)
    ref = a @ w.T
    np.add(c, ref, out=ref)
    assert out.tobytes() == ref.tobytes()
    for c2 in (c[None, :], np.broadcast_to(c, (m, n)).copy(), np.asarray(c[0])):
        r2 = a @ w.T
        assert kernel(c2, a, w.T).tobytes() == np.add(c2, r2, out=r2).tobytes()
    x, tw, tb = (T.tensor(v, requires_grad=True) for v in (a, w, c))
    y = T.nn.functional.linear(x, tw, tb)
    px, pw, pb = (torch.tensor(v, requires_grad=True) for v in (a, w, c))
    py = torch.nn.functional.linear(px, pw, pb)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.detach().numpy(), py.detach().numpy(), rtol=tol, atol=tol)
    y.sum().backward()
    py.sum().backward()
    for d, t in ((x, px), (tw, pw), (tb, pb)):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_loops_directly():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1, 0, -2], np.float32)
    out = np.empty_like(a)
    _jit_rows.div_rows(a, b, out)                   # (x / 0: inf and NaN, no exception)
    with np.errstate(all="ignore"):
        assert out.tobytes() == (a / b).tobytes()
    _jit_rows.add_row_into(a, b)
    np.testing.assert_array_equal(a, np.arange(6, dtype=np.float32).reshape(2, 3) + b)
