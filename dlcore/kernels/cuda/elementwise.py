"""CUDA elementwise kernels, generated from each primitive's scalar expression.

Every elementwise primitive carries one scalar expression (``'{0} + {1}'``,
``'math.exp({0})'``); this module turns it into a numba.cuda kernel with a *grid-stride loop*::

    @cuda.jit(cache=True)
    def kernel(out, n, a0, a1, n1, s1_1):
        start = cuda.grid(1)            # this thread's global index
        step = cuda.gridsize(1)         # how many threads the whole grid has
        for i in range(start, n, step): # thread t handles t, t + step, t + 2 step, ...
            r = i
            c1 = r % n1
            r //= n1
            c0 = r
            x0 = a0[i]                  # same layout as the output: read element i
            x1 = a1[c1 * s1_1]          # broadcast over dim 0: its stride is 0, left out
            out[i] = x0 + x1

Consecutive threads handle consecutive output elements, so the writes (and the reads of inputs
with the output's layout) are coalesced.

Broadcasting.  The output is a flat C-contiguous buffer.  Each flat output index ``i`` is turned
into coordinates ``c_d`` over the output shape (after :func:`merge_dims` has dropped size-1
dimensions and merged dimensions that are one run for every input, so ``(64, 100) + (64, 100)``
is a 1-D loop and a bias add is a 2-D one).  Each input reads the element at ``sum_d c_d *
stride_d``, with stride 0 on the dimensions it is broadcast along; such terms are left out of the
generated source, and an input whose layout equals the output's simply reads ``a[i]``.  So a bias
is read in place, never materialised at the output's size.

Non-contiguous inputs (a strided view sliced out of a device array) cannot be flattened; they are
indexed with their own N-d coordinates, ``a[c0, c1]``, and numba.cuda applies their strides.  The
same path gives :func:`copy_contiguous`, the one copy of a strided view that other kernels use.

The kernel is specialised on the layout *pattern* (number of dimensions, which inputs are
broadcast where), not on the sizes: sizes and strides are arguments, so a new batch size does
not recompile anything.  The source is written through :mod:`dlcore.jitcache` to a real file, so
``cache=True`` keeps the compiled code on disk.

Arithmetic on comparison results (``sign``'s ``({0} > 0) - ({0} < 0)``) is made explicit with
``int(...)``: Numba treats ``bool - bool`` as integers, NumPy scalars (which the simulator uses)
refuse it.  A bool output stores ``(value) != 0``, NumPy's cast to bool.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from . import _support as S

# One compiled kernel per (expression, layout pattern).
_kernels: dict[tuple, Callable] = {}
MAX_PLANS = 512        # launch plans kept per primitive (one per distinct input layout)


class _BoolArithmetic(ast.NodeTransformer):
    """Wrap a comparison used as an arithmetic operand in ``int(...)``."""

    @staticmethod
    def _wrap(node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Compare):
            return ast.Call(func=ast.Name(id="int", ctx=ast.Load()), args=[node], keywords=[])
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        node.left = self._wrap(node.left)
        node.right = self._wrap(node.right)
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Not):
            node.operand = self._wrap(node.operand)
        return node


def scalar_code(expr: str, nin: int) -> str:
    """The primitive's expression over the names ``x0, x1, ...``, ready for device code."""
    code = expr.format(*(f"x{k}" for k in range(nin)))
    tree = _BoolArithmetic().visit(ast.parse(code, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree))


# ----------------------------------------------------------------------------- layouts
# An input's access pattern:
#   ("same",)            its layout equals the output's: read a[i]
#   ("flat", mask)       contiguous: read a[sum of c_d * s_d over the dims d where mask[d]]
#   ("nd", dims)         strided view, indexed a[c_dims[0], ...]; None entries read index 0
#   ("arg",)             a host scalar (0-d NumPy value) passed as a kernel argument
def _contiguous_pattern(strides: tuple, own: tuple) -> tuple[tuple, tuple]:
    """(pattern, stride arguments) of a C-contiguous input read with ``strides`` in a loop
    whose output has ``own``: 'same' (read at the output's index) or 'flat' (the strides of
    its non-broadcast dimensions)."""
    if strides == own:
        return ("same",), ()
    return ("flat", tuple(s != 0 for s in strides)), tuple(s for s in strides if s != 0)


def _plan(inputs: list, out_shape: tuple) -> tuple[tuple, list, list]:
    """Coordinate shape, per-input patterns and per-input stride arguments."""
    nd_out = len(out_shape)
    padded = []
    for x in inputs:
        shape = tuple(x.shape)
        full = (1,) * (nd_out - len(shape)) + shape
        strides = S.c_strides(full)
        # Stride 0 where the input is broadcast (its size is 1, the output's is not).
        padded.append(tuple(0 if full[d] == 1 else strides[d] for d in range(nd_out)))
    if all(S.is_contiguous(x) for x in inputs):
        shape, stride_sets = S.merge_dims(out_shape, S.c_strides(out_shape), *padded)
        pairs = [_contiguous_pattern(strides, stride_sets[0]) for strides in stride_sets[1:]]
        return shape, [p for p, _ in pairs], [a for _, a in pairs]
    # Some input is a strided view: keep the output's own dimensions.
    patterns, args = [], []
    own = S.c_strides(out_shape)
    for x, strides in zip(inputs, padded):
        if S.is_contiguous(x):
            pattern, arg = _contiguous_pattern(strides, own)
            patterns.append(pattern)
            args.append(arg)
        else:
            lead = nd_out - len(x.shape)
            dims = tuple(None if (x.shape[j] == 1 and out_shape[lead + j] != 1) else lead + j
                         for j in range(len(x.shape)))
            patterns.append(("nd", dims))
            args.append(())
    return tuple(out_shape), patterns, args


def _needs_coords(patterns: list, ndim: int) -> bool:
    return ndim > 0 and any(p[0] in ("flat", "nd") for p in patterns)


def _source(name: str, code: str, ndim: int, patterns: list, out_bool: bool) -> str:
    """The kernel's source for one layout pattern."""
    nin = len(patterns)
    needs_coords = _needs_coords(patterns, ndim)
    params = ["out", "n"] + [f"a{k}" for k in range(nin)]
    if needs_coords:
        params += [f"n{d}" for d in range(1, ndim)]
    loads = []
    for k, p in enumerate(patterns):
        if p[0] == "same":
            loads.append(f"x{k} = a{k}[i]")
        elif p[0] == "arg":
            loads.append(f"x{k} = a{k}")
        elif p[0] == "flat":
            terms = []
            for d, used in enumerate(p[1]):
                if used:
                    params.append(f"s{k}_{d}")
                    terms.append(f"c{d} * s{k}_{d}")
            loads.append(f"x{k} = a{k}[{' + '.join(terms) if terms else '0'}]")
        else:
            idx = ", ".join("0" if d is None else f"c{d}" for d in p[1])
            loads.append(f"x{k} = a{k}[{idx or '()'}]")
    value = f"({code}) != 0" if out_bool else code
    body = ["    start = cuda.grid(1)",
            "    step = cuda.gridsize(1)",
            "    for i in range(start, n, step):"]
    if needs_coords:
        body.append("        r = i")
        for d in range(ndim - 1, 0, -1):
            body += [f"        c{d} = r % n{d}", f"        r //= n{d}"]
        body.append("        c0 = r")
    body += [f"        {line}" for line in loads]
    body.append(f"        out[i] = {value}")
    header = [f'"""Generated by dlcore.kernels.cuda.elementwise for the primitive {name!r}."""',
              "import cmath", "import math", "", "import numpy as np", "from numba import cuda",
              "", "",
              "@cuda.jit(cache=True)", f"def kernel({', '.join(params)}):"]
    return "\n".join(header + body) + "\n"


class _Launch(NamedTuple):
    """Everything about one elementwise launch that depends only on the inputs' layouts, so a
    repeated call (the same shapes, dtypes and contiguity) skips the planning entirely."""

    kernel: Any                   # a numba.cuda kernel; None: the output is empty, launch nothing
    n: int                        # output elements
    out_shape: tuple
    out_dtype: np.dtype
    feeds: tuple                  # per input: ("arg",), ("nd",) or ("flat", size)
    extra: tuple                  # the kernel's trailing int arguments: sizes, then strides
    grid: tuple                   # (blocks, threads)


def _prepare(name: str, code: str, inputs: list, out_shape: tuple, out_dtype) -> _Launch:
    """Plan the launch: access patterns, the (generated, cached) kernel, its arguments."""
    out_shape = tuple(int(d) for d in out_shape)
    out_dtype = np.dtype(out_dtype)
    n = S.size_of(out_shape)
    if n == 0:
        return _Launch(None, 0, out_shape, out_dtype, (), (), (0, 0))
    on_host = [S.is_host_scalar(x) for x in inputs]
    device = [x.reshape((1,)) if len(x.shape) == 0 else x
              for x, h in zip(inputs, on_host) if not h]
    shape, dev_patterns, dev_strides = _plan(device, out_shape)
    # Host scalars (0-d NumPy values) travel as kernel arguments: no copy to the device.
    patterns: list = []
    stride_args: list = []
    feeds: list[tuple] = []
    it = iter(zip(device, dev_patterns, dev_strides))
    for h in on_host:
        if h:
            patterns.append(("arg",))
            stride_args.append(())
            feeds.append(("arg",))
        else:
            d, p, st = next(it)
            patterns.append(p)
            stride_args.append(st)
            feeds.append(("nd",) if p[0] == "nd" else ("flat", S.size_of(d.shape)))
    key = (name, code, len(shape), tuple(patterns), out_dtype == np.bool_)
    kernel = _kernels.get(key)
    if kernel is None:
        source = _source(name, code, len(shape), patterns, out_dtype == np.bool_)
        kernel = S.load_source(f"ew_{name}", source).kernel
        _kernels[key] = kernel
    extra: list = list(shape[1:]) if _needs_coords(patterns, len(shape)) else []
    for st in stride_args:
        extra += list(st)
    return _Launch(kernel, n, out_shape, out_dtype, tuple(feeds), tuple(extra), S.launch_1d(n))


def _execute(launch: _Launch, inputs, out=None) -> object:
    """Allocate the output (or take ``out``: a flat C-contiguous device array of ``n``
    elements) and launch the planned kernel on these inputs."""
    if out is None:
        out = S.empty((launch.n,), launch.out_dtype)
    if launch.kernel is not None:
        args: list = [out, launch.n]
        for x, feed in zip(inputs, launch.feeds):
            if feed[0] == "arg":
                args.append(S.host_scalar_value(x))
            elif feed[0] == "nd":
                args.append(x)
            else:
                args.append(x if len(x.shape) == 1 else flat_view(x, feed[1]))
        args += launch.extra
        blocks, threads = launch.grid
        launch.kernel[blocks, threads](*args)
    return S.view_as(out, launch.out_shape)


def run_elementwise(name: str, code: str, inputs: list, out_shape: tuple, out_dtype):
    """Evaluate ``code`` (over x0, x1, ...) elementwise, broadcasting ``inputs`` to out_shape."""
    return _execute(_prepare(name, code, inputs, out_shape, out_dtype), inputs)


def _layout_key(x) -> tuple:
    """What a launch plan depends on: shape, dtype, contiguity (or host scalar)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return (True, np.shape(x), np.asarray(x).dtype)
    return (False, tuple(x.shape), x.dtype, x.is_c_contiguous())


def copy_contiguous(x):
    """A C-contiguous device copy of any (strided) device array."""
    return run_elementwise("copy", "x0", [x], tuple(x.shape), x.dtype)


def contiguous(x):
    """``x`` itself when C-contiguous, else a contiguous device copy (the one place a strided
    view is copied before a kernel that needs flat addressing reads it)."""
    x = S.device_operand(x)
    if S.is_contiguous(x):
        return x
    return copy_contiguous(x)


def flat_view(x, n: int):
    """The 1-D view of ``x``, a C-contiguous device array of ``n`` elements, kept on it."""
    f = getattr(x, S.FLAT, None)
    if f is None:
        f = x.reshape((n,))
        setattr(x, S.FLAT, f)
    return f


def flat(x):
    """A 1-D view of a C-contiguous device array with at least one element: the flat array an
    output was shaped from (``_support.view_as`` keeps it on the view), or a reshape, kept on
    the array for its next launch (a weight is flattened at every step).  On an H200 the seed's
    eager step made 82 numba.cuda reshapes a step, each a new device array object."""
    f = getattr(x, S.FLAT, None)
    if f is not None:
        return f
    c = contiguous(x)
    n = S.size_of(c.shape)
    if c.shape == (n,):
        return c
    return flat_view(c, n)


class _Contiguous:
    """A C-contiguous device array's layout, without the array (what ``_prepare`` reads)."""

    def __init__(self, shape) -> None:
        self.shape = tuple(int(d) for d in shape)

    def reshape(self, shape) -> _Contiguous:
        return _Contiguous(shape)

    def is_c_contiguous(self) -> bool:
        return True


def _overlaps(b, out) -> bool:
    """Might device arrays ``b`` and ``out`` share memory (other than ``b`` being ``out``
    element for element)?  By their device pointers' byte ranges (the simulator's wrapped
    NumPy arrays by ``np.shares_memory``'s cheap bound)."""
    core = getattr(b, "_ary", None)
    if core is not None:
        oc = out._ary
        if core.shape == oc.shape and core.strides == oc.strides and \
                core.__array_interface__["data"][0] == oc.__array_interface__["data"][0]:
            return False
        return bool(np.may_share_memory(core, oc))
    pb, po = b.device_ctypes_pointer.value, out.device_ctypes_pointer.value
    if pb == po and tuple(b.shape) == tuple(out.shape) and b.strides == out.strides:
        return False
    return pb < po + out.alloc_size and po < pb + b.alloc_size


def elementwise_kernel(name: str, expr: str, nin: int):
    """Return the CUDA kernel ``f(*device_arrays, **params) -> device_array`` of a primitive.

    Called when ``dlcore.ops`` is imported, so it only builds a lazy wrapper: the expression is
    compiled on the first call, per layout pattern.  The output's shape and dtype come from the
    primitive's own shape rule (bool for comparisons, ``params['dtype']`` for ``cast``).
    """
    plans: dict[tuple, _Launch] = {}

    def planned(key: tuple, bufs, params) -> _Launch:
        """The launch for these operands' layout pattern (``key``), made on its first use and
        kept in ``plans`` (bounded)."""
        from ...registry import PRIMITIVES, aval_of
        out_aval = PRIMITIVES[name].shape_rule(*(aval_of(b) for b in bufs), **params)
        launch = _prepare(name, scalar_code(expr, nin), list(bufs), out_aval.shape,
                          out_aval.dtype)
        if len(plans) >= MAX_PLANS:
            plans.clear()
        plans[key] = launch
        return launch

    def kernel(*bufs, **params):
        if len(bufs) != nin:
            raise TypeError(f"dlcore: the CUDA kernel for '{name}' takes {nin} inputs, "
                            f"got {len(bufs)}")
        key = tuple(_layout_key(b) for b in bufs) + tuple(params.items())
        launch = plans.get(key)
        if launch is None:
            launch = planned(key, bufs, params)
        return _execute(launch, bufs)

    def into(out, *bufs) -> bool:
        """``kernel(*bufs)`` written into the device array ``out`` (``x (op)= y`` in place:
        no output buffer, no copy): only when ``out`` is C-contiguous, of the result's shape
        and dtype, and no input other than ``out`` itself overlaps it (only the same element
        is read before it is written); False, having launched nothing, otherwise."""
        if len(bufs) != nin or isinstance(out, (np.ndarray, np.generic)) or \
                not out.is_c_contiguous():
            return False
        key = tuple(_layout_key(b) for b in bufs)
        launch = plans.get(key)
        if launch is None:
            launch = planned(key, bufs, {})
        if launch.out_shape != tuple(out.shape) or launch.out_dtype != out.dtype:
            return False
        for b in bufs:
            if b is not out and not S.is_host_scalar(b) and _overlaps(b, out):
                return False
        if launch.n:
            _execute(launch, bufs, out.reshape((launch.n,)) if len(out.shape) != 1 else out)
        return True

    def plan(out_shape, out_dtype, in_shapes) -> _Launch:
        """The launch of this kernel on C-contiguous device arrays of ``in_shapes`` (decided
        once, at a compiled plan's build: ``dlcore_static/compiler/cuda_glue.py``)."""
        return _prepare(name, scalar_code(expr, nin), [_Contiguous(s) for s in in_shapes],
                        out_shape, out_dtype)

    kernel.into = into                                  # type: ignore[attr-defined]
    kernel.plan = plan                                  # type: ignore[attr-defined]
    kernel.__name__ = f"cuda_{name}"
    kernel.__qualname__ = f"cuda_{name}"
    kernel.__doc__ = f"CUDA kernel of '{name}': out = {expr} elementwise, with broadcasting."
    return kernel
