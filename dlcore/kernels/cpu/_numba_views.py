"""``c_view`` and ``c_empty``: reshaped views and new arrays that are cheap to compile, for
the static compiler's generated segments and the CPU kernels (issue 19, the cold first step).

A generated segment flattens its C-contiguous operands for a folded loop
(``x.reshape((1600, 16))``, ``loop_fold``) and makes its results and accumulators with
``np.empty``.  Numba types each such call through its overload templates and lowers the
overload's Python implementation at each call site: about 12 ms of compile time per
``reshape`` and 10 ms per ``np.empty`` in a warm process (one thread, CPU time), plus 30-110 ms
the first time a process meets each ``np.empty`` signature; a LeNet-5 step's segments held 37
reshapes and 14 ``np.empty`` calls.  These intrinsics emit the same array structure directly
(1-2 ms each): ``c_view(a, shape)`` is ``a.reshape(shape)`` for an array whose Numba type is
C-contiguous (the same data, ``meminfo`` and ``parent``, C strides; the new shape's size is
checked at run time, a ``ValueError`` naming both sizes), and ``c_empty(shape, dtype)`` is
``np.empty(shape, dtype)`` (Numba's own allocation, ``arrayobj._empty_nd_impl``).  Typing
refuses (a Numba typing error, never a wrong view) an operand whose type is not C-contiguous.
The direct convolution's drivers and ``col2im`` take their flat views the same way
(``c_view(x, (x.size, ))`` for ``x.reshape(-1)``, about 50 ms of compile time saved per driver).
``c_ro(a)`` is ``a`` itself typed read-only: a segment passes a product's operands to the
GEMM (``gemm32``, ``mkl32``) and to the transposed copy (``tcopy32``) that way, so a committed
variable (a read-only array) and a value made in the segment share one compiled signature
(each read-only/writable mix compiled its own: 0.1-0.16 s per extra signature).

A generated module that calls them imports them with a hash of this file's text
(``import_line``), so an edit here changes the module's text and its cache entry.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from numba import types
from numba.core import cgutils, ir_utils
from numba.core.imputils import impl_ret_borrowed, impl_ret_new_ref
from numba.extending import intrinsic
from numba.np import arrayobj

__all__ = ["c_empty", "c_ro", "c_view", "import_line"]


def _dims(shape) -> int | None:
    """The rank a shape argument's type gives (an integer or a tuple of integers), or None."""
    if isinstance(shape, types.Integer):
        return 1
    if isinstance(shape, types.BaseTuple) and all(isinstance(t, types.Integer) for t in shape):
        return len(shape)
    return None


def _unpack(context, builder, shape_type, value) -> list:
    """A shape argument's values as ``intp``."""
    intp = context.get_value_type(types.intp)
    if isinstance(shape_type, types.Integer):
        vals, tys = [value], [shape_type]
    else:
        vals, tys = cgutils.unpack_tuple(builder, value, len(shape_type)), list(shape_type)
    return [context.cast(builder, v, t, types.intp) if v.type != intp else v
            for v, t in zip(vals, tys)]


@intrinsic
def c_view(typingctx, a, shape):
    """``a.reshape(shape)`` for a C-contiguous ``a`` (a view; ValueError if sizes differ)."""
    nd = _dims(shape)
    if not (isinstance(a, types.Array) and a.layout == "C" and nd is not None):
        return None
    ret = a.copy(ndim=nd, layout="C")

    def codegen(context, builder, sig, args):
        aty, sty = sig.args
        src = context.make_array(aty)(context, builder, args[0])
        dims = _unpack(context, builder, sty, args[1])
        size = context.get_constant(types.intp, 1)
        for d in dims:
            size = builder.mul(size, d)
        with cgutils.if_unlikely(builder, builder.icmp_signed("!=", size, src.nitems)):
            context.call_conv.return_user_exc(
                builder, ValueError, ("c_view: the new shape's size differs from the array's",))
        strides = [src.itemsize] * nd
        for k in range(nd - 2, -1, -1):
            strides[k] = builder.mul(strides[k + 1], dims[k + 1])
        out = context.make_array(sig.return_type)(context, builder)
        arrayobj.populate_array(out, data=src.data, shape=cgutils.pack_array(builder, dims),
                                strides=cgutils.pack_array(builder, strides),
                                itemsize=src.itemsize, meminfo=src.meminfo, parent=src.parent)
        return impl_ret_borrowed(context, builder, sig.return_type, out._getvalue())
    return ret(a, shape), codegen


def _aliases_its_array(lhs: str, args: list, alias_map: dict, arg_aliases: set) -> None:
    """Numba's alias analysis hook: ``c_view``'s result is a view of its first argument.
    Without it the parfor pass (``parallel=True``) takes the view for a fresh array and removes
    a parallel loop that only writes through it as dead code (a segment's output then held
    whatever ``np.empty`` gave: tests/core/test_fork_after_parallel.py)."""
    ir_utils._add_alias(lhs, args[0].name, alias_map, arg_aliases)


ir_utils.alias_func_extensions[("c_view", __name__)] = _aliases_its_array


@intrinsic
def c_ro(typingctx, a):
    """``a`` (an array) typed read-only: the same array structure, nothing copied."""
    if not isinstance(a, types.Array):
        return None
    ret = a.copy(readonly=True)

    def codegen(context, builder, sig, args):
        return impl_ret_borrowed(context, builder, sig.return_type, args[0])
    return ret(a), codegen


ir_utils.alias_func_extensions[("c_ro", __name__)] = _aliases_its_array


@intrinsic
def c_empty(typingctx, shape, dtype):
    """``np.empty(shape, dtype)`` (``dtype``: a NumPy scalar type such as ``np.float32``)."""
    nd = _dims(shape)
    if nd is None or not isinstance(dtype, (types.DTypeSpec, types.NumberClass)):
        return None
    ret = types.Array(dtype.dtype, nd, "C")

    def codegen(context, builder, sig, args):
        dims = _unpack(context, builder, sig.args[0], args[0])
        ary = arrayobj._empty_nd_impl(context, builder, sig.return_type, dims)
        return impl_ret_new_ref(context, builder, sig.return_type, ary._getvalue())
    return ret(shape, dtype), codegen


@functools.cache
def _tag() -> str:
    """A hash of this file's text (``import_line``)."""
    return hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]


def import_line(text: str) -> str:
    """The import line a generated module's ``text`` needs for its ``c_view``/``c_empty``/
    ``c_ro`` calls, or ''."""
    names = [name for name in ("c_empty", "c_ro", "c_view") if f"{name}(" in text]
    if not names:
        return ""
    return (f"from dlcore.kernels.cpu._numba_views import {', '.join(names)}  "
            f"# _numba_views.py {_tag()}\n")
