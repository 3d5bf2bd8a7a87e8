"""TensorFlow 1.15's complex numbers on graph tensors (``tf.complex64``, ``tf.complex128``), on
the core's complex primitives (``dlcore.ops.complex_ops``, the eager front end's kernels and
vjps):

    tf.complex(real, imag)   Complex: float32 pair -> complex64, float64 pair -> complex128
    tf.real(x), tf.imag(x)   Real / Imag of a complex tensor; a real one: x / zeros_like(x)
    tf.conj(x)               Conj of a complex tensor; a real one is returned as it is
    tf.angle(x)              Angle of a complex tensor; a real one: zeros_like(x) (TF 1.15)
    tf.abs(x)                ComplexAbs (named Abs) of a complex tensor, of its real dtype;
                             unsigned tensors refused (TF 1.15's Abs list)

Each is TF 1.15's Python wrapper: ``name_scope(name, "Real")`` and the op named by the scope.
"""

from __future__ import annotations

from dlcore import ops as _ops

from .constant_op import rename
from .frontend import convert_to_tensor
from .graph import Tensor, get_default_graph

__all__ = ["angle", "complex", "conj", "imag", "real"]


def _scoped(default: str, name, fn, *args):
    """``with name_scope(name, default) as name: op(..., name=name)``: the op takes the scope's
    own name (``Real``, ``Real_1``, or the user's ``name``)."""
    g = get_default_graph()
    first = len(g._ops)
    with g.name_scope(name or default) as scope:
        out = fn(*args)
    return rename(out, scope.rstrip("/"), first, unique=False)


def _zeros_in_scope(default: str, name, x):
    """TF 1.15's real-input branch: ``zeros_like(input)`` inside the op's name scope
    (``Imag/zeros_like``, ``foo/zeros_like``; the scope's name is taken)."""
    from .array_ops import zeros_like
    with get_default_graph().name_scope(name or default):
        return zeros_like(x)


def complex(real, imag, name=None):
    """``real + i imag``: two float32 tensors give complex64, two float64 complex128."""
    re = convert_to_tensor(real, name="real")
    im = convert_to_tensor(imag, name="imag")
    pair = (re.dtype.name, im.dtype.name)
    if pair not in (("float32", "float32"), ("float64", "float64")):
        raise TypeError(f"real and imag have incompatible types: {pair[0]} {pair[1]}")
    return _scoped("Complex", name, _ops.complex_, re, im)


def real(input, name=None):
    """The real part of a complex tensor; a real tensor is returned as it is."""
    x = convert_to_tensor(input, name="input")
    if x.dtype.is_complex:
        return _scoped("Real", name, _ops.real, x)
    return x


def imag(input, name=None):
    """The imaginary part of a complex tensor; zeros for a real one."""
    x = convert_to_tensor(input, name="input")
    if x.dtype.is_complex:
        return _scoped("Imag", name, _ops.imag, x)
    return _zeros_in_scope("Imag", name, x)


def angle(input, name=None):
    """The argument of each complex value in (-pi, pi]; zeros for a real tensor (TF 1.15)."""
    x = convert_to_tensor(input, name="input")
    if x.dtype.is_complex:
        return _scoped("Angle", name, _ops.angle, x)
    return _zeros_in_scope("Angle", name, x)


def conj(x, name=None):
    """The complex conjugate; a real (floating or integer) tensor is returned as it is."""
    if isinstance(x, Tensor) and (x.dtype.is_floating or x.dtype.is_integer):
        return x
    t = convert_to_tensor(x, name="x")
    if t.dtype.is_complex:
        return _scoped("Conj", name, _ops.conj, t)
    if t.dtype.is_floating or t.dtype.is_integer:
        return t
    raise TypeError(f"Expected numeric or variant tensor, got dtype {t.dtype!r}")


def install(tf_module, math_module) -> None:
    """``tf.complex``, ``tf.real`` ... and ``tf.math``'s, over the real-only versions; tf.abs
    and tf.math.abs take complex tensors to ComplexAbs and keep their real path as it is."""
    real_abs = tf_module.abs
    math_abs = math_module.abs

    from . import _dtype_refusals as _refusals
    unsigned = _refusals.refused("Abs")

    def make_abs(plain):
        def abs(x, name=None):
            """|x|; a complex tensor's modulus (ComplexAbs, of its real dtype).  Unsigned
            tensors are refused as TF 1.15's Abs list refuses them (the core computes them;
            bool: the core's refusal, in TF's words on the way out)."""
            aval = getattr(x, "aval", None)
            kind = aval.dtype.kind if aval is not None else None
            if kind == "c" or kind is None and _is_complex_value(x):
                t = convert_to_tensor(x, name="x")
                return _scoped("Abs", name, _ops.complex_abs, t)   # (type ComplexAbs)
            if kind == "u":
                _refusals.check("Abs", unsigned, x)
            return plain(x, name=name)
        abs.__wrapped__ = plain     # type: ignore[attr-defined]
        return abs
    tf_module.abs = make_abs(real_abs)
    math_module.abs = make_abs(math_abs)
    for name in ("complex", "real", "imag", "conj", "angle"):
        setattr(tf_module, name, globals()[name])
        setattr(math_module, name, globals()[name])


def _is_complex_value(x) -> bool:
    import builtins

    import numpy as np
    if isinstance(x, builtins.complex):
        return True
    try:
        return np.asarray(x).dtype.kind == "c"
    except (TypeError, ValueError):
        return False
