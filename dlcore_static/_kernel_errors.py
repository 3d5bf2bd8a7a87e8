"""TensorFlow's words for the kernel errors NumPy words otherwise (used by ``runtime.wrap_error``
when a kernel fails while the graph runs): a binary op whose fed shapes do not broadcast is
TF's ``Incompatible shapes: [2,3] vs. [4,3]`` (InvalidArgumentError), not NumPy's "operands
could not be broadcast together with shapes (2,3) (4,3)"."""

from __future__ import annotations

import re

_UFUNC = re.compile(r"^operands could not be broadcast together with shapes "
                    r"\(([\d, ]*)\) \(([\d, ]*)\)\s*$")
_BROADCAST = re.compile(r"^shape mismatch: objects cannot be broadcast to a single shape\.\s+"
                        r"Mismatch is between arg \d+ with shape \(([\d, ]*)\) and arg \d+ "
                        r"with shape \(([\d, ]*)\)\.?\s*$")


def _dims(text: str) -> str:
    """NumPy's ``2,3`` / ``2, 3`` / ``4,`` / empty as TensorFlow's ``[2,3]`` / ``[4]`` / ``[]``."""
    return "[" + ",".join(d.strip() for d in text.split(",") if d.strip()) + "]"


def tf_kernel_text(e: BaseException) -> str | None:
    """TensorFlow's message for kernel error ``e`` when it has its own words, else None (the
    caller keeps its ``ValueError: ...`` text)."""
    if not isinstance(e, ValueError):
        return None
    text = str(e)
    if text.startswith("Incompatible shapes: "):    # already TF's words (a fused loop's)
        return text
    m = _UFUNC.match(text) or _BROADCAST.match(text)
    if m is None:
        return None
    return f"Incompatible shapes: {_dims(m.group(1))} vs. {_dims(m.group(2))}"
