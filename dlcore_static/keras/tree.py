"""Keras 3's ``keras.tree``: nested structures of lists, tuples, namedtuples and dicts.

As Keras 3 (its optree back end): a plain dict's (and a defaultdict's) leaves come in
sorted-key order, keys of mixed types sorted by type name then value (optree's total
order), an ``OrderedDict``'s in insertion order; a dict that ``map_structure`` or
``pack_sequence_as`` rebuilds keeps its own key order.  ``None`` is a leaf, NumPy arrays and
tensors are leaves, a namedtuple is a node of its fields.  Errors are optree's and Keras 3's
``ValueError`` messages ("Expected an instance of list, got (3, 4).", "dictionary key
mismatch; ...", "list arity mismatch; ...").
"""

import collections as _collections

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]


class MAP_TO_NONE:
    """Special value for use with ``traverse()``: the node is replaced by ``None``."""


def is_nested(structure) -> bool:
    """Whether ``structure`` is a list, tuple (namedtuple) or dict."""
    return isinstance(structure, (list, tuple, dict))


def _sorted_keys(keys) -> list:
    """optree's total order: plain sort, else by (type's qualified name, key), else as is."""
    keys = list(keys)
    try:
        return sorted(keys)
    except TypeError:
        try:
            return sorted(keys, key=lambda k: (f"{type(k).__module__}.{type(k).__qualname__}",
                                               k))
        except TypeError:
            return keys


def _keys(node) -> list:
    """A dict's keys in flattening order (an OrderedDict's as inserted, others sorted)."""
    if isinstance(node, _collections.OrderedDict):
        return list(node)
    return _sorted_keys(node)


def _children(node) -> list:
    """(key, child) pairs of a node in flattening order."""
    if isinstance(node, dict):
        return [(k, node[k]) for k in _keys(node)]
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
    if isinstance(node, _collections.defaultdict):
        return type(node)(node.default_factory, ((k, values[k]) for k in node))
    if isinstance(node, dict):
        return type(node)((k, values[k]) for k in node)
    items = [values[i] for i in range(len(node))]
    if _is_namedtuple(node):
        return type(node)(*items)
    return type(node)(items)


def _is_namedtuple(node) -> bool:
    return isinstance(node, tuple) and hasattr(node, "_fields")


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


_DICT_KINDS = "dict, collections.OrderedDict, or collections.defaultdict"


def _dict_label(node) -> str:
    if isinstance(node, _collections.OrderedDict):
        return "OrderedDict"
    return "defaultdict" if isinstance(node, _collections.defaultdict) else "dict"


def _check_node(head, other) -> None:
    """optree's ValueError unless ``other`` is a node of ``head``'s kind and arity/keys."""
    if isinstance(head, dict):
        if not isinstance(other, dict):
            raise ValueError(f"Expected an instance of {_DICT_KINDS}, got {other!r}.")
        if set(head) != set(other):
            want = _keys(head)
            got = list(other) if isinstance(head, _collections.OrderedDict) else \
                _sorted_keys(other)
            msg = f"dictionary key mismatch; expected key(s): {want}, got key(s): {got}"
            missing = [k for k in want if k not in other]
            extra = [k for k in got if k not in head]
            if missing:
                msg += f", missing key(s): {missing}"
            if extra:
                msg += f", extra key(s): {extra}"
            raise ValueError(f"{msg}; {_dict_label(head)}: {other!r}.")
        return
    if _is_namedtuple(head):
        if not _is_namedtuple(other):
            raise ValueError(f"Expected an instance of collections.namedtuple, got {other!r}.")
        if type(other) is not type(head):
            raise ValueError(f"namedtuple type mismatch; expected type: {type(head)!r}, got "
                             f"type: {type(other)!r}; tuple: {other!r}.")
        return
    kind = "list" if isinstance(head, list) else "tuple"
    if not isinstance(other, list if kind == "list" else tuple) or _is_namedtuple(other):
        raise ValueError(f"Expected an instance of {kind}, got {other!r}.")
    if len(other) != len(head):
        raise ValueError(f"{kind} arity mismatch; expected: {len(head)}, got: {len(other)}; "
                         f"{kind}: {other!r}.")


def _check_up_to(head, other) -> None:
    """``other`` has every node of ``head`` (its leaves may be anything), depth first."""
    if not is_nested(head):
        return
    _check_node(head, other)
    for k, child in _children(head):
        _check_up_to(child, other[k])


def _map_up_to(shallow, func, structures: list):
    """``func`` of the subtrees of ``structures`` at ``shallow``'s leaves, rebuilt as
    ``shallow`` (the structures checked first, each in turn, as optree)."""
    for other in structures:
        _check_up_to(shallow, other)

    def go(node, others: list):
        if not is_nested(node):
            return func(node, *others)
        return _rebuild(node, {k: go(child, [o[k] for o in others])
                               for k, child in _children(node)})
    return go(shallow, structures)


def _same_nesting_leaves(*args) -> None:
    if any(is_nested(a) for a in args):
        raise ValueError("Structures don't have the same nested structure.")


def map_structure(func, *structures, none_is_leaf: bool = True):
    """``func`` applied to the leaves in the same places of ``structures``, in the first
    structure's nesting."""
    del none_is_leaf                      # (``None`` is always a leaf here, Keras 3's default)
    if not structures:
        raise ValueError("Must provide at least one structure")
    if len(structures) == 1:
        return _map_up_to(structures[0], lambda leaf: func(leaf), [])

    def leaf(*args):
        _same_nesting_leaves(*args)
        return func(*args)
    return _map_up_to(structures[0], leaf, list(structures[1:]))


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` applied to the subtrees of ``structures`` found at the leaves of
    ``shallow_structure`` (Keras 3: a ``None`` in the shallow structure is refused)."""
    if not structures:
        raise ValueError("Must provide at least one structure")

    def at_leaf(shallow, *args):
        if shallow is None:               # (optree's leaf test there counts None as a node)
            raise ValueError("Structures don't have the same nested structure.")
        return func(*args)
    return _map_up_to(shallow_structure, at_leaf, list(structures))


def assert_same_structure(a, b, check_types=None) -> None:
    """ValueError unless ``a`` and ``b`` nest the same way (leaves aside)."""
    if check_types is not None:
        import warnings
        warnings.warn("The `check_types` argument is deprecated and no longer has any "
                      "effect, please remove.", DeprecationWarning, stacklevel=2)
    map_structure(lambda *_: None, a, b)


def _paths(structure) -> set:
    return {p for p, _ in flatten_with_path(structure)}


def assert_same_paths(a, b) -> None:
    """ValueError unless ``a`` and ``b`` have the same leaf paths (lists, tuples and
    namedtuples alike), naming the paths each lacks."""
    pa, pb = _paths(a), _paths(b)
    if pa != pb:
        msg = "`a` and `b` don't have the same paths."
        if pa - pb:
            msg += f"\nPaths in `a` missing in `b`:\n{pa - pb}"
        if pb - pa:
            msg += f"\nPaths in `b` missing in `a`:\n{pb - pa}"
        raise ValueError(msg)


def traverse(func, structure, top_down: bool = True):
    """``func`` applied to every node and leaf: top down, a non-``None`` result replaces the
    subtree (not visited further); bottom up, ``func`` sees the node with its children
    already traversed.  ``MAP_TO_NONE`` puts ``None`` in its place."""
    def children_done(node):
        if not is_nested(node):
            return node
        return _rebuild(node, {k: traverse(func, child, top_down)
                               for k, child in _children(node)})

    if top_down:
        ret = func(structure)
        if ret is None:
            return children_done(structure)
    else:
        done = children_done(structure)
        ret = func(done)
        if ret is None:
            return done
    return None if ret is MAP_TO_NONE else ret


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple (dicts and tuples kept)."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure,
                    top_down=False)


def map_shape_structure(func, structure):
    """``map_structure`` whose leaves include shape tuples (lists/tuples of ints and Nones)."""
    def go(node):
        if isinstance(node, (list, tuple)) and all(isinstance(e, (int, type(None)))
                                                   for e in node):
            return func(node)
        if not is_nested(node):
            return func(node)
        return _rebuild(node, {k: go(child) for k, child in _children(node)})
    return go(structure)
