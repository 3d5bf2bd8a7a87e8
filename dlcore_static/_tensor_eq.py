"""``==`` and ``!=`` of a graph tensor (and a variable): TensorFlow 1's object identity.

TF 1.15's ``Tensor.__eq__`` in graph mode is ``self is other`` (``ops.py``: "In legacy graph
mode, tensor equality is object equality"), which keeps tensors usable as dict keys and set
members.  Code written for TF 2 / Keras 3 (``ops.cast(a) == ops.cast(b)``, ``labels == 0``)
means an elementwise comparison there and silently gets Python ``False`` here; such a
comparison, written directly in code outside dlcore, now warns (``TensorEqualityWarning``,
once per line by Python's default filter) and still returns TF1's bool.  Dict and set lookups,
``t in list_of_tensors`` and ``list.index`` compare silently, as before."""

from __future__ import annotations

import dis
import sys
import warnings

import numpy as np

__all__ = ["TensorEqualityWarning", "install"]

_COMPARE = dis.opmap["COMPARE_OP"]
# what may be compared elementwise in TF 2: tensors, variables, Python and NumPy numbers,
# arrays, strings and lists of them (None and other objects compare silently)
_VALUES = (int, float, complex, str, bytes, list, tuple, np.ndarray, np.generic)


class TensorEqualityWarning(UserWarning):
    """``==``/``!=`` on a TF1 graph tensor compares identity, not elements.

    Warned where the comparison is written in user code (dict keys, sets, ``in``,
    ``list.index``/``count``/``remove``, ``sorted``, ``operator.eq``, ``tf.nest`` and dlcore's
    own frames stay silent).  It also warns, by design, where Python's machinery compares two
    distinct tensors for the user: ``unittest``'s ``assertNotEqual(t1, t2)``, and
    ``==``/``!=`` between tuples, lists or dataclasses that hold
    distinct tensors (each element pair is compared with ``==``); filter it with
    ``warnings.filterwarnings("ignore", category=TensorEqualityWarning)`` where identity is
    what is meant."""


def _describe(x) -> str:
    name = getattr(x, "name", None)
    if _is_symbolic(x):
        kind = "tf.Variable" if type(x).__name__ == "Variable" else "tf.Tensor"
        return f"{kind} '{name}' (shape {x.shape}, {x.dtype.name})"
    if isinstance(x, (int, float, complex, str, bytes, np.generic)):
        return f"the {type(x).__name__} {x!r}"
    try:
        return f"a {type(x).__name__} of shape {np.shape(x)}"
    except (TypeError, ValueError):      # (a list holding tensors)
        return f"a {type(x).__name__}"


_SYMBOLIC: tuple = ()      # the classes installed (Tensor, Variable)


def _is_symbolic(x) -> bool:
    return isinstance(x, _SYMBOLIC)


def _check(self, other, op: str) -> None:
    """Warn when ``self op other`` is a comparison written in user code that TF 2 would have
    made elementwise."""
    if other is None or not (_is_symbolic(other) or isinstance(other, _VALUES)):
        return
    f = sys._getframe(2)
    if f.f_globals.get("__name__", "").startswith(("dlcore", "keras")):
        return      # the framework's own identity tests (and Keras' bookkeeping)
    code = f.f_code.co_code
    if not 0 <= f.f_lasti < len(code) or code[f.f_lasti] != _COMPARE:
        return      # a dict/set lookup, ``in``, list.index: identity is what was meant
    fn = "tf.equal" if op == "==" else "tf.not_equal"
    warnings.warn(
        f"`{op}` between {_describe(self)} and {_describe(other)} is Python object identity "
        f"in TensorFlow 1 graph mode (tf.Tensor.__eq__ of TF 1.15), so it gives "
        f"{op == '!='} here, not an elementwise result; use {fn}(x, y) for an elementwise "
        f"comparison (and `x is y` for identity).", TensorEqualityWarning, stacklevel=3)


def _eq(self, other):
    if other is self:
        return True
    _check(self, other, "==")
    return False


def _ne(self, other):
    if other is self:
        return False
    _check(self, other, "!=")
    return True


def install(cls) -> None:
    """``==``/``!=`` of ``cls``: identity, with the warning; the hash stays the object's."""
    global _SYMBOLIC
    _SYMBOLIC = (*_SYMBOLIC, cls)
    cls.__eq__ = _eq
    cls.__ne__ = _ne
    cls.__hash__ = object.__hash__
