"""The static front end's names for the long-tail nn ops: ``tf.nn.local_response_normalization``
(and its alias ``tf.nn.lrn``), NHWC, TensorFlow 1's formula.  Values against NumPy, the
gradient against central differences (float64, a random cotangent), errors by type and
message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

RNG = np.random.default_rng(11)


def _lrn_ref(x, r, bias, alpha, beta):
    d = x.shape[-1]
    sq = np.pad(x * x, [(0, 0)] * (x.ndim - 1) + [(r, r)])
    total = sum(sq[..., o:o + d] for o in range(2 * r + 1))
    return x / (bias + alpha * total) ** beta


@pytest.mark.parametrize("kw", [{}, {"depth_radius": 1, "bias": 2.0, "alpha": 0.3, "beta": 0.75},
                                {"depth_radius": 7, "alpha": 0.05}])
def test_local_response_normalization_matches_tensorflow_formula(kw):
    x = RNG.standard_normal((2, 3, 2, 6)).astype(np.float32)
    with tf.Graph().as_default():
        y = tf.nn.local_response_normalization(tf.constant(x), **kw)
        z = tf.nn.lrn(tf.constant(x), **kw)
        with tf.Session() as s:
            got, alias = s.run([y, z])
    full = {"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5, **kw}
    want = _lrn_ref(x.astype(np.float64), full["depth_radius"], full["bias"], full["alpha"],
                    full["beta"])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got, alias)


def test_local_response_normalization_gradient_matches_central_differences():
    x0 = RNG.standard_normal((1, 2, 2, 5))
    c = RNG.standard_normal(x0.shape)
    kw = {"depth_radius": 2, "bias": 1.5, "alpha": 0.4, "beta": 0.6}
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None, 2, 2, 5])
        loss = tf.reduce_sum(tf.nn.lrn(x, **kw) * c)
        (g,) = tf.gradients(loss, [x])
        with tf.Session() as s:
            got = s.run(g, {x: x0})
    want = np.zeros_like(x0)
    eps = 1e-6
    for i in np.ndindex(x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[i] += eps
        xm[i] -= eps
        want[i] = (np.sum(_lrn_ref(xp, 2, 1.5, 0.4, 0.6) * c)
                   - np.sum(_lrn_ref(xm, 2, 1.5, 0.4, 0.6) * c)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_local_response_normalization_needs_rank_4():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"Shape must be rank 4 but is rank 3 for 'LRN' "
                                             r"\(op: 'LRN'\) with input shapes: \[2,3,4\]\."):
            tf.nn.local_response_normalization(tf.constant(np.ones((2, 3, 4), np.float32)))
        assert tf.nn.lrn.__doc__ and "local_response" in tf.nn.lrn.__doc__


def _patches_ref(x, k, s, r, padding):
    """TensorFlow's extract_image_patches by loops: (row, col, depth) per patch."""
    n, h, w, c = x.shape
    eff = [r[i] * (k[i] - 1) + 1 for i in (0, 1)]
    if padding == "SAME":
        pads = []
        for size, st, e in zip((h, w), s, eff):
            out = -(-size // st)
            total = max((out - 1) * st + e - size, 0)
            pads.append((total // 2, total - total // 2))
        x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    oh, ow = ((x.shape[1 + i] - eff[i]) // s[i] + 1 for i in (0, 1))
    out = np.zeros((n, oh, ow, k[0] * k[1] * c))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * s[0]:i * s[0] + eff[0]:r[0], j * s[1]:j * s[1] + eff[1]:r[1], :]
            out[:, i, j] = patch.reshape(n, -1)
    return out


@pytest.mark.parametrize("k, s, r, padding", [((2, 2), (1, 1), (1, 1), "VALID"),
                                              ((3, 2), (2, 1), (1, 2), "SAME"),
                                              ((2, 3), (2, 3), (2, 1), "VALID"),
                                              ((3, 3), (2, 2), (1, 1), "SAME")])
def test_extract_image_patches_matches_tensorflow_layout(k, s, r, padding):
    x0 = RNG.standard_normal((2, 5, 6, 3))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None, 5, 6, 3])          # the batch unknown
        y = tf.extract_image_patches(x, [1, *k, 1], [1, *s, 1], [1, *r, 1], padding)
        with tf.Session() as sess:
            got = sess.run(y, {x: x0})
    np.testing.assert_array_equal(got, _patches_ref(x0, k, s, r, padding))


def test_extract_image_patches_gradient_matches_central_differences():
    x0 = RNG.standard_normal((1, 4, 3, 2))
    args = ([1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "SAME")
    c = RNG.standard_normal(_patches_ref(x0, (2, 2), (1, 2), (1, 1), "SAME").shape)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, x0.shape)
        (g,) = tf.gradients(tf.reduce_sum(tf.extract_image_patches(x, *args) * c), [x])
        with tf.Session() as sess:
            got = sess.run(g, {x: x0})
    # the patches are linear in x: the gradient counts, per pixel, c over the taps it feeds
    want = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        e = np.zeros_like(x0)
        e[i] = 1.0
        want[i] = np.sum(_patches_ref(e, (2, 2), (1, 2), (1, 1), "SAME") * c)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_extract_image_patches_errors():
    with tf.Graph().as_default():
        x = tf.constant(np.ones((2, 4, 4), np.float32))
        with pytest.raises(ValueError, match=r"Shape must be rank 4 but is rank 3 for "
                                             r"'ExtractImagePatches'"):
            tf.extract_image_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
        x4 = tf.constant(np.ones((1, 4, 4, 1), np.float32))
        with pytest.raises(ValueError, match="ksizes in the batch and depth dimensions must "
                                             "be 1"):
            tf.extract_image_patches(x4, [2, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
        with pytest.raises(ValueError, match="padding must be 'SAME' or 'VALID'"):
            tf.extract_image_patches(x4, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "FULL")


def test_docstring_examples_run():
    import doctest

    from dlcore_static import nn_conv
    for fn in (nn_conv.local_response_normalization, nn_conv.extract_image_patches):
        finder = doctest.DocTestFinder()
        runner = doctest.DocTestRunner()
        for test in finder.find(fn, globs={"tf": tf}):
            with tf.Graph().as_default():
                runner.run(test)
        result = runner.summarize(verbose=False)
        assert result.failed == 0 and result.attempted > 0, fn.__name__
