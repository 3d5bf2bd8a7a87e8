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


class InferenceVersion(list):
    """The version counter of an *inference tensor* (one made inside ``inference_mode()``:
    PyTorch's ``is_inference()``).  Its views and ``detach()`` share the counter, so they are
    inference tensors too, as PyTorch's; a result computed from one outside the mode is not."""

    __slots__ = ()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded for backward()."""
    return STATE.enabled


def fresh_version() -> list:
    """A new tensor's version counter: an ``InferenceVersion`` inside ``inference_mode()``
    (``tensor._make`` spells this out inline)."""
    return InferenceVersion((0,)) if INFERENCE_ON[0] and STATE.inference else [0]
