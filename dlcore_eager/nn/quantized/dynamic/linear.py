"""``nn.quantized.dynamic.Linear`` (PyTorch's ``DynamicQuantizedLinear``): an int8 weight,
activations quantized per call, float output (see ``_packed`` for the numerics)."""

from __future__ import annotations

import numpy as np

from ...._qtensor import QTensor, per_tensor_affine, qint8, quant_error
from ....creation import tensor
from ....tensor import Tensor
from ...module import Parameter
from ._packed import (
    PackedEntries,
    check_bias,
    check_qweight,
    float_input,
    linear_dynamic,
)
from ._packed import quantize_weight as _quantize_weight


class LinearPackedParams(PackedEntries):
    """PyTorch's ``LinearPackedParams``: the (qweight, bias) pair and its dtype, saved as
    ``_packed_params.dtype`` and ``_packed_params._packed_params``."""

    names = ("dtype", "_packed_params")
    _version = 3

    def __init__(self, weight: QTensor, bias: Tensor | None) -> None:
        super().__init__()
        object.__setattr__(self, "_weight", weight)
        object.__setattr__(self, "_bias", bias)
        object.__setattr__(self, "dtype", qint8)

    def value(self, name: str):
        return qint8 if name == "dtype" else (self._weight, self._bias)

    def check(self, name: str, value) -> str | None:
        if name == "dtype":
            return None if value is qint8 else f"only torch.qint8 is supported, got {value}"
        if not (isinstance(value, tuple) and len(value) == 2):
            return "expected a (weight, bias) tuple"
        n, _ = self._weight.shape
        return check_qweight(value[0], self._weight.shape, "the weight") or \
            check_bias(value[1], n, "the bias")

    def apply_values(self, values: dict) -> None:
        if "_packed_params" in values:
            w, b = values["_packed_params"]
            object.__setattr__(self, "_weight", w)
            object.__setattr__(self, "_bias", b)

    def __repr__(self) -> str:
        return "LinearPackedParams()"


class Linear(PackedEntries):
    """A dynamically quantized ``nn.Linear``: ``y = dequant(quant(x) @ qweight.T) + bias``
    (``scale``/``zero_point``: the output's, unused by the dynamic forward, saved as PyTorch
    saves them)."""

    _version = 4
    names = ("scale", "zero_point")

    def value(self, name: str):
        return tensor(float(self.scale)) if name == "scale" else tensor(int(self.zero_point))

    def check(self, name: str, value) -> str | None:
        if not isinstance(value, Tensor) or value.numel() != 1:
            return f"{name} must be a one-element tensor, got {quant_error(value)}"
        return None

    def apply_values(self, values: dict) -> None:
        if "scale" in values:
            self.scale = float(values["scale"].item())
        if "zero_point" in values:
            self.zero_point = int(values["zero_point"].item())

    def __init__(self, in_features: int, out_features: int, bias_: bool = True,
                 dtype=qint8) -> None:
        super().__init__()
        if dtype is not qint8:
            raise RuntimeError("dlcore_eager: dynamic quantized Linear supports dtype "
                               f"torch.qint8 only, got {dtype}")
        from ....creation import zeros
        self.in_features = in_features
        self.out_features = out_features
        w = QTensor(np.zeros((out_features, in_features), np.int8), qint8, per_tensor_affine,
                    1.0, 0)
        b = Parameter(zeros(out_features)) if bias_ else None
        self.scale = 1.0
        self.zero_point = 0
        self._packed_params = LinearPackedParams(w, b)
        self.version = 4

    def weight(self) -> QTensor:
        return self._packed_params._weight

    def bias(self) -> Tensor | None:
        return self._packed_params._bias

    def set_weight_bias(self, w: QTensor, b: Tensor | None) -> None:
        msg = check_qweight(w, (self.out_features, self.in_features), "the weight") or \
            check_bias(b, self.out_features, "the bias")
        if msg:
            raise RuntimeError(f"DynamicQuantizedLinear.set_weight_bias: {msg}")
        self._packed_params.apply_values({"_packed_params": (w, b)})

    def forward(self, x: Tensor) -> Tensor:
        buf = float_input(x, "linear_dynamic")
        if buf.shape[-1:] != (self.in_features,):
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({int(np.prod(buf.shape[:-1]))}x{buf.shape[-1] if buf.ndim else 1}"
                               f" and {self.in_features}x{self.out_features})")
        b = self.bias()
        out = linear_dynamic(buf, self.weight(), None if b is None else b._buf)
        return Tensor._wrap(out.astype(x._buf.dtype, copy=False))

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"dtype={self._packed_params.dtype}, qscheme={self.weight().qscheme()}")

    def __repr__(self) -> str:
        return f"DynamicQuantizedLinear({self.extra_repr()})"

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant: bool = False) -> Linear:
        """The dynamic quantized copy of a float ``nn.Linear`` (weight: qint8, per tensor,
        symmetric range as PyTorch's default observer)."""
        from ...layers import Linear as FloatLinear
        if not isinstance(mod, FloatLinear):
            raise AssertionError(f"nn.quantized.dynamic.Linear.from_float only works for "  # noqa: TRY004 (PyTorch asserts)
                                 f"nn.Linear, got {type(mod).__name__}")
        q = cls(mod.in_features, mod.out_features, mod.bias is not None)
        b = None if mod.bias is None else Parameter(mod.bias.detach().float().clone())
        q._packed_params.apply_values({"_packed_params": (_quantize_weight(mod.weight), b)})
        return q

