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

import contextlib
import warnings

import numpy as np

from .._host import host as _host
from ..tensor import Tensor
from . import functional  # noqa: F401  (torch.autograd.functional: jacobian, hessian, ...)
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


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


@contextlib.contextmanager
def detect_anomaly(check_nan: bool = True):
    """Accepted for compatibility; dlcore_eager's errors already name the failing node."""
    yield


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> None:
    """Accepted for compatibility (see detect_anomaly)."""


def gradcheck(fn, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Compare the analytic gradient of ``fn`` (summed against a random cotangent) with central
    finite differences.  Inputs should be float64 tensors that require grad."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    out = fn(*inputs)
    rng = np.random.default_rng(0)
    cot = rng.standard_normal(tuple(out.shape))
    from ..creation import tensor
    v = tensor(cot, dtype=out.dtype)
    analytic = grad([out], diff, [v], allow_unused=True)
    for t, a in zip(diff, analytic):
        buf = _host(t)        # the same memory on the CPU: moved in place
        num = np.zeros_like(buf, dtype=np.float64)
        for idx in np.ndindex(buf.shape):
            old = buf[idx]
            buf[idx] = old + eps
            with no_grad():
                fp = float((_host(fn(*inputs)) * cot).sum())
            buf[idx] = old - eps
            with no_grad():
                fm = float((_host(fn(*inputs)) * cot).sum())
            buf[idx] = old
            num[idx] = (fp - fm) / (2 * eps)
        got = np.zeros_like(num) if a is None else _host(a)
        if not np.allclose(got, num, atol=atol, rtol=rtol):
            if raise_exception:
                raise RuntimeError(f"Jacobian mismatch for output 0 with respect to input 0,\n"
                                   f"numerical:{num}\nanalytical:{got}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, **options) -> bool:
    """Check second derivatives: ``gradcheck`` of the map from (inputs, grad_outputs) to the
    gradients ``d<func, grad_outputs>/d inputs`` (taken with ``create_graph=True``), so the
    gradient of the gradient is compared with finite differences.  Random float64
    ``grad_outputs`` that require grad are drawn when none are given, as PyTorch does."""
    from dlcore import ops as _ops

    from ..creation import tensor
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outs = func(*inputs)
    outs = (outs,) if isinstance(outs, Tensor) else tuple(outs)
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        grad_outputs = tuple(tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype,
                                    requires_grad=True) for o in outs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) \
            else tuple(grad_outputs)
    n = len(inputs)

    def first_grads(*args):
        xs, gos = args[:n], args[n:]
        diff = [t for t in xs if isinstance(t, Tensor) and t.requires_grad]
        with enable_grad():             # (gradcheck's finite differences run in no_grad)
            ys = func(*xs)
            ys = (ys,) if isinstance(ys, Tensor) else tuple(ys)
            gs = grad(list(ys), diff, list(gos), create_graph=True, allow_unused=True)
        return _ops.concatenate([(g if g is not None else t * 0).reshape(-1)
                                 for g, t in zip(gs, diff)], 0)

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


__all__ = [
    "Function",
    "FunctionCtx",
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
