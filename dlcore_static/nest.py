"""``tf.nest``: TensorFlow 1.15's nested-structure utilities, with its signatures, over
Keras 3's ``keras.tree`` rules (``dlcore_static/keras/tree.py``), which are tf.nest's: a dict's
leaves in sorted-key order, ``None``, strings, arrays and tensors as leaves, namedtuples as
nodes of their fields.  (``expand_composites`` has nothing to expand here: SparseTensors stay
leaves, as TF's default.)"""

from __future__ import annotations

from .keras import tree as _tree

__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure",
           "pack_sequence_as"]


def is_nested(seq) -> bool:
    """True for a list, tuple, namedtuple or dict (a structure with children)."""
    return _tree.is_nested(seq)


def flatten(structure, expand_composites=False) -> list:
    """The leaves of ``structure``, depth first (dict values by sorted key)."""
    return _tree.flatten(structure)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``flat_sequence`` rebuilt in the shape of ``structure``."""
    return _tree.pack_sequence_as(structure, flat_sequence)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False) -> None:
    """ValueError (TypeError for differing sequence types with ``check_types``) unless the
    two have the same nesting."""
    _same(nest1, nest2, check_types, nest1, nest2)


def _kids(x) -> list:
    return [x[k] for k in sorted(x)] if isinstance(x, dict) else list(x)


def _same(a, b, check_types, top1, top2) -> None:
    na, nb = is_nested(a), is_nested(b)
    if na != nb or (na and len(a) != len(b)):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {top1!r}\n\nSecond structure: {top2!r}")
    if not na:
        return
    if check_types and type(a) is not type(b):
        raise TypeError(f"The two structures don't have the same sequence type. Input "
                        f"structure has type {type(a)}, while shallow structure has type "
                        f"{type(b)}.")
    if isinstance(a, dict) and isinstance(b, dict) and sorted(a) != sorted(b):
        raise ValueError(f"The two dictionaries don't have the same set of keys. First "
                         f"structure has keys {sorted(a)}, while second structure has keys "
                         f"{sorted(b)}.")
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
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=kwargs.get("check_types", True))
    return _tree.map_structure(func, *structure)
