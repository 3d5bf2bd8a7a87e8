"""Every primitive's CUDA kernel against its CPU kernel (under Numba's CUDA simulator in CI, on the
GPU with DLCORE_TEST_REAL_GPU=1), plus the device rules: mixed devices are an error, host/device
copies are counted, outputs stay on the device.

Shapes are tiny: the simulator runs one Python thread per CUDA thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

import dlcore
from dlcore import ops
from dlcore.device import is_cuda_array
from dlcore.errors import DeviceError
from dlcore.registry import PRIMITIVES, aval_of, bind

# Every primitive and composite against NumPy on CUDA lives in the one op-table body
# (tests/core/test_op_table.py, its "-cuda" configurations).  What is here: the launch-shape
# paths a table row is too small to reach, the device rules and the index checks.

_rng = np.random.default_rng(1234)


def randn(*shape, dtype=np.float32) -> np.ndarray:
    return _rng.standard_normal(shape).astype(dtype)


@dataclass
class Case:
    """One primitive applied to host arrays with canonical parameters (what its wrapper binds)."""

    prim: str
    args: list
    params: dict = field(default_factory=dict)
    views: dict = field(default_factory=dict)
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.prim}-{self.label}"

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]



def _to_device(a):
    return dlcore.to_device(np.asarray(a), "cuda")


def _run_both(case: Case):
    """(CPU result, CUDA result as a device array) for one case."""
    prim = PRIMITIVES[case.prim]
    host = [np.asarray(a) for a in case.args]
    dev = [_to_device(a) for a in host]
    for i, view in case.views.items():
        host[i] = view(host[i])
        dev[i] = view(dev[i])
    cpu = np.asarray(bind(prim, *host, **case.params))
    gpu = bind(prim, *dev, **case.params)
    return prim, host, cpu, gpu


def _assert_close(got: np.ndarray, want: np.ndarray, label: str) -> None:
    assert got.shape == want.shape, f"{label}: shape {got.shape} != CPU's {want.shape}"
    assert got.dtype == want.dtype, f"{label}: dtype {got.dtype} != CPU's {want.dtype}"
    if want.dtype.kind == "f":
        rtol = 1e-5 if want.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, equal_nan=True,
                                   err_msg=label)
    else:
        np.testing.assert_array_equal(got, want, err_msg=label)


def check_case(case: Case) -> None:
    prim, host, cpu, gpu = _run_both(case)
    assert is_cuda_array(gpu), f"{case.id}: the result left the device ({type(gpu).__name__})"
    assert gpu.is_c_contiguous(), f"{case.id}: the result is not C-contiguous"
    rule = prim.abstract_eval(*(aval_of(h) for h in host), **case.params)
    assert tuple(gpu.shape) == tuple(rule.shape), f"{case.id}: shape differs from the rule"
    assert np.dtype(gpu.dtype) == np.dtype(rule.dtype), \
        f"{case.id}: dtype {gpu.dtype} differs from the shape rule's {rule.dtype}"
    _assert_close(gpu.copy_to_host(), cpu, case.id)


# ----------------------------------------------------------------------------- launch shapes
def test_reductions_split_long_rows_into_chunks(monkeypatch):
    """Few outputs, many items: R is cut into chunks and a second pass combines them.  Normally
    that needs >= 8192 items; force it on tiny arrays."""
    from dlcore.kernels.cuda import reduce as R
    monkeypatch.setattr(R, "CHUNK_MIN", 2)
    x = randn(3, 9)
    nan = randn(9, 2)
    nan[5, 1] = np.nan
    for prim, a, params in [("sum", x, {"axes": (1,), "keepdims": False}),         # rows
                            ("sum", x, {"axes": (0, 1), "keepdims": False}),       # one output
                            ("max", nan, {"axes": (0,), "keepdims": True}),        # columns
                            ("min", x.T.copy(), {"axes": (0,), "keepdims": False}),
                            ("sum", randn(2, 9) > 0, {"axes": (1,), "keepdims": False})]:
        check_case(Case(prim, [a], params, label="chunks"))


def test_argmax_thread_per_output_path(monkeypatch):
    """argmax over a leading axis with many outputs: one thread per output (forced here)."""
    from dlcore.kernels.cuda import reduce as R
    monkeypatch.setattr(R, "ARGMAX_COLS_MIN_OUTPUTS", 1)
    nan = randn(3, 4)
    nan[1, 2] = np.nan
    check_case(Case("argmax", [nan], {"axis": 0, "keepdims": False}, label="cols"))


def test_batched_matmul_grid_stride_over_batches(monkeypatch):
    """More batches than the grid's z dimension: blocks loop over batches."""
    from dlcore.kernels.cuda import linalg as L
    monkeypatch.setattr(L, "MAX_GRID_Z", 1)
    check_case(Case("matmul", [randn(3, 2, 3), randn(3, 2)], {}, label="z-stride"))


def test_take_and_scatter_add_check_indices_like_the_cpu():
    x = _to_device(randn(3, 2))
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        ops.take(x, _to_device(np.array([0, 3])))
    with pytest.raises(IndexError, match="index -4 is out of bounds"):
        ops.scatter_add(_to_device(randn(1, 2)), _to_device(np.array([-4])), x)


# ----------------------------------------------------------------------------- device rules
def test_mixed_devices_raise_device_error_naming_both():
    a = randn(2, 3)
    d = _to_device(a)
    with pytest.raises(DeviceError) as e:
        ops.add(a, d)
    msg = str(e.value)
    assert "cpu" in msg and "cuda:0" in msg and "add" in msg
    with pytest.raises(DeviceError, match="cuda:0"):
        ops.matmul(d, randn(3, 2))


def test_transfer_counters():
    a = randn(3, 4)
    dlcore.reset_transfer_stats()
    d = dlcore.to_device(a, "cuda")
    assert dlcore.to_device(d, "cuda:0") is d            # already there: no copy
    stats = dlcore.transfer_stats()
    assert stats["host_to_device"] == 1 and stats["bytes_h2d"] == a.nbytes
    assert stats["device_to_host"] == 0
    # Kernels work on the device: no copies either way.
    y = ops.sum(ops.relu(ops.add(d, d)), axis=1)
    assert is_cuda_array(y)
    assert dlcore.transfer_stats()["host_to_device"] == 1
    assert dlcore.transfer_stats()["device_to_host"] == 0
    host = dlcore.to_host(y)
    stats = dlcore.transfer_stats()
    assert stats["device_to_host"] == 1 and stats["bytes_d2h"] == host.nbytes
    np.testing.assert_allclose(host, np.maximum(2 * a, 0).sum(1), rtol=1e-5)
    dlcore.reset_transfer_stats()
    assert dlcore.transfer_stats() == {"host_to_device": 0, "device_to_host": 0,
                                       "bytes_h2d": 0, "bytes_d2h": 0}


def test_to_device_keeps_0d_arrays_0d():
    d = dlcore.to_device(np.float32(2.5), "cuda")
    assert tuple(d.shape) == ()
    assert dlcore.to_host(d).shape == ()


def test_host_scalars_are_kernel_arguments_not_copies():
    """A Python scalar reaches a kernel as a 0-d NumPy value; the CUDA kernels take it as a
    kernel argument (elementwise) or a fill value (index_update), with no host->device copy."""
    a = randn(3, 4)
    d = _to_device(a)
    two = np.asarray(2.0, np.float32)
    dlcore.reset_transfer_stats()
    add = PRIMITIVES["add"].kernels["cuda"]
    np.testing.assert_allclose(add(d, two).copy_to_host(), a + 2, rtol=1e-6)
    np.testing.assert_allclose(add(two, d).copy_to_host(), a + 2, rtol=1e-6)
    where = PRIMITIVES["where"].kernels["cuda"]
    got = where(_to_device(a > 0), d, np.asarray(0.0, np.float32)).copy_to_host()
    np.testing.assert_allclose(got, np.where(a > 0, a, 0), rtol=1e-6)
    update = PRIMITIVES["index_update"].kernels["cuda"]
    idx = ops.canonical_index((slice(None), slice(None, None, 2)), 2)
    want = a.copy()
    want[:, ::2] = 0
    np.testing.assert_array_equal(update(d, np.asarray(0.0, np.float32), idx=idx).copy_to_host(),
                                  want)
    assert dlcore.transfer_stats()["host_to_device"] == 1   # only the mask's _to_device


def test_composites_run_on_the_device():
    """softmax / log_softmax / mse are plain functions of primitives: they run on CUDA as is."""
    x = randn(2, 3)
    d = _to_device(x)
    for f in (ops.softmax, ops.log_softmax, ops.logsumexp):
        np.testing.assert_allclose(dlcore.to_host(f(d)), f(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dlcore.to_host(ops.mse(d, _to_device(x * 0))), ops.mse(x, x * 0),
                               rtol=1e-5)


# ----------------------------------------------------------------------------- generator parts
def test_bool_arithmetic_is_made_explicit():
    from dlcore.kernels.cuda.elementwise import scalar_code
    assert scalar_code("({0} > 0) - ({0} < 0)", 1) == "int(x0 > 0) - int(x0 < 0)"
    assert scalar_code("{1} if {0} else {2}", 3) == "x1 if x0 else x2"
    assert scalar_code("{0} < {1}", 2) == "x0 < x1"


def test_merge_dims():
    from dlcore.kernels.cuda._support import merge_dims
    # Same layout everywhere: one run.
    assert merge_dims((2, 3, 4), (12, 4, 1), (12, 4, 1)) == ((24,), [(1,), (1,)])
    # A bias read with stride 0 along dim 0 cannot merge with dim 1.
    assert merge_dims((3, 4), (4, 1), (0, 1)) == ((3, 4), [(4, 1), (0, 1)])
    # Size-1 dimensions disappear.
    assert merge_dims((1, 5, 1), (5, 1, 1)) == ((5,), [(1,)])


# That importing dlcore (and dlcore.ops) loads no numba.cuda is checked in a fresh process by
# tests/core/test_cold_start.py::test_importing_either_front_end_loads_no_heavy_module
# (dlcore_eager and dlcore_static import both; "numba" and "numba.cuda" are among its heavy
# modules): a process of its own here repeated it (0.96 s of CPU).


def _stable_argsort_reference(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable, NaN the largest, equal keys in their original order (ascending or descending):
    written plainly, one line at a time."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape, np.int64)
    for line in np.ndindex(moved.shape[:-1]):
        v = moved[line]

        def key(i, v=v):
            nan = bool(np.isnan(v[i]))
            big = -np.inf if nan else float(v[i])
            return (nan, big) if not descending else (not nan, -big)
        out[line] = sorted(range(v.shape[0]), key=key)
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("shape,axis", [((13,), 0), ((3, 9), 1), ((7, 2, 3), 0), ((1, 1), 1),
                                        ((4, 16), -1), ((2, 0, 3), 2)])
@pytest.mark.parametrize("descending", [False, True])
def test_argsort_merge_passes_are_stable_with_ties_and_nans(shape, axis, descending):
    rng = np.random.default_rng(len(shape) * 31 + (axis % 3) + descending)
    x = rng.integers(0, 4, size=shape).astype(np.float32)          # many ties
    if x.size:
        x.flat[rng.integers(0, x.size, size=max(1, x.size // 5))] = np.nan
    got = dlcore.to_device(bind(PRIMITIVES["argsort"], _to_device(x), axis=axis % len(shape),
                                descending=descending), "cpu")
    want = _stable_argsort_reference(x, axis, descending)
    np.testing.assert_array_equal(got, want)
    cpu = bind(PRIMITIVES["argsort"], x, axis=axis % len(shape), descending=descending)
    np.testing.assert_array_equal(cpu, want)
