"""``dlcore_eager.autograd``: reverse-mode automatic differentiation on the eager tape.

* ``backward(tensors, grad_tensors)`` / ``Tensor.backward()``: accumulate into leaves' ``.grad``;
* ``grad(outputs, inputs, ...)``: return gradients instead (``create_graph`` for higher order);
* ``Function``: custom differentiable operations (today's ``ctx`` style and the seed's legacy
  style); ``Variable``: the pre-0.4 wrapper, today simply a Tensor;
* ``no_grad`` / ``enable_grad`` / ``set_grad_enabled``: switch recording off and on;
* ``gradcheck``: compare gradients with central finite differences (in float64).

All gradient rules are dlcore's; the walk over the graph is ``dlcore.autodiff.reverse_pass``.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..tensor import Tensor
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def Variable(data, requires_grad: bool = False, volatile: bool = False) -> Tensor:
    """The pre-0.4 autograd wrapper.  Since PyTorch 0.4 a Variable *is* a Tensor: this returns a
    leaf tensor sharing ``data``'s memory, with the requested ``requires_grad``."""
    if not isinstance(data, Tensor):
        from ..creation import tensor
        data = tensor(data)
    out = data.detach()
    if requires_grad:
        out.requires_grad_(True)
    return out


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
        buf = t.detach().numpy()
        num = np.zeros_like(buf, dtype=np.float64)
        for idx in np.ndindex(buf.shape):
            old = buf[idx]
            buf[idx] = old + eps
            with no_grad():
                fp = float((fn(*inputs).detach().numpy() * cot).sum())
            buf[idx] = old - eps
            with no_grad():
                fm = float((fn(*inputs).detach().numpy() * cot).sum())
            buf[idx] = old
            num[idx] = (fp - fm) / (2 * eps)
        got = np.zeros_like(num) if a is None else a.detach().numpy()
        if not np.allclose(got, num, atol=atol, rtol=rtol):
            if raise_exception:
                raise RuntimeError(f"Jacobian mismatch for output 0 with respect to input 0,\n"
                                   f"numerical:{num}\nanalytical:{got}\n")
            return False
    return True


__all__ = [
    "Function",
    "FunctionCtx",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled",
]
