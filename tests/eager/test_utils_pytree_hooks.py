"""torch.utils._pytree, torch.utils.hooks.RemovableHandle and
torch.nn.utils.stateless.functional_call, against PyTorch's."""

import collections

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager.utils import _pytree as P
from dlcore_eager.utils.hooks import RemovableHandle

Point = collections.namedtuple("Point", "x y")
TREES = [[1, (2, 3), {"a": 4, "b": [5, None]}], Point(1, [2, 3]),
         collections.OrderedDict(z=1, a=(2,)), None, 7, ((), [], {})]


@pytest.mark.parametrize("tree", TREES)
def test_pytree_is_pytorchs(tree):
    tp = pytest.importorskip("torch.utils._pytree")
    leaves, spec = P.tree_flatten(tree)
    assert leaves == tp.tree_leaves(tree)
    assert spec.num_leaves == tp.tree_structure(tree).num_leaves
    new = [str(v) for v in leaves]
    back = P.tree_unflatten(new, spec)
    assert back == tp.tree_unflatten(new, tp.tree_structure(tree))
    assert type(back) is (type(tree) if spec.children_specs else str)
    assert P.tree_map(repr, tree) == tp.tree_map(repr, tree)
    with pytest.raises(ValueError):
        P.tree_unflatten(leaves + [0], spec)


Other = collections.namedtuple("Other", "x y")
MULTI = [({"a": 1, "b": 2}, {"b": 20, "a": 10}),
         (collections.OrderedDict(a=1, b=2), {"b": 3, "a": 4}),
         ([1, 2], [[3, 4], 5]),
         ((1, 2), Point(1, 2)), (Point(1, 2), Other(1, 2)), (Point(1, 2), (1, 2)),
         ({"a": 1}, {"b": 1}), ({"a": 1}, {"a": 1, "b": 2}), ([1, 2], [1, 2, 3]),
         ([1, 2], (1, 2)), ([1], 3)]


@pytest.mark.parametrize("a,b", MULTI)
def test_pytree_map_several_trees_is_pytorchs(a, b):
    """Other trees are read against the first one's structure (dicts by key, prefix
    subtrees); a mismatched structure raises PyTorch's ValueError, same text."""
    tp = pytest.importorskip("torch.utils._pytree")

    def run(mod, fn):
        try:
            return fn(lambda x, y: (x, y), a, b)
        except ValueError as e:
            msg = str(e).replace(repr(collections.namedtuple), "namedtuple")
            return ("ValueError", msg)
    assert run(P, P.tree_map) == run(tp, tp.tree_map)
    seen: dict[str, list] = {"dl": [], "torch": []}
    for key, f in (("dl", P.tree_map_), ("torch", tp.tree_map_)):
        try:
            f(lambda x, y, k=key: seen[k].append((x, y)), a, b)
        except ValueError:
            seen[key].append("ValueError")
    assert seen["dl"] == seen["torch"]


def test_removable_handle_removes_from_every_dict():
    hooks, extra = collections.OrderedDict(), collections.OrderedDict()   # (as modules')
    h = RemovableHandle(hooks, extra_dict=extra)
    hooks[h.id] = extra[h.id] = "hook"
    with h:
        pass
    assert hooks == {} and extra == {}
    assert RemovableHandle(hooks).id > h.id


def test_stateless_functional_call():
    from dlcore_eager import nn
    from dlcore_eager.nn.utils.stateless import functional_call
    m = nn.Linear(2, 1)
    w = {"weight": dl.ones(1, 2), "bias": dl.zeros(1)}
    out = functional_call(m, w, (dl.tensor([[1.0, 2.0]]),))
    np.testing.assert_allclose(out.detach().numpy(), [[3.0]])
    assert not np.allclose(m.weight.detach().numpy(), 1.0)
