"""What the dynamic quantized modules share: weight quantization, the dynamic int8 linear map,
and the state-dict entries that are not tensors (PyTorch's packed parameters).

Weights: PyTorch's ``default_weight_observer`` (``MinMaxObserver``, qint8,
``per_tensor_symmetric``): ``scale = max(|min|, |max|) / 127.5`` in float32 (at least float32's
epsilon), zero point 0, stored as a per-tensor affine qint8 QTensor.

``linear_dynamic(x, w, bias)``, PyTorch's ``quantized::linear_dynamic`` with
``reduce_range=True`` (FBGEMM): ``x``'s min and max over the whole call give quint8 parameters
for 0..127 (``choose_qparams``), ``x`` is quantized with them, multiplied by the int8 weight in
int32 (the ``int8_matmul`` primitive), and the result is ``acc * (x_scale * w_scale) + bias``
in float32.  These are PyTorch's steps and roundings, so outputs agree with PyTorch's to a few
float32 ulps (the float products' order).

State dicts: PyTorch writes entries whose values are not tensors (``_packed_params.dtype``,
``_packed_params._packed_params`` = ``(qweight, bias)``, an LSTM's
``_all_weight_values.<i>.param``, and a Linear's ``scale``/``zero_point``), none of them a
parameter or buffer.  ``Module.state_dict`` asks each module for such entries in module order
(``_extra_state_entries``, PyTorch's ``_save_to_state_dict``); a load pre-hook checks and takes
out the incoming values (a post-hook applies them), so ``load_state_dict`` checks before it
changes anything.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from dlcore import ops

from ...._qtensor import (
    QTensor,
    choose_qparams,
    per_tensor_affine,
    qint8,
    quant_error,
    quantize_array,
    quint8,
)
from ....tensor import Tensor
from ...module import Module

_F32 = np.dtype(np.float32)
_EPS = float(np.finfo(np.float32).eps)


def quantize_weight(w: Tensor) -> QTensor:
    """The qint8 per-tensor weight PyTorch's default dynamic qconfig makes of ``w``."""
    buf = np.asarray(w._buf if type(w._buf) is np.ndarray else w.detach().cpu()._buf, _F32)
    lo = np.float32(min(float(buf.min()), 0.0)) if buf.size else np.float32(0)
    hi = np.float32(max(float(buf.max()), 0.0)) if buf.size else np.float32(0)
    scale = float(max(np.float32(max(-lo, hi)) / np.float32(127.5), np.float32(_EPS)))
    return QTensor(quantize_array(buf, scale, 0, qint8), qint8, per_tensor_affine, scale, 0)


def linear_dynamic(x: np.ndarray, w: QTensor, bias: np.ndarray | None,
                   reduce_range: bool = True) -> np.ndarray:
    """float32 ``x`` (..., K) -> float32 (..., N): PyTorch's dynamic int8 linear map."""
    k = x.shape[-1]
    x2 = x.reshape(-1, k)
    if x2.size:
        scale, zp = choose_qparams(float(x2.min()), float(x2.max()), 0, 255, reduce_range)
    else:
        scale, zp = 0.1, 0
    xq = quantize_array(x2, scale, zp, quint8)     # (zp + x / scale <= 127 by choose_qparams)
    acc = ops.int8_matmul(xq, w._int, zp, int(w._zero_point))
    out = acc.astype(_F32) * np.float32(np.float32(scale) * np.float32(w._scale))
    if bias is not None:
        out += bias
    return out.reshape(x.shape[:-1] + (w._int.shape[0],))


def float_input(x, who: str) -> np.ndarray:
    """``x``'s float32 CPU buffer (PyTorch's dynamic quantized ops run on the CPU only)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected a Tensor input, got {type(x).__name__}")
    if type(x._buf) is not np.ndarray:
        raise NotImplementedError(f"Could not run 'quantized::{who}' with arguments from the "
                                  "'CUDA' backend (dynamic quantized modules run on the CPU)")
    if x._buf.dtype != _F32:
        if x._buf.dtype.kind != "f":
            raise RuntimeError(f"{who}: expected a floating-point input, got {x.dtype}")
        return np.ascontiguousarray(x._buf, _F32)
    return x._buf


class PackedEntries(Module):
    """A module whose state-dict entries ``names`` are not parameters or buffers (see the module
    docstring): ``value(name)`` gives an entry's value, ``check(name, value)`` returns an error
    message or None, ``apply_values(values)`` sets them all."""

    names: tuple = ()
    _version = 1

    def __init__(self) -> None:
        super().__init__()
        self.register_load_state_dict_pre_hook(_stash)
        self.register_load_state_dict_post_hook(_apply)
        object.__setattr__(self, "_pending", None)

    def _extra_state_entries(self, state_dict, prefix: str) -> None:
        """PyTorch's ``_save_to_state_dict`` for these entries (``Module.state_dict`` calls it
        in module order), and the module's version in ``state_dict._metadata``."""
        set_version(state_dict, prefix, self._version)
        for n in self.names:
            state_dict[prefix + n] = self.value(n)

    def value(self, name: str):
        raise NotImplementedError

    def check(self, name: str, value) -> str | None:
        raise NotImplementedError

    def apply_values(self, values: dict) -> None:
        raise NotImplementedError


def set_version(state_dict, prefix: str, version: int) -> None:
    """Record a module's state-dict version in ``state_dict._metadata`` as PyTorch does
    (PyTorch's quantized modules read it when loading: a file written with
    ``save(..., format="torch")`` then loads into PyTorch's modules)."""
    if isinstance(state_dict, OrderedDict):
        meta = getattr(state_dict, "_metadata", None)
        if meta is None:
            meta = state_dict._metadata = OrderedDict()  # type: ignore[attr-defined]
        meta[prefix[:-1]] = {"version": version}


def _stash(module: PackedEntries, state_dict, prefix, local_metadata, strict, missing,
           unexpected, errors) -> None:
    """Load pre-hook: each entry checked and taken out of (the copy of) the state dict, kept
    for ``_apply``; an absent one is a missing key."""
    values = {}
    for n in module.names:
        key = prefix + n
        if key not in state_dict:
            missing.append(key)
            continue
        value = state_dict.pop(key)
        msg = module.check(n, value)
        if msg is not None:
            errors.append(f"While loading {key}: {msg}")
        else:
            values[n] = value
    object.__setattr__(module, "_pending", values)


def _apply(module: PackedEntries, incompatible) -> None:
    values = module._pending
    object.__setattr__(module, "_pending", None)
    if values:
        module.apply_values(values)


def check_qweight(value, shape: tuple, what: str) -> str | None:
    """An error message unless ``value`` is a qint8 QTensor of ``shape``."""
    if not isinstance(value, QTensor) or value.dtype is not qint8:
        return f"{what} must be a qint8 quantized tensor, got {quant_error(value)}"
    if tuple(value.shape) != tuple(shape):
        return f"{what} has shape {list(value.shape)}, the module expects {list(shape)}"
    if value.is_per_channel:
        return f"{what} is per-channel quantized; dlcore_eager's dynamic modules take " \
               "per-tensor weights"
    return None


def check_bias(value, n: int, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Tensor) or tuple(value.shape) != (n,) or value.dtype.np_dtype != _F32:
        return f"{what} must be a float32 tensor of shape [{n}] or None, got {quant_error(value)}"
    return None
