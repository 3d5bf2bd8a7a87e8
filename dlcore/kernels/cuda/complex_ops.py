"""CUDA kernels of the complex primitives (:mod:`dlcore.ops.complex_ops`): elementwise kernels
generated from one scalar expression each by :func:`.elementwise.run_elementwise` (numba.cuda
has complex64/complex128 arithmetic, ``.real``/``.imag``/``.conjugate()``), and the two views
between a complex array and its (..., 2) real pairs as reinterpretations of a contiguous copy."""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import contiguous, run_elementwise


def _real_of(dtype) -> np.dtype:
    return np.dtype(np.float64) if np.dtype(dtype) == np.complex128 else np.dtype(np.float32)


def _complex_of(dtype) -> np.dtype:
    return np.dtype(np.complex128) if np.dtype(dtype) == np.float64 else np.dtype(np.complex64)


def _shape(x) -> tuple:
    return tuple(int(d) for d in x.shape)


def real(z):
    return run_elementwise("complex_real", "x0.real", [z], _shape(z), _real_of(z.dtype))


def imag(z):
    return run_elementwise("complex_imag", "x0.imag", [z], _shape(z), _real_of(z.dtype))


def conj(z):
    return run_elementwise("complex_conj", "x0.conjugate()", [z], _shape(z), z.dtype)


def abs_(z):
    return run_elementwise("complex_abs", "abs(x0)", [z], _shape(z), _real_of(z.dtype))


def angle(z):
    return run_elementwise("complex_angle", "math.atan2(x0.imag, x0.real)", [z], _shape(z),
                           _real_of(z.dtype))


def complex_(re, im):
    shape = tuple(np.broadcast_shapes(_shape(re), _shape(im)))
    return run_elementwise("complex_make", "complex(x0, x1)", [re, im], shape,
                           _complex_of(re.dtype))


def view_as_real(z):
    """(..., 2) real pairs: the re and im parts interleaved, written by one kernel."""
    shape = _shape(z)
    out = S.empty(shape + (2,), _real_of(z.dtype))
    if S.size_of(shape):
        flat = out.reshape((S.size_of(shape), 2))
        re = run_elementwise("complex_real", "x0.real", [z], shape, _real_of(z.dtype))
        im = run_elementwise("complex_imag", "x0.imag", [z], shape, _real_of(z.dtype))
        from ._kernels_complex import interleave
        n = S.size_of(shape)
        blocks, threads = S.launch_1d(n)
        interleave[blocks, threads](contiguous(re).reshape((n,)), contiguous(im).reshape((n,)),
                                    flat, n)
    return out


def view_as_complex(x):
    shape = _shape(x)[:-1]
    n = S.size_of(shape)
    out = S.empty(shape, _complex_of(x.dtype))
    if n:
        from ._kernels_complex import pair
        blocks, threads = S.launch_1d(n)
        pair[blocks, threads](contiguous(x).reshape((n, 2)), out.reshape((n,)), n)
    return out


def exp(z):
    """exp of complex values, e^re (cos im + i sin im) (the real kernel's math.exp has no
    complex version in numba.cuda)."""
    return run_elementwise(
        "complex_exp", "complex(math.exp(x0.real) * math.cos(x0.imag), "
        "math.exp(x0.real) * math.sin(x0.imag))", [z], _shape(z), z.dtype)


def complex_or(real_kernel, complex_kernel):
    """A CUDA kernel that sends complex input to ``complex_kernel``."""
    def kernel(x, **params):
        if np.dtype(x.dtype).kind == "c":
            return complex_kernel(x)
        return real_kernel(x, **params)
    kernel.__name__ = getattr(real_kernel, "__name__", "kernel")
    kernel.__doc__ = real_kernel.__doc__
    return kernel


def holomorphic(name: str, code: str):
    """The CUDA kernel of a complex elementwise function given as a cmath expression over x0
    (x1 for a second input), broadcasting as the real kernels do."""
    def kernel(*xs):
        shape = tuple(np.broadcast_shapes(*(_shape(x) for x in xs)))
        return run_elementwise(f"complex_{name}", code, list(xs), shape, xs[0].dtype)
    kernel.__name__ = f"cuda_complex_{name}"
    return kernel


def complex_or_n(real_kernel, complex_kernel):
    """``complex_or`` for kernels of any number of inputs (complex when the first is)."""
    def kernel(*xs, **params):
        if np.dtype(xs[0].dtype).kind == "c":
            return complex_kernel(*xs)
        return real_kernel(*xs, **params)
    kernel.__name__ = getattr(real_kernel, "__name__", "kernel")
    kernel.__doc__ = real_kernel.__doc__
    setattr(kernel, "complex_aware", True)  # noqa: B010 - a function attribute (mypy)
    return kernel
