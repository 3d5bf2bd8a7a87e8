"""The per-op fast paths of the eager front end (issue 19) behave as PyTorch 2.13 does.

* two same-dtype CPU tensors of add/sub/mul/div/comparisons run NumPy's ufunc from the eager
  apply: values, dtypes, broadcasting, PyTorch's broadcast error, no floating-point warning and
  the user's NumPy error state left as it was, gradients (finite differences in float64);
* sum/amax/amin/mean of float tensors applied from the adapter: values, shapes, gradients and
  the dimension error against PyTorch;
* ``a / number`` and ``t()`` applied directly: values, the view's shared version counter;
* the transposed float32 GEMM for 16-64 rows (``kernels.cpu.linalg.SKINNY_M``): a C-contiguous
  result with PyTorch's strides and values.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as torch

T = pytest.importorskip("torch")


def _pair(shape_a, shape_b, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape_a).astype(dtype)
    b = rng.standard_normal(shape_b).astype(dtype)
    return a, b


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "lt", "eq"])
@pytest.mark.parametrize("shapes", [((1,), (1,)), ((3, 4), (4,)), ((2, 1), (1, 3)), ((), (2,))])
def test_binary_fast_path_matches_torch(op, shapes):
    a, b = _pair(*shapes)
    fn = getattr(__import__("operator"), op)
    got = fn(torch.from_numpy(a), torch.from_numpy(b))
    want = fn(T.from_numpy(a), T.from_numpy(b))
    assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_integer_operands_keep_their_dtype():
    a = np.array([2**31 - 1, -5, 7], np.int32)
    got = torch.from_numpy(a) + torch.from_numpy(a)
    want = T.from_numpy(a) + T.from_numpy(a)
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())          # wraps around


@pytest.mark.parametrize("op", ["add", "truediv"])
def test_broadcast_error_is_pytorchs(op):
    fn = getattr(__import__("operator"), op)
    msgs = []
    for lib in (torch, T):
        with pytest.raises(RuntimeError) as e:
            fn(lib.ones(2, 3), lib.ones(3, 2))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    with pytest.raises(RuntimeError):                 # the same again: failures are not cached
        fn(torch.ones(2, 3), torch.ones(3, 2))


def test_overflow_is_silent_and_numpy_error_state_is_untouched():
    before = np.geterr()
    big = torch.tensor([3e38], dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise"):
            out = big * big
            assert np.geterr()["over"] == "raise"             # the user's state, kept inside
            inf_minus = out - out
    assert np.geterr() == before
    assert np.isinf(out.numpy()).all() and np.isnan(inf_minus.numpy()).all()


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
def test_fast_path_gradients_by_finite_differences(op):
    fn = getattr(__import__("operator"), op)
    rng = np.random.default_rng(1)
    a0 = rng.uniform(0.5, 1.5, (3, 4))
    b0 = rng.uniform(0.5, 1.5, (3, 4))
    w = rng.standard_normal((3, 4))
    a = torch.tensor(a0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    (fn(a, b) * torch.tensor(w)).sum().backward()
    eps = 1e-6
    for x0, grad, which in ((a0, a.grad, 0), (b0, b.grad, 1)):
        num = np.zeros_like(x0)
        for i in np.ndindex(x0.shape):
            hi, lo = x0.copy(), x0.copy()
            hi[i] += eps
            lo[i] -= eps
            args_hi = (hi, b0) if which == 0 else (a0, hi)
            args_lo = (lo, b0) if which == 0 else (a0, lo)
            num[i] = ((fn(*args_hi) * w).sum() - (fn(*args_lo) * w).sum()) / (2 * eps)
        np.testing.assert_allclose(grad.numpy(), num, rtol=1e-6, atol=1e-8)


def test_no_grad_and_non_float_results_record_no_node():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        assert (a + b).grad_fn is None and not (a + b).requires_grad
    assert (a < b).grad_fn is None
    assert (a + b).grad_fn is not None


@pytest.mark.parametrize("name", ["sum", "amax", "amin", "mean"])
@pytest.mark.parametrize("args", [(), (1,), (0, True), ((0, 1),), (-1,)])
def test_reductions_match_torch(name, args):
    x = np.random.default_rng(2).standard_normal((3, 4))
    a = torch.tensor(x, requires_grad=True)
    t = T.tensor(x, requires_grad=True)
    got, want = getattr(a, name)(*args), getattr(t, name)(*args)
    assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(3).standard_normal(tuple(want.shape))
    got.backward(torch.tensor(g))
    want.backward(T.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["sum", "mean", "amax"])
def test_reduction_dim_error_is_pytorchs(name):
    msgs = []
    for lib in (torch, T):
        with pytest.raises(IndexError) as e:
            getattr(lib.ones(3, 4), name)(2)
        msgs.append(str(e.value))
    assert msgs[1] in msgs[0]


def test_small_row_sums_match_a_float64_reference():
    x = (np.random.default_rng(4).standard_normal((16, 10)) * 1e4).astype(np.float32)
    torch.relu(torch.ones(1))                 # (Numba loaded: the row-loop path is taken)
    for dims in ((), (1,), (-1,)):
        got = torch.from_numpy(x).sum(*dims).numpy()
        want = x.astype(np.float64).sum(axis=dims[0] if dims else None).astype(np.float32)
        np.testing.assert_array_equal(got, want)


def test_division_by_a_number_and_t():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal((torch.from_numpy(x) / 4.0).numpy(),
                                  (T.from_numpy(x) / 4.0).numpy())
    base = torch.from_numpy(x.copy())
    view = base.t()
    assert tuple(view.shape) == (3, 2) and view.stride() == T.from_numpy(x).t().stride()
    view.add_(1.0)
    assert base._vc is view._vc and base[0, 1].item() == 2.0


@pytest.mark.parametrize("m,k,n", [(16, 64, 64), (32, 100, 70), (64, 80, 96), (4, 64, 64)])
def test_transposed_gemm_is_c_contiguous_with_torchs_values(m, k, n):
    a, b = _pair((m, k), (k, n), seed=5)
    got = torch.from_numpy(a) @ torch.from_numpy(b)
    want = T.from_numpy(a) @ T.from_numpy(b)
    assert got.is_contiguous() and got.stride() == want.stride()
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)
