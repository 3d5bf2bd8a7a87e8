"""keras.tree against Keras 3's own (optree): OrderedDict order, mixed-type keys, optree's
error messages, map_structure_up_to, traverse, assert_same_paths, map_shape_structure."""

from __future__ import annotations

import collections

import pytest

from dlcore_static.keras import tree
from tests.io.real_keras import keras3 as _real_keras3

OD = collections.OrderedDict
DD = collections.defaultdict
NT = collections.namedtuple("NT", "x y")
NT2 = collections.namedtuple("NT2", "x y")


@pytest.fixture(scope="module")
def k3():
    return _real_keras3().tree


def _both(k3, fn):
    """(dlcore's result or error, Keras 3's) as comparable reprs."""
    out = []
    for t in (tree, k3):
        try:
            r = fn(t)
            out.append((type(r).__name__, repr(r)))
        except Exception as e:                           # noqa: BLE001 - compared below
            out.append((type(e).__name__, str(e)))
    return out


ORDER = [OD(b=1, a=2), {"b": 1, "a": 2}, DD(int, b=1, a=2), {1: "x", "a": "y", 0: "z"},
         {"b": "x", 1: "y", "a": "z", 0.5: "w"}, {(1,): "x", "a": "y"},
         [OD(z=1, c=(2, OD(b=3, a=4))), {"z": 5, "c": 6}]]


@pytest.mark.parametrize("s", ORDER)
def test_flatten_order_and_pack_as_keras3(s, k3):
    for fn in (lambda t: t.flatten(s), lambda t: t.flatten_with_path(s),
               lambda t: t.pack_sequence_as(s, list(range(len(t.flatten(s))))),
               lambda t: t.map_structure(lambda v: [v], s),
               lambda t: t.lists_to_tuples(s)):
        ours, theirs = _both(k3, fn)
        assert ours == theirs


def test_ordered_dict_keeps_insertion_order(k3):
    s = OD(b=1, a=2)
    assert tree.flatten(s) == k3.flatten(s) == [1, 2]
    assert tree.pack_sequence_as(s, [5, 6]) == OD(b=5, a=6)


f2 = (lambda a, b: a)
MISMATCH = [
    ({"a": 1}, {"b": 1}), ({"a": 1, "c": 2}, {"b": 1, "c": 3}), ({"a": 1, "b": 2}, {"a": 1}),
    ({"a": 1}, {"a": 1, "b": 2}), (OD(b=1, a=2), {"a": 1, "c": 2}),
    ({"b": 1, "a": 2}, OD(c=1, a=2)), ([1, 2], (3, 4)), ((1, 2), [3, 4]), ([1, 2], [3]),
    ((1, 2), (1,)), ([1, 2], 3), (1, [3]), ({"a": 1}, [3]), (NT(1, 2), (3, 4)),
    ((3, 4), NT(1, 2)), (NT(1, 2), NT2(1, 2)), ([1, [2]], [1, 2]), ([1, 2], [1, [2]]),
    ([None], [[1]]), ([1], [None]), (None, 3), ({"a": 1}, DD(int, a=3)),
    (DD(int, a=3), {"a": 1}), (OD(a=1, b=2), {"b": 3, "a": 4}), ({"b": 3, "a": 4}, OD(a=1, b=2)),
]


@pytest.mark.parametrize("a,b", MISMATCH)
def test_map_structure_and_assert_same_structure_as_keras3(a, b, k3):
    ours, theirs = _both(k3, lambda t: t.map_structure(f2, a, b))
    assert ours == theirs
    ours, theirs = _both(k3, lambda t: t.assert_same_structure(a, b))
    assert ours == theirs


def test_map_structure_errors_by_message():
    with pytest.raises(ValueError, match=r"^Expected an instance of list, got \(3, 4\)\.$"):
        tree.map_structure(f2, [1, 2], (3, 4))
    with pytest.raises(ValueError, match=r"^dictionary key mismatch; expected key\(s\): "
                                         r"\['a'\], got key\(s\): \['b'\], missing key\(s\): "
                                         r"\['a'\], extra key\(s\): \['b'\]; dict: \{'b': 1\}\.$"):
        tree.map_structure(f2, {"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match=r"^Must provide at least one structure$"):
        tree.map_structure(f2)


UP_TO = [([1, 2], (lambda a: a), [[1, [2, 3]]]),
         ({"a": 1, "b": 2}, (lambda a, b: (a, b)), [{"a": [1], "b": (2, 3)}, {"a": 5, "b": [6]}]),
         ([1, 2], (lambda a: a), [[1]]), ([1, 2], (lambda a: a), [(1, 2)]),
         ([1, 2], (lambda a: a), [3]), ({"a": 1}, (lambda a: a), [{"b": 2}]),
         (3, (lambda a: a), [[3, 4]]), (None, (lambda a: a), [[3, 4]]),
         ([1, 2], (lambda a: a), []), ([1, None], (lambda a: a), [[1, [2, 3]]]),
         ([1, [2]], (lambda a: a), [[1, [[2], 3]]]), (OD(b=1, a=2), (lambda a: -a), [{"a": 1, "b": 2}])]


@pytest.mark.parametrize("shallow,fn,structures", UP_TO)
def test_map_structure_up_to_as_keras3(shallow, fn, structures, k3):
    ours, theirs = _both(k3, lambda t: t.map_structure_up_to(shallow, fn, *structures))
    assert ours == theirs


def _visits(t, s, top_down):
    seen = []
    t.traverse(lambda x: seen.append(repr(x)), s, top_down=top_down)
    return seen


TRAVERSE = [
    (lambda x: None, [1, [2]]), (lambda x: x * 10 if isinstance(x, int) else None, [1, [2]]),
    (lambda x: "S" if isinstance(x, list) and len(x) == 1 else None, [1, [2]]),
    (lambda x: "MAP" if x == 2 else None, [1, [2]]), (lambda x: "MAP", 5), (lambda x: None, 5),
    (lambda x: None if isinstance(x, (list, tuple, dict)) else x + 1, NT(1, [2])),
    (lambda x: None, OD(b=1, a=[2])), (lambda x: 0 if x is None else None, [None, 1]),
    (lambda x: 0, []), (lambda x: None, [[], {}, ()]),
    (lambda x: tuple(x) if isinstance(x, list) else None, {"b": [1, [2]], "a": (3,)}),
]


@pytest.mark.parametrize("fn,s", TRAVERSE)
@pytest.mark.parametrize("top_down", [True, False])
def test_traverse_as_keras3(fn, s, top_down, k3):
    def wrap(t):
        def g(x):
            r = fn(x)
            return t.MAP_TO_NONE if r == "MAP" else r
        return t.traverse(g, s, top_down=top_down)
    ours, theirs = _both(k3, wrap)
    assert ours == theirs
    assert _visits(tree, {"b": [1], "a": (2,)}, top_down) == \
        _visits(k3, {"b": [1], "a": (2,)}, top_down)


@pytest.mark.parametrize("a,b", [([1, 2], [3, 4]), ([1, 2], (3, 4)), ({"a": 1}, {"b": 1}),
                                 ([1, [2]], [1, 2]), (NT(1, 2), [3, 4]), ({"a": [1]}, {"a": 1})])
def test_assert_same_paths_as_keras3(a, b, k3):
    ours, theirs = _both(k3, lambda t: t.assert_same_paths(a, b))
    assert ours == theirs


def test_map_shape_structure_and_the_public_names_as_keras3(k3):
    s = [(1, None), {"a": (2,)}, [3, "x"], 4, [[2, 3], (None,)]]
    ours, theirs = _both(k3, lambda t: t.map_shape_structure(
        lambda v: len(v) if isinstance(v, (list, tuple)) else repr(v), s))
    assert ours == theirs
    public = sorted(n for n in dir(k3) if not n.startswith("_"))
    assert sorted(n for n in dir(tree) if not n.startswith("_")) == public
    assert sorted(tree.__all__) == public
