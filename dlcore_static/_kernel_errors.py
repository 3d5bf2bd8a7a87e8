"""TensorFlow's words for the kernel errors NumPy words otherwise (used by ``runtime.wrap_error``
when a kernel fails while the graph runs): a binary op whose fed shapes do not broadcast is
TF's ``Incompatible shapes: [2,3] vs. [4,3]`` (InvalidArgumentError), not NumPy's "operands
could not be broadcast together with shapes (2,3) (4,3)"."""

from __future__ import annotations

import re

import numpy as np

from dlcore.errors import format_shape

_UFUNC = re.compile(r"^operands could not be broadcast together with shapes "
                    r"\(([\d, ]*)\) \(([\d, ]*)\)\s*$")
_BROADCAST = re.compile(r"^shape mismatch: objects cannot be broadcast to a single shape\.\s+"
                        r"Mismatch is between arg \d+ with shape \(([\d, ]*)\) and arg \d+ "
                        r"with shape \(([\d, ]*)\)\.?\s*$")


_RESHAPE = re.compile(r"^cannot reshape a tensor with (\d+) elements to shape \[([-\d, ]*)\]")


def _reshape_text(size: int, target: str) -> str | None:
    """TF's Reshape kernel: 'Input to reshape is a tensor with 7 values, but the requested
    shape has 6' ('requires a multiple of 3' with a -1).  None when the count fits (the
    target conflicts with a declared dimension: dlcore's words stay)."""
    dims = [int(d) for d in target.split(",") if d.strip()]
    known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    if -1 in dims:
        if known > 0 and size % known == 0:
            return None
        return (f"Input to reshape is a tensor with {size} values, but the requested shape "
                f"requires a multiple of {known}")
    if known == size:
        return None
    return f"Input to reshape is a tensor with {size} values, but the requested shape has {known}"


def _dims(text: str) -> str:
    """NumPy's ``2,3`` / ``2, 3`` / ``4,`` / empty as TensorFlow's ``[2,3]`` / ``[4]`` / ``[]``."""
    return format_shape([int(d) for d in text.split(",") if d.strip()])


def tf_kernel_text(e: BaseException) -> str | None:
    """TensorFlow's message for kernel error ``e`` when it has its own words, else None (the
    caller keeps its ``ValueError: ...`` text)."""
    if isinstance(e, IndexError) and str(e).startswith("Received a label value of "):
        return str(e)               # sparse xent's label check: TF's words, no 'IndexError: '
    if not isinstance(e, ValueError):
        return None
    text = str(e)
    if text.startswith("Incompatible shapes: "):    # already TF's words (a fused loop's)
        return text
    m = _RESHAPE.match(getattr(e, "reason", ""))
    if m is not None:
        return _reshape_text(int(m.group(1)), m.group(2))
    m = _UFUNC.match(text) or _BROADCAST.match(text)
    if m is None:
        return None
    return f"Incompatible shapes: {_dims(m.group(1))} vs. {_dims(m.group(2))}"
