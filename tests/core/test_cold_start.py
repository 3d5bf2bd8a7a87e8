"""Start-up costs: what ``import`` loads, what the first kernels compile, and that the paths
chosen to avoid compiling (NumPy's ufuncs for arithmetic, Numba's deferred BLAS probe) compute
exactly what the generated loops compute."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import dlcore

HEAVY = ("numba", "scipy", "matplotlib", "onnx", "onnxruntime", "h5py", "torch", "jax",
         "tensorboard", "mpi4py", "numba.cuda", "sklearn", "nbformat")


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300)
    return out.stdout.strip()


def test_importing_either_front_end_loads_no_heavy_module():
    code = ("import sys, dlcore_eager, dlcore_static; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    assert _run(code) == ""


def test_the_first_kernel_does_not_import_scipy_linalg_but_blas_in_numba_still_works():
    """The probe is deferred when ``numba.np.linalg`` is imported, whatever compiles first: here
    a function of the program's own, before any dlcore kernel (so before configure_threads)."""
    code = """
import sys
import numpy as np
import dlcore
from numba import njit
njit(lambda a: a * 2)(np.arange(3.0))
from dlcore import ops
ops.relu(np.arange(-3.0, 3.0, dtype=np.float32))
print("scipy.linalg" in sys.modules)
@njit
def dot(a, b):
    return np.dot(a, b)
a = np.arange(6.0).reshape(2, 3)
print(np.array_equal(dot(a, a.T), a @ a.T), "scipy.linalg" in sys.modules)
"""
    assert _run(code).split() == ["False", "True", "True"]


_OPS = ("add", "sub", "mul", "div", "greater", "equal")


def _numba_loop(name, a, b):
    """The generated loop's result (the kernel object's own path, bypassing the ufunc)."""
    return dlcore.PRIMITIVES[name].kernels["cpu"].kernel._call((a, b), {})


@pytest.mark.parametrize("name", _OPS)
def test_arithmetic_ufunc_path_equals_the_generated_loop(name):
    rng = np.random.default_rng(0)
    m = rng.standard_normal((6, 5)).astype(np.float32)
    m[0, :3] = [0.0, np.inf, np.nan]
    row = rng.standard_normal(5).astype(np.float32)
    row[1] = 0.0
    scalar = np.asarray(np.float32(-0.0))
    entry = dlcore.PRIMITIVES[name].kernels["cpu"]
    assert entry.kernel.ufunc is not None
    for a, b in ((m, m[::-1].copy()), (m, row), (scalar, m), (m.T, m.T), (scalar, scalar)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")             # silent, as the Numba loop is
            got = entry(a, b)
        want = _numba_loop(name, a, b)
        assert type(got) is np.ndarray and got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))     # -0.0 stays -0.0


def test_integer_and_bool_operands():
    a = np.array([2**31 - 1, -5, 7], np.int32)
    add = dlcore.PRIMITIVES["add"].kernels["cpu"]
    np.testing.assert_array_equal(add(a, a), _numba_loop("add", a, a))     # wraps around
    t = np.array([True, False, True])
    got = add(t, t)                                 # bool is not a ufunc kind: the loop runs
    assert got.dtype == np.bool_ and got.tolist() == [True, False, True]


def test_in_place_update_goes_through_the_ufunc():
    sub = dlcore.PRIMITIVES["sub"].kernels["cpu"]
    w = np.ones((4, 3), np.float32)
    g = np.full((4, 3), 0.5, np.float32)
    assert sub.into(w, w, g) and np.all(w == 0.5)
    lr_g = dlcore.PRIMITIVES["mul"].kernels["cpu"](np.asarray(np.float32(0.1)), g)
    assert sub.into(w, w, lr_g) and np.allclose(w, 0.45)
    w64 = np.ones(3)
    assert not sub.into(np.ones(3, np.float32), w64, w64)      # dtype mismatch: refused



def test_small_sums_accumulate_like_the_loops():
    """Sums under SMALL_SUM elements run as NumPy's add.reduce with the loops' float64/int64
    accumulator: same values as the Numba loops (which run above it), same dtypes and shapes."""
    from dlcore.kernels.cpu import reduce as red
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((64, 100)) * 1e4).astype(np.float32)
    assert x.size < red.SMALL_SUM
    for axes, keep in (((0,), False), ((1,), True), ((0, 1), False)):
        got = red.sum(x, axes=axes, keepdims=keep)
        want = x.astype(np.float64).sum(axis=axes, keepdims=keep).astype(np.float32)
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
        big = np.tile(x, (2, 2))                                  # above SMALL_SUM: the loops
        np.testing.assert_allclose(red.sum(big, axes=axes, keepdims=keep),
                                   big.astype(np.float64).sum(axis=axes, keepdims=keep),
                                   rtol=1e-6)
    b = np.array([[True, False], [True, True]])
    got = red.sum(b, axes=(0,), keepdims=False)
    assert got.dtype == np.int64 and got.tolist() == [2, 1]
    i = np.array([2**31 - 1, 2**31 - 1], np.int32)          # int64 accumulator, int32 result
    got = red.sum(i, axes=(0,), keepdims=False)
    assert got.dtype == np.int32 and got.tolist() == -2
