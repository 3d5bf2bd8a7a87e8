"""uint16, uint32 and uint64 graph tensors, as TF 1.15 holds them: a placeholder, constant or
Variable declared uint16 is uint16 (dlcore reported int32: uint16 was computed in int32, and
uint32/uint64 did not exist); tf.cast to them with TF's C++ conversion (truncation, wrap-around
through a wider integer; NaN -> 0); decode_png(dtype=tf.uint16) into convert_image_dtype and
back to PNG; elementwise arithmetic wraps as TF's kernels; decode_raw(out_type=tf.uint16)."""
import warnings

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.image_codecs import _encode_png


def run(fetches, feed=None):
    with tf.Session() as s:
        return s.run(fetches, feed)


@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64"])
def test_declared_unsigned_tensors_keep_their_dtype(name):
    dt, npdt = getattr(tf, name), np.dtype(name)
    assert dt.name == name and str(dt) == f"<dtype: '{name}'>" and dt.is_integer
    assert tf.as_dtype(npdt) is dt and tf.as_dtype(name) is dt
    with tf.Graph().as_default(), warnings.catch_warnings():
        warnings.simplefilter("error")                     # (no "computed in int32" warning)
        p = tf.placeholder(dt, [3])
        c = tf.constant([1, 2, 3], dt)
        v = tf.Variable(tf.zeros([3], dt))
        assert p.dtype == dt and c.dtype == dt and v.dtype == dt
        with tf.Session() as s:
            s.run(v.initializer)
            got = s.run([tf.concat([p, c], 0), v, tf.reshape(p, [3, 1])],
                        {p: np.array([4, 5, 6])})
        assert [g.dtype for g in got] == [npdt] * 3
        assert got[0].tolist() == [4, 5, 6, 1, 2, 3] and got[2].shape == (3, 1)


def test_cast_to_unsigned_as_tfs_cpu_kernel():
    f = tf.constant([1.5, 70000.0, -1.0, np.nan, -2.7, 65535.9])
    i = tf.constant([-1, 70000, 65536])
    u16, u16i, b32, back = run([tf.cast(f, tf.uint16), tf.cast(i, tf.uint16),
                                tf.cast(tf.constant([True, False]), tf.uint32),
                                tf.cast(tf.cast(f[:1], tf.uint16), tf.float32)])
    assert u16.dtype == np.uint16 and u16.tolist() == [1, 4464, 65535, 0, 65534, 65535]
    assert u16i.tolist() == [65535, 4464, 0]
    assert b32.dtype == np.uint32 and b32.tolist() == [1, 0]
    assert back.dtype == np.float32 and back.tolist() == [1.0]
    big = run(tf.cast(tf.constant([1e19, 3.0], tf.float64), tf.uint64))
    assert big.dtype == np.uint64 and big.tolist() == [10000000000000000000, 3]
    x = tf.constant([3], tf.uint16)
    assert tf.cast(x, tf.uint16) is x


def test_uint16_png_through_convert_image_dtype_and_back():
    img = (np.arange(24, dtype=np.uint16).reshape(2, 4, 3) * 2731)
    with tf.Graph().as_default():
        enc = tf.image.encode_png(img)                       # (a NumPy uint16 constant)
        dec = tf.image.decode_png(enc, dtype=tf.uint16)
        as_f = tf.image.convert_image_dtype(dec, tf.float32)
        to8 = tf.image.convert_image_dtype(dec, tf.uint8)
        up = tf.image.convert_image_dtype(to8, tf.uint16)
        again = tf.image.decode_png(tf.image.encode_png(up), dtype=tf.uint16)
        assert dec.dtype == tf.uint16 and up.dtype == tf.uint16
        d, f, e8, u, a = run([dec, as_f, to8, up, again])
    np.testing.assert_array_equal(d, img)
    np.testing.assert_allclose(f, img / 65535.0, rtol=1e-6)
    np.testing.assert_array_equal(e8, (img // 256).astype(np.uint8))   # TF's floordiv by 256
    np.testing.assert_array_equal(u, (img // 256).astype(np.uint16) * 256)
    np.testing.assert_array_equal(a, u)
    png8 = _encode_png(np.array([[[0, 128, 255]]], np.uint8), -1)
    assert run(tf.image.decode_png(png8, dtype=tf.uint16)).tolist() == [[[0, 32896, 65535]]]
    f16 = run(tf.image.convert_image_dtype(tf.constant([0.0, 0.5, 1.0]), tf.uint16))
    assert f16.dtype == np.uint16 and f16.tolist() == [0, 32767, 65535]


def test_uint16_arithmetic_wraps_and_true_division_is_float32():
    # the ops TF 1.15 has uint16 kernels for (BINARY_MORE's Mul, Sub; Sum; truediv casts to
    # float32).  (TF 1.15's Add/AddV2 refuse uint16 at build time; dlcore computes it, an
    # extension the dtypes module states, not asserted here as TF's.)
    a = tf.constant([65535, 3, 0], tf.uint16)
    mul, sub, total, div = run([a * 2, a - 1, tf.reduce_sum(a), a / 2])
    assert mul.dtype == np.uint16 and sub.dtype == np.uint16
    assert mul.tolist() == [65534, 6, 0] and sub.tolist() == [65534, 2, 65535]
    assert total.dtype == np.uint16 and total == 2                # 65538 mod 65536
    assert div.dtype == np.float32 and div.tolist() == [32767.5, 1.5, 0.0]


def test_decode_raw_uint16():
    raw = np.array([1, 258, 65535], "<u2").tobytes()
    out = run(tf.io.decode_raw(raw, tf.uint16))
    assert out.dtype == np.uint16 and out.tolist() == [1, 258, 65535]
    big = run(tf.io.decode_raw(np.array([258], ">u2").tobytes(), tf.uint16, little_endian=False))
    assert big.tolist() == [258]
    with pytest.raises(TypeError, match="Value for attr 'out_type' of uint32 is not in the list "
                                        "of allowed values: half, float, double, int32, uint16, "
                                        "uint8, int16, int8, int64"):
        tf.io.decode_raw(raw, tf.uint32)
