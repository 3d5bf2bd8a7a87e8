"""Loop-invariant code motion for compiled while_loops (split from ``control_loops.py``).

``invariant_frontier`` finds the values of a loop body that depend only on the loop's captures;
a ``Prologue`` computes them once per loop (a compiled sub-program of the captures, or views of
transposed input matrices with no sub-program) and hands them to every iteration, C-contiguous
where that pays: see ``control_loops.py``'s docstring for the measurements.  Also here: whether
NumPy's OpenBLAS packs a transposed right operand slowly (``transposed_b_slow``,
``COPY_B_MIN_ITERATIONS``) and ``transposed_copy``, a blocked transpose by OpenBLAS's
``omatcopy``.
"""

from __future__ import annotations

import numpy as np

from dlcore.kernels.cpu.blas_threads import numpy_openblas as _numpy_openblas
from dlcore.kernels.cpu.blas_threads import openblas_core as _openblas_core

from ..graph import Tensor
from .control import ControlStatus, Specialised, SubProgram, _key, _prune
from .transpose import transpose32

_F32 = np.dtype(np.float32)


def invariant_frontier(outputs: list, ctx, inputs: list, variant: set,
                       skip_control=None) -> list[Tensor]:
    """The loop-invariant tensors an iteration reads: values of ops of ``ctx`` that depend only
    on the loop's invariant inputs (``inputs`` minus ``variant``) and constants, used by an op
    that is not invariant (or fetched).  Computed once per loop (see the module docstring)."""
    ops = _prune(outputs, set(inputs), ctx, skip_control)
    inv: set = set()
    for op in ops:
        if op.prim is None or op.control_inputs or \
                (op.prim.kind == "index" and op.prim.name != "getitem"):
            continue
        if all(t not in variant and (t.op._ctx is not ctx or t.op in inv or
                                     t.op.type == "Const" or t in inputs)
               for t in op.inputs) and any(t.op.type != "Const" for t in op.inputs):
            inv.add(op)
    frontier: list = []
    for op in ops:
        if op in inv:
            continue
        for t in op.inputs:
            if t.op in inv and t not in frontier:
                frontier.append(t)
    for t in outputs:
        if t.op in inv and t not in frontier:
            frontier.append(t)
    return frontier


def _input_transposes(frontier: list, inputs: list) -> list | None:
    """For a frontier of ``transpose(x, (1, 0))`` of 2-D inputs ``x``: their positions in
    ``inputs``, else None."""
    where = {id(t): k for k, t in enumerate(inputs)}
    out = []
    for t in frontier:
        op = t.op
        if op.prim is None or op.prim.name != "transpose" or op.control_inputs or \
                tuple(op.params.get("perm", ())) != (1, 0) or op.inputs[0].aval.ndim != 2 or \
                id(op.inputs[0]) not in where:
            return None
        out.append(where[id(op.inputs[0])])
    return out


class Prologue:
    """The invariant values of one loop program: a compiled sub-program of the captures."""

    def __init__(self, session, passes, ctx, inputs: list, frontier: list,
                 status: ControlStatus, what: str, skip_control=None):
        self.frontier = frontier
        self.spec = None
        # invariants that are all transposed input matrices (a weight's ``W^T`` in a gradient
        # body): taken as views here, with no sub-program (whose segment returns new boxed
        # views) in between
        self.direct = _input_transposes(frontier, inputs)
        if frontier:
            def build(avals):
                sub = SubProgram(session.device, ctx, inputs, avals)
                sub.finish(sub.add(frontier, skip_control=skip_control))
                return sub, frontier
            self.spec = Specialised(session, passes, build, what, status)
            # an invariant read only by matmuls (a transposed weight in a gradient body) is
            # passed as it is: BLAS reads a transposed view, so a C-contiguous copy per run
            # is wasted (the glue makes a segment's arguments contiguous itself)
            self.as_is = [bool(cs) and all(op.prim is not None and op.prim.name == "matmul"
                                           for op in cs)
                          for cs in (t.consumers() for t in frontier)]
            # ... unless a loop of several iterations reads it as the right operand (``g @
            # W^T``) and the BLAS packs a transposed right operand slowly (``copy_b``)
            self.as_b = [keep and all(op.inputs[1] is t and op.inputs[0] is not t
                                      for op in t.consumers())
                         for keep, t in zip(self.as_is, frontier)]
            # ... or of one iteration, when every such product is a float32 one that the
            # unpacked kernel then runs (``gemm_direct``): copy + kernel 12.5 us against 16.0
            # for the transposed view at 64x128x128
            self.b_once = any(self.as_b) and all(
                _direct_product(op) for b, t in zip(self.as_b, frontier) if b
                for op in t.consumers())

    @property
    def copy_b_min_iterations(self) -> int:
        """The fewest iterations for which ``copy_b`` pays (``COPY_B_MIN_ITERATIONS``, or 1)."""
        return 1 if self.spec is not None and self.b_once else COPY_B_MIN_ITERATIONS

    def __call__(self, args: list, copy_b: bool = False) -> list:
        """The invariants for ``args``; ``copy_b``: those read only as a matmul's right
        operand C-contiguous too (see ``transposed_b_slow``)."""
        if self.spec is None:
            return []
        keeps = self.as_is if not copy_b else \
            [keep and not b for keep, b in zip(self.as_is, self.as_b)]
        if self.direct is not None:
            return [args[i].T if keep or args[i].T.flags.c_contiguous else
                    transposed_copy(args[i]) for i, keep in zip(self.direct, keeps)]
        fn = self.spec.get(_key(args), args)[0]
        return [v if keep or type(v) is not np.ndarray or v.flags.c_contiguous
                else np.ascontiguousarray(v) for v, keep in zip(fn(*args), keeps)]


#: OpenBLAS cores (``openblas_get_corename``, lower case) whose float32 GEMM is slower with
#: a transposed right operand (``a @ w.T``, a gradient body's ``g @ W^T``) than with a
#: C-contiguous one: their AVX-512 kernels.  OpenBLAS 0.3.31, 1 thread, CPU time, us, NN
#: against NT: SkylakeX 64x128x128 11.5 vs 15.9, 64x256x128 22.1 vs 31.0, 128x256x128 42.6
#: vs 49.9; Haswell (``OPENBLAS_CORETYPE=Haswell``) 20.0 vs 20.1, 39.0 vs 39.0, 75.6 vs 75.5.
SLOW_TRANSPOSED_B = frozenset({"skylakex", "cooperlake", "sapphirerapids"})
#: a WhileGrad of at least this many iterations makes such an invariant C-contiguous once
#: (a (128, 128) transposed copy, ``transposed_copy``: 2.4 us in float32, 4.8 us in float64,
#: against about 4 us saved per iteration)
COPY_B_MIN_ITERATIONS = 2
_CORE: list = []


def transposed_b_slow() -> bool:
    """Whether NumPy's OpenBLAS runs a core of ``SLOW_TRANSPOSED_B`` (asked once; False
    when it cannot be asked: another BLAS, no ``/proc``)."""
    if not _CORE:
        _CORE.append(_openblas_core() in SLOW_TRANSPOSED_B)
    return _CORE[0]


_OMATCOPY: dict = {}
_ROW_MAJOR, _TRANS = 101, 112


def _omatcopy(dtype):
    """``cblas_somatcopy``/``cblas_domatcopy`` of NumPy's OpenBLAS for ``dtype`` (float32,
    float64), or None (another dtype or BLAS).  Resolved once per dtype."""
    if dtype in _OMATCOPY:
        return _OMATCOPY[dtype]
    import ctypes
    fn = None
    letter = {np.dtype(np.float32): "s", np.dtype(np.float64): "d"}.get(np.dtype(dtype))
    lib = _numpy_openblas() if letter else None
    if lib is not None:
        for name, int_t in ((f"scipy_cblas_{letter}omatcopy64_", ctypes.c_int64),
                            (f"cblas_{letter}omatcopy64_", ctypes.c_int64),
                            (f"scipy_cblas_{letter}omatcopy", ctypes.c_int),
                            (f"cblas_{letter}omatcopy", ctypes.c_int)):
            fn = getattr(lib, name, None)
            if fn is not None:
                real = ctypes.c_float if letter == "s" else ctypes.c_double
                fn.argtypes = [ctypes.c_int, ctypes.c_int, int_t, int_t, real, ctypes.c_void_p,
                               int_t, ctypes.c_void_p, int_t]
                fn.restype = None
                break
    _OMATCOPY[dtype] = fn
    return fn


def transposed_copy(x) -> np.ndarray:
    """``x.T`` C-contiguous (a view when it is one already, as ``np.ascontiguousarray``
    gives): a new array by OpenBLAS's ``omatcopy`` for a C-contiguous
    float32/float64 matrix (a blocked transpose), else ``np.ascontiguousarray(x.T)``.  NumPy's
    strided copy of a transposed view is slow where rows are a power of two apart (cache-set
    conflicts): 1 thread, CPU time, us, numpy vs omatcopy: (128, 128) 6.7 vs 4.8, (200, 800)
    48.9 vs 17.9, (400, 800) 116 vs 39.5, (800, 400) 173 vs 41.8; the same values.  A float32
    matrix goes to ``transpose.transpose32`` (16x16 register tiles): (128, 128) 2.35 us with
    its allocation, against omatcopy's 5.1."""
    if type(x) is not np.ndarray or x.ndim != 2 or x.size == 0 or not x.flags.c_contiguous \
            or x.T.flags.c_contiguous:
        return np.ascontiguousarray(x.T)
    if x.dtype == _F32:
        return transpose32(x)
    fn = _omatcopy(x.dtype)
    if fn is None:
        return np.ascontiguousarray(x.T)
    r, c = x.shape
    out = np.empty((c, r), x.dtype)
    fn(_ROW_MAJOR, _TRANS, r, c, 1.0, x.ctypes.data, c, out.ctypes.data, r)
    return out


#: A sub-program's ``g @ x^T`` (a cond branch's gradient: ``g @ W_b^T``) gets ``x^T`` as a
#: ``transpose.transpose32`` copy when the BLAS is slow with a transposed right operand and
#: the product has at least COPY_B_MIN_MACS and at most COPY_B_MAX_MACS multiply-adds and
#: COPY_B_MIN_ROWS rows.  OpenBLAS 0.3.31 SkylakeX, 1 thread, CPU time, us, (m, k, n) of
#: ``g @ x^T``, transposed view against copy + C-contiguous: 64x128x128 15.9 vs 14.3,
#: 64x256x128 30.5 vs 28.4, 64x128x256 30.8 vs 28.7, 128x128x128 25.7 vs 24.5, 16x128x128
#: 8.9 vs 5.6; no gain at 64x512x512 (244 vs 246).  At or below 1e6 multiply-adds
#: OpenBLAS's small-matrix kernels run, and the two forms may differ in the last bit (142 of
#: 448 shapes from 16x32x32 to 128x256x256); above it they were bit-identical on all 214
#: shapes tried up to 2^24.
COPY_B_MIN_MACS, COPY_B_MAX_MACS, COPY_B_MIN_ROWS = 1_000_000, 1 << 22, 16


def _direct_product(op) -> bool:
    """Is graph matmul ``op`` a float32 product of known shapes that ``gemm_direct`` runs
    once its right operand is C-contiguous?"""
    from . import gemm_direct
    a, b = op.inputs
    sa, sb = tuple(a.aval.shape), tuple(b.aval.shape)
    if len(sa) != 2 or len(sb) != 2 or None in sa + sb or a.aval.dtype != _F32 or \
            b.aval.dtype != _F32 or op.params:
        return False
    return gemm_direct.direct_shape(int(sa[0]), int(sa[1]), int(sb[1])) and \
        gemm_direct.available()


def copy_b_text(c, py: dict, env: dict, m: int, k: int, n: int) -> str | None:
    """The glue's text for the right operand ``c`` of an (m, k) @ (k, n) float32 product in a
    sub-program (``control.py``) when ``c`` is the transpose of a matrix the glue holds and
    the copy pays (see COPY_B_MIN_MACS): ``x^T`` copied by ``transpose32`` when ``x`` is a
    C-contiguous array (else the view, as before).  None: the view as it is."""
    from .emit_numba import IN_SUB_PROGRAM
    node = c.node
    if not IN_SUB_PROGRAM.get() or node.kind != "prim" or node.prim.name != "transpose" or \
            tuple(node.params.get("perm", ())) != (1, 0) or len(node.inputs) != 1 or \
            c.aval.dtype != _F32 or not COPY_B_MIN_MACS < m * k * n <= COPY_B_MAX_MACS or \
            m < COPY_B_MIN_ROWS or not transposed_b_slow():
        return None
    x = py.get(node.inputs[0])
    if x is None or node.inputs[0].aval.dtype != _F32:
        return None
    env["_t32"], env["_nd"] = transpose32, np.ndarray
    return f"(_t32({x}) if type({x}) is _nd and {x}.flags.c_contiguous else {py[c]})"
