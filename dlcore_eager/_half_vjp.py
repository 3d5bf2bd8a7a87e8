"""The vjp rule an eager node runs, and how a node with 16-bit values runs it.

``EAGER_VJPS``/``eager_vjp``: where PyTorch's backward differs from the core's rule (kept by the
static front end), the rule eager nodes use instead.  ``half_vjp``: a node holding float16 or
bfloat16 values (``has_half``) runs its rule in float32, as PyTorch's backward kernels for those
types compute.  (Split from :mod:`dlcore_eager._graph`, which re-exports these names.)
"""

from __future__ import annotations

import numpy as np

from dlcore import dtypes as _dt
from dlcore.ops import cast
from dlcore.ops.elementwise_cast import cast_p
from dlcore.kernels.cpu import bfloat16 as _bf16
from dlcore.registry import convention_rules as _convention_rules

from ._code_reads import reads, real_rule   # (what a rule never reads stays 16-bit)

_HALF = _dt.HALF
_F32 = _dt.float32
_F16 = np.dtype(np.float16)
_ndarray = np.ndarray


def _dtype_of(x):
    try:
        b = getattr(x, "_buf", x)
    except RuntimeError:                    # (a stale saved tensor: its dtype is known)
        return x.__dlcore_aval__().dtype
    return getattr(b, "dtype", None)


def _real_float(d) -> bool:
    """float16/bfloat16/float32/float64 (bfloat16's NumPy kind is "V")."""
    return d.kind == "f" or d in _HALF


def has_half(out, ins) -> bool:
    """Does a node hold float16 or bfloat16 values (its output buffer or an input)?"""
    if out.dtype in _HALF:
        return True
    for t in ins:
        if _dtype_of(t) in _HALF:
            return True
    return False


def half_vjp(prim, g, out, args, params, recorded):
    """A vjp rule run in float32 for a node with float16 or bfloat16 values (Tensors or
    buffers): 16-bit operands cast up, each cotangent rounded back to its input's 16-bit type
    once, as PyTorch's backward kernels for half and bfloat16 tensors compute.  ``recorded``:
    the node's inputs as recorded (their dtypes; ``args`` may hold stale tensors that raise
    only when read)."""
    kernel = cast_p.kernels["cpu"]
    if prim is cast_p:                  # (its vjp casts g to the input's dtype, directly)
        x = args[0]
        if type(g) is _ndarray and type(x) is _ndarray and _real_float(g.dtype) and \
                _real_float(x.dtype):       # (the rule's value on buffers, without bind)
            return (g if g.dtype == x.dtype else kernel(g, dtype=x.dtype),)
        return eager_vjp(prim)(g, out, *args, **params)
    dtypes = [_dtype_of(t) for t in recorded]

    def up(x, d):
        if d not in _HALF:
            return x
        if type(x) is _ndarray:             # (a buffer: the cast kernel itself, no dispatch)
            if d is not _F16 and x.flags.c_contiguous:
                return _bf16.to_float32(x)  # (the kernel's bfloat16 case)
            return kernel(x, dtype=_F32)
        if hasattr(x, "_stale_recast"):      # (changed in place: raises only when read)
            return x._stale_recast(_F32)
        return cast(x, _F32)

    def down(r, d):
        if r is None:
            return None
        if callable(r) and getattr(r, "dtype", None) is None and not hasattr(r, "_buf"):
            return lambda: down(r(), d)
        if d not in _HALF or _dtype_of(r) == d:
            return r
        return kernel(r, dtype=d) if type(r) is np.ndarray else cast(r, d)

    rule = eager_vjp(prim)
    inner = real_rule(rule)             # (called with real float32 values)
    res = rule(up(g, _dtype_of(g)), up(out, _dtype_of(out)) if reads(inner, 1) else out,
               *[up(t, d) if reads(inner, i) else t
                 for i, (t, d) in enumerate(zip(args, dtypes), 2)], **params)
    return tuple(down(r, d) for r, d in zip(res, dtypes))


#: the vjp rules eager nodes use where PyTorch's backward differs from the core's rule (kept by
#: the static front end): the primitives' PyTorch conventions (``registry.convention_rules``:
#: relu's threshold_backward, whose NaN output passes g; pow's; acosh's), and the rules eager
#: modules add to it (maximum/minimum: _math_extra; full_like)
EAGER_VJPS: dict = _convention_rules("torch")


def eager_vjp(prim):
    """The vjp rule eager nodes of ``prim`` use: ``EAGER_VJPS``' where it has one."""
    return EAGER_VJPS.get(prim) or prim.vjp
