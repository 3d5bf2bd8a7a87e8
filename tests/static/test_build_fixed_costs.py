"""The per-graph fixed costs of building (issue 19, session 18): ``as_dtype`` looks NumPy dtypes
and classes up once, ``tf.constant`` and ``tf.placeholder`` make their node without the keyword
call of ``Operation``, and a Python number's ``Const`` keeps the array it was converted into
(no second copy).  What must stay exactly as before: the DTypes, the nodes' fields, names and
locations, and a constant's independence from the caller's array."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import dtypes as _dtypes
from dlcore_static.graph import Operation, setup_op

HERE = "test_build_fixed_costs.py"

_LIKES = [np.float32, np.float64, np.int32, np.int64, np.bool_, np.uint8, np.int8, np.int16,
          np.float16, np.uint16, float, int, bool, str, bytes, np.object_,
          np.dtype("float32"), np.dtype("<f8"), np.dtype(np.int32), np.dtype("uint8"),
          np.dtype("bool"), np.dtype("O"), np.dtype("float16")]


@pytest.mark.parametrize("like", _LIKES, ids=repr)
def test_as_dtype_cached_equals_uncached(like):
    first = _dtypes.as_dtype(like)
    assert first is _dtypes._as_dtype(like)
    assert _dtypes.as_dtype(like) is first          # (the cached answer)


def test_as_dtype_keys_do_not_mix_enum_numbers_and_names():
    # TF's DataType numbers (1 is float32, 3 int32) and strings go the uncached way; a NumPy
    # dtype equals its name but never answers for it, nor True for 1
    _dtypes.as_dtype(np.dtype("float32"))
    _dtypes.as_dtype(np.dtype("int32"))
    assert _dtypes.as_dtype(1) is _dtypes.float32
    assert _dtypes.as_dtype(3) is _dtypes.int32
    assert _dtypes.as_dtype("float32") is _dtypes.float32
    assert _dtypes.as_dtype("half") is _dtypes.float16


def test_as_dtype_refuses_as_before():
    with pytest.raises(TypeError):                  # (complex64 is a graph dtype: fidtf12)
        _dtypes.as_dtype(np.longdouble)
    with pytest.raises(TypeError):                  # (a refusal is not cached)
        _dtypes.as_dtype(np.longdouble)


def _reference_node(g, op_type, name, avals, attrs):
    """The node ``Operation(...)`` makes, for comparison."""
    return Operation(g, op_type, name, avals=avals, attrs=attrs)


def test_placeholder_node_fields(fresh_graph):
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    line = test_placeholder_node_fields.__code__.co_firstlineno + 1
    op = x.op
    assert (op.type, op.name, op.inputs, op.params, op.prim) == ("Placeholder", "x", (), {}, None)
    assert op.attrs == {"shape": (None, 3), "unknown_rank": False}
    assert op.defined_at == f"{HERE}:{line}" or op.defined_at.endswith(f"{HERE}:{line}")
    assert op.outputs == [x] and x.value_index == 0 and x.shape.as_list() == [None, 3]
    assert x.dtype == tf.float32 and fresh_graph.get_operation_by_name("x") is op
    u = tf.placeholder(tf.int64, None)
    assert u.op.name == "Placeholder" and u.op.attrs == {"shape": None, "unknown_rank": True}
    y = tf.placeholder(tf.float32, 4, name="x")     # (made unique)
    assert y.op.name == "x_1" and y.shape.as_list() == [4]
    ref = _reference_node(fresh_graph, "Placeholder", "ref", [x.aval], dict(x.op.attrs))
    for slot in Operation.__slots__:
        if slot in ("__weakref__", "_name", "_id", "_outputs", "_defined_at"):
            continue
        assert getattr(ref, slot) == getattr(op, slot), slot
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(x * 2, {x: np.ones((2, 3), np.float32)}),
                                      np.full((2, 3), 2, np.float32))


def test_constant_node_fields_and_values(fresh_graph):
    c = tf.constant([[1.5, 2.0]])
    line = test_constant_node_fields_and_values.__code__.co_firstlineno + 1
    assert c.op.type == "Const" and c.op.name == "Const" and c.dtype == tf.float32
    assert c.op.defined_at.endswith(f"{HERE}:{line}")
    assert c.op.outputs == [c] and c.op.inputs == () and set(c.op.attrs) == {"value"}
    v = c.op.attrs["value"]
    assert v.dtype == np.float32 and v.shape == (1, 2) and not v.flags.writeable
    d = tf.constant(3, tf.float64, name="three")
    assert d.op.name == "three" and d.dtype == tf.float64 and d.op.attrs["value"].shape == ()
    e = tf.constant(7, tf.int32, shape=(2, 2))
    assert e.op.attrs["value"].tolist() == [[7, 7], [7, 7]]
    with tf.Session() as s:
        got = s.run([c, d, e])
    np.testing.assert_array_equal(got[0], [[1.5, 2.0]])
    assert got[1] == 3.0 and got[1].dtype == np.float64
    np.testing.assert_array_equal(got[2], np.full((2, 2), 7, np.int32))


def test_constant_copies_the_callers_array(fresh_graph):
    a = np.array([1.0, 2.0], np.float32)
    c = tf.constant(a)
    a[0] = 9.0                                      # the caller's array, changed later
    ro = np.array([3.0, 4.0], np.float32)
    ro.flags.writeable = False                      # read-only but owned: still copied
    r = tf.constant(ro)
    ro.flags.writeable = True
    ro[0] = -1.0
    k = tf.constant(np.float32(2.5), tf.float32)    # a NumPy scalar with a dtype
    assert c.op.attrs["value"] is not a and r.op.attrs["value"] is not ro
    with tf.Session() as s:
        got = s.run([c, r, k])
    np.testing.assert_array_equal(got[0], [1.0, 2.0])
    np.testing.assert_array_equal(got[1], [3.0, 4.0])
    assert got[2] == np.float32(2.5)


@pytest.mark.parametrize("number, hint, want", [
    (2.0, np.float32, np.float32), (2, np.float32, np.float32), (-0.0, np.float64, np.float64),
    (True, np.bool_, np.bool_), (3, np.int64, np.int64), (0.5, np.float16, np.float32)])
def test_weak_scalar_constants(fresh_graph, number, hint, want):
    import warnings

    from dlcore_static.frontend import to_tensor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # (float16 is computed in float32)
        t = to_tensor(number, fresh_graph, np.dtype(hint))
    v = t.op.attrs["value"]
    assert v.dtype == want and v.shape == () and not v.flags.writeable
    assert v.base is None and v == number and np.signbit(v) == np.signbit(number)


def test_python_number_operands_values(fresh_graph):
    x = tf.placeholder(tf.float32, (2,))
    y = tf.reduce_mean(x * 2.0 - 1) / 4
    g, = tf.gradients(y, [x])
    with tf.Session() as s:
        yv, gv = s.run([y, g], {x: np.array([1.0, 3.0], np.float32)})
    assert yv == pytest.approx(((2.0 - 1) + (6.0 - 1)) / 2 / 4)
    np.testing.assert_allclose(gv, [0.25, 0.25])
    consts = [op for op in fresh_graph.get_operations() if op.type == "Const"]
    assert consts and all(not op.attrs["value"].flags.writeable for op in consts)


def test_setup_op_is_what_placeholder_uses():
    # (the direct call keeps Operation's positional contract: a guard against a reorder)
    import inspect
    params = list(inspect.signature(setup_op).parameters)
    assert params == ["self", "graph", "op_type", "name", "inputs", "avals", "prim", "params",
                      "attrs", "defined_at"]
