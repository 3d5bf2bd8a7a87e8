"""What building a node remembers (issue 19): the shape rules' results and the user's file:line.

``StaticFrontend.apply`` keeps each rule's result by (primitive, input avals, plain parameters),
and an ``Operation`` formats its ``defined_at`` only when read.  Neither may change what a user
sees: the same static shapes, the same build-time errors every time, the same file:line.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.ops.elementwise import add_p
from dlcore_static import frontend


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


def test_repeated_nodes_get_their_own_shapes_and_errors_every_time():
    a = tf.placeholder(tf.float32, (2, 3))
    b = tf.placeholder(tf.float32, (None, 3))
    for _ in range(3):
        assert (a + b).shape.as_list() == [2, 3]
        assert a[1:2].shape.as_list() == [1, 3] and a[:, 1:].shape.as_list() == [2, 2]
        assert b[1:2].shape.as_list() == [None, 3] and a[0].shape.as_list() == [3]
        assert tf.matmul(a, tf.transpose(b)).shape.as_list() == [2, None]
        assert tf.concat([a, b], 0).shape.as_list() == [None, 3]
    c = tf.placeholder(tf.float32, (4, 5))
    names = set()
    for _ in range(2):                  # a refused shape is refused again, naming its node
        with pytest.raises(ValueError, match=r"Dimensions must be equal.*for '(MatMul_\d+)'"
                                             r" \(op: 'MatMul'\) with input shapes: \[2,3\], "
                                             r"\[4,5\]") as e:
            tf.matmul(a, c)
        names.add(str(e.value).split("'")[1])
    assert len(names) == 2
    d = tf.placeholder(tf.float64, (2, 3))
    with pytest.raises(TypeError):      # float32 + float64: TensorFlow's TypeError, uncached
        tf.add(a, d)
    assert (d + d).dtype == tf.float64


def test_the_rule_key_keeps_parameter_types_apart_and_skips_unplain_ones():
    av = [tf.placeholder(tf.float32, (2,)).aval]
    k1 = frontend._rule_key(add_p, av, {"v": 1})
    assert k1 != frontend._rule_key(add_p, av, {"v": 1.0})
    assert k1 != frontend._rule_key(add_p, av, {"v": True})
    assert k1 == frontend._rule_key(add_p, list(av), {"v": 1})
    assert frontend._rule_key(add_p, av, {"idx": (slice(0, 1),)}) is None
    assert frontend._rule_key(add_p, av, {"idx": (("slice", 0, 1, None), 2)}) is not None
    assert frontend._rule_key(add_p, av, {"axes": (True,)}) is None         # True == 1
    assert frontend._rule_key(add_p, av, {"shape": [2, 3]}) is None
    assert frontend._rule_key(add_p, av, {"dtype": np.dtype("float32")}) is not None


def test_defined_at_names_this_file_and_line():
    x = tf.placeholder(tf.float32, (2,))
    line = test_defined_at_names_this_file_and_line.__code__.co_firstlineno + 3
    y = tf.tanh(x)
    assert y.op.defined_at == f"test_build_caches.py:{line}"
    assert y.op.defined_at == f"test_build_caches.py:{line}"      # formatted once, kept
    y.op.defined_at = "<loaded>"
    assert y.op.defined_at == "<loaded>"
