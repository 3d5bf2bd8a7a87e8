"""``torch.testing``: ``assert_close`` and ``make_tensor``, as PyTorch's.

``assert_close(actual, expected)`` compares tensors (and NumPy arrays with NumPy arrays), Python
numbers, and sequences and mappings of them, item by item.  Tensors must agree in shape, and
(unless switched off) dtype, device and layout, then be close element-wise:
``|actual - expected| <= atol + rtol * |expected|``, with the tolerances of the dtype when none
are given (float16: 1e-3/1e-5, bfloat16: 1.6e-2/1e-5, float32 and complex64: 1.3e-6/1e-5,
float64 and complex128: 1e-7/1e-7, integers and bool: exact).  The AssertionError's message
is PyTorch's, figures included: the differences are computed in the compared dtype (integers
in int64, their relative difference in the default float dtype; complex ones as magnitudes)
and printed as Python floats.

``make_tensor(*shape, dtype, device)`` draws from dlcore's default generator: uniform in
``[low, high)`` with PyTorch's defaults (-9 and 9 for floating point, -9 and 10 for signed
integers, 0 and 10 for uint8, random for bool), its argument checks, ``noncontiguous``,
``exclude_zero`` and ``requires_grad``.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Mapping, Sequence

import numpy as np

from . import _dtype as D
from ._host import host as _host
from .tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

_TOLS = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
         "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


class _Fail(Exception):
    """A mismatch found deep in a structure: its message and the exception type to raise."""

    def __init__(self, msg: str, kind=AssertionError, generated: builtins.bool = True):
        super().__init__(msg)
        self.msg, self.kind, self.generated = msg, kind, generated


def _tols(*dtypes) -> tuple[float, float]:
    pairs = [_TOLS.get(np.dtype(d).name, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _diff_msg(kind: str, diff, idx, tol, equality: builtins.bool) -> str:
    msg = f"{kind.title()} difference: {diff}" if idx is None else \
        f"Greatest {kind} difference: {diff} at index {idx}"
    return msg + ("" if equality else f" (up to {tol} allowed)") + "\n"


def _mismatch(default_identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0
    msg = f"{default_identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    msg += _diff_msg("absolute", abs_diff, abs_idx, atol, equality)
    msg += _diff_msg("relative", rel_diff, rel_idx, rtol, equality)
    return msg.strip()


def _scalar_msg(actual, expected, rtol, atol) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                     rel_diff, None, rtol)


def _tensor_msg(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol, atol) -> str:
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    floating = D.category(a.dtype) >= 2           # (complex: magnitudes of differences)
    af, ef = a.reshape(-1), e.reshape(-1)
    flat_matches = matches.reshape(-1)
    with np.errstate(all="ignore"):
        if floating:                    # in the compared dtype, as PyTorch computes them
            abs_diff = np.abs(af - ef)
            abs_diff[flat_matches] = 0
            rel = abs_diff / np.abs(ef)
        else:                           # int64 differences, a default-float quotient
            abs_diff = np.abs(af.astype(np.int64) - ef.astype(np.int64))
            abs_diff[flat_matches] = 0
            fd = D.get_default_dtype().np_dtype
            rel = abs_diff.astype(fd) / np.abs(ef.astype(np.int64)).astype(fd)
        rel[flat_matches] = 0

    def biggest(v):
        i = int(np.argmax(np.isnan(v))) if np.isnan(v).any() else int(np.argmax(v))
        return v[i].item(), (tuple(int(k) for k in np.unravel_index(i, matches.shape))
                             if matches.shape else ())
    (ad, ai), (rd, ri) = biggest(abs_diff), biggest(rel)
    return _mismatch("Tensor-likes", extra, ad, ai, atol, rd, ri, rtol)


def _attr(name: str, a, e) -> None:
    raise _Fail(f"The values for attribute '{name}' do not match: {a} != {e}.")


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype,
                     check_stride) -> None:
    if actual.shape != expected.shape:
        _attr("shape", actual.shape, expected.shape)
    if check_device and actual.device != expected.device:
        _attr("device", actual.device, expected.device)
    if check_dtype and actual.dtype != expected.dtype:
        _attr("dtype", actual.dtype, expected.dtype)
    if check_stride and actual.stride() != expected.stride():
        _attr("stride()", actual.stride(), expected.stride())
    if rtol is None:
        rtol, atol = _tols(actual._buf.dtype, expected._buf.dtype)
    a, e = _host(actual), _host(expected)
    if a.dtype != e.dtype:
        common = D.promote_tensors(a.dtype, True, e.dtype, True)
        a, e = a.astype(common), e.astype(common)
    if a.dtype == np.bool_:
        matches = a == e
    elif D.category(a.dtype) >= 2:
        work = a.dtype if a.dtype.itemsize >= 4 else np.float32
        af, ef = a.astype(work), e.astype(work)
        with np.errstate(all="ignore"):
            matches = np.isclose(af, ef, rtol=rtol, atol=atol, equal_nan=equal_nan)
            # (NumPy's isclose treats infinities as PyTorch's: equal when the same infinity)
    else:
        matches = np.abs(a.astype(np.int64) - e.astype(np.int64)) <= atol + rtol * np.abs(
            e.astype(np.int64)) if (rtol or atol) else a == e
    if matches.all():
        return
    if a.ndim == 0:
        raise _Fail(_scalar_msg(a.item(), e.item(), rtol, atol))
    raise _Fail(_tensor_msg(a, e, np.asarray(matches), rtol, atol))


def _is_number(x) -> builtins.bool:
    return isinstance(x, (builtins.int, builtins.float, np.number)) and \
        not isinstance(x, builtins.bool)


def _compare(actual, expected, path, opts) -> None:
    rtol, atol = opts["rtol"], opts["atol"]
    try:
        if isinstance(actual, Tensor) and isinstance(expected, Tensor):
            return _compare_tensors(actual, expected, rtol, atol, opts["equal_nan"],
                                    opts["check_device"], opts["check_dtype"],
                                    opts["check_stride"])
        if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
            return _compare_tensors(Tensor._wrap(actual), Tensor._wrap(expected), rtol, atol,
                                    opts["equal_nan"], opts["check_device"],
                                    opts["check_dtype"], opts["check_stride"])
        if isinstance(actual, builtins.bool) and isinstance(expected, builtins.bool):
            if actual is not expected:
                raise _Fail(f"Booleans mismatch: {actual} is not {expected}")
            return None
        if _is_number(actual) and _is_number(expected):
            if opts["check_dtype"] and type(actual) is not type(expected):
                raise _Fail(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
            if rtol is None:
                floating = isinstance(actual, float) or isinstance(expected, float)
                rtol, atol = (1e-7, 1e-7) if floating else (0, 0)
            if math.isnan(actual) and math.isnan(expected) and opts["equal_nan"]:
                return None
            if abs(actual - expected) <= atol + rtol * abs(expected) or actual == expected:
                return None
            raise _Fail(_scalar_msg(actual, expected, rtol, atol))
    except _Fail as f:
        if path:
            f.msg += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
        raise
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual), key=repr)
            extra = sorted(set(actual) - set(expected), key=repr)
            raise _Fail(f"The keys of the mappings do not match:\nMissing keys in the actual "
                        f"mapping: {missing}\nAdditional keys in the actual mapping: {extra}")
        for k in expected:
            _compare(actual[k], expected[k], path + [k], opts)
        return None
    seq = (Sequence,)
    if isinstance(actual, seq) and isinstance(expected, seq) and \
            not isinstance(actual, str) and not isinstance(expected, str):
        if len(actual) != len(expected):
            raise _Fail(f"The length of the sequences mismatch: {len(actual)} != "
                        f"{len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + [i], opts)
        return None
    raise _Fail(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                f"{type(expected)}.", TypeError)


def assert_close(actual, expected, *, allow_subclasses: builtins.bool = True, rtol=None,
                 atol=None, equal_nan: builtins.bool = False, check_device: builtins.bool = True,
                 check_dtype: builtins.bool = True, check_layout: builtins.bool = True,
                 check_stride: builtins.bool = False, msg=None) -> None:
    """Raise an AssertionError with PyTorch's message unless ``actual`` and ``expected`` are
    close (see the module docstring)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    opts = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan, "check_device": check_device,
            "check_dtype": check_dtype, "check_stride": check_stride}
    try:
        _compare(actual, expected, [], opts)
    except _Fail as f:
        if f.kind is AssertionError and msg is not None:
            raise AssertionError(msg(f.msg) if callable(msg) else msg) from None
        raise f.kind(f.msg) from None


# ----------------------------------------------------------------------------- make_tensor
def make_tensor(*shape, dtype, device, low=None, high=None,
                requires_grad: builtins.bool = False, noncontiguous: builtins.bool = False,
                exclude_zero: builtins.bool = False, memory_format=None) -> Tensor:
    """A tensor of ``shape`` filled with values uniform in ``[low, high)`` (see the module
    docstring for the defaults)."""
    import warnings

    from .creation import _engine
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    npd = D.to_numpy_dtype(dtype)
    name = npd.name
    if requires_grad and D.category(npd) < 2:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={D.from_numpy_dtype(npd)!r}")
    g = _engine(None)                      # PyTorch's draws: randint / uniform_ in the dtype
    odd = noncontiguous and math.prod(shape) > 1
    if odd:                  # PyTorch draws twice the last dimension and keeps its odd entries
        shape = (*shape[:-1], 2 * shape[-1])
    n = math.prod(shape)
    host: np.ndarray
    if npd == np.bool_:
        host = g.random_from_to(n, np.bool_, 0, 2).reshape(shape)
    else:
        floating = D.category(npd) == 2
        info = np.finfo(np.float32 if name == "bfloat16" else npd) if floating else np.iinfo(npd)
        lo_d, hi_d = (-9, 9) if floating else (-9, 10)
        lo = lo_d if low is None else low
        hi = hi_d if high is None else high
        if math.isnan(lo) or math.isnan(hi):
            raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={hi}")
        if lo == hi and floating:
            warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                          "complex types is deprecated since 2.1 and will be removed in 2.3. "
                          "Use `torch.full(...)` instead.", FutureWarning, stacklevel=2)
        elif lo >= hi:
            raise ValueError(f"`low` must be less than `high`, but got {lo} >= {hi}")
        lo, hi = max(lo, float(info.min)), min(hi, float(info.max))
        if floating and lo == hi:
            host = np.full(shape, lo)
        elif floating and hi - lo >= float(info.max):     # scaled, as PyTorch's
            host = g.uniform(n, npd, lo / 2, hi / 2).reshape(shape) * 2
        elif floating:
            host = g.uniform(n, npd, lo, hi).reshape(shape)
        else:
            host = g.random_from_to(n, npd, math.ceil(lo), math.ceil(hi)).reshape(shape)
        if exclude_zero:                   # PyTorch: zeros become the smallest normal value
            tiny = float(np.finfo(np.float32 if name == "bfloat16" else npd).tiny) \
                if floating else 1
            host = np.where(host == 0, tiny, host)
    arr = np.ascontiguousarray(host.astype(npd)).reshape(np.shape(host))   # (0-d stays 0-d)
    if odd:
        arr = arr[..., 1::2]
    t = Tensor._wrap(arr)
    if device is not None and str(device).startswith("cuda"):
        t = t.cuda()
    if requires_grad:
        t.requires_grad_(True)
    return t
