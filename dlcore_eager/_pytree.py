"""The nested structures that ``torch.func``'s transforms accept and return (PyTorch's
pytrees, the common cases): tuples, lists, namedtuples and dicts of leaves.  ``_flatten``
gives the leaves in order and a spec; ``_unflatten`` rebuilds the structure from new leaves."""

from __future__ import annotations

from typing import Any


def _flatten(tree) -> tuple[list, Any]:
    """Leaves (anything but a tuple, list or dict) and a spec to rebuild the structure."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            lv, sp = _flatten(item)
            leaves += lv
            specs.append(sp)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for k in tree:
            lv, sp = _flatten(tree[k])
            leaves += lv
            specs.append(sp)
        return leaves, (dict, list(tree), specs)
    return [tree], None


def _unflatten(spec, leaves: list):
    return _build(spec, iter(leaves))


def _build(sp, it):
    """``spec``'s structure with the next leaves of ``it`` (a module function: a recursive
    closure is a function <-> cell cycle that held each call's leaves, tensors and their
    graphs, until the cyclic collector ran: 21,686 objects a neural tangent kernel run)."""
    if sp is None:
        return next(it)
    if sp[0] is dict:
        return {k: _build(s, it) for k, s in zip(sp[1], sp[2])}
    items = [_build(s, it) for s in sp[1]]
    kind = sp[0]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)
