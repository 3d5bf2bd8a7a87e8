"""A readable ``repr`` in PyTorch's style::

    tensor([[ 0.1000, -1.2000],
            [ 3.0000,  4.0000]], requires_grad=True)
    tensor([1., 2.], device='cuda:0', grad_fn=<MulBackward0>)
"""

from __future__ import annotations

import numpy as np

from dlcore import dtypes as _dt
from dlcore.device import CPU, to_device
from dlcore.dtypes import is_floating

_SHOWN_DTYPES = {np.dtype(np.float64): "torch.float64", np.dtype(np.int32): "torch.int32",
                 np.dtype(np.int8): "torch.int8", np.dtype(np.uint8): "torch.uint8",
                 np.dtype(np.int16): "torch.int16", np.dtype(np.float16): "torch.float16",
                 np.dtype(np.complex128): "torch.complex128"}
if _dt.bfloat16 is not None:
    _SHOWN_DTYPES[_dt.bfloat16] = "torch.bfloat16"


def _part_formatter(values: np.ndarray):
    """PyTorch's formatting of one part (real or imaginary) of complex values: '1.' for
    integral values, four decimals, or scientific notation for a wide range."""
    finite = values[np.isfinite(values)].astype(np.float64)
    integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    big = finite.size and (np.abs(finite).max() >= 1e8 or
                           np.abs(finite[finite != 0]).min(initial=1) < 1e-4)
    if big:
        return lambda v: f"{v:.4e}"
    if integral:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else f"{v}"
    return lambda v: f"{v:.4f}"


def _complex_body(buf: np.ndarray, prefix: str) -> str:
    """``[1.+2.j, 3.-1.j]``: real parts right-aligned to one width, imaginary parts signed
    (not padded, as PyTorch prints them)."""
    re, im = buf.real, buf.imag
    fr, fi = _part_formatter(re), _part_formatter(np.abs(im))
    wr = max((len(fr(v + 0.0)) for v in re.reshape(-1)), default=0)    # (-0.0 counts as 0.0)

    def fmt(z) -> str:
        sign = "-" if (z.imag < 0 or (z.imag == 0 and np.signbit(z.imag))) else "+"
        return fr(z.real).rjust(wr) + sign + fi(abs(z.imag)) + "j"

    return np.array2string(buf, separator=", ", prefix=prefix, max_line_width=81,
                           formatter={"complex_kind": fmt})


# NumPy wraps a line before its width would reach max_line_width counting the closing ']';
# PyTorch fits floor((80 - indent) / (element width + 2)) elements: the same lines at 81.
def tensor_repr(t) -> str:
    buf = t._buf if type(t._buf) is np.ndarray else to_device(t._buf, CPU)
    prefix = "tensor("
    shown = buf
    if buf.dtype in _dt.HALF and buf.dtype.kind == "V":
        buf = buf.astype(np.float32)        # printed by value (NumPy knows float32's format)
    if buf.dtype.kind == "c":
        body = _complex_body(buf, prefix)
    elif is_floating(buf.dtype):
        finite = buf[np.isfinite(buf)].astype(np.float64)      # (1e8 overflows float16)
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        big = finite.size and (np.abs(finite).max() >= 1e8 or
                               (np.abs(finite[finite != 0]).min(initial=1) < 1e-4))
        if integral and not big:
            body = np.array2string(buf, separator=", ", prefix=prefix, floatmode="unique",
                                   max_line_width=81)
        else:
            body = np.array2string(buf, separator=", ", prefix=prefix, precision=4,
                                   floatmode="fixed", suppress_small=False, max_line_width=81)
    else:
        body = np.array2string(buf, separator=", ", prefix=prefix, max_line_width=81)
        if buf.dtype == np.bool_:            # right-aligned to the widest word, as PyTorch
            width = 4 if buf.all() else 5
            body = np.array2string(buf, separator=", ", prefix=prefix, max_line_width=81,
                                   formatter={"bool": lambda v: str(bool(v)).rjust(width)})
    extras = []
    if t.is_cuda:
        extras.append("device='cuda:0'")
    if shown.dtype in _SHOWN_DTYPES or (shown.size == 0 and shown.dtype != np.float32):
        extras.append(f"dtype={_SHOWN_DTYPES.get(shown.dtype, 'torch.' + shown.dtype.name)}")
    node = t._node
    if node is not None:
        extras.append(f"grad_fn=<{node.name()}>")
    elif t._rg:
        extras.append("requires_grad=True")
    return _add_suffixes(prefix + body, extras, len(prefix))


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """PyTorch's ``_add_suffixes``: each suffix (``dtype=``, ``grad_fn=``, ...) goes on a new
    line, indented under the first bracket, when it would take the last line past 80 columns
    (PyTorch counts that line two characters longer than it is)."""
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > 80:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(parts) + ")"
