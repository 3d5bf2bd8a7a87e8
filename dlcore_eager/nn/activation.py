"""Activation modules: each holds its options and calls the ``torch.nn.functional`` composite
of the same name (dlcore/ops/nn_functional.py, dlcore/ops/activations.py).  ``inplace=True``
is accepted and computes the same values out of place."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from dlcore.ops import activations as _act
from dlcore.ops import nn_functional as _nnf

from ..creation import full
from ..tensor import Tensor
from .module import Module, Parameter


def _F():
    from . import functional  # the installed adapters (inplace=, PyTorch's spelling)
    return functional



class _Simple(Module):
    _fn: ClassVar[Callable[[Tensor], Tensor]]        # each subclass's function (a staticmethod)
    _inplace_name: ClassVar[str | None] = None       # its torch.nn.functional name, if inplace=

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        if self.inplace and self._inplace_name:
            return getattr(_F(), self._inplace_name)(input, inplace=True)
        if self._f_name:
            # F's function: its dtype refusal, PyTorch's grad_fn (SiluBackward0, its one
            # input edge and _saved_self), its node under saved_tensors_hooks
            return getattr(_F(), self._f_name)(input)
        return type(self)._fn(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace and self._shows_inplace else ""

    _shows_inplace: ClassVar[bool] = True           # (PyTorch's Hardswish/Hardsigmoid do not)

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        if "_f_name" not in cls.__dict__:
            cls._f_name = cls._inplace_name

    _f_name: ClassVar[str | None] = None             # the F function called (labelled)


class SiLU(_Simple):
    _fn = staticmethod(_nnf.silu)
    _inplace_name = "silu"


class Mish(_Simple):
    _fn = staticmethod(_nnf.mish)
    _inplace_name = "mish"


class Hardswish(_Simple):
    _fn = staticmethod(_nnf.hardswish)
    _inplace_name = "hardswish"
    _shows_inplace = False


class Hardsigmoid(_Simple):
    _fn = staticmethod(_nnf.hardsigmoid)
    _inplace_name = "hardsigmoid"
    _shows_inplace = False


class SELU(_Simple):
    _fn = staticmethod(_act.selu)
    _inplace_name = "selu"


class ReLU6(_Simple):
    # (through F.relu6, in place or not: grad_fn HardtanhBackward0, as PyTorch's)
    _fn = staticmethod(_act.relu6)

    _inplace_name = "relu6"

    def forward(self, input: Tensor) -> Tensor:     # (PyTorch's: hardtanh(x, 0.0, 6.0))
        return _F().hardtanh(input, 0.0, 6.0, inplace=self.inplace)


class LogSigmoid(_Simple):
    _fn = staticmethod(_nnf.logsigmoid)
    _f_name = "logsigmoid"                          # (LogSigmoidBackward0)


class Tanhshrink(_Simple):
    _fn = staticmethod(_nnf.tanhshrink)


class Softsign(_Simple):
    _fn = staticmethod(_act.softsign)


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        if self.inplace:
            return getattr(_F(), type(self).__name__.lower())(input, self.alpha, inplace=True)
        return _F().elu(input, self.alpha)             # (EluBackward0, its one edge)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    def forward(self, input: Tensor) -> Tensor:
        if self.inplace:
            return _F().celu(input, self.alpha, inplace=True)
        return _F().celu(input, self.alpha)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        # (F.gelu: its integer refusal, GeluBackward0 with _saved_self/_saved_approximate)
        return _F().gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold`` (as PyTorch)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return _F().softplus(input, self.beta, self.threshold)     # (SoftplusBackward0)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        assert self.max_val > self.min_val, (         # (PyTorch's check)
            f"max_val ({max_val}) must be greater than min_val ({min_val})")

    def forward(self, input: Tensor) -> Tensor:
        if self.inplace:
            return _F().hardtanh(input, self.min_val, self.max_val, inplace=True)
        return _F().hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + \
            (", inplace=True" if self.inplace else "")


class Threshold(Module):
    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        if self.inplace:
            return _F().threshold(input, self.threshold, self.value, inplace=True)
        return _F().threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + \
            (", inplace=True" if self.inplace else "")


class Softmin(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        if self.dim is None:            # (torch's F.softmin warns for the module too)
            import warnings
            warnings.warn("Implicit dimension choice for softmin has been deprecated. Change "
                          "the call to include dim=X as an argument.", UserWarning, stacklevel=3)
        return _nnf.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GLU(Module):
    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return _F().glu(input, self.dim)    # (F's refusal of integers; GluBackward0)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """``x`` where positive, ``a x`` elsewhere, with a learnt ``a`` (one, or one per channel)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(full((num_parameters,), init, dtype=dtype, device=device))

    def forward(self, input: Tensor) -> Tensor:
        # (F.prelu: autocast's lower precision, PyTorch's PreluKernelBackward0 and edges)
        return _F().prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: random negative slopes in ``[lower, upper]`` in training, their
    mean in evaluation (``F.rrelu``)."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return _F().rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + \
            (", inplace=True" if self.inplace else "")
