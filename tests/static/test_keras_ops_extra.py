"""keras.ops window functions, gcd/lcm, nanargmax/nanargmin, matrix_rank, correlate, diagflat
and bincount (ops_extra): values, shapes and dtypes equal Keras 3's (NumPy backend)."""

import numpy as np
import pytest

from dlcore_static.keras import ops

from tests.static._keras_ops_table import compare, keras3_ops

K3 = keras3_ops()
R = np.random.default_rng(3)
I = np.array([[12, -18, 0, 7], [8, 12, 5, 0]], np.int32)
N = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 3.0], [-2.0, 0.5, np.nan]], np.float32)
CASES = [
    ("windows", lambda o: [o.bartlett(5), o.blackman(6), o.hamming(4), o.hanning(7),
                           o.kaiser(5, 2.5)], ()),
    ("gcd/lcm", lambda o, a, b: [o.gcd(a, b), o.lcm(a, b)], (I[0], I[1])),
    ("gcd broadcast", lambda o, a: o.gcd(a, 4), (I,)),
    ("nanargmax/min", lambda o, x: [o.nanargmax(x, axis=1), o.nanargmin(x, axis=0),
                                    o.nanargmax(x[1:]), o.nanargmin(x, 1, keepdims=True)], (N,)),
    ("matrix_rank", lambda o, x: [o.matrix_rank(x), o.matrix_rank(o.matmul(o.matmul(x, np.diag([1, 1, 0, 1]).astype(np.float32)), o.transpose(x)))],
     (R.standard_normal((4, 4)).astype(np.float32),)),
    ("correlate", lambda o, a, v: [o.correlate(a, v), o.correlate(a, v, "same"), o.correlate(a, v, mode="full"),
                                   o.correlate(v, a, "full")],
     (R.standard_normal(7).astype(np.float32), R.standard_normal(3).astype(np.float32))),
    ("correlate int", lambda o, a, v: o.correlate(a, v, "same"), (I[0], I[1, :2].copy())),
    ("diagflat", lambda o, x: [o.diagflat(x), o.diagflat(x, -1)], (I[:, :2].copy(),)),
    ("bincount", lambda o, x: o.bincount(x), (np.array([0, 3, 3, 1], np.int32),)),
    ("bincount weights", lambda o, x, w: o.bincount(x, weights=w, minlength=6),
     (np.array([0, 3, 3, 1], np.int32), np.array([0.5, 1.0, 2.0, 4.0], np.float32))),
    ("adaptive pools", lambda o, x: [o.adaptive_average_pool(x, (3, 2)), o.adaptive_max_pool(x, 4),
                                     o.adaptive_average_pool(x, 2, data_format="channels_first")],
     (R.standard_normal((2, 7, 5, 3)).astype(np.float32),)),
    ("adaptive pools 1d", lambda o, x: [o.adaptive_average_pool(x, 3), o.adaptive_max_pool(x, 4)],
     (R.standard_normal((2, 7, 3)).astype(np.float32),)),
    ("bincount 2d", lambda o, x: o.bincount(x, minlength=3), (np.array([[0, 1, 1], [2, 2, 0]], np.int32),)),
]


@pytest.mark.parametrize("name,f,args", CASES, ids=[c[0] for c in CASES])
def test_values_and_dtypes_equal_keras3(name, f, args):
    compare(K3, ops, f, args, rtol=1e-4, atol=1e-5)


def test_linalg_namespace_and_missing_names():
    assert ops.linalg.matrix_rank is ops.matrix_rank and ops.linalg.qr is ops.qr
    assert ops.linalg.eig is ops.eig and ops.image.resize.__name__ == "resize"
    assert ops.numpy.add is ops.add and ops.image.elastic_transform.__name__ == \
        "elastic_transform"


def test_numpy_named_ops_leave_python_builtins_alone():
    """ops.tile's repeats check runs Python's all(), not ops.all (the new name shadowed it)."""
    import dlcore_static as tf
    with tf.Session() as sess:
        got = sess.run(ops.tile(tf.constant(I), [2, 1]))
    np.testing.assert_array_equal(got, np.tile(I, [2, 1]))
