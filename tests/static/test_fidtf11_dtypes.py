"""TensorFlow 1.15's dtype refusals of the arithmetic and reduction ops (build-time TypeError,
the op registration's list in its order) and its run-time refusal of an integer to a negative
integer power."""

import numpy as np
import pytest

import dlcore_static as tf

ADD = ("bfloat16, float16, float32, float64, uint8, int8, int16, int32, int64, complex64, "
       "complex128")
NUMBER = ("float32, float64, int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, "
          "bfloat16, uint16, complex128, float16, uint32, uint64")
REAL = ("float32, float64, int32, uint8, int16, int8, int64, bfloat16, uint16, float16, uint32, "
        "uint64")


def _msg(param, dtype, allowed):
    return (f"Value passed to parameter '{param}' has DataType {dtype} not in list of allowed "
            f"values: {allowed}")


@pytest.fixture(autouse=True)
def _graph():
    with tf.Graph().as_default() as g:
        yield g


def _refused(fn, param, dtype, allowed):
    g = tf.get_default_graph()
    n = len(g.get_operations())
    with pytest.raises(TypeError) as e:
        fn()
    assert str(e.value) == _msg(param, dtype, allowed)
    return n


def test_bool_add_operator_is_addv2s_refusal():
    a, b = tf.constant(True), tf.constant(False)
    _refused(lambda: a + b, "x", "bool", ADD)          # x + y is AddV2 in 1.15: no string
    _refused(lambda: a + True, "x", "bool", ADD)
    _refused(lambda: False + a, "x", "bool", ADD)


def test_bool_tf_add_is_adds_refusal():
    a, b = tf.constant(True), tf.constant(False)
    _refused(lambda: tf.add(a, b), "x", "bool", ADD + ", string")
    _refused(lambda: tf.add(a, True), "x", "bool", ADD + ", string")


def test_bool_reductions():
    t = tf.constant([True, True])
    _refused(lambda: tf.reduce_sum(t), "input", "bool", NUMBER)
    _refused(lambda: tf.reduce_sum([True, False]), "input", "bool", NUMBER)
    _refused(lambda: tf.reduce_mean(t), "input", "bool", NUMBER)
    _refused(lambda: tf.reduce_prod(t), "input", "bool", NUMBER)
    _refused(lambda: tf.reduce_max(t), "input", "bool", REAL)
    v = tf.Variable([True, False])
    _refused(lambda: tf.reduce_sum(v), "input", "bool", NUMBER)


def test_bool_comparisons_and_other_binaries():
    a, b = tf.constant([True]), tf.constant([False])
    _refused(lambda: a < b, "x", "bool", REAL)
    _refused(lambda: tf.greater_equal(a, b), "x", "bool", REAL)
    for f in (tf.subtract, tf.multiply, lambda x, y: x * y):
        with pytest.raises(TypeError, match="has DataType bool not in list"):
            f(a, b)
    # equality and the logical ops take bools
    with tf.Session() as s:
        got = s.run([tf.equal(a, b), tf.logical_or(a, b), tf.reduce_any(a), tf.reduce_all(b)])
    assert [np.asarray(x).tolist() for x in got] == [[False], [True], True, False]


@pytest.mark.parametrize("dt", ["uint16", "uint32", "uint64"])
def test_unsigned_add_refused(dt):
    x = tf.placeholder(getattr(tf, dt), [2])
    _refused(lambda: x + x, "x", dt, ADD)
    _refused(lambda: tf.add(x, 1), "x", dt, ADD + ", string")
    _refused(lambda: tf.maximum(x, x), "x", dt,
             "bfloat16, float16, float32, float64, int32, int64")


def test_uint32_sub_mul_refused_uint16_kept():
    x = tf.placeholder(tf.uint32, [2])
    more = ("bfloat16, float16, float32, float64, uint8, int8, uint16, int16, int32, int64, "
            "complex64, complex128")
    _refused(lambda: x - x, "x", "uint32", more)
    _refused(lambda: tf.multiply(x, x), "x", "uint32", more)
    # uint16 and uint8 are in Sub/Mul's list: computed, with wrap-around as TF's kernels
    u = tf.constant(np.array([1, 2], np.uint16))
    b = tf.constant(np.array([200, 3], np.uint8))
    with tf.Session() as s:
        d, m, sb = s.run([u - tf.constant(np.array([2, 1], np.uint16)), u * u, b + b])
    assert d.dtype == np.uint16 and d.tolist() == [65535, 1]
    assert m.tolist() == [1, 4]
    assert sb.dtype == np.uint8 and sb.tolist() == [144, 6]
    # sums take every unsigned dtype (numbertype)
    with tf.Session() as s:
        assert s.run(tf.reduce_sum(u)) == 3


def test_small_ints_outside_maximum_mod_pow():
    x = tf.constant(np.array([3], np.uint8))
    _refused(lambda: tf.maximum(x, x), "x", "uint8",
             "bfloat16, float16, float32, float64, int32, int64")
    _refused(lambda: x % x, "x", "uint8", "int32, int64, bfloat16, float16, float32, float64")
    _refused(lambda: tf.pow(x, x), "x", "uint8",
             "bfloat16, float32, float16, float64, int32, int64, complex64, complex128")
    i16 = tf.constant(np.array([3], np.int16))
    _refused(lambda: i16 ** i16, "x", "int16",
             "bfloat16, float32, float16, float64, int32, int64, complex64, complex128")


def test_refusal_adds_no_node():
    a = tf.constant(True)
    g = tf.get_default_graph()
    n = len(g.get_operations())
    for f in (lambda: a + a, lambda: tf.add(a, a), lambda: tf.reduce_sum(a)):
        with pytest.raises(TypeError):
            f()
    assert len(g.get_operations()) == n


def test_int_pow_negative_exponent_is_a_run_time_error():
    x = tf.constant([2, 3])
    y = tf.placeholder(tf.int32, [2])
    p = tf.pow(x, y)
    with tf.Session() as s:
        assert s.run(p, {y: [3, 0]}).tolist() == [8, 1]
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^Integers to negative integer powers are not allowed\n\t "
                                 r"\[\[node Pow \(defined at test_fidtf11_dtypes\.py:\d+\) "
                                 r"\]\]$") as e:
            s.run(p, {y: [1, -1]})
        assert e.value.op is p.op                   # (TF's kernel: the Pow node)
        with pytest.raises(tf.errors.InvalidArgumentError, match="negative integer powers"):
            s.run(tf.pow(tf.constant([2], tf.int64), tf.constant([-1], tf.int64)))
        with pytest.raises(tf.errors.InvalidArgumentError, match="negative integer powers"):
            s.run(x ** -1)
        # a constant exponent without negatives: computed, no check node
        n = len(tf.get_default_graph().get_operations())
        q = x ** 2
        assert [o.type for o in tf.get_default_graph().get_operations()[n:]] == ["Const", "Pow"]
        assert s.run(q).tolist() == [4, 9]
        # floats take negative powers
        assert s.run(tf.pow(tf.constant([2.0]), -1.0)).tolist() == [0.5]


def test_int_pow_check_survives_meta_export(tmp_path):
    x = tf.placeholder(tf.int32, [1], name="x")
    tf.identity(tf.pow(x, x), name="p")
    tf.train.export_meta_graph(str(tmp_path / "m.meta"))
    with tf.Graph().as_default():
        tf.train.import_meta_graph(str(tmp_path / "m.meta"))
        g = tf.get_default_graph()
        with tf.Session() as s:
            assert s.run("p:0", {"x:0": [3]}).tolist() == [27]
            with pytest.raises(tf.errors.InvalidArgumentError, match="negative integer powers"):
                s.run(g.get_tensor_by_name("p:0"), {"x:0": [-1]})


UNARY_COMPLEX = "bfloat16, float16, float32, float64, complex64, complex128"
UNARY_REAL = "bfloat16, float16, float32, float64"


@pytest.mark.parametrize("op,allowed", [
    ("sqrt", UNARY_COMPLEX), ("exp", UNARY_COMPLEX), ("log", UNARY_COMPLEX),
    ("sigmoid", UNARY_COMPLEX), ("tanh", UNARY_COMPLEX), ("rsqrt", UNARY_COMPLEX),
    ("floor", UNARY_REAL), ("ceil", UNARY_REAL), ("is_nan", UNARY_REAL)])
def test_float_unary_ops_refuse_ints_in_tfs_words(op, allowed):
    fn = getattr(tf, op, None) or getattr(tf.math, op)
    _refused(lambda: fn(tf.constant([4, 9])), "x", "int32", allowed)
    _refused(lambda: fn([4, 9]), "x", "int32", allowed)      # Python ints: int32, as TF
    _refused(lambda: fn(tf.constant([True])), "x", "bool", allowed)
    _refused(lambda: fn(tf.Variable(np.array([1], np.uint8))), "x", "uint8", allowed)


def test_float_unary_ops_still_take_floats_and_python_floats():
    with tf.Session() as s:
        got = s.run([tf.sqrt([4.0, 9.0]), tf.exp(tf.constant(0.0, tf.float64)),
                     tf.floor(tf.constant([1.5]))])
    assert got[0].dtype == np.float32 and got[0].tolist() == [2.0, 3.0]
    assert got[1] == 1.0 and got[1].dtype == np.float64 and got[2].tolist() == [1.0]


def test_integer_division_by_zero_names_the_division_node():
    x = tf.constant([7, 8])
    y = tf.placeholder(tf.int32, [2])
    q, r = tf.floordiv(x, y, name="q"), tf.floormod(x, y)
    with tf.Session() as s:
        assert s.run([q, r], {y: [2, 3]})[0].tolist() == [3, 2]
        for t, node in ((q, "q"), (r, "FloorMod")):
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=rf"^Integer division by zero\n\t \[\[node {node} ") as e:
                s.run(t, {y: [1, 0]})
            assert e.value.op is t.op
