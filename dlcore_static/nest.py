"""``tf.nest``: TensorFlow 1.15's nested-structure utilities, with its signatures and rules
(``tensorflow/python/util/nest.py``): a structure is a ``collections.abc.Mapping`` (its values
in sorted-key order, ``OrderedDict`` included), a ``Sequence`` other than a string (list,
tuple, namedtuple) or an attrs class (its fields); anything else (``None``, strings, arrays,
tensors, sets) is a leaf.  ``pack_sequence_as`` gives a Mapping back with the structure's own
key order, each key holding the value of its sorted position.  (Keras 3's ``keras.tree`` has
its own rule for OrderedDict and is left as it is.)  ``expand_composites`` has nothing to
expand here: SparseTensors stay leaves, as TF's default."""

from __future__ import annotations

import collections
import collections.abc as _abc
from typing import Any

__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure",
           "pack_sequence_as"]


def _is_attrs(x) -> bool:
    return hasattr(type(x), "__attrs_attrs__")


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(seq) -> bool:
    """True for a Mapping, a non-string Sequence (list, tuple, namedtuple) or an attrs
    object: a structure with children."""
    if isinstance(seq, (_abc.Mapping, _abc.MappingView)) or _is_attrs(seq):
        return True
    return isinstance(seq, _abc.Sequence) and not isinstance(seq, (str, bytes))


def _sorted_keys(m) -> list:
    try:
        return sorted(m)
    except TypeError:
        raise TypeError("nest only supports dicts with sortable keys.") from None


def _kids(x) -> list:
    """The children of a structure, in TF's order."""
    if isinstance(x, _abc.Mapping):
        return [x[k] for k in _sorted_keys(x)]
    if _is_attrs(x):
        return [getattr(x, a.name) for a in type(x).__attrs_attrs__]
    return list(x)


def _rebuild(instance, args):
    """A structure like ``instance`` holding ``args`` (TF's ``_sequence_like``)."""
    if isinstance(instance, _abc.Mapping):
        by_key = dict(zip(_sorted_keys(instance), args))
        t: Any = type(instance)
        if isinstance(instance, collections.defaultdict):
            out = t(instance.default_factory)
            for k in instance:
                out[k] = by_key[k]
            return out
        return t((k, by_key[k]) for k in instance)
    if isinstance(instance, _abc.MappingView):
        return list(args)
    if _is_namedtuple(instance) or _is_attrs(instance):
        return type(instance)(*args)
    return type(instance)(args)


def _flat(x, out: list) -> None:
    if is_nested(x):
        for k in _kids(x):
            _flat(k, out)
    else:
        out.append(x)


def flatten(structure, expand_composites=False) -> list:
    """The leaves of ``structure``, depth first (a Mapping's values by sorted key, an
    OrderedDict's too); a leaf gives ``[leaf]``."""
    out: list = []
    _flat(structure, out)
    return out


def _pack(structure, flat, index):
    packed = []
    for s in _kids(structure):
        if is_nested(s):
            index, child = _pack(s, flat, index)
            packed.append(_rebuild(s, child))
        else:
            packed.append(flat[index])
            index += 1
    return index, packed


def _short(v, n=100) -> str:
    t = str(v)
    return t[:n] + (t[n:] and "...")


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``flat_sequence`` rebuilt in the shape of ``structure`` (TF's errors: TypeError for a
    non-sequence ``flat_sequence``, ValueError for a count that does not match)."""
    if not is_nested(flat_sequence):
        raise TypeError(f"Attempted to pack value:\n  {_short(flat_sequence)}\ninto a sequence, "
                        f"but found incompatible type `{type(flat_sequence)}` instead.")
    flat_sequence = list(flat_sequence)
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError(f"The target structure is of type `{type(structure)}`\n  "
                             f"{_short(structure)}\nHowever the input structure is a sequence "
                             f"of length {len(flat_sequence)}.\n  {_short(flat_sequence)}\n"
                             f"nest cannot guarantee that it is safe to map one to the other.")
        return flat_sequence[0]
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {n} elements, but "
                         f"flat_sequence had {len(flat_sequence)} elements.  Structure: "
                         f"{structure}, flat_sequence: {flat_sequence}.")
    return _rebuild(structure, _pack(structure, flat_sequence, 0)[1])


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False) -> None:
    """ValueError (TypeError for differing sequence types with ``check_types``) unless the
    two have the same nesting."""
    _same(nest1, nest2, check_types, nest1, nest2)


def _same_namedtuple(a, b) -> bool:
    """TF's check_types exceptions: two namedtuple classes of one name and fields, two list
    types, or two Mapping types count as one type."""
    if isinstance(a, list) and isinstance(b, list):
        return True
    if isinstance(a, _abc.Mapping) and isinstance(b, _abc.Mapping):
        return True
    return (_is_namedtuple(a) and _is_namedtuple(b) and type(a).__name__ == type(b).__name__
            and type(a)._fields == type(b)._fields)


def _same(a, b, check_types, top1, top2) -> None:
    na, nb = is_nested(a), is_nested(b)
    if na != nb or (na and len(_kids(a)) != len(_kids(b))):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {top1!r}\n\nSecond structure: {top2!r}")
    if not na:
        return
    if check_types and type(a) is not type(b) and not _same_namedtuple(a, b):
        raise TypeError(f"The two structures don't have the same sequence type. Input "
                        f"structure has type {type(a)}, while shallow structure has type "
                        f"{type(b)}.")
    if isinstance(a, _abc.Mapping) and isinstance(b, _abc.Mapping) and \
            _sorted_keys(a) != _sorted_keys(b):
        raise ValueError(f"The two dictionaries don't have the same set of keys. First "
                         f"structure has keys {_sorted_keys(a)}, while second structure has "
                         f"keys {_sorted_keys(b)}.")
    for x, y in zip(_kids(a), _kids(b)):
        _same(x, y, check_types, top1, top2)


def map_structure(func, *structure, **kwargs):
    """``func`` applied to the leaves of the structures, rebuilt like the first
    (``check_types=``, ``expand_composites=`` as TF's)."""
    unknown = set(kwargs) - {"check_types", "expand_composites"}
    if unknown:
        raise ValueError(f"Only valid keyword arguments are `check_types` and "
                         f"`expand_composites`, not: `{sorted(unknown)[0]}`")
    if not structure:
        raise ValueError("Must provide at least one structure")
    if not callable(func):
        raise TypeError(f"func must be callable, got: {func}")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=kwargs.get("check_types", True))
    flat = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*x) for x in zip(*flat)])
