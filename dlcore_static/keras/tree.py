"""Keras 3's ``keras.tree``: nested structures of lists, tuples, namedtuples and dicts.

As Keras 3 (its optree back end): a dict's leaves come in sorted-key order (a dict that
``map_structure``/``pack_sequence_as`` rebuild keeps its own key order), ``None`` is a leaf,
NumPy arrays and tensors are leaves, a namedtuple is a node of its fields.  Errors are
Keras 3's ``ValueError`` messages.  (TF's ``tf.nest`` has the same ordering rules.)
"""

from __future__ import annotations

from typing import Any

__all__ = ["assert_same_structure", "flatten", "flatten_with_path", "is_nested",
           "lists_to_tuples", "map_structure", "pack_sequence_as"]


def is_nested(structure) -> bool:
    """Whether ``structure`` is a list, tuple (namedtuple) or dict."""
    return isinstance(structure, (list, tuple, dict))


def _children(node) -> list:
    """(key, child) pairs of a node in flattening order (dicts by sorted key)."""
    if isinstance(node, dict):
        return [(k, node[k]) for k in sorted(node)]
    return list(enumerate(node))


def flatten(structure) -> list:
    """The leaves of ``structure``, depth first (dict values by sorted key)."""
    if not is_nested(structure):
        return [structure]
    return [leaf for _, child in _children(structure) for leaf in flatten(child)]


def flatten_with_path(structure) -> list:
    """``(path, leaf)`` pairs, a path the tuple of keys/indices from the root."""
    if not is_nested(structure):
        return [((), structure)]
    return [((k,) + p, leaf) for k, child in _children(structure)
            for p, leaf in flatten_with_path(child)]


def _rebuild(node, values: dict):
    """``node``'s kind of container holding ``values`` (key -> value)."""
    if isinstance(node, dict):
        return type(node)((k, values[k]) for k in node)
    items = [values[i] for i in range(len(node))]
    if isinstance(node, tuple) and hasattr(node, "_fields"):        # a namedtuple
        return type(node)(*items)
    return type(node)(items)


def _arity(node) -> int:
    return len(node)


def pack_sequence_as(structure, flat_sequence):
    """``flat_sequence``'s items in the nesting of ``structure`` (inverse of ``flatten``)."""
    flat = list(flat_sequence)
    want = len(flatten(structure))
    if len(flat) != want:
        word = "few" if len(flat) < want else "many"
        raise ValueError(f"Too {word} leaves for PyTreeSpec; expected: {want}, got: "
                         f"{len(flat)}.")
    it = iter(flat)

    def go(node):
        if not is_nested(node):
            return next(it)
        return _rebuild(node, {k: go(child) for k, child in _children(node)})
    return go(structure)


def _same(a, b) -> bool:
    if not is_nested(a) or not is_nested(b):
        return is_nested(a) == is_nested(b)
    if isinstance(a, dict) != isinstance(b, dict) or len(a) != len(b):
        return False
    if isinstance(a, dict) and sorted(a) != sorted(b):
        return False
    if not isinstance(a, dict) and isinstance(a, list) != isinstance(b, list):
        return False
    return all(_same(x, y) for (_, x), (_, y) in zip(_children(a), _children(b)))


def assert_same_structure(a, b, check_types=None) -> None:
    """ValueError unless ``a`` and ``b`` nest the same way (leaves aside)."""
    del check_types                                     # (Keras 3: deprecated, ignored)
    if not _same(a, b):
        raise ValueError("Structures don't have the same nested structure.")


def map_structure(func, *structures):
    """``func`` applied to the leaves in the same places of ``structures``, in the first
    structure's nesting."""
    if not structures:
        raise TypeError("Must provide at least one structure")

    def go(nodes: list):
        head = nodes[0]
        if not is_nested(head):
            return func(*nodes)
        for other in nodes[1:]:
            if not is_nested(other) or type(other) is not type(head) or \
                    _arity(other) != _arity(head):
                kind = type(head).__name__
                got = len(other) if is_nested(other) else 1
                raise ValueError(f"{kind} arity mismatch; expected: {_arity(head)}, got: "
                                 f"{got}; {kind}: {other!r}.")
        kids: dict[Any, Any] = {}
        for k, child in _children(head):
            kids[k] = go([child] + [o[k] for o in nodes[1:]])
        return _rebuild(head, kids)
    return go(list(structures))


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple (dicts and tuples kept)."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(v) for v in structure)
    if isinstance(structure, dict):
        return type(structure)((k, lists_to_tuples(v)) for k, v in structure.items())
    if isinstance(structure, tuple):
        items = [lists_to_tuples(v) for v in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return structure
