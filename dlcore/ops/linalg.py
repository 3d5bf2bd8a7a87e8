"""Matrix multiplication: 2-D and batched (leading dimensions broadcast, as in NumPy).

    y = a @ b;   da = g @ b^T,   db = a^T @ g   (each summed back over broadcast batch axes;
                                               complex: b^H and a^H, conjugate transposes)

Both cotangents are returned as thunks, so an eager backward that needs only ``db`` (the usual
``x @ w`` with data ``x``) never pays for ``da``.

    addmm(c, a, b)  y = c + a @ b   (a (M, K), b (K, N), c broadcast to (M, N): a linear layer's
                    bias);  dc = sum_to(g, c),  da = g @ b^T,  db = a^T @ g

``addmm`` is PyTorch's one node for ``linear``/``addmm`` with a bias (``AddmmBackward0``, its
inputs in PyTorch's order: bias, mat1, mat2): the eager front end records it instead of a matmul
node and an add node (issue 19: F.linear of 1x32 @ 32x32 with grad, 6.71 -> 5.49 us, 2.23x ->
1.67x PyTorch in ``python -m benchmarks.eager_ops_micro linear``).
Real floats only; the composites (``ops.linear``, ``ops.addmm``) keep matmul + add elsewhere.
"""

from __future__ import annotations

import numpy as np

from ..device import is_cuda_array
from ..errors import ShapeError
from ..kernels.cpu import jit_module as _jit_module
from ..kernels.cpu import linalg as _cpu
from ..kernels.cuda import linalg as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from ._fastpath import LEAN_VJPS, lean3
from . import elementwise as _ew
from . import reduce as _reduce
from . import shape as _shape


def _matmul_rule(a: AVal, b: AVal, transpose_a: bool = False,
                 transpose_b: bool = False) -> AVal:
    if a.ndim < 2 or b.ndim < 2:
        raise ShapeError("matmul", "Shape must be rank >= 2 (use expand_dims for vectors)",
                         [a.shape, b.shape])
    dtype = _rules.same_dtype("matmul", a, b)
    _rules.require_numeric("matmul", a, b)
    m, k1 = (a.shape[-1], a.shape[-2]) if transpose_a else (a.shape[-2], a.shape[-1])
    k2, n = (b.shape[-1], b.shape[-2]) if transpose_b else (b.shape[-2], b.shape[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise ShapeError("matmul", f"Dimensions must be equal, but are {k1} and {k2}",
                         [a.shape, b.shape])
    batch = _rules.broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2])
    return AVal(batch + (m, n), dtype)


def _plain_matrices(g, a, b) -> bool:
    """Eager backward's common case for matmul's and addmm's vjps: three float NumPy matrices
    of one dtype and the stock CPU matmul and transpose kernels, so that ``g @ b^T`` and
    ``a^T @ g`` are the matmul kernel on the transposed views (what the general rules run for
    them: no conjugate for real values, no sum as each product has its input's shape),
    without their op layers."""
    if type(g) is _ndarray and type(a) is _ndarray and type(b) is _ndarray and \
            g.ndim == 2 and a.ndim == 2 and b.ndim == 2:
        d = g.dtype
        return (d is _F32 or d is _F64) and a.dtype is d and b.dtype is d and \
            _MATMUL_KERNELS["cpu"] is _cpu_matmul and \
            _shape._TRANSPOSE_KERNELS["cpu"] is _shape._cpu_transpose
    return False


def _matmul_vjp(g, y, a, b, transpose_a: bool = False, transpose_b: bool = False):
    if transpose_a or transpose_b:
        return _flagged_vjp(g, a, b, transpose_a, transpose_b)
    if type(g) is _ndarray and _plain_matrices(g, a, b):
        return _plain_grads(g, a, b)
    fe = lean3(g, a, b, shaped=False)
    if fe is not None:
        res = _matmul_lean(fe, g, None, a, b)    # (y unread: a stale output is no error)
        if res is not None:
            return res
    if _device_matrices(a, b):
        # two real CUDA matrices (eager backward on the GPU): the transposes as the kernel's
        # flags, read through swapped strides, instead of a transpose kernel each (the seed's
        # eager step launched 3 of its 30 kernels for them on an H200)
        return matmul_grads(g, a, b)
    if aval_of(a).dtype.kind != "c" and aval_of(b).dtype.kind != "c":
        # real operands (a static graph's gradient nodes): _conj below is the identity on
        # both, so it is not called in each cotangent
        return (lambda: _reduce.sum_to(matmul(g, _shape.matrix_transpose(b)), a),
                lambda: _db(g, a, b))
    _conj = _ew._conj                            # (complex: da = g b^H, db = a^H g)
    return (lambda: _reduce.sum_to(matmul(g, _conj(_shape.matrix_transpose(b))), a),
            lambda: _db(g, _conj(a), b))


def _device_matrices(a, b) -> bool:
    """Are ``a`` and ``b`` real CUDA device matrices of one dtype (numba.cuda arrays, or eager
    Tensors holding them)?"""
    if type(a) is _ndarray:
        return False
    a, b = getattr(a, "_buf", a), getattr(b, "_buf", b)
    return is_cuda_array(a) and is_cuda_array(b) and \
        len(a.shape) == 2 and len(b.shape) == 2 and a.dtype == b.dtype and \
        a.dtype.kind == "f"


def _plain_grads(g, a, b):
    """``(da, db)`` thunks of ``a @ b`` for NumPy matrices (eager backward): ``g b^T`` and
    ``a^T g``, each in its operand's layout: for an operand that is a transposed view (``x @
    W.t()``: F.linear's weight) its cotangent is computed transposed, ``(g^T a)^T``, so that
    the transpose's own vjp hands the weight a C-ordered gradient.  Before, the weight's
    gradient was the transposed view of a C-ordered product, and accumulating it into
    ``.grad`` (or its first copy there) read it with strides: 42 us for a 256x256 weight
    against ~5 contiguous; F.linear 16x256 @ (256x256)^T forward and backward 180 -> ~100 us
    (1 thread).  The same values bit for bit (the same products, operands read transposed)."""
    if a.flags.f_contiguous and not a.flags.c_contiguous:
        da = (lambda: _cpu_matmul(b, g.T).T)
    else:
        da = (lambda: _cpu_matmul(g, b.T))
    if b.flags.f_contiguous and not b.flags.c_contiguous:
        return da, (lambda: _cpu_matmul(g.T, a).T)
    return da, (lambda: _cpu_matmul(a.T, g))


def _matmul_lean(fe, g, y, a, b, transpose_a: bool = False, transpose_b: bool = False):
    """matmul's vjp for concrete real matrices of one float dtype (create_graph's Tensors):
    g b^T and a^T g by the front end's lanes, no conjugate and no sum."""
    if transpose_a or transpose_b or g._buf.ndim != 2 or a._buf.ndim != 2 or b._buf.ndim != 2:
        return None
    # (the lanes' entries for a product of two matrices and a matrix's transpose)
    return (lambda: fe.mm(g, fe.swap(b)), lambda: fe.mm(fe.swap(a), g))


def _db(g, a, b):
    """``a^T @ g`` summed over the batch axes; for a stack times one matrix ((..., M, K) @
    (K, N), a linear layer on a sequence) one (K, prod(...) M) @ (prod(...) M, N) matmul
    instead of a batched matmul and a sum over its batch."""
    if type(a) is _ndarray and type(b) is _ndarray:
        sa, sb = a.shape, b.shape            # (eager backward's buffers: no AVal built)
    else:
        sa, sb = aval_of(a).shape, aval_of(b).shape
    if len(sb) == 2 and len(sa) > 2 and None not in sa:
        a2 = _shape.reshape(a, (-1, sa[-1]))
        g2 = _shape.reshape(g, (-1, sb[-1]))
        return matmul(_shape.matrix_transpose(a2), g2)
    return _reduce.sum_to(matmul(_shape.matrix_transpose(a), g), b)


def _flagged_vjp(g, a, b, ta: bool, tb: bool):
    """The vjp of ``op(a) @ op(b)`` (``op`` a transpose where its flag is set): TensorFlow's
    ``_MatMulGrad``, the transposes as flags, for real matrices; otherwise the plain vjp of
    the transposed operands, its cotangents transposed back."""
    if aval_of(a).ndim == 2 and aval_of(b).ndim == 2 and aval_of(a).dtype.kind != "c" and \
            aval_of(b).dtype.kind != "c":
        return matmul_grads(g, a, b, ta, tb)
    A = _shape.matrix_transpose(a) if ta else a
    B = _shape.matrix_transpose(b) if tb else b
    da, db = _matmul_vjp(g, None, A, B)
    return ((lambda: _shape.matrix_transpose(da())) if ta else da,
            (lambda: _shape.matrix_transpose(db())) if tb else db)


def matmul_grads(g, a, b, ta: bool = False, tb: bool = False) -> tuple:
    """The cotangents (thunks) of real matrices ``a`` and ``b`` in ``op(a) @ op(b)``, as
    TensorFlow's ``_MatMulGrad`` builds them: products whose transposes are flags
    (``transpose_a``/``transpose_b``), no Transpose node (``tf.gradients``, issue 19)."""
    if not ta and not tb:               # y = a b:      da = g b^T,    db = a^T g
        # (tf.gradients' common case: bound directly)
        return (lambda: bind(matmul_p, g, b, transpose_a=False, transpose_b=True),
                lambda: bind(matmul_p, a, g, transpose_a=True, transpose_b=False))
    if not ta:                          # y = a b^T:    da = g b,      db = g^T a
        return (lambda: _flag_mm(g, b, False, False), lambda: _flag_mm(g, a, True, False))
    if not tb:                          # y = a^T b:    da = b g^T,    db = a g
        return (lambda: _flag_mm(b, g, False, True), lambda: _flag_mm(a, g, False, False))
    return (lambda: _flag_mm(b, g, True, True),          # y = a^T b^T:  da = b^T g^T,
            lambda: _flag_mm(g, a, True, True))          # db = g^T a^T


def _flag_mm(a, b, ta: bool, tb: bool):
    if ta or tb:
        return bind(matmul_p, a, b, transpose_a=ta, transpose_b=tb)
    return bind(matmul_p, a, b)


matmul_p = Primitive("matmul", _matmul_rule, _matmul_vjp, kind="matmul", tf_type="MatMul",
                     doc="y = op(a) @ op(b), op a transpose of the last two axes where "
                         "transpose_a/transpose_b is set;  da = g @ b^T,  db = a^T @ g",
                     kernels={"cpu": _cpu.matmul, "cuda": _cuda.matmul},
                     static_cpu=_cpu.for_static_shapes)      # (for known shapes: a plan's)
_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_MATMUL_KERNELS = matmul_p.kernels
_cpu_matmul = _cpu.matmul


def matmul(a, b):
    if type(a) is _ndarray and type(b) is _ndarray and a.ndim == 2 and b.ndim == 2:
        d = a.dtype
        if (d is _F32 or d is _F64) and d is b.dtype and a.shape[1] == b.shape[0] and \
                _MATMUL_KERNELS["cpu"] is _cpu_matmul:
            # two float NumPy matrices of one dtype whose inner sizes agree (the matmul vjp's
            # products in eager backward): nothing to promote, the rule passes, and bind would
            # call this CPU kernel
            return _cpu_matmul(a, b)
    # (elementwise is imported at module level: an import statement in the function ran the
    # import machinery on every call, ~1 us, in every matmul and every matmul vjp)
    a, b = _ew._promote(a, b)
    return bind(matmul_p, a, b)


def _addmm_rule(c: AVal, a: AVal, b: AVal) -> AVal:
    mm = _matmul_rule(a, b)
    if a.ndim != 2 or b.ndim != 2 or c.ndim > 2:
        raise ShapeError("addmm", "expected matrices a, b and a bias of rank <= 2",
                         [c.shape, a.shape, b.shape])
    _rules.same_dtype("addmm", c, a)
    if _rules.broadcast_shapes("addmm", c.shape, mm.shape) != mm.shape:
        raise ShapeError("addmm", f"the bias {c.shape} does not broadcast to {mm.shape}",
                         [c.shape, a.shape, b.shape])
    return mm


def _addmm_vjp(g, y, c, a, b):
    if type(g) is _ndarray and type(c) is _ndarray and c.ndim == 1 and g.shape[0] == 1 and \
            c.shape[0] == g.shape[1] and g.dtype is c.dtype:
        # eager backward, a batch of one (an RNN's step): the bias's sum over one row is the
        # row itself (exact, as sum_to's kernel computes it: one term), copied as it copies
        def dc():
            return g.reshape(c.shape).copy()
    else:
        def dc():
            return _reduce.sum_to(g, c)
    if type(g) is _ndarray and _plain_matrices(g, a, b):    # (as matmul's vjp: the kernel)
        return (dc,) + _plain_grads(g, a, b)
    fe = lean3(g, a, b, shaped=False)
    if fe is not None:                   # (as matmul's vjp: the front end's lanes)
        res = _addmm_lean(fe, g, None, c, a, b)     # (y unread: see _buffer_pass._unread)
        if res is not None:
            return res
    return (dc, lambda: matmul(g, _shape.matrix_transpose(b)),
            lambda: matmul(_shape.matrix_transpose(a), g))


def _addmm_lean(fe, g, y, c, a, b):
    """addmm's vjp for concrete matrices (matmul's, ``_matmul_lean``) and bias."""
    res = _matmul_lean(fe, g, None, a, b)        # (y unread: no output Tensor made for it)
    return None if res is None else (lambda: _reduce.sum_to(g, c),) + res


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_rows = _jit_module("_jit_rows")


def _cpu_addmm(c, a, b):
    out = _MATMUL_KERNELS["cpu"](a, b)
    d = out.dtype
    if c.ndim == 1 and out.ndim == 2 and c.dtype is d and (d is _F32 or d is _F64) and \
            out.shape[1] == c.shape[0] and out.flags.c_contiguous and c.flags.c_contiguous:
        # a bias vector: ``c[j] + out[i, j]`` in place by _jit_rows' loop, the same values as
        # np.add below without its broadcasting iterator (F.linear 32x64 @ 64x64: ~0.8 us less)
        _rows().add_row_into(out, c)
        return out
    return np.add(c, out, out=out)      # (the product is a fresh array, its dtype c's)


def _cuda_addmm(c, a, b):
    return _ew.add_p.kernels["cuda"](c, _MATMUL_KERNELS["cuda"](a, b))


addmm_p = Primitive("addmm", _addmm_rule, _addmm_vjp,
                    doc="y = c + a @ b;  dc = sum_to(g, c),  da = g @ b^T,  db = a^T @ g",
                    kernels={"cpu": _cpu_addmm, "cuda": _cuda_addmm})


LEAN_VJPS.update({matmul_p: _matmul_lean, addmm_p: _addmm_lean})


def dot(a, b):
    """NumPy-style: vectors are promoted to matrices and the added axes removed again."""
    va, vb = aval_of(a).ndim == 1, aval_of(b).ndim == 1
    a2 = _shape.expand_dims(a, 0) if va else a
    b2 = _shape.expand_dims(b, 1) if vb else b
    out = matmul(a2, b2)
    if va and vb:
        return _shape.reshape(out, ())
    if va:
        return _shape.squeeze(out, -2)
    if vb:
        return _shape.squeeze(out, -1)
    return out
