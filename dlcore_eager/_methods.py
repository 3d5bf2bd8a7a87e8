"""Attach the operations of ``_tensor_ops`` and ``_shape_ops`` to ``Tensor`` as methods and
operators, and define the in-place variants (``add_``, ``clamp_``, ``-=``, ...).

An in-place method computes its result out of place with dlcore and then writes it into the
tensor's memory (``Tensor._commit``), bumping the version counter.  That keeps every kernel
functional while still giving PyTorch's aliasing: ``w.data -= lr * w.grad`` updates ``w``.
"""

from __future__ import annotations

import warnings

import numpy as np

from dlcore.kernels.cpu import blas_threads as _bt
from dlcore.kernels.cpu.linalg import NT_MKN_MIN as _NT_MKN_MIN
from dlcore.kernels.cpu.linalg import TINY_MKN as _TINY_MKN
from dlcore.kernels.cpu.linalg import small_product as _small_product
from dlcore.kernels.cpu.linalg import matmul as _cpu_matmul
from dlcore.ops.elementwise_cast import cast_p as _CAST_P
from dlcore.ops.linalg import matmul_p as _matmul_p

from . import _arg_checks
from . import _dtype as D
from . import _dispatch as _D
from . import _memory_format
from . import _shape_ops as S
from . import _tensor_ops as O
from ._keyword_names import from_to
from ._arg_checks import _NONE
from ._dispatch import matrix_product as _matrix_product
from ._graph import labelled
from ._lane import small_unary as _small_unary
from ._overlap import check_no_partial_overlap
from ._state import INFERENCE_ON, fresh_version
from .tensor import Tensor, _make, _new
from .tracing import _RECORDERS

_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)

# ----------------------------------------------------------------------------- operators
# Arithmetic and comparison operators and methods (``+``, ``x.exp()``, ``x.sum()``, ...) are
# generated from the registry by ``_api``; what is here has no single primitive behind it.
def _matmul_operator(a, b):
    """``a @ b``: two CPU float32/float64 matrices of one dtype whose inner sizes agree go
    straight to ``matrix_product`` (``O.matmul``'s first branch), and a tiny product without
    grad is that function's tiny case (``ba.dot(bb)`` on one BLAS thread, the result wrapped
    as ``_make`` wraps it) in this frame (issue 19: 1x1 @ 1x1 1.35 -> ~1.1 us); anything else
    to ``O.matmul``, or NotImplemented for a non-tensor."""
    if type(b) is Tensor:
        ba, bb = a._buf, b._buf
        if type(ba) is _ndarray and type(bb) is _ndarray:
            d = ba.dtype
            if (d is _F32 or d is _F64) and d is bb.dtype and not _D._AUTOCAST and \
                    not _RECORDERS:
                sa, sb = ba.shape, bb.shape     # (each read makes a tuple: once)
                if len(sa) == 2 and len(sb) == 2 and sa[1] == sb[0]:
                    mkn = sa[0] * sa[1] * sb[1]
                    if mkn < _TINY_MKN and 2.0 * mkn < _bt.SMALL_GEMM_FLOPS and \
                            _bt._state[1] == 1 and not (a._rg or b._rg) and \
                            _matmul_p.kernels["cpu"] is _cpu_matmul:
                        t = _new(Tensor)        # (_make's stores: a field added there, here
                        t._buf = ba.dot(bb) if mkn < _NT_MKN_MIN else \
                            _small_product(ba, bb)     # too; small_product: MKL for x @ W.T)
                        t._rg = False
                        t._node = None
                        t._acc = None
                        t._grad = None
                        t._vc = [0] if not INFERENCE_ON[0] else fresh_version()
                        t._hooks = None
                        t._view = None
                        return t
                    return _matrix_product(_matmul_p, a, b, ba, bb)
    return O.matmul(a, b) if isinstance(b, Tensor) else NotImplemented


Tensor.__matmul__ = _matmul_operator
# (t @ arr: NumPy's; t @ 2, t @ [[1.]], t @= 2: Python's TypeError, as torch's)
Tensor.__rmatmul__ = lambda a, b: NotImplemented if type(b) in O._NOT_OPERANDS else \
    O.matmul(O.as_tensor_like(b, a), a)    # (arr @ t, [1.] @ t: Python's TypeError, as torch)
Tensor.__pos__ = lambda a: a


def _invert(a: Tensor) -> Tensor:
    if a._buf.dtype != np.bool_:
        raise TypeError("~ (bitwise not) is only supported for bool tensors here")
    return O.logical_not(a)


def _logical(kind):
    def op(a, b):
        a = a if a._buf.dtype == np.bool_ else a.bool()
        b = O.as_tensor_like(b, a)
        b = b if b._buf.dtype == np.bool_ else b.bool()
        s = O.add_(a.long(), b.long())
        return s.ge(1) if kind == "or" else (s.eq(2) if kind == "and" else s.eq(1))
    return op


Tensor.__invert__ = _invert
Tensor.__and__ = _logical("and")
Tensor.__or__ = _logical("or")
Tensor.__xor__ = _logical("xor")
Tensor.logical_and = _logical("and")
Tensor.logical_or = _logical("or")
Tensor.logical_not = O.logical_not

# ----------------------------------------------------------------------------- methods
# Methods with PyTorch semantics beyond one primitive's convention (``max(dim)`` returns values
# and indices, ``var`` takes a correction, ...); the rest are generated by ``_api``.
for _name in ["matmul", "mm", "bmm", "dot", "outer", "rsqrt", "reciprocal", "log1p", "expm1",
              "clamp", "clip", "masked_fill", "max", "min", "argmax", "argmin", "var", "std",
              "norm", "all", "any", "allclose", "equal"]:
    setattr(Tensor, _name, getattr(O, _name))
for _name, _arg in (("matmul", "other"), ("mm", "mat2"), ("bmm", "mat2"), ("dot", "tensor"),
                    ("outer", "vec2")):     # (NumPy arrays refused; ``@`` takes them: O.matmul)
    setattr(Tensor, _name, _arg_checks.method_of_tensors(getattr(O, _name), _name, _arg))


def _product_method(checked):
    """``Tensor.mm``/``Tensor.matmul`` (``checked``: ``method_of_tensors``' wrapper of the
    ``_tensor_ops`` function): two float32/float64 CPU matrices of one dtype whose inner sizes
    agree, no autocast and no trace, go to ``_dispatch.matrix_product`` from this frame, as
    both functions' first branch sends them there (issue 19: x.mm(w) 1x32 @ 32x32 with grad,
    two frames less); any other call to ``checked``."""
    def method(self, other=_NONE, *args, **kw):
        if isinstance(other, Tensor) and isinstance(self, Tensor) and not args and not kw:
            ba, bb = self._buf, other._buf
            if type(ba) is _ndarray and type(bb) is _ndarray:
                d = ba.dtype
                if (d is _F32 or d is _F64) and d is bb.dtype and ba.ndim == 2 and \
                        bb.ndim == 2 and ba.shape[1] == bb.shape[0] and not _D._AUTOCAST and \
                        not _RECORDERS:
                    return _matrix_product(_matmul_p, self, other, ba, bb)
        return checked(self, other, *args, **kw)
    method.__name__ = method.__qualname__ = checked.__name__
    method.__doc__ = checked.__doc__
    method.__wrapped__ = checked.__wrapped__    # type: ignore[attr-defined]  # (its signature)
    return method


for _name in ("mm", "matmul"):
    setattr(Tensor, _name, _product_method(getattr(Tensor, _name)))

for _name in ["reshape", "view", "view_as", "reshape_as", "flatten", "permute", "transpose",
              "swapaxes", "t", "unsqueeze", "squeeze", "expand", "expand_as", "broadcast_to",
              "clone", "contiguous", "chunk", "split", "unbind"]:
    setattr(Tensor, _name, getattr(S, _name))
Tensor.broadcast_to = S.broadcast_to_method  # type: ignore[attr-defined]  # (x.broadcast_to(2))
Tensor.is_contiguous = _memory_format.is_contiguous  # type: ignore[method-assign]
_T_WARNED: set = set()      # which of torch's two Tensor.T warnings this process has given
_T_WARNINGS = {
    True: "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
    False: "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
           "deprecated and it will throw an error in a future release. Consider `x.mT` to "
           "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
           "reverse the dimensions of a tensor."}


def _reversed(self):
    """``x.T``: the dimensions reversed; any number of dimensions but 2 gives torch 2.13's
    UserWarning (0-D: its own), each once a process (ATen's TORCH_WARN_ONCE)."""
    nd = self._buf.ndim
    if nd != 2 and (nd == 0) not in _T_WARNED:
        _T_WARNED.add(nd == 0)
        warnings.warn(_T_WARNINGS[nd == 0], UserWarning, stacklevel=2)
    if nd == 2:                         # (t()'s lane; PyTorch's node is permute's)
        return labelled(S.t(self), "PermuteBackward0", self)
    return S.permute(self, tuple(range(nd))[::-1])


Tensor.T = property(_reversed)
# (mT, with PyTorch's check of the number of dimensions: _tensor_long_tail)


# ----------------------------------------------------------------------------- in place
def _inplace(fn):
    def method(self, *args, **kwargs):
        self._check_inplace()
        check_no_partial_overlap(self, args + tuple(kwargs.values()))
        return self._commit(fn(self._original(args, kwargs), *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


for _name in ["clamp", "clip", "masked_fill", "rsqrt", "reciprocal"]:
    setattr(Tensor, _name + "_", _inplace(getattr(O, _name)))
# (in-place variants of generated methods, ``exp_``, ``add_``, ``+=``, come from ``_api``)


def _lerp(self, end, weight):
    return O.add_(self, O.mul_(O.sub_(end, self), weight))


Tensor.lerp, Tensor.lerp_ = _lerp, _inplace(_lerp)
# (addcmul/addcdiv, with PyTorch's promotion and keyword value: _long_tail_ops)


def _random_fill(sampler, kernel: str):
    """An in-place sampler drawing PyTorch's stream for the tensor's dtype (_torch_rng); an
    integer or bool tensor refused as PyTorch's CPU kernel (``kernel``) refuses it."""
    def method(self, *args, generator=None, **kwargs):
        from .creation import _engine
        if self._buf.dtype.kind in "biu":
            raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                      f"'{D.from_numpy_dtype(self._buf.dtype)._legacy}'")
        self._check_inplace()
        n = self._buf.size                      # (a NumPy or device array's element count)
        if kwargs:
            args, kwargs = from_to("uniform_", args, kwargs)    # (normal_ has no from/to)
        host = sampler(_engine(generator), self, n, *args, **kwargs)
        src = Tensor._wrap(host.reshape(self._buf.shape).astype(self._buf.dtype, copy=False))
        return self._commit(src if not self.is_cuda else src.cuda())
    return method


Tensor.uniform_ = _random_fill(
    lambda e, t, n, a=0.0, b=1.0, /: e.uniform(n, t._buf.dtype, a, b), "check_uniform_bounds")
Tensor.normal_ = _random_fill(
    lambda e, t, n, mean=0.0, std=1.0: e.normal(n, t._buf.dtype, mean, std, t.is_contiguous()),
    "normal_kernel_cpu")
from . import (
    _conversions,  # noqa: F401 - numpy(), __array__, item(), DLPack, repr
    _inplace_ops,  # noqa: F401 - _commit, _check_inplace, zero_, fill_, copy_
)


_cast_general = Tensor._cast


def _cast(self, dt) -> Tensor:
    """``Tensor._cast``: a CPU bool or integer tensor to float32/float64 (``(pred == y).float()``,
    no gradient to record) as NumPy's conversion, the cast kernel's values (issue 19: 9.4 ->
    ~2.5 us); another real CPU cast (``x.long()``, ``x.double()``, ``x.bool()``) through the
    one-tensor lane, the cast kernel and node of the general path without its bind (4.6 ->
    ~2 us); anything else ``tensor.py``'s."""
    b = self._buf
    if type(b) is _ndarray and not _RECORDERS and not _D._AUTOCAST:
        kind = b.dtype.kind
        if kind in "biuf":
            npd = D.to_numpy_dtype(dt)
            if kind != "f" and (npd is _F32 or npd is _F64):
                return _make(b.astype(npd))
            if npd != b.dtype and npd.kind in "biuf":       # (16-bit floats: not the lane)
                out = _small_unary(_CAST_P, self, npd, _cast_params)
                if out is not None:
                    return out
    return _cast_general(self, dt)


def _cast_params(b, npd) -> dict:
    return {"dtype": npd}


setattr(Tensor, "_cast", _cast)      # (tensor.py's method replaced: mypy refuses an assignment)
