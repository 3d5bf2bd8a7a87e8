"""tf.nest (TF 1.15's signatures over keras.tree's rules), against jax.tree_util where the two
agree (sorted dict keys, depth first) and TF's documented errors."""

import collections

import jax
import pytest

import dlcore_static as tf

Point = collections.namedtuple("Point", "x y")


def test_flatten_pack_and_map_match_tf_rules():
    s = {"b": [1, (2, Point(3, 4))], "a": 5}
    flat = tf.nest.flatten(s)
    assert flat == jax.tree_util.tree_leaves(s) == [5, 1, 2, 3, 4]
    assert tf.nest.flatten(None) == [None] and tf.nest.flatten("ab") == ["ab"]
    assert tf.nest.pack_sequence_as(s, [50, 10, 20, 30, 40]) == \
        {"b": [10, (20, Point(30, 40))], "a": 50}
    doubled = tf.nest.map_structure(lambda u, v: u + v, s, s)
    assert doubled == {"b": [2, (4, Point(6, 8))], "a": 10}
    assert tf.nest.is_nested((1,)) and not tf.nest.is_nested(tf.constant(1))


def test_assert_same_structure_errors_as_tf():
    tf.nest.assert_same_structure([1, (2, 3)], ["a", ("b", "c")])
    tf.nest.assert_same_structure([1, 2], (1, 2), check_types=False)
    with pytest.raises(TypeError, match="don't have the same sequence type. Input structure "
                       "has type <class 'list'>, while shallow structure has type <class "
                       "'tuple'>"):
        tf.nest.assert_same_structure([1, 2], (1, 2))
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.nest.assert_same_structure([1, [2]], [1, 2])
    with pytest.raises(ValueError, match="don't have the same set of keys"):
        tf.nest.assert_same_structure({"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match="Only valid keyword arguments are `check_types` and "
                       "`expand_composites`, not: `foo`"):
        tf.nest.map_structure(abs, [1], foo=1)
