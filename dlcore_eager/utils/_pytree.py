"""``torch.utils._pytree``: flatten nested containers to their leaves and build them back.

Containers, as PyTorch's: tuple, list, dict (and OrderedDict, defaultdict), namedtuple.
Anything else (None too, as in PyTorch 2.13) is a leaf."""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

__all__ = ["LeafSpec", "TreeSpec", "tree_flatten", "tree_leaves", "tree_map", "tree_map_",
           "tree_structure", "tree_unflatten"]


class TreeSpec:
    """The structure of a tree: its container type, context (dict keys) and children."""

    def __init__(self, type: Any, context: Any, children_specs: list[TreeSpec]) -> None:
        self.type, self.context, self.children_specs = type, context, children_specs
        self.num_children = len(children_specs)
        self.num_leaves: int = sum(c.num_leaves for c in children_specs)
        self.num_nodes: int = 1 + sum(c.num_nodes for c in children_specs)

    def is_leaf(self) -> bool:
        return self.num_nodes == 1 and self.num_leaves == 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TreeSpec) and (self.type, self.context, self.children_specs) \
            == (other.type, other.context, other.children_specs)

    def __hash__(self) -> int:
        return hash((self.type, repr(self.context), len(self.children_specs)))

    def __repr__(self) -> str:
        if self.is_leaf():
            return "*"
        kids = ", ".join(repr(c) for c in self.children_specs)
        return f"TreeSpec({self.type.__name__}, {self.context}, [{kids}])"

    def unflatten(self, leaves: Any) -> Any:
        return tree_unflatten(leaves, self)


class LeafSpec(TreeSpec):
    def __init__(self) -> None:
        super().__init__(None, None, [])
        self.num_leaves, self.num_nodes = 1, 1


def _children(tree: Any) -> tuple[Any, Any, list] | None:
    """(type, context, children) of a container, None for a leaf."""
    t = type(tree)
    if t in (tuple, list):
        return t, None, list(tree)
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return t, None, list(tree)
    if t is dict or t is collections.OrderedDict:
        return t, list(tree), list(tree.values())
    if t is collections.defaultdict:
        return t, (tree.default_factory, list(tree)), list(tree.values())
    return None


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, TreeSpec]:
    if is_leaf is not None and is_leaf(tree):
        return [tree], LeafSpec()
    node = _children(tree)
    if node is None:
        return [tree], LeafSpec()
    t, ctx, kids = node
    leaves: list = []
    specs = []
    for k in kids:
        lv, sp = tree_flatten(k, is_leaf)
        leaves += lv
        specs.append(sp)
    return leaves, TreeSpec(t, ctx, specs)


def tree_unflatten(leaves: Any, treespec: TreeSpec) -> Any:
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but "
                         f"the spec refers to a pytree that holds {treespec.num_leaves} items "
                         f"({treespec}).")
    it = iter(leaves)

    def build(sp: TreeSpec) -> Any:
        if sp.is_leaf():
            return next(it)
        kids = [build(c) for c in sp.children_specs]
        t = sp.type
        if t is dict or t is collections.OrderedDict:
            return t(zip(sp.context, kids))
        if t is collections.defaultdict:
            return collections.defaultdict(sp.context[0], zip(sp.context[1], kids))
        if hasattr(t, "_fields"):
            return t(*kids)
        return t(kids)
    return build(treespec)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> TreeSpec:
    return tree_flatten(tree, is_leaf)[1]


_DICTS = (dict, collections.OrderedDict, collections.defaultdict)


def _node_type(tree: Any) -> Any:
    """The node type as PyTorch names it: ``collections.namedtuple`` for any namedtuple."""
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return collections.namedtuple
    return type(tree)


def _spec_node_type(spec: TreeSpec) -> Any:
    return collections.namedtuple if hasattr(spec.type, "_fields") else spec.type


def _flatten_up_to(spec: TreeSpec, tree: Any) -> list:
    """PyTorch's ``TreeSpec.flatten_up_to``: the subtrees of ``tree`` at the leaves of ``spec``.

    Containers must match the spec's: same type (dict kinds are interchangeable and are read
    by the spec's keys, not by position), same arity, the same namedtuple class; otherwise
    PyTorch's ValueError. A leaf of the spec takes the whole subtree there (prefix trees)."""
    out: list = []

    def helper(sp: TreeSpec, node: Any) -> None:
        if sp.is_leaf():
            out.append(node)
            return
        got, want = _node_type(node), _spec_node_type(sp)
        both_dicts = sp.type in _DICTS and type(node) in _DICTS
        if not both_dicts and got is not want:
            raise ValueError(f"Node type mismatch; expected {want!r}, but got {got!r}.")
        if len(node) != sp.num_children:
            raise ValueError(f"Node arity mismatch; expected {sp.num_children}, "
                             f"but got {len(node)}.")
        if both_dicts:
            keys = sp.context[1] if sp.type is collections.defaultdict else sp.context
            have, expect = set(node), set(keys)
            if have != expect:
                msg = ""
                if expect - have:
                    msg += f"; missing key(s): {expect - have}"
                if have - expect:
                    msg += f"; extra key(s): {have - expect}"
                raise ValueError(f"Node keys mismatch{msg}.")
            children = [node[k] for k in keys]
        else:
            if want is collections.namedtuple and type(node) is not sp.type:
                raise ValueError(f"Node context mismatch for node type {want!r}; "
                                 f"expected {sp.type!r}, but got {type(node)!r}.")
            children = list(node)
        for child, child_spec in zip(children, sp.children_specs, strict=True):
            helper(child_spec, child)

    helper(spec, tree)
    return out


def tree_map(func: Callable, tree: Any, *rests: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Map ``func`` over the leaves of ``tree`` and the matching subtrees of ``rests``.

    As PyTorch: each of ``rests`` is read against ``tree``'s structure (dict entries by key,
    ``tree`` may be a prefix of them); a mismatched structure raises ValueError."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [_flatten_up_to(spec, r) for r in rests]
    return tree_unflatten([func(*xs) for xs in zip(leaves, *others)], spec)


def tree_map_(func: Callable, tree: Any, *rests: Any,
              is_leaf: Callable[[Any], bool] | None = None) -> Any:
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [_flatten_up_to(spec, r) for r in rests]
    for xs in zip(leaves, *others):
        func(*xs)
    return tree
