"""``torch.autograd.gradcheck``: first and second derivatives compared with central finite
differences (in float64).  A mismatch raises ``GradcheckError``, a RuntimeError as in PyTorch
(``from torch.autograd.gradcheck import GradcheckError``)."""

from __future__ import annotations

import numpy as np

from .._host import host as _host
from ..tensor import Tensor
from .engine import grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when the analytic and numerical derivatives differ."""


def gradcheck(fn, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Compare the analytic gradient of ``fn`` (summed against a random cotangent) with central
    finite differences.  Inputs should be float64 tensors that require grad.

    The check is PyTorch's ``fast_mode`` in spirit (one random cotangent rather than the whole
    Jacobian, which it implies), so ``fast_mode`` chooses nothing here; ``nondet_tol``,
    ``check_undefined_grad``, ``check_grad_dtypes`` and ``masked`` are accepted for PyTorch's
    signature.  ``check_forward_ad`` compares forward mode (``forward_ad``) along a random
    direction with the central difference; the batched checks are not available and raise."""
    for flag, name in ((check_batched_grad, "check_batched_grad"),
                       (check_batched_forward_grad, "check_batched_forward_grad")):
        if flag:
            raise NotImplementedError(f"dlcore_eager: gradcheck({name}=True) is not supported "
                                      "(no batched-gradient check)")
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if check_forward_ad and not _forward_ok(fn, inputs, eps, atol, rtol, raise_exception):
        return False
    if not check_backward_ad:
        return True
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    out = fn(*inputs)
    rng = np.random.default_rng(0)
    cot = rng.standard_normal(tuple(out.shape))
    from ..creation import tensor
    v = tensor(cot, dtype=out.dtype)
    analytic = grad([out], diff, [v], allow_unused=True)
    for i, (t, a) in enumerate(zip(diff, analytic)):   # (i: among the inputs that need grad)
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
                raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                                     f"numerical:{num}\nanalytical:{got}\n")
            return False
    return True


def _forward_ok(fn, inputs, eps, atol, rtol, raise_exception) -> bool:
    """Forward mode: each differentiable input's tangent (a random direction) through
    ``forward_ad`` against the central difference of ``fn`` along it."""
    from ..creation import tensor
    from . import forward_ad as fwAD
    rng = np.random.default_rng(2)
    diff = [k for k, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i, k in enumerate(diff):                # (i: among the inputs that need grad)
        t = inputs[k]
        v = rng.standard_normal(tuple(t.shape))
        with fwAD.dual_level():
            args = list(inputs)
            args[k] = fwAD.make_dual(t, tensor(v, dtype=t.dtype))
            jv = fwAD.unpack_dual(fn(*args)).tangent
        buf = _host(t)
        old = buf.copy()
        with no_grad():
            buf[...] = old + eps * v
            fp = _host(fn(*inputs)).astype(np.float64)
            buf[...] = old - eps * v
            fm = _host(fn(*inputs)).astype(np.float64)
            buf[...] = old
        num = (fp - fm) / (2 * eps)
        got = np.zeros_like(num) if jv is None else _host(jv)
        if not np.allclose(got, num, atol=atol, rtol=rtol):
            if raise_exception:
                raise GradcheckError(f"Jacobian computed with forward mode mismatch for output 0 "
                                     f"with respect to input {i},\nnumerical:{num}\n"
                                     f"analytical:{got}\n")
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
