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
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, **options) -> bool:
    """Check second derivatives: ``gradcheck`` of the map from (inputs, grad_outputs) to the
    gradients ``d<func, grad_outputs>/d inputs`` (taken with ``create_graph=True``), so the
    gradient of the gradient is compared with finite differences.  Without ``grad_outputs``,
    one per output that requires grad is drawn as PyTorch 2.13 draws it:
    ``testing.make_tensor(shape, dtype, low=-1, high=1, requires_grad=True,
    noncontiguous=gen_non_contig_grad_outputs)`` from the global generator (so
    ``manual_seed`` fixes them), in the output's dtype (float64 for an integer output)."""
    from dlcore import ops as _ops

    from ..testing import make_tensor
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        outs = func(*inputs)
        outs = (outs,) if isinstance(outs, Tensor) else tuple(outs)
        grad_outputs = tuple(
            make_tensor(tuple(o.shape), dtype=o.dtype if o.is_floating_point() or o.is_complex()
                        else _float64(), device=o.device, low=-1, high=1, requires_grad=True,
                        noncontiguous=gen_non_contig_grad_outputs)
            for o in outs if o.requires_grad)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) \
            else tuple(grad_outputs)
    n = len(inputs)

    def first_grads(*args):
        xs, gos = args[:n], args[n:]
        diff = [t for t in xs if isinstance(t, Tensor) and t.requires_grad]
        with enable_grad():             # (gradcheck's finite differences run in no_grad)
            ys = func(*xs)
            ys = tuple(y for y in ((ys,) if isinstance(ys, Tensor) else ys) if y.requires_grad)
            gs = grad(list(ys), diff, list(gos), create_graph=True, allow_unused=True)
        return _ops.concatenate([(g if g is not None else t * 0).reshape(-1)
                                 for g, t in zip(gs, diff)], 0)

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def _float64():
    from .._dtype import float64
    return float64
