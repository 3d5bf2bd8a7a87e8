"""dtype promotion, numerical stability, zero-copy views, the large-array (parallel) paths,
error messages, lazy compilation and the runtime report."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import dlcore
from dlcore import ops
from dlcore.errors import DeviceError, DTypeError, ShapeError
from dlcore.kernels.cpu import elementwise as ew


# ----------------------------------------------------------------------------- promotion
def test_python_scalars_are_weak():
    x32 = np.ones(3, np.float32)
    assert np.asarray(ops.mul(x32, 2.0)).dtype == np.float32
    assert np.asarray(ops.add(2.0, x32)).dtype == np.float32
    i32 = np.ones(3, np.int32)
    assert np.asarray(ops.add(i32, 1)).dtype == np.int32
    assert np.asarray(ops.mul(i32, 0.5)).dtype == np.float32       # int * float -> default
    assert np.asarray(ops.div(i32, 2)).dtype == np.float32          # true division


def test_array_promotion_follows_numpy():
    assert np.asarray(ops.add(np.ones(2, np.float32), np.ones(2))).dtype == np.float64
    assert np.asarray(ops.add(np.ones(2, np.int32), np.ones(2, np.int64))).dtype == np.int64
    assert np.asarray(ops.mul(np.ones(2, np.int64), np.ones(2, np.float32))).dtype == np.float64


def test_float32_stays_float32_through_every_unary():
    x = np.linspace(0.1, 2, 7, dtype=np.float32)
    for f in (ops.exp, ops.log, ops.sqrt, ops.tanh, ops.sigmoid, ops.relu, ops.abs, ops.neg,
              ops.softmax, ops.log_softmax):
        assert np.asarray(f(x)).dtype == np.float32, f


# ----------------------------------------------------------------------------- stability
def test_logsumexp_is_stable_for_huge_logits():
    z = np.array([[1e4, 1e4 - 1.0, 0.0], [-1e4, -1e4 + 2.0, -1e4]], np.float64)
    got = np.asarray(ops.logsumexp(z))
    m = z.max(axis=1)
    want = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    ls = np.asarray(ops.log_softmax(z.astype(np.float32)))
    assert np.all(np.isfinite(ls))
    sm = np.asarray(ops.softmax(z.astype(np.float32)))
    np.testing.assert_allclose(sm.sum(axis=1), 1.0, rtol=1e-6)


def test_sigmoid_both_tails():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4], np.float32)
    y = np.asarray(ops.sigmoid(x))
    assert np.all(np.isfinite(y)) and y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5


# ----------------------------------------------------------------------------- views
def test_broadcast_to_is_a_zero_copy_view():
    b = np.arange(4, dtype=np.float32)
    y = ops.broadcast_to(b, (1000, 4))
    assert np.shares_memory(y, b) and y.strides[0] == 0
    y2 = ops.broadcast_like(b, np.empty((50, 4), np.float32))
    assert np.shares_memory(y2, b)


def test_transpose_and_reshape_are_views():
    x = np.arange(12.0).reshape(3, 4)
    assert np.shares_memory(ops.transpose(x), x)
    assert np.shares_memory(ops.reshape(x, (4, 3)), x)
    assert np.shares_memory(ops.expand_dims(x, 0), x)


def test_bias_add_reads_the_broadcast_view_in_place():
    x = np.random.default_rng(0).standard_normal((64, 100)).astype(np.float32)
    b = np.arange(100, dtype=np.float32)
    np.testing.assert_array_equal(ops.add(x, ops.broadcast_like(b, x)), x + b)


# ----------------------------------------------------------------------------- big arrays
def test_parallel_paths_match_numpy():
    n = ew.PARALLEL_THRESHOLD * 2 + 7
    rng = np.random.default_rng(5)
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    np.testing.assert_array_equal(ops.add(x, y), x + y)
    np.testing.assert_array_equal(ops.mul(x, 2.0), x * np.float32(2.0))
    m = x[: (n // 512) * 512].reshape(-1, 512)
    np.testing.assert_array_equal(ops.add(m, y[:512]), m + y[:512])        # broadcast, nd path
    np.testing.assert_array_equal(ops.add(m.T, m.T), m.T + m.T)            # strided, nd path
    np.testing.assert_allclose(ops.sum(x), x.astype(np.float64).sum(), rtol=1e-6)
    np.testing.assert_allclose(ops.sum(m, 0), m.astype(np.float64).sum(0), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(ops.sum(m, 1), m.astype(np.float64).sum(1), rtol=1e-5, atol=1e-4)
    assert ops.max(x) == x.max() and ops.min(x) == x.min()
    np.testing.assert_array_equal(ops.max(m, 1), m.max(1))


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_arithmetic_of_big_arrays_is_numpys(monkeypatch, dtype):
    """Complex operands take NumPy's ufunc at every size, as below the parallel threshold: the
    generated loop's complex division is Numba's, which raised on a zero divisor (a SystemError
    out of the parallel loop for 2^23 numbers: 1 / 0) where NumPy gives inf and nan.  The entry
    is made anew with a threshold of 1, so these few numbers count as big."""
    from dlcore.ops.elementwise import add_p, div_p, mul_p
    monkeypatch.setattr(ew, "PARALLEL_THRESHOLD", 1)
    a = np.array([1 + 2j, 0, 3 - 1j, 1, -2j, 5], dtype)
    b = np.array([0, 0, 1j, 2, 1e-30, -1 + 1j], dtype)
    for prim, ufunc in ((div_p, np.true_divide), (mul_p, np.multiply), (add_p, np.add)):
        kern = prim.kernels["cpu"].kernel
        big = ew._binary_entry(kern, ufunc, ew.UFUNC_BINARY[ufunc])
        with np.errstate(all="ignore"):
            want = ufunc(a, b)
        got = big(a, b)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_many_non_mergeable_axes_fall_back_correctly():
    a = np.ones((2, 3, 2, 3, 2, 3))
    b = np.arange(2 * 2 * 2, dtype=np.float64).reshape(2, 1, 2, 1, 2, 1)
    np.testing.assert_array_equal(ops.add(a, b), a + b)


def test_collapse_dims_merges_contiguous_axes():
    shape = (4, 5, 6)
    x = np.empty(shape)
    cs, st = ew.collapse_dims(shape, [x.strides, x.strides])
    assert cs == (120,)
    b = ew.broadcast_strides(np.empty(6), shape)
    cs, st = ew.collapse_dims(shape, [x.strides, b])
    assert cs == (20, 6) and st[1] == (0, 8)


def test_nan_propagates_through_max_and_argmax():
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 0.5]])
    got = np.asarray(ops.max(x, 1))
    assert np.isnan(got[0]) and got[1] == 2.0
    np.testing.assert_array_equal(ops.argmax(x, 1), np.argmax(x, 1))


# ----------------------------------------------------------------------------- errors
def test_shape_mismatch_names_op_and_both_shapes():
    with pytest.raises(ShapeError) as e:
        ops.add(np.ones((2, 3)), np.ones((4,)))
    assert isinstance(e.value, ValueError)
    msg = str(e.value)
    assert "'add'" in msg and "[2,3]" in msg and "[4]" in msg
    with pytest.raises(ValueError, match=r"'matmul'.*\[2,3\], \[4,5\]"):
        ops.matmul(np.ones((2, 3)), np.ones((4, 5)))


def test_dtype_errors_name_the_dtypes():
    with pytest.raises(DTypeError, match="int32") as e:
        ops.log(np.ones(3, np.int32))
    assert isinstance(e.value, TypeError) and "'log'" in str(e.value)
    with pytest.raises(TypeError, match="float64"):
        ops.where(np.ones(3), np.ones(3), np.zeros(3))
    with pytest.raises(TypeError, match="bool"):
        ops.matmul(np.ones((2, 2), bool), np.ones((2, 2), bool))


class _FakeCudaArray:
    """Stands in for a numba.cuda device array: what ``device_of`` recognises."""

    def __init__(self, host):
        self.shape, self.dtype = host.shape, host.dtype

    def copy_to_host(self):
        raise AssertionError("must not be copied implicitly")


def test_mixing_devices_names_both():
    with pytest.raises(DeviceError) as e:
        ops.add(np.ones(3, np.float32), _FakeCudaArray(np.ones(3, np.float32)))
    assert "cpu" in str(e.value) and "cuda:0" in str(e.value) and "'add'" in str(e.value)


def test_kernel_errors_leave_inputs_unchanged():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    with pytest.raises(ValueError):
        ops.add(x, np.ones(4))
    np.testing.assert_array_equal(x, before)


# ----------------------------------------------------------------------------- lazy & runtime
def test_import_compiles_nothing_and_does_not_load_numba():
    code = "import sys, dlcore; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_generated_source_comes_from_expr():
    src = ew.generate_source("add", "{0} + {1}", 2)
    assert "out[i] = v0 + v1" in src and "cache=True" in src and "prange" in src
    kern = dlcore.PRIMITIVES["add"].kernels["cpu"]
    mod = kern.module()
    assert mod.__file__.startswith(str(dlcore.jitcache.cache_dir()))
    assert mod.__name__ in sys.modules


def test_runtime_info_reports_threads():
    info = dlcore.runtime_info()
    for key in ("numba_threading_layer", "NUMBA_NUM_THREADS", "OMP_WAIT_POLICY", "blas",
                "blas_threads"):
        assert key in info
    assert info["NUMBA_NUM_THREADS"] >= 1
