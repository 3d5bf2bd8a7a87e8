"""tf.nest with TF 1.15's Mapping rule (every Mapping, OrderedDict included, by sorted key;
keras.tree keeps Keras 3's rule) and tf.setdiff1d / tf.listdiff (TF's ListDiff: x's order,
duplicates kept, int32/int64 indices) in O(len(x) + len(y)) memory, against NumPy."""

import collections
import os
import tracemalloc
import warnings

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import tree as keras_tree

Point = collections.namedtuple("Point", "x y")


class Frozen(collections.abc.Mapping):
    """A Mapping that is not a dict, built from (key, value) pairs as TF rebuilds one."""

    def __init__(self, pairs=()):
        self._d = dict(pairs)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


def test_ordered_dict_and_every_mapping_flatten_by_sorted_key():
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    assert tf.nest.flatten(od) == [2, 1]                       # TF 1.15: sorted keys
    packed = tf.nest.pack_sequence_as(od, [10, 20])
    assert type(packed) is collections.OrderedDict
    assert list(packed.items()) == [("b", 20), ("a", 10)]      # own order, sorted values
    assert tf.nest.flatten(Frozen([("z", 1), ("c", [2, 3])])) == [2, 3, 1]
    fz = tf.nest.map_structure(lambda v: v * 10, Frozen([("z", 1), ("c", 2)]))
    assert type(fz) is Frozen and dict(fz) == {"z": 10, "c": 20}
    dd = collections.defaultdict(list, {"y": 1, "x": 2})
    out = tf.nest.map_structure(lambda u, v: u - v, dd, dd)
    assert type(out) is collections.defaultdict and out.default_factory is list
    assert list(out.items()) == [("y", 0), ("x", 0)]
    m = tf.nest.map_structure(lambda u, v: (u, v), od, collections.OrderedDict(a=3, b=4))
    assert list(m.items()) == [("b", (1, 4)), ("a", (2, 3))]
    # keras.tree is left with Keras 3's rule: an OrderedDict in insertion order
    assert keras_tree.flatten(od) == [1, 2]


def test_keras_tree_rule_is_keras3s():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    keras = pytest.importorskip("keras")
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    assert keras_tree.flatten(od) == keras.tree.flatten(od)


def test_nest_leaves_and_nodes():
    s = [None, "ab", b"cd", np.zeros(2), {3, 4}, Point(1, (2,)), {"k": ()}]
    flat = tf.nest.flatten(s)
    assert flat[:3] == [None, "ab", b"cd"] and flat[4] == {3, 4} and flat[5:] == [1, 2]
    assert tf.nest.pack_sequence_as(s, list(range(7))) == \
        [0, 1, 2, 3, 4, Point(5, (6,)), {"k": ()}]
    assert not tf.nest.is_nested("ab") and not tf.nest.is_nested(None)
    assert tf.nest.is_nested(Frozen()) and tf.nest.is_nested(Point(1, 2))


def test_nest_errors_as_tf():
    with pytest.raises(TypeError, match="nest only supports dicts with sortable keys"):
        tf.nest.flatten({1: "a", "b": 2})
    with pytest.raises(TypeError, match="Attempted to pack value:\n  5\ninto a sequence, but "
                       "found incompatible type `<class 'int'>` instead"):
        tf.nest.pack_sequence_as([1], 5)
    with pytest.raises(ValueError, match="Could not pack sequence. Structure had 2 elements, "
                       "but flat_sequence had 3 elements"):
        tf.nest.pack_sequence_as({"a": 1, "b": 2}, [1, 2, 3])
    with pytest.raises(ValueError, match="The target structure is of type `<class 'int'>`"):
        tf.nest.pack_sequence_as(1, [1, 2])
    assert tf.nest.pack_sequence_as(1, [7]) == 7
    with pytest.raises(TypeError, match="func must be callable, got: 3"):
        tf.nest.map_structure(3, [1])
    with pytest.raises(ValueError, match="don't have the same set of keys"):
        tf.nest.assert_same_structure(collections.OrderedDict(a=1), {"b": 1})
    # two Mapping types (and two list types) pass check_types, as TF's
    tf.nest.assert_same_structure(collections.OrderedDict(a=1, b=2), {"b": 3, "a": 4})
    # namedtuple classes of one name and fields are one type (TF's rule)
    tf.nest.assert_same_structure(Point(1, 2), collections.namedtuple("Point", "x y")(3, 4))
    with pytest.raises(TypeError, match="don't have the same sequence type"):
        tf.nest.assert_same_structure(Point(1, 2), collections.namedtuple("Q", "x y")(3, 4))


def test_nest_over_tensors_is_silent():
    a, b = tf.constant(1.0), tf.constant(2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = tf.nest.map_structure(lambda t: t * 2, collections.OrderedDict(b=a, a=b))
        assert tf.nest.flatten(out)[0].op.inputs[0] is b


def _run(*ts, feed=None):
    with tf.Session() as sess:
        return sess.run(list(ts), feed)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_setdiff1d_matches_numpy(dtype):
    rng = np.random.default_rng(1)
    x = rng.integers(-5, 15, 300).astype(dtype)
    y = rng.integers(0, 20, 40).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x[[3, 50]] = np.nan
        y[0] = np.nan                                 # NaN is never found (TF's hash set)
        x[7], y[1] = -0.0, 0.0                        # -0.0 == 0.0 is found
    out, idx = _run(*tf.setdiff1d(x, y))
    keep = ~np.isin(x, y)
    np.testing.assert_array_equal(out, x[keep])       # x's order, duplicates kept
    np.testing.assert_array_equal(idx, np.flatnonzero(keep))
    assert out.dtype == dtype and idx.dtype == np.int32
    assert np.isnan(out).sum() == (2 if np.dtype(dtype).kind == "f" else 0)


def test_setdiff1d_tf_doc_example_index_dtypes_and_empties():
    r = tf.setdiff1d([1, 2, 3, 4, 5, 6], [1, 3, 5])
    assert r.out.shape.as_list() == [None] and r.idx.dtype == tf.int32
    out, idx = _run(*r)
    assert out.tolist() == [2, 4, 6] and idx.tolist() == [1, 3, 5]
    r64 = tf.setdiff1d([3, 3, 1, 3], [1], index_dtype=tf.int64)
    out, idx = _run(*r64)
    assert out.tolist() == [3, 3, 3] and idx.tolist() == [0, 1, 3] and idx.dtype == np.int64
    out, idx = _run(*tf.listdiff([4, 5], [], out_idx=tf.int64))
    assert out.tolist() == [4, 5] and idx.dtype == np.int64
    out, idx = _run(*tf.setdiff1d(np.zeros(0, np.int32), [1]))
    assert out.shape == (0,) and idx.shape == (0,)
    out, _ = _run(*tf.setdiff1d(tf.constant([b"a", b"b", b"a"]), tf.constant([b"b"])))
    assert out.tolist() == [b"a", b"a"]


def test_setdiff1d_errors():
    with pytest.raises(TypeError, match="'out_idx' has DataType float32 not in list of "
                       "allowed values: int32, int64"):
        tf.setdiff1d([1], [2], index_dtype=tf.float32)
    with pytest.raises(ValueError, match=r"ListDiff: x and y must be vectors \(rank 1\), got "
                       r"shapes \(2, 2\) and \(1,\)"):
        tf.setdiff1d([[1, 2], [3, 4]], [1])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float32 for "
                       "Tensor with dtype int32"):
        tf.setdiff1d(tf.constant([1.0]), tf.constant([1]))     # y's dtype is not x's
    p = tf.placeholder(tf.int32)
    r = tf.setdiff1d(p, [1])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"ListDiff: x and y should "
                           r"be 1D vectors, got shapes \[2, 1\] and \[1\]"):
            sess.run(r, {p: [[1], [2]]})
        assert sess.run(r.out, {p: [1, 2]}).tolist() == [2]


def test_setdiff1d_memory_is_linear():
    # 200,000 x 200,000 int64: a pairwise (broadcast) comparison needs 40 GB of booleans;
    # sorting/hashing needs a few MB.  Peak traced memory of the run is bounded far below.
    rng = np.random.default_rng(2)
    x = rng.integers(0, 400_000, 200_000)
    y = rng.integers(0, 400_000, 200_000)
    px, py = tf.placeholder(tf.int64, [None]), tf.placeholder(tf.int64, [None])
    r = tf.setdiff1d(px, py)
    with tf.Session() as sess:
        sess.run(r, {px: x[:5], py: y[:5]})
        tracemalloc.start()
        try:
            out, idx = sess.run(r, {px: x, py: y})
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    keep = ~np.isin(x, y)
    np.testing.assert_array_equal(out, x[keep])
    np.testing.assert_array_equal(idx, np.flatnonzero(keep))
    assert peak < 64 << 20, f"peak {peak / 2**20:.1f} MiB"
