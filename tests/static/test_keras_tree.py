"""keras.tree (Keras 3's nested-structure utilities) against Keras 3's own."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from dlcore_static.keras import tree
from tests.io.real_keras import keras3 as _real_keras3

P = collections.namedtuple("P", "y x")
CASES = [
    {"b": 1, "a": (2, None, [3])},
    [1, [2, {"z": 3, "c": (4, 5)}], P(6, [7])],
    None,
    np.ones(2),
    (),
    {"k": []},
]


@pytest.fixture(scope="module")
def k3tree():
    return _real_keras3().tree


@pytest.mark.parametrize("s", CASES)
def test_flatten_pack_map_as_keras3(s, k3tree):
    assert _same(tree.flatten(s), k3tree.flatten(s))
    assert _same(tree.flatten_with_path(s), k3tree.flatten_with_path(s))
    assert tree.is_nested(s) == k3tree.is_nested(s)
    n = len(k3tree.flatten(s))
    assert _same(tree.pack_sequence_as(s, list(range(n))),
                 k3tree.pack_sequence_as(s, list(range(n))))
    f = (lambda v: None if v is None else v * 2)
    assert _same(tree.map_structure(f, s), k3tree.map_structure(f, s))
    assert _same(tree.lists_to_tuples(s), k3tree.lists_to_tuples(s))


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return type(a) is type(b) and np.array_equal(a, b)
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


def test_map_structure_of_several_and_errors_as_keras3(k3tree):
    s1, s2 = {"b": 1, "a": [2, 3]}, {"b": 10, "a": [20, 30]}
    assert tree.map_structure(lambda u, v: u + v, s1, s2) == \
        k3tree.map_structure(lambda u, v: u + v, s1, s2) == {"b": 11, "a": [22, 33]}
    for ours, theirs in [
            (lambda: tree.assert_same_structure([1, 2], [1, [2]]),
             lambda: k3tree.assert_same_structure([1, 2], [1, [2]])),
            (lambda: tree.pack_sequence_as([0, 0], [1]),
             lambda: k3tree.pack_sequence_as([0, 0], [1])),
            (lambda: tree.map_structure(lambda a, b: a, [1, 2], [1]),
             lambda: k3tree.map_structure(lambda a, b: a, [1, 2], [1]))]:
        with pytest.raises(ValueError) as want:
            theirs()
        with pytest.raises(ValueError) as got:
            ours()
        assert str(got.value) == str(want.value)
    tree.assert_same_structure({"a": (1, [2])}, {"a": (5, [6])})
