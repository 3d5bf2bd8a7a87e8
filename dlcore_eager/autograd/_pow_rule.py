"""PyTorch's gradient of ``pow``, the eager front end's rule (``_graph.EAGER_VJPS``).

dlcore's rule (``ops.elementwise._pow_vjp``) is TensorFlow's, which the static front end keeps:
``da = g b a^(b - 1)`` everywhere (0 * 0^-1 = NaN at a = 0, b = 0) and ``db = g y log(a)``
where ``a > 0``, 0 elsewhere.  PyTorch's (``pow_backward_self`` / ``pow_backward_exponent``,
tools/autograd/FunctionsManual.cpp) differs for real values:

* ``da = where(b == 0, 0, g b a^(b - 1))``: 0 where the exponent is 0 (a NaN or infinite
  ``g`` included), not NaN at a = 0;
* ``db = g where(a == 0 and b >= 0, 0, y log(a))``: NaN where a < 0 (log of a negative
  number), ``-inf`` at a = 0 with b < 0 (``inf * log 0``), and ``g * 0`` at a = 0 with
  b >= 0 (NaN for an infinite ``g``); a number base (``2.0 ** t``) is the 0-d ``a``.

Complex values keep dlcore's rule (its complex wrapper, ``pow_p.vjp``).  The masks are read
from the concrete values (NumPy buffers: eager holds values, never placeholders; device ops
make them for CUDA buffers, nothing copied to the host); the values
are computed with dlcore's ops, so that ``create_graph`` records them.  ``eager_pow_lean`` is
the create_graph pass's branch for a 0-d exponent that needs no gradient (a square's: the
core's ``_pow_da``, PyTorch's rule there already; ``_cg_rules``)."""

from __future__ import annotations

import numpy as np

from dlcore.ops import equal, greater_equal, log, logical_and, mul, pow, sub, where  # noqa: A004
from dlcore.ops.broadcast import sum_to as _sum_to
from dlcore.ops._fastpath import lean3
from dlcore.ops.elementwise import _pow_da, pow_p

_ndarray = np.ndarray


def eager_pow_vjp(g, y, a, b):
    """``pow``'s vjp rule as PyTorch's (see the module docstring)."""
    core = pow_p.vjp(g, y, a, b)
    av = a if type(a) is _ndarray else a._buf
    bv = b if type(b) is _ndarray else b._buf
    if type(av) is not _ndarray or type(bv) is not _ndarray:
        return _device_pow_vjp(core, g, y, a, b)
    if av.dtype.kind == "c" or bv.dtype.kind == "c":
        return core
    core_da, core_db = core

    def da():
        if bv.all():                        # (no exponent is 0: the rules agree)
            fe = lean3(g, a, b)             # (Tensors: create_graph's lane, as cg_vjp's)
            lean = None if fe is None else eager_pow_lean(fe, g, y, a, b)
            return core_da() if lean is None else lean[0]()
        return _sum_to(where(np.asarray(bv == 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))), a)

    def db():
        term = mul(y, log(a))
        zero = np.asarray(np.logical_and(av == 0, bv >= 0))     # (0-d: an array)
        if zero.any():
            term = where(zero, 0, term)
        return _sum_to(mul(g, term), b)
    return da, db


def _device_pow_vjp(core, g, y, a, b):
    """``eager_pow_vjp`` for device (CUDA) buffers: the masks made by device ops (no copy of
    ``a`` and ``b`` to the host, no host mask given to ``where``), nothing read back."""
    if a._buf.dtype.kind == "c" or b._buf.dtype.kind == "c":
        return core

    def da():
        return _sum_to(where(equal(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))), a)

    def db():
        zero = logical_and(equal(a, 0), greater_equal(b, 0))
        return _sum_to(mul(g, where(zero, 0, mul(y, log(a)))), b)
    return da, db


def eager_pow_lean(fe, g, y, a, b):
    """``LEAN_VJPS``' branch for eager (``_cg_rules``): a 0-d exponent that needs no gradient
    and ``a`` of ``g``'s shape, da by ``_pow_da`` (zeros for a constant exponent 0, as
    PyTorch's); None otherwise (``eager_pow_vjp`` runs).  db, should it be asked for, is
    ``eager_pow_vjp``'s, ``y`` recomputed."""
    bb = b._buf
    if bb.shape or a._buf.shape != g._buf.shape or b._rg:
        return None
    db = lambda: eager_pow_vjp(g, pow(a, b), a, b)[1]()      # noqa: E731
    if bb.item() == 2:
        square = getattr(fe, "square_da", None)
        if square is not None:          # (the three nodes in one frame: the lane's values)
            return (lambda: _either(square(g, a, b), fe, g, a, b), db)
    return (lambda: _pow_da(fe, g, a, b), db)


def _either(da, fe, g, a, b):
    """``da`` where the square's lane made it, else ``_pow_da``'s."""
    return _pow_da(fe, g, a, b) if da is None else da
