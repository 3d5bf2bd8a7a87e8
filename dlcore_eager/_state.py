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


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded for backward()."""
    return STATE.enabled
