"""Complex graph tensors as TF 1.15 (fidtf12): tf.complex64/complex128, tf.complex, tf.real,
tf.imag, tf.conj, tf.angle, tf.abs (ComplexAbs, named by its 'Abs' scope), variables, feeds,
casts and a real loss's gradients through a complex intermediate."""

import numpy as np
import pytest

import dlcore_static as tf


def test_dtypes():
    assert tf.complex64.is_complex and tf.complex128.is_complex and not tf.float32.is_complex
    assert tf.complex64.real_dtype == tf.float32 and tf.complex128.real_dtype == tf.float64
    assert tf.float32.real_dtype == tf.float32
    assert tf.as_dtype(np.complex64) is tf.complex64 and tf.as_dtype(8) is tf.complex64
    assert tf.as_dtype("complex128") is tf.complex128
    assert tf.constant(1 + 2j).dtype == tf.complex128     # a Python complex: complex128


def test_complex_real_imag_conj_angle_abs_values_and_names():
    re = tf.constant([3.0, 0.0, -1.0])
    im = tf.constant([4.0, 0.0, 1.0])
    z = tf.complex(re, im)
    assert z.dtype == tf.complex64 and z.op.type == "Complex" and z.op.name == "Complex"
    outs = [tf.real(z), tf.imag(z), tf.conj(z), tf.angle(z), tf.abs(z), tf.abs(z, name="m")]
    assert [t.op.type for t in outs] == ["Real", "Imag", "Conj", "Angle", "ComplexAbs",
                                         "ComplexAbs"]
    assert [t.op.name for t in outs] == ["Real", "Imag", "Conj", "Angle", "Abs", "m"]
    assert [t.dtype for t in outs] == [tf.float32, tf.float32, tf.complex64, tf.float32,
                                       tf.float32, tf.float32]
    zv = np.array([3 + 4j, 0, -1 + 1j], np.complex64)
    got = tf.Session().run(outs)
    for g, want in zip(got, [zv.real, zv.imag, np.conj(zv), np.angle(zv), np.abs(zv),
                             np.abs(zv)]):
        np.testing.assert_allclose(g, want, rtol=1e-6)
        assert g.dtype == np.asarray(want).dtype


def test_real_tensors_pass_through_as_tf_1_15():
    x = tf.constant([1.0, -2.0])
    assert tf.real(x) is x and tf.conj(x) is x
    s = tf.Session()
    np.testing.assert_array_equal(s.run(tf.imag(x)), [0, 0])
    np.testing.assert_array_equal(s.run(tf.angle(x)), [0, 0])      # TF 1.15: zeros_like
    assert tf.abs(x).op.type == "Abs"



def test_imag_and_angle_of_a_real_tensor_are_named_in_their_scope():
    x = tf.constant([1.0, -2.0])
    # TF 1.15 makes the zeros inside the op's scope, which takes the scope's name
    names = [tf.imag(x).name, tf.imag(x, name="foo").name, tf.angle(x).name,
             tf.angle(x, name="bar").name, tf.imag(tf.constant([1j])).name]
    assert names == ["Imag/zeros_like:0", "foo/zeros_like:0", "Angle/zeros_like:0",
                     "bar/zeros_like:0", "Imag_1:0"]
    with pytest.raises(TypeError, match="Expected numeric or variant tensor, got dtype"):
        tf.conj(tf.constant([True]))


def test_complex_refuses_mixed_or_integer_parts():
    with pytest.raises(TypeError, match="real and imag have incompatible types: float32 "
                                        "float64"):
        tf.complex(tf.constant([1.0]), tf.constant([1.0], tf.float64))
    with pytest.raises(TypeError, match="real and imag have incompatible types: int32 int32"):
        tf.complex(tf.constant([1]), tf.constant([1]))


def test_variables_feeds_casts_and_arithmetic():
    p = tf.placeholder(tf.complex64, [None])
    v = tf.Variable(tf.zeros([2], tf.complex64))
    upd = v.assign_add(p * p + 1)
    s = tf.Session()
    s.run(v.initializer)
    fed = np.array([1 + 1j, 2 - 1j], np.complex64)
    np.testing.assert_allclose(s.run(upd, {p: fed}), fed * fed + 1)
    out = s.run([tf.cast(tf.constant([1.5]), tf.complex64),       # imaginary part 0
                 tf.cast(tf.constant([1.5 + 2j], tf.complex64), tf.float32),   # real part
                 tf.reduce_sum(p), tf.exp(tf.complex(0.0, np.float32(np.pi)))], {p: fed})
    np.testing.assert_allclose(out[0], [1.5 + 0j])
    np.testing.assert_allclose(out[1], [1.5])
    np.testing.assert_allclose(out[2], fed.sum())
    np.testing.assert_allclose(out[3], -1, atol=1e-6)


def test_gradient_of_abs_through_complex_is_tfs():
    a = tf.constant([3.0, 0.0, -1.0])
    b = tf.constant([4.0, 0.0, 2.0])
    r = tf.abs(tf.complex(a, b))
    ga, gb = tf.Session().run(tf.gradients(tf.reduce_sum(r), [a, b]))
    # d|z|/da = a/|z|, d|z|/db = b/|z|; 0 at z = 0 (TF's ComplexAbs gradient)
    np.testing.assert_allclose(ga, [0.6, 0.0, -1 / np.sqrt(5)], rtol=1e-6)
    np.testing.assert_allclose(gb, [0.8, 0.0, 2 / np.sqrt(5)], rtol=1e-6)


@pytest.mark.parametrize("op", ["abs", "tan", "asin", "acos", "atan"])
def test_unary_dtype_lists_as_tf_1_15(op):
    lists = {"abs": "bfloat16, float16, float32, float64, int8, int16, int32, int64",
             "tan": "bfloat16, float16, float32, float64, int32, int64, complex64, complex128"}
    allowed = lists.get(op, lists["tan"])
    refused = ["bool", "uint8", "uint16"] + ([] if op == "abs" else ["int8", "int16"])
    for d in refused:
        x = tf.constant(np.array([1, 0]).astype(d))
        with pytest.raises(TypeError, match=f"^Value passed to parameter 'x' has DataType {d} "
                                            f"not in list of allowed values: {allowed}$"):
            getattr(tf, op)(x)
    if op == "abs":                     # what Abs takes: int8/int16 computed as they are
        with tf.Session() as s:
            assert s.run(tf.abs(tf.constant([-3, 2], tf.int8))).tolist() == [3, 2]
