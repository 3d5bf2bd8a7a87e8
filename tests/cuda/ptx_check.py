"""Compile every CUDA kernel of dlcore to PTX for a real GPU (sm_90, an H100), without a GPU.

The simulator runs kernels as Python, so it never checks that Numba can *type and lower* them for
the device (a shared array's dtype, tuple indexing, an implicit cast in a store).  Numba's
``cuda.compile_ptx`` does exactly that with only the CUDA toolkit's NVVM and NVRTC libraries
(``pip install nvidia-cuda-nvcc-cu12 nvidia-cuda-nvrtc-cu12`` and point ``LD_LIBRARY_PATH`` at
their ``lib`` folders), no driver needed.  Run it as ``python tests/cuda/ptx_check.py``; it prints
one line per kernel and exits with status 1 on a failure, 77 when the toolkit is missing.
``tests/cuda/test_ptx.py`` runs it in a subprocess (the test session has the simulator on).
"""

from __future__ import annotations

import os
import sys
import traceback

os.environ["NUMBA_ENABLE_CUDASIM"] = "0"
SKIP = 77


def _nvrtc_missing() -> str | None:
    """Why NVRTC cannot be loaded, asked of the finder numba-cuda itself loads it with
    (``cuda.pathfinder``, no fallback there), before ``numba.cuda`` is imported: finding no NVRTC
    through ``cuda.compile_ptx`` cost 2.9 s of CPU, this 0.2 s.  None when it loads, or when
    there is no such finder (an older numba-cuda: the compile in ``main`` tells)."""
    try:
        from cuda import pathfinder
    except ImportError:
        return None
    try:
        pathfinder.load_nvidia_dynamic_lib("nvrtc")
    except pathfinder.DynamicLibNotFoundError as e:
        return f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
    return None


if __name__ == "__main__" and (_missing := _nvrtc_missing()) is not None:
    print(f"skipped: the CUDA toolkit's NVVM/NVRTC were not found ({_missing})")
    sys.exit(SKIP)

import numpy as np  # (after the cheap check above)
from numba import cuda, types
from numba.np.numpy_support import from_dtype

from dlcore.jitcache import load_generated_module

CC = (9, 0)

i64 = types.int64
FLOATS = [np.float32, np.float64]
INTS = [np.int32, np.int64]
ALL = FLOATS + INTS + [np.bool_]


def arr(dtype, ndim: int = 1, layout: str = "C"):
    return types.Array(from_dtype(np.dtype(dtype)), ndim, layout)


def tup(k: int):
    return types.UniTuple(i64, k)


def compile_one(label: str, pyfunc, argtypes, failures: list) -> None:
    try:
        cuda.compile_ptx(pyfunc, tuple(argtypes), cc=CC)
        print(f"ok    {label}")
    except Exception as e:  # noqa: BLE001 - report every failure, then fail at the end
        print(f"FAIL  {label}: {type(e).__name__}: {str(e).splitlines()[0][:300]}")
        failures.append((label, traceback.format_exc()))


def elementwise_cases():
    """(primitive, input dtypes, output dtype) for every elementwise primitive."""
    import dlcore
    from dlcore.registry import AVal
    for name, prim in sorted(dlcore.PRIMITIVES.items()):
        if prim.expr is None:
            continue
        nin = 3 if "{2}" in prim.expr else (2 if "{1}" in prim.expr else 1)
        if name == "cast":
            for src in ALL:
                for dst in ALL:
                    yield name, nin, [np.dtype(src)], np.dtype(dst)
            continue
        for dt in ALL:
            ins = [np.dtype(dt)] * nin
            if name == "where":
                ins[0] = np.dtype(np.bool_)
            try:
                out = prim.shape_rule(*(AVal((2,), d) for d in ins))
            except (TypeError, ValueError):     # a dtype the primitive refuses
                continue
            yield name, nin, ins, np.dtype(out.dtype)


def check_elementwise(failures: list) -> None:
    import dlcore
    from dlcore.kernels.cuda.elementwise import _source, scalar_code
    for name, nin, ins, out in elementwise_cases():
        code = scalar_code(dlcore.PRIMITIVES[name].expr, nin)
        layouts = {
            "1d": (1, [("same",)] * nin),
            "bias": (2, [("same",)] + [("flat", (False, True))] * (nin - 1)),
            "strided": (2, [("nd", (0, 1))] * nin),
            "host-scalar": (2, [("same",)] + [("arg",)] * (nin - 1)),
        }
        for lname, (ndim, patterns) in layouts.items():
            src = _source(name, code, ndim, patterns, out == np.bool_)
            mod = load_generated_module(f"ptxcheck_ew_{name}", src)
            argtypes = [arr(out), i64]
            for d, p in zip(ins, patterns):
                if p[0] == "arg":
                    argtypes.append(from_dtype(d))
                else:
                    argtypes.append(arr(d, 2, "A") if p[0] == "nd" else arr(d))
            if any(p[0] in ("flat", "nd") for p in patterns):
                argtypes += [i64] * (ndim - 1)
            for p in patterns:
                if p[0] == "flat":
                    argtypes += [i64] * sum(p[1])
            label = f"elementwise {name} {lname} {[d.name for d in ins]} -> {out.name}"
            compile_one(label, mod.kernel.py_func, argtypes, failures)


def check_clamp(failures: list) -> None:
    """clamp's, clamp_grad's, hardtanh_grad's, elu's and elu_grad's factory kernels (no
    ``expr`` of their primitives: the bounds and coefficients are params, passed to the
    kernels as host scalars), float32 and float64."""
    from dlcore.kernels.cuda import clamp as C
    from dlcore.kernels.cuda import elu as E
    from dlcore.kernels.cuda.elementwise import _source, scalar_code
    for name, expr, arrays, scalars in (
            ("clamp", C.CLAMP_EXPR, 1, 2), ("clamp_grad", C.GRAD_EXPR, 2, 2),
            ("hardtanh_grad", C.STRICT_GRAD_EXPR, 2, 2), ("elu", E.ELU_EXPR, 1, 3),
            ("elu_grad", E.GRAD_EXPR, 2, 3)):
        code = scalar_code(expr, arrays + scalars)
        for dt in FLOATS:
            for lname, ndim, pattern in (("1d", 1, ("same",)), ("strided", 2, ("nd", (0, 1)))):
                patterns = [pattern] * arrays + [("arg",)] * scalars
                mod = load_generated_module(f"ptxcheck_ew_{name}",
                                            _source(name, code, ndim, patterns, False))
                argtypes = [arr(dt), i64] + [arr(dt, 2, "A") if ndim == 2 else arr(dt)] * arrays
                argtypes += [from_dtype(np.dtype(dt))] * scalars + [i64] * (ndim - 1)
                compile_one(f"{name} {lname} {np.dtype(dt).name}", mod.kernel.py_func,
                            argtypes, failures)


def check_reduce(failures: list) -> None:
    from dlcore.kernels.cuda import reduce as R
    for op in ("sum", "max", "min"):
        for dt in ALL:
            if op != "sum" and dt is np.bool_:
                continue
            out = np.dtype(np.int64) if (op == "sum" and dt is np.bool_) else np.dtype(dt)
            if op == "sum" and dt is np.bool_:
                outs = [out, np.dtype(np.bool_)]   # sum (int64) and sum_to (keeps bool)
            else:
                outs = [out]
            for out in outs:
                mod = load_generated_module(
                    f"ptxcheck_reduce_{op}", R._TEMPLATE.format(
                        op=op, dtype=out.name, T=R.S.numpy_type_name(out), THREADS=R.S.THREADS,
                        INIT=R._init_value(op, out), COMBINE=R._COMBINE[op],
                        OFFSET=R.S.OFFSET_SOURCE, COLS_X=R.COLS_X, COLS_Y=R.COLS_Y))
                for kern in ("reduce_rows", "reduce_cols"):
                    argtypes = [arr(dt), arr(out), tup(2), tup(2), tup(1), tup(1), i64, i64,
                                i64, i64]
                    compile_one(f"{kern} {op} {np.dtype(dt).name} -> {out.name}",
                                getattr(mod, kern).py_func, argtypes, failures)
    for dt in FLOATS + INTS:
        dt = np.dtype(dt)
        mod = load_generated_module("ptxcheck_argmax", R._ARGMAX_TEMPLATE.format(
            dtype=dt.name, T=R.S.numpy_type_name(dt), THREADS=R.S.THREADS,
            OFFSET=R.S.OFFSET_SOURCE))
        for kern in ("argmax_rows", "argmax_cols"):
            argtypes = [arr(dt), arr(np.int64), tup(1), tup(1), i64, i64, i64]
            compile_one(f"{kern} {dt.name}", getattr(mod, kern).py_func, argtypes, failures)


def check_matmul(failures: list) -> None:
    from dlcore.kernels.cuda import linalg as L
    for dt in FLOATS + INTS:
        dt = np.dtype(dt)
        argtypes = [arr(dt), arr(dt), arr(dt), i64, i64, i64, tup(1), tup(1), tup(1), i64,
                    i64, i64, i64, i64]        # (the element strides: matmul_launch)
        for tm, bk in (L.BLOCKED, (8, 8)):    # the register-blocked kernel's two tiles
            mod = load_generated_module(f"ptxcheck_matmul_{tm}x{bk}", L._TEMPLATE.format(
                dtype=dt.name, T=L.S.numpy_type_name(dt), TILE=L.TILE, OFFSET=L.S.OFFSET_SOURCE,
                TD=16, TM=tm, BK=bk))
            if (tm, bk) == L.BLOCKED:
                compile_one(f"matmul {dt.name}", mod.matmul.py_func, argtypes, failures)
            compile_one(f"matmul_blocked {tm}x{bk} {dt.name}", mod.matmul_blocked.py_func,
                        argtypes, failures)


def check_fixed(failures: list) -> None:
    from dlcore.kernels.cuda import _kernels as K
    for dt in ALL:
        t = from_dtype(np.dtype(dt))
        compile_one(f"strided_copy {np.dtype(dt).name}", K.strided_copy.py_func,
                    [arr(dt), i64, tup(2), arr(dt), i64, tup(2), tup(2), i64], failures)
        compile_one(f"fill {np.dtype(dt).name}", K.fill.py_func, [arr(dt), t, i64], failures)
        compile_one(f"strided_fill {np.dtype(dt).name}", K.strided_fill.py_func,
                    [arr(dt), i64, tup(2), t, tup(2), i64], failures)
        compile_one(f"one_hot -> {np.dtype(dt).name}", K.one_hot.py_func,
                    [arr(dt), arr(np.int64), i64, i64, t, t], failures)
        gather_args = [arr(dt), arr(dt), arr(np.int64), i64, i64, i64, arr(np.int64)]
        compile_one(f"take_rows {np.dtype(dt).name}", K.take_rows.py_func, gather_args,
                    failures)
        scatter = K.scatter_or_rows if dt is np.bool_ else K.scatter_add_rows
        compile_one(f"{scatter.py_func.__name__} {np.dtype(dt).name}", scatter.py_func,
                    gather_args, failures)


def check_conv(failures: list) -> None:
    """The convolution and pooling kernels, 2-D (NCHW) and 3-D (NCDHW), float32 and float64."""
    from dlcore.kernels.cuda import _conv3d_kernels as K3
    from dlcore.kernels.cuda import _conv_kernels as K2
    b = types.boolean
    for dt in FLOATS:
        n = np.dtype(dt).name
        for rank, K, conv_p, pool_p in ((2, K2, 7, 8), (3, K3, 10, 12)):
            a, idx = arr(dt, rank + 2), arr(np.int64, rank + 2)
            pre = "" if rank == 2 else "3d"
            for kern in ("conv_fwd", "conv_bwd_input", "conv_bwd_filter"):
                name = kern if rank == 2 else kern.replace("conv", "conv3d", 1)
                compile_one(f"{name} {n}", getattr(K, name).py_func,
                            [a, a, a] + [i64] * conv_p + [i64], failures)
            compile_one(f"max_pool{pre} {n}", getattr(K, f"max_pool{pre}").py_func,
                        [a, a, idx, b] + [i64] * pool_p + [i64], failures)
            for kern in (f"avg_pool{pre}", f"avg_pool_grad{pre}"):
                compile_one(f"{kern} {n}", getattr(K, kern).py_func,
                            [a, a] + [i64] * (4 * rank) + [b, i64], failures)
        a3, i3 = arr(dt, 3), arr(np.int64, 3)
        compile_one(f"plane_gather {n}", K2.plane_gather.py_func, [a3, i3, a3, i64], failures)
        compile_one(f"plane_scatter {n}", K2.plane_scatter.py_func, [a3, i3, a3, i64], failures)


def check_grid_sample(failures: list) -> None:
    """2-D grid_sample's three kernels (the coordinates of kernels/_grid_sample_scalar.py as
    device functions), float32 and float64."""
    from dlcore.kernels.cuda import _kernels_grid_sample as KG
    for dt in FLOATS:
        a, n, f = arr(dt, 4), np.dtype(dt).name, from_dtype(np.dtype(dt))
        tail = [f] * 9 + [i64, i64, types.boolean]
        compile_one(f"grid_sample forward {n}", KG.forward.py_func, [a, a, a] + tail, failures)
        compile_one(f"grid_sample grad_input {n}", KG.grad_input.py_func, [a, a, a] + tail,
                    failures)
        compile_one(f"grid_sample grad_grid {n}", KG.grad_grid.py_func, [a, a, a, a] + tail,
                    failures)


def check_bfloat16(failures: list) -> None:
    """bfloat16's two bit conversions (kernels/_bf16_scalar.py as device functions)."""
    from dlcore.kernels.cuda import _kernels_bf16 as KB
    u16, u32 = arr(np.uint16), arr(np.uint32)
    compile_one("f32_bits_to_bf16", KB.f32_bits_to_bf16.py_func, [u16, u32, i64], failures)
    compile_one("bf16_bits_to_f32", KB.bf16_bits_to_f32.py_func, [u32, u16, i64], failures)


def check_scatter(failures: list) -> None:
    """scatter_set (atomic max of the writer, then the winners' write) and scatter_combine."""
    from dlcore.kernels.cuda import _kernels_scatter as KS
    flat_i, err = arr(np.int64), arr(np.int64)
    compile_one("last_writer", KS.last_writer.py_func, [arr(np.int64), flat_i, i64, i64, i64,
                                                        i64, err], failures)
    compile_one("check_lines", KS.check_lines.py_func, [flat_i, i64, i64, err], failures)
    for dt in ALL:
        n = np.dtype(dt).name
        compile_one(f"write_winners {n}", KS.write_winners.py_func,
                    [arr(dt), arr(dt), flat_i, arr(np.int64), i64, i64, i64, i64], failures)
        if dt is not np.bool_:
            compile_one(f"combine_lines {n}", KS.combine_lines.py_func,
                        [arr(dt), arr(dt), flat_i, i64, i64, i64, i64, i64], failures)


def check_special(failures: list) -> None:
    from dlcore.kernels.cuda import _kernels_special_math as K
    for dt in FLOATS:
        a = arr(dt)
        n = np.dtype(dt).name
        compile_one(f"special unary {n}", K.unary_kernel.py_func, [i64, a, a, i64], failures)
        compile_one(f"special binary {n}", K.binary_kernel.py_func, [i64, a, a, a, i64],
                    failures)
        compile_one(f"betainc {n}", K.betainc_kernel.py_func, [a, a, a, a, i64], failures)


def check_linalg(failures: list) -> None:
    """The per-thread solver and factorization kernels (``_kernels_linalg``) and the inverse/SVD
    kernels (``_kernels_decomp``), float32 and float64."""
    from dlcore.kernels.cuda import _kernels_decomp as KD
    from dlcore.kernels.cuda import _kernels_linalg as KL
    b = types.boolean
    ints, i32 = arr(np.int64), arr(np.int32)
    for dt in FLOATS:
        a, n, f = arr(dt), np.dtype(dt).name, from_dtype(np.dtype(dt))
        cases = [
            ("solve_gauss", KL.solve_gauss, [a, a, ints, i64, i64, i64]),
            ("trsm", KL.trsm, [a, a, a, i64, i64, b, b, i64]),
            ("cholesky_rows", KL.cholesky_rows, [a, a, ints, i64, i64]),
            ("lu_det", KL.lu_det, [a, a, a, a, i64, i64]),
            ("qr_householder", KL.qr_householder, [a, a, a, a, i64, i64, i64, i64, b, i64]),
            ("eigh_jacobi", KL.eigh_jacobi, [a, a, a, a, a, ints, i64, b, b, f, i64]),
            ("lu_parts", KL.lu_parts, [a, ints, a, i32, i64, i64, i64, i64]),
            ("inv_gauss_jordan", KD.inv_gauss_jordan, [a, a, ints, i64, i64]),
            ("svd_jacobi", KD.svd_jacobi, [a, a, a, a, ints, a, i64, i64, b, i64, f, i64]),
            ("svd_outputs", KD.svd_outputs, [a, a, ints, a, a, a, a, i64, i64, b, i64, i64, i64,
                                             b, b, i64]),
        ]
        for label, kernel, argtypes in cases:
            compile_one(f"{label} {n}", kernel.py_func, argtypes, failures)


def _without_a_device() -> None:
    """Compiling a kernel that calls a device function asks the current device for its compute
    capability; with no GPU there is none, so answer with the target's."""
    from types import SimpleNamespace

    from numba.cuda import dispatcher
    dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=CC)


def main() -> int:
    _without_a_device()
    try:
        cuda.compile_ptx(lambda: None, (), cc=CC)
    except Exception as e:  # noqa: BLE001 - any failure to find the toolkit means skip
        print(f"skipped: the CUDA toolkit's NVVM/NVRTC were not found ({type(e).__name__}: "
              f"{str(e).splitlines()[0][:200]})")
        return SKIP
    failures: list = []
    check_fixed(failures)
    check_matmul(failures)
    check_reduce(failures)
    check_elementwise(failures)
    check_clamp(failures)
    check_conv(failures)
    check_grid_sample(failures)
    check_bfloat16(failures)
    check_scatter(failures)
    check_special(failures)
    check_linalg(failures)
    for label, tb in failures:
        print(f"\n===== {label}\n{tb}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
