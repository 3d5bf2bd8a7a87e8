"""Row writes into a loop's accumulators, done in place by the loop instead of by its body.

``tf.scan``, ``tf.map_fn`` and ``dynamic_rnn`` collect each step's output in a loop variable of
shape (T, ...): ``acc = acc + scatter_add(out[None], t[None], acc)`` (``functional_ops.write``).
Run as written, every iteration allocates a zero (T, ...) array, writes one row and adds the
whole array to ``acc``: three passes over T rows per step, so O(T^2) memory traffic per loop
(at T=100, 32x64 floats per row: 0.24 ms of a 0.5 ms LSTM step).  The gradient of reading
row ``t`` of a captured (T, ...) input (``take``) has the same shape, ``scatter_add(g, t, x)``,
summed over the iterations into the capture's gradient.

TensorFlow writes into a ``TensorArray`` in place.  Here the compiled loop (``control.py``)
does: when a loop variable is only ever used by such an update (its other readers: none; the
gradient does not read it), the body's program returns the row values and indices
(``find_updates``), and the loop adds them into a buffer it owns (``scatter_into``), after the
body's program has returned (so a body that fails and is re-run step by step to name the
failing node cannot add a row twice).  The buffer starts as a copy of the initial value; the
loop's result is that buffer.  The same for a WhileGrad's sums of captured gradients.

A weight's gradient summed over the iterations (``x_t^T @ g_t``) is made once, after the
loop, from the stacked ``x_t`` and ``g_t`` (``gradient_matmuls``).
"""

from __future__ import annotations

import numpy as np

from dlcore.kernels.cpu import gemm_mkl as _mkl
from dlcore.kernels.cpu.blas_threads import for_gemm as _for_gemm
from dlcore.kernels.cpu.blas_threads import matmul as _gemm
from dlcore.kernels.cpu.linalg import _DOT

from ..graph import Operation, Tensor
from ..runtime import wrap_error
from .gemm_direct import _gemm as _direct
from .gemm_direct import available, direct_shape
from .transpose import transpose32

_F32 = np.dtype(np.float32)

_rows_kernel = None


def _scatter_kind(t: Tensor, ctx) -> Operation | None:
    op = t.op
    if op._ctx is ctx and op.prim is not None and op.prim.name == "scatter_add" and \
            not op.control_inputs:
        return op
    return None


def find_updates(lvars: list, outs: list, ctx, ops: list, excluded: set) -> dict:
    """``{j: scatter_add op}`` for the loop variables ``lvars[j]`` whose new value ``outs[j]``
    is ``lvars[j] + scatter_add(v, i, ref)`` and which nothing else of the loop (``ops``: the
    body's and cond's ops) reads; ``excluded``: tensors that must stay values (the saved
    tensors of a history)."""
    readers: dict = {}
    for op in ops:
        for t in op.inputs:
            readers.setdefault(t, set()).add(op)
    found = {}
    for j, (lv, out) in enumerate(zip(lvars, outs)):
        op = out.op
        if lv in excluded or out in excluded or op._ctx is not ctx or op.prim is None or \
                op.prim.name != "add" or op.control_inputs:
            continue
        a, b = op.inputs
        other = b if a is lv else (a if b is lv else None)
        sop = None if other is None else _scatter_kind(other, ctx)
        if sop is None or other in excluded:
            continue
        v, i, ref = sop.inputs
        if v is lv or i is lv or tuple(ref.aval.shape) != tuple(lv.aval.shape) or \
                not lv.aval.fully_defined or v.aval.dtype != lv.aval.dtype:
            continue
        if readers.get(lv, set()) - {op, sop} or readers.get(out):
            continue
        found[j] = sop
    return found


def gradient_updates(gouts: list, ctx) -> dict:
    """``{k: scatter_add op}`` for the gradient outputs that are one ``scatter_add`` (the
    gradient of reading one row of a capture): their sum over iterations is made in place."""
    found = {}
    for k, g in enumerate(gouts):
        sop = _scatter_kind(g, ctx)
        if sop is not None and sop.inputs[0].aval.dtype == g.aval.dtype:
            found[k] = sop
    return found


def gradient_matmuls(gouts: list, ctx) -> dict:
    """``{k: (x, g)}`` for the gradient outputs that are ``matmul(transpose(x), g)`` of 2-D
    values (the gradient of a weight the body multiplies by: ``x @ W``).  Their sum over the
    iterations is one matmul after the loop, ``concat(x_t)^T @ concat(g_t)``, instead of a
    small (K = batch) matmul and a pass over the whole weight-sized sum per iteration (the LSTM
    kernel's (400, 800) gradient at batch 20: 35 of each per step)."""
    found = {}
    for k, t in enumerate(gouts):
        op = t.op
        if op._ctx is not ctx or op.prim is None or op.prim.name != "matmul" or \
                op.control_inputs:
            continue
        a, g = op.inputs
        top = a.op
        if top._ctx is not ctx or top.prim is None or top.prim.name != "transpose" or \
                tuple(top.params.get("perm", ())) != (1, 0) or top.control_inputs:
            continue
        x = top.inputs[0]
        if x.aval.ndim != 2 or g.aval.ndim != 2 or x.aval.dtype != t.aval.dtype or \
                g.aval.dtype != t.aval.dtype:
            continue
        if _summed_in_segment(x, g):
            continue
        found[k] = (x, g)
    return found


#: False: such products are stacked after the loop as before (for measuring the difference)
SUM_IN_SEGMENT = True


def _summed_in_segment(x: Tensor, g: Tensor) -> bool:
    """Is ``x^T @ g`` a float32 product that the gradient body's segment runs by the
    unpacked kernel (``gemm_in_numba``: ``x^T`` tiled, the product and the running sum in the
    same call)?  Its sum then stays per iteration, as the interpreter's: the same bits as the
    interpreter, and no stacked copies (the control-flow step's ``w_r``: the stacks'
    concatenations, their transpose and the one (128, 64 t) @ (64 t, 128) product cost more
    than t (128, 64) @ (64, 128) products summed in the body, issue 19)."""
    from . import gemm_in_numba
    sx = tuple(x.aval.shape)
    return SUM_IN_SEGMENT and gemm_in_numba.direct_operands(
        sx[::-1], x.aval.dtype, tuple(g.aval.shape), g.aval.dtype, small=False)


def stacked_product(xs: list, gs: list, like) -> np.ndarray:
    """``sum_t x_t^T @ g_t`` as one matmul of the stacked rows; zeros like ``like`` when the
    loop ran no iteration.  ``x^T`` is passed as a view (BLAS reads it transposed): a
    C-contiguous copy of it first was slower with OpenBLAS primed (``blas_threads.prime``),
    1 thread, CPU time, us (copy vs view): (320, 128)^T @ (320, 128) 439 vs 383, (700, 400)^T
    @ (700, 800) 13830 vs 13249, (1600, 96)^T @ (1600, 256) 2604 vs 2404; same values.
    Two float matrices of one dtype (the common case) go to NumPy's ``dot`` and ``concatenate``
    C functions directly, the BLAS threads set as ``blas_threads.matmul`` sets them: the same
    gemm (``kernels.cpu.linalg``: np.dot and np.matmul agree bit for bit there), five Python
    calls fewer (issue 19).  A short float32 stack of direct shape goes to ``gemm_direct``
    instead (``DIRECT_STACK_K``), and a float32 product that ``gemm_mkl.takes`` to MKL's
    sgemm, as ``linalg.matmul`` routes ``x^T @ g`` (one thread, CPU time, us, NumPy's dot ->
    MKL: (700, 400)^T @ (700, 800) 3011 -> 2892, (700, 200)^T @ (700, 800) 1692 -> 1525,
    (1600, 96)^T @ (1600, 256) 716 -> 676, (320, 128)^T @ (320, 128) 85 -> 70)."""
    if not xs:
        return np.zeros(np.shape(like), like.dtype)
    x = xs[0] if len(xs) == 1 else _concatenate(xs, 0)
    g = gs[0] if len(gs) == 1 else _concatenate(gs, 0)
    if x.ndim == 2 and g.ndim == 2 and x.dtype == g.dtype and x.dtype in _DOT:
        k, m = x.shape
        _for_gemm(2.0 * m * k * g.shape[1])
        if x.dtype == _F32:           # (g's dtype is x's)
            n = g.shape[1]
            if k <= DIRECT_STACK_K and x.flags.c_contiguous and g.flags.c_contiguous and \
                    direct_shape(m, k, n) and available():
                return _direct(transpose32(x), g)
            if _mkl.takes(m, k, n):     # MKL where ``linalg.matmul`` takes it for x^T @ g
                return _mkl.sgemm(x.T, g)
        return _dot(x.T, g)
    return _gemm(x.T, g)


#: a stack of at most this many rows goes to ``gemm_direct`` (x^T copied C-contiguous, then
#: the unpacked kernel, the same bits as ``np.dot``): 1 thread, CPU time, us, this function
#: before/after for 1..4 (64, 128) pairs: 12.9 -> 10.7, 26.3 -> 23.2; at 3 and 4 pairs the
#: copy of the stack outweighed the kernel's gain (38.1 -> 40.3, 51.3 -> 59.8).
DIRECT_STACK_K = 128


_concatenate = getattr(np.concatenate, "_implementation", np.concatenate)
_dot = getattr(np.dot, "_implementation", np.dot)


def owned_copy(x) -> np.ndarray:
    """A C-contiguous copy of ``x`` that the loop may write into."""
    return np.array(x, copy=True, order="C")


def scatter_into(acc: np.ndarray, v, i, op: Operation) -> None:
    """``acc[i[j]] += v[j]`` in place (``acc`` owned by the loop); an index out of range raises
    the executor error naming ``op`` (the scatter_add of the graph)."""
    global _rows_kernel
    if _rows_kernel is None:
        from ._jit_rows import add_rows_checked
        _rows_kernel = add_rows_checked
    if type(i) is not np.ndarray:
        i = np.asarray(i)
    n = acc.shape[0]
    m = i.size
    rows = acc.size // n if n else 0
    if type(v) is not np.ndarray or not v.flags.c_contiguous:
        v = np.ascontiguousarray(v)
    # (the indices as they are: the kernel is compiled per integer type, and a loop's int32
    # row index converted to int64 cost a copy per call: 3.1 -> ~2 us a call, issue 19)
    bad = _rows_kernel(v.reshape(m, rows), i.reshape(m) if i.dtype.kind == "i" else
                       i.reshape(m).astype(np.int64), acc.reshape(n, rows))
    if bad != -1:
        raise wrap_error(IndexError(f"index {bad} is out of bounds for dimension 0 with size "
                                    f"{n}"), op)
