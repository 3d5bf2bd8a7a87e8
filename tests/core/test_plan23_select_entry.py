"""where's CPU entry (dlcore/kernels/cpu/select_entry.py): NumPy's where for small arrays, the
same bits as the generated kernel, which still runs for everything else."""

import numpy as np
import pytest

from dlcore.kernels.cpu import select_entry as se
from dlcore.ops.elementwise import where_p

entry = where_p.kernels["cpu"]
kern = entry.kernel


def _bits(x):
    return np.ascontiguousarray(x).view(np.uint8)


CASES = [
    ((60, 1), (1, 32), (60, 32), np.float32),      # a TensorArray write in a loop
    ((16, 1), (16, 64), (16, 64), np.float32),     # a sequence_length mask
    ((), (), (), np.int64),                        # a loop index's wrap
    ((3, 4), (3, 4), (3, 4), np.float64),
    ((4,), (2, 4), (), np.float32),
    ((0, 3), (0, 3), (1, 3), np.float32),
]


@pytest.mark.parametrize("sc,sa,sb,dt", CASES)
def test_same_bits_as_generated_kernel(sc, sa, sb, dt):
    rng = np.random.default_rng(0)
    c = rng.random(sc) < 0.5
    a = np.asarray(rng.standard_normal(sa) * 10).astype(dt)
    b = np.asarray(rng.standard_normal(sb) * 10).astype(dt)
    if np.dtype(dt).kind == "f" and a.size and b.size:
        a.reshape(-1)[0] = -0.0                          # the sign of zero and NaN payloads
        b.reshape(-1)[-1] = np.frombuffer(np.array([0x7FC00123], np.uint32).tobytes(),
                                          np.float32)[0].astype(dt)
    got, want = entry(c, a, b), kern(c, a, b)
    assert type(got) is np.ndarray and got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(_bits(got), _bits(want))


def test_takes_numpy_where_only_for_its_cases(monkeypatch):
    calls = []
    real = np.where
    monkeypatch.setattr(se.np, "where", lambda *a: calls.append(1) or real(*a))
    fresh = se.select_entry(kern)
    c = np.array([True, False, True])
    f32, f64 = np.arange(3, dtype=np.float32), np.arange(3, dtype=np.float64)
    np.testing.assert_array_equal(fresh(c, f32, -f32), [0, -1, 2])
    assert len(calls) == 1
    # an int mask, two dtypes: the generated kernel (the values are still the select's)
    np.testing.assert_array_equal(fresh(c.astype(np.int32), f32, -f32), [0, -1, 2])
    assert fresh(c, f32, f64).dtype == np.float64
    big = np.zeros(se.PARALLEL_THRESHOLD, bool)
    fresh(big, np.float32(1) + np.zeros(se.PARALLEL_THRESHOLD, np.float32),
          np.zeros(se.PARALLEL_THRESHOLD, np.float32))
    assert len(calls) == 1
    # NumPy's where up to WHERE_MAX elements; above, the kernel's branch-free select (a random
    # mask past NumPy's 8192-element buffer cost where 2.5 ns an element: 22 us at (64, 128))
    assert se.WHERE_MAX == 4096
    rng = np.random.default_rng(0)
    for n, used in ((se.WHERE_MAX, 2), (se.WHERE_MAX + 1, 2), (64 * 128, 2)):
        g = rng.standard_normal(n).astype(np.float32)
        got = fresh(g > 0, g, np.zeros((), np.float32))
        np.testing.assert_array_equal(got, real(g > 0, g, np.float32(0)))
        assert len(calls) == used, (n, len(calls))


def test_shapes_that_do_not_broadcast_raise_the_kernels_error():
    c = np.ones((3,), bool)
    a, b = np.ones((4,), np.float32), np.ones((3,), np.float32)
    with pytest.raises(ValueError) as want:
        kern(c, a, b)
    with pytest.raises(ValueError) as got:
        entry(c, a, b)
    assert str(got.value) == str(want.value)


def test_static_select_in_a_loop_interpreted_and_compiled():
    import dlcore_static as tf
    x = tf.placeholder(tf.float32, [5, 3])
    n = tf.placeholder(tf.int32, [])

    def body(i, acc):
        row = tf.where(tf.equal(tf.range(5), i)[:, None], x, tf.zeros_like(x))
        return i + 1, acc + row

    _, acc = tf.while_loop(lambda i, acc: i < n, body, [0, tf.zeros([5, 3])])
    xv = np.arange(15, dtype=np.float32).reshape(5, 3)
    want = np.where(np.arange(5)[:, None] < 3, xv, 0)
    for passes in ((), "all"):
        with tf.Session(passes=passes) as s:
            for _ in range(2):
                np.testing.assert_array_equal(s.run(acc, {x: xv, n: 3}), want)
