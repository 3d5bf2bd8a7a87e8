"""PyTorch's argument checks, in its words, for functions defined elsewhere in the eager front
end (``_extra_ops``: rot90, searchsorted, bernoulli; ``_api``: the operands of torch.add,
maximum, ...), compared with torch 2.13 in tests/eager/test_torchdiff_table.py."""

from __future__ import annotations

import sys
from types import FrameType

import numpy as np

from dlcore.dtypes import is_floating

from . import _dtype as D
from .tensor import Tensor


def _sizes(shape) -> str:
    return "[" + ", ".join(str(int(d)) for d in shape) + "]"


def rot90(ndim: int, dims) -> None:
    """``torch.rot90``'s checks of ``dims`` for an ``ndim``-dimensional input."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = dims
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                             f"{ndim - 1}], but got {d})")
    if d0 % ndim == d1 % ndim:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")


def searchsorted(seq: np.ndarray, vals: np.ndarray, right: bool, side, sorter) -> None:
    """``torch.searchsorted``'s checks (``seq``, ``vals``, ``sorter``: host arrays)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError("torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side != "right":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               f"opposites, got side of {side} while right was True")
    if sorter is not None:
        if sorter.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {_sizes(seq.shape)}and got "
                               f"sorter tensor {_sizes(sorter.shape)}")
        if sorter.dtype != np.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got dtype {D.from_numpy_dtype(sorter.dtype)._legacy}")
        if sorter.size and (sorter.min() < 0 or sorter.max() >= seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    if vals.ndim == 0 and seq.ndim != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when "
                           "boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({seq.ndim}) and input value's dim(0) numel(1)")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if seq.ndim != 1 and seq.shape[:-1] != vals.shape[:-1]:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           "the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor "
                           f"{_sizes(seq.shape)} and input value tensor {_sizes(vals.shape)}")


def bernoulli(probs: np.ndarray, p) -> None:
    """``torch.bernoulli``'s checks: of the probabilities ``probs`` (host array) when ``p`` is
    None, else of the number ``p``."""
    if p is not None:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        return
    if not is_floating(probs.dtype):
        raise NotImplementedError('"bernoulli_tensor_cpu_p_" not implemented for '
                                  f"'{D.from_numpy_dtype(probs.dtype)._legacy}'")
    with np.errstate(invalid="ignore"):
        ok = bool(((probs >= 0) & (probs <= 1)).all())
    if not ok:
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")


#: torch functions of two tensors that take no Python number for either
_TENSOR_ONLY = frozenset({"atan2", "arctan2", "hypot", "igamma", "igammac", "logaddexp",
                          "maximum", "minimum", "nextafter"})
#: what PyTorch's parser binds as a Number: Python's int/float/complex/bool, NumPy's scalars
#: (fractions.Fraction and decimal.Decimal, numbers.Number as they are, are refused)
_NUMBERS = (int, float, complex, np.number, np.bool_)


def type_name(x) -> str:
    """PyTorch's name of ``x``'s type in its argument errors: the C type's ``tp_name``
    (``numpy.ndarray``, ``decimal.Decimal``, ``list``), a class defined in Python by its name
    alone (``Fraction``, a user's ``Foo``)."""
    t = type(x)
    if t.__flags__ & _HEAPTYPE:
        return t.__name__
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


_HEAPTYPE = 1 << 9                      # (Py_TPFLAGS_HEAPTYPE: a class made by a class statement)


def not_tensor(op: str, arg: str, pos: int | None, x) -> TypeError:
    """PyTorch's words (``pos`` None: an argument given by keyword, named without one)."""
    where = "" if pos is None else f" (position {pos})"
    return TypeError(f"{op}(): argument '{arg}'{where} must be Tensor, not {type_name(x)}")


def binary_operands(name: str, method: bool):
    """``check(a, b)`` of ``torch.<name>(a, b)`` (``a.<name>(b)`` when ``method``): PyTorch's
    TypeError for an operand that is neither a Tensor nor a number (a NumPy array, a list: dlcore
    computed with them), or a number where PyTorch takes only tensors (maximum, atan2, ...)."""
    if name == "pow":                   # (its own words: 'invalid combination of arguments')
        return _pow_check(method)
    numbers_too = name not in _TENSOR_ONLY
    shift = 1 if method else 0

    overloaded = name in _OVERLOADED

    def check(a, b) -> None:
        if type(a) is Tensor and type(b) is Tensor:
            return
        for arg, pos, v in (("input", 1, a), ("other", 2, b)):
            if not (isinstance(v, Tensor) or numbers_too and isinstance(v, _NUMBERS)):
                if overloaded:
                    raise _invalid_combination(name, (a, b)[shift:])
                raise not_tensor(name, arg, pos - shift, v)
    return check


#: PyTorch's binary functions whose refusal lists their overloads (fmod's Tensor and Number)
_OVERLOADED = frozenset({"bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                         "bitwise_right_shift", "floor_divide", "fmod", "remainder",
                         "multiply", "subtract"})


def _invalid_combination(name: str, args: tuple, kw: dict | None = None,
                         alias: bool = False) -> TypeError:
    """PyTorch's 'invalid combination of arguments' TypeError: its first line exact (keyword
    arguments shown as ``rounding_mode=str``), then the tensor and number overloads (PyTorch's
    list varies by function)."""
    got = ", ".join(["Tensor" if isinstance(a, Tensor) else type_name(a) for a in args] +
                    [f"{k}={type_name(v)}" for k, v in (kw or {}).items() if k != "out"])
    return TypeError(f"{name}() received an invalid combination of arguments - got ({got}), "
                     "but expected one of:\n * (Tensor input, Tensor other, *, Tensor out = "
                     "None)\n * (Tensor input, Number other, *, Tensor out = None)\n")


def _pow_check(method: bool):
    """PyTorch's refusal of ``torch.pow(a, b)`` / ``a.pow(b)`` unless (Tensor, Tensor),
    (Number, Tensor) or (Tensor, Number): a NumPy array or a list is not computed with."""
    def check(a, b) -> None:
        if type(a) is Tensor and type(b) is Tensor:
            return
        ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
        if tb and (ta or isinstance(a, _NUMBERS)) or ta and isinstance(b, _NUMBERS):
            return
        if method:
            bad = f"      didn't match because some of the arguments have invalid types: " \
                f"(!{type_name(b)}!)\n"
            raise TypeError(f"pow() received an invalid combination of arguments - got "
                            f"({type_name(b)}), but expected one of:\n * (Tensor exponent)\n"
                            f"{bad} * (Number exponent)\n{bad}")
        got = ", ".join("Tensor" if isinstance(v, Tensor) else type_name(v) for v in (a, b))
        raise TypeError(f"pow() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (Tensor input, Tensor exponent, *, Tensor "
                        "out = None)\n * (Number self, Tensor exponent, *, Tensor out = None)\n"
                        " * (Tensor input, Number exponent, *, Tensor out = None)\n")
    return check


def tensors(op: str, method: bool, names: tuple, values: tuple) -> None:
    """PyTorch's TypeError for the first of ``values`` (the arguments ``names`` of
    ``torch.<op>``; of ``Tensor.<op>`` without ``self`` when ``method``) that is no Tensor."""
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            raise not_tensor(op, names[i + method], i + 1, v)


_NONE = object()     # (method_of_tensors: no argument given)


def method_of_tensors(fn, op: str, arg: str):
    """``Tensor.<op>(other)`` as ``fn`` (shared with an operator that takes arrays: ``@``)
    refusing an ``other`` that is no Tensor, in PyTorch's words."""
    def method(self, other=_NONE, *args, **kw):
        if type(other) is Tensor and not args and not kw:
            return fn(self, other)      # (the usual call, no packing: x.mm(w) 2.12 -> 2.02 us)
        if other is _NONE:              # (x.mm(mat2=w))
            o = kw.get(arg, _NONE) if len(kw) == 1 else _NONE
            if o is not _NONE and not isinstance(o, Tensor):
                raise not_tensor(op, arg, None, o)
            return fn(self, *args, **kw)
        if not args and not isinstance(other, Tensor):
            raise not_tensor(op, arg, 1, other)
        return fn(self, other, *args, **kw)
    method.__name__ = method.__qualname__ = op
    method.__doc__ = fn.__doc__ or (
        f"``torch.{op}(self, {arg})`` as a method; ``{arg}`` must be a Tensor (a NumPy array or "
        "a list is refused, as PyTorch refuses it" + (", though ``@`` takes one)." if op ==
                                                      "matmul" else ")."))
    method.__wrapped__ = fn             # type: ignore[attr-defined]  # (inspect.signature: fn's)
    return method


def div_convention(build):
    """``_api``'s ``div`` convention with ``torch.div(a, b)``/``a.div(b)`` (and its aliases
    ``divide``/``true_divide``) refusing an operand that is neither a Tensor nor a number, in
    PyTorch's words: ``div(): argument 'other' ... must be Tensor``, but the 'invalid
    combination' of the aliases and of any call that names ``rounding_mode``."""
    def convention(export, ns, name):
        f = build(export, ns, name)
        if name not in ("div", "divide", "true_divide"):
            return f
        method = ns == "Tensor"
        check = binary_operands("div", method)

        def div(input, other, **kw):
            if type(input) is not Tensor or type(other) is not Tensor:
                if name != "div" or kw:
                    for v in (input, other):
                        if not isinstance(v, (Tensor, *_NUMBERS)):
                            raise _invalid_combination(
                                name, (input, other)[method:], kw, alias=name != "div")
                else:
                    check(input, other)
            return f(input, other, **kw)
        div.__doc__ = f.__doc__
        div.__wrapped__ = f         # type: ignore[attr-defined]  # (inspect.signature: f's)
        div.__name__ = div.__qualname__ = name
        return div
    return convention


#: PyTorch's grad_fn of ``F.<name>(x, inplace=True)`` (its in-place overloads: EluBackward1)
INPLACE_LABELS = {"hardtanh": "HardtanhBackward0", "relu6": "HardtanhBackward0",
                  "elu": "EluBackward1", "celu": "CeluBackward1", "selu": "EluBackward1",
                  "threshold": "ThresholdBackward1", "leaky_relu": "LeakyReluBackward1",
                  "hardswish": "HardswishBackward0", "hardsigmoid": "HardsigmoidBackward0",
                  "silu": "SiluBackward0", "mish": "MishBackward0", "relu": "ReluBackward0"}


def inplace_node(name: str, out, src, values: tuple | list = (), kw: dict | None = None):
    """``out`` (``F.<name>`` of ``src``, to be written in place, ``values`` and ``kw`` its
    arguments after ``src``) with PyTorch's grad_fn name, ``src`` its one input edge (not the
    composite's inner nodes) and what PyTorch's node saves: silu's, mish's, ... ``src``
    (the values before the write), elu's, celu's, leaky_relu's result, their parameters
    (``_shown_saved``)."""
    label = INPLACE_LABELS.get(name)
    if label is None:
        return out
    from ._graph import labelled
    from ._shown_saved import ACTIVATIONS, LABELS, activation, show
    out = labelled(out, label, src, edges=(src,))
    if name in ACTIVATIONS:
        return activation(name, out, src, tuple(values), kw or {}, inplace=True)
    return show(out, src) if label in LABELS else out


def user_stacklevel() -> int:
    """``warnings.warn``'s stacklevel, called from the warning function, that names the first
    frame outside dlcore's packages (the user's line, as torch's: x.std() and torch.std, an
    entry behind the replay lane, a dtype guard or an autocast wrapper reach a warning through
    wrappers of different depths)."""
    f: FrameType | None = sys._getframe(1)
    n = 1
    while f is not None and _ours(f.f_globals.get("__name__", "")):
        f, n = f.f_back, n + 1
    return n


def _ours(module: str) -> bool:
    return module.startswith(("dlcore_eager", "dlcore_static", "dlcore.")) or module == "dlcore"
