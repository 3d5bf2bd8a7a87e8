"""PyTorch's refusal of a NumPy array (or a list) where a function takes a Tensor or a Number:
``torch.xlogy``, ``torch.float_power``, ``torch.rsub``, ``clamp``/``clip`` bounds and
``clamp_min``/``clamp_max`` (their methods, in-place forms and ``torch.special.xlogy``).

PyTorch's argument parser binds a Tensor or a Number (a NumPy scalar is one), never an
``ndarray``: ``torch.xlogy(t, np.array(2.))`` is its TypeError "xlogy() received an invalid
combination of arguments - got (Tensor, numpy.ndarray), but expected one of: ..." with the
overloads listed.  dlcore computed with the array (float64 from a 1-d one, float32 from a 0-d
one).  The checks join ``_dtype_guards_nn.CHECKS`` (``install``), in front of any check
already there; the words are torch 2.13's (tests/eager/test_fideager8_numpy_operands.py):
keyword arguments listed in reverse order, ``", "`` closing a list of keywords only; a
method's overloads say why each did not match where PyTorch's do.
"""

from __future__ import annotations

import numpy as np

from ._arg_checks import type_name
from .tensor import Tensor

#: what PyTorch's parser binds as a Number: Python's int/float/complex/bool and NumPy's
#: scalars (not fractions.Fraction or decimal.Decimal, numbers.Number as they are)
_NUMBERS = (int, float, complex, np.number, np.bool_)
_PLAIN = frozenset({Tensor, float, int, bool, type(None)})     # (never refused)


def _bad(v, none_ok: bool) -> bool:
    return not (isinstance(v, (Tensor, *_NUMBERS)) or none_ok and v is None)


def _word(v) -> str:
    return "Tensor" if isinstance(v, Tensor) else type_name(v)


def _got(pos: tuple, kwargs: dict) -> tuple[str, list, list]:
    ps = [_word(v) for v in pos]
    ks = [f"{k}={_word(v)}" for k, v in reversed(kwargs.items())]
    return ", ".join(ps + ks) + (", " if ks and not ps else ""), ps, ks


def _header(name: str, got: str) -> str:
    return f"{name}() received an invalid combination of arguments - got ({got}), but " \
        "expected one of:\n"


# ----------------------------------------------------------------------------- the overloads
def _binary_fn(p: str) -> str:          # xlogy, float_power
    return (f" * (Tensor input, Tensor {p}, *, Tensor out = None)\n"
            f" * (Number self, Tensor {p}, *, Tensor out = None)\n"
            f" * (Tensor input, Number {p}, *, Tensor out = None)\n")


def _bound_fn(p: str) -> str:           # clamp_min, clamp_max
    return (f" * (Tensor input, Tensor {p}, *, Tensor out = None)\n"
            f" * (Tensor input, Number {p}, *, Tensor out = None)\n")


_CLAMP_FN = (" * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
             " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")


def _rsub_fn(kwargs: dict) -> str:
    why = "      didn't match because some of the keywords were incorrect: alpha\n" \
        if "alpha" in kwargs else ""
    return (" * (Tensor input, Tensor other, *, Number alpha = 1)\n"
            f" * (Tensor input, Number other, Number alpha = 1)\n{why}")


def _marked(vals: list, ok) -> str:
    """``(Tensor, !numpy.ndarray!)``: each value shown, marked where ``ok(i, v)`` fails."""
    out = []
    for i, (k, v) in enumerate(vals):
        w = _word(v) if k is None else f"{k}={_word(v)}"
        out.append(w if ok(i, v) else f"!{w}!")
    return "(" + ", ".join(out) + ")"


def _inplace_fn(p: str, vals: list) -> str:
    """torch.xlogy_, clamp_min_, clamp_max_: (Tensor input, Tensor p) and (Tensor input,
    Number p), each with its reason (the arguments marked that it does not take)."""
    lines = []
    for kind in ("Tensor", "Number"):
        def ok(i, v, kind=kind):
            return isinstance(v, Tensor) if i == 0 or kind == "Tensor" else \
                isinstance(v, _NUMBERS)
        lines.append(f" * (Tensor input, {kind} {p})\n      didn't match because some of the "
                     f"arguments have invalid types: {_marked(vals, ok)}\n")
    return "".join(lines)


def _clamp_inplace_fn(vals: list) -> str:
    """torch.clamp_, clip_: no ``out``; reasons (every bound marked) for two bounds."""
    why = ""
    if len(vals) > 2:
        why = "      didn't match because some of the arguments have invalid types: " + \
            _marked(vals, lambda i, v: i == 0) + "\n"
    return (f" * (Tensor input, Tensor min = None, Tensor max = None)\n{why}"
            f" * (Tensor input, Number min = None, Number max = None)\n{why}")


def _one_arg_method(p: str, ps: list, ks: list) -> str:
    """xlogy, float_power, clamp_min, clamp_max as methods: (Tensor p) and (Number p), each
    with the reason it did not match."""
    marked = ", ".join(f"!{w}!" for w in ps + ks) + (", " if ks and not ps else "")
    why = f"      didn't match because some of the arguments have invalid types: ({marked})\n"
    return f" * (Tensor {p})\n{why} * (Number {p})\n{why}"


def _clamp_method(ps: list, kwargs: dict) -> str:
    """clamp, clip (and in place) as methods: reasons shown for two arguments."""
    why = ""
    if len(ps) + len(kwargs) > 1:
        why = ("some of the keywords were incorrect: " + ", ".join(reversed(kwargs))) \
            if kwargs else "some of the arguments have invalid types: (" + ", ".join(
                f"!{w}!" for w in ps) + ")"
        why = f"      didn't match because {why}\n"
    return (f" * (Tensor min = None, Tensor max = None)\n{why}"
            f" * (Number min = None, Number max = None)\n{why}")


# ----------------------------------------------------------------------------- the checks
def _check(name: str, method: bool, names: tuple, none_ok: bool, overloads):
    """``check(args, kwargs)``: raises PyTorch's TypeError when an argument among ``names``
    (the positions after ``self`` for a method) is neither a Tensor nor a Number (nor None
    where ``none_ok``).  ``overloads(ps, ks, kwargs)`` gives the lines after the header."""
    skip = 1 if method else 0

    def check(args, kwargs):
        for v in args:                      # (the usual call: tensors and numbers, at once)
            if type(v) not in _PLAIN:
                break
        else:
            if not kwargs or all(type(v) in _PLAIN for v in kwargs.values()):
                return
        given = list(zip(names, args[skip:]))
        given += [(k, kwargs[k]) for k in names if k in kwargs]
        if not any(_bad(v, none_ok) for _, v in given):
            return
        shown = {k: v for k, v in kwargs.items() if not (method and k == "self")}
        got, ps, ks = _got(args[skip:], shown)
        vals = [(None, v) for v in args[skip:]] + list(reversed(shown.items()))
        raise TypeError(_header(name, got) + overloads(ps, ks, shown, vals))
    return check


def checks() -> dict:
    """(namespace, name) -> check, for ``_dtype_guards_nn.CHECKS``."""
    out: dict = {}
    for base, p in (("xlogy", "other"), ("float_power", "exponent")):
        out[("torch", base)] = _check(base, False, ("input", p), False,
                                      lambda ps, ks, kw, vals, p=p: _binary_fn(p))
        for name in (base, base + "_"):
            out[("Tensor", name)] = _check(name, True, (p,), False,
                                           lambda ps, ks, kw, vals, p=p: _one_arg_method(p, ps, ks))
    out[("torch", "xlogy_")] = _check("xlogy_", False, ("input", "other"), False,
                                      lambda ps, ks, kw, vals: _inplace_fn("other", vals))
    out[("special", "xlogy")] = _check("special_xlogy", False, ("input", "other"), False,
                                       lambda ps, ks, kw, vals: _binary_fn("other"))
    out[("torch", "rsub")] = _check("rsub", False, ("input", "other"), False,
                                    lambda ps, ks, kw, vals: _rsub_fn(kw))
    for name in ("clamp", "clip", "clamp_", "clip_"):
        out[("torch", name)] = _check(name, False, ("input", "min", "max"), True,
                                      (lambda ps, ks, kw, vals: _clamp_inplace_fn(vals))
                                      if name.endswith("_") else
                                      (lambda ps, ks, kw, vals: _CLAMP_FN))
        out[("Tensor", name)] = _check(name, True, ("min", "max"), True,
                                       lambda ps, ks, kw, vals: _clamp_method(ps, kw))
    for base, p in (("clamp_min", "min"), ("clamp_max", "max")):
        out[("torch", base)] = _check(base, False, ("input", p), False,
                                      lambda ps, ks, kw, vals, p=p: _bound_fn(p))
        out[("torch", base + "_")] = _check(base + "_", False, ("input", p), False,
                                            lambda ps, ks, kw, vals, p=p: _inplace_fn(p, vals))
        for name in (base, base + "_"):
            out[("Tensor", name)] = _check(name, True, (p,), False,
                                           lambda ps, ks, kw, vals, p=p: _one_arg_method(p, ps, ks))
    return out


def _chain(first, then):
    def check(args, kwargs):
        first(args, kwargs)
        return then(args, kwargs)
    return check


def install(table: dict) -> None:
    """These checks into ``table`` (``_dtype_guards_nn.CHECKS``), each before the check
    already there for its function."""
    for key, check in checks().items():
        prev = table.get(key)
        table[key] = check if prev is None else _chain(check, prev)
