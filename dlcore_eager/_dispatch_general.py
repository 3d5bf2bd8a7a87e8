"""``apply``'s general path: any arguments, any device, 16-bit floats, sparse tensors.

``_dispatch.apply`` handles one or two CPU tensors (and a float tensor with a Python number)
itself; everything else comes here (``_apply_general``):

* ``_apply_half``: float16/bfloat16 operands computed in float32, as PyTorch's CPU kernels do,
  the result rounded to the 16-bit type once;
* ``_apply_buffers``: collect the buffers and the device; Python scalars become 0-d buffers of
  the tensors' dtype (weak scalars, as in PyTorch: ``float32_tensor * 2.0`` stays float32;
  ``_convert_plain``, ``_device_scalar``), a 0-d CPU tensor among CUDA ones is moved
  (``_resolve_devices``), the rule is checked and the device's kernel run; ``_finish``
  (``_dispatch_finish``) wraps the output and records the tape node.
"""

from __future__ import annotations

import builtins

import numpy as np

from dlcore import dtypes as _dt
from dlcore.ops import cast
from dlcore.ops.elementwise import cast_p as _CAST_P
from dlcore.device import Device, to_device
from dlcore.kernels.cpu import bfloat16 as _bf16
from dlcore.dtypes import is_floating

from ._dispatch_finish import _finish
from ._operand_rules import check_rule, numpy_number
from ._scalar_convert import rounded, scalar_as
from ._sparse import SparseBuf as _SparseBuf
from ._state import STATE
from ._tensor_aux import not_quantized
from .tensor import Tensor

_ndarray = np.ndarray
_MIXED = ("Expected all tensors to be on the same device, but found at least two devices, "
          "cuda:0 and cpu!")
_NUM = frozenset({float, int})      # not bool: True is a valid key but kept on the slow path
_HALF = _dt.HALF
#: Ops whose PyTorch CPU kernels read a Python scalar operand at float32 precision; the others
#: (add, sub, pow, ...) see it rounded to the float16/bfloat16 tensor's dtype first (measured
#: on 2.13, the same for both).
_F32_SCALAR_OPS = frozenset({"mul", "div"})
_F32_MAX = 3.4028234663852886e38
_F32 = _dt.float32
_F16 = _dt.float16


def _apply_general(prim, args, params):
    for a in args:
        if isinstance(a, Tensor):
            if a._buf.dtype in _HALF:
                return _apply_half(prim, args, params)
            if type(a._buf) is _SparseBuf:        # a sparse COO tensor (``_sparse``)
                from ._sparse import apply
                return apply(prim, args, params)
    return _apply_buffers(prim, args, params)


def _apply_half(prim, args, params):
    """An op with float16 or bfloat16 operands, as PyTorch's CPU kernels compute it: in
    float32, the result rounded to the 16-bit type once (Numba, dlcore's CPU compiler, has no
    16-bit float arithmetic).  This is the one place where the storage floats are cast up for
    a primitive; its kernels never see them.  A Python scalar is rounded to the tensor's 16-bit
    type first, except by mul and div (PyTorch's kernels read it at float32 precision there).
    A float32 result is rounded back only when every floating operand had that one 16-bit type
    (``half + float`` is float, and ``half + bfloat16`` is float32, as in PyTorch).  One tape
    node is recorded, with the 16-bit operands and result, and its vjp computes in float32 too
    (``_graph.half_vjp``), as PyTorch's backward kernels do.  Shape ops and slicing (NumPy's
    own: views stay views) and the casts run on the 16-bit buffers themselves."""
    if prim.kind == "shape" or prim.name == "getitem" or prim is _CAST_P:
        return _apply_buffers(prim, args, params)
    if not prim.view:
        out = _half_tensors(prim, args, params)
        if out is not None:
            return out
    wider = needs = False
    half = None
    for a in args:
        if isinstance(a, Tensor) and a._buf.dtype in _HALF:
            if half is not None and a._buf.dtype != half:
                wider = True                  # float16 with bfloat16: float32
            half = a._buf.dtype
    up: list = []
    saved: list = []
    for a in args:
        if isinstance(a, Tensor):
            needs = needs or a._rg
            d = a._buf.dtype
            if d in _HALF:                    # (exact; NumPy's own cast on the CPU)
                b = a._buf
                if type(b) is not _ndarray:
                    up.append(cast(Tensor._wrap(b), _F32))
                else:           # (bfloat16 in C order: the Numba loop from 1024 on)
                    up.append(Tensor._wrap(_bf16.to_float32(b) if d is not _F16 and
                                           b.flags.c_contiguous else b.astype(_F32)))
            else:
                wider = wider or is_floating(d)
                up.append(Tensor._wrap(a._buf))
            saved.append(None)
        else:
            if type(a) in _NUM and prim.name not in _F32_SCALAR_OPS:
                # PyTorch rounds the scalar to the tensor's 16-bit type first
                if -65504.0 <= a <= 65504.0:
                    a = builtins.float(np.asarray(a, dtype=half).astype(_F32))
                else:                           # (past float16's range: +-inf, no warning;
                    if prim.name == "pow" and len(up) == 1:     # pow's exponent: refused)
                        scalar_as(a, half)  # type: ignore[arg-type]
                    a = rounded(a, half)  # type: ignore[arg-type]
            elif type(a) is float and not -_F32_MAX <= a <= _F32_MAX:
                a = rounded(a, _F32)            # (mul/div's float scalar: no NumPy warning)
            saved.append(np.asarray(a, dtype=_F32) if _dt.is_python_scalar(a) else a)
            if type(a) is _ndarray and a.dtype in _HALF:
                a = a.astype(_F32)          # a 16-bit constant of a composite (resize matrix)
            up.append(a)
    prev = STATE.enabled
    STATE.enabled = False
    try:
        if any(type(v) is float and not -65504.0 <= v <= 65504.0 for v in params.values()):
            with np.errstate(over="ignore"):    # (where's or nan_to_num's 1e20: inf, silently)
                out = prim.bind(*up, **params)
        else:
            out = prim.bind(*up, **params)
        if not wider and out._buf.dtype == _F32:
            b = out._buf
            out = cast(out, half) if type(b) is not _ndarray else \
                Tensor._wrap(_rounded_half(b, half))
    finally:
        STATE.enabled = prev
    return _finish(prim, args, params, out._buf, needs, saved)


def _half_tensors(prim, args, params):
    """``_apply_half`` where every operand is a CPU tensor of one 16-bit type (a bfloat16
    ReLU, an autocast ``addmm``; no Python scalar, no float32 operand): the kernel on the
    buffers cast up, its float32 result rounded once, without the Tensor dispatch of the
    general path (ReLU of a 64 x 32 bfloat16 tensor 10.7 -> 8.6 us).  None, having done
    nothing, where that does not apply (and a parameter past float16's range)."""
    half = None
    needs = False
    up = []
    for a in args:
        if not isinstance(a, Tensor):
            return None
        b = a._buf
        d = b.dtype
        if type(b) is not _ndarray or d is not half and (half is not None or d not in _HALF):
            return None
        half = d
        needs = needs or a._rg
        up.append(b.astype(_F32) if d is _F16 or not b.flags.c_contiguous
                  else _bf16.to_float32(b))
    for v in params.values():
        if type(v) is float and not -65504.0 <= v <= 65504.0:
            return None
    check_rule(prim, up, params)
    out = prim.kernels["cpu"](*up, **params)
    if type(out) is not _ndarray:
        if not isinstance(out, np.generic):
            return None                     # (a kernel with several results)
        out = np.asarray(out)
    if out.dtype == _F32:
        out = _rounded_half(out, half)
    return _finish(prim, args, params, out, needs)


def _rounded_half(b, half):
    """The float32 array ``b`` rounded once to the 16-bit type ``half``: float16 by NumPy
    (70000 -> inf, silently, as PyTorch), bfloat16 by the Numba loop in C order (from 1024
    elements on), else by ``astype``, which keeps the layout."""
    if half is _F16:
        with np.errstate(over="ignore"):
            return b.astype(half)
    return _bf16.from_float32(b, half) if b.flags.c_contiguous else b.astype(half)


def _apply_buffers(prim, args, params):
    bufs = []
    needs = False
    ctx = None
    dev = None
    plain = False
    mixed = False
    for a in args:
        if isinstance(a, Tensor):
            b = a._buf
            if a._rg:
                needs = True
            if ctx is None or ctx.kind == "b":
                # (a weak scalar takes the first non-bool tensor's dtype: where(mask, 2, x))
                ctx = b.dtype
            d = type(b) is _ndarray
            if not d:
                not_quantized(b)        # (a QBuf is no CUDA array)
            if dev is None:
                dev = d
            elif dev is not d:
                mixed = True
            bufs.append(b)
        else:
            plain = True
            bufs.append(a)
    if mixed:
        bufs, dev = _resolve_devices(args, bufs)
    if plain:
        _convert_plain(bufs, ctx, dev)
    check_rule(prim, bufs, params)
    if dev and prim is _CAST_P and (bufs[0].dtype in _HALF or params["dtype"] in _HALF):
        return _finish(prim, args, params, bufs[0].astype(params["dtype"]), needs, bufs)
    kernel = prim.kernels.get("cpu" if dev else "cuda")
    if kernel is None:
        raise NotImplementedError(f"dlcore: primitive '{prim.name}' has no "
                                  f"{'cpu' if dev else 'cuda'} kernel")
    out = kernel(*bufs, **params)
    return _finish(prim, args, params, out, needs, bufs)


def _convert_plain(bufs, ctx, dev) -> None:
    """Python scalars -> 0-d buffers of the context dtype; NumPy values -> arrays."""
    for i, a in enumerate(bufs):
        if isinstance(a, _ndarray):
            b = a
        elif isinstance(a, np.generic) and type(a := numpy_number(a)) not in _PY_NUM:
            b = np.asarray(a)
        elif _dt.is_python_scalar(a):
            b = np.asarray(a, dtype=_dt.scalar_dtype(a, ctx))
            if dev is False:
                bufs[i] = _device_scalar(a, b)
                continue
        elif hasattr(a, "copy_to_host"):
            continue
        else:
            raise TypeError(f"dlcore_eager: cannot use a value of type {type(a).__name__} in an "
                            "operation on tensors")
        if dev is False:
            b = to_device(b, Device("cuda", 0))
        bufs[i] = b


_PY_NUM = frozenset({bool, int, float, complex})


#: Python numbers' 0-d device arrays, by (value, dtype): ``w - lr * w.grad`` on CUDA copies
#: ``lr`` to the device once, not at every step (an allocation and a host->device copy each).
#: Only kernels read them (an op's output never aliases an operand that is not a tensor).
_DEVICE_SCALARS: dict = {}


def _device_scalar(value, host: np.ndarray):
    key = (value, host.dtype.str, str(value) if not value else "")    # (-0.0 is not 0.0)
    d = _DEVICE_SCALARS.get(key)
    if d is None:
        if len(_DEVICE_SCALARS) >= 256:
            _DEVICE_SCALARS.clear()
        d = _DEVICE_SCALARS[key] = to_device(host, Device("cuda", 0))
    return d


def _resolve_devices(args, bufs):
    """PyTorch allows a 0-d CPU tensor in an op on CUDA tensors; anything else is an error.
    A NumPy scalar as a tensor's buffer (a CPU kernel's 0-d result that was not made an array)
    is a host value: with no device array among the operands the op stays on the CPU."""
    if not any(hasattr(b, "copy_to_host") for b in bufs):
        return [np.asarray(b) if isinstance(b, np.generic) else b for b in bufs], True
    for a, b in zip(args, bufs):
        if isinstance(a, Tensor) and type(b) is _ndarray and b.ndim != 0:
            raise RuntimeError(_MIXED)
    out = [to_device(b, Device("cuda", 0)) if isinstance(b, _ndarray) else b for b in bufs]
    return out, False
