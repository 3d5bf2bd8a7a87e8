"""Lane entries of primitives with number parameters: hardshrink, softshrink and threshold
(``dlcore/ops/shrink.py``), selu and celu (``activations.elu_p``): ``F.hardshrink(x[, lambd])``
(``torch.hardshrink``, ``x.hardshrink`` too), ``F.softshrink(x[, lambd])``, ``F.threshold(x,
threshold, value[, inplace=False])`` (nn.Threshold's call), ``F.selu(x)`` and ``F.celu(x[,
alpha])`` (nn.SELU's and nn.CELU's calls) on a float32/float64 CPU tensor with number
arguments: the kernel and the node (PyTorch's name, its ``_saved_*``) in the entry, as
``_lane_entries.slope_entry``'s; any other call (another dtype or device, a tensor argument,
in place, tracing, autocast, saved_tensors_hooks, a negative softshrink lambda or a zero celu
alpha: their errors) to the general entry (64x128 float32: hardshrink 8-12 -> ~4.5 us, PyTorch
1.8-2.8; selu and celu 4x10x32 ~11 -> ~5, PyTorch 4.3-4.6)."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.registry import check_rule

from . import _dispatch as _D
from . import _lane as L
from . import _shown_saved as _shown
from ._lane_entries import _bound, _leaky_run, _unary_parse
from ._state import SAVED_HOOKS_ON
from .tensor import Tensor
from .tracing import _RECORDERS

_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _number(v) -> bool:
    """A number every float dtype takes as it is (an int of at most 2^53, a float within
    float32's range, an infinity or NaN); any other goes to the general entry, whose argument
    checks raise PyTorch's errors (an int past int64, a value past float32's range)."""
    t = type(v)
    if t is int:
        return -_EXACT <= v <= _EXACT
    return t is float and (not abs(v) > _F32_MAX or abs(v) == _INF)


_EXACT, _F32_MAX, _INF = 2 ** 53, float(np.finfo(np.float32).max), float("inf")


def _lambd(args, kw, nonnegative: bool):
    """``(params, shown args)`` of ``(x[, lambd])`` (the keyword too), else None."""
    by = _bound(args, kw, ("lambd",))
    if by is None:
        return None
    lambd = by.get("lambd", 0.5)
    if not _number(lambd) or (nonnegative and lambd < 0):
        return None
    return {"lambd": float(lambd)}, (lambd,)


def _threshold(args, kw):
    """``(params, shown args)`` of ``(x, threshold, value[, inplace])`` with inplace False (the
    keywords too), else None."""
    by = _bound(args, kw, ("threshold", "value", "inplace"))
    if by is None or "threshold" not in by or "value" not in by:
        return None
    t, v = by["threshold"], by["value"]
    if not (_number(t) and _number(v)) or by.get("inplace", False) is not False:
        return None
    return {"threshold": float(t), "value": float(v)}, (t,)


_SELU = ({"alpha": _ops.activations.SELU_ALPHA, "scale": _ops.activations.SELU_SCALE,
          "input_scale": 1.0}, ())


def _selu(args, kw):
    """``(params, shown args)`` of ``(x[, inplace=False])``, else None."""
    by = _bound(args, kw, ("inplace",))
    return _SELU if by is not None and by.get("inplace", False) is False else None


def _celu(args, kw):
    """``(params, shown args)`` of ``(x[, alpha[, inplace=False]])`` (keywords too), else
    None (a zero alpha: the general entry's error)."""
    by = _bound(args, kw, ("alpha", "inplace"))
    if by is None:
        return None
    a = by.get("alpha", 1.0)
    if not _number(a) or a == 0 or by.get("inplace", False) is not False:
        return None
    return {"alpha": float(a), "scale": 1.0, "input_scale": 1.0 / float(a)}, (a,)


def param_entry(prim, name: str, label: str, parse):
    """``parse.entry`` running ``prim`` with the params ``parse(args, kw)`` gives (with the
    values its node shows, ``_shown_saved.ACTIVATIONS[name]``), else the general entry."""
    kernels = prim.kernels
    ok: dict = {}

    def make(general, _parse):
        def lane_entry(*args, **kw):
            got = parse(args, kw) if args else None
            if got is not None:
                x = args[0]
                if type(x) is Tensor:
                    b = x._buf
                    if type(b) is _ndarray and not _RECORDERS and not _D._AUTOCAST and \
                            not SAVED_HOOKS_ON[0]:
                        d = b.dtype
                        if (d is _F32 or d is _F64) and (d in ok or _rule(prim, b, ok)):
                            params, shown = got
                            out = _leaky_run(prim, kernels, x, b, params, label)
                            return _shown.activation(name, out, x, shown, {})
            return general(*args, **kw)
        return lane_entry
    return make


def _rule(prim, b, ok) -> bool:
    try:
        check_rule(prim, (b,), {})
    except Exception:  # noqa: BLE001 - the general entry raises its own error
        return False
    ok[b.dtype] = True
    return True


for _name, _prim, _label, _parse in (
        ("hardshrink", _ops.shrink.hardshrink_p, "HardshrinkBackward0",
         lambda args, kw: _lambd(args, kw, False)),
        ("softshrink", _ops.shrink.softshrink_p, "SoftshrinkBackward0",
         lambda args, kw: _lambd(args, kw, True)),
        ("threshold", _ops.shrink.threshold_p, "ThresholdBackward0", _threshold),
        ("selu", _ops.activations.elu_p, "EluBackward0", _selu),
        ("celu", _ops.activations.elu_p, "CeluBackward0", _celu)):
    L.MORE[_name] = _unary_parse()
    L.ENTRIES[_name] = param_entry(_prim, _name, _label, _parse)
