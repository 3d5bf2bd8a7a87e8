"""``torch.fft``: PyTorch's discrete Fourier transforms, as composites of dlcore's three FFT
primitives (:mod:`dlcore.ops.fft`: ``fft_c2c``, ``fft_r2c``, ``fft_c2r``), built the way
PyTorch's own ``aten/src/ATen/native/SpectralOps.cpp`` builds them: the input is cut or
zero-padded to ``n`` (``s``) along each transformed dim by ops (so gradients flow), ``norm``
("backward", "ortho", "forward") becomes the scale of the transform in its direction, and

* ``fft``/``ifft``/``fftn``/``ifftn``: complex input through c2c (``fft`` of a real input
  through r2c with both halves; ``ifft`` of a real input is its conjugate);
* ``rfft``/``rfftn``: real input through one-sided r2c; ``irfft``/``irfftn``: c2r, the last dim
  to ``n`` (default ``2 (m - 1)``) after cutting the input to ``n // 2 + 1``;
* ``hfft``: c2r of the conjugate with the forward scale; ``ihfft``: the conjugate of a one-sided
  r2c with the inverse scale.

Gradients are PyTorch's (the primitives' vjps; complex gradients in PyTorch's convention).
Integer input is computed in the default float; float16 is refused, as PyTorch's CPU does.
"""

from __future__ import annotations

import builtins

import numpy as np

from dlcore import ops as _ops
from dlcore.dtypes import is_floating
from dlcore.ops import fft as _fft
from dlcore.ops.shape_extra import roll as _roll

from ._arg_checks import not_tensor as _not_tensor
from . import _dtype as D
from .tensor import Tensor

__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
           "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq",
           "rfftn"]

_LEGACY = {"float16": "Half", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _norm(norm, forward: bool) -> str:
    """PyTorch's norm string -> the scale of a transform in this direction."""
    if norm is None or norm == "backward":
        return "none" if forward else "n"
    if norm == "forward":
        return "n" if forward else "none"
    if norm == "ortho":
        return "sqrtn"
    raise RuntimeError(f'Invalid normalization mode: "{norm}"')


def _input(x, op: str, *, real: bool = False, complex_: bool = False) -> Tensor:
    if not isinstance(x, Tensor):
        raise _not_tensor(f"fft_{op}", "input", 1, x)
    d = x._buf.dtype
    if d.kind == "c":
        if real:
            raise RuntimeError(f"{op} expects a real input tensor, but got "
                               f"{_LEGACY[d.name]}")
        return x
    if d == np.float16 or (not is_floating(d) and d.kind == "V") or \
            (is_floating(d) and d not in (np.float32, np.float64)):
        raise RuntimeError(f"Unsupported dtype {_LEGACY.get(d.name, d.name.capitalize())}")
    if not is_floating(d):
        x = _ops.cast(x, D.get_default_dtype().np_dtype)
    if complex_:
        x = _ops.cast(x, D.default_complex() if x._buf.dtype == np.float32
                      else np.dtype(np.complex128))
    return x


def _dim(x: Tensor, dim: int) -> int:
    nd = max(x.dim(), 1)
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}]"
                         f", but got {dim})")
    return dim % nd


def _n(n) -> None:
    if n is not None and n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _dims_and_sizes(x: Tensor, s, dim, default_all: bool):
    """PyTorch's ``s``/``dim`` resolution for the n-dimensional transforms: the dims to
    transform and the signal size of each (``None`` where the input's size is kept)."""
    nd = x.dim()
    if dim is not None and not isinstance(dim, (list, tuple)):
        dim = (dim,)
    if s is not None:
        s = (s,) if isinstance(s, int) else tuple(s)    # (fftn(x, 4): PyTorch's one size)
        if dim is not None and len(dim) != len(s):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        if len(s) > nd:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {nd} "
                               "dimensions.")
        dims = tuple(range(nd - len(s), nd)) if dim is None else \
            tuple(_dim(x, int(d)) for d in dim)
        for v in s:
            if v != -1 and v < 1:
                raise RuntimeError(f"Invalid number of data points ({v}) specified")
        sizes = tuple(None if v == -1 else int(v) for v in s)
    else:
        dims = tuple(range(nd)) if dim is None and default_all else \
            tuple(_dim(x, int(d)) for d in (dim if dim is not None else (-2, -1)))
        sizes = (None,) * len(dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    return dims, sizes


def _resize(x, dims, sizes):
    for d, n in zip(dims, sizes):
        if n is not None:
            x = _fft.pad_axis(x, d, n)
    return x


def _out(result, out, op):
    from ._api import write_out
    return write_out(result, out, op)


# ----------------------------------------------------------------------------- 1-D
def _c2c_or_r2c(input, n, dim, norm, forward: bool, op: str, out):
    x = _input(input, op)
    _n(n)
    d = _dim(x, dim)
    if n is not None:
        x = _fft.pad_axis(x, d, n)
    mode = _norm(norm, forward)
    if x._buf.dtype.kind == "c":
        return _out(_fft.fft_c2c(x, (d,), forward, mode), out, op)
    y = _fft.fft_r2c(x, (d,), mode, onesided=False)
    return _out(y if forward else _ops.conj(y), out, op)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    return _c2c_or_r2c(input, n, dim, norm, True, "fft", out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    return _c2c_or_r2c(input, n, dim, norm, False, "ifft", out)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    x = _input(input, "rfft", real=True)
    _n(n)
    d = _dim(x, dim)
    if n is not None:
        x = _fft.pad_axis(x, d, n)
    return _out(_fft.fft_r2c(x, (d,), _norm(norm, True), onesided=True), out, "rfft")


def _c2r(x, dims, n, norm_mode, op):
    last = dims[-1]
    m = x.shape[last]
    if n is None:
        n = 2 * (m - 1)
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    x = _fft.pad_axis(x, last, n // 2 + 1)
    return _fft.fft_c2r(x, dims, n, norm_mode)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    x = _input(input, "irfft", complex_=True)
    _n(n)
    d = _dim(x, dim)
    return _out(_c2r(x, (d,), n, _norm(norm, False), "irfft"), out, "irfft")


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    x = _input(input, "hfft", complex_=True)
    _n(n)
    d = _dim(x, dim)
    return _out(_c2r(_ops.conj(x), (d,), n, _norm(norm, True), "hfft"), out, "hfft")


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    x = _input(input, "ihfft", real=True)
    _n(n)
    d = _dim(x, dim)
    if n is not None:
        x = _fft.pad_axis(x, d, n)
    return _out(_ops.conj(_fft.fft_r2c(x, (d,), _norm(norm, False), onesided=True)), out,
                "ihfft")


# ----------------------------------------------------------------------------- n-D
def _fftn(input, s, dim, norm, forward, op, out, default_all=True):
    x = _input(input, op, complex_=True)
    dims, sizes = _dims_and_sizes(x, s, dim, default_all)
    if not dims:
        return _out(x, out, op)
    x = _resize(x, dims, sizes)
    return _out(_fft.fft_c2c(x, dims, forward, _norm(norm, forward)), out, op)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    return _fftn(input, s, dim, norm, True, "fftn", out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    return _fftn(input, s, dim, norm, False, "ifftn", out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _fftn(input, s, dim, norm, True, "fft2", out, default_all=False)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _fftn(input, s, dim, norm, False, "ifft2", out, default_all=False)


def _rfftn(input, s, dim, norm, op, out, default_all=True):
    x = _input(input, op, real=True)
    dims, sizes = _dims_and_sizes(x, s, dim, default_all)
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    x = _resize(x, dims, sizes)
    return _out(_fft.fft_r2c(x, dims, _norm(norm, True), onesided=True), out, op)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    return _rfftn(input, s, dim, norm, "rfftn", out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _rfftn(input, s, dim, norm, "rfft2", out, default_all=False)


def _irfftn(input, s, dim, norm, op, out, default_all=True):
    x = _input(input, op, complex_=True)
    dims, sizes = _dims_and_sizes(x, s, dim, default_all)
    if not dims:
        raise RuntimeError("irfftn must transform at least one axis")
    x = _resize(x, dims[:-1], sizes[:-1])
    return _out(_c2r(x, dims, sizes[-1], _norm(norm, False), op), out, op)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    return _irfftn(input, s, dim, norm, "irfftn", out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _irfftn(input, s, dim, norm, "irfft2", out, default_all=False)


# ----------------------------------------------------------------------------- helpers
def _freq(values: np.ndarray, dtype, device, requires_grad) -> Tensor:
    from .creation import tensor
    npd = D.to_numpy_dtype(dtype) if dtype is not None else D.get_default_dtype().np_dtype
    return tensor(values.astype(npd), dtype=dtype, device=device, requires_grad=requires_grad)


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    """The sample frequencies of an ``n``-point FFT: [0, 1, ..., -1] / (d n)."""
    k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return _out(_freq(k / (d * n), dtype, device, requires_grad), out, "fftfreq")


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """The sample frequencies of an ``n``-point rfft: [0, 1, ..., n // 2] / (d n)."""
    return _out(_freq(np.arange(0, n // 2 + 1) / (d * n), dtype, device, requires_grad), out,
                "rfftfreq")


def _shift(input, dim, sign: int, op: str):
    if not isinstance(input, Tensor):
        raise _not_tensor(f"fft_{op}", "input", 1, input)
    dims = tuple(range(input.dim())) if dim is None else \
        ((dim,) if isinstance(dim, builtins.int) else tuple(dim))
    dims = tuple(_dim(input, d) for d in dims)
    if not dims:
        return input
    shifts = tuple((input.shape[d] // 2) if sign > 0 else -(input.shape[d] // 2) for d in dims)
    return _roll(input, shifts, dims)


def fftshift(input, dim=None):
    """Zero frequency moved to the centre: a roll by n // 2 along each dim."""
    return _shift(input, dim, 1, "fftshift")


def ifftshift(input, dim=None):
    """The inverse of fftshift: a roll by -(n // 2)."""
    return _shift(input, dim, -1, "ifftshift")
