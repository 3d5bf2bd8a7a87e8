"""``error_of(fn)``: what calling ``fn`` raised, as ``(type, message)`` (None when it returned),
so that a test compares dlcore_eager's error with PyTorch's by type and message.  Imported by the
eager test files that compare errors (pytest puts this directory on ``sys.path``)."""

from __future__ import annotations


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type and message are compared
        return type(e), str(e)
    return None
