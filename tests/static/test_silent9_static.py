"""Session 9 (D9), static side: Adam's beta powers read once per apply_gradients by every
variable's update (TF1's ``beta1_power/read`` snapshot; under tf.control_dependencies each
update made its own reads), values vs a NumPy TF1 Adam; a reduction over a value larger than
the host's memory raises ResourceExhaustedError after the fusion pass too (fused, it ran for
hours where the unoptimised plan raised at once)."""

import numpy as np
import pytest

import dlcore_static as tf


def _adam_reference(ws, xs, steps, lr=0.1, b1=0.9, b2=0.999, eps=1e-8):
    """TF1's Adam (lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)) on loss = mean((x @ sum w)^2)."""
    ws = [w.astype(np.float64) for w in ws]
    m = [np.zeros_like(w) for w in ws]
    v = [np.zeros_like(w) for w in ws]
    for t in range(1, steps + 1):
        y = xs @ sum(ws)
        g = xs.T @ (2 * y / y.size)
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for i in range(len(ws)):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            ws[i] = ws[i] - lr_t * m[i] / (np.sqrt(v[i]) + eps)
    return ws


def test_adam_reads_the_beta_powers_once():
    init = [np.full((3, 1), 0.1 * (i + 1), np.float32) for i in range(4)]
    xs = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        ws = [tf.Variable(w, name=f"w{i}") for i, w in enumerate(init)]
        loss = tf.reduce_mean(tf.square(tf.matmul(x, tf.add_n(ws))))
        counter = tf.Variable(0.0, name="counter")
        with tf.control_dependencies([counter.assign_add(1.0)]):   # minimize under UPDATE_OPS
            train = tf.train.AdamOptimizer(0.1).minimize(loss)
        reads = [op.name for op in g.get_operations() if op.type == "VariableRead"
                 and "_power" in op.attrs["variable"].name]
        # the powers' own reads and _finish's (was 2 + 2 per variable: 10)
        assert sorted(reads) == ["Adam/beta1_power/read", "Adam/beta2_power/read",
                                 "beta1_power/read", "beta2_power/read"]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for _ in range(3):
                s.run(train, {x: xs})
            got = s.run(ws)
            powers = s.run(["beta1_power:0", "beta2_power:0"])
    for a, b in zip(got, _adam_reference(init, xs.astype(np.float64), 3)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)     # (float32 gradients)
    np.testing.assert_allclose(powers, [0.9 ** 4, 0.999 ** 4], rtol=1e-6)


def test_fused_reduction_over_a_value_beyond_memory_raises():
    n = 300_000                        # the product is 300000 x 300000 float32: 335 GiB
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None])
        y = tf.reduce_sum(tf.expand_dims(x, 0) * tf.expand_dims(x, 1))
        with tf.Session(passes=["fusion"]) as s:
            assert s.run(y, {x: np.ones(4, np.float32)}) == 16.0
            for _ in range(2):         # as built, then optimised (fused: it ran for hours)
                with pytest.raises(tf.errors.ResourceExhaustedError,
                                   match=r"OOM when allocating tensor with shape\[300000,300000"
                                         r"\] and type float") as e:
                    s.run(y, {x: np.ones(n, np.float32)})
                assert isinstance(e.value, MemoryError) and "[[node mul" in str(e.value).lower()
            small = np.arange(5, dtype=np.float32)       # small inputs still fused and right
            assert s.run(y, {x: small}) == pytest.approx(small.sum() ** 2)


# ----------------------------------------------------------------------------- missing names
def _pool_argmax_reference(x, k, s, same, with_batch):
    """TF's MaxPoolWithArgmax in NumPy: first maximum of each window in row-major order."""
    n, h, w, c = x.shape
    if same:
        oh, ow = -(-h // s[0]), -(-w // s[1])
        pt = max((oh - 1) * s[0] + k[0] - h, 0) // 2
        pl = max((ow - 1) * s[1] + k[1] - w, 0) // 2
    else:
        oh, ow, pt, pl = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1, 0, 0
    out = np.zeros((n, oh, ow, c), x.dtype)
    arg = np.zeros((n, oh, ow, c), np.int64)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    best, where = -np.inf, -1
                    for dy in range(k[0]):
                        for dx in range(k[1]):
                            y, xx = i * s[0] - pt + dy, j * s[1] - pl + dx
                            if 0 <= y < h and 0 <= xx < w and x[b, y, xx, ch] > best:
                                best, where = x[b, y, xx, ch], (y * w + xx) * c + ch
                    out[b, i, j, ch] = best
                    arg[b, i, j, ch] = where + (b * h * w * c if with_batch else 0)
    return out, arg


@pytest.mark.parametrize("padding,with_batch", [("VALID", False), ("SAME", True)])
def test_max_pool_with_argmax(padding, with_batch):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (2, 5, 4, 3)).astype(np.float32)      # (ties: the first wins)
    ref_out, ref_arg = _pool_argmax_reference(x, (2, 2), (2, 2), padding == "SAME", with_batch)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [None, 5, 4, 3])
        out, arg = tf.nn.max_pool_with_argmax(xp, [1, 2, 2, 1], [1, 2, 2, 1], padding,
                                              include_batch_in_index=with_batch)
        dx, = tf.gradients(tf.reduce_sum(out), xp)
        with tf.Session() as s:
            o, a, d = s.run([out, arg, dx], {xp: x})
    assert a.dtype == np.int64 and o.shape == ref_out.shape
    np.testing.assert_array_equal(o, ref_out)
    np.testing.assert_array_equal(a, ref_arg)
    hits = np.zeros(x.size)                       # d sum / dx: 1 at each window's maximum
    np.add.at(hits, ref_arg % 60 + np.arange(2)[:, None, None, None] * 60, 1)
    np.testing.assert_array_equal(d.ravel(), hits)


def test_add_check_numerics_ops():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2])
        y = tf.log(x) * 2.0
        check = tf.add_check_numerics_ops()
        with tf.Session() as s:
            assert s.run([y, check], {x: [1.0, 2.0]})[1] is None
            with pytest.raises(tf.errors.InvalidArgumentError, match="Log:0 : Tensor had NaN"):
                s.run([y, check], {x: [-1.0, 2.0]})
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, [])
        tf.cond(p > 0, lambda: p * 2.0, lambda: p)
        with pytest.raises(ValueError, match=r"^`tf.add_check_numerics_ops\(\) is not compatible"):
            tf.add_check_numerics_ops()
