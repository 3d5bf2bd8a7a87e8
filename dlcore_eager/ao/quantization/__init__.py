"""``torch.ao.quantization`` (also ``torch.quantization``): dynamic quantization.

``quantize_dynamic(model, qconfig_spec, dtype=torch.qint8)`` returns a copy of ``model`` (or
``model`` itself with ``inplace=True``), put in eval mode, whose ``nn.Linear``/``nn.LSTM``/
``nn.GRU`` children (those named by ``qconfig_spec``: a set of types, or a dict of types or
module names to qconfigs; None: all three) are replaced by their ``nn.quantized.dynamic``
versions, as PyTorch's: the qconfig is propagated from a named module to its descendants, only
exact types are swapped (``MultiheadAttention.out_proj``, a ``NonDynamicallyQuantizableLinear``,
stays float) and the model itself is never swapped, only its descendants.

The observers are PyTorch's ``MinMaxObserver`` (running min/max, ``calculate_qparams``) and the
placeholder of dynamic activations; qconfigs other than the default dynamic one (qint8,
per-tensor symmetric weights) are refused with NotImplementedError rather than quantized
differently.
"""

from __future__ import annotations

import copy
import functools
from collections import namedtuple

import numpy as np

from ..._qtensor import (
    dequantize,
    per_channel_affine,
    per_channel_symmetric,
    per_tensor_affine,
    per_tensor_symmetric,
    qint8,
    qint32,
    quantize_per_channel,
    quantize_per_tensor,
    quint8,
)
from ...creation import tensor

__all__ = [
    "MinMaxObserver",
    "PlaceholderObserver",
    "QConfig",
    "QConfigDynamic",
    "default_dynamic_qconfig",
    "default_dynamic_quant_observer",
    "default_observer",
    "default_weight_observer",
    "dequantize",
    "float16_dynamic_qconfig",
    "get_default_qconfig",
    "per_channel_affine",
    "per_channel_dynamic_qconfig",
    "per_channel_symmetric",
    "per_tensor_affine",
    "per_tensor_symmetric",
    "qint8",
    "qint32",
    "quantize_dynamic",
    "quantize_per_channel",
    "quantize_per_tensor",
    "quint8",
]

QConfig = namedtuple("QConfig", ["activation", "weight"])
QConfigDynamic = QConfig


class _WithArgs:
    @classmethod
    def with_args(cls, **kwargs):
        return functools.partial(cls, **kwargs)


class PlaceholderObserver(_WithArgs):
    """Records nothing: the dtype of dynamically quantized activations."""

    def __init__(self, dtype=np.float32, custom_op_name: str = "", compute_dtype=None,
                 quant_min=None, quant_max=None, qscheme=None, eps=None,
                 is_dynamic: bool = False) -> None:
        self.dtype = dtype
        self.quant_min, self.quant_max = quant_min, quant_max
        self.qscheme = qscheme
        self.is_dynamic = is_dynamic

    def __call__(self, x):
        return x

    def __repr__(self) -> str:
        return f"PlaceholderObserver(dtype={self.dtype}, is_dynamic={self.is_dynamic})"


class MinMaxObserver(_WithArgs):
    """PyTorch's ``MinMaxObserver``: the running min and max of what it sees, and the affine
    or symmetric (scale, zero point) of that range (``calculate_qparams``)."""

    def __init__(self, dtype=quint8, qscheme=per_tensor_affine, reduce_range: bool = False,
                 quant_min=None, quant_max=None, factory_kwargs=None,
                 eps: float = float(np.finfo(np.float32).eps), is_dynamic: bool = False) -> None:
        if qscheme not in (per_tensor_affine, per_tensor_symmetric):
            raise NotImplementedError("MinMaxObserver's qscheme must be per_tensor_affine or "
                                      "per_tensor_symmetric")
        if dtype not in (qint8, quint8, qint32):
            raise AssertionError("Default Observer only works for qint8, quint8 and quint4x2 "
                                 "data type")
        self.dtype, self.qscheme, self.reduce_range, self.eps = dtype, qscheme, reduce_range, eps
        if quant_min is None:
            quant_min, quant_max = {qint8: (-128, 127), quint8: (0, 255),
                                    qint32: (-(2 ** 31), 2 ** 31 - 1)}[dtype]
            if reduce_range and dtype is not qint32:
                quant_min, quant_max = quant_min // 2, quant_max // 2
        self.quant_min, self.quant_max = quant_min, quant_max
        self.min_val = tensor(float("inf"))
        self.max_val = tensor(float("-inf"))

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        buf = np.asarray(x.detach()._buf if hasattr(x, "detach") else x, np.float32)
        if buf.size:
            lo = min(float(self.min_val.item()), float(buf.min()))
            hi = max(float(self.max_val.item()), float(buf.max()))
            self.min_val, self.max_val = tensor(lo), tensor(hi)
        return x

    def calculate_qparams(self):
        """(scale, zero_point) as float32 and int64 one-element tensors, PyTorch's formulas."""
        f32 = np.float32
        lo = f32(min(float(self.min_val.item()), 0.0))
        hi = f32(max(float(self.max_val.item()), 0.0))
        qmin, qmax = self.quant_min, self.quant_max
        if self.qscheme is per_tensor_symmetric:
            scale = max(f32(max(-lo, hi)) / f32((qmax - qmin) / 2), f32(self.eps))
            zp = (qmin + qmax) // 2 + 1 if self.dtype is quint8 else 0
        else:
            scale = max(f32(hi - lo) / f32(qmax - qmin), f32(self.eps))
            zp = int(np.clip(qmin - int(np.rint(lo / scale)), qmin, qmax))
        return tensor([float(scale)]), tensor([zp])

    def __repr__(self) -> str:
        return f"MinMaxObserver(min_val={self.min_val.item()}, max_val={self.max_val.item()})"


default_observer = MinMaxObserver.with_args(quant_min=0, quant_max=127)
default_weight_observer = MinMaxObserver.with_args(dtype=qint8, qscheme=per_tensor_symmetric)
default_dynamic_quant_observer = PlaceholderObserver.with_args(
    dtype=quint8, quant_min=0, quant_max=255, is_dynamic=True)
default_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer,
                                  weight=default_weight_observer)
#: Named so that programs importing them run; quantize_dynamic refuses them (see the docstring).
float16_dynamic_qconfig = QConfig(activation=PlaceholderObserver.with_args(dtype="float16",
                                                                           is_dynamic=True),
                                  weight=PlaceholderObserver.with_args(dtype="float16"))
per_channel_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer,
                                      weight="per_channel_weight_observer")


def get_default_qconfig(backend: str = "x86", version: int = 0):
    raise NotImplementedError("dlcore_eager: static quantization (prepare / calibrate / "
                              "convert) is not built; use quantize_dynamic")


def _mapping() -> dict:
    from ... import nn
    from ...nn.quantized import dynamic as nnqd
    return {nn.Linear: nnqd.Linear, nn.LSTM: nnqd.LSTM, nn.GRU: nnqd.GRU}


def quantize_dynamic(model, qconfig_spec=None, dtype=qint8, mapping=None,
                     inplace: bool = False):
    """PyTorch's ``quantize_dynamic`` (see the module docstring)."""
    if dtype is not qint8:
        raise NotImplementedError(f"dlcore_eager: quantize_dynamic supports dtype=torch.qint8 "
                                  f"only, got {dtype}")
    mapping = _mapping() if mapping is None else dict(mapping)
    if qconfig_spec is None:
        qconfig_spec = dict.fromkeys(mapping, default_dynamic_qconfig)
    elif isinstance(qconfig_spec, (set, frozenset, list, tuple)):
        qconfig_spec = dict.fromkeys(qconfig_spec, default_dynamic_qconfig)
    elif not isinstance(qconfig_spec, dict):
        raise TypeError(f"quantize_dynamic: qconfig_spec must be a set or a dict, not "
                        f"{type(qconfig_spec).__name__}")
    for qc in qconfig_spec.values():
        if qc is not None and qc is not default_dynamic_qconfig and \
                getattr(qc, "weight", None) is not default_weight_observer:
            raise NotImplementedError("dlcore_eager: quantize_dynamic supports the default "
                                      "dynamic qconfig (qint8 weights, per-tensor symmetric) "
                                      "only")
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    _convert(model, "", None, qconfig_spec, mapping)
    return model


def _convert(module, prefix: str, inherited, spec: dict, mapping: dict) -> None:
    for name, child in list(module.named_children()):
        path = f"{prefix}.{name}" if prefix else name
        # PyTorch's _propagate_qconfig_helper: the type's entry, then the name's (which wins),
        # else the parent's; an entry of None turns quantization off below it
        qc = spec.get(path, spec.get(type(child), inherited))
        target = mapping.get(type(child))
        if qc is not None and target is not None:
            setattr(module, name, target.from_float(child))
        else:
            _convert(child, path, qc, spec, mapping)
