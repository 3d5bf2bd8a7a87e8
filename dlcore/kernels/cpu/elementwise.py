"""CPU elementwise kernels, generated from each primitive's scalar expression.

An elementwise primitive carries one scalar template (``expr``: ``'{0} + {1}'``,
``'math.exp({0})'``).  The first time the primitive runs, this module turns the template into
Python source for a family of ``@njit(cache=True)`` loops, writes it to a real file through
:func:`dlcore.jitcache.load_generated_module` (so Numba's on-disk cache works across processes)
and imports it.  Nothing is generated or compiled at import time.

The family, for a primitive with ``n`` inputs:

* ``flat_<mask>`` / ``flatp_<mask>``: one flat loop over a C-contiguous output, serial and
  ``parallel=True`` (``prange``).  ``mask`` has one letter per input: ``A`` for an input read at
  ``[i]`` (same shape as the output, C-contiguous) or ``S`` for a size-1 input read at ``[0]``
  (a broadcast scalar such as the ``2.0`` in ``x * 2.0``).  This is the fast path.
* ``row_<mask>`` / ``rowp_<mask>`` (one or two inputs): a 2-D loop over C-contiguous operands,
  each a full matrix (``A``, read ``[i, j]``), a row broadcast down the rows (``R``, ``[j]``: a
  bias add ``(N, H) + (H,)``), a column broadcast along the rows (``K``, ``[i]``: softmax's
  ``x - max(x, keepdims=True)``) or a scalar (``S``).  Contiguous types let LLVM vectorise.
* ``nd<k>`` / ``ndp<k>`` for k = 1..MAX_ND: ``k`` nested loops over strided ('A' layout) inputs.
  This is the general path: NumPy broadcasting (an input's broadcast axes get stride 0, so
  nothing is copied), non-contiguous inputs (transposed, sliced).

Before a non-flat call, the output is allocated in the memory order of the largest input (as
NumPy's ``order='K'``: ``m.T + m.T`` gives a Fortran-ordered result and walks memory in order),
and adjacent axes that are contiguous in every operand are merged ("dim collapsing"), so a
transposed add becomes one flat loop and a bias add a 2-D row loop.

If more than MAX_ND axes remain after collapsing, the primitive's NumPy function (``np_fn``) is
used instead: a documented fallback for exotic layouts, never taken by the test table's shapes.

The output dtype follows the primitive's shape rule: ``bool`` for comparisons, the ``dtype``
parameter for ``cast``, the (common) input dtype otherwise (for ``where``, the branches' dtype).
The scalar maths may be done in a wider type (``1.0 / (1 + exp(-x))`` is float64 in Numba);
the store into the output array rounds back, so a float32 op returns float32.

Parallel loops pay a fixed start-up cost (about 10 us to wake the sleeping OpenMP workers with
``OMP_WAIT_POLICY=PASSIVE``), so they are used only from PARALLEL_THRESHOLD elements on.
Measured with ``python -m benchmarks.kernels --only threshold`` on the 2-core benchmark machine
(shared with other work): ``a + b`` in float32 took 94 us serial vs 108 us parallel at 2^20
elements and 958 vs 913 us at 2^22; ``exp`` never gained from the second (busy) core.  Hence
2^21; override with ``$DLCORE_PARALLEL_THRESHOLD`` on a machine with idle cores.

Dispatch cost matters for small arrays: two-input kernels are entered through a plain function
(``_fast_entry``) whose same-shape contiguous path does no argument packing, and the layout
analysis of a broadcasting call (broadcast shape, memory order, dim collapsing, loop choice) is
cached per (shapes, strides, dtypes) as a plan, so a bias add in a training loop pays for it once.

Arithmetic and comparisons (``UFUNC_BINARY``: add, sub, mul, div and the six comparisons) run as
NumPy's ufunc on two arrays of one numeric dtype below PARALLEL_THRESHOLD, with NumPy's
floating-point warnings silenced as the loops are: the ufunc computes the same expression
bit for bit (one IEEE operation per element), its dispatch is shorter and its loops are
hand-vectorised, and it needs no compilation.  Measured on one core of the 2-core machine
(float32, us per call, generated loop vs ufunc): ``a + b`` 2.2 vs 1.1 at 64x100, 9.7 vs 8.0
at 64x1000, 16.9 vs 14.9 at 1000x100; ``x * 2.0`` 2.0 vs 0.9 at 64x100.  Each generated loop
also costs about 0.1 s of CPU to compile (0.4 s for the first one in a process): the first
eager step of the two-layer MLP compiled 13 loops before, 4 now (relu, where and two sums,
where the generated loops stay 2-8x faster than NumPy's).  From PARALLEL_THRESHOLD elements
on, the parallel loop runs as before.  The fused kernels of the graph compiler are generated
from the same expressions and are not affected.
"""

from __future__ import annotations

import itertools
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ...dtypes import is_floating
from ...jitcache import load_generated_module
from .layout import (
    _c_strides,
    _row_operands,
    _Strided,
    _strided_view,
    broadcast_strides,
    collapse_dims,
    memory_order,
)
from .runtime import PARALLEL_THRESHOLD

MAX_ND = 4
_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_ROW_MAX_NIN = 2            # 2-D row/column-broadcast loops are generated for 1 and 2 inputs

# Binary primitives whose NumPy ufunc computes exactly the primitive's scalar expression on two
# arrays of one dtype (of the kinds listed: no bool, whose subtraction NumPy refuses), and does
# it faster than the generated loop below the parallel threshold, compile time aside (see the
# module docstring): the dispatch of a ufunc call is shorter than a Numba dispatcher's, and its
# loops are hand-vectorised.
# Complex ('c') arrays take the ufunc below the threshold too (NumPy's complex loops).
UFUNC_BINARY: dict = {np.add: "fiuc", np.subtract: "fiuc", np.multiply: "fiuc",
                      np.true_divide: "fc", np.less: "fiu", np.less_equal: "fiu",
                      np.greater: "fiu", np.greater_equal: "fiu", np.equal: "fiuc",
                      np.not_equal: "fiuc"}

#: Ufuncs of UFUNC_BINARY with a matrix-by-row loop in ``_jit_rows`` (``out[i, j] = a[i, j] op
#: b[j]``: a bias add), run by ``row_op`` for a C-contiguous float32/float64 (m, n) and (n,)
#: below PARALLEL_THRESHOLD, where NumPy's broadcasting iterator costs more than the loop.
UFUNC_ROWS: dict = {np.add: "add_rows", np.subtract: "sub_rows", np.multiply: "mul_rows",
                    np.true_divide: "div_rows"}


def row_op(ufunc) -> Callable | None:
    """``run(a, b) -> ufunc(a, b)`` through ``_jit_rows``' loop for a C-contiguous (m, n) ``a``
    and a contiguous (n,) ``b`` of one float32/float64 dtype (the caller tests that; the
    binary entry below and the eager lane, ``dlcore_eager._dispatch.small_binary``), the output
    allocated by NumPy: (32, 64) + (64,) float32 1.11 -> ~0.7 us, the same values bit for bit;
    None for a ufunc without such a loop."""
    name = UFUNC_ROWS.get(ufunc)
    if name is None:
        return None
    empty = np.empty
    loop = None

    def run(a, b):
        nonlocal loop
        if loop is None:
            from . import _jit_rows
            loop = getattr(_jit_rows, name)
        out = empty(a.shape, a.dtype)
        loop(a, b, out)
        return out
    return run


# NumPy >= 2 keeps its error state in a context variable: setting it directly costs 0.2 us,
# np.errstate's keyword parsing 5 us (more than a small ufunc call itself).
try:
    from numpy._core.umath import _extobj_contextvar, _make_extobj
    _IGNORE = _make_extobj(all="ignore")

    def _quiet_fp():
        """Silence NumPy's floating-point warnings (overflow, 0/0) until ``_loud_fp``, as the
        Numba loops (error_model='numpy') are silent."""
        return _extobj_contextvar.set(_IGNORE)

    _loud_fp = _extobj_contextvar.reset
    #: (set, reset, state): the same as ``_quiet_fp``/``_loud_fp`` without the function call,
    #: for the small-array hot paths
    _QUIET: tuple = (_extobj_contextvar.set, _extobj_contextvar.reset, _IGNORE)
except ImportError:                         # pragma: no cover - NumPy 1.x
    def _quiet_fp():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def _loud_fp(state):
        state.__exit__(None, None, None)

    _QUIET = (lambda _: _quiet_fp(), _loud_fp, None)

_HEADER = '''"""Generated by dlcore.kernels.cpu.elementwise for the primitive {name!r}:
y = {expr}"""
import math

from numba import njit, prange

'''


def _scalar_expr(expr: str, nin: int) -> str:
    return expr.format(*(f"v{j}" for j in range(nin)))


def _flat_source(expr: str, nin: int, mask: str, parallel: bool) -> str:
    args = ", ".join(f"x{j}" for j in range(nin))
    loads = "\n".join(
        f"        v{j} = x{j}[i]" if m == "A" else f"        v{j} = x{j}[0]"
        for j, m in enumerate(mask))
    deco = "@njit(cache=True, nogil=True, parallel=True, error_model='numpy')" if parallel else \
        "@njit(cache=True, nogil=True, error_model='numpy')"
    rng = "prange" if parallel else "range"
    name = ("flatp_" if parallel else "flat_") + mask
    return (f"{deco}\ndef {name}(out, {args}):\n"
            f"    for i in {rng}(out.shape[0]):\n{loads}\n"
            f"        out[i] = {_scalar_expr(expr, nin)}\n\n\n")


def _nd_source(expr: str, nin: int, nd: int, parallel: bool) -> str:
    args = ", ".join(f"x{j}" for j in range(nin))
    deco = "@njit(cache=True, nogil=True, parallel=True, error_model='numpy')" if parallel else \
        "@njit(cache=True, nogil=True, error_model='numpy')"
    name = ("ndp" if parallel else "nd") + str(nd)
    lines = [f"{deco}", f"def {name}(out, {args}):"]
    for k in range(nd):
        rng = "prange" if (parallel and k == 0) else "range"
        lines.append("    " * (k + 1) + f"for i{k} in {rng}(out.shape[{k}]):")
    ind = "    " * (nd + 1)
    idx = ", ".join(f"i{k}" for k in range(nd))
    for j in range(nin):
        lines.append(f"{ind}v{j} = x{j}[{idx}]")
    lines.append(f"{ind}out[{idx}] = {_scalar_expr(expr, nin)}")
    return "\n".join(lines) + "\n\n\n"


_ROW_INDEX = {"A": "[i, j]", "R": "[j]", "K": "[i]", "S": "[0]"}


def _row_source(expr: str, nin: int, mask: str, parallel: bool) -> str:
    args = ", ".join(f"x{j}" for j in range(nin))
    deco = "@njit(cache=True, nogil=True, parallel=True, error_model='numpy')" if parallel else \
        "@njit(cache=True, nogil=True, error_model='numpy')"
    rng = "prange" if parallel else "range"
    name = ("rowp_" if parallel else "row_") + mask
    loads = "\n".join(f"            v{j} = x{j}{_ROW_INDEX[m]}" for j, m in enumerate(mask))
    return (f"{deco}\ndef {name}(out, {args}):\n"
            f"    for i in {rng}(out.shape[0]):\n"
            f"        for j in range(out.shape[1]):\n{loads}\n"
            f"            out[i, j] = {_scalar_expr(expr, nin)}\n\n\n")


def generate_source(name: str, expr: str, nin: int) -> str:
    """The Python source of the kernel family for one elementwise primitive."""
    parts = [_HEADER.format(name=name, expr=expr)]
    for mask in ("".join(m) for m in itertools.product("AS", repeat=nin)):
        parts.append(_flat_source(expr, nin, mask, False))
        parts.append(_flat_source(expr, nin, mask, True))
    if nin <= _ROW_MAX_NIN:
        for mask in ("".join(m) for m in itertools.product("ARKS", repeat=nin)):
            parts.append(_row_source(expr, nin, mask, False))
            parts.append(_row_source(expr, nin, mask, True))
    for nd in range(1, MAX_ND + 1):
        parts.append(_nd_source(expr, nin, nd, False))
        parts.append(_nd_source(expr, nin, nd, True))
    return "".join(parts).rstrip() + "\n"


# ----------------------------------------------------------------------------- the factory
_COMPARE = frozenset({"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"})


def _dtype_policy(name: str, kind: str | None) -> str:
    if kind == "compare" or (kind is None and name in _COMPARE):
        return "bool"
    if kind == "cast" or (kind is None and name == "cast"):
        return "param"
    return "input"


class _ElementwiseKernel:
    """The CPU kernel of one elementwise primitive: ``kernel(*buffers, **params)``."""

    def __init__(self, name: str, expr: str, nin: int, np_fn: Callable | None, policy: str):
        self.name = name
        self.expr = expr
        self.nin = nin
        self.np_fn = np_fn
        self.policy = policy
        self.__name__ = f"cpu_{name}"
        self._mod: types.ModuleType | None = None
        self._flat: dict = {}
        self._flat_serial = None
        self._flat_par = None
        self._plans: dict = {}
        self.ufunc = None               # set by _binary_entry for the ops of UFUNC_BINARY
        self.ufunc_kinds = ""

    def module(self):
        """The generated module (written, imported and its functions decorated on first use)."""
        if self._mod is None:
            self._mod = load_generated_module(f"ew_{self.name}",
                                              generate_source(self.name, self.expr, self.nin))
        return self._mod

    def out_dtype(self, bufs, params) -> np.dtype:
        if self.policy == "bool":
            return np.dtype(np.bool_)
        if self.policy == "param":
            return np.dtype(params["dtype"])
        return bufs[-1].dtype

    def _load_flat_all(self):
        """The flat loops for the all-``A`` mask, kept in attributes for the hot path."""
        self._flat_serial = self._flat_fn("A" * self.nin, False)
        self._flat_par = self._flat_fn("A" * self.nin, True)
        return self._flat_serial, self._flat_par

    def _flat_fn(self, mask: str, parallel: bool):
        key = (mask, parallel)
        fn = self._flat.get(key)
        if fn is None:
            fn = getattr(self.module(), ("flatp_" if parallel else "flat_") + mask)
            self._flat[key] = fn
        return fn

    def into(self, out, *bufs) -> bool:
        """Write the result into ``out`` (an in-place update: ``w -= lr * g``, ``grad += g``)
        when the layout allows one flat loop: ``out`` C-contiguous and writeable, of the result's
        dtype, each input of ``out``'s shape (C-contiguous) or holding one element, and no input
        overlapping ``out`` except ``out`` itself (an elementwise loop reads ``x[i]`` before it
        writes ``out[i]``).  Returns False, having written nothing, otherwise."""
        if type(out) is not np.ndarray:
            return False
        fl = out.flags
        od = out.dtype
        rd = bufs[-1].dtype if self.policy == "input" else self.out_dtype(bufs, {})
        if not fl.c_contiguous or not fl.writeable or (rd is not od and rd != od) or \
                (od is not _F32 and od is not _F64 and od == _F16):   # (no float16 in Numba)
            return False
        shape = out.shape
        mask = ""
        same = True                       # every input of out's dtype
        for b in bufs:
            if type(b) is not np.ndarray:
                return False
            if b is not out and (b.base is not None or out.base is not None) and \
                    np.may_share_memory(b, out):
                return False
            if b.shape == shape and b.flags.c_contiguous:
                mask += "A"
            elif b.size == 1 and b.ndim <= len(shape):
                mask += "S"
            else:
                return False
            bd = b.dtype
            if same and bd is not od and bd != od:
                same = False
        n = out.size
        if n:
            if self.ufunc is not None and n < PARALLEL_THRESHOLD and same and \
                    od.kind in self.ufunc_kinds:
                quiet, loud, ignore = _QUIET
                token = quiet(ignore)
                try:
                    self.ufunc(*bufs, out=out)
                finally:
                    loud(token)
                return True
            fn = self._flat.get((mask, n >= PARALLEL_THRESHOLD)) or \
                self._flat_fn(mask, n >= PARALLEL_THRESHOLD)
            fn(out.reshape(-1), *[b.reshape(-1) for b in bufs])
        return True

    def __call__(self, *bufs, **params) -> np.ndarray:
        return self._call(bufs, params)

    def _call(self, bufs, params) -> np.ndarray:
        for b in bufs:
            if type(b) is not np.ndarray:
                bufs = tuple(np.asarray(x) for x in bufs)
                break
        dtype = self.out_dtype(bufs, params)
        # Fast path: every input has the output's shape (C-contiguous) or holds one element.
        big = bufs[0].shape
        for b in bufs:
            if b.shape != big and (b.ndim > len(big) or b.size != 1):
                big = b.shape
        mask = ""
        for b in bufs:
            if b.shape == big and b.flags.c_contiguous:
                mask += "A"
            elif (b.size == 1 and b.ndim <= len(big)) or (b.shape == big and not any(b.strides)):
                mask += "S"         # one value, or one value broadcast (all strides 0: the
            else:                   # cotangent of a sum), read at [0] of its flat view
                return self._general(bufs, dtype, params)
        out = np.empty(big, dtype)
        n = out.size
        if n == 0:
            return out
        fn = self._flat.get((mask, n >= PARALLEL_THRESHOLD)) or \
            self._flat_fn(mask, n >= PARALLEL_THRESHOLD)
        if len(big) == 1:
            fn(out, *[b if b.ndim == 1 else b.reshape(1) for b in bufs])
        else:
            fn(out.reshape(-1), *[b.reshape(-1) for b in bufs])
        return out

    def _general(self, bufs, dtype, params) -> np.ndarray:
        """Broadcasting / non-contiguous inputs: run a cached plan for these layouts."""
        key = (dtype, *[b.shape for b in bufs], *[b.strides for b in bufs],
               *[b.dtype for b in bufs])
        plan = self._plans.get(key)
        if plan is None:
            plan = self._make_plan(bufs, dtype)
            if len(self._plans) > 1024:
                self._plans.clear()
            self._plans[key] = plan
        alloc, inv_perm, cshape, fn, specs = plan
        oview = np.empty(alloc, dtype)
        out = oview if inv_perm is None else oview.transpose(inv_perm)
        if fn is None:
            if out.size:        # documented fallback (too many non-mergeable axes)
                if self.np_fn is None:
                    raise NotImplementedError(f"dlcore: {self.name}: more than {MAX_ND} axes "
                                              "that do not merge, and no NumPy fallback")
                with np.errstate(all="ignore"):
                    res = self.np_fn(*bufs, **params)
                np.copyto(out, res, casting="unsafe")
            return out
        fn(oview.reshape(cshape), *[b.reshape(spec) if type(spec) is tuple
                                    else _strided_view(b, cshape, spec.strides)
                                    for b, spec in zip(bufs, specs)])
        return out

    def _make_plan(self, bufs, dtype) -> tuple:
        """How to run one layout: (allocation shape, inverse permutation or None, collapsed
        shape, loop function or None for the fallback, one view spec per input: a tuple is a
        reshape target (a C-contiguous view), a _Strided a zero-copy strided view)."""
        mod = self.module()
        shape = np.broadcast_shapes(*(b.shape for b in bufs))
        perm = memory_order(bufs, shape)
        pshape = shape if perm is None else tuple(shape[p] for p in perm)
        inv_perm = None if perm is None else tuple(int(i) for i in np.argsort(perm))
        if math.prod(shape) == 0:
            return pshape, inv_perm, (), None, ()       # empty: nothing to run
        ostrides = np.empty(0, dtype).itemsize * np.array(_c_strides(pshape), dtype=np.int64)
        strides = [tuple(int(v) for v in ostrides)] + [broadcast_strides(b, shape)
                                                       for b in bufs]
        if perm is not None:
            strides = [strides[0]] + [tuple(st[p] for p in perm) for st in strides[1:]]
        cshape, cstrides = collapse_dims(pshape, strides)
        par = math.prod(shape) >= PARALLEL_THRESHOLD and cshape[0] > 1
        if len(cshape) == 2 and self.nin <= _ROW_MAX_NIN:
            row = _row_operands(bufs, cshape, cstrides[1:])
            if row is not None:
                mask, targets = row
                return (pshape, inv_perm, cshape,
                        getattr(mod, ("rowp_" if par else "row_") + mask), targets)
        if len(cshape) > MAX_ND:
            return pshape, inv_perm, cshape, None, ()
        specs = []
        full = _c_strides(cshape)
        for b, st in zip(bufs, cstrides[1:]):
            if b.flags.c_contiguous and b.size == math.prod(cshape) and \
                    st == tuple(v * b.itemsize for v in full):
                specs.append(cshape)                 # contiguous: typed 'C', vectorisable
            else:
                specs.append(_Strided(st))
        fn = getattr(mod, ("ndp" if par else "nd") + str(len(cshape)))
        return pshape, inv_perm, cshape, fn, tuple(specs)


#: One-input ufuncs that compute exactly the primitive's expression (-x, |x|: no rounding, no
#: floating-point warnings), used by the one-input entry below PARALLEL_THRESHOLD, on these
#: dtype kinds (complex |x| rounds: not here).
UFUNC_UNARY: dict = {np.negative: "fi", np.absolute: "fi"}
#: The same for a one-input primitive (by name) that is a binary ufunc of its input and a 0-d
#: constant of its dtype: relu's ``x if (x > 0 or x != x) else 0`` is ``maximum(x, +0)`` bit
#: for bit (NaN kept; -0.0 gives the second operand, +0.0, as the expression; checked by
#: tests/eager/test_lane_kernels.py).  relu of 4x8 float32: 3.5 -> ~1.3 us a call.
UFUNC_UNARY_CONST: dict = {"relu": (np.maximum, 0, "fiu")}
#: The constant is given as an array of x's shape (a read-only view of one zero-filled buffer
#: per dtype) up to this many elements, as a 0-d array above: NumPy's maximum runs its SIMD loop
#: only on two full operands, and a scalar loop where one is broadcast (measured, NumPy 2.4,
#: float32, us a call, 0-d -> full: 2048 elements 1.06 -> 0.45, 16384 5.76 -> 1.51; the same at
#: 32); larger operands take the Numba loop (65536: 22.2 0-d, 3.9 full, 2.9 the loop).
CONST_FULL = 1 << 14
#: A two-input primitive (by name) whose expression, for a float array and a 0-d operand of its
#: dtype equal to a key, is one NumPy call on the array: pow's ``{0} * {0} if {1} == 2``
#: (x ** 2, a squared error: 16x100 float32 1.79 -> ~0.6 us a kernel call against the loop,
#: which tests the exponent per element).  Below PARALLEL_THRESHOLD, C-contiguous operands.
SCALAR_SPECIAL: dict = {"pow": {2: lambda a: np.multiply(a, a)}}


def elementwise_kernel(name: str, expr: str, nin: int, np_fn: Callable | None = None, *,
                       kind: str | None = None, simd_fn: Callable | None = None) -> Callable:
    """Return the CPU kernel ``f(*buffers, **params) -> ndarray`` for an elementwise primitive.

    Args:
      name: the primitive's name (names the generated module and the kernel).
      expr: the scalar template over ``{0}``, ``{1}``, ... (may use ``math.``).
      nin: the number of inputs.
      np_fn: the NumPy equivalent, used only as the fallback described in the module docstring.
      kind: the primitive's kind ('compare' -> bool output, 'cast' -> the ``dtype`` parameter);
        when omitted it is inferred from the name.
      simd_fn: a one-input NumPy ufunc to use instead of the Numba loop on floating-point
        arrays.  For transcendental functions (exp, log, tanh): this llvmlite build links no
        vector maths library, so a Numba loop makes one scalar libm call per element, while
        NumPy's ufuncs are hand-vectorised (measured 6x to 50x faster on 1M float32 values).
    """
    kern = _ElementwiseKernel(name, expr, nin, np_fn, _dtype_policy(name, kind))
    if simd_fn is not None and nin == 1:
        return _simd_entry(kern, simd_fn)
    if nin == 1:
        return _unary_entry(kern)
    if nin == 2:
        kinds = UFUNC_BINARY.get(np_fn) if type(np_fn) is np.ufunc else None
        return _binary_entry(kern, np_fn if kinds else None, kinds or "")
    return kern


def _simd_entry(kern: _ElementwiseKernel, simd_fn: Callable) -> Callable:
    """A one-input kernel that hands floating-point (and complex) NumPy arrays to a vectorised
    NumPy ufunc
    (errors silenced, as in the Numba loop: log(0) is -inf, log(-1) is nan) and everything else
    to the generated Numba loop."""
    ndarray, asarray = np.ndarray, np.asarray
    quiet, loud, ignore = _QUIET

    def entry(x, **params):
        # (float32/float64 by identity, the silencing inline: issue 19, exp of 4x8 2.5 ->
        # ~1.8 us a call)
        if type(x) is ndarray:
            d = x.dtype
            if d is _F32 or d is _F64 or is_floating(d) or d.kind == "c":
                token = quiet(ignore)
                try:
                    out = simd_fn(x)
                finally:
                    loud(token)
                return out if type(out) is ndarray else asarray(out)
        return kern(x, **params)

    return _expose(entry, kern,
                   f"CPU kernel of '{kern.name}': y = {kern.expr} (NumPy SIMD ufunc on floats)")


def _expose(entry, kern: _ElementwiseKernel, doc: str):
    entry.__name__ = kern.__name__
    entry.__doc__ = doc
    entry.module = kern.module
    entry.kernel = kern
    entry.into = kern.into
    return entry


# The entries below are where the "same shape, C-contiguous NumPy inputs" test is made, once per
# call: the dispatchers above them (registry.bind, the eager front end) only check that the
# inputs are NumPy arrays, and a call that fails the test goes to the kernel object's general
# path (``_ElementwiseKernel._call``: size-1 inputs, then broadcasting and strided layouts).
def _unary_entry(kern: _ElementwiseKernel) -> Callable:
    """A plain function in front of a one-input kernel: a C-contiguous array runs the flat loop
    with no argument packing."""
    ndarray, empty = np.ndarray, np.empty
    same_dtype = kern.policy == "input"
    # NumPy's ufunc where it computes exactly the expression (UFUNC_UNARY: -x, |x|), below
    # PARALLEL_THRESHOLD: one call instead of the empty output, two flat views and the loop
    # (-x of 4x8 float32 through the eager front end: 5.4 -> 4.6 us)
    ufunc = kern.np_fn if kern.np_fn in UFUNC_UNARY else None
    kinds = UFUNC_UNARY.get(kern.np_fn, "") if ufunc is not None else ""
    const = UFUNC_UNARY_CONST.get(kern.name)
    # dtype -> {shape: the constant as an array of that shape} (views of one read-only buffer
    # of CONST_FULL elements; None for a dtype the constant's ufunc does not take)
    consts: dict = {}

    def entry(x, **params):
        if type(x) is ndarray and x.flags.c_contiguous:
            if ufunc is not None and x.dtype.kind in kinds and x.ndim and \
                    x.size < PARALLEL_THRESHOLD and not params:
                return ufunc(x)             # (an array: x is not 0-d)
            if const is not None and x.ndim and x.size <= CONST_FULL and not params:
                d = x.dtype
                shapes: Any = consts.get(d)
                if shapes is None:
                    shapes = consts[d] = {} if d.kind in const[2] else False
                if shapes is not False:
                    s = x.shape
                    c = shapes.get(s)
                    if c is None:
                        c = _const_like(shapes, s, d, const[1])
                    return const[0](x, c)   # (an array: x is not 0-d)
            out = empty(x.shape, x.dtype if same_dtype else kern.out_dtype((x,), params))
            n = out.size
            if n:
                if n < PARALLEL_THRESHOLD:
                    fn = kern._flat_serial or kern._load_flat_all()[0]
                else:
                    fn = kern._flat_par or kern._load_flat_all()[1]
                if len(x.shape) == 1:
                    fn(out, x)
                else:                       # (C-contiguous: ravel is a view, 0.2 us against
                    fn(out.ravel(), x.ravel())      # reshape(-1)'s 0.55)
            return out
        return kern._call((x,), params)

    return _expose(entry, kern, f"CPU kernel of '{kern.name}': y = {kern.expr}")


def _const_like(shapes: dict, shape: tuple, dtype, value):
    """The constant ``value`` as a read-only array of ``shape`` and ``dtype`` (at most
    CONST_FULL elements): a view of the zero-filled buffer ``shapes`` keeps under the key None,
    stored in ``shapes`` under ``shape`` (at most 256 shapes: cleared past that)."""
    buf = shapes.get(None)
    if buf is None:
        buf = np.full(CONST_FULL, value, dtype)
        buf.setflags(write=False)
    if len(shapes) > 256:
        shapes.clear()
    shapes[None] = buf
    c = shapes[shape] = buf[:math.prod(shape)].reshape(shape)
    return c


def _binary_entry(kern: _ElementwiseKernel, ufunc=None, kinds: str = "") -> Callable:
    """A plain function in front of a two-input kernel, for the dispatch-bound case of small
    arrays: two C-contiguous arrays of one shape, or one of them with a 0-d scalar buffer
    (``x * 2.0``, ``lr * g``), run the flat loop with no argument packing; everything else goes
    to the kernel object.  ``entry.module``, ``entry.kernel`` and ``entry.into`` expose it.

    With ``ufunc`` (see UFUNC_BINARY), two arrays of one dtype whose kind is in ``kinds`` and
    whose larger one is below PARALLEL_THRESHOLD go to NumPy's ufunc (floating-point warnings
    silenced, as in the Numba loop): any layout and broadcast, nothing compiled."""
    ndarray, empty, asarray = np.ndarray, np.empty, np.asarray
    same_dtype = kern.policy == "input"
    flat = kern._flat_fn
    # The ufunc's dtypes as objects, float32 and float64 first: ``d in fast`` is an identity
    # test that hits at once for them (hashing or comparing dtypes costs more than the rest of
    # the test); an equal dtype that is not one of these objects takes the general test.
    candidates: list[np.dtype] = [np.dtype(np.float32), np.dtype(np.float64)]
    candidates += [np.dtype(c) for c in np.typecodes["All"]]
    fast = tuple(d for d in candidates
                 if ufunc is not None and d.kind in kinds and d.kind != "M" and d.kind != "m")
    threshold = PARALLEL_THRESHOLD
    quiet, loud, ignore = _QUIET
    loops = kern._flat                # (mask, parallel) -> loaded loop
    special = SCALAR_SPECIAL.get(kern.name)
    rows = row_op(ufunc) if ufunc is not None else None

    def entry(a, b, **params):
        if type(a) is ndarray and type(b) is ndarray:
            d = a.dtype
            if ufunc is not None and a.size < threshold and b.size < threshold and (
                    (d is b.dtype and d in fast) or (d == b.dtype and d.kind in kinds)):
                if rows is not None and b.ndim == 1 and a.ndim == 2 and \
                        (d is _F32 or d is _F64) and a.shape[1] == b.shape[0] and \
                        a.flags.c_contiguous and b.flags.c_contiguous:
                    return rows(a, b)           # (a bias add: see row_op)
                token = quiet(ignore)
                try:
                    out = ufunc(a, b)
                finally:
                    loud(token)
                return out if type(out) is ndarray else asarray(out)
            sa, sb = a.shape, b.shape
            if sa == sb:
                if a.flags.c_contiguous and b.flags.c_contiguous:
                    out = empty(sa, b.dtype if same_dtype else kern.out_dtype((a, b), params))
                    n = out.size
                    if n:
                        if n < PARALLEL_THRESHOLD:
                            fn = kern._flat_serial or kern._load_flat_all()[0]
                        else:
                            fn = kern._flat_par or kern._load_flat_all()[1]
                        if len(sa) == 1:
                            fn(out, a, b)
                        else:
                            fn(out.ravel(), a.ravel(), b.ravel())     # (contiguous: views)
                    return out
            elif not sb:                    # array (op) 0-d scalar
                if special is not None and d is b.dtype and (d is _F32 or d is _F64) and \
                        a.size < threshold and a.flags.c_contiguous:
                    fn = special.get(b[()])
                    if fn is not None:
                        token = quiet(ignore)
                        try:
                            return fn(a)
                        finally:
                            loud(token)
                if a.flags.c_contiguous:
                    out = empty(sa, b.dtype if same_dtype else kern.out_dtype((a, b), params))
                    n = out.size
                    if n:
                        big = n >= threshold
                        (loops.get(("AS", big)) or flat("AS", big))(
                            out.ravel(), a.ravel(), b.reshape(1))
                    return out
            elif not sa:                    # 0-d scalar (op) array
                if b.flags.c_contiguous:
                    out = empty(sb, b.dtype if same_dtype else kern.out_dtype((a, b), params))
                    n = out.size
                    if n:
                        big = n >= threshold
                        (loops.get(("SA", big)) or flat("SA", big))(
                            out.ravel(), a.reshape(1), b.ravel())
                    return out
        return kern._call((a, b), params)

    doc = f"CPU kernel of '{kern.name}': y = {kern.expr}"
    if ufunc is not None:
        doc += f" (NumPy's {ufunc.__name__} below {PARALLEL_THRESHOLD} elements)"
        kern.ufunc, kern.ufunc_kinds = ufunc, kinds
    return _expose(entry, kern, doc)
