"""PyTorch's complex-number functions and Tensor members, over dlcore's complex primitives
(:mod:`dlcore.ops.complex_ops`): ``torch.complex``, ``polar``, ``view_as_real``,
``view_as_complex``, ``real``, ``imag``, ``conj``, ``angle``, ``is_complex``, and ``abs`` of a
complex tensor (a float tensor: the generated ``torch.abs`` is wrapped, real input goes to it
unchanged); on Tensor the ``.real``/``.imag`` properties and ``conj()``, ``angle()``,
``is_conj()``, ``resolve_conj()``.  ``conj`` returns a new tensor holding the conjugate (PyTorch
returns a lazy view with its conj bit set; the values are the same, ``is_conj()`` is False)."""

from __future__ import annotations

import math

import numpy as np

from dlcore import ops as _ops
from dlcore.dtypes import is_floating

from ._arg_checks import not_tensor as _not_tensor
from . import _dtype as D
from ._graph import labelled
from .tensor import Tensor

_LEGACY = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
           "int32": "Int", "bool": "Bool", "complex64": "ComplexFloat",
           "complex128": "ComplexDouble"}


def _arg(x, op: str, name: str, pos: int) -> Tensor:
    if not isinstance(x, Tensor):
        raise _not_tensor(op, name, pos, x)
    return x


def _pair(op: str, a: Tensor, b: Tensor) -> None:
    da, db = a._buf.dtype, b._buf.dtype
    if da not in (np.float32, np.float64, np.float16) or \
            db not in (np.float32, np.float64, np.float16):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_LEGACY.get(da.name, da.name)} and {_LEGACY.get(db.name, db.name)}")
    if da != db:
        raise RuntimeError(f"Expected object of scalar type {_LEGACY[da.name]} but got scalar "
                           f"type {_LEGACY[db.name]} for second argument")


def complex(real, imag, *, out=None) -> Tensor:
    """``real + i imag`` (two float tensors of one dtype, broadcast)."""
    from ._api import write_out
    re, im = _arg(real, "complex", "real", 1), _arg(imag, "complex", "imag", 2)
    _pair("complex", re, im)
    return write_out(_ops.complex_(re, im), out, "complex")


def polar(abs, angle, *, out=None) -> Tensor:
    """``abs * (cos(angle) + i sin(angle))``."""
    from ._api import write_out
    r, t = _arg(abs, "polar", "abs", 1), _arg(angle, "polar", "angle", 2)
    _pair("polar", r, t)
    return write_out(_ops.complex_(_ops.mul(r, _ops.cos(t)), _ops.mul(r, _ops.sin(t))), out,
                     "polar")


def view_as_real(input) -> Tensor:
    """A complex tensor's (..., 2) real view: [..., 0] the real parts, [..., 1] the imaginary."""
    x = _arg(input, "view_as_real", "input", 1)
    if x._buf.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return _ops.view_as_real(x)


def view_as_complex(input) -> Tensor:
    """A (..., 2) float tensor (last dim of stride 1) viewed as complex: x[..., 0] + i x[..., 1]."""
    x = _arg(input, "view_as_complex", "input", 1)
    d = x._buf.dtype
    if d not in (np.float32, np.float64):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {_LEGACY.get(d.name, d.name)}")
    if x.dim() == 0 or x.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if x.stride(-1) != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    return _ops.view_as_complex(x)


def real(input) -> Tensor:
    """The real part of a complex tensor (a view); a real tensor itself."""
    x = _arg(input, "real", "input", 1)
    return _ops.real(x)


def imag(input) -> Tensor:
    """The imaginary part of a complex tensor (a view); real tensors raise, as in PyTorch."""
    x = _arg(input, "imag", "input", 1)
    return _ops.imag(x)


def conj(input) -> Tensor:
    """The complex conjugate (a new tensor; a real tensor itself)."""
    return _ops.conj(_arg(input, "conj", "input", 1))


def resolve_conj(input) -> Tensor:
    """The tensor itself: dlcore's conj() already holds the conjugated values."""
    return _arg(input, "resolve_conj", "input", 1)


def is_conj(input) -> bool:
    """False: dlcore has no lazy conjugate bit (conj() computes the values)."""
    _arg(input, "is_conj", "input", 1)
    return False


def is_complex(input) -> bool:
    """Whether the tensor's dtype is complex64 or complex128."""
    return _arg(input, "is_complex", "input", 1)._buf.dtype.kind == "c"


def angle(input, *, out=None) -> Tensor:
    """The argument of complex values; for real ones 0 (x >= 0), pi (x < 0), NaN kept."""
    from ._api import write_out
    x = _arg(input, "angle", "input", 1)
    if x._buf.dtype.kind == "c":
        return write_out(_ops.angle(x), out, "angle")
    if not is_floating(x._buf.dtype):
        x = _ops.cast(x, D.get_default_dtype().np_dtype)
    # (pi and 0 in x's dtype: two Python numbers in ``where`` would make float32 values; the
    # gradient is 0 everywhere, NaN included, as PyTorch's AngleBackward0 of a real tensor)
    xd = x.detach()
    res = _ops.where(_ops.isnan(xd), xd, _ops.where(_ops.less(xd, 0), _ops.full_like(xd, math.pi),
                                                     _ops.zeros_like(xd)))
    if x.requires_grad:
        res = _ops.where(_ops.zeros_like(xd, np.bool_), x, res)
    return write_out(labelled(res, "AngleBackward0", x), out, "angle")


def _wrap_abs(real_abs):
    def abs(input, *, out=None):
        if isinstance(input, Tensor) and input._buf.dtype.kind == "c":
            from ._api import write_out
            return write_out(_ops.complex_abs(input), out, "abs")
        return real_abs(input, out=out) if out is not None else real_abs(input)
    abs.__doc__ = real_abs.__doc__
    return abs


def _wrap_abs_method(real_abs):
    def abs(self):
        if self._buf.dtype.kind == "c":
            return _ops.complex_abs(self)
        return real_abs(self)
    abs.__doc__ = real_abs.__doc__
    return abs


FUNCTIONS = ("complex", "polar", "view_as_real", "view_as_complex", "real", "imag", "conj",
             "resolve_conj", "is_conj", "is_complex", "angle")


def install(torch) -> None:
    """Put the functions on the ``torch`` module and the members on Tensor."""
    for name in FUNCTIONS:
        setattr(torch, name, globals()[name])
    torch.conj_physical = conj
    for name in ("abs", "absolute"):
        setattr(torch, name, _wrap_abs(getattr(torch, name)))
    for name in ("abs", "absolute", "__abs__"):
        setattr(Tensor, name, _wrap_abs_method(getattr(Tensor, name)))
    setattr(Tensor, "real", property(real))  # noqa: B010 - (installed, not declared: mypy)
    setattr(Tensor, "imag", property(imag))  # noqa: B010
    for name in ("conj", "conj_physical", "resolve_conj", "is_conj", "angle"):
        setattr(Tensor, name, globals()[name if name != "conj_physical" else "conj"])
    install_linalg(torch.linalg)
    from . import _complex_guards, _stft
    _complex_guards.install(torch)
    torch.stft, torch.istft = _stft.stft, _stft.istft
    setattr(Tensor, "stft", _stft.stft)  # noqa: B010
    setattr(Tensor, "istft", _stft.istft)  # noqa: B010


# ----------------------------------------------------------------------------- linalg.eig
def _eig_input(A, op: str) -> Tensor:
    x = _arg(A, f"linalg_{op}", "A", 1)
    d = x._buf.dtype
    if not (is_floating(d) or d.kind == "c") or d == np.float16:
        raise RuntimeError(f"Unknown Complex ScalarType for {_LEGACY.get(d.name, d.name)}")
    if x.dim() < 2:
        raise RuntimeError(f"linalg.{op}: The input tensor A must have at least 2 dimensions.")
    if x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")
    return x


def eig(input, *, out=None):
    """``(eigenvalues, eigenvectors)`` of general square matrices, both complex."""
    from collections import namedtuple
    x = _eig_input(input, "eig")
    res = namedtuple("linalg_eig", ["eigenvalues", "eigenvectors"])(*_ops.eig(x))
    if out is not None:
        from ._api import write_out
        write_out(res[0], out[0], "linalg.eig")
        write_out(res[1], out[1], "linalg.eig")
        return out
    return res


def eigvals(input, *, out=None):
    from ._api import write_out
    return write_out(_ops.eigvals(_eig_input(input, "eigvals")), out, "linalg.eigvals")


def install_linalg(linalg) -> None:
    linalg.eig = eig
    linalg.eigvals = eigvals
