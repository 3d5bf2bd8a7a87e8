"""``torch.autograd.detect_anomaly`` / ``set_detect_anomaly`` (``torch.autograd.anomaly_mode``).

While anomaly detection is on (with ``check_nan``), every backward function's results are
checked as they are computed, and the first one holding a NaN stops the pass with PyTorch's
error naming the node: ``RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th
output.`` (the leaves' ``.grad`` are then untouched by that pass's remaining nodes).  The mode is
process-wide, as PyTorch's.  ``detect_anomaly()`` warns as PyTorch's does when made.  (PyTorch
also records each node's forward traceback and warns "Error detected in ...: Traceback of
forward call that caused the error" before the error; dlcore does not.)  Without the mode, nothing is checked and nothing is paid.
"""

from __future__ import annotations

import warnings

import numpy as np

MODE = {"enabled": False, "check_nan": True}


def is_anomaly_enabled() -> bool:
    """Is anomaly detection on (``torch.is_anomaly_enabled``)?"""
    return MODE["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    """Does anomaly detection check for NaN (``torch.is_anomaly_check_nan_enabled``)?"""
    return MODE["check_nan"]


class set_detect_anomaly:
    """Switch anomaly detection on or off now; used as a context manager it is restored at
    exit (as PyTorch's ``set_detect_anomaly``)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (MODE["enabled"], MODE["check_nan"])
        MODE["enabled"], MODE["check_nan"] = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        MODE["enabled"], MODE["check_nan"] = self.prev


class detect_anomaly:
    """Context manager (or decorator) turning anomaly detection on inside it."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = (MODE["enabled"], MODE["check_nan"])
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)   # (PyTorch's)

    def __enter__(self) -> None:
        self.prev = (MODE["enabled"], MODE["check_nan"])
        MODE["enabled"], MODE["check_nan"] = True, bool(self.check_nan)

    def __exit__(self, *exc) -> None:
        MODE["enabled"], MODE["check_nan"] = self.prev

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapped


def checked_vjp(vjp, name_of):
    """``vjp`` (a ``(node, g) -> results`` function of the engine) raising PyTorch's anomaly
    error when a result the pass uses holds a NaN; ``vjp`` itself when the mode is off.
    PyTorch's backward function computes (and checks) only the outputs whose inputs the pass
    needs (``grad(x / y, x)`` at y = 0 is inf, no error): each result is checked when the
    pass takes it, a rule's thunk when it is called, a computed result with a NaN made a
    thunk that raises (the pass calls only the thunks of inputs it needs)."""
    if not (MODE["enabled"] and MODE["check_nan"]):
        return vjp

    def checked(node, g):
        res = vjp(node, g)
        parents = getattr(node, "parents", None)
        out = list(res)
        for i, r in enumerate(res):
            if r is None or (parents is not None and i < len(parents) and parents[i] is None):
                continue
            if callable(r) and getattr(r, "_buf", None) is None:
                out[i] = _checking(r, node, i, name_of)     # (checked when computed)
            elif _has_nan(r):
                out[i] = _raising(node, i, name_of)
        return tuple(out) if type(res) is tuple else out
    return checked


def _has_nan(r) -> bool:
    buf = getattr(r, "_buf", r)
    return type(buf) is np.ndarray and buf.dtype.kind in "fc" and bool(np.isnan(buf).any())


def _error(node, i, name_of) -> RuntimeError:
    return RuntimeError(f"Function '{name_of(node)}' returned nan values in its {i}th output.")


def _checking(thunk, node, i, name_of):
    def computed():
        r = thunk()
        if r is not None and _has_nan(r):
            raise _error(node, i, name_of)
        return r
    return computed


def _raising(node, i, name_of):
    def computed():
        raise _error(node, i, name_of)
    return computed


__all__ = ["detect_anomaly", "set_detect_anomaly"]
