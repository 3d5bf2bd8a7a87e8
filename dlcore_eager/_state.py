"""Thread-local autograd state: whether operations are being recorded on the tape.

PyTorch's grad mode is per thread: ``no_grad`` in one thread does not switch recording off in
another.  This module has no dependencies so that every other module can import it cheaply; the
user-facing context managers live in ``dlcore_eager.autograd.grad_mode``.
"""

from __future__ import annotations

import threading


class _GradState(threading.local):
    enabled: bool = True
    inference: bool = False         # inside torch.inference_mode() (is_inference_mode_enabled)


STATE = _GradState()

# The number of threads inside ``inference_mode(True)`` now (grad_mode keeps it): ``tensor._make``
# reads the per-thread STATE.inference only while it is not 0, so other code pays one list read.
INFERENCE_ON = [0]

# The number of ``saved_tensors_hooks`` contexts entered now, in any thread (autograd's
# ``_saved_hooks`` keeps it): the composites whose node differs under hooks test it first.
SAVED_HOOKS_ON = [0]


class InferenceVersion(list):
    """The version counter of an *inference tensor* (one made inside ``inference_mode()``:
    PyTorch's ``is_inference()``).  Its views and ``detach()`` share the counter, so they are
    inference tensors too, as PyTorch's; a result computed from one outside the mode is not."""

    __slots__ = ()


class DetachedInference(InferenceVersion):
    """The counter of ``detach()`` / ``.data`` of an inference tensor outside the mode: still
    an inference tensor (``is_inference()``, no ``_version``), but PyTorch 2.13 lets it be
    written in place there (``x.detach().add_(1)``), where ``x.add_(1)`` and a view's raise
    ``ERR_INFERENCE_INPLACE``."""

    __slots__ = ()


#: PyTorch's refusal of an in-place write to an inference tensor outside ``inference_mode()``
ERR_INFERENCE_INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")


def inference_write(t) -> bool:
    """Would an in-place write to ``t`` be PyTorch's ``ERR_INFERENCE_INPLACE``?  (An inference
    tensor's own counter, outside ``inference_mode()``.)"""
    return type(t._vc) is InferenceVersion and not STATE.inference


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded for backward()."""
    return STATE.enabled


def fresh_version() -> list:
    """A new tensor's version counter: an ``InferenceVersion`` inside ``inference_mode()``
    (``tensor._make`` spells this out inline)."""
    return InferenceVersion((0,)) if INFERENCE_ON[0] and STATE.inference else [0]
