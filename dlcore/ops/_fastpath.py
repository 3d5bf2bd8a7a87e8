"""The vjp rules' tests for their fast paths: when may a rule skip the op layers?

Two kinds of values reach a vjp rule in eager backward:

* NumPy buffers (``_plain``): backward without ``create_graph`` runs the rules on the buffers
  themselves; the rule then calls the CPU kernels (or NumPy's ufuncs, ``_ufunc_now``) that bind
  would call, as every rule holds for them.
* concrete front-end values (``lean``): with ``create_graph`` the rules run on the eager
  Tensors, whose operations must be recorded; the rule then calls the front end's quick lanes
  (``registry.CONCRETE``: ``binary``/``apply``, what bind would call for them) without the op
  functions' promotion, AVals and axis handling, and without bind's search for the front end.

In both cases the values are of one float32/float64 dtype object (real: no conjugate, no
promotion).  ``_plain`` and ``lean``/``lean2``/``lean3`` with ``shaped`` also test that each is
of g's shape or 0-d (a number's); the branches then need no ``sum_to`` where the operand has
g's shape (a 0-d operand's cotangent still goes through ``sum_to``: add/sub/mul), and with
``shaped`` false (matmul's matrices, the op functions' operands) the branch tests the shapes
its case needs.  The values equal the general path's; the recorded graphs differ in two
PyTorch-shaped forms (softmax's one softmax_backward_data node, a whole sum's one
broadcast_to; a constant square's g is PyTorch's g (2 x ** 1) on both since 338ca3f), and
_div_lean/_pow_lean recompute a / b and a ** b for db
where the rule reads y (tests/eager/test_cg_rules.py compares both paths).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..kernels.cpu.elementwise import _QUIET
from ..kernels.cpu.runtime import PARALLEL_THRESHOLD as _PARALLEL_THRESHOLD
from ..registry import CONCRETE

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_ndarray = np.ndarray


def _plain(g, *xs) -> bool:
    """Eager backward's common case for a vjp rule: NumPy buffers, all of g's shape (or 0-d)
    and of one float32/float64 dtype, so that the rule's ops need no conjugate, no promotion
    and no ``sum_to``, and bind would call the CPU kernel itself (every rule holds): the rule
    then calls the kernel (issue 19: mul's two cotangents 1.5 -> 0.7 us each on 4x8)."""
    if type(g) is not np.ndarray:
        return False
    d = g.dtype
    if d is not _F32 and d is not _F64:
        return False
    shape = g.shape
    for x in xs:
        if type(x) is not np.ndarray or x.dtype is not d or (x.shape != shape and x.shape):
            return False
    return True


# NumPy's floating-point error state: a context variable (NumPy >= 2), read by ``_ufunc_now``
_errstate_now: Callable[[], object]
try:
    from numpy._core import umath as _umath
    _errstate_now = _umath._extobj_contextvar.get
except (ImportError, AttributeError):      # pragma: no cover - NumPy 1.x: never silenced here
    def _errstate_now() -> object:
        return False
_SILENCED = _QUIET[2]


def _ufunc_now(g) -> bool:
    """For a ``_plain`` rule: may it call NumPy's ufunc (add, sub, mul, true_divide, negative)
    itself rather than the CPU kernel?  Yes where the kernel's entry would run that ufunc on
    these float arrays (below PARALLEL_THRESHOLD; an exact IEEE operation per element, so the
    Numba loops it runs otherwise give the same bits too) and NumPy's floating-point warnings
    are already silenced, as the kernel silences them for each call: eager backward's buffer
    pass silences them once for its whole loop (issue 19: the kernel entry's tests and its
    silencing cost ~1 us of a 4x8 multiply's 1.8).  ``g`` not 0-d: a ufunc of 0-d arrays gives
    a NumPy scalar."""
    return _errstate_now() is _SILENCED and g.ndim != 0 and g.size < _PARALLEL_THRESHOLD


def lean(g):
    """The quick lanes (``registry.CONCRETE``) of ``g``'s front end where a vjp rule may use
    them, else None: ``g`` a concrete front-end value whose buffer is a NumPy array of float32
    or float64 (``lean2``/``lean3``: with operands of a type with the same lanes (eager's
    Tensor and nn.Parameter) and that dtype object, each of
    g's shape or 0-d, a number's).  A saved tensor changed in place is another type (eager's
    stale tensor): None, and the rule's general path raises PyTorch's error.  Spelled out per
    arity: these run in every vjp rule of a create_graph pass."""
    fe = CONCRETE.get(type(g))
    if fe is None:
        return None
    b = g._buf
    if type(b) is not _ndarray:
        return None
    d = b.dtype
    return fe if d is _F32 or d is _F64 else None


#: primitive -> ``f(fe, g, y, *inputs, **params)``: its vjp rule's branch for concrete values
#: (``fe``: their lanes) as a function of its own, which the rule calls once ``lean``'s tests of
#: types, buffers and dtypes passed, and which a front end's create_graph pass calls directly
#: for a node whose cotangent and inputs it has tested so, once per node (eager's
#: ``_cg_rules.cg_vjp``); it tests the shapes its case needs, None where they do not hold (the
#: rule then runs in full).  For the rules the smallest create_graph graphs are made of (a
#: mean, a square, a softmax: a call and the tests less per node, issue 19).
LEAN_VJPS: dict = {}


def lean2(g, x, shaped: bool = True):
    """``lean`` for ``g`` and one operand (see there); any shapes where ``shaped`` is
    false."""
    t = type(g)
    fe = CONCRETE.get(t)
    if fe is None or (type(x) is not t and CONCRETE.get(type(x)) is not fe):
        return None
    b, xb = g._buf, x._buf
    if type(b) is not _ndarray or type(xb) is not _ndarray:
        return None
    d = b.dtype
    if (d is not _F32 and d is not _F64) or xb.dtype is not d:
        return None
    if shaped:
        s, sx = b.shape, xb.shape
        return fe if sx == s or not sx else None
    return fe


def lean3(g, x, z, shaped: bool = True):
    """``lean`` for ``g`` and two operands (see there); any shapes where ``shaped`` is false
    (a matmul's matrices; the op functions' two operands)."""
    t = type(g)
    fe = CONCRETE.get(t)
    if fe is None or (type(x) is not t and CONCRETE.get(type(x)) is not fe) or \
            (type(z) is not t and CONCRETE.get(type(z)) is not fe):
        return None
    b, xb, zb = g._buf, x._buf, z._buf
    if type(b) is not _ndarray or type(xb) is not _ndarray or type(zb) is not _ndarray:
        return None
    d = b.dtype
    if (d is not _F32 and d is not _F64) or xb.dtype is not d or zb.dtype is not d:
        return None
    if shaped:
        s, sx, sz = b.shape, xb.shape, zb.shape
        if (sx != s and sx) or (sz != s and sz):
            return None
    return fe
