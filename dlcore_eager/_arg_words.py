"""PyTorch's argument-parser words for a call that failed, for the entries ``_numpy_keywords``
wraps last (the outermost layer of ``torch.X``/``Tensor.X``).  Only a call that already raised
comes here (the wrapper's ``except``: nothing on the way of a call that works); where PyTorch's
parser refuses the call before computing anything, its TypeError replaces dlcore's, which was
the same refusal in other words (or a later check's error, as PyTorch checks arguments first):

* a missing ``dim`` of an entry that requires one:
  ``cumsum() missing 1 required positional arguments: "dim"`` (PyTorch's plural);
* a ``dim`` that is not an int where the entry takes exactly one:
  ``cumsum(): argument 'dim' (position 2) must be int, not tuple`` (the position when it was
  given by position: 2 for ``torch.cumsum(x, d)``, 1 for ``x.cumsum(d)``, none for ``dim=``);
* max/min's tuple dim (the function's overload list; a method's named dim with keepdim);
* prod's dim that is not an int, given with keepdim (PyTorch's one overload left);
* ``count_nonzero`` with arguments none of its overloads take (``keepdim=``, a third
  positional): the 'invalid combination of arguments' TypeError listing what was given;
* an int dim out of range before a dtype refusal (``softmax`` of int64 with dim 5): PyTorch's
  IndexError, as it wraps the dim first (not argmax/argmin, which check bool first).

``torch.sum(x, 1.5)``-style mistakes of entries taking a dim tuple keep dlcore's words."""

from __future__ import annotations

import operator

from ._arg_checks import type_name
from .tensor import Tensor

#: entries whose ``dim`` is required, and its place after ``input``/``self`` (0: the first)
DIM_REQUIRED = {"cumsum": 0, "cumprod": 0, "cummax": 0, "cummin": 0, "logcumsumexp": 0,
                "softmax": 0, "log_softmax": 0, "logsumexp": 0}
#: entries whose ``dim`` is one int, and its place after ``input``/``self``
INT_DIM = {**DIM_REQUIRED, "argmax": 0, "argmin": 0, "median": 0, "nanmedian": 0, "mode": 0,
           "topk": 1, "kthvalue": 1}
INT_DIM.pop("logsumexp")            # (a tuple of dims is fine there)
#: entries whose dim PyTorch wraps before its dtype checks (argmax/argmin check bool first)
#: entries whose int dim may not be None either (PyTorch's parser refuses an explicit None)
NONE_REFUSED = {"mode", "kthvalue", "topk", "median", "nanmedian"}
RANGE_FIRST = {"cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "softmax",
               "log_softmax", "median", "nanmedian", "mode"}


def _word(v) -> str:
    return "Tensor" if isinstance(v, Tensor) else type_name(v)


def _int_like(v) -> bool:
    if isinstance(v, (bool, float)):
        return False
    try:
        operator.index(v)
    except TypeError:
        return False
    return True


def _count_nonzero(args: tuple, kwargs: dict, method: bool) -> TypeError | None:
    given = args[1:] if method else args
    if method and len(given) > 1 and not kwargs:    # (a method's dims as varargs: x.c(0, 1))
        for i, d in enumerate(given):
            try:
                operator.index(d)
            except TypeError:
                return TypeError(f"count_nonzero(): argument 'dim' failed to unpack the object "
                                 f"at pos {i + 1} with error \"type must be tuple of ints,but "
                                 f"got {type_name(d)}\"")
    if len(given) <= (1 if method else 2) and set(kwargs) <= {"dim"} and \
            not ("dim" in kwargs and len(given) > (0 if method else 1)):
        return None                             # (a form it takes: its own error stands)
    got = [_word(a) for a in given]
    got += [f"{k}={_word(v)}" for k, v in reversed(kwargs.items())]   # (PyTorch's order)
    text = ", ".join(got) + (", " if method and kwargs and not given else "")
    lead = "" if method else "Tensor input, "
    return TypeError(f"count_nonzero() received an invalid combination of arguments - got "
                     f"({text}), but expected one of:\n * ({lead}int dim = None)\n"
                     f" * ({lead}tuple of ints dim)\n")


def _prod(args: tuple, kwargs: dict, method: bool) -> TypeError | None:
    """prod's dim that is not an int, where keepdim was given too (only the ``(int dim, bool
    keepdim)`` overload is left then, and PyTorch names the argument; without keepdim it lists
    the overloads: ``_int_dims``)."""
    first = 1
    dim = args[first] if len(args) > first else kwargs.get("dim")
    if (len(args) <= first + 1 and "keepdim" not in kwargs) or dim is None or _int_like(dim):
        return None
    where = f" (position {first + (0 if method else 1)})" if len(args) > first else ""
    return TypeError(f"prod(): argument 'dim'{where} must be int, not {_word(dim)}")


def _max_min(name: str, args: tuple, kwargs: dict, method: bool) -> TypeError | None:
    """max/min with a dim that is not an int (a tuple: amax's form) where PyTorch's words are
    known: the function's overload list (noting a keepdim= no dim-less overload takes), a
    method's named argument when keepdim is given."""
    dim = args[1] if len(args) > 1 else kwargs.get("dim")
    if dim is None or _int_like(dim) or isinstance(dim, Tensor) or len(args) > 2 \
            or not set(kwargs) <= {"dim", "keepdim"}:
        return None
    if method:
        if "keepdim" not in kwargs:
            return None
        where = " (position 1)" if len(args) > 1 else ""
        return TypeError(f"{name}(): argument 'dim'{where} must be int, not {_word(dim)}")
    got = ", ".join([_word(a) for a in args] + [f"{k}={_word(v)}" for k, v in
                                                 reversed(kwargs.items())])
    note = ("\n      didn't match because some of the keywords were incorrect: keepdim"
            if "keepdim" in kwargs else "")
    return TypeError(f"{name}() received an invalid combination of arguments - got ({got}), "
                     f"but expected one of:\n * (Tensor input, *, Tensor out = None){note}\n"
                     " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                     " * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out "
                     "= None)\n")


def torch_words(name: str, args: tuple, kwargs: dict, method: bool) -> Exception | None:
    """PyTorch's TypeError for this failed call of ``name`` where its parser refuses it (its
    IndexError for a dim out of range, checked before the dtype); None where dlcore's stands."""
    if name == "count_nonzero":
        return _count_nonzero(args, kwargs, method)
    if name == "prod":
        return _prod(args, kwargs, method)
    if name in ("max", "min"):
        return _max_min(name, args, kwargs, method)
    place = INT_DIM.get(name, DIM_REQUIRED.get(name))
    if place is None:
        return None
    first = 1 + place                   # the dim's index in args (self / input is args[0])
    if len(args) > first:
        dim, pos = args[first], first + (0 if method else 1)
    elif "dim" in kwargs:
        dim, pos = kwargs["dim"], None
    else:
        if name in DIM_REQUIRED:
            return TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        return None
    if name in INT_DIM and not _int_like(dim) and \
            (dim is not None or name in DIM_REQUIRED or name in NONE_REFUSED):
        where = "" if pos is None else f" (position {pos})"
        return TypeError(f"{name}(): argument 'dim'{where} must be int, not {_word(dim)}")
    x = args[0] if args else None
    if name in RANGE_FIRST and isinstance(x, Tensor) and _int_like(dim) and \
            not (x.ndim == 0 and name in ("cummax", "cummin")):
        n = max(x.ndim, 1)              # (a 0-d tensor takes -1 and 0)
        if not -n <= int(dim) < n:      # (PyTorch wraps the dim before its dtype checks)
            return IndexError(f"Dimension out of range (expected to be in range of [{-n}, "
                              f"{n - 1}], but got {int(dim)})")
    return None
