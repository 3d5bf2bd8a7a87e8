"""A readable ``repr`` in PyTorch's style::

    tensor([[ 0.1000, -1.2000],
            [ 3.0000,  4.0000]], requires_grad=True)
    tensor([1., 2.], device='cuda:0', grad_fn=<MulBackward0>)

Real and integer tensors follow PyTorch 2.13's ``torch/_tensor_str.py`` step by step (its
``_Formatter``, ``_vector_str``, ``_tensor_str_with_formatter`` and ``_add_suffixes``), so a
program's printed tensors break lines, align and summarize where PyTorch's do; complex ones
are laid out by NumPy with PyTorch's number format.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from dlcore import dtypes as _dt
from dlcore.device import CPU, to_device
from dlcore.dtypes import is_floating

from . import _dtype as D
from . import _tensor_aux as _aux

_SHOWN_DTYPES = {np.dtype(np.float64): "torch.float64", np.dtype(np.int32): "torch.int32",
                 np.dtype(np.int8): "torch.int8", np.dtype(np.uint8): "torch.uint8",
                 np.dtype(np.int16): "torch.int16", np.dtype(np.float16): "torch.float16",
                 np.dtype(np.complex128): "torch.complex128"}
_dt.on_bfloat16(lambda d: _SHOWN_DTYPES.__setitem__(d, "torch.bfloat16"))

_IMPLIED = (np.dtype(np.int64), np.dtype(np.bool_))


def _dtype_shown(b: np.ndarray) -> bool:
    """PyTorch's rule (_tensor_str): the dtype is printed unless it is the default float
    dtype, its complex type (complex128 for float64, else complex64), int64 or bool; an empty
    tensor's unless it is the default float dtype."""
    default = D.get_default_dtype().np_dtype
    d = b.dtype
    if b.size == 0:
        return d != default
    if d == default or d in _IMPLIED:
        return False
    return d != (np.complex128 if default == np.float64 else np.complex64)


#: PyTorch's PRINT_OPTS (torch.set_printoptions sets them; NumPy's own options untouched)
PRINT_OPTS: dict[str, Any] = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
              "sci_mode": None}


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

    t = PRINT_OPTS["threshold"]
    return np.array2string(buf, separator=", ", prefix=prefix, max_line_width=81,
                           formatter={"complex_kind": fmt}, edgeitems=PRINT_OPTS["edgeitems"],
                           threshold=t if t != np.inf else sys.maxsize)


def _summarized(buf: np.ndarray) -> np.ndarray:
    """The entries a summarized print shows (the first and last ``edge`` along each axis),
    over which PyTorch sizes its format, as its get_summarized_data."""
    if buf.size <= PRINT_OPTS["threshold"]:
        return buf
    edge = int(PRINT_OPTS["edgeitems"])
    for axis, n in enumerate(buf.shape):
        if n > 2 * edge:
            buf = np.take(buf, list(range(edge)) + list(range(n - edge, n)), axis=axis)
    return buf


def _float_formatter(buf: np.ndarray):
    """PyTorch's ``_Formatter`` for real floating values, read from the finite non-zero
    values: all integral -> '3.' (scientific when max/min > 1000 or max > 1e8), else
    ``precision`` decimals (scientific when max/min > 1000, max > 1e8 or min < 1e-4; a set
    ``sci_mode`` decides instead); every entry right-aligned to the widest, so zeros, -0.,
    nan and inf take the width of the others."""
    flat = _summarized(buf).reshape(-1).astype(np.float64)     # (1e8 overflows float16)
    nz = flat[np.isfinite(flat) & (flat != 0)]
    p = PRINT_OPTS["precision"]
    width, int_mode, sci = 1, True, False
    if nz.size:
        a = np.abs(nz)
        lo, hi = a.min(), a.max()
        int_mode = bool(np.all(nz == np.ceil(nz)))
        sci = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) \
            if PRINT_OPTS["sci_mode"] is None else PRINT_OPTS["sci_mode"]
        if sci:
            width = max(len(f"{v:.{p}e}") for v in nz)
        elif int_mode:
            width = max(len(f"{v:.0f}") for v in nz) + 1
        else:
            width = max(len(f"{v:.{p}f}") for v in nz)

    def fmt(v) -> str:
        v = float(v)
        if sci:
            ret = f"{v:{width}.{p}e}"
        elif int_mode:
            ret = f"{v:.0f}" + ("." if np.isfinite(v) else "")
        else:
            ret = f"{v:.{p}f}"
        return ret.rjust(width)
    return fmt, width


def _plain_formatter(buf: np.ndarray):
    """Integers and bools: ``str`` of each value, right-aligned to the widest."""
    width = max(len(str(v)) for v in _summarized(buf).reshape(-1))
    return (lambda v: str(v).rjust(width)), width


def _vector_str(vec: np.ndarray, indent: int, summarize: bool, fmt, width: int,
                edge: int) -> str:
    """PyTorch's ``_vector_str``: floor((linewidth - indent) / (width + 2)) entries a line, the
    summary ' ...' counted as one of them."""
    per_line = max(1, int((PRINT_OPTS["linewidth"] - indent) // (width + 2)))
    if summarize and vec.shape[0] > 2 * edge:
        data = [fmt(v) for v in vec[:edge]] + [" ..."] + [fmt(v) for v in vec[-edge:]]
    else:
        data = [fmt(v) for v in vec]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(buf: np.ndarray, indent: int, summarize: bool, fmt, width: int,
                edge: int) -> str:
    """PyTorch's ``_tensor_str_with_formatter``: nested brackets, one blank line per extra
    dimension between blocks, '...' rows where a summarized dimension is cut."""
    if buf.ndim == 0:
        return fmt(buf[()])
    if buf.ndim == 1:
        return _vector_str(buf, indent, summarize, fmt, width, edge)
    n = buf.shape[0]
    if summarize and n > 2 * edge:
        rows = [_tensor_str(buf[i], indent + 1, summarize, fmt, width, edge)
                for i in range(edge)] + ["..."] + \
               [_tensor_str(buf[i], indent + 1, summarize, fmt, width, edge)
                for i in range(n - edge, n)]
    else:
        rows = [_tensor_str(buf[i], indent + 1, summarize, fmt, width, edge) for i in range(n)]
    return "[" + ("," + "\n" * (buf.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def tensor_repr(t) -> str:
    buf = t._buf if type(t._buf) is np.ndarray else to_device(t._buf, CPU)
    prefix = "tensor("
    shown = buf
    if buf.dtype in _dt.HALF and buf.dtype.kind == "V":
        buf = buf.astype(np.float32)        # printed by value (NumPy knows float32's format)
    if buf.dtype.kind == "c":
        body = _complex_body(buf, prefix)
    elif buf.size == 0:
        body = np.array2string(buf, separator=", ", prefix=prefix)
    else:                   # PyTorch's layout (threshold and edge items as set_printoptions')
        fmt, width = _float_formatter(buf) if is_floating(buf.dtype) else _plain_formatter(buf)
        body = _tensor_str(buf, len(prefix), buf.size > PRINT_OPTS["threshold"], fmt, width,
                           int(PRINT_OPTS["edgeitems"]))
    extras = []
    if t.is_cuda:
        extras.append("device='cuda:0'")
    if shown.size == 0 and shown.ndim != 1:
        extras.append(f"size={tuple(shown.shape)}")
    if _dtype_shown(shown):
        extras.append(f"dtype={_SHOWN_DTYPES.get(shown.dtype, 'torch.' + shown.dtype.name)}")
    node = t._node
    if node is not None:
        extras.append(f"grad_fn=<{node.name().rpartition('::')[2]}>")   # (shown_name)
    elif getattr(t, "_view", None) is not None and _changed_no_grad_view(t):
        extras.append("grad_fn=<Invalid>")     # (PyTorch's: its grad_fn would raise)
    elif t._rg:
        extras.append("requires_grad=True")
    return _add_suffixes(prefix + body, extras, len(prefix))


def _changed_no_grad_view(t) -> bool:
    """Whether ``t`` is a view made in no_grad mode whose memory changed since (its grad_fn
    raises PyTorch's error; repr shows it as ``<Invalid>``)."""
    try:
        _aux.rebase().check_no_grad_view(t)
    except RuntimeError:
        return True
    return False


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """PyTorch's ``_add_suffixes``: each suffix (``dtype=``, ``grad_fn=``, ...) goes on a new
    line, indented under the first bracket, when it would take the last line past 80 columns
    (PyTorch counts that line two characters longer than it is)."""
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > PRINT_OPTS["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(parts) + ")"
