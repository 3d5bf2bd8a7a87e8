"""Connectionist Temporal Classification (CTC) loss, defined once for both front ends.

    ctc_loss(lp, targets, input_lengths, target_lengths)
        y[b] = -log sum over the alignments pi of target_b (blanks between labels, repeats
               merged) of prod_{t < input_lengths[b]} exp(lp[t, b, pi_t])
        computed by the forward (alpha) recursion in log space (Graves et al. 2006);
        dlp = ctc_loss_grad(g, lp, ...)
    ctc_loss_grad(g, lp, targets, input_lengths, target_lengths)
        PyTorch's ctc_loss_backward, from alpha and the backward (beta) recursion:
        dlp[t, b, c] = g[b] (exp(lp[t,b,c]) - exp(log sum_{s: l'(s) = c} alpha_t(s) beta_t(s)
                                              + y[b] - lp[t,b,c]))  for t < input_lengths[b]
        and 0 after; not differentiable (PyTorch has no double backward either).

``lp`` holds log-probabilities ``(T, N, C)``; ``targets`` are class indices, padded ``(N, S)``
or concatenated ``(sum(target_lengths),)``; ``blank`` is the blank class.  The ``exp(lp)`` term
of the gradient is PyTorch's: it is the gradient with respect to the *logits* minus the true
gradient with respect to ``lp``'s ``-exp(...)`` part, and vanishes through a ``log_softmax``
(whose vjp removes any per-step multiple of ``softmax``), so ``log_softmax`` then ``ctc_loss``
has the exact gradient; the front ends' loss values and gradients equal PyTorch's and, through
``log_softmax``, TensorFlow's.

Parameters: ``zero_infinity`` (an impossible alignment gives loss 0 and gradient 0 instead of
inf and NaN, as PyTorch), ``merge_repeated`` (TensorFlow's ``ctc_merge_repeated``: False makes
a repeated label a new emission, so a state cannot stay on a non-blank label).

Kernels: CPU (Numba, one loop per batch element, ``dlcore/kernels/cpu/ctc.py``) and CUDA (one
thread per batch element, ``dlcore/kernels/cuda/ctc.py``).  Lengths and target values are read
on the host and checked before a kernel runs.
"""

from __future__ import annotations

from ..dtypes import is_floating
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import ctc as _cpu
from ..kernels.cuda import ctc as _cuda
from ..registry import AVal, Primitive, bind


def _ctc_rule(lp: AVal, targets: AVal, il: AVal, tl: AVal, *, blank: int,
              zero_infinity: bool = False, merge_repeated: bool = True) -> AVal:
    shapes = [lp.shape, targets.shape, il.shape, tl.shape]
    if not is_floating(lp.dtype):
        raise DTypeNotImplemented("ctc_loss", "log_probs must be floating point", [lp.dtype])
    for a in (targets, il, tl):
        if a.dtype.kind not in "iu":
            raise DTypeNotImplemented("ctc_loss", "targets and lengths must be integers",
                                      [targets.dtype, il.dtype, tl.dtype])
    if lp.ndim != 3:
        raise ShapeError("ctc_loss", "log_probs must be (T, N, C)", shapes)
    t, n, c = lp.shape
    if t == 0:
        raise ShapeError("ctc_loss", "log_probs must have at least one time step", shapes)
    if c is not None and not 0 <= blank < c:
        raise ShapeError("ctc_loss", "blank must be in label range", shapes)
    if il.ndim != 1 or (n is not None and il.shape[0] not in (None, n)):
        raise ShapeError("ctc_loss", "input_lengths must be of size batch_size", shapes)
    if tl.ndim != 1 or (n is not None and tl.shape[0] not in (None, n)):
        raise ShapeError("ctc_loss", "target_lengths must be of size batch_size", shapes)
    if targets.ndim not in (1, 2) or (targets.ndim == 2 and n is not None and
                                      targets.shape[0] not in (None, n)):
        raise ShapeError("ctc_loss", "targets must be (N, S) or 1-D concatenated", shapes)
    return AVal((n,), lp.dtype)


def _ctc_grad_rule(g: AVal, lp: AVal, targets: AVal, il: AVal, tl: AVal, **p) -> AVal:
    _ctc_rule(lp, targets, il, tl, **p)
    return AVal(tuple(lp.shape), lp.dtype)


def _ctc_vjp(g, y, lp, targets, il, tl, **p):
    return (lambda: bind(ctc_loss_grad_p, g, lp, targets, il, tl, **p), None, None, None)


ctc_loss_p = Primitive(
    "ctc_loss", _ctc_rule, _ctc_vjp, kind="other",
    doc="y[b] = -log sum_{alignments pi of target_b} prod_t exp(lp[t, b, pi_t]) (alpha "
        "recursion in log space);  dlp = ctc_loss_grad(g, lp, targets, lengths)",
    kernels={"cpu": _cpu.ctc_loss, "cuda": _cuda.ctc_loss})
ctc_loss_grad_p = Primitive(
    "ctc_loss_grad", _ctc_grad_rule, None, differentiable=False, kind="other",
    doc="y[t,b,c] = g[b] (exp(lp) - exp(log sum_{s: l'(s)=c} alpha_t(s) beta_t(s) + nll[b] - "
        "lp)) for t < input_lengths[b], else 0 (PyTorch's ctc_loss_backward);  not "
        "differentiable",
    kernels={"cpu": _cpu.ctc_loss_grad, "cuda": _cuda.ctc_loss_grad})


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             zero_infinity: bool = False, merge_repeated: bool = True):
    """Per-element negative log-likelihood ``(N,)`` of ``targets`` under ``log_probs``
    ``(T, N, C)`` (see the module docstring); no reduction."""
    return bind(ctc_loss_p, log_probs, targets, input_lengths, target_lengths, blank=int(blank),
                zero_infinity=bool(zero_infinity), merge_repeated=bool(merge_repeated))
