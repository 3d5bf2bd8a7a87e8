"""``pow`` and its gradient in two conventions, TensorFlow's and PyTorch's.

``y = a ** b`` (NumPy's broadcasting; an integer ``0 ** negative`` is 0, as PyTorch's).  The
primitive's gradient is written twice here, once per framework, because the two frameworks
give different values at the edges of the domain and the front ends copy their framework:

* TensorFlow's (``tf.gradients``, the static front end; the primitive's ``vjp``):
  ``da = g b a^(b - 1)`` everywhere (``0 * 0^-1`` = NaN at a = 0, b = 0) and
  ``db = g y log(a)`` where ``a > 0``, 0 elsewhere (TF's ``_PowGrad``: no NaN from the log).
* PyTorch's (``pow_backward_self`` / ``pow_backward_exponent`` in
  tools/autograd/FunctionsManual.cpp; the eager front end): ``da = where(b == 0, 0,
  g b a^(b - 1))``, 0 where the exponent is 0 (a NaN or infinite ``g`` included), not NaN at
  a = 0; ``db = g where(a == 0 and b >= 0, 0, y log(a))``: NaN where a < 0 (log of a negative
  number), ``-inf`` at a = 0 with b < 0 (``inf * log 0``) and ``g * 0`` at a = 0 with b >= 0
  (NaN for an infinite ``g``).  Complex values take the primitive's rule (its complex wrapper,
  ``pow_p.vjp``, conjugates: ``g conj(b a^(b-1))``, ``g conj(y log a)``), as PyTorch's.

The choice is the primitive's ``options["vjp_conventions"]`` (``{"torch": rule}``), which a
front end reads by its convention's name (``registry.convention_rules``): the eager front end
asks for ``"torch"``, the static front end uses ``vjp``.  Both are written with dlcore's own
ops, so either yields gradient nodes in a graph or values with ``create_graph``.  PyTorch's
masks are read from the concrete values (NumPy buffers: eager holds values, never
placeholders; device ops make them for CUDA buffers, nothing copied to the host).

``_pow_da`` and ``torch_pow_lean`` are the branches for concrete values with a 0-d exponent
(``_fastpath.LEAN_VJPS`` and its eager counterpart in ``_cg_rules``); the eager front end's
``square_da`` lane (its ``CONCRETE`` entry) makes a square's three nodes in one frame.
On CUDA buffers PyTorch's da is one ``pow_grad`` primitive (one kernel, generated from one
expression as every elementwise op; its own vjp serves second derivatives).
"""

from __future__ import annotations

import numpy as np

from ..registry import CONCRETE, AVal, aval_of, scalar_buffer
from . import _rules
from ._fastpath import LEAN_VJPS, _plain, _ufunc_now, lean3
from .broadcast import sum_to as _sum_to
from .elementwise_cast import _elementwise
from .elementwise import (
    _binary,
    _op2,
    _promote,
    add,
    add_p,
    bind,
    equal,
    greater,
    greater_equal,
    log,
    mul,
    mul_p,
    sub,
    sub_p,
    where,
    zeros_like,
)

_ndarray = np.ndarray
_ONE = {np.dtype(t): np.ones((), t) for t in (np.float32, np.float64)}


# ----------------------------------------------------------------------------- TensorFlow's
def _pow_vjp(g, y, a, b):
    """TensorFlow's rule (the primitive's ``vjp``; see the module docstring)."""
    def da():
        if type(b) is np.ndarray and b.shape == () and b == 2:
            # The square, its exponent known (eager, raw buffers): g (a + a), no pow; a + a is
            # 2 a exactly, the general rule's g (2 a^1) bit for bit.
            if _plain(g, a, b) and a.shape == g.shape:     # (their kernels, or ufuncs)
                if _ufunc_now(g):
                    return np.multiply(g, np.add(a, a))
                return mul_p.kernels["cpu"](g, add_p.kernels["cpu"](a, a))
            return _sum_to(mul(g, add(a, a)), a)
        if type(b) is np.ndarray and not b.shape and b in (0, 1) and type(g) is np.ndarray \
                and g.shape == a.shape and g.dtype == a.dtype:     # (PyTorch's zeros; g a^0
            return g if b == 1 else np.zeros_like(g)                # = g, NaN too: a^1's)
        if type(b) is np.ndarray and not b.shape and _plain(g, a, b) and a.shape == g.shape:
            # Any other 0-d exponent of the operand's dtype (``y ** 3``, eager buffers): the
            # general rule's four ops below on their CPU kernels (its sub, pow, two muls; the
            # sum_to is the identity here), bit for bit, without four binds (a neural ODE's
            # 16x2 cube: 34 -> 6 us a node)
            m = mul_p.kernels["cpu"]
            return m(g, m(b, pow_p.kernels["cpu"](a, sub_p.kernels["cpu"](b, _ONE[b.dtype]))))
        fe = lean3(g, a, b)
        if fe is not None and not b._buf.shape and a._buf.shape == g._buf.shape:
            return _pow_da(fe, g, a, b)
        return _sum_to(mul(g, mul(b, pow(a, sub(b, 1)))), a)

    def db():
        if aval_of(a).dtype.kind == "c":      # complex (conjugated by complex_ops): g y log a
            return _sum_to(mul(g, mul(y, log(a))), b)
        # TensorFlow's rule: log(a) only where a > 0, zero elsewhere (no NaN from the log).
        safe_log = where(greater(a, 0), log(where(greater(a, 0), a, 1)), 0)
        return _sum_to(mul(g, mul(y, safe_log)), b)
    return da, db


def _pow_da(fe, g, a, b, _m1s: dict = {}):  # noqa: B006 - (dtype, value, type) -> b - 1
    """pow's da for concrete values, a 0-d exponent: PyTorch's pow_backward, g (b a^(b - 1))
    (a^1 of a square in the graph: a third derivative is zeros, as PyTorch's), zeros with no
    graph for a constant exponent 0 (PyTorch's zeros_like; not 0 a^-1, NaN at a = 0)."""
    if b.requires_grad:           # (d/db of da: g a^(b - 1) (1 + b ln a))
        return fe.binary(mul_p, g, fe.binary(mul_p, b, fe.binary(pow_p, a, sub(b, 1))))
    bb = b._buf
    if (v := bb.item()) == 0:           # (a Python number's test: no 0-d array compare)
        return zeros_like(a)
    m1 = _m1s.get((bb.dtype, v, type(bb)))  # (b - 1 kept for a small multiple of 1/2, CPU)
    if m1 is None:
        m1 = sub(b, 1)
        if type(bb) is np.ndarray and type(v) in (int, float) and -16 <= v <= 16 and v * 2 % 1 == 0:
            _m1s[(bb.dtype, v, type(bb))] = m1
    return fe.binary(mul_p, g, fe.binary(mul_p, b, fe.binary(pow_p, a, m1)))


def _pow_lean(fe, g, y, a, b):
    """_pow_vjp's concrete values with a 0-d exponent and a of g's shape (db: y recomputed as
    a ** b, the same kernel's value, only where b needs a gradient)."""
    if b._buf.shape or a._buf.shape != g._buf.shape:
        return None
    return (lambda: _pow_da(fe, g, a, b), lambda: _pow_vjp(g, pow(a, b), a, b)[1]())


# The square (and a ** 1) special-cased: LLVM hoists the test, `v * v` vectorises where `v ** e`
# is a libm call per element (5 us against 440 us, 64,000 float32). An integer 0 ** negative is 0
# as PyTorch (Numba's gives the dtype's minimum; `(b + 0).real`: complex and bool exponents too).
# An exponent of -2**63 is taken as -2**63 + 2 (the same parity; Numba's integer power negates
# the exponent and raised OverflowError; as a float the two are one value): a ** -2**63 is 0, or
# 1 for a = +-1, as PyTorch's.
_E = "({1} if {1} != -9223372036854775808 else -9223372036854775806)"
pow_p = _binary("pow", "({0} * {0} if {1} == 2 else ({0} if {1} == 1 else ({0} ** " + _E +
                " if {0} != 0 or ({1} + 0).real >= 0 else {0} ** " + _E + " * ({0} ** " + _E +
                " != -9223372036854775808))))",
                np.power, _pow_vjp,
                "y = a ** b;  da = g b a^(b-1),  db = g y log(a)  (0 where a <= 0)",
                api={"torch": "pow", "Tensor": "pow", "operator": ("__pow__", "__rpow__"),
                     "tf": "pow", "tf.math": "pow"}, tf_type="Pow")


def pow(a, b):
    return _op2(pow_p, a, b) if type(a) in CONCRETE else bind(pow_p, *_promote(a, b))


LEAN_VJPS[pow_p] = _pow_lean


# ----------------------------------------------------------------------------- PyTorch's
def torch_pow_vjp(g, y, a, b):
    """``pow``'s vjp rule as PyTorch's (see the module docstring)."""
    core = pow_p.vjp(g, y, a, b)
    av = a if type(a) is _ndarray else a._buf
    bv = b if type(b) is _ndarray else b._buf
    if type(av) is not _ndarray or type(bv) is not _ndarray:
        return _device_pow_vjp(core, g, y, a, b)
    if av.dtype.kind == "c" or bv.dtype.kind == "c":
        return core
    core_da = core[0]

    def da():
        if not bv.shape and _plain(g, av, bv) and av.shape == g.shape and (e := bv.item()) and \
                (f := TORCH_SCALAR_POW.get(e - 1)) is not None and bv is scalar_buffer(e, bv.dtype):
            # PyTorch's pow_backward with a number exponent (the shared buffer of one: a 0-d
            # tensor's takes pow itself, as PyTorch's), grad (b a.pow(b - 1)): its pow of b - 1
            # the shortcut above (a cube's x x, a square root's 1 / sqrt), as this front end's
            # forward (eager buffers; an exponent 0 is zeros below)
            m = mul_p.kernels["cpu"]
            with np.errstate(all="ignore"):
                p = f(av)
            return m(g, m(bv, p))
        if bv.all():                        # (no exponent is 0: the rules agree)
            fe = lean3(g, a, b)             # (Tensors: create_graph's lane, as cg_vjp's)
            lean = None if fe is None else torch_pow_lean(fe, g, y, a, b)
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
    """``torch_pow_vjp`` for device (CUDA) buffers: the masks made by device ops (no copy of
    ``a`` and ``b`` to the host, no host mask given to ``where``), nothing read back.  da is
    one ``pow_grad`` kernel where ``g``, ``a`` and ``b`` share a float dtype (the composite
    made 7 launches, 9 allocations and 2 host-to-device copies of its constants per square
    in the seed's eager step: benchmarks/cuda_counts.py)."""
    from .math_composites import logical_and
    if a._buf.dtype.kind == "c" or b._buf.dtype.kind == "c":
        return core

    def da():
        if g._buf.dtype == a._buf.dtype == b._buf.dtype and a._buf.dtype.kind == "f":
            return _sum_to(pow_grad(g, a, b), a)
        return _sum_to(where(equal(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))), a)

    def db():
        zero = logical_and(equal(a, 0), greater_equal(b, 0))
        return _sum_to(mul(g, where(zero, 0, mul(y, log(a)))), b)
    return da, db


def torch_pow_lean(fe, g, y, a, b):
    """PyTorch's branch for concrete values (the eager counterpart of ``LEAN_VJPS``): a 0-d
    exponent that needs no gradient and ``a`` of ``g``'s shape, da by ``_pow_da`` (zeros for a
    constant exponent 0, as PyTorch's); None otherwise (``torch_pow_vjp`` runs).  db, should it
    be asked for, is ``torch_pow_vjp``'s, ``y`` recomputed."""
    bb = b._buf
    if bb.shape or a._buf.shape != g._buf.shape or b._rg:
        return None
    db = lambda: torch_pow_vjp(g, pow(a, b), a, b)[1]()
    if bb.item() == 2:
        square = getattr(fe, "square_da", None)
        if square is not None:          # (the three nodes in one frame: the lane's values)
            return (lambda: _either(square(g, a, b), fe, g, a, b), db)
    return (lambda: _pow_da(fe, g, a, b), db)


def _either(da, fe, g, a, b):
    """``da`` where the square's lane made it, else ``_pow_da``'s."""
    return _pow_da(fe, g, a, b) if da is None else da


def _reciprocal_sqrt(a):
    return np.divide(1, np.sqrt(a), dtype=a.dtype)


#: PyTorch's ``x ** e`` of a float tensor and a Python number ``e`` where its CPU kernel takes a
#: shortcut instead of ``std::pow`` (``pow_tensor_scalar_kernel`` and its optimized kernel in
#: aten/src/ATen/native/cpu/PowKernel.cpp): ``{e: f(x)}``, NumPy's IEEE operations in that
#: kernel's order, bit for bit (0.5 sqrt, -0.5 ``1 / sqrt``, -1 ``1 / x``, 2 ``x x``, 3
#: ``x x x``, -2 ``1 / (x x)``).  libm's pow differs from them in the last bit for a quarter to
#: a third of float32 values (and costs a libm call per element: a 64x128 cube 50 us against
#: 3).  The eager front end's convention, for a Python-number exponent (its forward and pow's
#: torch da); pow's kernel and TensorFlow's convention keep pow itself, as ``tf.pow``'s
#: ``std::pow`` (a float32 ``1 - 0.999 ** t`` in Keras' Adam would lose digits to x x x).
#: Run with NumPy's floating-point warnings off (0 ** -1 is inf, as PyTorch's).
TORCH_SCALAR_POW: dict = {
    0.5: np.sqrt, -0.5: _reciprocal_sqrt, -1: lambda a: np.divide(1, a, dtype=a.dtype),
    2: lambda a: np.multiply(a, a), 3: lambda a: np.multiply(np.multiply(a, a), a),
    -2: lambda a: np.divide(1, np.multiply(a, a), dtype=a.dtype)}


pow_p.options["vjp_conventions"] = {"torch": torch_pow_vjp}
pow_p.options["lean_conventions"] = {"torch": torch_pow_lean}


# ----------------------------------------------------------------------------- pow_grad
# PyTorch's da of pow in one elementwise kernel, ``g b a^(b - 1)`` with 0 where ``b == 0``
# (pow's own expression for ``a^(b - 1)``: its square and a^1 cases, its integer 0 ** negative).
def _pow_grad_rule(g: AVal, a: AVal, b: AVal) -> AVal:
    _rules.require_float("pow_grad", g, a, b)
    dtype = _rules.same_dtype("pow_grad", g, a, b)
    return AVal(_rules.broadcast_shapes("pow_grad", g.shape, a.shape, b.shape), dtype)


def _pow_grad_np(g, a, b):
    with np.errstate(all="ignore"):
        return np.where(b == 0, 0, g * (b * np.power(a, b - 1))).astype(g.dtype)


def _pow_grad_vjp(c, out, g, a, b):
    """out = g b a^(b-1) (0 where b == 0): linear in g; d/da = g b (b-1) a^(b-2), itself a
    pow_grad (of c g b, exponent b - 1); d/db = g a^(b-1) (1 + b log a) (NaN at a = 0 with
    b > 1, where the log is -inf); 0 wherever b == 0."""
    def masked(v):
        return where(equal(b, 0), 0, v)
    cg = lambda: mul(c, g)
    return (lambda: _sum_to(pow_grad(c, a, b), g),
            lambda: _sum_to(masked(pow_grad(mul(cg(), b), a, sub(b, 1))), a),
            lambda: _sum_to(masked(mul(cg(), mul(pow(a, sub(b, 1)), add(mul(b, log(a)), 1)))),
                            b))


pow_grad_p = _elementwise(
    "pow_grad", "(0 if {2} == 0 else {0} * ({2} * " +
    pow_p.expr.format("{1}", "({2} - 1)") + "))", 3, _pow_grad_np, _pow_grad_rule,
    _pow_grad_vjp, "y = g b a^(b-1), 0 where b == 0 (pow's da, PyTorch's);  dg = pow_grad(c, "
    "a, b),  da = pow_grad(c g b, a, b - 1),  db = c g a^(b-1) (1 + b log a)", "ternary")


def pow_grad(g, a, b):
    """pow's da as PyTorch's, ``g b a^(b - 1)`` with 0 where ``b == 0``, one kernel."""
    return bind(pow_grad_p, g, a, b)
