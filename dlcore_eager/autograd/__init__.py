"""``dlcore_eager.autograd``: reverse-mode automatic differentiation on the eager tape.

* ``backward(tensors, grad_tensors)`` / ``Tensor.backward()``: accumulate into leaves' ``.grad``;
* ``grad(outputs, inputs, ...)``: return gradients instead (``create_graph`` for higher order);
* ``Function``: custom differentiable operations (today's ``ctx`` style and the seed's legacy
  style); ``Variable``: the pre-0.4 wrapper, a Tensor that keeps 0.1's truth value;
* ``no_grad`` / ``enable_grad`` / ``set_grad_enabled``: switch recording off and on;
* ``gradcheck``: compare gradients with central finite differences (in float64).

All gradient rules are dlcore's; the walk over the graph is ``dlcore.autodiff.reverse_pass``.
"""

from __future__ import annotations

import warnings

from ..tensor import Tensor

# (torch.autograd.forward_ad and .functional: jacobian, hessian, ... are attributes in PyTorch)
from . import engine as _engine
from . import forward_ad, functional, graph, profiler  # noqa: F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

# (the functions shadow the module's name, as in PyTorch, where the class is imported with
# ``from torch.autograd.gradcheck import GradcheckError``)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck


class Variable(Tensor):
    """The pre-0.4 autograd wrapper that the seed notes use: ``Variable(t, requires_grad=True)``.

    Since PyTorch 0.4 a Variable *is* a Tensor, and so it is here: a leaf tensor sharing ``t``'s
    memory.  One thing of the 0.1-era Variable is kept, because the seed's program depends on it:
    the truth value.  ``if w1.grad: w1.grad.data.zero_()`` asks "has a gradient been computed
    yet?".  In PyTorch 0.1 a Variable had no ``__bool__`` and Python fell back to ``len()``, so a
    non-empty gradient was true; since 0.2 that line raises.  A Variable (and the gradient of a
    Variable, "a Var of grads" in the notes) therefore answers ``len(x) > 0`` and warns with
    the modern spelling; every other tensor keeps today's rule (the truth value of a
    many-element tensor is an error).
    """

    __slots__ = ()
    #: PyTorch's ``Variable._execution_engine``: ``queue_callback(fn)`` (``_passes``), ``run_backward``
    _execution_engine = _engine.ENGINE

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, Tensor):
            from ..creation import tensor
            data = tensor(data)
        out = data.detach()
        out.__class__ = cls
        if requires_grad:
            out.requires_grad_(True)
        return out

    def __init__(self, data=None, requires_grad: bool = False, volatile: bool = False):
        pass                                 # everything happened in __new__

    @property
    def grad(self):
        g = Tensor.grad.fget(self)  # type: ignore[attr-defined]  # mypy: a settable property
        if g is not None and type(g) is Tensor:
            g.__class__ = Variable          # the notes: "x.grad is a Var of grads"
        return g

    @grad.setter
    def grad(self, value) -> None:
        Tensor.grad.fset(self, value)  # type: ignore[attr-defined]  # mypy: a settable property

    def __bool__(self) -> bool:
        if self.numel() <= 1:
            return Tensor.__bool__(self)
        warnings.warn(
            "Testing a many-element Variable with `if v:` is PyTorch 0.1 behaviour (it meant "
            "len(v) > 0); since PyTorch 0.2 it raises for tensors. Write `if w.grad is not "
            "None:` to ask whether a gradient exists.", FutureWarning, stacklevel=2)
        return len(self) > 0


__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled",
]
